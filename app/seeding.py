"""Load reference tables and the demo data set from seed_data/ (idempotent upserts)."""

import csv
import json
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

import sqlalchemy as sa

from app.admin.operations import create_user
from app.clock import local_today
from app.demo_year import load_demo_year
from app.startup.operations import load_startup_services
from models import (
    Certificate,
    Course,
    District,
    Employer,
    Environment,
    Facility,
    Fair,
    FairEmployer,
    FairOpening,
    FairParticipant,
    FairStatus,
    Interest,
    InterestStage,
    JobCategory,
    Opening,
    Placement,
    Role,
    Seeker,
    Shift,
    StaffUser,
    Survey,
    db,
)
from surveys.selftest import RIASEC, riasec_code
from surveys.values import Pay, ValueParseError, normalize_employer_name, parse_monthly_pay

# Demo accounts, one per role; printed by `qibu demo-accounts` and `make run`.
DEMO_ACCOUNTS = [
    ("admin", "qibu-admin-demo", Role.ADMIN, None),
    ("bureau", "qibu-bureau-demo", Role.BUREAU, 0),
    ("bureau2", "qibu-bureau2-demo", Role.BUREAU, 1),
    ("employment", "qibu-employment-demo", Role.EMPLOYMENT, None),
    ("organizer", "qibu-organizer-demo", Role.ORGANIZER, None),
    ("kiosk", "qibu-kiosk-demo", Role.KIOSK, None),
    ("socialworker", "qibu-socialworker-demo", Role.SOCIAL_WORKER, None),
    ("socialworker2", "qibu-socialworker2-demo", Role.SOCIAL_WORKER, None),
]


# Badge codes: 9 characters without look-alikes (no 0/O, 1/I/L), 31**9 ≈ 2**44.
BADGE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
BADGE_LENGTH = 9
# A past fair's day in UTC (Qibu stores naive UTC): doors 09:00 to 16:00 Shanghai time.
FAIR_DAY_OPENS = time(1, 0)
FAIR_DAY_CLOSES = time(8, 0)


def _rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(handle)]


def _split(text: str) -> list[str]:
    return [part.strip() for part in (text or "").split(";") if part.strip()]


def _pay_terms(text: str) -> Pay:
    """The months a year and the period of a demo opening's pay text (12, 'month' if
    unreadable); its base amounts are the file's own columns."""
    try:
        return parse_monthly_pay(text)
    except ValueParseError:
        return Pay.not_given(text)


def _int(text: str) -> int | None:
    return int(float(text)) if text not in ("", None) else None


def _bool(text: str) -> bool:
    return str(text).strip() in {"1", "true", "True", "yes"}


@dataclass
class SeedReport:
    created: dict = field(default_factory=dict)

    def count(self, name: str, n: int = 1) -> None:
        self.created[name] = self.created.get(name, 0) + n

    def __str__(self) -> str:
        if not self.created:
            return "nothing new"
        return ", ".join(f"{n} {name}" for name, n in sorted(self.created.items()))


def load_reference_data(seed_dir: Path, report: SeedReport | None = None) -> SeedReport:
    """Upsert districts, job categories, certificates, environments and the city's
    start-up services; flush only."""
    report = report or SeedReport()
    for position, row in enumerate(_rows(seed_dir / "categories.csv")):
        _upsert(JobCategory, row["code"], report, "categories",
                name_zh=row["name_zh"], name_en=row["name_en"],
                csco_codes=_split(row["csco_codes"]), riasec=row["riasec"], position=position)
    for row in _rows(seed_dir / "districts.csv"):
        _upsert(District, row["adcode"], report, "districts",
                name_zh=row["name_zh"], name_en=row["name_en"], lon=float(row["lon"]),
                lat=float(row["lat"]), neighbours=_split(row["neighbours"]))
    for row in _rows(seed_dir / "certificates.csv"):
        _upsert(Certificate, row["code"], report, "certificates",
                name_zh=row["name_zh"], name_en=row["name_en"],
                legally_required_for=_split(row["legally_required_for"]))
    for row in _rows(seed_dir / "environments.csv"):
        _upsert(Environment, row["tag"], report, "environments",
                name_zh=row["name_zh"], name_en=row["name_en"])
    load_startup_services(seed_dir, report)
    db.session.flush()
    return report


def _upsert(model, key, report, label, **values):
    row = db.session.get(model, key)
    if row is None:
        pk = sa.inspect(model).primary_key[0].name
        db.session.add(model(**{pk: key}, **values))
        report.count(label)
        return
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)


def _by(model, column, value):
    return db.session.scalar(sa.select(model).where(column == value))


