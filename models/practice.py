"""Job practice (岗位实操): trial or practice days an employer offers, booked per person,
with attendance and the employer's short assessment."""

import enum
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.db import Base, enum_column, utcnow
from models.employers import Employer, Opening
from models.errors import StateError
from models.seekers import Seeker


class PracticeDayStatus(enum.Enum):
    OPEN = "open"
    CANCELLED = "cancelled"


class PracticeDay(Base):
    """A practice or trial day at an employer, for an opening or a job category.

    State rules: it names an opening or a category; it has at least one place; `booked`
    never passes `capacity` (a CHECK constraint, and bookings take a place with one
    conditional UPDATE, so concurrent bookings cannot overfill it).
    """

    __tablename__ = "practice_days"
    __table_args__ = (
        sa.CheckConstraint("capacity > 0", name="capacity_positive"),
        sa.CheckConstraint("booked >= 0 AND booked <= capacity", name="booked_within_capacity"),
        sa.CheckConstraint("opening_id IS NOT NULL OR category_code IS NOT NULL",
                           name="opening_or_category"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    employer_id: Mapped[int] = mapped_column(sa.ForeignKey("employers.id"), index=True)
    opening_id: Mapped[int | None] = mapped_column(sa.ForeignKey("openings.id"), index=True)
    category_code: Mapped[str | None] = mapped_column(sa.ForeignKey("job_categories.code"))
    held_on: Mapped[date] = mapped_column(index=True)
    place: Mapped[str] = mapped_column(sa.String(200))
    # what the person will do that day
    tasks: Mapped[str] = mapped_column(sa.Text, default="")
    capacity: Mapped[int]
    booked: Mapped[int] = mapped_column(default=0)
    status: Mapped[PracticeDayStatus] = mapped_column(
        enum_column(PracticeDayStatus), default=PracticeDayStatus.OPEN)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    employer: Mapped[Employer] = relationship()
    opening: Mapped[Opening | None] = relationship()
    bookings: Mapped[list["PracticeBooking"]] = relationship(
        back_populates="practice_day", order_by="PracticeBooking.id")

    def __init__(self, **kwargs):
        # the state rules read these before the row is flushed: set the defaults now
        kwargs.setdefault('status', PracticeDayStatus.OPEN)
        kwargs.setdefault('booked', 0)
        kwargs.setdefault('tasks', "")
        super().__init__(**kwargs)

    @property
    def places_left(self) -> int:
        return max(self.capacity - self.booked, 0)

    def require_bookable(self, today: date) -> None:
        if self.status is PracticeDayStatus.CANCELLED:
            raise StateError(_l("This practice day was cancelled; it takes no bookings."))
        if self.held_on < today:
            raise StateError(_l("This practice day is over; it takes no more bookings."))


class BookingStatus(enum.Enum):
    BOOKED = "booked"
    ATTENDED = "attended"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"


class PracticeBooking(Base):
    """A person booked on a practice day; attendance and the employer's assessment."""

    __tablename__ = "practice_bookings"
    __table_args__ = (sa.UniqueConstraint("practice_day_id", "seeker_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    practice_day_id: Mapped[int] = mapped_column(
        sa.ForeignKey("practice_days.id", ondelete="CASCADE"), index=True)
    seeker_id: Mapped[int] = mapped_column(sa.ForeignKey("seekers.id"), index=True)
    status: Mapped[BookingStatus] = mapped_column(
        enum_column(BookingStatus), default=BookingStatus.BOOKED)
    booked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id"))
    # the employer's short assessment, once the person attended
    punctual: Mapped[bool | None]
    able: Mapped[bool | None]
    would_hire: Mapped[bool | None]
    assessment_note: Mapped[str] = mapped_column(sa.Text, default="")
    assessed_at: Mapped[datetime | None]
    assessed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    practice_day: Mapped[PracticeDay] = relationship(back_populates="bookings")
    seeker: Mapped[Seeker] = relationship()

    def __init__(self, **kwargs):
        # the state rules read these before the row is flushed: set the defaults now
        kwargs.setdefault('status', BookingStatus.BOOKED)
        kwargs.setdefault('assessment_note', "")
        super().__init__(**kwargs)

    @property
    def good_assessment(self) -> bool:
        """Attended, punctual and able, and the employer would hire: a success the
        matcher learns from."""
        return (self.status is BookingStatus.ATTENDED and bool(self.would_hire)
                and bool(self.punctual) and bool(self.able))

    def record_attendance(self, attended: bool, today: date) -> None:
        if self.status is BookingStatus.CANCELLED:
            raise StateError(_l("This booking was cancelled."))
        if self.practice_day.held_on > today:
            raise StateError(_l("The practice day has not happened yet; record attendance "
                                "on or after %(day)s."),
                             day=self.practice_day.held_on.isoformat())
        self.status = BookingStatus.ATTENDED if attended else BookingStatus.NO_SHOW
        if not attended:
            self.punctual = self.able = self.would_hire = None
            self.assessed_at = None

    def assess(self, punctual: bool, able: bool, would_hire: bool, note: str = "",
               by_id: int | None = None) -> None:
        if self.status is not BookingStatus.ATTENDED:
            raise StateError(_l("Record that the person attended before the assessment."))
        self.punctual, self.able, self.would_hire = punctual, able, would_hire
        self.assessment_note = note
        self.assessed_at = utcnow()
        self.assessed_by_id = by_id
