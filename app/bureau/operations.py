"""Create seekers and record their surveys and self-tests (flush, audit; never commit)."""

import secrets
from datetime import date

import sqlalchemy as sa

from app.audit import log_event
from models import Seeker, StaffUser, Survey, db, utcnow
from surveys.selftest import SelfTestResult, scores_as_vector

CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L look-alikes


def new_seeker_code() -> str:
    """Return an unused random pseudonymous code like QB7K3M9X."""
    while True:
        code = "QB" + "".join(secrets.choice(CODE_ALPHABET) for _ in range(6))
        if db.session.scalar(sa.select(Seeker.id).where(Seeker.code == code)) is None:
            return code


def create_seeker(facility_id: int, personal: dict, answers: dict, by: StaffUser,
                  surveyed_on: date | None = None) -> Seeker:
    """Register a seeker of a facility together with their first survey."""
    seeker = Seeker(code=new_seeker_code(), facility_id=facility_id, **personal)
    db.session.add(seeker)
    db.session.flush()
    log_event("seeker_created", seeker)
    record_survey(seeker, answers, by, surveyed_on=surveyed_on)
    return seeker


def update_seeker(seeker: Seeker, personal: dict) -> None:
    changed = sorted(k for k, v in personal.items() if getattr(seeker, k) != v)
    for key, value in personal.items():
        setattr(seeker, key, value)
    if changed:
        log_event("seeker_updated", seeker, fields=changed)


def record_survey(seeker: Seeker, answers: dict, by: StaffUser, *, version: int = 1,
                  surveyed_on: date | None = None, survey: Survey | None = None) -> Survey:
    """Store a survey's answers (a new one, or corrections to `survey`)."""
    surveyed_on = surveyed_on or date.today()
    if survey is None:
        survey = db.session.scalar(
            sa.select(Survey).where(Survey.seeker_id == seeker.id,
                                    Survey.surveyed_on == surveyed_on)
        )
    created = survey is None
    if created:
        survey = Survey(seeker_id=seeker.id, surveyed_on=surveyed_on)
        db.session.add(survey)
    apply_answers(survey, seeker, answers, by)
    survey.questionnaire_version = version
    survey.recorded_by_id = by.id
    db.session.flush()
    log_event("survey_recorded" if created else "survey_corrected", seeker, survey=survey.id)
    return survey


def apply_answers(survey: Survey, seeker: Seeker, answers: dict, by: StaffUser | None) -> None:
    """Copy canonical answers onto the survey's columns and the seeker's current facts."""
    survey.answers = dict(answers)
    survey.set_categories(list(answers.get("categories") or []))
    survey.salary_min = answers.get("salary_min")
    survey.salary_hoped = answers.get("salary_hoped")
    survey.home_district = answers.get("home_district") or None
    survey.districts = list(answers.get("districts") or [])
    survey.needs_accommodation = bool(answers.get("needs_accommodation"))
    survey.shifts = list(answers.get("shifts") or [])
    survey.work_pattern = answers.get("work_pattern") or "full_time"
    survey.education = answers.get("education")
    survey.work_history = [
        {"category": row.get("category"), "years": float(row.get("years") or 0)}
        for row in answers.get("work_history") or []
    ]
    survey.certificates = list(answers.get("certificates") or [])
    survey.skills_text = answers.get("skills_text") or ""
    survey.health_limits = answers.get("health_limits") or ""
    survey.avoid = list(answers.get("avoid") or [])
    survey.training_interests = list(answers.get("training_interests") or [])
    if answers.get("education") is not None:
        seeker.education = answers["education"]
    if answers.get("expected_release_date"):
        seeker.expected_release_date = date.fromisoformat(answers["expected_release_date"])
    by_id = by.id if by is not None else None
    for kind in ("share", "contact"):
        given = bool(answers.get(f"consent_{kind}"))
        if getattr(seeker, f"consent_{kind}") != given or getattr(
            seeker, f"consent_{kind}_at"
        ) is None:
            seeker.record_consent(kind, given, by_id)
            if by is not None:
                log_event("consent_changed", seeker, kind=kind, given=given)


def record_selftest(seeker: Seeker, result: SelfTestResult) -> None:
    """Store a self-test result on the seeker, for the matcher and their page."""
    seeker.riasec_scores = scores_as_vector(result)
    seeker.riasec_code = result.code
    seeker.riasec_taken_at = utcnow()
    log_event("selftest_recorded", seeker, code=result.code)