def load_demo_data(seed_dir: Path, today: date | None = None) -> SeedReport:
    """Load the demo facilities, employers, openings, seekers, surveys, fairs and accounts.

    Rows already present (by facility code, credit code, opening ref, seeker code, fair
    code, user name) are left alone, so loading twice changes nothing. Dates in the demo
    files are offsets from `today`, so the demo stays current. A fair that is not in
    planning any more is loaded with its participants, interests and placements.
    """
    today = today or local_today()
    demo = seed_dir / "demo"
    report = load_reference_data(seed_dir)

    facilities = []
    for row in _rows(demo / "facilities.csv"):
        facility = _by(Facility, Facility.code, row["code"])
        if facility is None:
            facility = Facility(code=row["code"], name_zh=row["name_zh"], name_en=row["name_en"],
                                district=row["district"] or None, address=row["address"])
            db.session.add(facility)
            report.count("facilities")
        facilities.append(facility)
    db.session.flush()
    facility_by_code = {f.code: f for f in facilities}

    employers = {}
    for row in _rows(demo / "employers.csv"):
        employer = _by(Employer, Employer.uscc, row["uscc"])
        if employer is None:
            employer = Employer(
                uscc=row["uscc"], name=row["name"],
                normalized_name=normalize_employer_name(row["name"]),
                industry=row["industry"], district=row["district"] or None,
                address=row["address"], contact_person=row["contact_person"],
                contact_phone=row["contact_phone"],
                pledge_date=date.fromisoformat(row["pledge_date"]) if row["pledge_date"] else None,
                pledge_signed_by=row["pledge_signed_by"],
                contact_shareable=_bool(row["contact_shareable"]),
            )
            # vetted as the demo says, through the model's transitions
            if row["status"] in ("verified", "suspended"):
                employer.verify(by=None)
            if row["status"] == "suspended":
                employer.suspend(row["suspension_reason"])
            db.session.add(employer)
            report.count("employers")
        employers[row["uscc"]] = employer
    db.session.flush()

    existing_refs = set(db.session.scalars(sa.select(Opening.ref).where(Opening.ref.isnot(None))))
    for row in _rows(demo / "openings.csv"):
        if row["ref"] in existing_refs:
            continue
        db.session.add(Opening(
            ref=row["ref"], employer_id=employers[row["employer_uscc"]].id, title=row["title"],
            description=row["description"], category_code=row["category"],
            pay_min=_int(row["salary_min"]), pay_max=_int(row["salary_max"]),
            pay_months=_pay_terms(row["salary_text"]).months,
            pay_period=_pay_terms(row["salary_text"]).period,
            salary_text=row["salary_text"], district=row["district"] or None,
            accommodation=_bool(row["accommodation"]), shift=Shift(row["shift"]),
            education_min=_int(row["education_min"]) or 0,
            experience_min=float(row["experience_min"] or 0),
            certificates_required=_split(row["certificates_required"]),
            environments=_split(row["environments"]), headcount=_int(row["headcount"]),
            posted_on=today - timedelta(days=_int(row["posted_days_ago"]) or 0), source="demo",
        ))
        report.count("openings")
    db.session.flush()

    existing_codes = set(db.session.scalars(sa.select(Seeker.code)))
    new_seekers = {}
    for row in _rows(demo / "seekers.csv"):
        if row["code"] in existing_codes:
            continue
        new_seekers[row["code"]] = seeker_from_row(row, facility_by_code, today)
        report.count("seekers")
    db.session.flush()

    for row in _rows(demo / "surveys.csv"):
        seeker = new_seekers.get(row["seeker_code"])
        if seeker is None:
            continue
        survey_from_row(row, seeker, today)
        report.count("surveys")
    db.session.flush()

    fairs = []
    outcome_path = demo / "outcomes.csv"
    outcomes = _rows(outcome_path) if outcome_path.is_file() else []
    for row in _rows(demo / "fairs.csv"):
        fair = _by(Fair, Fair.code, row["code"])
        if fair is None:
            fair = Fair(code=row["code"], facility_id=facility_by_code[row["facility"]].id,
                        name_zh=row["name_zh"], name_en=row["name_en"],
                        held_on=today + timedelta(days=_int(row["in_days"]) or 0),
                        venue=row["venue"])
            db.session.add(fair)
            db.session.flush()
            report.count("fairs")
            for booth_row in _rows(demo / "fair_booths.csv"):
                if booth_row["fair_code"] != row["code"]:
                    continue
                employer = employers[booth_row["employer_uscc"]]
                booth = FairEmployer(fair_id=fair.id, employer_id=employer.id,
                                     booth=booth_row["booth"])
                db.session.add(booth)
                db.session.flush()
                for opening in employer.openings:
                    db.session.add(FairOpening(fair_id=fair.id, fair_employer_id=booth.id,
                                               opening_id=opening.id))
                report.count("booths")
            status = FairStatus(row.get("status") or FairStatus.PLANNING.value)
            if status is not FairStatus.PLANNING:
                _hold_fair(fair, [o for o in outcomes if o["fair_code"] == row["code"]],
                           close=status is FairStatus.CLOSED, report=report)
        fairs.append(fair)
    db.session.flush()

    _load_demo_courses(demo, facility_by_code, today, report)

    for username, password, role, facility_index in DEMO_ACCOUNTS:
        if _by(StaffUser, StaffUser.username, username) is not None:
            continue
        facility_id = facilities[facility_index].id if facility_index is not None else None
        upcoming = [fair for fair in fairs if fair.status is FairStatus.PLANNING]
        fair_id = upcoming[0].id if role is Role.KIOSK and upcoming else None
        user = create_user(username, password, role, display_name=_demo_display_name(username),
                           facility_id=facility_id, fair_id=fair_id, check_policy=False)
        if role is Role.ORGANIZER:
            for fair in fairs:
                fair.organizers.append(user)
        report.count("accounts")
    db.session.flush()
    load_demo_year(demo, facility_by_code, today, report)
    return report


