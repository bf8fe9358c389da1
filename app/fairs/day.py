"""Fair day: the recording desk for tablets, check-in, undo, and the live dashboard."""

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import joinedload, selectinload

from app.auth.access import allow
from app.fairs import recording
from app.fairs.forms import ActionForm
from app.fairs.operations import format_badge_code
from app.fairs.stats import fair_statistics
from app.kiosk import throttle
from models import (
    Fair,
    FairEmployer,
    FairOpening,
    FairParticipant,
    FairRecommendation,
    FairStatus,
    Interest,
    InterestStage,
    Role,
    StateError,
    db,
)

bp = Blueprint("fairday", __name__, url_prefix="/fairs")
STAFF = (Role.ORGANIZER, Role.ADMIN)
STAGE_LABELS = {
    InterestStage.INTERESTED: _l("interested"),
    InterestStage.INTERVIEWED: _l("interviewed"),
    InterestStage.INTENT: _l("preliminary intent"),
    InterestStage.HIRED: _l("hired"),
    InterestStage.DECLINED: _l("declined"),
}


# Why a fair-day action is refused on a fair that is not open, and where corrections are
# made instead: said to the person who tapped, never "only an organizer can" to an organizer.
NOT_OPEN_YET = {
    "check_in": _l("The fair has not opened yet: check-in starts when an organizer opens it "
                   "on fair day."),
    "record": _l("The fair has not opened yet: records start when an organizer opens it on "
                 "fair day."),
    "undo": _l("The fair has not opened yet: there is nothing to undo."),
}
CLOSED = {
    "check_in": _l("The fair is closed, so check-in has ended; nobody was checked in."),
    "record": _l("The fair is closed, so new records are no longer taken; nothing was "
                 "recorded."),
    "undo": _l("The fair is closed, so the last record can no longer be undone; nothing "
               "changed."),
}
CORRECT_HERE = _l("You can still correct a stage: use “Correct” on the opening's row of this "
                  "desk.")
ORGANIZER_CORRECTS = _l("An organizer of the fair can correct a stage with “Correct” on the "
                        "opening's row of this desk.")


def _fair(fair_id: int) -> Fair:
    return db.session.get(Fair, fair_id) or abort(404)


def _is_organizer() -> bool:
    return current_user.role is Role.ORGANIZER


def _refusal(fair: Fair, action: str) -> str | None:
    """Why `action` ("check_in", "record", "undo") cannot be done now, or None if it can."""
    if fair.status is FairStatus.OPEN:
        return None
    if fair.status is FairStatus.PLANNING:
        return str(NOT_OPEN_YET[action])
    if action == "undo" and _is_organizer():
        return None  # the organizer's undo after close is an audited correction
    where = CORRECT_HERE if _is_organizer() else ORGANIZER_CORRECTS
    return f"{CLOSED[action]} {where}"


def _wants_row() -> bool:
    """A tap sent by the desk page's script (static/js/qibu.js), which takes the opening's
    row back and puts it in place instead of loading the whole desk again."""
    return request.headers.get("X-Qibu-Desk") == "row"


def _to_desk(fair: Fair):
    """Back to the whole desk, where the flashed message is shown; a script's tap is told
    where to go (it loads that page itself)."""
    url = url_for("fairday.desk", fair_id=fair.id)
    if _wants_row():
        return Response(status=204, headers={"X-Qibu-Go": url, "Cache-Control": "no-store"})
    return redirect(url)


def _back_to_desk(fair: Fair, opening_id: int | None = None):
    """Back to the desk, at the opening's row when there is one: the page stays where the
    finger was instead of jumping to the top (a script's tap gets the row alone)."""
    if opening_id is None:
        return _to_desk(fair)
    if _wants_row():
        answer = _row_answer(fair, opening_id)
        if answer is not None:
            return answer
        return _to_desk(fair)
    _save_desk(fair, at=opening_id)
    return redirect(url_for("fairday.desk", fair_id=fair.id, _anchor=f"opening-{opening_id}"))


def _committed(answer: Response) -> Response:
    """Commit the tap, then give its answer: the row was drawn from the tap's own
    transaction (what it wrote, flushed), so nothing is loaded again after the commit."""
    db.session.commit()
    return answer


def _row_answer(fair: Fair, opening_id: int) -> Response | None:
    """The opening's row of the desk as the page shows it after a tap (its stage, the
    tap's message and undo), or None when the desk has no such row for the person."""
    state = _desk(fair)
    participant = _desk_participant(state)
    offered = db.session.scalar(
        sa.select(FairOpening)
        .where(FairOpening.fair_id == fair.id, FairOpening.opening_id == opening_id)
        .options(joinedload(FairOpening.opening)))
    if participant is None or offered is None:
        return None
    stages, planned = _marks(fair, participant, opening_id)
    html = render_template("fairs/_desk_row.html", fo=offered, stages=stages, planned=planned,
                           notice_row=opening_id, **_row_settings(fair, state))
    # a stage recorded marks the person as come (recording.mark_attended): the page's
    # "checked in" follows
    return Response(html, mimetype="text/html", headers={
        "X-Qibu-Row": f"opening-{opening_id}",
        "X-Qibu-Undo": "1" if state.get("last") else "0",
        "X-Qibu-Checked-In": "1" if participant.checked_in_at else "0",
        "Cache-Control": "no-store"})


