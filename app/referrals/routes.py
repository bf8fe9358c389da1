"""Targeted referrals (定向推荐): refer a person to an opening, follow the employer's
answers, turn an offer into a placement; answer social workers' requests.

Bureau staff see and refer their own facility's people (with names: they are theirs);
employment staff and administrators see codes and job-relevant facts only, and record
the employer's answers.
"""

import sqlalchemy as sa
from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app.audit import log_event
from app.auth.access import allow
from app.bureau.routes import refuse_other_facility
from app.clock import local_today
from app.referrals import operations
from app.referrals.forms import (
    DECLINE_REASON_LABELS,
    SOURCE_LABELS,
    STATUS_LABELS,
    DeclineForm,
    HireForm,
    InterviewForm,
    OfferForm,
    ReferForm,
    WithdrawForm,
)
from app.services.matching import ranked_seekers_for
from app.services.rankings import recommendations_for
from app.submissions import is_unique_violation, record_result, refuse_duplicate
from models import (
    Opening,
    Referral,
    ReferralRequest,
    ReferralRequestStatus,
    ReferralSource,
    ReferralStatus,
    Role,
    Seeker,
    StateError,
    db,
)
from models.referrals import ACTIVE_REFERRAL_STATES, REFERRAL_STALE_DAYS

bp = Blueprint("referrals", __name__, url_prefix="/referrals")
ANSWERING = (Role.EMPLOYMENT, Role.ADMIN)  # record the employer's side
REFERRING = (Role.BUREAU, Role.EMPLOYMENT, Role.ADMIN)

bp.app_template_global("active_referrals_of")(operations.active_referrals_of)


@bp.app_context_processor
def _labels():
    return {"referral_status_labels": STATUS_LABELS,
            "referral_source_labels": SOURCE_LABELS,
            "decline_reason_labels": DECLINE_REASON_LABELS}


def _shows_names() -> bool:
    """Only bureau staff (of the person's own facility) see who a code is."""
    return current_user.role is Role.BUREAU


def _referral(referral_id: int) -> Referral:
    """The referral, if the current user may see it; another facility's is a 404."""
    referral = db.session.scalar(
        sa.select(Referral).where(Referral.id == referral_id)
        .options(selectinload(Referral.seeker),
                 selectinload(Referral.opening).selectinload(Opening.employer))
    ) or abort(404)
    if current_user.role is Role.BUREAU and \
            referral.seeker.facility_id != current_user.facility_id:
        log_event("access_refused", referral, reason="other_facility", path=request.path)
        db.session.commit()
        abort(404)
    g.personal_data = True
    return referral


def _seeker_to_refer(code: str) -> Seeker:
    """The person with this code: bureau staff only their facility's (else a 404)."""
    code = "".join((code or "").split()).upper()
    query = sa.select(Seeker).where(Seeker.code == code)
    if current_user.role is Role.BUREAU:
        query = query.where(Seeker.facility_id == current_user.facility_id)
    seeker = db.session.scalar(query)
    if seeker is None:
        if current_user.role is Role.BUREAU:
            refuse_other_facility(code)
        abort(404)
    g.personal_data = True
    return seeker


def _flash_errors(form) -> None:
    for errors in form.errors.values():
        for error in errors:
            flash(error, "error")


def _number(text) -> int | None:
    text = (text or "").strip()
    return int(text) if text.isdigit() else None


def _back_from_refer(form) -> str:
    """Where a refused referral sends the user back to: the page the button was on."""
    request_id, opening_id = _number(form.request_id.data), _number(form.opening_id.data)
    if request_id is not None and current_user.role in ANSWERING:
        return url_for(".answer_request", request_id=request_id)
    if form.source.data == ReferralSource.OPENING.value and opening_id is not None and \
            current_user.role in ANSWERING:
        return url_for(".opening_seekers", opening_id=opening_id)
    if current_user.role is Role.BUREAU and form.code.data:
        return url_for("bureau.seeker", code=form.code.data)
    return url_for(".index")