def seeker_from_row(row: dict, facility_by_code: dict, today: date) -> Seeker:
    """A demo person from a row of seekers.csv (or alumni.csv), added to the session."""
    riasec = [float(x) for x in _split(row["riasec"])] or None
    seeker = Seeker(
        code=row["code"], facility_id=facility_by_code[row["facility"]].id, name=row["name"],
        gender=row["gender"] or None, birth_year=_int(row["birth_year"]),
        education=_int(row["education"]) or 0, hukou_shanghai=_bool(row["hukou_shanghai"]),
        expected_release_date=today + timedelta(days=_int(row["release_in_days"]) or 0),
        riasec_scores=riasec,
    )
    if riasec:
        seeker.riasec_code = riasec_code(dict(zip(RIASEC, riasec, strict=True)))
        seeker.riasec_taken_at = datetime.combine(today, FAIR_DAY_OPENS)
    seeker.record_consent("share", _bool(row["consent_share"]), None)
    seeker.record_consent("contact", _bool(row["consent_contact"]), None)
    db.session.add(seeker)
    return seeker


def survey_from_row(row: dict, seeker: Seeker, today: date) -> Survey:
    """A demo survey from a row of surveys.csv, added to the session."""
    survey = Survey(
        seeker_id=seeker.id,
        surveyed_on=today - timedelta(days=_int(row["surveyed_days_ago"]) or 0),
        salary_min=_int(row["salary_min"]), salary_hoped=_int(row["salary_hoped"]),
        home_district=row["home_district"] or None, districts=_split(row["districts"]),
        needs_accommodation=_bool(row["needs_accommodation"]), shifts=_split(row["shifts"]),
        work_pattern=row["work_pattern"] or "full_time", education=_int(row["education"]),
        work_history=_work_history(row["work_history"]),
        certificates=_split(row["certificates"]), skills_text=row["skills_text"],
        health_limits=row["health_limits"], avoid=_split(row["avoid"]),
        training_interests=_split(row["training_interests"]), source="demo",
    )
    survey.set_categories(_split(row["categories"]))
    survey.answers = _answers_of(survey, seeker)
    db.session.add(survey)
    return survey


def _load_demo_courses(demo: Path, facility_by_code: dict, today: date,
                       report: SeedReport) -> None:
    """Add the demo skills courses (seed_data/demo/courses.csv) a facility does not have yet."""
    path = demo / "courses.csv"
    if not path.is_file():
        return
    existing = {(facility_id, name) for facility_id, name in db.session.execute(
        sa.select(Course.facility_id, Course.name))}
    for row in _rows(path):
        facility = facility_by_code[row["facility"]]
        if (facility.id, row["name"]) in existing:
            continue
        starts, ends = _int(row["starts_in_days"]), _int(row["ends_in_days"])
        db.session.add(Course(
            facility_id=facility.id, name=row["name"], category_code=row["category"] or None,
            certificate_code=row["certificate"] or None, seats=_int(row["seats"]),
            starts_on=today + timedelta(days=starts) if starts is not None else None,
            ends_on=today + timedelta(days=ends) if ends is not None else None,
            notes=row["notes"],
        ))
        existing.add((facility.id, row["name"]))
        report.count("courses")
    db.session.flush()


