"""Placements (就业安置) and their follow-ups at 1, 3 and 6 months."""

import calendar
import enum
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.db import Base, enum_column, utcnow
from models.employers import Opening
from models.errors import StateError
from models.seekers import Seeker

FOLLOW_UP_MONTHS = (1, 3, 6)


def add_months(day: date, months: int) -> date:
    """Return the same day `months` later, clamped to the month's last day."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


class Placement(Base):
    """A hire: a seeker started work in an opening."""

    __tablename__ = "placements"
    __table_args__ = (sa.UniqueConstraint("seeker_id", "opening_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    seeker_id: Mapped[int] = mapped_column(sa.ForeignKey("seekers.id"), index=True)
    opening_id: Mapped[int] = mapped_column(sa.ForeignKey("openings.id"), index=True)
    interest_id: Mapped[int | None] = mapped_column(sa.ForeignKey("interests.id"))
    fair_id: Mapped[int | None] = mapped_column(sa.ForeignKey("fairs.id"), index=True)
    start_date: Mapped[date]
    monthly_pay: Mapped[int | None]
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    seeker: Mapped[Seeker] = relationship()
    opening: Mapped[Opening] = relationship()
    follow_ups: Mapped[list["FollowUp"]] = relationship(
        back_populates="placement", order_by="FollowUp.month", cascade="all, delete-orphan"
    )

    def schedule_follow_ups(self) -> None:
        """Create the follow-ups due 1, 3 and 6 months after the start date."""
        existing = {f.month for f in self.follow_ups}
        for months in FOLLOW_UP_MONTHS:
            if months not in existing:
                self.follow_ups.append(
                    FollowUp(month=months, due_on=add_months(self.start_date, months))
                )


class FollowUpReason(enum.Enum):
    """Why a person is no longer in the job, when they are not."""

    RESIGNED = "resigned"
    DISMISSED = "dismissed"
    CONTRACT_ENDED = "contract_ended"
    HEALTH = "health"
    PAY = "pay"
    COMMUTE = "commute"
    RELAPSE_OR_RETURN = "returned_to_facility"
    UNREACHABLE = "unreachable"
    OTHER = "other"


class FollowUp(Base):
    """A check on a placement: still employed? If not, a structured reason."""

    __tablename__ = "follow_ups"
    __table_args__ = (sa.UniqueConstraint("placement_id", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    placement_id: Mapped[int] = mapped_column(sa.ForeignKey("placements.id", ondelete="CASCADE"))
    month: Mapped[int] = mapped_column(sa.SmallInteger)
    due_on: Mapped[date] = mapped_column(index=True)
    done_on: Mapped[date | None]
    still_employed: Mapped[bool | None]
    reason: Mapped[FollowUpReason | None] = mapped_column(enum_column(FollowUpReason))
    note: Mapped[str] = mapped_column(sa.Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id"))

    placement: Mapped[Placement] = relationship(back_populates="follow_ups")

    def record(self, on: date, still_employed: bool, reason: FollowUpReason | None) -> None:
        """Record the outcome; a person no longer employed needs a reason."""
        if not still_employed and reason is None:
            raise StateError(_l("Say why the person is no longer employed."))
        self.done_on = on
        self.still_employed = still_employed
        self.reason = None if still_employed else reason
