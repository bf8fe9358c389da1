"""Long work as jobs: a registry of kinds, enqueueing, running, progress, cancel, retry.

A kind is a function `(job, **arguments) -> result` registered with `@job_kind(name)`; it
calls `report_progress(job, percent, message)` at its steps, writes through `db.session`
and never commits: `run_job` commits its writes together with the job's state "done",
so a job that fails, is cancelled or whose worker dies leaves nothing half-written.

With QIBU_REDIS_URL set, `enqueue_job` puts the job on the RQ queue QIBU_JOBS_QUEUE, run
by `qibu worker`; without, the job runs in a thread of this process (QIBU_JOBS_SYNC: in
the caller itself, as the tests do), so `make run` needs nothing else.
"""

import logging
import threading
from dataclasses import dataclass

from flask import current_app

from app.audit import log_event
from app.jobs.live import live
from models import Job, JobState, StaffUser, StateError, db
from models.jobs import N_

logger = logging.getLogger("qibu.jobs")

FAILED_MESSAGE = N_("The job stopped on an unexpected error (recorded in the server log). "
                    "Try again; if it fails again, tell an administrator.")


@dataclass(frozen=True)
class JobKind:
    name: str
    label: str  # an English msgid, translated where shown
    run: object


KINDS: dict[str, JobKind] = {}


def job_kind(name: str, label: str):
    """Register the decorated function as the job kind `name` (label: a msgid)."""
    def register(function):
        KINDS[name] = JobKind(name, label, function)
        return function
    return register


class JobCancelled(Exception):
    """Raised at a progress point of a job someone cancelled."""


class JobFailed(Exception):
    """A failure the user can act on: `message` is an English msgid, `params` its values;
    `after`, if given, is called once the job's writes are rolled back, to record the
    failure (an audit event), committed with the job's state "failed"."""

    def __init__(self, message: str, after=None, **params):
        super().__init__(message)
        self.message, self.params, self.after = message, params, after


def report_progress(job: Job, percent: int, message: str = "") -> None:
    """Show the job's progress (message: an English msgid); stop here if it was cancelled."""
    store = live()
    if store.cancel_requested(job.id):
        raise JobCancelled()
    store.report(job.id, max(0, min(100, int(percent))), message)


def is_stale(job: Job) -> bool:
    """A running job whose worker gave no sign of life for QIBU_JOBS_HEARTBEAT_SECONDS."""
    return job.state is JobState.RUNNING and live().progress(job.id) is None


def is_under_way(job: Job | None) -> bool:
    """Whether the job still waits or runs, with a worker that lives."""
    return job is not None and not job.finished and not is_stale(job)


def shown_progress(job: Job) -> tuple[int, str]:
    """The job's progress and message (msgid) as a page shows them: live while it runs."""
    if job.state is JobState.RUNNING:
        found = live().progress(job.id)
        if found is not None:
            return found
    return job.progress, job.message


def enqueue_job(kind: str, by: StaffUser | None, subject=None, recorded=None,
                **arguments) -> Job:
    """Record a job of `kind` started by `by` for `subject` (the page it belongs to) and
    start it: on the queue, in a thread, or (JOBS_SYNC) right here.

    Commits: the row must exist before a worker elsewhere picks the job up. `recorded`,
    if given, is called with the new job before that commit, to note the job where its
    page will look for it (in the same transaction, so no worker can be writing there).
    """
    return enqueue_jobs(kind, by, [arguments], subject=subject,
                        recorded=None if recorded is None else lambda jobs: recorded(jobs[0])
                        )[0]


