"""Model factories with sensible defaults (as in Indico's testing fixtures).

Each takes keyword overrides, adds the object to the session and flushes.
"""

import itertools
from datetime import timedelta

import sqlalchemy as sa

from app.admin.operations import create_user
from app.clock import local_today
from models import (
    Employer,
    EmployerStatus,
    Facility,
    Fair,
    FairEmployer,
    FairOpening,
    FairParticipant,
    Opening,
    Role,
    Seeker,
    Shift,
    StaffUser,
    Survey,
    db,
)

PASSWORD = "correct-horse-battery"
_counter = itertools.count(1)


def _next() -> int:
    return next(_counter)


def facility(**kwargs) -> Facility:
    n = _next()
    kwargs.setdefault("code", f"F{n:03d}")
    kwargs.setdefault("name_zh", f"测试戒毒所{n}")
    kwargs.setdefault("name_en", f"Test Facility {n}")
    kwargs.setdefault("district", "310118")
    obj = Facility(**kwargs)
    db.session.add(obj)
    db.session.flush()
    return obj


def user(role: Role = Role.ADMIN, **kwargs):
    """Create an account with PASSWORD; bureau gets a facility and kiosk a fair if not given."""
    n = _next()
    if role is Role.BUREAU and "facility_id" not in kwargs:
        kwargs["facility_id"] = facility().id
    if role is Role.KIOSK and "fair_id" not in kwargs:
        kwargs["fair_id"] = fair().id
    username = kwargs.pop("username", f"{role.value}{n}")
    password = kwargs.pop("password", PASSWORD)
    # an organizer runs every fair made in the test unless told which (organizes=[...]):
    # tests of one fair need not share it first; tests of the scoping say so
    organizes = kwargs.pop("organizes", None)
    account = create_user(username, password, role, **kwargs)
    if role is Role.ORGANIZER:
        fairs = db.session.scalars(sa.select(Fair)).all() if organizes is None else organizes
        for fair_obj in fairs:
            fair_obj.organizers.append(account)
        db.session.flush()
    return account


def seeker(**kwargs) -> Seeker:
    n = _next()
    if "facility_id" not in kwargs and "facility" not in kwargs:
        kwargs["facility_id"] = facility().id
    kwargs.setdefault("code", f"QB{n:06d}")
    kwargs.setdefault("name", f"测试人{n}")
    kwargs.setdefault("gender", "M")
    kwargs.setdefault("birth_year", 1988)
    kwargs.setdefault("education", 2)
    kwargs.setdefault("expected_release_date", local_today() + timedelta(days=60))
    obj = Seeker(**kwargs)
    db.session.add(obj)
    db.session.flush()
    return obj


def survey(seeker_obj: Seeker, categories=("logistics",), **kwargs) -> Survey:
    kwargs.setdefault("surveyed_on", local_today() - timedelta(days=10))
    kwargs.setdefault("salary_min", 5000)
    kwargs.setdefault("salary_hoped", 6500)
    kwargs.setdefault("home_district", "310115")
    kwargs.setdefault("shifts", ["day"])
    obj = Survey(seeker_id=seeker_obj.id, **kwargs)
    obj.set_categories(list(categories))
    db.session.add(obj)
    db.session.flush()
    return obj


def employer(**kwargs) -> Employer:
    n = _next()
    kwargs.setdefault("name", f"上海测试物流有限公司{n}")
    kwargs.setdefault("normalized_name", kwargs["name"])
    kwargs.setdefault("district", "310115")
    # verified unless a test says otherwise (verified=False, or a status)
    verified = kwargs.pop("verified", True)
    kwargs.setdefault("status", EmployerStatus.VERIFIED if verified else EmployerStatus.UNVERIFIED)
    obj = Employer(**kwargs)
    db.session.add(obj)
    db.session.flush()
    return obj


def opening(**kwargs) -> Opening:
    if "employer_id" not in kwargs and "employer" not in kwargs:
        kwargs["employer_id"] = employer().id
    kwargs.setdefault("title", "仓库分拣员")
    kwargs.setdefault("category_code", "logistics")
    kwargs.setdefault("pay_min", 6000)
    kwargs.setdefault("pay_max", 8000)
    kwargs.setdefault("district", "310115")
    kwargs.setdefault("shift", Shift.DAY)
    kwargs.setdefault("headcount", 5)
    obj = Opening(**kwargs)
    db.session.add(obj)
    db.session.flush()
    return obj


def fair(**kwargs) -> Fair:
    n = _next()
    if "facility_id" not in kwargs and "facility" not in kwargs:
        kwargs["facility_id"] = facility().id
    kwargs.setdefault("code", f"FAIR{n:03d}")
    kwargs.setdefault("name_zh", f"测试招聘会{n}")
    kwargs.setdefault("name_en", f"Test fair {n}")
    kwargs.setdefault("held_on", local_today() + timedelta(days=30))
    organizers = kwargs.pop("organizers", None)
    obj = Fair(**kwargs)
    # run by every organizer made so far in the test unless told who (organizers=[...])
    obj.organizers = list(db.session.scalars(sa.select(StaffUser).where(
        StaffUser.role == Role.ORGANIZER))) if organizers is None else list(organizers)
    db.session.add(obj)
    db.session.flush()
    return obj


def booth(fair_obj: Fair, employer_obj: Employer, booth_code: str = "A01") -> FairEmployer:
    obj = FairEmployer(fair_id=fair_obj.id, employer_id=employer_obj.id, booth=booth_code)
    db.session.add(obj)
    db.session.flush()
    return obj


def offer(fair_obj: Fair, booth_obj: FairEmployer, opening_obj: Opening) -> FairOpening:
    obj = FairOpening(fair_id=fair_obj.id, fair_employer_id=booth_obj.id, opening_id=opening_obj.id)
    db.session.add(obj)
    db.session.flush()
    return obj


def participant(fair_obj: Fair, seeker_obj: Seeker, badge_code: str | None = None):
    obj = FairParticipant(
        fair_id=fair_obj.id, seeker_id=seeker_obj.id, badge_code=badge_code or f"B{_next():07d}"
    )
    db.session.add(obj)
    db.session.flush()
    return obj
