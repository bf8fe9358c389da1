"""Start-up guidance (创业指导) pages: the facility's cases, one case with its guidance and
outcome, a group session for several people, and the city's start-up services."""

import sqlalchemy as sa
from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app.audit import log_event
from app.auth.access import allow
from app.auth.redirects import path_of_same_origin
from app.bureau.routes import refuse_other_facility
from app.clock import local_today
from app.i18n import locale_code
from app.startup import operations
from app.startup.forms import (
    KIND_LABELS,
    OUTCOME_LABELS,
    GroupSessionForm,
    GuidanceForm,
    OpenCaseForm,
    OutcomeForm,
)
from app.submissions import record_result, refuse_duplicate
from models import (
    GuidanceKind,
    Role,
    Seeker,
    StartupCase,
    StartupGuidance,
    StartupOutcome,
    StartupService,
    StateError,
    db,
)

bp = Blueprint("startup", __name__, url_prefix="/startup")
SHOW = ("open", "ended", "all")


def _own_seeker(code: str) -> Seeker:
    """The person with this code in the current user's facility; anyone else's is a 404."""
    seeker = db.session.scalar(sa.select(Seeker).where(
        Seeker.code == code, Seeker.facility_id == current_user.facility_id))
    if seeker is None:
        refuse_other_facility(code)
        abort(404)
    g.personal_data = True
    return seeker


def _own_case(case_id: int) -> StartupCase:
    """A case of the current user's facility; another facility's is a 404, audited."""
    case = db.session.scalar(
        sa.select(StartupCase).join(Seeker, Seeker.id == StartupCase.seeker_id)
        .where(StartupCase.id == case_id, Seeker.facility_id == current_user.facility_id)
        .options(selectinload(StartupCase.entries).selectinload(StartupGuidance.service)))
    if case is None:
        other = db.session.get(StartupCase, case_id)
        if other is not None:
            log_event("access_refused", other, reason="other_facility", path=request.path)
            db.session.commit()
        abort(404)
    g.personal_data = True
    return case


def _flash_errors(form) -> None:
    for errors in form.errors.values():
        for error in errors:
            flash(error, "error")


@bp.get("/")
@allow(Role.BUREAU)
def index():
    show = request.args.get("show", "open")
    show = show if show in SHOW else "open"
    query = (sa.select(StartupCase).join(Seeker, Seeker.id == StartupCase.seeker_id)
             .where(Seeker.facility_id == current_user.facility_id)
             .options(selectinload(StartupCase.seeker),
                      selectinload(StartupCase.entries).selectinload(StartupGuidance.service))
             .order_by(StartupCase.opened_on.desc(), StartupCase.id.desc()))
    if show == "open":
        query = query.where(StartupCase.outcome == StartupOutcome.OPEN)
    elif show == "ended":
        query = query.where(StartupCase.outcome != StartupOutcome.OPEN)
    cases = db.session.scalars(query).all()
    log_event("startup_cases_viewed", None, show=show, count=len(cases))
    db.session.commit()
    form = OpenCaseForm(data={"opened_on": local_today()})
    return render_template("startup/index.html", cases=cases, show=show, form=form,
                           outcome_labels=OUTCOME_LABELS, kind_labels=KIND_LABELS)


@bp.get("/people/<code>")
@allow(Role.BUREAU)
def person(code):
    """The person's start-up guidance: their case, or a form to open one."""
    seeker = _own_seeker(code)
    case = operations.case_of(seeker)
    if case is not None:
        return redirect(url_for("startup.case", case_id=case.id))
    log_event("seeker_viewed", seeker, page="startup")
    db.session.commit()
    form = OpenCaseForm(data={"code": seeker.code, "opened_on": local_today()})
    return render_template("startup/person.html", seeker=seeker, form=form)


