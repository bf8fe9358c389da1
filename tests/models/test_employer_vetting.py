"""Employer vetting on the model: unverified → verified → un-verified or suspended."""

from datetime import date

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from models import EmployerStatus, Opening, OpeningStatus, Role, StateError, db

CODE = "91350100M000100Y43"


def complete(make, **overrides):
    """An unverified employer with every fact its verification needs."""
    facts = {"uscc": CODE, "contact_person": "陈经理", "contact_phone": "13812345678",
             "pledge_date": date(2026, 6, 1), "pledge_signed_by": "陈经理（人事主管）",
             "verified": False}
    facts.update(overrides)
    return make.employer(**facts)


def test_a_new_employer_is_unverified(app):
    from models import Employer

    employer = Employer(name="上海捷运运输有限公司", normalized_name="上海捷运运输有限公司")
    db.session.add(employer)
    db.session.flush()
    assert employer.status is EmployerStatus.UNVERIFIED and not employer.verified


def test_verify_names_everything_missing_in_both_languages(app, make):
    employer = make.employer(verified=False, uscc=None)
    with pytest.raises(StateError) as caught:
        employer.verify(None)
    with force_locale("en"):
        assert caught.value.user_message() == (
            "This employer cannot be verified yet. Missing: the unified social credit code, "
            "the contact person, the contact phone, the date of the fair-chance pledge, who "
            "signed the fair-chance pledge.")
    with force_locale("zh_CN"):
        assert caught.value.user_message() == (
            "该用人单位暂不能核实，还缺少：统一社会信用代码、联系人、联系电话、公平就业承诺的签署日期、"
            "公平就业承诺的签署人。")
    assert employer.status is EmployerStatus.UNVERIFIED


def test_verify_records_who_and_when(app, make):
    clerk = make.user(Role.EMPLOYMENT, username="clerk")
    employer = complete(make)
    employer.verify(clerk)
    assert employer.status is EmployerStatus.VERIFIED and employer.verified
    assert employer.verified_by_id == clerk.id and employer.verified_at is not None
    assert employer.status_changed_at == employer.verified_at


@pytest.mark.parametrize(
    ("status", "move", "message"),
    [
        (EmployerStatus.VERIFIED, lambda e: e.verify(None), "already verified"),
        (EmployerStatus.SUSPENDED, lambda e: e.verify(None), "lift the suspension"),
        (EmployerStatus.UNVERIFIED, lambda e: e.unverify(), "Only a verified employer"),
        (EmployerStatus.SUSPENDED, lambda e: e.unverify(), "Only a verified employer"),
        (EmployerStatus.SUSPENDED, lambda e: e.suspend("投诉"), "already suspended"),
        (EmployerStatus.VERIFIED, lambda e: e.suspend("  "), "Give the reason"),
        (EmployerStatus.VERIFIED, lambda e: e.lift_suspension(), "not suspended"),
        (EmployerStatus.UNVERIFIED, lambda e: e.lift_suspension(), "not suspended"),
    ],
)
def test_illegal_moves_raise(app, make, status, move, message):
    employer = complete(make, status=status)
    with pytest.raises(StateError) as caught:
        move(employer)
    with force_locale("en"):
        assert message in caught.value.user_message()
    assert employer.status is status


def test_unverify_suspend_and_lift(app, make):
    employer = complete(make)
    employer.verify(None)
    employer.unverify()
    assert (employer.status, employer.verified_at) == (EmployerStatus.UNVERIFIED, None)
    employer.suspend("  求职者投诉：要求先交押金  ")
    assert employer.status is EmployerStatus.SUSPENDED
    assert employer.suspension_reason == "求职者投诉：要求先交押金"
    employer.lift_suspension()  # back to the queue: checked again before it is verified
    assert employer.status is EmployerStatus.UNVERIFIED
    employer.verify(None)
    assert employer.verified and employer.suspension_reason == ""


def test_visible_to_seekers_is_one_rule_in_sql_and_python(app, make):
    verified = make.employer()
    unverified = make.employer(verified=False)
    suspended = make.employer(status=EmployerStatus.SUSPENDED)
    openings = [make.opening(employer_id=e.id) for e in (verified, unverified, suspended)]
    closed = make.opening(employer_id=verified.id, status=OpeningStatus.CLOSED)
    db.session.flush()
    in_sql = set(db.session.scalars(sa.select(Opening.id).where(Opening.visible_to_seekers)))
    assert in_sql == {openings[0].id}
    assert [o.visible_to_seekers for o in openings + [closed]] == [True, False, False, False]
