"""Targeted referrals (定向推荐): one consenting person proposed to one opening, outside
any fair, and the employer's answers; and a social worker's request for a new referral."""

import enum
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.db import Base, enum_column, utcnow
from models.employers import Opening
from models.errors import StateError
from models.seekers import Seeker

# a referral with no answer from the employer for this many days is flagged
REFERRAL_STALE_DAYS = 14


class ReferralStatus(enum.Enum):
    """Where a referral stands: open → interview → offered → placed; declined or withdrawn
    end it."""

    OPEN = "open"
    INTERVIEW = "interview"
    OFFERED = "offered"
    PLACED = "placed"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"


# a person has at most one referral in these states per opening
ACTIVE_REFERRAL_STATES = (ReferralStatus.OPEN, ReferralStatus.INTERVIEW, ReferralStatus.OFFERED)


class DeclineReason(enum.Enum):
    """Why the employer (or the person) did not go on: structured, for the reports."""

    SKILLS = "skills"
    DISTANCE = "distance"
    PAY = "pay"
    RECORD = "record"
    NO_SHOW = "no_show"
    OTHER = "other"


class ReferralSource(enum.Enum):
    """Where the referral was made from."""

    RECOMMENDATION = "recommendation"  # the person's ranked openings
    OPENING = "opening"  # the opening's ranked seekers
    PRACTICE = "practice"  # after a job-practice day
    REQUEST = "request"  # a community social worker asked for one


