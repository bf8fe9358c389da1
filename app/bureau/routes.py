"""Bureau pages: register seekers, record surveys and self-tests, view a seeker's page."""

import sqlalchemy as sa
from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app.audit import log_event
from app.auth.access import allow
from app.auth.second_factor import reauthentication_required
from app.bureau import erasure, operations
from app.bureau.forms import SeekerForm, selftest_form_class, survey_form_class
from app.corner.training import courses_by_certificate
from app.i18n import locale_code
from app.services.rankings import recommendations_for
from app.submissions import record_result, refuse_duplicate
from models import Role, Seeker, StateError, Survey, db
from surveys.questionnaire import (
    answers_for_version,
    form_to_answers,
    iter_form_sections,
    load_questionnaire,
)
from surveys.selftest import (
    SelfTestAnswerError,
    best_fitting_categories,
    load_selftest_definition,
    load_selftest_items,
    score_selftest,
)

bp = Blueprint("bureau", __name__, url_prefix="/bureau")


def _own_seeker(code: str) -> Seeker:
    """The seeker with this code in the current user's facility; anyone else's is a 404."""
    seeker = db.session.scalar(
        sa.select(Seeker)
        .where(Seeker.code == code, Seeker.facility_id == current_user.facility_id)
        .options(selectinload(Seeker.surveys).selectinload(Survey.intentions))
    )
    if seeker is None:
        refuse_other_facility(code)
        abort(404)
    g.personal_data = True
    return seeker


def refuse_other_facility(code: str) -> None:
    """Record an attempt at another facility's person in the audit trail (the answer
    stays a plain 404, which says nothing about whether the person exists)."""
    other = db.session.scalar(sa.select(Seeker).where(Seeker.code == code))
    if other is not None:
        log_event("access_refused", other, reason="other_facility", path=request.path)
        db.session.commit()


@bp.route("/seekers/new", methods=["GET", "POST"])
@allow(Role.BUREAU)
def new_seeker():
    form = survey_form_class(with_seeker=True)()
    if form.validate_on_submit():
        try:
            seeker = operations.create_seeker(
                current_user.facility_id, form.personal_data(), form_to_answers(form),
                current_user,
            )
        except StateError as error:
            db.session.rollback()
            flash(error.user_message(), "error")
        except IntegrityError as error:  # the same ID number, sent from another page
            refuse_duplicate(error, _(
                "This ID number was registered by another request at the same moment; "
                "nothing more was saved. Find the person before registering them again."))
        else:
            location = url_for("bureau.seeker", code=seeker.code)
            record_result(location)
            db.session.commit()
            flash(_("Job seeker %(code)s registered with a first survey.", code=seeker.code),
                  "success")
            return redirect(location)
    return render_template("bureau/seeker_form.html", form=form,
                           sections=iter_form_sections(form), seeker=None)


@bp.get("/seekers/<code>")
@allow(Role.BUREAU)
def seeker(code):
    seeker = _own_seeker(code)
    log_event("seeker_viewed", seeker)
    recommendations, ranked_at = recommendations_for(seeker) if seeker.surveys else ([], None)
    db.session.commit()  # the audit event, and the ranking if it had to be made again
    fits = []
    if seeker.riasec_scores:
        fits = _fitting_categories(seeker)
    return render_template("bureau/seeker.html", seeker=seeker, fits=fits,
                           recommendations=recommendations, ranked_at=ranked_at,
                           courses=courses_by_certificate(seeker.facility_id),
                           questionnaire=load_questionnaire())


@bp.post("/seekers/<code>/consent/<kind>/<int:given>")
@allow(Role.BUREAU)
def consent(code, kind, given):
    """Record that the person gave or withdrew a consent; it applies at once everywhere."""
    seeker = _own_seeker(code)
    if kind not in ("share", "contact") or not FlaskForm().validate_on_submit():
        abort(400)
    operations.change_consent(seeker, kind, bool(given), current_user)
    db.session.commit()
    flash(_("Consent recorded."), "success")
    return redirect(url_for("bureau.seeker", code=seeker.code))


@bp.route("/seekers/<code>/edit", methods=["GET", "POST"])
@allow(Role.BUREAU)
def edit_seeker(code):
    seeker = _own_seeker(code)
    form = SeekerForm(obj=seeker)
    if form.validate_on_submit():
        operations.update_seeker(seeker, form.personal_data())
        db.session.commit()
        flash(_("Saved."), "success")
        return redirect(url_for("bureau.seeker", code=seeker.code))
    return render_template("bureau/seeker_edit.html", form=form, seeker=seeker)


@bp.route("/seekers/<code>/surveys/new", methods=["GET", "POST"])
@allow(Role.BUREAU)
def new_survey(code):
    seeker = _own_seeker(code)
    latest = seeker.latest_survey
    form = survey_form_class(previous=_previous_answers(latest, seeker))()
    return _survey_page(seeker, form, survey=None)


