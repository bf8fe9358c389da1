"""Follow-up after release: to-do lists, each person's timeline, release and hand-over to a
community social worker, and what the social worker records.

Who sees whom: bureau staff their facility's people (full record), administrators
everyone (full record), a community social worker only the people currently handed to
them (what follow-up needs: the name, no ID number, facility, health or rehab history).
Anyone else's person is a 404, recorded in the audit trail.
"""

import sqlalchemy as sa
from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from app.aftercare import operations, todo
from app.aftercare.forms import (
    CheckForm,
    HandoverForm,
    OwnJobForm,
    ReferralRequestForm,
    ReleaseForm,
)
from app.aftercare.timeline import FOLLOW_UP, FULL, timeline_for
from app.audit import log_event
from app.auth.access import allow
from app.clock import local_today
from app.fairs.after import FollowUpForm
from app.fairs.placements import record_follow_up
from app.labels import category_choices
from app.submissions import record_result, refuse_duplicate
from models import (
    AftercareCheck,
    FollowUp,
    FollowUpReason,
    PlacementKind,
    Role,
    Seeker,
    StaffUser,
    StateError,
    db,
)

bp = Blueprint("aftercare", __name__, url_prefix="/aftercare")


def _audience() -> str:
    return FOLLOW_UP if current_user.role is Role.SOCIAL_WORKER else FULL


def _refuse(seeker: Seeker | None) -> None:
    """Record an attempt at a person outside the user's scope, then answer 404."""
    if seeker is not None:
        reason = ("not_handed_over" if current_user.role is Role.SOCIAL_WORKER
                  else "other_facility")
        log_event("access_refused", seeker, reason=reason, path=request.path)
        db.session.commit()
    abort(404)


def _in_scope(seeker: Seeker) -> bool:
    role = current_user.role
    if role is Role.ADMIN:
        return True
    if role is Role.BUREAU:
        return seeker.facility_id == current_user.facility_id
    if role is Role.SOCIAL_WORKER:
        return db.session.scalar(sa.select(Seeker.id).where(
            Seeker.id == seeker.id, todo.handed_to(current_user.id))) is not None
    return False


def _person(code: str) -> Seeker:
    """The person with this code, if the user may follow them; else 404 (audited)."""
    seeker = db.session.scalar(sa.select(Seeker).where(Seeker.code == code))
    if seeker is None or not _in_scope(seeker):
        _refuse(seeker)
    g.personal_data = True
    return seeker


@bp.get("/")
@allow(Role.SOCIAL_WORKER, Role.BUREAU, Role.ADMIN)
def home():
    """The to-do list: overdue first, then due soon."""
    today = local_today()
    people = []
    if current_user.role is Role.SOCIAL_WORKER:
        items = todo.social_worker_todo(current_user.id, today)
        people = todo.people_of(current_user.id)
    else:
        facility = current_user.facility_id if current_user.role is Role.BUREAU else None
        items = todo.bureau_todo(facility, today)
    log_event("aftercare_todo_viewed", items=len(items), people=len(people))
    db.session.commit()
    return render_template(
        "aftercare/home.html", today=today, people=people,
        overdue=[i for i in items if i.overdue(today)],
        soon=[i for i in items if not i.overdue(today)])


def _person_page(seeker: Seeker, release_form=None, handover_form=None, status=200):
    audience = _audience()
    timeline = timeline_for(seeker, audience)
    handover = operations.current_handover(seeker.id)
    if current_user.role is Role.BUREAU:
        expected = seeker.expected_release_date
        if release_form is None:  # the expected day once it has come, else today
            on = expected if expected and expected <= timeline.today else timeline.today
            release_form = ReleaseForm(data={"released_on": on})
        if handover_form is None:
            handover_form = HandoverForm()
        handover_form.set_workers(_social_workers())
    log_event("aftercare_person_viewed", seeker, audience=audience)
    db.session.commit()
    return render_template("aftercare/person.html", seeker=seeker, timeline=timeline,
                           audience=audience, handover=handover, release_form=release_form,
                           handover_form=handover_form), status


def _social_workers() -> list[StaffUser]:
    return db.session.scalars(
        sa.select(StaffUser).where(StaffUser.role == Role.SOCIAL_WORKER,
                                   StaffUser.active.is_(True))
        .order_by(StaffUser.display_name, StaffUser.username)).all()


@bp.get("/people/<code>")
@allow(Role.SOCIAL_WORKER, Role.BUREAU, Role.ADMIN)
def person(code):
    """One person: what is due, the actions, and the timeline."""
    return _person_page(_person(code))


@bp.get("/people/<code>/timeline")
@allow(Role.SOCIAL_WORKER, Role.BUREAU, Role.ADMIN)
def timeline(code):
    """The person's whole-process record (reduced for a social worker)."""
    seeker = _person(code)
    audience = _audience()
    result = timeline_for(seeker, audience)
    log_event("timeline_viewed", seeker, audience=audience)
    db.session.commit()
    return render_template("aftercare/timeline.html", seeker=seeker, timeline=result,
                           audience=audience)


def _saved(seeker, save, done: str):
    """Run `save`; once it passes its rules, commit, say `done` and go to the person's page
    (the response); a StateError is rolled back and shown (None: show the form again)."""
    try:
        save()
    except StateError as error:
        db.session.rollback()
        flash(error.user_message(), "error")
        return None
    location = url_for("aftercare.person", code=seeker.code)
    record_result(location)
    db.session.commit()
    flash(done, "success")
    return redirect(location)


