"""Employment centre: employers with validated credit codes, openings under state rules."""

import pytest
import sqlalchemy as sa

from models import (
    AuditEvent,
    Employer,
    EmployerStatus,
    Opening,
    OpeningStatus,
    Role,
    Shift,
    db,
)

VALID_USCC = "91350100M000100Y43"


@pytest.fixture
def clerk(make, client, auth):
    make.user(Role.EMPLOYMENT, username="clerk")
    db.session.commit()
    auth.login("clerk")
    client.get("/lang/en")


def employer_data(**overrides):
    data = {"name": "上海好运物流有限公司", "uscc": VALID_USCC, "industry": "物流",
            "district": "310115", "address": "浦东新区川沙路1号", "contact_person": "陈经理",
            "contact_phone": "138 1234 5678", "pledge_date": "2026-06-01", "notes": ""}
    data.update(overrides)
    return data


def test_register_an_employer(client, clerk):
    response = client.post("/employment/employers/new", data=employer_data())
    assert response.status_code == 302
    employer = db.session.scalar(sa.select(Employer))
    # registered, not yet verified: its openings wait for the review queue
    assert employer.uscc == VALID_USCC and employer.status is EmployerStatus.UNVERIFIED
    assert employer.contact_phone == "13812345678"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "上海好运物流有限公司" in page and VALID_USCC in page and "to be verified" in page


@pytest.mark.parametrize(
    ("uscc", "message"),
    [
        ("91350100M000100Y4", "has 17 characters; it must have exactly 18"),
        ("91350100M000100Y44", "the last character should be “3”, not “4”"),
        ("91350100M0001O0Y43", "the character “O” at position 14"),
    ],
)
def test_invalid_credit_codes_say_what_is_wrong(client, clerk, uscc, message):
    page = client.post("/employment/employers/new",
                       data=employer_data(uscc=uscc)).get_data(as_text=True)
    assert message in page
    assert db.session.scalar(sa.select(sa.func.count(Employer.id))) == 0


def test_lowercase_and_spaced_code_is_normalised(client, clerk):
    client.post("/employment/employers/new",
                data=employer_data(uscc=" 91350100m000100y43 "))
    assert db.session.scalar(sa.select(Employer.uscc)) == VALID_USCC


def test_second_employer_with_the_same_code_is_refused(client, clerk, make):
    make.employer(name="已登记公司", uscc=VALID_USCC)
    page = client.post("/employment/employers/new",
                       data=employer_data()).get_data(as_text=True)
    assert "已登记公司 is already registered with this code" in page
    assert db.session.scalar(sa.select(sa.func.count(Employer.id))) == 1


def test_bad_phone_is_explained(client, clerk):
    page = client.post("/employment/employers/new",
                       data=employer_data(contact_phone="12345")).get_data(as_text=True)
    assert "Write an 11-digit mobile number" in page


def opening_data(**overrides):
    data = {"title": "叉车司机", "category_code": "forklift", "pay_min": "6500",
            "pay_max": "8500", "district": "310115", "shift": "day", "education_min": "2",
            "experience_min": "1", "headcount": "3", "certificates_required": ["forklift"],
            "accommodation": "y", "description": "仓库叉车作业"}
    data.update(overrides)
    return data


def test_post_edit_close_and_reopen_an_opening(client, clerk, make):
    employer = make.employer()
    response = client.post(f"/employment/employers/{employer.id}/openings/new",
                           data=opening_data())
    assert response.status_code == 302
    opening = db.session.scalar(sa.select(Opening))
    assert (opening.pay_min, opening.pay_max, opening.salary_text) == (
        6500, 8500, "6500-8500元/月")
    assert opening.shift is Shift.DAY and opening.certificates_required == ["forklift"]
    assert opening.accommodation and opening.headcount == 3
    client.post(f"/employment/openings/{opening.id}/close")
    db.session.refresh(opening)
    assert opening.status is OpeningStatus.CLOSED
    client.post(f"/employment/openings/{opening.id}/reopen")
    db.session.refresh(opening)
    assert opening.status is OpeningStatus.OPEN
    page = client.post(f"/employment/openings/{opening.id}/reopen",
                       follow_redirects=True).get_data(as_text=True)
    assert "This opening is already open." in page
    actions = set(db.session.scalars(sa.select(AuditEvent.action)))
    assert {"opening_created", "opening_closed", "opening_reopened"} <= actions


def test_headcount_below_filled_is_refused(client, clerk, make):
    opening = make.opening(headcount=3, filled=2)
    page = client.post(f"/employment/openings/{opening.id}/edit",
                       data=opening_data(headcount="1")).get_data(as_text=True)
    assert "cannot be lower than the 2 places already filled" in page
    db.session.refresh(opening)
    assert opening.headcount == 3


def test_pay_range_must_be_ordered(client, clerk, make):
    employer = make.employer()
    page = client.post(f"/employment/employers/{employer.id}/openings/new",
                       data=opening_data(pay_min="9000", pay_max="7000")
                       ).get_data(as_text=True)
    assert "must not be below the lower pay" in page
    assert db.session.scalar(sa.select(sa.func.count(Opening.id))) == 0


def test_category_is_suggested_from_the_title(client, clerk, make):
    response = client.get("/employment/suggest-category?title=电话客服专员")
    data = response.get_json()
    assert data["category"] == "phone_service" and data["confidence"] > 0.3
    employer = make.employer()
    page = client.get(f"/employment/employers/{employer.id}/openings/new?title=叉车司机")
    text = page.get_data(as_text=True)
    assert '<option selected value="forklift">' in text or 'value="forklift" selected' in text
    assert "Suggested from the title: Forklift operator" in text
