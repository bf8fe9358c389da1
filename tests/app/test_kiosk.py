"""The kiosk: badge sign-in with database throttling, options, interest, privacy headers."""

import re
from dataclasses import replace

import pytest
import sqlalchemy as sa
from flask_babel import force_locale
from markupsafe import Markup

from app import reasons
from app.fairs import recording
from app.kiosk import cards
from app.kiosk.operations import OptionCard
from app.services.fair_plan import plan_fair_recommendations
from models import (
    FairRecommendation,
    Interest,
    InterestStage,
    JobCategory,
    LoginThrottle,
    Role,
    Shift,
    db,
)
from tests.factories import PASSWORD


@pytest.fixture
def kiosk(make):
    fair = make.fair()
    employer = make.employer(name="上海顺达物流有限公司")
    booth = make.booth(fair, employer, "B07")
    opening = make.opening(employer_id=employer.id, title="理货员", pay_min=6000,
                           pay_max=8000)
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


def test_wrong_codes_slow_down_this_device_in_the_database(app, device, kiosk):
    """More in tests/app/test_kiosk_throttle.py: other devices are never held up."""
    device.get("/lang/en")
    device.get("/kiosk")
    for n in range(app.config["KIOSK_FREE_TRIES"] + 1):
        page = device.post("/kiosk/badge", data={"code": f"AAAA{n}AAAA"},
                           follow_redirects=True).get_data(as_text=True)
        assert "We could not find this number" in page
    failures = db.session.scalar(sa.select(LoginThrottle.failures).where(
        LoginThrottle.key.like("kiosk-device:%")))
    assert failures == app.config["KIOSK_FREE_TRIES"] + 1
    # now this device waits, the seconds shown, before any code is tried again
    page = device.post("/kiosk/badge", data={"code": "K7M9XQ2PB"},
                       follow_redirects=True).get_data(as_text=True)
    assert re.search(r"Please wait <span class=\"wait-seconds\">\d+</span> seconds", page)
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
    page = device.get("/kiosk/openings?pay=6000&housing=").get_data(as_text=True)
    assert "理货员" in page  # pays from 6,000
    page = device.get("/kiosk/openings?pay=7000").get_data(as_text=True)
    assert "理货员" not in page  # 6,000–8,000 does not start at 7,000


# --- what the options page caches must never show the wrong person or old facts --------


def _options(device) -> str:
    return device.get("/kiosk/options").get_data(as_text=True)


@pytest.fixture
def second_visitor(kiosk, make):
    """Another participant at the same fair, whose lowest acceptable pay is 4,000."""
    seeker = make.seeker(facility_id=kiosk["fair"].facility_id, name="司马小红")
    make.survey(seeker, categories=["logistics"], salary_min=4000)
    make.participant(kiosk["fair"], seeker, badge_code="R4T6Y8U2W")
    plan_fair_recommendations(kiosk["fair"])
    db.session.commit()
    return seeker


def test_two_kiosks_each_show_only_their_own_visitor(app, device, kiosk, second_visitor):
    other = app.test_client()
    other.post("/login", data={"username": "kiosk1", "password": PASSWORD})
    device.post("/kiosk/badge", data={"code": "K7M9XQ2PB"})
    other.post("/kiosk/badge", data={"code": "R4T6Y8U2W"})
    for _round in range(2):  # the second round is answered from worded reasons kept
        mine, theirs = _options(device), _options(other)
        assert "晓明" in mine and "小红" not in mine
        assert "最低薪资 5,000 元" in mine and "4,000 元" not in mine
        assert "小红" in theirs and "晓明" not in theirs
        assert "最低薪资 4,000 元" in theirs and "5,000 元" not in theirs