def _hold_fair(fair: Fair, outcomes: list[dict], close: bool, report: SeedReport) -> None:
    """Replay a fair's day from its recorded outcomes by the model's rules; close if asked.

    Every seeker with an outcome took part; each outcome is an interest recorded by staff
    at the stage it reached; a hire is a placement starting `days_after_fair` after the
    fair, with its follow-ups, and takes one of the opening's places. Times are set to the
    fair's day, not to now, so the history reads as it happened.
    """
    fair_day = datetime.combine(fair.held_on, FAIR_DAY_OPENS)
    fair.open()
    fair.opened_at = fair_day
    seekers = {
        seeker.code: seeker for seeker in db.session.scalars(
            sa.select(Seeker).where(Seeker.code.in_({o["seeker_code"] for o in outcomes})))
    }
    openings = {
        opening.ref: opening for opening in db.session.scalars(
            sa.select(Opening).where(Opening.ref.in_({o["opening_ref"] for o in outcomes})))
    }
    badges = set(db.session.scalars(sa.select(FairParticipant.badge_code)))
    for code in dict.fromkeys(o["seeker_code"] for o in outcomes):
        fair.require_participants_allowed()
        badge = _demo_badge_code(fair.code, code, badges)
        badges.add(badge)
        db.session.add(FairParticipant(fair_id=fair.id, seeker_id=seekers[code].id,
                                       badge_code=badge, checked_in_at=fair_day,
                                       created_at=fair_day))
        report.count("participants")
    db.session.flush()
    for outcome in outcomes:
        fair.require_recording_allowed()
        seeker, opening = seekers[outcome["seeker_code"]], openings[outcome["opening_ref"]]
        stage = InterestStage(outcome["stage"])
        days = timedelta(days=_int(outcome["days_after_fair"]) or 0)
        interest = Interest(seeker_id=seeker.id, opening_id=opening.id, fair_id=fair.id,
                            stage=stage, source="staff", created_at=fair_day,
                            updated_at=fair_day + days)
        db.session.add(interest)
        report.count("interests")
        if stage is not InterestStage.HIRED:
            continue
        db.session.flush()
        opening.fill_place()
        placement = Placement(seeker_id=seeker.id, opening_id=opening.id,
                              interest_id=interest.id, fair_id=fair.id,
                              start_date=fair.held_on + days,
                              monthly_pay=_int(outcome["start_pay"]),
                              created_at=fair_day + days)
        placement.schedule_follow_ups()
        db.session.add(placement)
        # a hire means the person was released before starting work
        seeker.release(fair.held_on + days - timedelta(days=1))
        seeker.mark_placed()
        report.count("placements")
    if close:
        fair.close()
        fair.closed_at = datetime.combine(fair.held_on, FAIR_DAY_CLOSES)
    db.session.flush()


def _demo_badge_code(fair_code: str, seeker_code: str, taken: set[str]) -> str:
    """A random-looking badge code, the same on every load (seeded by fair and seeker)."""
    rng = random.Random(f"{fair_code}/{seeker_code}")
    while True:
        badge = "".join(rng.choice(BADGE_ALPHABET) for _ in range(BADGE_LENGTH))
        if badge not in taken:
            return badge


def _work_history(text: str) -> list[dict]:
    history = []
    for part in _split(text):
        category, _, years = part.partition(":")
        history.append({"category": category, "years": float(years or 0)})
    return history


def _answers_of(survey: Survey, seeker: Seeker) -> dict:
    """The survey's answers as the questionnaire stores them (free text in its columns)."""
    return json.loads(json.dumps({
        "categories": survey.categories, "salary_min": survey.salary_min,
        "salary_hoped": survey.salary_hoped, "home_district": survey.home_district,
        "districts": survey.districts, "needs_accommodation": survey.needs_accommodation,
        "shifts": survey.shifts, "work_pattern": survey.work_pattern,
        "education": survey.education, "work_history": survey.work_history,
        "certificates": survey.certificates, "avoid": survey.avoid,
        "training_interests": survey.training_interests,
        "expected_release_date": seeker.expected_release_date.isoformat()
        if seeker.expected_release_date else None,
        "consent_share": seeker.consent_share, "consent_contact": seeker.consent_contact,
    }))


def _demo_display_name(username: str) -> str:
    return {
        "admin": "系统管理员", "bureau": "戒毒所工作人员（一所）",
        "bureau2": "戒毒所工作人员（二所）", "employment": "就业促进中心工作人员",
        "organizer": "招聘会组织者", "kiosk": "自助终端 1号",
        "socialworker": "社区戒毒康复社工（自强社会服务总社）",
        "socialworker2": "社区戒毒康复社工（回归之家）",
    }.get(username, username)


def database_is_empty() -> bool:
    return db.session.scalar(sa.select(sa.func.count(Facility.id))) == 0
