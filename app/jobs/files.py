"""Files export jobs make for the account that started them: kept encrypted in `job_files`,
downloaded by that account only (`/jobs/<id>/file`), until QIBU_JOB_FILE_HOURS after they
were made; `qibu purge` deletes them after that.

Each kind that makes a file says here whether its download asks for the password again
(as the page that started it did) and which audit action records the download.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from app.crypto import decrypt_bytes, encrypt_bytes
from app.jobs import is_under_way
from models import Job, JobFile, JobState, db, utcnow
from models.jobs import N_

PDF = "application/pdf"


@dataclass(frozen=True)
class FileRule:
    """How a kind's file is handed out."""

    audit: str  # the audit action of a download
    reauthenticate: bool  # the download asks for the password again when not recent


FILE_RULES = {
    "sheets_pdf": FileRule(audit="sheets_exported", reauthenticate=True),
    "shortlists_pdf": FileRule(audit="shortlists_exported", reauthenticate=True),
}


def keep_job_file(job: Job, filename: str, data: bytes, mimetype: str = PDF) -> JobFile:
    """Keep the file `job` made, encrypted, for its starter until it expires. Flushes."""
    db.session.execute(sa.delete(JobFile).where(JobFile.job_id == job.id))
    now = utcnow()
    kept = JobFile(job_id=job.id, filename=filename, mimetype=mimetype,
                   data=encrypt_bytes(data), created_at=now,
                   expires_at=now + timedelta(hours=current_app.config["JOB_FILE_HOURS"]))
    db.session.add(kept)
    db.session.flush()
    return kept


def job_file(job: Job, now: datetime | None = None) -> JobFile | None:
    """The job's file while it may be downloaded (None once expired or purged)."""
    kept = db.session.scalar(sa.select(JobFile).where(JobFile.job_id == job.id))
    if kept is None or kept.expired(now or utcnow()):
        return None
    return kept


def file_data(kept: JobFile) -> bytes:
    return decrypt_bytes(kept.data)


def file_download(job: Job) -> dict:
    """The job result's `download` entry: its own file, at /jobs/<id>/file."""
    return {"endpoint": "jobs.file", "values": {"job_id": job.id},
            "label": N_("Download the PDF")}


def active_job(kind: str, subject, by) -> Job | None:
    """A job of `kind` for `subject` that `by` started and that still waits or runs (a
    second click follows it instead of starting another)."""
    jobs = db.session.scalars(
        sa.select(Job).where(Job.kind == kind, Job.subject_type == type(subject).__name__,
                             Job.subject_id == subject.id, Job.started_by_id == by.id,
                             Job.state.in_((JobState.QUEUED, JobState.RUNNING)))
        .order_by(Job.id.desc()))
    return next((job for job in jobs if is_under_way(job)), None)


def purge_job_files(now: datetime | None = None, *, dry_run: bool = False) -> int:
    """Delete (or, in a dry run, count) the files past their expiry."""
    expired = JobFile.expires_at <= (now or utcnow())
    if dry_run:
        return db.session.scalar(sa.select(sa.func.count(JobFile.id)).where(expired))
    return db.session.execute(
        sa.delete(JobFile).where(expired).execution_options(synchronize_session=False)
    ).rowcount
