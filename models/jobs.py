"""Long work run as a job (on a queue, or in-process without one) and its state rules."""

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.db import Base, enum_column, utcnow
from models.errors import StateError


def N_(text: str) -> str:  # noqa: N802 (Babel's marker: extracted, translated when shown)
    return text


class JobState(enum.Enum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


FINISHED_STATES = frozenset({JobState.DONE, JobState.FAILED, JobState.CANCELLED})


class Job(Base):
    """One run of a job kind, who started it, the page it belongs to, and how it went.

    ``arguments`` holds ids and options only (never a name or a phone number).
    ``message`` and ``error`` are English msgids (``error_params`` fills the latter's
    placeholders), translated in the reader's language when shown. ``result`` is what the
    job page offers when done: ``url`` (where to go back: ``endpoint``
    and ``values``), ``notice`` ([msgid, params]).
    """

    __tablename__ = "jobs"
    __table_args__ = (
        sa.CheckConstraint("progress BETWEEN 0 AND 100", name="progress_range"),
        sa.Index("ix_jobs_subject", "subject_type", "subject_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    state: Mapped[JobState] = mapped_column(enum_column(JobState), default=JobState.QUEUED,
                                            index=True)
    progress: Mapped[int] = mapped_column(default=0)
    message: Mapped[str] = mapped_column(sa.String(200), default="")
    started_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("staff_users.id", ondelete="SET NULL"), index=True)
    subject_type: Mapped[str | None] = mapped_column(sa.String(40))
    subject_id: Mapped[int | None] = mapped_column()
    arguments: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    result: Mapped[dict | None] = mapped_column(sa.JSON)
    error: Mapped[str | None] = mapped_column(sa.String(500))
    error_params: Mapped[dict | None] = mapped_column(sa.JSON)
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    started_at: Mapped[datetime | None] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column()

    started_by = relationship("StaffUser")

    @property
    def finished(self) -> bool:
        return self.state in FINISHED_STATES

    def start(self) -> None:
        """Mark the job running (one more attempt)."""
        if self.state is not JobState.QUEUED:
            raise StateError(N_("This job is not waiting to run."))
        self.state, self.started_at, self.finished_at = JobState.RUNNING, utcnow(), None
        self.attempts += 1
        self.progress, self.error, self.error_params = 0, None, None

    def report(self, progress: int, message: str = "") -> None:
        self.progress = max(0, min(100, int(progress)))
        self.message = message[:200]

    def finish(self, result: dict | None) -> None:
        if self.state is not JobState.RUNNING:
            raise StateError(N_("This job is not running."))
        self.state, self.progress, self.result = JobState.DONE, 100, result or {}
        self.finished_at = utcnow()

    def fail(self, error: str, **params) -> None:
        self.state, self.error, self.error_params = JobState.FAILED, error[:500], params or None
        self.finished_at = utcnow()

    def cancel(self) -> None:
        """Cancel a job that waits or runs (a running one stops at its next progress point)."""
        if self.finished:
            raise StateError(N_("This job has already finished."))
        self.state, self.finished_at = JobState.CANCELLED, utcnow()

    def requeue(self, stale: bool = False) -> None:
        """Queue a failed or cancelled job again (or a running one whose worker died)."""
        if self.state not in (JobState.FAILED, JobState.CANCELLED) and not (
                stale and self.state is JobState.RUNNING):
            raise StateError(N_("Only a failed or cancelled job can be tried again."))
        self.state, self.progress, self.message = JobState.QUEUED, 0, ""
        self.error, self.error_params, self.result, self.finished_at = None, None, None, None

    def __repr__(self) -> str:
        return f"<Job {self.id} {self.kind} {self.state.value}>"


class JobFile(Base):
    """A file a job made for the account that started it (a fair's sheets or shortlists).

    ``data`` holds personal data and is stored encrypted (bytes given by the app; models
    import nothing of ours). Only the job's starter may download it, until ``expires_at``
    (QIBU_JOB_FILE_HOURS after it was made); ``qibu purge`` deletes expired files.
    """

    __tablename__ = "job_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(sa.ForeignKey("jobs.id", ondelete="CASCADE"),
                                        unique=True)
    filename: Mapped[str] = mapped_column(sa.String(200))
    mimetype: Mapped[str] = mapped_column(sa.String(100))
    data: Mapped[bytes] = mapped_column(sa.LargeBinary, deferred=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)

    def expired(self, now: datetime) -> bool:
        return self.expires_at <= now

    def __repr__(self) -> str:
        return f"<JobFile {self.job_id} {self.filename}>"
