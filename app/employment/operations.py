"""Register employers and post, edit, close and reopen openings (flush and audit only)."""

from datetime import date

from app.audit import log_event
from models import Employer, Opening, OpeningStatus, db
from surveys.values import normalize_employer_name


def save_employer(employer: Employer | None, data: dict) -> Employer:
    """Create an employer, or update one, from validated form data."""
    created = employer is None
    if created:
        employer = Employer()
        db.session.add(employer)
    data = dict(data)
    data["uscc"] = data.get("uscc") or None
    data["district"] = data.get("district") or None
    for key, value in data.items():
        setattr(employer, key, value)
    employer.normalized_name = normalize_employer_name(employer.name)
    employer.verified = employer.uscc is not None
    db.session.flush()
    log_event("employer_created" if created else "employer_updated", employer)
    return employer


def pay_text(low: int | None, high: int | None) -> str:
    """The pay as the employment centre writes it, e.g. '6000-8000元/月' or '面议'."""
    if low is None and high is None:
        return "面议"
    if low is None or high is None or low == high:
        return f"{low or high}元/月"
    return f"{low}-{high}元/月"


def save_opening(opening: Opening | None, employer: Employer, data: dict) -> Opening:
    """Post a new opening for an employer, or update one, under the model's rules."""
    created = opening is None
    if created:
        opening = Opening(employer_id=employer.id, posted_on=date.today(), source="form",
                          filled=0, status=OpeningStatus.OPEN)
        db.session.add(opening)
    data = dict(data)
    headcount = data.pop("headcount")
    for key, value in data.items():
        setattr(opening, key, value)
    opening.set_headcount(headcount)
    opening.salary_text = pay_text(opening.salary_min, opening.salary_max)
    db.session.flush()
    log_event("opening_created" if created else "opening_updated", opening)
    return opening


def close_opening(opening: Opening) -> None:
    opening.close()
    log_event("opening_closed", opening)


def reopen_opening(opening: Opening) -> None:
    opening.reopen()
    log_event("opening_reopened", opening)
