"""Placements (就业安置), by channel and kind, and their follow-ups at 1, 3, 6 and 12 months."""

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

FOLLOW_UP_MONTHS = (1, 3, 6, 12)


def add_months(day: date, months: int) -> date:
    """Return the same day `months` later, clamped to the month's last day."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


class PlacementChannel(enum.Enum):
    """How the job was found (就业渠道)."""

    FAIR = "fair"
    REFERRAL = "referral"
    PRACTICE = "practice"
    TRAINING = "training"
    SELF_FOUND = "self_found"
    # a business of one's own started after start-up guidance (创业指导), counted apart
    STARTUP = "startup"


class PlacementKind(enum.Enum):
    JOB = "job"
    SELF_EMPLOYMENT = "self_employment"


class Placement(Base):
    """A hire (a seeker started work in an opening) or a start of self-employment.

    State rules: a job through Qibu names its opening; a self-found job or a
    self-employment names what the work is (`job_title`) instead.
    """

    __tablename__ = "placements"
    __table_args__ = (
        sa.UniqueConstraint("seeker_id", "opening_id"),
        sa.CheckConstraint("opening_id IS NOT NULL OR job_title IS NOT NULL",
                           name="opening_or_title"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    seeker_id: Mapped[int] = mapped_column(sa.ForeignKey("seekers.id"), index=True)
    opening_id: Mapped[int | None] = mapped_column(sa.ForeignKey("openings.id"), index=True)
    channel: Mapped[PlacementChannel] = mapped_column(
        enum_column(PlacementChannel), default=PlacementChannel.FAIR, index=True)
    kind: Mapped[PlacementKind] = mapped_column(
        enum_column(PlacementKind), default=PlacementKind.JOB)
    referral_id: Mapped[int | None] = mapped_column(sa.ForeignKey("referrals.id"),
                                                    unique=True)
    # the work of a placement without an opening (self-found job, own business)
    job_title: Mapped[str | None] = mapped_column(sa.String(120))
    category_code: Mapped[str | None] = mapped_column(sa.ForeignKey("job_categories.code"))
    interest_id: Mapped[int | None] = mapped_column(sa.ForeignKey("interests.id"))
    fair_id: Mapped[int | None] = mapped_column(sa.ForeignKey("fairs.id"), index=True)
    start_date: Mapped[date]
    monthly_pay: Mapped[int | None]
    # set when staff record a hire while the person keeps another current job from Qibu
    additional_job_reason: Mapped[str | None] = mapped_column(sa.Text)
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    seeker: Mapped[Seeker] = relationship()
    opening: Mapped[Opening | None] = relationship()
    follow_ups: Mapped[list["FollowUp"]] = relationship(
        back_populates="placement", order_by="FollowUp.month", cascade="all, delete-orphan"
    )

    @staticmethod
    def check_start_date(start_date: date, today: date, fair_day: date | None = None,
                         referred_on: date | None = None) -> None:
        """Refuse a first day of work before the fair (or referral) or after today.

        The one rule for every way a hire is recorded: `fair_day` is the date of the fair
        where the job was found, `referred_on` the date of a referral outside a fair.
        """
        if fair_day is not None and start_date < fair_day:
            raise StateError(
                _l("The start date %(start)s is before the fair of %(fair)s, where this job "
                   "was found. Enter the person's first day of work, on or after the fair."),
                start=start_date.isoformat(), fair=fair_day.isoformat())
        if referred_on is not None and start_date < referred_on:
            raise StateError(
                _l("The start date %(start)s is before the referral of %(referred)s. Enter "
                   "the person's first day of work, on or after the referral."),
                start=start_date.isoformat(), referred=referred_on.isoformat())
        if start_date > today:
            raise StateError(
                _l("The start date %(start)s is in the future. Record the hire once the "
                   "person has started work (today is %(today)s)."),
                start=start_date.isoformat(), today=today.isoformat())

    @classmethod
    def current_of(cls, seeker_id: int) -> sa.Select:
        """The person's current jobs from Qibu: placements no follow-up has ended."""
        ended = sa.exists().where(FollowUp.placement_id == cls.id,
                                  FollowUp.still_employed.is_(False))
        return (sa.select(cls).where(cls.seeker_id == seeker_id, ~ended)
                .order_by(cls.start_date.desc(), cls.id.desc()))

    @property
    def title(self) -> str:
        """What the work is: the opening's title, or the recorded title."""
        return self.opening.title if self.opening is not None else (self.job_title or "")

    def schedule_follow_ups(self) -> None:
        """Create the follow-ups due 1, 3, 6 and 12 months after the start date.

        Follow-ups not yet done are moved to the start date as it is now.
        """
        existing = {f.month: f for f in self.follow_ups}
        for months in FOLLOW_UP_MONTHS:
            due_on = add_months(self.start_date, months)
            if months not in existing:
                self.follow_ups.append(FollowUp(month=months, due_on=due_on))
            elif existing[months].done_on is None:
                existing[months].due_on = due_on


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

    def record(self, on: date, still_employed: bool, reason: FollowUpReason | None, *,
               today: date) -> None:
        """Record the outcome; a person no longer employed needs a reason.

        The follow-up's date is after the first day of work and not after `today`
        (the caller's today: Qibu's time zone, not the machine's).
        """
        start = self.placement.start_date
        if on <= start:
            raise StateError(
                _l("The follow-up date %(on)s is not after the first day of work "
                   "(%(start)s). Enter the day the person or employer was asked, after "
                   "the start."), on=on.isoformat(), start=start.isoformat())
        if on > today:
            raise StateError(
                _l("The follow-up date %(on)s is in the future. Enter the day the person "
                   "or employer was asked, today (%(today)s) at the latest."),
                on=on.isoformat(), today=today.isoformat())
        if not still_employed and reason is None:
            raise StateError(_l("Say why the person is no longer employed."))
        self.done_on = on
        self.still_employed = still_employed
        self.reason = None if still_employed else reason
