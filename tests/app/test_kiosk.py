"""The kiosk: badge sign-in with database throttling, options, interest, privacy headers."""

import pytest
import sqlalchemy as sa

from app.services.fair_plan import plan_fair_recommendations
from models import Interest, LoginThrottle, Role, db


@pytest.fixture
def kiosk(make):
    fair = make.fair()
    employer = make.employer(name="上海顺达物流有限公司")
    booth = make.booth(fair, employer, "B07")
    opening = make.opening(employer_id=employer.id, title="理货员", salary_min=6000,
                           salary_max=8000)
    make.offer(fair, booth, opening)
    seeker = make.seeker(facility_id=fair.facility_id, name="欧阳晓明")
    make.survey(seeker, categories=["logistics"], salary_min=5000)
    participant = make.participant(fair, seeker, badge_code="K7M9XQ2PB")
    make.user(Role.KIOSK, username="kiosk1", fair_id=fair.id)
    fair.open()
    plan_fair_recommendations(fair)
    db.session.commit()
    return {"fair": fair, "opening": opening, "participant": participant, "seeker": seeker}


@pytest.fixture
def device(client, auth, kiosk):
    auth.login("kiosk1")
    return client


def test_badge_opens_my_options_with_given_name_only(device, kiosk):
    response = device.post("/kiosk/badge", data={"code": "k7m-9xq-2pb"})
    assert response.headers["Location"] == "/kiosk/options"
    page = device.get("/kiosk/options")
    text = page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"
    assert "晓明" in text and "欧阳晓明" not in text
    assert "理货员" in text and "B07" in text and "6,000–8,000" in text
    assert "您的首选岗位意向" in text
    assert kiosk["seeker"].code not in text


def test_interest_is_recorded_from_the_kiosk(device, kiosk):
    device.post("/kiosk/badge", data={"code": "K7M9XQ2PB"})
    device.post(f"/kiosk/interest/{kiosk['opening'].id}")
    interest = db.session.scalar(sa.select(Interest))
    assert interest.source == "kiosk" and interest.seeker_id == kiosk["seeker"].id
    slip = device.get("/kiosk/slip").get_data(as_text=True)
    assert "B07" in slip and "理货员" in slip


def test_wrong_codes_are_throttled_per_kiosk_in_the_database(app, device, kiosk):
    limit = app.config["KIOSK_MAX_FAILURES"]
    device.get("/lang/en")
    for n in range(limit):
        page = device.post("/kiosk/badge", data={"code": f"AAAA{n}AAAA"},
                           follow_redirects=True).get_data(as_text=True)
        assert "We could not find this number" in page
    failures = db.session.scalar(sa.select(LoginThrottle.failures).where(
        LoginThrottle.key.like("kiosk:%")))
    assert failures == limit
    # now even the right code is refused on this kiosk until the lock ends
    page = device.post("/kiosk/badge", data={"code": "K7M9XQ2PB"},
                       follow_redirects=True).get_data(as_text=True)
    assert "Too many tries" in page
    assert device.get("/kiosk/options").headers["Location"] == "/kiosk"


def test_finish_forgets_the_visitor(device, kiosk):
    device.post("/kiosk/badge", data={"code": "K7M9XQ2PB"})
    device.post("/kiosk/finish")
    response = device.get("/kiosk/options")
    assert response.status_code == 302 and response.headers["Location"] == "/kiosk"


def test_idle_visit_ends_on_the_server(app, device, kiosk):
    app.config["KIOSK_IDLE_SECONDS"] = 0
    device.post("/kiosk/badge", data={"code": "K7M9XQ2PB"})
    import time

    time.sleep(1.1)
    assert device.get("/kiosk/options").headers["Location"] == "/kiosk"


def test_kiosk_cannot_open_staff_pages(device):
    for path in ("/bureau", "/admin/", "/employment", "/organizer", "/reports/summary"):
        assert device.get(path).status_code == 403, path


def test_fair_openings_can_be_filtered(device, kiosk, make):
    device.get("/lang/en")
    page = device.get("/kiosk/openings?pay=7000&housing=").get_data(as_text=True)
    assert "理货员" in page  # pays up to 8,000
    page = device.get("/kiosk/openings?pay=9000").get_data(as_text=True)
    assert "理货员" not in page
