"""Training and certificates: pages.

Bureau staff run their own facility's courses: sessions, enrolment (seats held under
concurrency), attendance, completion (which adds the course's certificate to the person's,
so openings that need it are recommended at once) and its audited correction. Admins see
every facility's courses with their counts, never who is enrolled.
"""

import sqlalchemy as sa
from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app.audit import log_event
from app.auth.access import allow
from app.clock import local_today
from app.submissions import record_result, refuse_duplicate
from app.training import operations
from app.training.forms import (
    ActionForm,
    CompleteForm,
    EnrolForm,
    SessionForm,
    UndoCompletionForm,
)
from models import (
    Course,
    CourseEnrolment,
    CourseSession,
    EnrolmentStatus,
    Facility,
    Role,
    StateError,
    db,
)

bp = Blueprint("training", __name__, url_prefix="/training")


def _is_bureau() -> bool:
    return current_user.role is Role.BUREAU


def _refused(target, kind: str) -> None:
    """Record an attempt at another facility's course (the answer stays a plain 404)."""
    log_event("access_refused", target, reason="other_facility", kind=kind, path=request.path)
    db.session.commit()
    abort(404)


def _course(course_id: int) -> Course:
    """A course of the user's facility; another facility's is a 404 (and audited)."""
    course = db.session.get(Course, course_id)
    if course is None:
        abort(404)
    if course.facility_id != current_user.facility_id:
        _refused(course, "course")
    g.personal_data = True
    return course


def _enrolment(enrolment_id: int) -> CourseEnrolment:
    enrolment = db.session.get(CourseEnrolment, enrolment_id)
    if enrolment is None:
        abort(404)
    if enrolment.course.facility_id != current_user.facility_id:
        _refused(enrolment, "enrolment")
    g.personal_data = True
    return enrolment


def _course_location(course: Course, anchor: str | None = None) -> str:
    return url_for("training.course", course_id=course.id, _anchor=anchor)


def _flash_errors(form) -> None:
    for errors in form.errors.values():
        for error in errors:
            flash(error, "error")


# --------------------------------------------------------------------------- overview


@bp.get("/")
@allow(Role.BUREAU, Role.ADMIN)
def index():
    """The facility's courses: sessions, people enrolled of the seats, completions."""
    facilities = [] if _is_bureau() else list(
        db.session.scalars(sa.select(Facility).order_by(Facility.code)))
    if _is_bureau():
        facility = current_user.facility
    else:
        code = request.args.get("facility", "")
        facility = next((f for f in facilities if f.code == code), None)
    query = (sa.select(Course)
             .options(selectinload(Course.sessions), selectinload(Course.facility))
             .order_by(Course.facility_id, Course.starts_on.is_(None), Course.starts_on,
                       Course.name))
    if facility is not None:
        query = query.where(Course.facility_id == facility.id)
    courses = list(db.session.scalars(query))
    return render_template("training/index.html", courses=courses, facility=facility,
                           facilities=facilities, today=local_today(),
                           completions=operations.completions_of(c.id for c in courses),
                           can_run=_is_bureau())


# --------------------------------------------------------------------------- a course


def _course_page(course: Course, status: int = 200, **forms):
    enrolments = operations.enrolments_of(course)
    enrol_form = forms.get("enrol_form") or EnrolForm(formdata=None)
    candidates = operations.people_to_enrol(course)
    enrol_form.seeker_ids.choices = [
        (seeker.id, f"{seeker.code} {seeker.name or ''}".strip()) for seeker in candidates]
    today = local_today()
    attendance = operations.attendance_of(course)
    counts: dict[int, int] = {}
    for (enrolment_id, _session_id), present in attendance.items():
        counts[enrolment_id] = counts.get(enrolment_id, 0) + present
    log_event("course_enrolments_viewed", course,
              people=sum(e.status is not EnrolmentStatus.WITHDRAWN for e in enrolments))
    db.session.commit()
    return render_template(
        "training/course.html", course=course, enrolments=enrolments,
        taking_part=[e for e in enrolments if e.status in operations.TAKING_PART],
        attendance=attendance, attendance_counts=counts, today=today,
        session_form=forms.get("session_form") or SessionForm(formdata=None),
        enrol_form=enrol_form, candidates=candidates,
    ), status


@bp.get("/courses/<int:course_id>")
@allow(Role.BUREAU)
def course(course_id):
    return _course_page(_course(course_id))


@bp.post("/courses/<int:course_id>/sessions")
@allow(Role.BUREAU)
def add_session(course_id):
    course = _course(course_id)
    form = SessionForm()
    if not form.validate_on_submit():
        return _course_page(course, 400, session_form=form)
    try:
        session = operations.add_session(course, form.held_on.data, form.topic.data,
                                         form.place.data)
    except StateError as error:
        db.session.rollback()
        form.held_on.errors = [error.user_message()]
        return _course_page(course, 400, session_form=form)
    location = _course_location(course, "sessions")
    record_result(location)
    db.session.commit()
    flash(_("Session of %(date)s added.", date=session.held_on.isoformat()), "success")
    return redirect(location)


