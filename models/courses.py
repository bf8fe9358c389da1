"""Skills courses (技能培训) a facility runs, and the certificate each one awards."""

from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.db import Base, utcnow
from models.errors import StateError
from models.facilities import Facility


class Course(Base):
    """A skills course of one facility; it may train for a job category and award a certificate.

    State rules: a course ends on or after the day it starts, and has at least one seat
    when its seats are known.
    """

    __tablename__ = "courses"
    __table_args__ = (
        sa.UniqueConstraint("facility_id", "name"),
        sa.CheckConstraint(
            "starts_on IS NULL OR ends_on IS NULL OR starts_on <= ends_on", name="dates_ordered"
        ),
        sa.CheckConstraint("seats IS NULL OR seats > 0", name="seats_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    facility_id: Mapped[int] = mapped_column(sa.ForeignKey("facilities.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    category_code: Mapped[str | None] = mapped_column(sa.ForeignKey("job_categories.code"))
    starts_on: Mapped[date | None]
    ends_on: Mapped[date | None]
    certificate_code: Mapped[str | None] = mapped_column(
        sa.ForeignKey("certificates.code"), index=True
    )
    seats: Mapped[int | None]
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    facility: Mapped[Facility] = relationship()

    def schedule(self, starts_on: date | None, ends_on: date | None) -> None:
        """Set the course's dates; refuse an end before the start."""
        if starts_on is not None and ends_on is not None and ends_on < starts_on:
            raise StateError(_l("A course cannot end before it starts."))
        self.starts_on, self.ends_on = starts_on, ends_on

    def set_seats(self, seats: int | None) -> None:
        if seats is not None and seats < 1:
            raise StateError(_l("A course needs at least one seat."))
        self.seats = seats

    def is_over(self, today: date) -> bool:
        """True once the course's last day has passed."""
        return self.ends_on is not None and self.ends_on < today

    def __repr__(self) -> str:
        return f"<Course {self.id} {self.name}>"