@bp.get("/")
@allow(*REFERRING)
def index():
    """The referrals the user may see, those open too long first; open requests from
    social workers for employment staff."""
    today = local_today()
    status = request.args.get("status", "")
    query = operations.visible_referrals(current_user)
    if status in ("stale", "active"):
        query = query.where(Referral.status.in_(ACTIVE_REFERRAL_STATES))
    elif status in {s.value for s in ReferralStatus}:
        query = query.where(Referral.status == ReferralStatus(status))
    else:
        status = ""
    rows = operations.stale_first(db.session.scalars(
        query.order_by(Referral.referred_on.desc(), Referral.id.desc())).all(), today)
    if status == "stale":
        rows = [r for r in rows if r.is_stale(today)]
    requests = []
    if current_user.role in ANSWERING:
        requests = db.session.scalars(
            sa.select(ReferralRequest).where(
                ReferralRequest.status == ReferralRequestStatus.OPEN)
            .options(selectinload(ReferralRequest.seeker))
            .order_by(ReferralRequest.asked_on, ReferralRequest.id)).all()
    log_event("referrals_listed", status=status or "all", count=len(rows),
              requests=len(requests))
    db.session.commit()
    return render_template("referrals/index.html", referrals=rows, requests=requests,
                           status=status, today=today, stale_days=REFERRAL_STALE_DAYS,
                           stale_count=sum(r.is_stale(today) for r in rows),
                           show_names=_shows_names())


@bp.post("/new")
@allow(*REFERRING)
def refer():
    """Refer a person to an opening (the Refer buttons); a double click refers once."""
    form = ReferForm()
    opening_number, request_number = _number(form.opening_id.data), _number(form.request_id.data)
    if opening_number is None or not form.code.data:
        abort(404)
    # found before the form's one-time key is spent: a refusal below saves nothing
    seeker = _seeker_to_refer(form.code.data)
    opening = db.session.get(Opening, opening_number) or abort(404)
    answered = None
    if form.request_id.data:
        if current_user.role not in ANSWERING or request_number is None:
            abort(404)
        answered = db.session.get(ReferralRequest, request_number) or abort(404)
    if not form.validate_on_submit():
        _flash_errors(form)
        return redirect(_back_from_refer(form))
    source = ReferralSource.REQUEST if answered else ReferralSource(form.source.data)
    back = _back_from_refer(form)
    seeker_id, opening_id = seeker.id, opening.id
    try:
        referral = operations.refer_seeker(seeker, opening, source, current_user,
                                           request=answered)
    except operations.AlreadyReferred as refusal:
        existing_id = refusal.referral.id
        message = refusal.user_message()
        db.session.rollback()
        flash(message, "info")
        return redirect(url_for(".referral", referral_id=existing_id))
    except StateError as error:
        db.session.rollback()
        flash(error.user_message(), "error")
        return redirect(back)
    except IntegrityError as error:
        # the same pair referred by another request at this moment: the partial unique
        # index ix_referrals_one_active kept it to one
        if not is_unique_violation(error):
            raise
        db.session.rollback()
        existing = operations.active_referral(seeker_id, opening_id)
        flash(_("This person was referred to this opening by another request at the same "
                "moment; nothing more was saved."), "info")
        return redirect(url_for(".referral", referral_id=existing.id) if existing else back)
    location = url_for(".referral", referral_id=referral.id)
    record_result(location)
    db.session.commit()
    flash(_("Referral recorded: %(code)s to %(opening)s.", code=seeker.code,
            opening=opening.title), "success")
    return redirect(location)


@bp.get("/openings/<int:opening_id>/seekers")
@allow(*ANSWERING)
def opening_seekers(opening_id):
    """The opening's best-fitting consenting job seekers (codes, job-relevant facts and
    reasons), each with a Refer button."""
    opening = db.session.scalar(
        sa.select(Opening).where(Opening.id == opening_id)
        .options(selectinload(Opening.employer))) or abort(404)
    referable = bool(opening.visible_to_seekers)
    candidates = ranked_seekers_for(opening, k=20) if referable else []
    referred = {r.seeker_id: r for r in db.session.scalars(
        sa.select(Referral).where(Referral.opening_id == opening.id,
                                  Referral.status.in_(ACTIVE_REFERRAL_STATES)))}
    log_event("ranked_seekers_viewed", opening, count=len(candidates))
    db.session.commit()
    g.personal_data = True
    return render_template("referrals/opening_seekers.html", opening=opening,
                           candidates=candidates, referred=referred, referable=referable,
                           source=ReferralSource.OPENING.value)


