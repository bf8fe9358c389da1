"""Job practice: pages.

Employment staff (and administrators) record the days employers offer, attendance and
the employer's assessment; bureau staff book their own facility's consenting people.
Employment staff and administrators see bookings by code only; bureau staff see the
names of their own facility's people only (another facility's person is a 404).
"""

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app.audit import log_event
from app.auth.access import allow
from app.bureau.routes import refuse_other_facility
from app.clock import local_today
from app.practice import operations
from app.practice.forms import (
    ActionForm,
    AssessmentForm,
    AttendanceForm,
    BookingForm,
    OnceActionForm,
    PracticeDayForm,
)
from app.submissions import record_result, refuse_duplicate
from models import (
    PracticeBooking,
    PracticeDay,
    PracticeDayStatus,
    Referral,
    Role,
    Seeker,
    StateError,
    db,
)

bp = Blueprint("practice", __name__, url_prefix="/practice")
ORGANISERS = (Role.EMPLOYMENT, Role.ADMIN)


def _day(day_id: int) -> PracticeDay:
    day = db.session.scalar(
        sa.select(PracticeDay).where(PracticeDay.id == day_id).options(
            selectinload(PracticeDay.bookings).selectinload(PracticeBooking.seeker),
            selectinload(PracticeDay.employer), selectinload(PracticeDay.opening)))
    return day if day is not None else abort(404)


def _booking(booking_id: int) -> PracticeBooking:
    """The booking; for bureau staff only one of their own facility's people (else 404)."""
    booking = db.session.get(PracticeBooking, booking_id)
    if booking is None:
        abort(404)
    if current_user.role is Role.BUREAU and \
            booking.seeker.facility_id != current_user.facility_id:
        log_event("access_refused", booking.seeker, reason="other_facility",
                  booking=booking.id)
        db.session.commit()
        abort(404)
    return booking


def _back(booking: PracticeBooking):
    return redirect(url_for("practice.day", day_id=booking.practice_day_id))


def _visible_bookings(day: PracticeDay) -> list[PracticeBooking]:
    if current_user.role is Role.BUREAU:
        return [b for b in day.bookings if b.seeker.facility_id == current_user.facility_id]
    return list(day.bookings)


@bp.get("/")
@allow(Role.BUREAU, Role.EMPLOYMENT, Role.ADMIN)
def index():
    today = local_today()
    days = db.session.scalars(
        sa.select(PracticeDay).options(selectinload(PracticeDay.employer),
                                       selectinload(PracticeDay.opening))
        .order_by(PracticeDay.held_on, PracticeDay.id)).all()
    upcoming = [d for d in days if d.held_on >= today]
    past = [d for d in reversed(days) if d.held_on < today]
    own = {}
    if current_user.role is Role.BUREAU:
        # how many of this facility's people each day holds (a count, no names)
        own = dict(db.session.execute(
            sa.select(PracticeBooking.practice_day_id, sa.func.count(PracticeBooking.id))
            .join(PracticeBooking.seeker)
            .where(Seeker.facility_id == current_user.facility_id,
                   PracticeBooking.status.in_(operations.HOLDING_STATES))
            .group_by(PracticeBooking.practice_day_id)).all())
        past = [d for d in past if own.get(d.id)]
    return render_template("practice/index.html", upcoming=upcoming, past=past, own=own,
                           today=today, can_offer=current_user.role in ORGANISERS)


@bp.route("/days/new", methods=["GET", "POST"])
@allow(*ORGANISERS)
def new_day():
    form = PracticeDayForm()
    if form.validate_on_submit():
        try:
            day = operations.create_practice_day(form.data_for_day(), current_user)
        except StateError as error:
            db.session.rollback()
            flash(error.user_message(), "error")
        else:
            location = url_for("practice.day", day_id=day.id)
            record_result(location)
            db.session.commit()
            flash(_("Practice day saved."), "success")
            return redirect(location)
    return render_template("practice/day_form.html", form=form, day=None)


@bp.route("/days/<int:day_id>/edit", methods=["GET", "POST"])
@allow(*ORGANISERS)
def edit_day(day_id):
    day = _day(day_id)
    form = PracticeDayForm(obj=day)
    if form.validate_on_submit():
        try:
            operations.update_practice_day(day, form.data_for_day())
        except StateError as error:
            db.session.rollback()
            flash(error.user_message(), "error")
        else:
            location = url_for("practice.day", day_id=day.id)
            record_result(location)
            db.session.commit()
            flash(_("Practice day saved."), "success")
            return redirect(location)
    return render_template("practice/day_form.html", form=form, day=day)