def test_reasons_are_worded_in_the_language_chosen(device, kiosk):
    device.post("/kiosk/badge", data={"code": "K7M9XQ2PB"})
    assert "您的首选岗位意向：物流仓储操作员" in _options(device)
    device.get("/lang/en")
    page = _options(device)
    assert "Your first choice: Logistics and warehouse operator" in page
    assert "您的首选岗位意向" not in page
    device.get("/lang/zh_CN")
    assert "您的首选岗位意向：物流仓储操作员" in _options(device)


def test_interest_shows_at_once_whoever_records_it(device, kiosk, make):
    fair, participant = kiosk["fair"], kiosk["participant"]
    packer = make.opening(employer_id=kiosk["opening"].employer_id, title="仓库打包员",
                          pay_min=5500, pay_max=7000)
    make.offer(fair, fair.booths[0], packer)
    plan_fair_recommendations(fair)
    db.session.commit()
    device.post("/kiosk/badge", data={"code": "K7M9XQ2PB"})
    assert _options(device).count("我感兴趣") == 2
    device.post(f"/kiosk/interest/{kiosk['opening'].id}")
    page = _options(device)
    assert page.count("您已表示感兴趣") == 1 and page.count("我感兴趣") == 1
    # a tablet at the booth records interest in the other opening meanwhile
    recording.record_stage(fair, participant, packer.id, InterestStage.INTERESTED)
    db.session.commit()
    page = _options(device)
    assert page.count("您已表示感兴趣") == 2 and "我感兴趣" not in page


def test_changed_opening_shows_at_once(device, kiosk):
    device.post("/kiosk/badge", data={"code": "K7M9XQ2PB"})
    assert "理货员" in _options(device)
    opening = kiosk["opening"]
    opening.title = "高级理货员"
    db.session.commit()
    assert "高级理货员" in _options(device)
    opening.pay_max = 9000
    db.session.commit()
    assert "6,000–9,000" in _options(device)


@pytest.fixture
def plan_of_one(kiosk, make):
    """A second opening at the booth, and a plan of one opening: (planned, unplanned)."""
    fair = kiosk["fair"]
    packer = make.opening(employer_id=kiosk["opening"].employer_id, title="仓库打包员",
                          pay_min=5500, pay_max=7000)
    make.offer(fair, fair.booths[0], packer)
    plan_fair_recommendations(fair, per_seeker=1)
    db.session.commit()
    planned_id = db.session.scalar(sa.select(FairRecommendation.opening_id))
    planned, unplanned = sorted([kiosk["opening"], packer], key=lambda o: o.id != planned_id)
    return planned, unplanned


def test_closed_opening_leaves_my_options_at_once(device, plan_of_one):
    planned, other = plan_of_one
    device.post("/kiosk/badge", data={"code": "K7M9XQ2PB"})
    page = _options(device)
    assert f'id="opening-{planned.id}"' in page and f'id="opening-{other.id}"' in page
    planned.close()  # its places are filled: nobody should queue at the booth for it
    other.close()
    db.session.commit()
    page = _options(device)
    assert planned.title not in page and other.title not in page
    assert "您可以看看全部岗位，或请工作人员帮忙。" in page
    planned.reopen()
    db.session.commit()
    assert f'id="opening-{planned.id}"' in _options(device)


def test_new_plan_ranks_more_that_fit_again(device, kiosk, plan_of_one):
    unplanned = plan_of_one[1].id
    device.post("/kiosk/badge", data={"code": "K7M9XQ2PB"})
    page = _options(device)
    assert "其他可能适合您的岗位" in page and f'id="opening-{unplanned}"' in page
    plan_fair_recommendations(kiosk["fair"], per_seeker=2)  # now both are in the plan
    db.session.commit()
    page = _options(device)
    assert page.count(f'id="opening-{unplanned}"') == 1  # in the plan, not again below
    assert "其他可能适合您的岗位" not in page


