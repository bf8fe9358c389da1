"""Pages after the fair: placements from intents, follow-ups due, outcomes."""

from datetime import timedelta

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from wtforms import RadioField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    AnyOf,
    DataRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from app.audit import log_event
from app.auth.access import allow
from app.auth.second_factor import reauthentication_required
from app.fairs import placements, report, scope
from app.submissions import OnceForm, record_result, refuse_duplicate
from models import (
    Fair,
    FollowUp,
    FollowUpReason,
    Interest,
    InterestStage,
    Opening,
    Placement,
    Role,
    StateError,
    db,
)
from surveys.questionnaire import OptionalDateField, WholeNumberField

bp = Blueprint("after", __name__)
STAFF = (Role.ORGANIZER, Role.ADMIN)
REASON_LABELS = {
    FollowUpReason.RESIGNED: _l("resigned"),
    FollowUpReason.DISMISSED: _l("dismissed"),
    FollowUpReason.CONTRACT_ENDED: _l("contract ended"),
    FollowUpReason.HEALTH: _l("health"),
    FollowUpReason.PAY: _l("pay"),
    FollowUpReason.COMMUTE: _l("commute"),
    FollowUpReason.RELAPSE_OR_RETURN: _l("returned to a facility"),
    FollowUpReason.UNREACHABLE: _l("could not be reached"),
    FollowUpReason.OTHER: _l("other"),
}


class PlacementForm(OnceForm):
    interest_id = StringField(validators=[DataRequired()])
    start_date = OptionalDateField(
        _l("Start date"), validators=[DataRequired(_l("Enter the first day of work."))],
        invalid_value_message=_l("Enter the date as year-month-day, for example 2026-07-15."))
    monthly_pay = WholeNumberField(_l("Monthly pay (yuan)"), validators=[
        Optional(), NumberRange(500, 200000, _l("Enter a monthly pay from 500 to 200,000."))])
    additional_job_reason = StringField(
        _l("Additional job: reason"),
        description=_l("Only when the person keeps another current job from Qibu: say why "
                       "they take this one as well."),
        validators=[Optional(), Length(max=1000, message=_l(
            "Say why in at most 1,000 characters."))])
    submit = SubmitField(_l("Record hire"))


