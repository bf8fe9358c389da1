"""Start-up guidance (创业指导): group sessions and one-to-one advice recorded per person,
referral to the city's start-up services (kept as data), and the outcome."""

import enum
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.db import Base, enum_column, utcnow
from models.errors import StateError
from models.seekers import Seeker


class StartupService(Base):
    """One of the city's start-up services a person can be referred to (data, not code)."""

    __tablename__ = "startup_services"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    name_zh: Mapped[str] = mapped_column(sa.String(120))
    name_en: Mapped[str] = mapped_column(sa.String(200))
    offers_zh: Mapped[str] = mapped_column(sa.Text, default="")
    offers_en: Mapped[str] = mapped_column(sa.Text, default="")
    contact: Mapped[str] = mapped_column(sa.String(200), default="")
    active: Mapped[bool] = mapped_column(default=True)

    def name(self, locale: str = "zh_CN") -> str:
        return self.name_en if str(locale).startswith("en") else self.name_zh

    def offers(self, locale: str = "zh_CN") -> str:
        return self.offers_en if str(locale).startswith("en") else self.offers_zh


class StartupOutcome(enum.Enum):
    OPEN = "open"
    BUSINESS_REGISTERED = "business_registered"
    LOAN_APPLIED = "loan_applied"
    DROPPED = "dropped"


class StartupCase(Base):
    """A person's start-up guidance: its entries and how it ended.

    State rules: one case per person; a registered business becomes a self-employment
    placement (the web layer records it in the same transaction).
    """

    __tablename__ = "startup_cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    seeker_id: Mapped[int] = mapped_column(sa.ForeignKey("seekers.id"), unique=True)
    opened_on: Mapped[date]
    outcome: Mapped[StartupOutcome] = mapped_column(
        enum_column(StartupOutcome), default=StartupOutcome.OPEN)
    outcome_on: Mapped[date | None]
    # what the business does (job-relevant, no personal history)
    business: Mapped[str] = mapped_column(sa.String(200), default="")
    opened_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    seeker: Mapped[Seeker] = relationship()
    entries: Mapped[list["StartupGuidance"]] = relationship(
        back_populates="case", order_by="StartupGuidance.held_on, StartupGuidance.id",
        cascade="all, delete-orphan")

    def __init__(self, **kwargs):
        # the state rules read these before the row is flushed: set the defaults now
        kwargs.setdefault('outcome', StartupOutcome.OPEN)
        kwargs.setdefault('business', "")
        super().__init__(**kwargs)

    def record_outcome(self, outcome: StartupOutcome, on: date, today: date,
                       business: str = "") -> None:
        if outcome is StartupOutcome.OPEN:
            raise StateError(_l("Choose how the start-up guidance ended."))
        if on > today:
            raise StateError(_l("The date %(on)s is in the future."), on=on.isoformat())
        if on < self.opened_on:
            raise StateError(_l("The date %(on)s is before the guidance began (%(start)s)."),
                             on=on.isoformat(), start=self.opened_on.isoformat())
        if outcome is StartupOutcome.BUSINESS_REGISTERED and not business.strip():
            raise StateError(_l("Say what the business does (for example “breakfast stall”)."))
        if self.outcome is StartupOutcome.BUSINESS_REGISTERED:
            raise StateError(_l("A registered business is already recorded for this person."))
        self.outcome = outcome
        self.outcome_on = on
        if business.strip():
            self.business = business.strip()[:200]


class GuidanceKind(enum.Enum):
    SESSION = "session"  # a group session
    ONE_TO_ONE = "one_to_one"


class StartupGuidance(Base):
    """One piece of start-up guidance a person received: topic, adviser, next step."""

    __tablename__ = "startup_guidance"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(
        sa.ForeignKey("startup_cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[GuidanceKind] = mapped_column(enum_column(GuidanceKind))
    held_on: Mapped[date]
    topic: Mapped[str] = mapped_column(sa.String(200))
    adviser: Mapped[str] = mapped_column(sa.String(120), default="")
    next_step: Mapped[str] = mapped_column(sa.String(300), default="")
    # a referral to one of the city's start-up services
    service_id: Mapped[int | None] = mapped_column(sa.ForeignKey("startup_services.id"))
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    case: Mapped[StartupCase] = relationship(back_populates="entries")
    service: Mapped[StartupService | None] = relationship()