@bp.route("/seekers/<code>/surveys/<int:survey_id>/edit", methods=["GET", "POST"])
@allow(Role.BUREAU)
def edit_survey(code, survey_id):
    seeker = _own_seeker(code)
    survey = next((s for s in seeker.surveys if s.id == survey_id), None) or abort(404)
    form = survey_form_class(previous=_previous_answers(survey, seeker))()
    return _survey_page(seeker, form, survey=survey)


def _survey_page(seeker, form, survey):
    if form.validate_on_submit():
        try:
            operations.record_survey(
                seeker, form_to_answers(form), current_user,
                version=form.questionnaire.version, survey=survey,
            )
        except StateError as error:
            db.session.rollback()
            flash(error.user_message(), "error")
        except IntegrityError as error:  # today's survey, sent from another page
            refuse_duplicate(error, _(
                "A survey of this person for today was saved by another request at the "
                "same moment; nothing more was saved. Correct it from the person's page."))
        else:
            location = url_for("bureau.seeker", code=seeker.code)
            record_result(location)
            db.session.commit()
            flash(_("Survey saved."), "success")
            return redirect(location)
    return render_template("bureau/seeker_form.html", form=form,
                           sections=iter_form_sections(form), seeker=seeker, survey=survey)


def _previous_answers(survey, seeker) -> dict | None:
    if survey is None:
        return None
    answers = survey.all_answers
    answers.setdefault("expected_release_date",
                       seeker.expected_release_date.isoformat()
                       if seeker.expected_release_date else None)
    answers["consent_share"] = seeker.consent_share
    answers["consent_contact"] = seeker.consent_contact
    return answers


@bp.route("/seekers/<code>/selftest", methods=["GET", "POST"])
@allow(Role.BUREAU)
def selftest(code):
    seeker = _own_seeker(code)
    form = selftest_form_class()()
    if form.validate_on_submit():
        answers = {item.item_id: int(form[item.item_id].data) for item in load_selftest_items()}
        try:
            result = score_selftest(answers)
        except SelfTestAnswerError as error:
            flash(error.user_message(), "error")
        else:
            operations.record_selftest(seeker, result)
            db.session.commit()
            flash(_("Self-test scored: %(code)s.", code=result.code), "success")
            return redirect(url_for("bureau.seeker", code=seeker.code))
    return render_template("bureau/selftest.html", form=form, seeker=seeker,
                           items=load_selftest_items(), definition=load_selftest_definition())


def _seeker_to_erase(code: str) -> Seeker:
    """Bureau staff may erase their facility's people, administrators anyone's; else 404."""
    if current_user.role is not Role.ADMIN:
        return _own_seeker(code)
    seeker = db.session.scalar(
        sa.select(Seeker).where(Seeker.code == code)
        .options(selectinload(Seeker.surveys).selectinload(Survey.intentions))
    )
    if seeker is None:
        abort(404)
    g.personal_data = True
    return seeker


@bp.get("/erasure")
@allow(Role.BUREAU, Role.ADMIN)
def find_for_erasure():
    """Type a person's code to reach their erasure page (administrators have no list)."""
    code = "".join(request.args.get("code", "").split()).upper()
    if code:
        return redirect(url_for("bureau.erase", code=code))
    return render_template("bureau/erase_find.html")


@bp.route("/seekers/<code>/erase", methods=["GET", "POST"])
@allow(Role.BUREAU, Role.ADMIN)
@reauthentication_required
def erase(code):
    """Erase one person's personal data on their request (PIPL art. 47), after the user
    typed the person's code and recently re-entered their password."""
    seeker = _seeker_to_erase(code)
    form = erasure.ErasureForm(seeker.code)
    refusal = erasure.erasure_refusal(seeker)
    if refusal is None and form.validate_on_submit():
        try:
            erasure.erase_seeker(seeker, current_user, form.reason.data)
        except StateError as error:
            db.session.rollback()
            flash(error.user_message(), "error")
        else:
            db.session.commit()
            flash(_("The personal data of %(code)s was erased.", code=seeker.code), "success")
            if current_user.role is Role.BUREAU:
                return redirect(url_for("bureau.seeker", code=seeker.code))
            return redirect(url_for("bureau.erase", code=seeker.code))
    status = 422 if form.is_submitted() else 200
    return render_template("bureau/erase.html", seeker=seeker, form=form, refusal=refusal,
                           summary=erasure.erasure_summary(seeker)), status


def _fitting_categories(seeker):
    from app.services.taxonomy import category_riasec_table

    result = _result_from_vector(seeker.riasec_scores, seeker.riasec_code)
    return best_fitting_categories(result, category_riasec_table(), n=5)


def _result_from_vector(vector, code):
    from surveys.selftest import RIASEC, SelfTestResult

    return SelfTestResult(scores=dict(zip(RIASEC, vector, strict=True)), raw={},
                          code=code or "", answered=48)


__all__ = ["answers_for_version", "bp", "locale_code"]
