"""Job practice (岗位实操): offer practice days, book people, record attendance and the
employer's assessment, refer a person from a good practice day (flush, never commit).

A place is taken with one conditional UPDATE (``booked = booked + 1 WHERE booked <
capacity AND status = 'open'``) in the transaction that adds the booking, so bookings
made at the same moment never overfill a day (the CHECK ``booked <= capacity`` is the
backstop); cancelling a booking gives its place back the same way.

A day for a job category only (no opening) is shown, booked and assessed like any other,
but its assessments do not feed the matcher: the matcher learns from (person, opening)
pairs, and such a day has no opening (see ``app.services.matching.recorded_outcomes``).
"""

from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app.audit import log_event
from app.clock import local_today
from app.referrals.operations import refer_seeker
from models import (
    BookingStatus,
    Employer,
    Opening,
    PracticeBooking,
    PracticeDay,
    PracticeDayStatus,
    Referral,
    ReferralSource,
    Seeker,
    StateError,
    db,
)

# a booking in these states holds the person's day (and, while booked, a place)
HOLDING_STATES = (BookingStatus.BOOKED, BookingStatus.ATTENDED, BookingStatus.NO_SHOW)
NO_PLACE_LEFT = _l("No place left: all %(capacity)s places of this practice day are booked. "
                   "Choose another day, or ask the employer for more places.")


def _employer_and_opening(data: dict) -> tuple[Employer, Opening | None]:
    employer = db.session.get(Employer, data["employer_id"]) if data["employer_id"] else None
    if employer is None:
        raise StateError(_l("Choose the employer."))
    if not employer.verified:
        raise StateError(_l("%(employer)s is not verified: only a verified employer can "
                            "offer practice days. Verify it on its page first."),
                         employer=employer.name)
    opening = None
    if data.get("opening_id"):
        opening = db.session.get(Opening, data["opening_id"])
        if opening is None or opening.employer_id != employer.id:
            raise StateError(_l("That opening is not one of %(employer)s's. Choose one of "
                                "its openings, or a job category."), employer=employer.name)
    elif not data.get("category_code"):
        raise StateError(_l("Choose the opening the day is for, or a job category."))
    return employer, opening


def _category(data: dict, opening: Opening | None) -> str | None:
    """A day at an opening is of the opening's category; otherwise the one chosen."""
    return opening.category_code if opening is not None else data.get("category_code")


def create_practice_day(data: dict, by, today: date | None = None) -> PracticeDay:
    """Record a practice day an employer offers (for an opening or a job category)."""
    employer, opening = _employer_and_opening(data)
    today = today or local_today()
    if data["held_on"] < today:
        raise StateError(_l("The day %(day)s is in the past; enter a day from today on."),
                         day=data["held_on"].isoformat())
    day = PracticeDay(employer_id=employer.id, opening_id=opening.id if opening else None,
                      category_code=_category(data, opening),
                      held_on=data["held_on"], place=data["place"], tasks=data["tasks"],
                      capacity=data["capacity"], booked=0, created_by_id=getattr(by, "id", None))
    db.session.add(day)
    db.session.flush()
    log_event("practice_day_created", day, employer=employer.id,
              opening=day.opening_id, capacity=day.capacity)
    return day


def update_practice_day(day: PracticeDay, data: dict, today: date | None = None) -> None:
    """Change a day's details; its places never drop below the people already booked."""
    if day.status is PracticeDayStatus.CANCELLED:
        raise StateError(_l("This practice day was cancelled; it cannot be changed."))
    employer, opening = _employer_and_opening(data)
    if day.bookings and employer.id != day.employer_id:
        raise StateError(_l("People are booked on this day; it cannot move to another "
                            "employer. Cancel it and offer a new day instead."))
    today = today or local_today()
    if data["held_on"] != day.held_on and data["held_on"] < today:
        raise StateError(_l("The day %(day)s is in the past; enter a day from today on."),
                         day=data["held_on"].isoformat())
    # under the same conditional-UPDATE rule as a booking, so a booking at this moment
    # cannot leave more people than places
    resized = db.session.execute(
        sa.update(PracticeDay)
        .where(PracticeDay.id == day.id, PracticeDay.booked <= data["capacity"])
        .values(capacity=data["capacity"])
        .execution_options(synchronize_session=False))
    if resized.rowcount == 0:
        db.session.refresh(day, ["booked"])
        raise StateError(_l("%(booked)s people are booked on this day: it needs at least "
                            "%(booked)s places. Cancel bookings first to offer fewer."),
                         booked=day.booked)
    changed = {key: value for key, value in data.items()
               if key != "capacity" and getattr(day, key) != value}
    day.employer_id = employer.id
    day.opening_id = opening.id if opening else None
    day.category_code = _category(data, opening)
    day.held_on, day.place, day.tasks = data["held_on"], data["place"], data["tasks"]
    db.session.flush()
    db.session.refresh(day, ["capacity", "booked"])
    log_event("practice_day_updated", day, changed=sorted(changed), capacity=day.capacity)


def cancel_practice_day(day: PracticeDay) -> None:
    """Cancel a day; its bookings stay, shown under the cancelled day."""
    if day.status is PracticeDayStatus.CANCELLED:
        raise StateError(_l("This practice day is already cancelled."))
    day.status = PracticeDayStatus.CANCELLED
    db.session.flush()
    log_event("practice_day_cancelled", day, bookings=day.booked)


