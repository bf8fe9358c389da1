"""Job fairs (招聘会): booths, offered openings, participants, and recorded interest."""

import enum
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.db import Base, enum_column, utcnow
from models.employers import Employer, Opening
from models.errors import StateError
from models.facilities import Facility
from models.seekers import Seeker


class FairStatus(enum.Enum):
    PLANNING = "planning"
    OPEN = "open"
    CLOSED = "closed"


fair_organizers = sa.Table(
    "fair_organizers",
    Base.metadata,
    sa.Column("fair_id", sa.ForeignKey("fairs.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("user_id", sa.ForeignKey("staff_users.id"), primary_key=True),
)


class Fair(Base):
    """A job fair held inside a facility on a date: planning → open → closed."""

    __tablename__ = "fairs"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    facility_id: Mapped[int] = mapped_column(sa.ForeignKey("facilities.id"), index=True)
    name_zh: Mapped[str] = mapped_column(sa.String(120))
    name_en: Mapped[str] = mapped_column(sa.String(200))
    held_on: Mapped[date]
    venue: Mapped[str] = mapped_column(sa.String(120), default="")
    status: Mapped[FairStatus] = mapped_column(
        enum_column(FairStatus), default=FairStatus.PLANNING
    )
    opened_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    planned_at: Mapped[datetime | None]
    plan_report: Mapped[dict | None] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    facility: Mapped[Facility] = relationship()
    organizers = relationship("StaffUser", secondary=fair_organizers)
    booths: Mapped[list["FairEmployer"]] = relationship(
        back_populates="fair", order_by="FairEmployer.booth", cascade="all, delete-orphan"
    )
    participants: Mapped[list["FairParticipant"]] = relationship(
        back_populates="fair", cascade="all, delete-orphan"
    )

    def name(self, locale: str = "zh_CN") -> str:
        return self.name_en if str(locale).startswith("en") else self.name_zh

    @property
    def booths_for_seekers(self) -> list["FairEmployer"]:
        """The booths job seekers and employers' shortlists may see: verified employers'."""
        return [booth for booth in self.booths if booth.employer.verified]

    @property
    def accepts_participants(self) -> bool:
        return self.status in (FairStatus.PLANNING, FairStatus.OPEN)

    @property
    def records_stages(self) -> bool:
        return self.status is FairStatus.OPEN

    def open(self) -> None:
        """Open the fair on fair day."""
        if self.status is not FairStatus.PLANNING:
            raise StateError(_l("Only a fair in planning can be opened."))
        self.status = FairStatus.OPEN
        self.opened_at = utcnow()

    def close(self) -> None:
        """Close the fair; a closed fair never reopens."""
        if self.status is not FairStatus.OPEN:
            raise StateError(_l("Only an open fair can be closed."))
        self.status = FairStatus.CLOSED
        self.closed_at = utcnow()

    def require_planning_allowed(self, replan_confirmed: bool = False) -> None:
        """Plan before or during the fair; re-planning an open fair must be confirmed, as
        its sheets are printed and its kiosks show the plan."""
        if self.status is FairStatus.CLOSED:
            raise StateError(_l("The fair is closed; its plan can no longer change."))
        if self.status is FairStatus.OPEN and self.planned_at is not None \
                and not replan_confirmed:
            raise StateError(_l("The fair is open and already has a plan: tick “I understand” "
                                "to replace it."))

    def require_participants_allowed(self) -> None:
        if not self.accepts_participants:
            raise StateError(_l("Participants cannot be added to a closed fair."))

    def require_recording_allowed(self, correction_by_organizer: bool = False) -> None:
        """Stages are recorded while open; after close only as an organizer's correction."""
        if self.status is FairStatus.OPEN:
            return
        if self.status is FairStatus.CLOSED and correction_by_organizer:
            return
        if self.status is FairStatus.PLANNING:
            raise StateError(_l("The fair has not opened yet; open it on fair day to record."))
        raise StateError(_l("The fair is closed; only an organizer can correct its records."))


class FairEmployer(Base):
    """An employer invited to a fair, at a booth (展位)."""

    __tablename__ = "fair_employers"
    __table_args__ = (
        sa.UniqueConstraint("fair_id", "employer_id"),
        sa.UniqueConstraint("fair_id", "booth"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    fair_id: Mapped[int] = mapped_column(sa.ForeignKey("fairs.id", ondelete="CASCADE"))
    employer_id: Mapped[int] = mapped_column(sa.ForeignKey("employers.id"))
    booth: Mapped[str | None] = mapped_column(sa.String(8))
    present: Mapped[bool] = mapped_column(default=False)

    fair: Mapped[Fair] = relationship(back_populates="booths")
    employer: Mapped[Employer] = relationship()
    openings: Mapped[list["FairOpening"]] = relationship(
        back_populates="fair_employer", cascade="all, delete-orphan"
    )

    @property
    def openings_for_seekers(self) -> list["FairOpening"]:
        """The booth's offered openings a job seeker may see (`Opening.visible_to_seekers`)."""
        return [offer for offer in self.openings if offer.opening.visible_to_seekers]


class FairOpening(Base):
    """An opening offered at a fair."""

    __tablename__ = "fair_openings"
    __table_args__ = (sa.UniqueConstraint("fair_id", "opening_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    fair_id: Mapped[int] = mapped_column(sa.ForeignKey("fairs.id", ondelete="CASCADE"))
    fair_employer_id: Mapped[int] = mapped_column(
        sa.ForeignKey("fair_employers.id", ondelete="CASCADE")
    )
    opening_id: Mapped[int] = mapped_column(sa.ForeignKey("openings.id"))

    fair_employer: Mapped[FairEmployer] = relationship(back_populates="openings")
    opening: Mapped[Opening] = relationship()


class FairParticipant(Base):
    """A seeker registered for a fair, identified on fair day by a random badge code."""

    __tablename__ = "fair_participants"
    __table_args__ = (sa.UniqueConstraint("fair_id", "seeker_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    fair_id: Mapped[int] = mapped_column(sa.ForeignKey("fairs.id", ondelete="CASCADE"))
    seeker_id: Mapped[int] = mapped_column(sa.ForeignKey("seekers.id"))
    badge_code: Mapped[str] = mapped_column(sa.String(16), unique=True)
    checked_in_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    fair: Mapped[Fair] = relationship(back_populates="participants")
    seeker: Mapped[Seeker] = relationship()


class InterestStage(enum.Enum):
    """Stages of a seeker's interest in an opening, in order; declined ends it."""

    INTERESTED = "interested"
    INTERVIEWED = "interviewed"
    INTENT = "intent"
    HIRED = "hired"
    DECLINED = "declined"


_STAGE_ORDER = {
    InterestStage.INTERESTED: 1,
    InterestStage.INTERVIEWED: 2,
    InterestStage.INTENT: 3,
    InterestStage.HIRED: 4,
}


class Interest(Base):
    """A seeker's interest (求职意愿) in an opening and how far it went."""

    __tablename__ = "interests"
    __table_args__ = (sa.UniqueConstraint("seeker_id", "opening_id", "fair_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    seeker_id: Mapped[int] = mapped_column(sa.ForeignKey("seekers.id"), index=True)
    opening_id: Mapped[int] = mapped_column(sa.ForeignKey("openings.id"), index=True)
    fair_id: Mapped[int | None] = mapped_column(sa.ForeignKey("fairs.id"), index=True)
    stage: Mapped[InterestStage] = mapped_column(
        enum_column(InterestStage), default=InterestStage.INTERESTED
    )
    source: Mapped[str] = mapped_column(sa.String(16), default="staff")
    note: Mapped[str] = mapped_column(sa.Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    seeker: Mapped[Seeker] = relationship()
    opening: Mapped[Opening] = relationship()

    def advance_to(self, stage: InterestStage) -> None:
        """Move forward (stages may be skipped) or decline; never backwards."""
        if self.stage in (InterestStage.HIRED, InterestStage.DECLINED):
            raise StateError(_l("This interest has ended; it cannot change any more."))
        if stage is InterestStage.DECLINED:
            self.stage = stage
            return
        if _STAGE_ORDER[stage] <= _STAGE_ORDER[self.stage]:
            raise StateError(_l("This stage is already recorded."))
        self.stage = stage

    def correct_to(self, stage: InterestStage) -> None:
        """Set any stage (an organizer's audited correction or an undo)."""
        self.stage = stage


class FairRecommendation(Base):
    """One opening in a participant's pre-fair plan, with its score and reasons."""

    __tablename__ = "fair_recommendations"
    __table_args__ = (sa.UniqueConstraint("participant_id", "opening_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    fair_id: Mapped[int] = mapped_column(sa.ForeignKey("fairs.id", ondelete="CASCADE"),
                                         index=True)
    participant_id: Mapped[int] = mapped_column(
        sa.ForeignKey("fair_participants.id", ondelete="CASCADE"), index=True
    )
    opening_id: Mapped[int] = mapped_column(sa.ForeignKey("openings.id"))
    rank: Mapped[int] = mapped_column(sa.SmallInteger)
    score: Mapped[float]
    reasons: Mapped[list[dict]] = mapped_column(sa.JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    participant: Mapped[FairParticipant] = relationship()
    opening: Mapped[Opening] = relationship()
