"""Create seekers and record their surveys and self-tests (flush, audit; never commit)."""

import re
import secrets
from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app.audit import log_event
from app.clock import local_today
from app.services.rankings import refresh_ranking
from models import (
    Seeker,
    StaffUser,
    StateError,
    Survey,
    db,
    utcnow,
)
from surveys.selftest import SelfTestResult, scores_as_vector

CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L look-alikes
CODE_PREFIX, CODE_RANDOM_LENGTH = "QB", 6
# what every code Qibu makes looks like (migration 0016 reimplements it: it imports no app)
QIBU_CODE = re.compile(rf"^{CODE_PREFIX}[{CODE_ALPHABET}]{{{CODE_RANDOM_LENGTH}}}$")


def _random_code() -> str:
    return CODE_PREFIX + "".join(secrets.choice(CODE_ALPHABET)
                                 for _ in range(CODE_RANDOM_LENGTH))


def new_seeker_code() -> str:
    """Return an unused random pseudonymous code like QB7K3M9X."""
    return new_seeker_codes(1)[0]


def new_seeker_codes(count: int) -> list[str]:
    """Return `count` distinct unused random codes, checked in a few queries.

    A person's code is always made here, never taken from a file or a form: it says
    nothing about the person or their facility.
    """
    codes: list[str] = []
    while len(codes) < count:
        wanted = count - len(codes)
        candidates = sorted({_random_code() for _ in range(wanted)} - set(codes))
        for start in range(0, len(candidates), 500):
            chunk = candidates[start:start + 500]
            taken = set(db.session.scalars(
                sa.select(Seeker.code).where(Seeker.code.in_(chunk))))
            codes.extend(code for code in chunk if code not in taken)
    return codes[:count]


def set_id_number(seeker: Seeker, number: str | None) -> None:
    """Keep a seeker's ID number as a keyed hash; refuse one registered to somebody else."""
    if number is None:
        return
    seeker.set_id_number(number)
    other = db.session.scalar(
        sa.select(Seeker).where(Seeker.id_number_hash == seeker.id_number_hash,
                                Seeker.id != seeker.id if seeker.id else sa.true())
    )
    if other is not None:
        if other.facility_id == seeker.facility_id:
            raise StateError(_l("This ID number is already registered as %(code)s."),
                             code=other.code)
        raise StateError(_l("This ID number is already registered; ask an administrator."))


def check_facility_ref(seeker: Seeker) -> None:
    """Refuse a facility reference another person of the same facility has."""
    if not seeker.facility_ref:
        return
    with db.session.no_autoflush:  # asked before the change is written
        other = db.session.scalar(sa.select(Seeker).where(
            Seeker.facility_id == seeker.facility_id,
            Seeker.facility_ref == seeker.facility_ref,
            Seeker.id != seeker.id if seeker.id else sa.true()))
    if other is not None:
        raise StateError(_l("The facility reference %(ref)s is already given to %(code)s."),
                         ref=seeker.facility_ref, code=other.code)


def create_seeker(facility_id: int, personal: dict, answers: dict, by: StaffUser,
                  surveyed_on: date | None = None) -> Seeker:
    """Register a seeker of a facility together with their first survey."""
    personal = dict(personal)
    id_number = personal.pop("id_number", None)
    seeker = Seeker(code=new_seeker_code(), facility_id=facility_id, **personal)
    set_id_number(seeker, id_number)
    check_facility_ref(seeker)
    db.session.add(seeker)
    db.session.flush()
    log_event("seeker_created", seeker)
    record_survey(seeker, answers, by, surveyed_on=surveyed_on)
    return seeker


def update_seeker(seeker: Seeker, personal: dict) -> None:
    personal = dict(personal)
    id_number = personal.pop("id_number", None)
    set_id_number(seeker, id_number)
    changed = sorted(k for k, v in personal.items() if getattr(seeker, k) != v)
    for key, value in personal.items():
        setattr(seeker, key, value)
    check_facility_ref(seeker)
    if changed:
        log_event("seeker_updated", seeker, fields=changed)


def record_survey(seeker: Seeker, answers: dict, by: StaffUser, *, version: int = 1,
                  surveyed_on: date | None = None, survey: Survey | None = None) -> Survey:
    """Store a survey's answers (a new one, or corrections to `survey`)."""
    surveyed_on = surveyed_on or local_today()
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
    refresh_ranking(seeker)
    return survey


def survey_values(answers: dict) -> dict:
    """The survey columns canonical answers give (besides the ranked categories).

    The survey form and the spreadsheet import both store a survey through this one
    mapping, so a survey means the same whichever way it was entered.
    """
    return {
        # free text is stored once, encrypted in its own columns
        "answers": {k: v for k, v in answers.items() if k not in Survey.FREE_TEXT},
        "salary_min": answers.get("salary_min"),
        "salary_hoped": answers.get("salary_hoped"),
        "home_district": answers.get("home_district") or None,
        "districts": list(answers.get("districts") or []),
        "needs_accommodation": bool(answers.get("needs_accommodation")),
        "shifts": list(answers.get("shifts") or []),
        "work_pattern": answers.get("work_pattern") or "full_time",
        "education": answers.get("education"),
        "work_history": [
            {"category": row.get("category"), "years": float(row.get("years") or 0)}
            for row in answers.get("work_history") or []
        ],
        "certificates": list(answers.get("certificates") or []),
        "skills_text": answers.get("skills_text") or "",
        "health_limits": answers.get("health_limits") or "",
        "avoid": list(answers.get("avoid") or []),
        "training_interests": list(answers.get("training_interests") or []),
    }


def apply_answers(survey: Survey, seeker: Seeker, answers: dict, by: StaffUser | None, *,
                  seeker_facts: bool = True, audit: bool = True) -> None:
    """Copy canonical answers onto the survey's columns and the seeker's current facts.

    With `seeker_facts` False (an older survey imported after a newer one) the seeker's
    education, release date and consents are left as the newer survey set them.
    """
    survey.set_categories(list(answers.get("categories") or []))
    for name, value in survey_values(answers).items():
        setattr(survey, name, value)
    if seeker_facts:
        apply_seeker_facts(seeker, answers, by, audit=audit)


def apply_seeker_facts(seeker: Seeker, answers: dict, by: StaffUser | None, *,
                       audit: bool = True) -> None:
    """Set the facts a seeker's latest survey gives: education, release date, consents.

    With `audit` False consent changes are not logged one by one (an import logs itself).
    """
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
            if by is not None and audit:
                log_event("consent_changed", seeker, kind=kind, given=given)


def change_consent(seeker: Seeker, kind: str, given: bool, by: StaffUser) -> None:
    """Give or withdraw a consent (share with employers / contact after release); audited."""
    seeker.record_consent(kind, given, by.id)
    log_event("consent_changed", seeker, kind=kind, given=given)


def record_selftest(seeker: Seeker, result: SelfTestResult) -> None:
    """Store a self-test result on the seeker, for the matcher and their page."""
    seeker.riasec_scores = scores_as_vector(result)
    seeker.riasec_code = result.code
    seeker.riasec_taken_at = utcnow()
    log_event("selftest_recorded", seeker, code=result.code)
    if seeker.surveys:
        refresh_ranking(seeker)
