"""Skills courses (技能培训) a facility runs, the certificate each one awards, their
sessions, enrolment, attendance and completion, and the certificates people earn."""

import enum
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.db import Base, enum_column, utcnow
from models.errors import StateError
from models.facilities import Facility
from models.seekers import Seeker


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
        sa.CheckConstraint("enrolled >= 0 AND (seats IS NULL OR enrolled <= seats)",
                           name="enrolled_within_seats"),
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
    # people enrolled and not withdrawn; taken with one conditional UPDATE per enrolment
    enrolled: Mapped[int] = mapped_column(default=0, server_default="0")
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    facility: Mapped[Facility] = relationship()
    sessions: Mapped[list["CourseSession"]] = relationship(
        back_populates="course", order_by="CourseSession.held_on, CourseSession.id",
        cascade="all, delete-orphan")
    enrolments: Mapped[list["CourseEnrolment"]] = relationship(
        back_populates="course", order_by="CourseEnrolment.id")

    def schedule(self, starts_on: date | None, ends_on: date | None) -> None:
        """Set the course's dates; refuse an end before the start."""
        if starts_on is not None and ends_on is not None and ends_on < starts_on:
            raise StateError(_l("A course cannot end before it starts."))
        self.starts_on, self.ends_on = starts_on, ends_on

    def set_seats(self, seats: int | None) -> None:
        if seats is not None and seats < 1:
            raise StateError(_l("A course needs at least one seat."))
        if seats is not None and seats < (self.enrolled or 0):
            raise StateError(_l("%(n)s people are enrolled: the course needs at least as "
                                "many seats."), n=self.enrolled)
        self.seats = seats

    @property
    def seats_left(self) -> int | None:
        return None if self.seats is None else max(self.seats - (self.enrolled or 0), 0)

    def is_over(self, today: date) -> bool:
        """True once the course's last day has passed."""
        return self.ends_on is not None and self.ends_on < today

    def __repr__(self) -> str:
        return f"<Course {self.id} {self.name}>"


class CourseSession(Base):
    """One class of a course, on a date."""

    __tablename__ = "course_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id", ondelete="CASCADE"),
                                           index=True)
    held_on: Mapped[date]
    topic: Mapped[str] = mapped_column(sa.String(200), default="")
    place: Mapped[str] = mapped_column(sa.String(120), default="")

    course: Mapped[Course] = relationship(back_populates="sessions")
    attendance: Mapped[list["SessionAttendance"]] = relationship(
        back_populates="session", cascade="all, delete-orphan")


class EnrolmentStatus(enum.Enum):
    ENROLLED = "enrolled"
    COMPLETED = "completed"
    WITHDRAWN = "withdrawn"


class CourseEnrolment(Base):
    """A person enrolled on a course; completion awards the course's certificate."""

    __tablename__ = "course_enrolments"
    __table_args__ = (sa.UniqueConstraint("course_id", "seeker_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id", ondelete="CASCADE"),
                                           index=True)
    seeker_id: Mapped[int] = mapped_column(sa.ForeignKey("seekers.id"), index=True)
    status: Mapped[EnrolmentStatus] = mapped_column(
        enum_column(EnrolmentStatus), default=EnrolmentStatus.ENROLLED)
    enrolled_on: Mapped[date]
    completed_on: Mapped[date | None]
    enrolled_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    course: Mapped[Course] = relationship(back_populates="enrolments")
    seeker: Mapped[Seeker] = relationship()

    def __init__(self, **kwargs):
        # the state rules read these before the row is flushed: set the defaults now
        kwargs.setdefault('status', EnrolmentStatus.ENROLLED)
        super().__init__(**kwargs)

    def complete(self, on: date, today: date) -> None:
        if self.status is EnrolmentStatus.COMPLETED:
            raise StateError(_l("This person has already completed the course."))
        if self.status is EnrolmentStatus.WITHDRAWN:
            raise StateError(_l("This person withdrew from the course."))
        if on > today:
            raise StateError(_l("The completion date %(on)s is in the future."),
                             on=on.isoformat())
        if self.course.starts_on is not None and on < self.course.starts_on:
            raise StateError(_l("The completion date %(on)s is before the course started "
                                "(%(start)s)."), on=on.isoformat(),
                             start=self.course.starts_on.isoformat())
        self.status = EnrolmentStatus.COMPLETED
        self.completed_on = on

    def undo_completion(self) -> None:
        """Take back a completion recorded by mistake (a correction; the caller audits it)."""
        if self.status is not EnrolmentStatus.COMPLETED:
            raise StateError(_l("This person has not completed the course."))
        self.status = EnrolmentStatus.ENROLLED
        self.completed_on = None

    def withdraw(self) -> None:
        """Leave the course; the caller frees the seat."""
        if self.status is EnrolmentStatus.COMPLETED:
            raise StateError(_l("This person has completed the course; undo the completion "
                                "first if it was recorded by mistake."))
        if self.status is EnrolmentStatus.WITHDRAWN:
            raise StateError(_l("This person has already withdrawn from the course."))
        self.status = EnrolmentStatus.WITHDRAWN


class SessionAttendance(Base):
    """Whether an enrolled person was at one session."""

    __tablename__ = "session_attendance"

    session_id: Mapped[int] = mapped_column(
        sa.ForeignKey("course_sessions.id", ondelete="CASCADE"), primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("course_enrolments.id", ondelete="CASCADE"), primary_key=True)
    present: Mapped[bool] = mapped_column(default=True)

    session: Mapped[CourseSession] = relationship(back_populates="attendance")
    enrolment: Mapped[CourseEnrolment] = relationship()


class SeekerCertificate(Base):
    """A certificate a person holds from a course completed through Qibu, with its date.

    The matcher counts these together with the certificates the person named in a survey.
    """

    __tablename__ = "seeker_certificates"
    __table_args__ = (sa.UniqueConstraint("seeker_id", "certificate_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    seeker_id: Mapped[int] = mapped_column(sa.ForeignKey("seekers.id", ondelete="CASCADE"),
                                           index=True)
    certificate_code: Mapped[str] = mapped_column(sa.ForeignKey("certificates.code"))
    earned_on: Mapped[date]
    course_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("courses.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    seeker: Mapped[Seeker] = relationship()
    course: Mapped[Course | None] = relationship()