class Referral(Base):
    """A person referred to an opening by bureau or employment staff, and what came of it.

    State rules: only a person who consented to share their profile can be referred; one
    active referral per person and opening (a partial unique index holds it under double
    clicks); stages move forward only; a decline needs a structured reason; an offer
    becomes a placement (`Placement.referral_id`), with the same rules as a fair's.
    """

    __tablename__ = "referrals"
    __table_args__ = (
        sa.Index("ix_referrals_one_active", "seeker_id", "opening_id", unique=True,
                 sqlite_where=sa.text("status IN ('open', 'interview', 'offered')"),
                 postgresql_where=sa.text("status IN ('open', 'interview', 'offered')")),
        sa.CheckConstraint("status <> 'declined' OR decline_reason IS NOT NULL",
                           name="declined_has_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    seeker_id: Mapped[int] = mapped_column(sa.ForeignKey("seekers.id"), index=True)
    opening_id: Mapped[int] = mapped_column(sa.ForeignKey("openings.id"), index=True)
    source: Mapped[ReferralSource] = mapped_column(
        enum_column(ReferralSource), default=ReferralSource.RECOMMENDATION)
    status: Mapped[ReferralStatus] = mapped_column(
        enum_column(ReferralStatus), default=ReferralStatus.OPEN, index=True)
    referred_on: Mapped[date]
    referred_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id"))
    # the practice day or social worker's request it came from, if any
    practice_booking_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("practice_bookings.id"))
    interview_on: Mapped[date | None]
    offered_on: Mapped[date | None]
    offered_pay: Mapped[int | None]
    declined_on: Mapped[date | None]
    decline_reason: Mapped[DeclineReason | None] = mapped_column(enum_column(DeclineReason))
    note: Mapped[str] = mapped_column(sa.Text, default="")
    # the last time the employer's side was recorded (for the "open too long" flag)
    answered_at: Mapped[datetime | None]
    answered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    seeker: Mapped[Seeker] = relationship()
    opening: Mapped[Opening] = relationship()

    def __init__(self, **kwargs):
        # the state rules read these before the row is flushed: set the defaults now
        kwargs.setdefault('status', ReferralStatus.OPEN)
        kwargs.setdefault('source', ReferralSource.RECOMMENDATION)
        kwargs.setdefault('note', "")
        super().__init__(**kwargs)

    @property
    def active(self) -> bool:
        return self.status in ACTIVE_REFERRAL_STATES

    @property
    def last_activity_on(self) -> date:
        return self.answered_at.date() if self.answered_at else self.referred_on

    def is_stale(self, today: date, days: int = REFERRAL_STALE_DAYS) -> bool:
        """Open too long: active, and nothing recorded for `days` days (an interview
        date still ahead keeps it fresh)."""
        if not self.active:
            return False
        if self.interview_on is not None and self.interview_on >= today:
            return False
        return (today - self.last_activity_on).days > days

    def _require_active(self) -> None:
        if not self.active:
            raise StateError(_l("This referral has ended; it cannot change any more."))

    def _answered(self, by_id: int | None) -> None:
        self.answered_at = utcnow()
        self.answered_by_id = by_id

    def invite_to_interview(self, on: date, by_id: int | None = None) -> None:
        """The employer invites the person to an interview on a date."""
        self._require_active()
        if self.status is ReferralStatus.OFFERED:
            raise StateError(_l("An offer is already recorded for this referral."))
        if on < self.referred_on:
            raise StateError(
                _l("The interview date %(on)s is before the referral of %(referred)s. "
                   "Enter the day of the interview."),
                on=on.isoformat(), referred=self.referred_on.isoformat())
        self.status = ReferralStatus.INTERVIEW
        self.interview_on = on
        self._answered(by_id)

    def make_offer(self, on: date, pay: int | None = None, by_id: int | None = None) -> None:
        """The employer offers the person the job."""
        self._require_active()
        if on < self.referred_on:
            raise StateError(
                _l("The offer date %(on)s is before the referral of %(referred)s. Enter "
                   "the day the employer made the offer."),
                on=on.isoformat(), referred=self.referred_on.isoformat())
        self.status = ReferralStatus.OFFERED
        self.offered_on = on
        self.offered_pay = pay
        self._answered(by_id)

    def decline(self, reason: "DeclineReason | None", on: date, note: str = "",
                by_id: int | None = None) -> None:
        """The employer (or the person) does not go on; a structured reason is required."""
        self._require_active()
        if reason is None:
            raise StateError(_l("Choose why the referral did not go on."))
        self.status = ReferralStatus.DECLINED
        self.decline_reason = reason
        self.declined_on = on
        if note:
            self.note = note
        self._answered(by_id)

    def withdraw(self, by_id: int | None = None) -> None:
        """Staff withdraw the referral (the person changed their mind, found work)."""
        self._require_active()
        self.status = ReferralStatus.WITHDRAWN
        self._answered(by_id)

    def mark_placed(self) -> None:
        if self.status is not ReferralStatus.OFFERED:
            raise StateError(_l("Only an offer can become a placement."))
        self.status = ReferralStatus.PLACED


class ReferralRequestStatus(enum.Enum):
    OPEN = "open"
    ANSWERED = "answered"
    CLOSED = "closed"


class ReferralRequest(Base):
    """A community social worker asks the employment centre for a new referral."""

    __tablename__ = "referral_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    seeker_id: Mapped[int] = mapped_column(sa.ForeignKey("seekers.id"), index=True)
    asked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id"))
    asked_on: Mapped[date]
    # what kind of work, where: job-relevant only (no rehab history)
    note: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[ReferralRequestStatus] = mapped_column(
        enum_column(ReferralRequestStatus), default=ReferralRequestStatus.OPEN, index=True)
    referral_id: Mapped[int | None] = mapped_column(sa.ForeignKey("referrals.id"))
    answered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id"))
    answered_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    seeker: Mapped[Seeker] = relationship()
    referral: Mapped[Referral | None] = relationship()

    def __init__(self, **kwargs):
        # the state rules read these before the row is flushed: set the defaults now
        kwargs.setdefault('status', ReferralRequestStatus.OPEN)
        kwargs.setdefault('note', "")
        super().__init__(**kwargs)

    def answer_with(self, referral: Referral, by_id: int | None) -> None:
        if self.status is not ReferralRequestStatus.OPEN:
            raise StateError(_l("This request has already been answered."))
        self.status = ReferralRequestStatus.ANSWERED
        self.referral_id = referral.id
        self.answered_by_id = by_id
        self.answered_at = utcnow()