@bp.post("/cases/new")
@allow(Role.BUREAU)
def open_case():
    back = path_of_same_origin(request.referrer, request.host) or url_for("startup.index")
    form = OpenCaseForm()
    if not form.validate_on_submit():
        _flash_errors(form)
        return redirect(back)
    code = form.code.data.strip().upper()
    seeker = db.session.scalar(sa.select(Seeker).where(
        Seeker.code == code, Seeker.facility_id == current_user.facility_id))
    if seeker is None:
        db.session.rollback()  # the form's key stays unspent
        refuse_other_facility(code)
        flash(_("No person with the code %(code)s in your facility.", code=code), "error")
        return redirect(back)
    existing = operations.case_of(seeker)
    if existing is not None:
        db.session.rollback()
        flash(_("%(code)s already has start-up guidance, begun on %(start)s.", code=code,
                start=existing.opened_on.isoformat()), "info")
        return redirect(url_for("startup.case", case_id=existing.id))
    try:
        case = operations.open_case(seeker, form.opened_on.data, by=current_user)
    except StateError as error:
        db.session.rollback()
        flash(error.user_message(), "error")
        return redirect(back)
    except IntegrityError as error:  # opened by another request at the same moment
        refuse_duplicate(error, _("Start-up guidance for %(code)s was opened by another "
                                  "request at the same moment.", code=code))
        return redirect(url_for("startup.index"))
    location = url_for("startup.case", case_id=case.id)
    record_result(location)
    db.session.commit()
    flash(_("Start-up guidance opened for %(code)s.", code=code), "success")
    return redirect(location)


def _case_page(case, entry_form=None, outcome_form=None):
    today = local_today()
    return render_template(
        "startup/case.html", case=case, today=today,
        entry_form=entry_form or GuidanceForm(data={"held_on": today}),
        outcome_form=outcome_form or OutcomeForm(data={"outcome_on": today}),
        placement=operations.startup_placement(case),
        outcome_labels=OUTCOME_LABELS, kind_labels=KIND_LABELS, locale=locale_code())


@bp.get("/cases/<int:case_id>")
@allow(Role.BUREAU)
def case(case_id):
    case = _own_case(case_id)
    log_event("startup_case_viewed", case, seeker=case.seeker.code)
    db.session.commit()
    return _case_page(case)


@bp.post("/cases/<int:case_id>/entries")
@allow(Role.BUREAU)
def add_entry(case_id):
    case = _own_case(case_id)
    form = GuidanceForm()
    if form.validate_on_submit():
        service = (db.session.get(StartupService, int(form.service_id.data))
                   if form.service_id.data else None)
        try:
            operations.record_guidance(
                case, GuidanceKind(form.kind.data), form.held_on.data, form.topic.data,
                form.adviser.data, form.next_step.data, service, by=current_user)
        except StateError as error:
            db.session.rollback()
            flash(error.user_message(), "error")
        else:
            location = url_for("startup.case", case_id=case.id)
            record_result(location)
            db.session.commit()
            flash(_("Guidance recorded."), "success")
            return redirect(location)
    case = _own_case(case_id)
    log_event("startup_case_viewed", case, seeker=case.seeker.code)
    db.session.commit()
    return _case_page(case, entry_form=form)


@bp.post("/cases/<int:case_id>/outcome")
@allow(Role.BUREAU)
def record_outcome(case_id):
    case = _own_case(case_id)
    form = OutcomeForm()
    if form.validate_on_submit():
        outcome = StartupOutcome(form.outcome.data)
        try:
            placement = operations.record_startup_outcome(
                case, outcome, form.outcome_on.data, business=form.business.data or "",
                monthly_income=form.monthly_income.data,
                additional_job_reason=form.additional_job_reason.data, by=current_user)
        except StateError as error:
            db.session.rollback()
            flash(error.user_message(), "error")
        else:
            location = url_for("startup.case", case_id=case.id)
            record_result(location)
            db.session.commit()
            if placement is not None:
                flash(_("Business registered: recorded as a self-employment placement; "
                        "follow-ups are scheduled at 1, 3, 6 and 12 months."), "success")
            else:
                flash(_("Outcome recorded."), "success")
            return redirect(location)
    case = _own_case(case_id)
    log_event("startup_case_viewed", case, seeker=case.seeker.code)
    db.session.commit()
    return _case_page(case, outcome_form=form)


