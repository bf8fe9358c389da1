"""Fair planning pages for organizers; badges for the facility's bureau staff."""

import pandas as pd
import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from app.audit import log_event
from app.auth.access import allow
from app.auth.second_factor import reauthentication_required
from app.fairs import documents, operations, scope
from app.fairs.forms import (
    ActionForm,
    BoothCodeForm,
    FairForm,
    InviteForm,
    OfferedOpeningsForm,
    ParticipantsForm,
    PlanForm,
)
from app.fairs.operations import given_name
from app.i18n import locale_code
from app.jobs import enqueue_job
from app.jobs.files import active_job
from app.labels import category_name
from app.opening_labels import opening_label
from app.qr import qr_svg
from app.reports.suppression import suppress_small_counts
from app.services import fair_plan
from app.submissions import record_result
from models import (
    Employer,
    Fair,
    FairEmployer,
    FairOpening,
    FairParticipant,
    FairStatus,
    Opening,
    Role,
    StaffUser,
    StateError,
    db,
)

bp = Blueprint("fairs", __name__, url_prefix="/fairs")
PLANNERS = (Role.ORGANIZER, Role.ADMIN)


def _fair(fair_id: int) -> Fair:
    return db.session.scalar(
        sa.select(Fair).where(Fair.id == fair_id).options(
            selectinload(Fair.booths).selectinload(FairEmployer.employer),
            selectinload(Fair.booths).selectinload(FairEmployer.openings)
            .selectinload(FairOpening.opening),
        )
    ) or abort(404)


@bp.route("/new", methods=["GET", "POST"])
@allow(*PLANNERS)
def new_fair():
    form = FairForm()
    if form.validate_on_submit():
        data = {name: form[name].data for name in
                ("code", "name_zh", "name_en", "facility_id", "held_on", "venue")}
        data["name_en"] = data["name_en"] or data["name_zh"]
        try:
            fair = operations.create_fair(data, current_user)
        except StateError as error:
            db.session.rollback()
            form.code.errors.append(error.user_message())
        else:
            location = url_for("fairs.fair", fair_id=fair.id)
            record_result(location)
            db.session.commit()
            flash(_("Fair created. Invite employers next."), "success")
            return redirect(location)
    return render_template("fairs/fair_form.html", form=form)


@bp.get("/<int:fair_id>")
@allow(*PLANNERS)
def fair(fair_id):
    fair = _fair(fair_id)
    participants = db.session.scalar(
        sa.select(sa.func.count(FairParticipant.id)).where(FairParticipant.fair_id == fair.id))
    checked_in = db.session.scalar(
        sa.select(sa.func.count(FairParticipant.id)).where(
            FairParticipant.fair_id == fair.id, FairParticipant.checked_in_at.is_not(None)))
    demand = operations.fair_demand(fair)
    wanted = request.args.get("wanted", "")
    if wanted not in ("", "demand") and wanted not in demand:
        wanted = ""
    candidates = [] if fair.status is FairStatus.CLOSED else operations.invitable_employers(
        fair, None if not wanted else set(demand) if wanted == "demand" else {wanted})
    return render_template(
        "fairs/fair.html", fair=fair, participants=participants, checked_in=checked_in,
        invite=InviteForm(candidates), candidates=candidates, wanted=wanted,
        demand=_published_demand(demand), people=ParticipantsForm(), action=ActionForm(),
        plan_form=PlanForm(), under_served=_under_served_badges(fair),
        organizers_to_add=scope.organizers_to_add(fair),
    )


def _published_demand(demand: dict[str, int]) -> list[tuple[str, str, object]]:
    """(code, name, participants wanting it) per category, counts under 5 as "<5"."""
    if not demand:
        return []
    counts = suppress_small_counts(pd.Series(demand, dtype="int64")).cells
    return [(code, category_name(code), counts[code]) for code in demand]


def _under_served_badges(fair: Fair) -> list[str]:
    """Badge codes of the participants the plan left with fewer than 3 fitting options."""
    ids = (fair.plan_report or {}).get(fair_plan.UNDER_SERVED) or []
    if not ids:
        return []
    codes = db.session.scalars(
        sa.select(FairParticipant.badge_code).where(FairParticipant.id.in_(ids)))
    return sorted(operations.format_badge_code(code) for code in codes)


@bp.post("/<int:fair_id>/open")
@allow(*PLANNERS)
def open_fair(fair_id):
    return _transition(fair_id, operations.open_fair, _("The fair is open."))


@bp.post("/<int:fair_id>/close")
@allow(*PLANNERS)
def close_fair(fair_id):
    return _transition(fair_id, operations.close_fair, _("The fair is closed."))