def enqueue_jobs(kind: str, by: StaffUser | None, argument_list: list[dict],
                 subject=None, recorded=None) -> list[Job]:
    """Record one job of `kind` per arguments in `argument_list` (the blocks of one piece
    of work) and start them: on the queue, where every worker takes its share; without a
    queue one after the other in one thread (or right here with JOBS_SYNC). Commits;
    `recorded(jobs)` is called before, as in `enqueue_job`."""
    if kind not in KINDS:
        raise KeyError(f"unknown job kind {kind!r}")
    jobs = [Job(kind=kind, state=JobState.QUEUED, progress=0, message="", attempts=0,
                started_by_id=getattr(by, "id", None), arguments=arguments,
                subject_type=type(subject).__name__ if subject is not None else None,
                subject_id=getattr(subject, "id", None)) for arguments in argument_list]
    db.session.add_all(jobs)
    db.session.flush()
    for job in jobs:
        log_event("job_queued", job, actor=by, kind=kind)
    if recorded is not None:
        recorded(jobs)
    db.session.commit()
    _dispatch(*[job.id for job in jobs])
    return jobs


def retry_job(job: Job, by: StaffUser | None) -> Job:
    """Queue a failed, cancelled or dead job again. Commits, as `enqueue_job`."""
    job.requeue(stale=is_stale(job))
    live().clear(job.id)
    log_event("job_retried", job, actor=by, kind=job.kind)
    db.session.commit()
    _dispatch(job.id)
    return job


def cancel_job(job: Job, by: StaffUser | None) -> None:
    """Cancel a job: a queued one never runs; a running one stops at its next progress
    point and its writes are rolled back. Flushes only."""
    if job.state is JobState.RUNNING:
        # only the flag: the row is the worker's to change (its transaction may hold it)
        live().request_cancel(job.id)
    else:
        job.cancel()
    log_event("job_cancelled", job, actor=by, kind=job.kind)


def _dispatch(*job_ids: int) -> None:
    config = current_app.config
    if config["REDIS_URL"]:
        queue = _queue()
        for job_id in job_ids:
            queue.enqueue("app.jobs.runner.perform", job_id,
                          job_timeout=config["JOBS_TIMEOUT_SECONDS"],
                          result_ttl=3600, failure_ttl=86400)
    elif config["JOBS_SYNC"]:
        for job_id in job_ids:
            run_job(job_id)
    else:
        app = current_app._get_current_object()

        def in_thread():
            with app.app_context():
                for job_id in job_ids:
                    try:
                        run_job(job_id)
                    finally:
                        db.session.remove()

        threading.Thread(target=in_thread, name=f"qibu-job-{job_ids[0]}",
                         daemon=True).start()


def _queue():
    from rq import Queue

    from app.jobs.live import _redis

    config = current_app.config
    return Queue(config["JOBS_QUEUE"], connection=_redis(config["REDIS_URL"]))


def run_job(job_id: int) -> None:
    """Run one queued job: mark it running, run its kind, commit its writes with "done";
    on a failure or a cancel, roll its writes back and record why."""
    session = db.session
    job = session.get(Job, job_id, with_for_update=True)
    if job is None or job.state is not JobState.QUEUED:
        session.rollback()
        return  # cancelled while it waited, or already taken
    job.start()
    session.commit()
    store = live()
    store.report(job.id, 0, "")
    kind = KINDS.get(job.kind)
    try:
        if kind is None:
            raise JobFailed(N_("This kind of job is not known to this worker."))
        result = kind.run(job, **(job.arguments or {}))
        if store.cancel_requested(job.id):
            raise JobCancelled()
        job.finish(result)
        session.commit()
    except JobCancelled:
        session.rollback()
        _record_end(job_id, None)
    except JobFailed as error:
        session.rollback()
        if error.after is not None:
            error.after()
        _record_end(job_id, error.message, **error.params)
    except StateError as error:
        session.rollback()
        _record_end(job_id, str(error.message), **error.params)
    except Exception:
        logger.exception("job %s (%s) failed", job_id, getattr(kind, "name", "?"))
        session.rollback()
        _record_end(job_id, FAILED_MESSAGE)
    finally:
        store.clear(job_id)


def _record_end(job_id: int, error: str | None, **params) -> None:
    job = db.session.get(Job, job_id)
    if error is None or job.state is JobState.CANCELLED:
        if job.state is not JobState.CANCELLED:
            job.cancel()
    else:
        job.fail(error, **params)
    db.session.commit()


from app.jobs import kinds  # noqa: E402,F401 (registers Qibu's job kinds)
