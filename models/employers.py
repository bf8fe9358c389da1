"""Employers (用人单位) and their openings (岗位)."""

import enum
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.db import Base, enum_column, utcnow
from models.errors import StateError


class Shift(enum.Enum):
    DAY = "day"
    NIGHT = "night"
    ROTATING = "rotating"


class OpeningStatus(enum.Enum):
    OPEN = "open"
    CLOSED = "closed"


class Employer(Base):
    """A company, identified by its unified social credit code (USCC) once verified."""

    __tablename__ = "employers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    normalized_name: Mapped[str] = mapped_column(sa.String(120), index=True)
    uscc: Mapped[str | None] = mapped_column(sa.String(18), unique=True)
    verified: Mapped[bool] = mapped_column(default=True)
    industry: Mapped[str] = mapped_column(sa.String(60), default="")
    district: Mapped[str | None] = mapped_column(sa.ForeignKey("districts.adcode"))
    address: Mapped[str] = mapped_column(sa.String(200), default="")
    contact_person: Mapped[str] = mapped_column(sa.String(60), default="")
    contact_phone: Mapped[str] = mapped_column(sa.String(20), default="")
    contact_shareable: Mapped[bool] = mapped_column(default=False)
    pledge_date: Mapped[date | None]
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    openings: Mapped[list["Opening"]] = relationship(
        back_populates="employer", order_by="Opening.id"
    )

    def __repr__(self) -> str:
        return f"<Employer {self.uscc or self.name}>"


class Opening(Base):
    """A job an employer offers, with a headcount (招聘人数).

    State rules: an opening is open or closed; a closed one reopens only while it
    has places left; `filled` never exceeds a known `headcount`.
    """

    __tablename__ = "openings"
    __table_args__ = (
        sa.CheckConstraint("filled >= 0", name="filled_not_negative"),
        sa.CheckConstraint(
            "headcount IS NULL OR filled <= headcount", name="filled_within_headcount"
        ),
        sa.CheckConstraint(
            "salary_min IS NULL OR salary_max IS NULL OR salary_min <= salary_max",
            name="salary_range_ordered",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    employer_id: Mapped[int] = mapped_column(sa.ForeignKey("employers.id"), index=True)
    ref: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    title: Mapped[str] = mapped_column(sa.String(120))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    category_code: Mapped[str] = mapped_column(sa.ForeignKey("job_categories.code"), index=True)
    salary_min: Mapped[int | None]
    salary_max: Mapped[int | None]
    salary_text: Mapped[str] = mapped_column(sa.String(60), default="")
    district: Mapped[str | None] = mapped_column(sa.ForeignKey("districts.adcode"))
    accommodation: Mapped[bool] = mapped_column(default=False)
    shift: Mapped[Shift] = mapped_column(enum_column(Shift), default=Shift.DAY)
    education_min: Mapped[int] = mapped_column(sa.SmallInteger, default=0)
    experience_min: Mapped[float] = mapped_column(default=0.0)
    certificates_required: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    environments: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    headcount: Mapped[int | None]
    filled: Mapped[int] = mapped_column(default=0)
    status: Mapped[OpeningStatus] = mapped_column(
        enum_column(OpeningStatus), default=OpeningStatus.OPEN, index=True
    )
    posted_on: Mapped[date | None]
    source: Mapped[str] = mapped_column(sa.String(16), default="form")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    closed_at: Mapped[datetime | None]

    employer: Mapped[Employer] = relationship(back_populates="openings")

    @property
    def is_open(self) -> bool:
        return self.status is OpeningStatus.OPEN

    @property
    def places_left(self) -> int | None:
        """Unfilled places, or None when the headcount is unknown (招若干人)."""
        return None if self.headcount is None else self.headcount - self.filled

    def close(self) -> None:
        if self.status is OpeningStatus.CLOSED:
            raise StateError(_l("This opening is already closed."))
        self.status = OpeningStatus.CLOSED
        self.closed_at = utcnow()

    def reopen(self) -> None:
        if self.status is OpeningStatus.OPEN:
            raise StateError(_l("This opening is already open."))
        if self.places_left == 0:
            raise StateError(
                _l("Every place of this opening is filled; raise the headcount to reopen it.")
            )
        self.status = OpeningStatus.OPEN
        self.closed_at = None

    def fill_place(self) -> None:
        """Count one hire; refuse when every place is taken."""
        if self.places_left is not None and self.places_left <= 0:
            raise StateError(
                _l("Every place of this opening is filled (%(n)s of %(n)s)."), n=self.headcount
            )
        self.filled += 1

    def release_place(self) -> None:
        """Undo one hire."""
        if self.filled <= 0:
            raise StateError(_l("This opening has no hire to undo."))
        self.filled -= 1

    def set_headcount(self, headcount: int | None) -> None:
        if headcount is not None and headcount < (self.filled or 0):
            raise StateError(
                _l("The headcount cannot be lower than the %(n)s places already filled."),
                n=self.filled,
            )
        self.headcount = headcount

    def __repr__(self) -> str:
        return f"<Opening {self.id} {self.title}>"