def _facility_people() -> list[Seeker]:
    return db.session.scalars(
        sa.select(Seeker).where(Seeker.facility_id == current_user.facility_id,
                                Seeker.anonymised_at.is_(None))
        .order_by(Seeker.code)).all()


@bp.route("/sessions/new", methods=["GET", "POST"])
@allow(Role.BUREAU)
def group_session():
    """Record one group session for several of the facility's people at once."""
    people = _facility_people()
    form = GroupSessionForm(data=None if request.method == "POST"
                            else {"held_on": local_today()})
    form.seeker_ids.choices = [(s.id, f"{s.code} · {s.name}") for s in people]
    if form.validate_on_submit():
        by_code = {s.code: s for s in people}
        unknown = [code for code in form.typed_codes() if code not in by_code]
        if unknown:
            db.session.rollback()  # the form's key stays unspent
            for code in unknown:
                refuse_other_facility(code)
            flash(_("No person with the code %(code)s in your facility.",
                    code="、".join(unknown)), "error")
        else:
            chosen_ids = set(form.seeker_ids.data or []) | {
                by_code[code].id for code in form.typed_codes()}
            chosen = [s for s in people if s.id in chosen_ids]
            if len(chosen_ids) != len(chosen):
                abort(404)  # a ticked box that is not one of the facility's people
            service = (db.session.get(StartupService, int(form.service_id.data))
                       if form.service_id.data else None)
            try:
                entries = operations.record_group_session(
                    chosen, form.held_on.data, form.topic.data, form.adviser.data,
                    form.next_step.data, service, by=current_user)
            except StateError as error:
                db.session.rollback()
                flash(error.user_message(), "error")
            except IntegrityError as error:  # a case opened by another request meanwhile
                refuse_duplicate(error, _(
                    "Start-up guidance for one of these people was opened by another "
                    "request at the same moment; nothing was saved. Send the session "
                    "again."))
            else:
                location = url_for("startup.index")
                record_result(location)
                db.session.commit()
                flash(_("Group session recorded for %(n)s people.", n=len(entries)),
                      "success")
                return redirect(location)
    else:
        _flash_errors(form)
    log_event("startup_session_people_viewed", None, count=len(people))
    db.session.commit()
    in_guidance = set(db.session.scalars(
        sa.select(StartupCase.seeker_id).join(Seeker, Seeker.id == StartupCase.seeker_id)
        .where(Seeker.facility_id == current_user.facility_id,
               StartupCase.outcome == StartupOutcome.OPEN)))
    return render_template("startup/session.html", form=form, people=people,
                           in_guidance=in_guidance)


@bp.get("/services")
@allow(Role.BUREAU, Role.ADMIN, Role.SOCIAL_WORKER)
def services():
    """The city's start-up services; the administrator also sees those no longer offered."""
    query = sa.select(StartupService).order_by(StartupService.id)
    if current_user.role is not Role.ADMIN:
        query = query.where(StartupService.active)
    return render_template("startup/services.html", services=db.session.scalars(query).all(),
                           locale=locale_code(), toggle=FlaskForm())


@bp.post("/services/<int:service_id>/active/<int:active>")
@allow(Role.ADMIN)
def service_active(service_id, active):
    """Offer a service for new referrals again, or stop offering it."""
    service = db.session.get(StartupService, service_id) or abort(404)
    if not FlaskForm().validate_on_submit():
        abort(400)
    operations.set_service_active(service, bool(active))
    db.session.commit()
    if active:
        flash(_("“%(service)s” is offered again.", service=service.name(locale_code())),
              "success")
    else:
        flash(_("“%(service)s” is no longer offered for new referrals; past referrals "
                "keep it.", service=service.name(locale_code())), "success")
    return redirect(url_for("startup.services"))