def _desk_key(fair: Fair) -> str:
    return f"desk:{fair.id}"


def _desk(fair: Fair) -> dict:
    return session.get(_desk_key(fair), {})


def _save_desk(fair: Fair, **changes) -> None:
    desk = dict(_desk(fair))
    desk.update(changes)
    session[_desk_key(fair)] = desk


def _desk_participant(state: dict) -> FairParticipant | None:
    """The participant this tablet has chosen (by badge), if any."""
    return (db.session.get(FairParticipant, state["participant"])
            if state.get("participant") else None)


def _marks(fair: Fair, participant: FairParticipant, opening_id: int | None = None
           ) -> tuple[dict, set]:
    """The person's recorded stage per opening and the openings in their plan (of one
    opening only, when given)."""
    stages_query = sa.select(Interest.opening_id, Interest.stage).where(
        Interest.fair_id == fair.id, Interest.seeker_id == participant.seeker_id)
    planned_query = sa.select(FairRecommendation.opening_id).where(
        FairRecommendation.participant_id == participant.id)
    if opening_id is not None:
        stages_query = stages_query.where(Interest.opening_id == opening_id)
        planned_query = planned_query.where(FairRecommendation.opening_id == opening_id)
    return (dict(db.session.execute(stages_query).all()),
            set(db.session.scalars(planned_query)))


def _row_settings(fair: Fair, state: dict) -> dict:
    """What every opening's row is drawn with, on the whole desk and alone."""
    last = state.get("last") or {}
    return {"fair": fair, "labels": STAGE_LABELS, "recordable": recording.RECORDABLE,
            "can_undo": bool(last), "undo_row": last.get("opening"),
            "can_correct": _is_organizer() and fair.status is not FairStatus.PLANNING,
            "action": ActionForm()}


@bp.get("/<int:fair_id>/desk")
@allow(*STAFF)
def desk(fair_id):
    fair = _fair(fair_id)
    state = _desk(fair)
    # the row the last tap was on: its message and undo are shown there, once
    at = state.get("at")
    if at is not None:
        _save_desk(fair, at=None)
    participant = _desk_participant(state)
    booths = db.session.scalars(
        sa.select(FairEmployer).where(FairEmployer.fair_id == fair.id)
        .options(selectinload(FairEmployer.employer)).order_by(FairEmployer.booth)
    ).all()
    booth_filter = state.get("booth")
    shown = [b for b in booths if not booth_filter or b.id == booth_filter]
    # the openings of the booths shown only: a tablet kept on one booth loads one booth's
    if shown:
        db.session.scalars(
            sa.select(FairEmployer).where(FairEmployer.id.in_([b.id for b in shown]))
            .options(selectinload(FairEmployer.openings).selectinload(FairOpening.opening))
        ).all()
    stages, planned = _marks(fair, participant) if participant is not None else ({}, set())
    shown_openings = {fo.opening_id for b in shown for fo in b.openings}
    notice_row = at if participant is not None and at in shown_openings else None
    return render_template(
        "fairs/desk.html", participant=participant, booths=booths, shown=shown,
        booth_filter=booth_filter, stages=stages, planned=planned, notice_row=notice_row,
        badge=format_badge_code, kiosk_delays=throttle.delayed_devices(fair.id),
        **_row_settings(fair, state),
    )


