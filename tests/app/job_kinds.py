"""Job kinds for the jobs' tests: a fair plan that fails after writing, or goes slowly.

Imported by the tests and by the `qibu worker` they start (so both know these kinds).
"""

import time

from app.jobs import job_kind, report_progress
from app.services import fair_plan
from models import Fair, db

STEPS = 10


@job_kind("test_failing_plan", "Fair plan")
def failing_plan(job, fair_id: int, fail: bool = True) -> dict:
    """Write the fair's plan, then fail (unless `fail` is false)."""
    fair_plan.plan_fair_recommendations(db.session.get(Fair, fair_id))
    db.session.flush()
    if fail:
        raise RuntimeError("stopped after writing the plan")
    return {"url": {"endpoint": "fairs.fair", "values": {"fair_id": fair_id}}}


@job_kind("test_slow_plan", "Fair plan")
def slow_plan(job, fair_id: int, delay: float = 0.3) -> dict:
    """Write the fair's plan, then report STEPS progress points `delay` seconds apart."""
    fair_plan.plan_fair_recommendations(db.session.get(Fair, fair_id))
    db.session.flush()
    for step in range(1, STEPS + 1):
        report_progress(job, step * 100 // STEPS, "Saving the plan")
        time.sleep(delay)
    return {"url": {"endpoint": "fairs.fair", "values": {"fair_id": fair_id}}}