def _transition(fair_id, operation, done):
    fair = _fair(fair_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        operation(fair)
    except StateError as error:
        db.session.rollback()
        flash(error.user_message(), "error")
    else:
        db.session.commit()
        flash(done, "success")
    return redirect(url_for("fairs.fair", fair_id=fair_id))


@bp.post("/<int:fair_id>/booths")
@allow(*PLANNERS)
def invite(fair_id):
    """Invite every employer ticked or pasted, all or none, at booths given in order."""
    fair = _fair(fair_id)
    location = url_for("fairs.fair", fair_id=fair_id, wanted=request.args.get("wanted"))
    back = redirect(location + "#invite")
    form = InviteForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(error, "error")
        return back
    chosen = [db.session.get(Employer, i) for i in form.employer_ids.data or []]
    named = operations.employers_named(form.names.data or "")
    try:
        if None in chosen:
            raise StateError(_("An employer you ticked is no longer registered; look at the "
                               "list again."))
        invitations = operations.invite_employers(
            fair, chosen + named.employers, problems=named.problems)
    except StateError as error:
        db.session.rollback()
        flash(error.user_message(), "error")
        for problem in getattr(error, "problems", []):
            flash(problem.user_message(), "error")
        return back
    record_result(location + "#invite")
    db.session.commit()
    if len(invitations) == 1:
        flash(_("%(name)s invited at booth %(booth)s.", name=invitations[0].employer.name,
                booth=invitations[0].booth), "success")
    else:
        flash(_("%(n)s employers invited, at booths %(first)s to %(last)s.",
                n=len(invitations), first=invitations[0].booth, last=invitations[-1].booth),
              "success")
    return back


def _invitation(fair: Fair, booth_id: int) -> FairEmployer:
    return next((b for b in fair.booths if b.id == booth_id), None) or abort(404)


@bp.route("/<int:fair_id>/booths/<int:booth_id>", methods=["GET", "POST"])
@allow(*PLANNERS)
def booth(fair_id, booth_id):
    fair = _fair(fair_id)
    invitation = _invitation(fair, booth_id)
    form = _offered_openings_form(invitation)
    if form.validate_on_submit():
        operations.set_offered_openings(invitation, set(form.openings.data or []))
        db.session.commit()
        flash(_("Saved."), "success")
        return redirect(url_for("fairs.fair", fair_id=fair_id))
    return render_template("fairs/booth.html", fair=fair, invitation=invitation, form=form,
                           code_form=BoothCodeForm(data={"booth": invitation.booth}))


def _offered_openings_form(invitation: FairEmployer) -> OfferedOpeningsForm:
    openings = db.session.scalars(
        sa.select(Opening).where(Opening.employer_id == invitation.employer_id,
                                 Opening.visible_to_seekers).order_by(Opening.title, Opening.id)
    ).all()
    form = OfferedOpeningsForm(data={"openings": [fo.opening_id for fo in invitation.openings]})
    form.openings.choices = [(o.id, opening_label(o)) for o in openings]
    return form


@bp.post("/<int:fair_id>/booths/<int:booth_id>/code")
@allow(*PLANNERS)
def rename_booth(fair_id, booth_id):
    """Give an invited employer's booth another code (unique within the fair)."""
    fair = _fair(fair_id)
    invitation = _invitation(fair, booth_id)
    code_form = BoothCodeForm()
    if code_form.validate_on_submit():
        try:
            operations.set_booth(invitation, code_form.booth.data)
        except StateError as error:
            db.session.rollback()
            code_form.booth.errors.append(error.user_message())
        else:
            db.session.commit()
            flash(_("The booth is now %(booth)s.", booth=invitation.booth), "success")
            return redirect(url_for("fairs.booth", fair_id=fair_id, booth_id=booth_id))
    form = _offered_openings_form(invitation)
    return render_template("fairs/booth.html", fair=fair, invitation=invitation, form=form,
                           code_form=code_form), 400


@bp.get("/<int:fair_id>/booths/print")
@allow(*PLANNERS)
def booth_list(fair_id):
    return render_template("fairs/booth_list.html", fair=_fair(fair_id))


@bp.post("/<int:fair_id>/participants")
@allow(*PLANNERS)
def add_participants(fair_id):
    fair = _fair(fair_id)
    form = ParticipantsForm()
    if form.validate_on_submit():
        try:
            added = operations.add_participants(
                fair, operations.seekers_due(fair, form.months.data))
        except StateError as error:
            db.session.rollback()
            flash(error.user_message(), "error")
        else:
            record_result(url_for("fairs.fair", fair_id=fair_id))
            db.session.commit()
            flash(_("%(n)s participants added.", n=len(added)), "success")
    else:
        for errors in form.errors.values():
            for error in errors:
                flash(error, "error")
    return redirect(url_for("fairs.fair", fair_id=fair_id))


@bp.post("/<int:fair_id>/plan")
@allow(*PLANNERS)
def plan(fair_id):
    """Plan every participant's recommendations under booth capacity."""
    fair = _fair(fair_id)
    form = PlanForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        fair.require_planning_allowed(replan_confirmed=form.understood.data)
    except StateError as error:
        flash(error.user_message(), "error")
        return redirect(url_for("fairs.fair", fair_id=fair_id))
    job = enqueue_job("fair_plan", current_user, subject=fair, fair_id=fair.id)
    return redirect(url_for("jobs.job", job_id=job.id))


@bp.get("/<int:fair_id>/shortlists")
@allow(*PLANNERS)
def shortlists(fair_id):
    """Per-employer shortlists: pseudonymous codes and job-relevant facts, consenting only."""
    fair = _fair(fair_id)
    log_event("shortlists_printed", fair)
    db.session.commit()
    return render_template("fairs/shortlists.html", fair=fair,
                           by_opening=fair_plan.employer_shortlists(fair))


@bp.get("/<int:fair_id>/sheets")
@allow(Role.BUREAU, Role.ADMIN)
def sheets(fair_id):
    """One printable sheet per participant with their planned openings and reasons."""
    fair = _facility_fair(fair_id)
    plans = fair_plan.participant_plans(fair)
    booths = {fo.opening_id: b.booth for b in fair.booths for fo in b.openings}
    log_event("sheets_printed", fair, count=len(plans))
    db.session.commit()
    return render_template("fairs/sheets.html", fair=fair, plans=plans, booths=booths,
                           given_name=given_name, badge=operations.format_badge_code)


def _facility_fair(fair_id: int) -> Fair:
    """A fair the current bureau user's facility holds (admins: any); else 404."""
    fair = _fair(fair_id)
    if current_user.role is Role.BUREAU and fair.facility_id != current_user.facility_id:
        abort(404)
    g.personal_data = True
    return fair


@bp.get("/<int:fair_id>/sheets.pdf")
@allow(Role.BUREAU, Role.ADMIN)
@reauthentication_required
def sheets_pdf(fair_id):
    """The sheets' PDF, made by a job for this user alone; its page offers the download
    (audited then, as `sheets_exported`)."""
    return _export_job("sheets_pdf", _facility_fair(fair_id))


@bp.get("/<int:fair_id>/booths.pdf")
@allow(*PLANNERS)
def booth_list_pdf(fair_id):
    fair = _fair(fair_id)
    return _pdf(documents.booth_list_pdf(fair), f"booths-{fair.code}")


@bp.get("/<int:fair_id>/shortlists.pdf")
@allow(*PLANNERS)
@reauthentication_required
def shortlists_pdf(fair_id):
    """The shortlists' PDF in the user's language, made by a job for this user alone; its
    page offers the download (audited then, as `shortlists_exported`)."""
    return _export_job("shortlists_pdf", _fair(fair_id), locale=locale_code())


def _export_job(kind: str, fair: Fair, **arguments):
    """Follow this user's job of `kind` for the fair if one is under way, else start one."""
    job = (active_job(kind, fair, current_user)
           or enqueue_job(kind, current_user, subject=fair, fair_id=fair.id, **arguments))
    return redirect(url_for("jobs.job", job_id=job.id))


def _pdf(data: bytes, name: str) -> Response:
    return Response(data, mimetype="application/pdf", headers={
        "Content-Disposition": f"attachment; filename={name}.pdf",
        "Cache-Control": "no-store"})


@bp.get("/<int:fair_id>/badges")
@allow(Role.BUREAU, Role.ADMIN)
@reauthentication_required
def badges(fair_id):
    """Printable badges with code, QR code and given name, for the facility's staff."""
    fair = _facility_fair(fair_id)
    participants = db.session.scalars(
        sa.select(FairParticipant).where(FairParticipant.fair_id == fair.id)
        .options(selectinload(FairParticipant.seeker))
    ).all()
    participants.sort(key=lambda p: p.seeker.code)
    log_event("badges_printed", fair, count=len(participants))
    db.session.commit()
    return render_template("fairs/badges.html", fair=fair, participants=participants,
                           qr=qr_svg, given_name=given_name,
                           badge=operations.format_badge_code)


@bp.post("/<int:fair_id>/organizers")
@allow(*PLANNERS)
def share(fair_id):
    """Share the fair with another organizer, who can then see and run it too."""
    fair = _fair(fair_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    organizer = db.session.get(StaffUser, request.form.get("organizer_id", type=int) or 0)
    if organizer is None or organizer not in scope.organizers_to_add(fair):
        flash(_("Choose an organizer from the list."), "error")
        return redirect(url_for("fairs.fair", fair_id=fair.id) + "#organizers")
    scope.share_fair(fair, organizer)
    db.session.commit()
    flash(_("%(name)s can now see and run this fair.",
            name=organizer.display_name or organizer.username), "success")
    return redirect(url_for("fairs.fair", fair_id=fair.id) + "#organizers")
