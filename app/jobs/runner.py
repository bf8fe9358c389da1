"""What the RQ worker calls: run one Qibu job inside the Flask app."""

import os

from flask import current_app, has_app_context

_engine_pid: dict[int, int] = {}


def perform(job_id: int) -> None:
    """Run job `job_id` (the worker pushes the app context, `qibu worker`)."""
    if not has_app_context():
        raise RuntimeError("run Qibu jobs with `qibu worker`: it provides the app context")
    from app.jobs import run_job
    from models import db

    engine = db.engine
    # RQ forks a work horse per job: a connection inherited from the parent is not ours
    if _engine_pid.get(id(engine)) != os.getpid():
        engine.dispose(close=False)
        _engine_pid[id(engine)] = os.getpid()
    try:
        run_job(job_id)
    finally:
        db.session.remove()
        current_app.logger.debug("job %s handled", job_id)