@bp.get("/requests/<int:request_id>")
@allow(*ANSWERING)
def answer_request(request_id):
    """A social worker's request: the person's code, the note and their recommended
    openings, each with a Refer button that answers the request."""
    asked = db.session.scalar(
        sa.select(ReferralRequest).where(ReferralRequest.id == request_id)
        .options(selectinload(ReferralRequest.seeker))) or abort(404)
    seeker = asked.seeker
    recommendations = []
    if asked.status is ReferralRequestStatus.OPEN and seeker.consent_share and seeker.surveys:
        recommendations, _ranked_at = recommendations_for(seeker)
    log_event("referral_request_viewed", asked, seeker=seeker.code)
    db.session.commit()
    g.personal_data = True
    return render_template("referrals/request.html", asked=asked, seeker=seeker,
                           recommendations=recommendations,
                           referred=operations.active_referrals_of(seeker),
                           source=ReferralSource.REQUEST.value)


@bp.get("/<int:referral_id>")
@allow(*REFERRING)
def referral(referral_id):
    """One referral: where it stands, the employer's answers and, once hired, the
    placement and its follow-ups."""
    referral = _referral(referral_id)
    log_event("referral_viewed", referral, seeker=referral.seeker.code)
    db.session.commit()
    today = local_today()
    return render_template(
        "referrals/referral.html", referral=referral, today=today,
        placement=operations.placement_of(referral), show_names=_shows_names(),
        can_answer=current_user.role in ANSWERING,
        interview_form=InterviewForm(), offer_form=OfferForm(data={"offered_on": today}),
        decline_form=DeclineForm(data={"declined_on": today}), withdraw_form=WithdrawForm(),
        hire_form=HireForm(data={"monthly_pay": referral.offered_pay}),
        stale_days=REFERRAL_STALE_DAYS)


def _change(referral_id: int, form, change, done: str):
    """Validate `form`, apply `change(referral, form)`, commit and go back to the page."""
    referral = _referral(referral_id)
    location = url_for(".referral", referral_id=referral.id)
    if form.validate_on_submit():
        try:
            change(referral, form)
        except StateError as error:
            db.session.rollback()
            flash(error.user_message(), "error")
        except IntegrityError as error:  # the same change, sent from another page
            refuse_duplicate(error, _("This was already recorded by another request at "
                                      "the same moment; nothing more was saved."))
        else:
            record_result(location)
            db.session.commit()
            flash(done, "success")
    else:
        _flash_errors(form)
    return redirect(location)


@bp.post("/<int:referral_id>/interview")
@allow(*ANSWERING)
def interview(referral_id):
    return _change(referral_id, InterviewForm(), lambda r, f: operations.record_interview(
        r, f.interview_on.data, current_user), _("Interview recorded."))


@bp.post("/<int:referral_id>/offer")
@allow(*ANSWERING)
def offer(referral_id):
    return _change(referral_id, OfferForm(), lambda r, f: operations.record_offer(
        r, f.offered_on.data, f.offered_pay.data, current_user), _("Offer recorded."))


@bp.post("/<int:referral_id>/decline")
@allow(*ANSWERING)
def decline(referral_id):
    return _change(referral_id, DeclineForm(), lambda r, f: operations.record_decline(
        r, f.decline_reason(), f.declined_on.data, f.note.data, current_user),
        _("Decline recorded."))


@bp.post("/<int:referral_id>/withdraw")
@allow(*REFERRING)
def withdraw(referral_id):
    return _change(referral_id, WithdrawForm(), lambda r, f: operations.withdraw_referral(
        r, current_user), _("Referral withdrawn."))


@bp.post("/<int:referral_id>/hire")
@allow(*ANSWERING)
def hire(referral_id):
    return _change(referral_id, HireForm(), lambda r, f: operations.hire_from_referral(
        r, f.start_date.data, f.monthly_pay.data, current_user,
        additional_job_reason=f.additional_job_reason.data),
        _("Hire recorded; follow-ups are scheduled at 1, 3, 6 and 12 months."))
