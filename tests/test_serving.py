"""gunicorn's worker hook (gunicorn.conf.py) warms the matcher and freezes the heap."""

import gc
import logging
import runpy
import sys
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent


def test_gunicorn_settings_name_the_hook_and_no_control_socket():
    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert settings["control_socket_disable"] is True
    assert callable(settings["post_worker_init"])


def test_post_worker_init_warms_and_freezes(app, caplog):
    hook = runpy.run_path(str(ROOT / "gunicorn.conf.py"))["post_worker_init"]
    worker = SimpleNamespace(wsgi=app, pid=4242, log=logging.getLogger("gunicorn.test"))
    try:
        with caplog.at_level(logging.INFO, logger="gunicorn.test"):
            hook(worker)
        frozen = gc.get_freeze_count()
    finally:
        gc.unfreeze()
    assert frozen > 10_000
    assert "matching.ranking" in sys.modules and "sklearn" in sys.modules
    assert "Qibu worker 4242 ready: " in caplog.text
    assert "start-up objects frozen" in caplog.text