@bp.post("/<int:fair_id>/desk/kiosk-delay")
@allow(*STAFF)
def desk_clear_kiosk_delay(fair_id):
    """Let a kiosk device that is waiting after wrong badge codes be used at once."""
    fair = _fair(fair_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    if throttle.clear_device_delay(fair, request.form.get("device", "")):
        db.session.commit()
        flash(_("The kiosk can be used again."), "success")
    else:
        flash(_("That kiosk is not waiting any more."), "info")
    return redirect(url_for("fairday.desk", fair_id=fair_id))


@bp.post("/<int:fair_id>/desk/badge")
@allow(*STAFF)
def desk_badge(fair_id):
    """Select the participant whose badge was typed or scanned."""
    fair = _fair(fair_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    participant = recording.find_participant(fair, request.form.get("badge", ""))
    if participant is None:
        flash(_("No participant of this fair has that badge code. Check the code and type it "
                "again."), "error")
        _save_desk(fair, participant=None)
    else:
        _save_desk(fair, participant=participant.id)
        if request.form.get("check_in"):
            refused = _refusal(fair, "check_in")
            if refused:
                flash(refused, "error")
            else:
                try:
                    done = recording.check_in(fair, participant)
                except StateError as error:  # closed by another tablet a moment ago
                    db.session.rollback()
                    flash(error.user_message(), "error")
                else:
                    db.session.commit()
                    flash(_("Checked in.") if done else _("Already checked in."), "success")
    return redirect(url_for("fairday.desk", fair_id=fair_id))


@bp.post("/<int:fair_id>/desk/booth")
@allow(*STAFF)
def desk_booth(fair_id):
    """Keep this tablet on one booth (or all booths)."""
    fair = _fair(fair_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    booth_id = request.form.get("booth_id", type=int)
    _save_desk(fair, booth=booth_id or None)
    return redirect(url_for("fairday.desk", fair_id=fair_id))


@bp.post("/<int:fair_id>/desk/record")
@allow(*STAFF)
def desk_record(fair_id):
    fair = _fair(fair_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    state = _desk(fair)
    participant = _desk_participant(state)
    if participant is None or participant.fair_id != fair.id:
        flash(_("Scan or type a badge first."), "error")
        return _to_desk(fair)
    try:
        stage = InterestStage(request.form.get("stage", ""))
        opening_id = int(request.form.get("opening_id", ""))
    except ValueError:
        abort(400)
    refused = _refusal(fair, "record")
    if refused:
        flash(refused, "error")
        return _back_to_desk(fair, opening_id)
    try:
        done = recording.record_stage(fair, participant, opening_id, stage,
                                      request.form.get("note", ""), by=current_user)
    except StateError as error:
        db.session.rollback()
        flash(error.user_message(), "error")
    else:
        _save_desk(fair, last=done.__dict__ | {"opening": opening_id})
        flash(_("Recorded: %(stage)s.", stage=STAGE_LABELS[stage]), "success")
        return _committed(_back_to_desk(fair, opening_id))
    return _back_to_desk(fair, opening_id)


@bp.post("/<int:fair_id>/desk/correct")
@allow(Role.ORGANIZER)
def desk_correct(fair_id):
    """An organizer sets a participant's stage for an opening to any stage but hired, during
    the fair or after it closed (a mistaken 'declined' included), audited old and new."""
    fair = _fair(fair_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    state = _desk(fair)
    participant = _desk_participant(state)
    if participant is None or participant.fair_id != fair.id:
        flash(_("Scan or type a badge first."), "error")
        return _to_desk(fair)
    try:
        stage = InterestStage(request.form.get("stage", ""))
        opening_id = int(request.form.get("opening_id", ""))
    except ValueError:
        abort(400)
    try:
        done = recording.record_stage(fair, participant, opening_id, stage, by=current_user,
                                      correction=True, reason=request.form.get("reason", ""))
    except StateError as error:
        db.session.rollback()
        flash(error.user_message(), "error")
    else:
        _save_desk(fair, last=done.__dict__ | {"opening": opening_id})
        if done.previous is None:
            flash(_("Corrected: recorded as %(stage)s.", stage=STAGE_LABELS[stage]), "success")
        elif done.previous == done.stage:
            flash(_("Already %(stage)s; nothing changed.", stage=STAGE_LABELS[stage]), "info")
        else:
            flash(_("Corrected: %(old)s → %(new)s.",
                    old=STAGE_LABELS[InterestStage(done.previous)], new=STAGE_LABELS[stage]),
                  "success")
        return _committed(_back_to_desk(fair, opening_id))
    return _back_to_desk(fair, opening_id)


@bp.post("/<int:fair_id>/desk/undo")
@allow(*STAFF)
def desk_undo(fair_id):
    fair = _fair(fair_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    last = _desk(fair).get("last")
    if not last:
        flash(_("Nothing to undo."), "error")
        return _back_to_desk(fair)
    refused = _refusal(fair, "undo")
    if refused:
        flash(refused, "error")
        return _back_to_desk(fair, last.get("opening"))
    try:
        recording.undo(fair, last, by=current_user,
                       correction=fair.status is FairStatus.CLOSED and _is_organizer())
    except StateError as error:
        db.session.rollback()
        flash(error.user_message(), "error")
    else:
        flash(_("The last record was undone."), "success")
        _save_desk(fair, last=None)
        return _committed(_back_to_desk(fair, last.get("opening")))
    _save_desk(fair, last=None)
    return _back_to_desk(fair, last.get("opening"))


@bp.get("/<int:fair_id>/dashboard")
@allow(*STAFF)
def dashboard(fair_id):
    fair = _fair(fair_id)
    return render_template("fairs/dashboard.html", fair=fair, stats=fair_statistics(fair),
                           refresh=30 if fair.records_stages else None)


@bp.get("/<int:fair_id>/dashboard.json")
@allow(*STAFF)
def dashboard_json(fair_id):
    stats = fair_statistics(_fair(fair_id))
    return {key: value for key, value in stats.items() if key not in ("busiest", "idle",
                                                                      "unasked")}
