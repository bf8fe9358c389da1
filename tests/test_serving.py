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


def test_a_frozen_worker_freezes_the_openings_register_it_rebuilds(app, make, monkeypatch):
    """After a change of the register, the worker's rebuilt register is frozen too; a
    process that never froze its heap (tests, commands, the dev server) freezes nothing."""
    from app import serving
    from app.services.matching import prepared_open_openings
    from models import db

    freezes = []
    real_freeze = serving.freeze_heap

    def counted_freeze():
        freezes.append(real_freeze())
        return freezes[-1]

    monkeypatch.setattr(serving, "freeze_heap", counted_freeze)
    make.opening()
    db.session.commit()
    try:
        prepared_open_openings()
        assert freezes == []  # never frozen at start: nothing to keep frozen
        app.extensions[serving.FROZEN] = True
        make.opening(title="新岗位")
        db.session.commit()
        prepared_open_openings()  # a new version of the register: rebuilt, then frozen
        assert len(freezes) == 1 and freezes[0] > 0
        prepared_open_openings()  # the same version: nothing rebuilt, nothing frozen
        assert len(freezes) == 1
    finally:
        app.extensions.pop(serving.FROZEN, None)
        gc.unfreeze()
