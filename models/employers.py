"""Employers (用人单位) and their openings (岗位)."""

import enum
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.ext.hybrid import hybrid_property
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


class _Listing:
    """Translatable items, joined in the language of the moment the message is shown."""

    def __init__(self, items: list):
        self.items = items

    def __str__(self) -> str:
        return str(_l(", ")).join(str(item) for item in self.items)


class EmployerStatus(enum.Enum):
    """Where an employer is in vetting: only a verified employer's openings reach seekers."""

    UNVERIFIED = "unverified"
    VERIFIED = "verified"
    SUSPENDED = "suspended"


class Employer(Base):
    """A company, identified by its unified social credit code (USCC) once verified.

    State rules (vetting): a new employer is unverified; employment staff verify it once
    its credit code, contact person and phone and its fair-chance pledge (date, signed by
    whom) are recorded; a verified employer can be un-verified (back to the review queue);
    an unverified or verified one can be suspended with a reason; a suspension is lifted
    to unverified, so the employer is checked again before its openings return. The
    credit code's check characters are checked where the code is typed (surveys.values).
    """

    __tablename__ = "employers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    normalized_name: Mapped[str] = mapped_column(sa.String(120), index=True)
    uscc: Mapped[str | None] = mapped_column(sa.String(18), unique=True)
    status: Mapped[EmployerStatus] = mapped_column(
        enum_column(EmployerStatus), default=EmployerStatus.UNVERIFIED, index=True
    )
    industry: Mapped[str] = mapped_column(sa.String(60), default="")
    district: Mapped[str | None] = mapped_column(sa.ForeignKey("districts.adcode"))
    address: Mapped[str] = mapped_column(sa.String(200), default="")
    contact_person: Mapped[str] = mapped_column(sa.String(60), default="")
    contact_phone: Mapped[str] = mapped_column(sa.String(20), default="")
    contact_shareable: Mapped[bool] = mapped_column(default=False)
    pledge_date: Mapped[date | None]
    # who signed the fair-chance pledge for the employer, and the staff member who recorded it
    pledge_signed_by: Mapped[str] = mapped_column(sa.String(60), default="")
    pledge_recorded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("staff_users.id", ondelete="SET NULL"))
    verified_at: Mapped[datetime | None]
    verified_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("staff_users.id", ondelete="SET NULL"))
    suspension_reason: Mapped[str] = mapped_column(sa.Text, default="")
    status_changed_at: Mapped[datetime | None]
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    openings: Mapped[list["Opening"]] = relationship(
        back_populates="employer", order_by="Opening.id"
    )
    verified_by = relationship("StaffUser", foreign_keys=[verified_by_id])
    pledge_recorded_by = relationship("StaffUser", foreign_keys=[pledge_recorded_by_id])

    @hybrid_property
    def verified(self) -> bool:
        """Whether the employer is verified (its open openings reach seekers)."""
        return self.status is EmployerStatus.VERIFIED

    @verified.inplace.expression
    @classmethod
    def _verified_expression(cls):
        return cls.status == EmployerStatus.VERIFIED

    def missing_for_verification(self) -> list:
        """What must be recorded before the employer can be verified (translatable)."""
        missing = []
        if not self.uscc:
            missing.append(_l("the unified social credit code"))
        if not (self.contact_person or "").strip():
            missing.append(_l("the contact person"))
        if not (self.contact_phone or "").strip():
            missing.append(_l("the contact phone"))
        if self.pledge_date is None:
            missing.append(_l("the date of the fair-chance pledge"))
        if not (self.pledge_signed_by or "").strip():
            missing.append(_l("who signed the fair-chance pledge"))
        return missing

    def verify(self, by) -> None:
        """Mark the employer verified by staff member `by`; its openings reach seekers."""
        if self.status is EmployerStatus.VERIFIED:
            raise StateError(_l("This employer is already verified."))
        if self.status is EmployerStatus.SUSPENDED:
            raise StateError(
                _l("This employer is suspended; lift the suspension before verifying it."))
        missing = self.missing_for_verification()
        if missing:
            raise StateError(_l("This employer cannot be verified yet. Missing: %(missing)s."),
                             missing=_Listing(missing))
        self._set_status(EmployerStatus.VERIFIED)
        self.verified_at = self.status_changed_at
        self.verified_by_id = getattr(by, "id", None)
        self.suspension_reason = ""

    def unverify(self) -> None:
        """Send a verified employer back to the review queue; its openings leave seekers."""
        if self.status is not EmployerStatus.VERIFIED:
            raise StateError(_l("Only a verified employer can be un-verified."))
        self._set_status(EmployerStatus.UNVERIFIED)
        self.verified_at = None
        self.verified_by_id = None

    def suspend(self, reason: str) -> None:
        """Suspend the employer for `reason` (a complaint, a pledge broken …)."""
        if self.status is EmployerStatus.SUSPENDED:
            raise StateError(_l("This employer is already suspended."))
        if not (reason or "").strip():
            raise StateError(_l("Give the reason for the suspension."))
        self._set_status(EmployerStatus.SUSPENDED)
        self.suspension_reason = reason.strip()
        self.verified_at = None
        self.verified_by_id = None

    def lift_suspension(self) -> None:
        """End a suspension: the employer is unverified until it is checked again."""
        if self.status is not EmployerStatus.SUSPENDED:
            raise StateError(_l("This employer is not suspended."))
        self._set_status(EmployerStatus.UNVERIFIED)

    def _set_status(self, status: EmployerStatus) -> None:
        self.status = status
        self.status_changed_at = utcnow()

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
            "pay_min IS NULL OR pay_max IS NULL OR pay_min <= pay_max",
            name="pay_range_ordered",
        ),
        sa.CheckConstraint("pay_months BETWEEN 1 AND 24", name="pay_months_valid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    employer_id: Mapped[int] = mapped_column(sa.ForeignKey("employers.id"), index=True)
    ref: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    title: Mapped[str] = mapped_column(sa.String(120))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    category_code: Mapped[str] = mapped_column(sa.ForeignKey("job_categories.code"), index=True)
    # False while the category is the classifier's guess below its confirmation
    # threshold: staff must confirm it before the opening reaches seekers.
    category_confirmed: Mapped[bool] = mapped_column(default=True, index=True)
    # The opening's pay range: base yuan a month (a bonus month is not spread over the
    # year), the months paid a year (13薪 → 13) and the period the pay was stated in
    # ('day' and 'hour' rates were converted); salary_text is the pay as written. Never
    # named like a seeker's floor (Survey.salary_min).
    pay_min: Mapped[int | None]
    pay_max: Mapped[int | None]
    pay_months: Mapped[int] = mapped_column(sa.SmallInteger, default=12)
    pay_period: Mapped[str] = mapped_column(sa.String(8), default="month")
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

    @hybrid_property
    def visible_to_seekers(self) -> bool:
        """The one rule for what a job seeker may see: open, from a verified employer,
        with a confirmed category.

        Every seeker-facing output (recommendations, fair plans, the kiosk, printed
        sheets and shortlists, the bulletin, the API) selects openings with it.
        """
        return self.is_open and self.category_confirmed and self.employer.verified

    @visible_to_seekers.inplace.expression
    @classmethod
    def _visible_to_seekers_expression(cls):
        return sa.and_(
            cls.status == OpeningStatus.OPEN,
            cls.category_confirmed == sa.true(),
            cls.employer_id.in_(
                sa.select(Employer.id).where(Employer.status == EmployerStatus.VERIFIED)),
        )

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
