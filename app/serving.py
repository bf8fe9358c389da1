"""What a long-lived web worker does once, after the app is loaded and before its first
request: load what pages otherwise load on first use, then freeze the heap.

Called by gunicorn's ``post_worker_init`` hook (``gunicorn.conf.py``). A full garbage
collection otherwise walks every object made at start-up — the app, SQLAlchemy's
mappers, pandas, NumPy, scikit-learn — and took 180–300 ms inside a request; frozen
objects are left out of every collection (and their pages stay shared with the master
process, as they are never written to by the collector).
"""

import gc
import importlib

from flask import Flask

# The matcher's modules: imported lazily (``qibu --help`` and create_app() need none of
# them), so a worker imports them here rather than in its first ranking request.
MATCHER_MODULES = ("matching.features", "matching.ranking", "matching.plan",
                   "matching.reasons", "matching.certificates", "matching.categorize")


def warm_up(app: Flask) -> None:
    """Import the matcher and load the reference data the pages use."""
    for name in MATCHER_MODULES:
        importlib.import_module(name)
    from app.services.matching import reference

    with app.app_context():
        reference()


def freeze_heap() -> int:
    """Collect what start-up left behind, then move every surviving object to the
    permanent generation; return how many objects were frozen."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


def prepare_worker(app: Flask) -> int:
    """Warm the worker, then freeze its heap; return the number of objects frozen."""
    warm_up(app)
    return freeze_heap()
