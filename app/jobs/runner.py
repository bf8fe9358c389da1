"""What the RQ worker calls: run one Qibu job inside the Flask app."""

from flask import current_app, has_app_context


def perform(job_id: int) -> None:
    """Run job `job_id` (the worker pushes the app context, `qibu worker`)."""
    if not has_app_context():
        raise RuntimeError("run Qibu jobs with `qibu worker`: it provides the app context")
    from app.jobs import run_job
    from models import db

    # a context (and database session) of the job's own, apart from the worker's
    with current_app.app_context():
        try:
            run_job(job_id)
        finally:
            db.session.remove()