class FollowUpForm(OnceForm):
    done_on = OptionalDateField(
        _l("Date of the follow-up"), validators=[DataRequired(_l("Enter the date."))],
        invalid_value_message=_l("Enter the date as year-month-day, for example 2026-07-15."))
    # no default: staff must ask and choose; an unticked box used to read as "employed"
    still_employed = RadioField(
        _l("Still employed"), choices=[SelectChoice("yes", _l("Yes, still employed")),
                                       SelectChoice("no", _l("No, no longer employed"))],
        validate_choice=False, validators=[
            DataRequired(_l("Say whether the person is still employed: choose yes or no.")),
            AnyOf(("yes", "no"),
                  _l("Say whether the person is still employed: choose yes or no."))])
    reason = SelectField(_l("If not, why"), validators=[Optional()])
    note = StringField(_l("Note"), validators=[Optional()])
    submit = SubmitField(_l("Save follow-up"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.reason.choices = [SelectChoice("", "—")] + [
            SelectChoice(r.value, label) for r, label in REASON_LABELS.items()]

    def validate_reason(self, field):
        if self.still_employed.data == "no" and not field.data:
            raise ValidationError(_l("Say why the person is no longer employed."))


@bp.route("/fairs/<int:fair_id>/placements", methods=["GET", "POST"])
@allow(*STAFF)
def fair_placements(fair_id):
    fair = db.session.get(Fair, fair_id) or abort(404)
    location = url_for("after.fair_placements", fair_id=fair.id)
    form = PlacementForm()
    if form.validate_on_submit():
        interest = db.session.get(Interest, int(form.interest_id.data))
        if interest is None or interest.fair_id != fair.id:
            abort(404)
        try:
            placements.record_placement(
                interest, form.start_date.data, form.monthly_pay.data, by=current_user,
                additional_job_reason=form.additional_job_reason.data)
        except StateError as error:
            db.session.rollback()
            flash(error.user_message(), "error")
        except IntegrityError as error:  # the same hire, sent from another page
            refuse_duplicate(error, _("This hire is already recorded."))
        else:
            record_result(location)
            db.session.commit()
            flash(_("Hire recorded; follow-ups are scheduled at 1, 3, 6 and 12 months."), "success")
        return redirect(location)
    for errors in form.errors.values():
        for error in errors:
            flash(error, "error")
    intents = db.session.scalars(
        sa.select(Interest).where(Interest.fair_id == fair.id,
                                  Interest.stage.in_((InterestStage.INTENT, InterestStage.HIRED)))
        .options(selectinload(Interest.seeker),
                 selectinload(Interest.opening).selectinload(Opening.employer))
        .order_by(Interest.stage, Interest.id)
    ).all()
    hired = {p.interest_id: p for p in db.session.scalars(
        sa.select(Placement).where(Placement.fair_id == fair.id))}
    return render_template("fairs/placements.html", fair=fair, intents=intents, hired=hired,
                           today=placements.local_today())


def _chosen_fairs() -> tuple[list[Fair], list[Fair]]:
    """The fairs named by ?fair= (at most two; else the most recent fair with data), and
    all fairs to choose."""
    ids = list(request.args.getlist("fair", type=int))[:2]
    mine = scope.visible_fairs(current_user)
    choices = db.session.scalars(sa.select(Fair).where(mine).order_by(
        Fair.held_on.desc(), Fair.id.desc())).all()
    fairs = [next((f for f in choices if f.id == i), None) or abort(404) for i in ids]
    if not fairs and choices:
        fairs = [report.latest_fair_with_data(mine) or choices[0]]
    return fairs, choices


@bp.get("/fairs/report")
@allow(*STAFF)
def fair_report():
    """One fair's report, or two side by side (?fair=1&fair=2)."""
    fairs, choices = _chosen_fairs()
    reports = [report.published_report(fair) for fair in fairs]
    return render_template("fairs/report.html", reports=reports, choices=choices,
                           selected=[f.id for f in fairs], months=report.RETENTION_MONTHS)


@bp.get("/fairs/report.xlsx")
@allow(*STAFF)
@reauthentication_required
def fair_report_xlsx():
    """The report of the same fairs as an XLSX workbook."""
    fairs, _choices = _chosen_fairs()
    if not fairs:
        abort(404)
    reports = [report.published_report(fair) for fair in fairs]
    log_event("fair_report_exported", fairs[0], fairs=[f.id for f in fairs])
    db.session.commit()
    return Response(
        report.report_workbook(reports),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": "attachment; filename=qibu-fair-report.xlsx"},
    )


@bp.get("/follow-ups")
@allow(*STAFF)
def follow_ups():
    horizon = request.args.get("days", 14, type=int)
    today = placements.local_today()
    due = placements.follow_ups_due(today + timedelta(days=max(0, min(horizon, 365))),
                                    scope.visible_fairs(current_user))
    return render_template("fairs/follow_ups.html", due=due, horizon=horizon, today=today)


@bp.route("/follow-ups/<int:follow_up_id>", methods=["GET", "POST"])
@allow(*STAFF)
def follow_up(follow_up_id):
    item = db.session.get(FollowUp, follow_up_id) or abort(404)
    if item.placement.fair_id is not None and current_user.role is Role.ORGANIZER and \
            not scope.organizes(current_user, item.placement.fair_id):
        abort(404)
    form = FollowUpForm(data={"done_on": placements.local_today()})
    if form.validate_on_submit():
        try:
            placements.record_follow_up(
                item, form.done_on.data, form.still_employed.data == "yes",
                FollowUpReason(form.reason.data) if form.reason.data else None,
                form.note.data, by=current_user)
        except StateError as error:
            db.session.rollback()
            flash(error.user_message(), "error")
        else:
            location = url_for("after.follow_ups")
            record_result(location)
            db.session.commit()
            flash(_("Follow-up saved."), "success")
            return redirect(location)
    return render_template("fairs/follow_up.html", item=item, form=form)