@bp.post("/days/<int:day_id>/cancel")
@allow(*ORGANISERS)
def cancel_day(day_id):
    day = _day(day_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        operations.cancel_practice_day(day)
    except StateError as error:
        db.session.rollback()
        flash(error.user_message(), "error")
    else:
        db.session.commit()
        flash(_("Practice day cancelled; its bookings stay listed."), "success")
    return redirect(url_for("practice.day", day_id=day.id))


@bp.get("/days/<int:day_id>")
@allow(Role.BUREAU, Role.EMPLOYMENT, Role.ADMIN)
def day(day_id):
    day = _day(day_id)
    bookings = _visible_bookings(day)
    if bookings:
        log_event("practice_day_viewed", day, bookings=len(bookings),
                  names=current_user.role is Role.BUREAU)
        db.session.commit()
    referrals = {}
    if bookings:
        referrals = {r.practice_booking_id: r for r in db.session.scalars(
            sa.select(Referral).where(Referral.practice_booking_id.in_(
                [b.id for b in bookings])).order_by(Referral.id))}
    today = local_today()
    return render_template(
        "practice/day.html", day=day, bookings=bookings, referrals=referrals, today=today,
        show_names=current_user.role is Role.BUREAU,
        can_book=current_user.role is Role.BUREAU,
        can_record=current_user.role in ORGANISERS,
        bookable=day.status is PracticeDayStatus.OPEN and day.held_on >= today,
        booking_form=BookingForm(), action=ActionForm(),
        can_refer=operations.can_refer)


@bp.post("/days/<int:day_id>/bookings")
@allow(Role.BUREAU)
def book(day_id):
    day = _day(day_id)
    form = BookingForm()
    if not form.validate_on_submit():
        for error in form.code.errors:
            flash(error, "error")
        return redirect(url_for("practice.day", day_id=day.id))
    code = "".join(form.code.data.split()).upper()
    seeker = db.session.scalar(sa.select(Seeker).where(
        Seeker.code == code, Seeker.facility_id == current_user.facility_id))
    if seeker is None:
        db.session.rollback()  # the form's key was claimed: nothing is saved
        refuse_other_facility(code)
        abort(404)
    try:
        operations.book_seeker(day, seeker, current_user)
    except StateError as error:
        db.session.rollback()
        flash(error.user_message(), "error")
    except IntegrityError as error:  # the same person, booked by another request now
        refuse_duplicate(error, _(
            "%(code)s was booked on this day by another request at the same moment; "
            "nothing more was saved.", code=code))
    else:
        location = url_for("practice.day", day_id=day.id)
        record_result(location)
        db.session.commit()
        flash(_("%(code)s is booked on the practice day of %(day)s.", code=seeker.code,
                day=day.held_on.isoformat()), "success")
    return redirect(url_for("practice.day", day_id=day.id))


@bp.post("/bookings/<int:booking_id>/cancel")
@allow(Role.BUREAU, Role.EMPLOYMENT, Role.ADMIN)
def cancel_booking(booking_id):
    booking = _booking(booking_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        operations.cancel_booking(booking)
    except StateError as error:
        db.session.rollback()
        flash(error.user_message(), "error")
    else:
        db.session.commit()
        flash(_("Booking cancelled; its place is free again."), "success")
    return _back(booking)


@bp.post("/bookings/<int:booking_id>/attendance")
@allow(*ORGANISERS)
def attendance(booking_id):
    booking = _booking(booking_id)
    form = AttendanceForm()
    if not form.validate_on_submit():
        for error in form.attended.errors:
            flash(error, "error")
        return _back(booking)
    try:
        operations.record_attendance(booking, form.attended.data == "yes")
    except StateError as error:
        db.session.rollback()
        flash(error.user_message(), "error")
    else:
        record_result(url_for("practice.day", day_id=booking.practice_day_id))
        db.session.commit()
        flash(_("Attendance recorded."), "success")
    return _back(booking)


@bp.post("/bookings/<int:booking_id>/assessment")
@allow(*ORGANISERS)
def assessment(booking_id):
    booking = _booking(booking_id)
    form = AssessmentForm()
    if not form.validate_on_submit():
        messages = {e for f in (form.punctual, form.able, form.would_hire, form.note)
                    for e in f.errors}
        for message in sorted(messages):
            flash(message, "error")
        return _back(booking)
    try:
        operations.assess_booking(booking, form.answers(), current_user)
    except StateError as error:
        db.session.rollback()
        flash(error.user_message(), "error")
    else:
        record_result(url_for("practice.day", day_id=booking.practice_day_id))
        db.session.commit()
        flash(_("Assessment saved."), "success")
    return _back(booking)


@bp.post("/bookings/<int:booking_id>/refer")
@allow(Role.BUREAU, Role.EMPLOYMENT, Role.ADMIN)
def refer(booking_id):
    booking = _booking(booking_id)
    if not OnceActionForm().validate_on_submit():
        return _back(booking)
    try:
        referral = operations.refer_from_practice(booking, current_user)
    except StateError as error:
        db.session.rollback()
        flash(error.user_message(), "error")
    except IntegrityError as error:  # an active referral to this opening, made just now
        refuse_duplicate(error, _(
            "%(code)s already has an open referral to this opening; nothing more was "
            "saved.", code=booking.seeker.code))
    else:
        record_result(url_for("practice.day", day_id=booking.practice_day_id))
        db.session.commit()
        flash(_("%(code)s is referred to the opening %(opening)s.", code=booking.seeker.code,
                opening=referral.opening.title), "success")
    return _back(booking)