@bp.post("/sessions/<int:session_id>/remove")
@allow(Role.BUREAU)
def remove_session(session_id):
    session = db.session.get(CourseSession, session_id) or abort(404)
    course = _course(session.course_id)
    if not ActionForm().validate_on_submit():
        return redirect(_course_location(course, "sessions"))
    held_on = session.held_on
    operations.remove_session(session)
    location = _course_location(course, "sessions")
    record_result(location)
    db.session.commit()
    flash(_("Session of %(date)s removed.", date=held_on.isoformat()), "success")
    return redirect(location)


@bp.post("/courses/<int:course_id>/enrol")
@allow(Role.BUREAU)
def enrol(course_id):
    course = _course(course_id)
    form = EnrolForm()
    form.seeker_ids.choices = []  # any id may be sent: find_people keeps this facility's
    if not form.validate_on_submit():
        return _course_page(course, 400, enrol_form=form)
    try:
        people = operations.find_people(course, form.seeker_ids.data or [],
                                        form.typed_codes())
        operations.enrol_people(course, people, by=current_user)
    except StateError as error:
        db.session.rollback()
        form.codes.errors = [error.user_message()]
        return _course_page(course, 400, enrol_form=form)
    except IntegrityError as error:  # the same person, enrolled from another page just now
        refuse_duplicate(error, _("Someone enrolled one of these people at the same moment; "
                                  "nothing more was saved. Check the list below."))
        return redirect(_course_location(course, "people"))
    location = _course_location(course, "people")
    record_result(location)
    db.session.commit()
    flash(_("Enrolled: %(codes)s.", codes="、".join(p.code for p in people)), "success")
    return redirect(location)


@bp.post("/enrolments/<int:enrolment_id>/withdraw")
@allow(Role.BUREAU)
def withdraw(enrolment_id):
    enrolment = _enrolment(enrolment_id)
    course = enrolment.course
    location = _course_location(course, "people")
    if not ActionForm().validate_on_submit():
        return redirect(location)
    try:
        operations.withdraw_enrolment(enrolment, by=current_user)
    except StateError as error:
        db.session.rollback()
        flash(error.user_message(), "error")
        return redirect(location)
    record_result(location)
    db.session.commit()
    flash(_("%(code)s withdrew from the course; the seat is free.",
            code=enrolment.seeker.code), "success")
    return redirect(location)


@bp.post("/courses/<int:course_id>/attendance")
@allow(Role.BUREAU)
def attendance(course_id):
    course = _course(course_id)
    location = _course_location(course, "attendance")
    if not ActionForm().validate_on_submit():
        return redirect(location)
    present = set()
    for name in request.form:
        parts = name.split("-")
        if len(parts) == 3 and parts[0] == "present" and parts[1].isdigit() \
                and parts[2].isdigit():
            present.add((int(parts[1]), int(parts[2])))
    changed = operations.record_attendance(course, present, by=current_user)
    record_result(location)
    db.session.commit()
    flash(_("Attendance saved (%(n)s marks changed).", n=changed), "success")
    return redirect(location)


@bp.post("/enrolments/<int:enrolment_id>/complete")
@allow(Role.BUREAU)
def complete(enrolment_id):
    enrolment = _enrolment(enrolment_id)
    course, seeker = enrolment.course, enrolment.seeker
    location = _course_location(course, "people")
    form = CompleteForm()
    if not form.validate_on_submit():
        _flash_errors(form)
        return redirect(location)
    try:
        certificate = operations.complete_enrolment(enrolment, form.completed_on.data,
                                                    by=current_user)
    except StateError as error:
        db.session.rollback()
        flash(error.user_message(), "error")
        return redirect(location)
    record_result(location)
    db.session.commit()
    if certificate is not None:
        flash(_("%(code)s completed the course; the certificate is added to theirs and "
                "their recommendations count it now.", code=seeker.code), "success")
    else:
        flash(_("%(code)s completed the course.", code=seeker.code), "success")
    return redirect(location)


@bp.route("/enrolments/<int:enrolment_id>/undo", methods=["GET", "POST"])
@allow(Role.BUREAU)
def undo_completion(enrolment_id):
    """Take back a completion recorded by mistake: a correction, with a reason, audited."""
    enrolment = _enrolment(enrolment_id)
    course = enrolment.course
    if enrolment.status is not EnrolmentStatus.COMPLETED:
        flash(_("This person has not completed the course."), "error")
        return redirect(_course_location(course, "people"))
    form = UndoCompletionForm()
    if form.validate_on_submit():
        try:
            removed = operations.undo_completion(enrolment, form.reason.data, by=current_user)
        except StateError as error:
            db.session.rollback()
            form.reason.errors = [error.user_message()]
        else:
            location = _course_location(course, "people")
            record_result(location)
            db.session.commit()
            flash(_("The completion of %(code)s is taken back and recorded as a correction.",
                    code=enrolment.seeker.code)
                  + (" " + _("The certificate it added is removed.") if removed else ""),
                  "success")
            return redirect(location)
    log_event("course_enrolment_viewed", enrolment, seeker=enrolment.seeker.code)
    db.session.commit()
    return render_template("training/undo.html", form=form, enrolment=enrolment,
                           course=course)