def book_seeker(day: PracticeDay, seeker: Seeker, by, today: date | None = None
                ) -> PracticeBooking:
    """Book a consenting person on a day, taking one of its places.

    Refused: a person without consent to share their profile, a cancelled or past day,
    a full day, a person already booked that day (on this or another practice day).
    """
    if not seeker.consent_share:
        raise StateError(_l("%(code)s has not agreed to share their job profile with "
                            "employers, so they cannot be booked. Record their consent on "
                            "their page first."), code=seeker.code)
    day.require_bookable(today or local_today())
    taken = db.session.execute(
        sa.update(PracticeDay)
        .where(PracticeDay.id == day.id, PracticeDay.booked < PracticeDay.capacity,
               PracticeDay.status == PracticeDayStatus.OPEN)
        .values(booked=PracticeDay.booked + 1)
        .execution_options(synchronize_session=False))
    if taken.rowcount == 0:
        db.session.refresh(day, ["status", "booked", "capacity"])
        day.require_bookable(today or local_today())
        raise StateError(NO_PLACE_LEFT, capacity=day.capacity)
    # the person's row is the lock for "one practice day a date" (SQLite: the write
    # above already holds the database's lock)
    db.session.scalars(sa.select(Seeker.id).where(Seeker.id == seeker.id)
                       .with_for_update()).one()
    same_date = db.session.scalar(
        sa.select(PracticeBooking).join(PracticeBooking.practice_day)
        .where(PracticeBooking.seeker_id == seeker.id,
               PracticeBooking.status.in_(HOLDING_STATES),
               PracticeDay.held_on == day.held_on,
               PracticeDay.status == PracticeDayStatus.OPEN))
    if same_date is not None:
        if same_date.practice_day_id == day.id:
            raise StateError(_l("%(code)s is already booked on this practice day."),
                             code=seeker.code)
        raise StateError(_l("%(code)s is already booked on another practice day on "
                            "%(day)s (at %(employer)s). Cancel that booking first."),
                         code=seeker.code, day=day.held_on.isoformat(),
                         employer=same_date.practice_day.employer.name)
    booking = db.session.scalar(
        sa.select(PracticeBooking).where(PracticeBooking.practice_day_id == day.id,
                                         PracticeBooking.seeker_id == seeker.id))
    if booking is not None:  # booked before and cancelled: booked again
        booking.status = BookingStatus.BOOKED
        booking.booked_by_id = getattr(by, "id", None)
    else:
        booking = PracticeBooking(practice_day_id=day.id, seeker_id=seeker.id,
                                  status=BookingStatus.BOOKED,
                                  booked_by_id=getattr(by, "id", None))
        db.session.add(booking)
    db.session.flush()
    db.session.refresh(day, ["booked"])
    log_event("practice_booked", booking, day=day.id, seeker=seeker.code)
    return booking


def cancel_booking(booking: PracticeBooking) -> None:
    """Cancel a booking before attendance is recorded; its place goes back to the day."""
    if booking.status is BookingStatus.CANCELLED:
        raise StateError(_l("This booking is already cancelled."))
    if booking.status is not BookingStatus.BOOKED:
        raise StateError(_l("Attendance is recorded for this booking; it can no longer "
                            "be cancelled."))
    booking.status = BookingStatus.CANCELLED
    db.session.execute(
        sa.update(PracticeDay)
        .where(PracticeDay.id == booking.practice_day_id, PracticeDay.booked > 0)
        .values(booked=PracticeDay.booked - 1)
        .execution_options(synchronize_session=False))
    db.session.flush()
    db.session.refresh(booking.practice_day, ["booked"])
    log_event("practice_booking_cancelled", booking, day=booking.practice_day_id,
              seeker=booking.seeker.code)


def record_attendance(booking: PracticeBooking, attended: bool,
                      today: date | None = None) -> None:
    """Record whether the person came, on or after the day."""
    if booking.practice_day.status is PracticeDayStatus.CANCELLED:
        raise StateError(_l("This practice day was cancelled; there is no attendance to "
                            "record."))
    booking.record_attendance(attended, today or local_today())
    db.session.flush()
    log_event("practice_attendance_recorded", booking, attended=attended,
              seeker=booking.seeker.code)


def assess_booking(booking: PracticeBooking, answers: dict, by) -> None:
    """Record the employer's short assessment of a person who attended."""
    booking.assess(answers["punctual"], answers["able"], answers["would_hire"],
                   answers.get("note", "")[:500], by_id=getattr(by, "id", None))
    db.session.flush()
    log_event("practice_assessed", booking, seeker=booking.seeker.code,
              punctual=booking.punctual, able=booking.able, would_hire=booking.would_hire,
              good=booking.good_assessment)


def can_refer(booking: PracticeBooking) -> bool:
    """Whether the booking may lead to a referral: attended, assessed well, at an opening."""
    return booking.good_assessment and booking.practice_day.opening_id is not None


def refer_from_practice(booking: PracticeBooking, by, today: date | None = None) -> Referral:
    """Refer the person to the opening of a practice day they attended and were assessed
    well at: a referral from practice, with the rules of every referral (`refer_seeker`:
    consent, an opening open to job seekers, no current job, one active referral per
    person and opening)."""
    if not can_refer(booking):
        raise StateError(_l("Only a person who attended a practice day at an opening, and "
                            "whom the employer assessed as punctual and able and would "
                            "hire, can be referred from it."))
    referral = refer_seeker(booking.seeker, booking.practice_day.opening,
                            ReferralSource.PRACTICE, by, today=today)
    referral.practice_booking_id = booking.id
    db.session.flush()
    log_event("practice_referred", booking, referral=referral.id,
              opening=referral.opening_id, seeker=booking.seeker.code)
    return referral