def test_worded_reasons_are_kept_for_a_while_then_worded_again(app):
    clock = [1000.0]
    texts = reasons.ReasonTexts(seconds=300, clock=lambda: clock[0])
    reason = {"code": "first_choice", "category": "logistics"}
    category = db.session.get(JobCategory, "logistics")
    original = category.name_zh
    try:
        with app.test_request_context():
            assert texts.text(reason, "zh_CN") == f"您的首选岗位意向：{original}"
        category.name_zh = "仓储物流工"  # reference names can be reloaded while serving
        db.session.commit()
        with app.test_request_context():
            assert texts.text(reason, "zh_CN") == f"您的首选岗位意向：{original}"
        clock[0] += 301
        with app.test_request_context():
            assert texts.text(reason, "zh_CN") == "您的首选岗位意向：仓储物流工"
    finally:
        category.name_zh = original
        db.session.commit()


def test_cards_carry_each_visitors_own_form_token(app, device, kiosk, make):
    # a visitor whose cards read exactly like the first one's (only the names differ)
    twin = make.seeker(facility_id=kiosk["fair"].facility_id, name="司马小红")
    make.survey(twin, categories=["logistics"], salary_min=5000)
    make.participant(kiosk["fair"], twin, badge_code="R4T6Y8U2W")
    plan_fair_recommendations(kiosk["fair"])
    db.session.commit()
    other = app.test_client()
    other.post("/login", data={"username": "kiosk1", "password": PASSWORD})
    device.post("/kiosk/badge", data={"code": "K7M9XQ2PB"})
    other.post("/kiosk/badge", data={"code": "R4T6Y8U2W"})
    app.config["WTF_CSRF_ENABLED"] = True
    tokens = {}
    for name, client in (("mine", device), ("theirs", other), ("mine", device)):
        page = _options(client)
        assert 'class="primary interest-btn"' in page
        on_page = set(re.findall(r'name="csrf_token" value="([^"]+)"', page))
        assert len(on_page) == 1  # the cards' forms carry the page's own token
        tokens.setdefault(name, set()).update(on_page)
    assert not tokens["mine"] & tokens["theirs"]
    opening_id = kiosk["opening"].id
    stolen = device.post(f"/kiosk/interest/{opening_id}",
                         data={"csrf_token": next(iter(tokens["theirs"]))})
    assert stolen.status_code == 400
    own = device.post(f"/kiosk/interest/{opening_id}",
                      data={"csrf_token": next(iter(tokens["mine"]))})
    assert own.status_code == 302
    assert db.session.scalar(sa.select(Interest.seeker_id)) == kiosk["seeker"].id


def test_drawn_cards_are_kept_only_while_identical_and_fresh(app):
    clock, drawn = [1000.0], []
    kept = cards.CardCache(seconds=300, clock=lambda: clock[0])

    def draw(option, csrf_token):
        drawn.append(option)
        return Markup('<li>{}<input value="{}"></li>').format(option.title, csrf_token)

    option = OptionCard(opening_id=7, title="理货员", employer="顺达", booth="B07",
                        district="310115", pay_min=6000, pay_max=8000, pay_months=12,
                        pay_period="month", shift=Shift.DAY,
                        accommodation=False, interested=False,
                        reasons_json='[{"code": "first_choice", "category": "logistics"}]')
    with app.test_request_context():
        first = kept.card(draw, option, "token-a")
        again = kept.card(draw, option, "token-b")
        assert len(drawn) == 1
        assert first == Markup('<li>理货员<input value="token-a"></li>')
        assert again == Markup('<li>理货员<input value="token-b"></li>')
        kept.card(draw, replace(option, interested=True), "token-a")
        kept.card(draw, replace(option, reasons_json="[]"), "token-a")
        kept.card(draw, replace(option, district="310118"), "token-a")
        assert len(drawn) == 4
        with force_locale("en"):
            kept.card(draw, option, "token-a")
        assert len(drawn) == 5  # another language is another card
        clock[0] += 301
        kept.card(draw, option, "token-a")
        assert len(drawn) == 6