@bp.post("/people/<code>/release")
@allow(Role.BUREAU)
def release(code):
    seeker = _person(code)
    form = ReleaseForm()
    if form.validate_on_submit():
        def save():
            operations.release_seeker(seeker, form.released_on.data, current_user,
                                      local_today())

        response = _saved(seeker, save, _("Release recorded."))
        if response is not None:
            return response
    return _person_page(seeker, release_form=form, status=422)


@bp.post("/people/<code>/handover")
@allow(Role.BUREAU)
def handover(code):
    seeker = _person(code)
    form = HandoverForm()
    form.set_workers(_social_workers())
    if form.validate_on_submit():
        worker = (db.session.get(StaffUser, form.social_worker_id.data)
                  if form.social_worker_id.data else None)
        try:
            operations.hand_over(seeker, worker, bool(form.consent.data), form.note.data,
                                 current_user, local_today())
        except StateError as error:
            db.session.rollback()
            flash(error.user_message(), "error")
        except IntegrityError as error:  # a hand-over from another page at this moment
            refuse_duplicate(error, _(
                "This person was handed over by another request at the same moment; "
                "nothing more was saved."))
        else:
            location = url_for("aftercare.person", code=seeker.code)
            record_result(location)
            db.session.commit()
            flash(_("Handed over to %(worker)s; aftercare checks are scheduled at 1, 3, 6 "
                    "and 12 months after the release.", worker=worker.display_name),
                  "success")
            return redirect(location)
    return _person_page(seeker, handover_form=form, status=422)


@bp.route("/checks/<int:check_id>", methods=["GET", "POST"])
@allow(Role.SOCIAL_WORKER)
def check(check_id):
    """Record an aftercare check of a person handed to the social worker."""
    item = db.session.get(AftercareCheck, check_id) or abort(404)
    seeker = item.handover.seeker
    if item.handover.social_worker_id != current_user.id or item.handover.ended_on:
        _refuse(seeker)
    g.personal_data = True
    form = CheckForm(data={"done_on": local_today()})
    if form.validate_on_submit():
        reached = form.reached.data == "yes"
        def save():
            operations.record_aftercare_check(
                item, form.done_on.data, reached,
                (form.working.data == "yes") if reached else None, form.note.data,
                current_user, local_today())

        response = _saved(seeker, save, _("Aftercare check saved."))
        if response is not None:
            return response
    log_event("aftercare_check_viewed", seeker, month=item.month)
    db.session.commit()
    return render_template("aftercare/check.html", item=item, seeker=seeker, form=form)


@bp.route("/follow-ups/<int:follow_up_id>", methods=["GET", "POST"])
@allow(Role.SOCIAL_WORKER, Role.BUREAU, Role.ADMIN)
def follow_up(follow_up_id):
    """Record a placement's follow-up, whatever the channel of the job."""
    item = db.session.get(FollowUp, follow_up_id) or abort(404)
    seeker = item.placement.seeker
    if not _in_scope(seeker):
        _refuse(seeker)
    g.personal_data = True
    form = FollowUpForm(data={"done_on": local_today()})
    if form.validate_on_submit():
        def save():
            record_follow_up(item, form.done_on.data, form.still_employed.data == "yes",
                             FollowUpReason(form.reason.data) if form.reason.data else None,
                             form.note.data, by=current_user, today=local_today())

        response = _saved(seeker, save, _("Follow-up saved."))
        if response is not None:
            return response
    log_event("follow_up_viewed", seeker, month=item.month)
    db.session.commit()
    return render_template("aftercare/follow_up.html", item=item, seeker=seeker, form=form)


@bp.route("/people/<code>/job", methods=["GET", "POST"])
@allow(Role.SOCIAL_WORKER, Role.BUREAU)
def own_job(code):
    """Record a job the person found themselves (or their own business)."""
    seeker = _person(code)
    form = OwnJobForm(data={"start_date": local_today()})
    form.set_categories(category_choices())
    if form.validate_on_submit():
        def save():
            operations.record_own_job(
                seeker, job_title=form.job_title.data, category_code=form.category_code.data,
                start_date=form.start_date.data, monthly_pay=form.monthly_pay.data,
                kind=PlacementKind(form.kind.data),
                additional_job_reason=form.additional_job_reason.data, by=current_user,
                today=local_today())

        response = _saved(seeker, save, _("Job recorded; follow-ups are scheduled at 1, 3, 6 "
                                          "and 12 months."))
        if response is not None:
            return response
    log_event("aftercare_person_viewed", seeker, page="own_job")
    db.session.commit()
    return render_template("aftercare/own_job.html", seeker=seeker, form=form)


@bp.route("/people/<code>/referral-request", methods=["GET", "POST"])
@allow(Role.SOCIAL_WORKER)
def request_referral(code):
    """Ask the employment centre for a new referral for the person."""
    seeker = _person(code)
    form = ReferralRequestForm()
    if form.validate_on_submit():
        def save():
            operations.request_referral(seeker, form.note.data, current_user, local_today())

        response = _saved(seeker, save, _("Request sent to the employment centre."))
        if response is not None:
            return response
    return render_template("aftercare/referral_request.html", seeker=seeker, form=form)
