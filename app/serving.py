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

from flask import Flask, current_app

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
    """Warm the worker, then freeze its heap; return the number of objects frozen. From
    then on the worker also freezes what `freeze_rebuilt_cache` is told of."""
    warm_up(app)
    app.extensions[FROZEN] = True
    return freeze_heap()


FROZEN = "qibu_heap_frozen"


def freeze_rebuilt_cache() -> None:
    """In a worker whose heap was frozen at start (`prepare_worker`), freeze again once a
    long-lived cache has been rebuilt — the openings register prepared for the matcher,
    tens of thousands of objects kept until the register changes — so later requests'
    collections do not walk it (about 130 ms a collection with 10,000 openings). Costs
    one full collection, in the request that rebuilt the cache. Elsewhere (the
    development server, tests, commands) it does nothing."""
    if current_app.extensions.get(FROZEN):
        freeze_heap()
