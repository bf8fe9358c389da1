"""Hand-over at release (出所衔接): a person's follow-up passes to a community social
worker, with the person's consent."""

from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.db import Base, EncryptedLongText, utcnow
from models.errors import StateError
from models.seekers import Seeker
from models.users import Role, StaffUser

# the check-ins a social worker makes after release, in months
AFTERCARE_MONTHS = (1, 3, 6, 12)


class Handover(Base):
    """A person handed to a community social worker at release.

    State rules: only with the person's recorded consent to the hand-over; to an active
    account with the social worker role; one current hand-over per person (a new one
    ends the old). The social worker sees only people handed to them, and only what
    follow-up needs.
    """

    __tablename__ = "handovers"
    __table_args__ = (
        sa.Index("ix_handovers_one_current", "seeker_id", unique=True,
                 sqlite_where=sa.text("ended_on IS NULL"),
                 postgresql_where=sa.text("ended_on IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    seeker_id: Mapped[int] = mapped_column(sa.ForeignKey("seekers.id"), index=True)
    social_worker_id: Mapped[int] = mapped_column(sa.ForeignKey("staff_users.id"), index=True)
    handed_on: Mapped[date]
    consent_at: Mapped[datetime]
    handed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id"))
    # what the follow-up needs to know (job-relevant; encrypted at rest)
    note: Mapped[str] = mapped_column(EncryptedLongText(), default="")
    ended_on: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    seeker: Mapped[Seeker] = relationship()
    social_worker: Mapped[StaffUser] = relationship(foreign_keys=[social_worker_id])

    @staticmethod
    def check(worker: StaffUser | None, consent: bool) -> None:
        if not consent:
            raise StateError(_l("The person has not agreed to the hand-over. Ask them, and "
                                "tick the box only once they agree."))
        if worker is None or worker.role is not Role.SOCIAL_WORKER or not worker.active:
            raise StateError(_l("Choose an active community social worker."))

    def end(self, on: date) -> None:
        if self.ended_on is None:
            self.ended_on = on


class AftercareCheck(Base):
    """A social worker's check-in with a person 1, 3, 6 or 12 months after release,
    whatever the channel of their job (or none)."""

    __tablename__ = "aftercare_checks"
    __table_args__ = (sa.UniqueConstraint("handover_id", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    handover_id: Mapped[int] = mapped_column(
        sa.ForeignKey("handovers.id", ondelete="CASCADE"), index=True)
    month: Mapped[int] = mapped_column(sa.SmallInteger)
    due_on: Mapped[date] = mapped_column(index=True)
    done_on: Mapped[date | None]
    # working at the time of the check (any job, from Qibu or not); None = not reached
    working: Mapped[bool | None]
    reached: Mapped[bool | None]
    note: Mapped[str] = mapped_column(EncryptedLongText(), default="")
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id"))

    handover: Mapped[Handover] = relationship()

    def record(self, on: date, reached: bool, working: bool | None, today: date) -> None:
        if on > today:
            raise StateError(_l("The date %(on)s is in the future."), on=on.isoformat())
        if on < self.handover.handed_on:
            raise StateError(_l("The date %(on)s is before the hand-over (%(handed)s)."),
                             on=on.isoformat(), handed=self.handover.handed_on.isoformat())
        if reached and working is None:
            raise StateError(_l("Say whether the person is working."))
        self.done_on = on
        self.reached = reached
        self.working = working if reached else None
