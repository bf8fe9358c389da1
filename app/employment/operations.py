"""Register, verify and suspend employers; post, edit, close and reopen openings (flush
and audit only)."""


import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app.audit import log_event
from app.clock import local_today
from app.services.categories import record_category_choice
from models import Employer, EmployerStatus, Opening, OpeningStatus, StateError, db
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
    if employer.verified and employer.missing_for_verification():
        # a verified employer keeps what its verification rests on
        raise StateError(_l("A verified employer keeps its credit code, contact person and "
                            "phone, and its fair-chance pledge; un-verify it first."))
    db.session.flush()
    log_event("employer_created" if created else "employer_updated", employer)
    return employer


def verify_employer(employer: Employer, data: dict, by) -> Employer:
    """Record the checked credit code, contact and fair-chance pledge, and verify the
    employer: its open openings reach job seekers from now on."""
    pledge = (data["pledge_date"], data["pledge_signed_by"])
    if pledge != (employer.pledge_date, employer.pledge_signed_by):
        employer.pledge_recorded_by_id = by.id
    for key, value in data.items():
        setattr(employer, key, value)
    employer.verify(by)
    db.session.flush()
    log_event("employer_verified", employer, uscc=employer.uscc,
              contact_person=employer.contact_person,
              pledge_date=employer.pledge_date.isoformat(),
              pledge_signed_by=employer.pledge_signed_by)
    return employer


def unverify_employer(employer: Employer) -> None:
    """Send a verified employer back to the review queue; its openings leave seekers."""
    employer.unverify()
    db.session.flush()
    log_event("employer_unverified", employer)


def suspend_employer(employer: Employer, reason: str) -> None:
    """Suspend an employer for a reason; its openings leave seekers at once."""
    previous = employer.status
    employer.suspend(reason)
    db.session.flush()
    log_event("employer_suspended", employer, reason=employer.suspension_reason,
              previous=previous.value)


def lift_employer_suspension(employer: Employer) -> None:
    """End a suspension: the employer goes back to the review queue, unverified."""
    employer.lift_suspension()
    db.session.flush()
    log_event("employer_suspension_lifted", employer)


def review_queue() -> list[tuple[Employer, list[Opening]]]:
    """Unverified employers, registered longest ago first, each with its open openings
    (held back from job seekers until the employer is verified)."""
    employers = db.session.scalars(
        sa.select(Employer).where(Employer.status == EmployerStatus.UNVERIFIED)
        .order_by(Employer.created_at, Employer.id)
    ).all()
    pending: dict[int, list[Opening]] = {}
    for opening in db.session.scalars(
        sa.select(Opening).where(Opening.employer_id.in_([e.id for e in employers]),
                                 Opening.status == OpeningStatus.OPEN)
        .order_by(Opening.posted_on.nulls_last(), Opening.id)
    ):
        pending.setdefault(opening.employer_id, []).append(opening)
    return [(employer, pending.get(employer.id, [])) for employer in employers]


def pay_text(low: int | None, high: int | None, months: int | None = 12) -> str:
    """The pay as the employment centre writes it, e.g. '6000-8000元/月·13薪' or '面议'
    (as `surveys.values.parse_monthly_pay` reads it back)."""
    if low is None and high is None:
        return "面议"
    bonus = f"·{months}薪" if months and months != 12 else ""
    if low is None or high is None or low == high:
        return f"{low or high}元/月{bonus}"
    return f"{low}-{high}元/月{bonus}"


def save_opening(opening: Opening | None, employer: Employer, data: dict, *,
                 user=None) -> Opening:
    """Post a new opening for an employer, or update one, under the model's rules.

    The category in `data` is a person's choice: the opening's category is confirmed,
    and a category set or changed is kept as training data when the title classifier
    was wrong or unsure (`record_category_choice`).
    """
    created = opening is None
    before = None if created else (opening.category_code, opening.category_confirmed)
    if created:
        opening = Opening(employer_id=employer.id, posted_on=local_today(), source="form",
                          filled=0, status=OpeningStatus.OPEN)
        db.session.add(opening)
    data = dict(data)
    opening.category_confirmed = True
    headcount = data.pop("headcount")
    for key, value in data.items():
        setattr(opening, key, value)
    opening.set_headcount(headcount)
    opening.salary_text = pay_text(opening.pay_min, opening.pay_max, opening.pay_months)
    db.session.flush()
    if before != (opening.category_code, True):
        record_category_choice(opening.title, opening.category_code, source="form",
                               user=user, opening_id=opening.id)
    log_event("opening_created" if created else "opening_updated", opening)
    return opening


def confirm_categories(openings: list[Opening], category: str, *, user=None) -> None:
    """Set and confirm the category of openings whose category was to confirm (the
    queue), keeping the choice as training data once per title."""
    recorded: set[str] = set()
    for opening in openings:
        opening.category_code = category
        opening.category_confirmed = True
        if opening.title not in recorded:
            recorded.add(opening.title)
            record_category_choice(opening.title, category, source="queue", user=user,
                                   opening_id=opening.id)
        log_event("opening_category_confirmed", opening, category=category)
    db.session.flush()


def close_opening(opening: Opening) -> None:
    opening.close()
    log_event("opening_closed", opening)


def reopen_opening(opening: Opening) -> None:
    opening.reopen()
    log_event("opening_reopened", opening)
