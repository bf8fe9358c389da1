"""Kiosk devices belong to fairs and are run by organizers (issue 16, deliverable 2):
registered with a one-time code, listed with their last activity, moved, retired; a
closed fair's kiosk offers the openings and the self-test only; the kiosk starts again
(language, visitor, filters) at 结束 and at idle; every page a kiosk reaches, errors
included, stays in the kiosk frame."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.kiosk import operations
from app.services.fair_plan import plan_fair_recommendations
from models import AuditEvent, Interest, KioskEnrolment, Role, StaffUser, db, utcnow


@pytest.fixture
def hall(make):
    """Two fairs; an organizer (no admin anywhere); a participant of the first fair."""
    fair = make.fair(name_zh="青浦春季招聘会", name_en="Qingpu spring fair")
    other = make.fair(name_zh="女子所夏季招聘会", name_en="Women's unit summer fair")
    employer = make.employer(name="上海顺达物流有限公司")
    booth = make.booth(fair, employer, "B07")
    opening = make.opening(employer_id=employer.id, title="理货员", district="310118")
    second = make.opening(employer_id=employer.id, title="叉车工", district="310115")
    make.offer(fair, booth, opening)
    make.offer(fair, booth, second)
    seeker = make.seeker(facility_id=fair.facility_id, name="欧阳晓明")
    make.survey(seeker, categories=["logistics"])
    make.participant(fair, seeker, badge_code="K7M9XQ2PB")
    make.user(Role.ORGANIZER, username="organizer")
    fair.open()
    plan_fair_recommendations(fair)
    db.session.commit()
    return {"fair": fair, "other": other, "opening": opening, "second": second,
            "seeker": seeker}


@pytest.fixture
def organizer(client, auth, hall):
    auth.login("organizer")
    return client


def _register(organizer, fair, label=""):
    """Register a kiosk as the organizer does; return (page text, code, link path)."""
    answer = organizer.post(f"/fairs/{fair.id}/kiosks", data={"label": label})
    assert answer.headers["Location"] == f"/fairs/{fair.id}/kiosks#kiosk-code"
    text = organizer.get(f"/fairs/{fair.id}/kiosks").get_data(as_text=True)
    code = re.search(r'id="kiosk-code-value">([A-Z0-9-]+)<', text).group(1)
    link = re.search(r'id="kiosk-code-link">http://[^/]+(/kiosk/enrol\?code=[A-Z0-9-]+)<',
                     text).group(1)
    return text, code, link


def _device(app):
    return app.test_client()


def test_an_organizer_registers_a_kiosk_and_the_device_signs_in_with_its_code(
        app, organizer, hall):
    text, code, link = _register(organizer, hall["fair"], "大厅左侧 1号机")
    assert "大厅左侧 1号机" in text and "30 分钟" in text and "<svg" in text  # QR code
    # shown once: reloading the list neither shows it again nor registers another kiosk
    again = organizer.get(f"/fairs/{hall['fair'].id}/kiosks").get_data(as_text=True)
    assert code not in again and "等待输入登录代码" in again
    assert db.session.scalar(sa.select(sa.func.count(StaffUser.id)).where(
        StaffUser.role == Role.KIOSK)) == 1

    device = _device(app)
    # opening the link only fills the code in: a preview or prefetch spends nothing
    form = device.get(link).get_data(as_text=True)
    assert f'value="{code}"' in form and "将此设备用作自助机" in form
    answer = device.post("/kiosk/enrol", data={"code": code.lower().replace("-", " ")})
    assert answer.headers["Location"] == "/kiosk"
    start = device.get("/kiosk").get_data(as_text=True)
    assert "青浦春季招聘会" in start and "请输入胸牌上的号码" in start

    # the code works once
    again = _device(app).post("/kiosk/enrol", data={"code": code})
    assert again.status_code == 400
    assert "此代码无效" in again.get_data(as_text=True)

    kiosks = organizer.get(f"/fairs/{hall['fair'].id}/kiosks").get_data(as_text=True)
    row = re.search(r'<tr id="kiosk-\d+">(.*?)</tr>', kiosks, re.S).group(1)
    assert "大厅左侧 1号机" in row and "使用中" in row
    assert re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", row)  # last activity
    # only the code's keyed hash is kept
    stored = db.session.scalar(sa.select(KioskEnrolment))
    assert code.replace("-", "") not in stored.code_hash and stored.used_at is not None
    actions = set(db.session.scalars(sa.select(AuditEvent.action)))
    assert {"kiosk_registered", "kiosk_code_issued", "kiosk_enrolled"} <= actions


def test_several_kiosks_per_fair_each_a_device_of_its_own(app, organizer, hall):
    devices = []
    for _n in range(3):
        _text, code, _link = _register(organizer, hall["fair"])
        device = _device(app)
        device.post("/kiosk/enrol", data={"code": code})
        devices.append(device)
    page = organizer.get(f"/fairs/{hall['fair'].id}/kiosks").get_data(as_text=True)
    assert page.count("使用中") == 3
    assert "自助机 1" in page and "自助机 3" in page
    for device in devices:
        assert "青浦春季招聘会" in device.get("/kiosk").get_data(as_text=True)


def test_a_new_code_replaces_the_unused_one(app, organizer, hall):
    _text, first, _link = _register(organizer, hall["fair"])
    kiosk = db.session.scalar(sa.select(StaffUser).where(StaffUser.role == Role.KIOSK))
    text = organizer.post(f"/fairs/{hall['fair'].id}/kiosks/{kiosk.id}/code",
                          follow_redirects=True).get_data(as_text=True)
    second = re.search(r'id="kiosk-code-value">([A-Z0-9-]+)<', text).group(1)
    assert second != first
    assert _device(app).post("/kiosk/enrol", data={"code": first}).status_code == 400
    device = _device(app)
    assert device.post("/kiosk/enrol", data={"code": second}).status_code == 302


def test_wrong_codes_from_one_device_are_throttled(app, hall):
    device = _device(app)
    for _n in range(app.config["LOGIN_MAX_FAILURES"]):
        assert device.post("/kiosk/enrol", data={"code": "ABCD-EFGH"}).status_code == 400
    page = device.post("/kiosk/enrol", data={"code": "ABCD-EFGH"}).get_data(as_text=True)
    assert "错误代码太多" in page


def test_moving_a_kiosk_shows_the_other_fair_at_the_next_touch(app, organizer, hall):
    _text, code, _link = _register(organizer, hall["fair"])
    device = _device(app)
    device.post("/kiosk/enrol", data={"code": code})
    device.post("/kiosk/badge", data={"code": "K7M9XQ2PB"})
    assert "晓明" in device.get("/kiosk/options").get_data(as_text=True)

    kiosk = db.session.scalar(sa.select(StaffUser).where(StaffUser.role == Role.KIOSK))
    moved = organizer.post(f"/fairs/{hall['fair'].id}/kiosks/{kiosk.id}/move",
                           data={"fair_id": hall["other"].id}, follow_redirects=True)
    assert "现在显示女子所夏季招聘会" in moved.get_data(as_text=True)

    # the visitor of the first fair is not carried over
    assert device.get("/kiosk/options").headers["Location"] == "/kiosk"
    start = device.get("/kiosk").get_data(as_text=True)
    assert "女子所夏季招聘会" in start and "晓明" not in start
    assert "本场招聘会还没有登记自助机" in organizer.get(
        f"/fairs/{hall['fair'].id}/kiosks").get_data(as_text=True)
    there = organizer.get(f"/fairs/{hall['other'].id}/kiosks").get_data(as_text=True)
    assert f'id="kiosk-{kiosk.id}"' in there and "使用中" in there


def test_a_kiosk_cannot_be_moved_to_a_closed_fair(organizer, hall, make):
    closed = make.fair(name_zh="已结束的招聘会")
    closed.open()
    closed.close()
    db.session.commit()
    _register(organizer, hall["fair"])
    kiosk = db.session.scalar(sa.select(StaffUser).where(StaffUser.role == Role.KIOSK))
    page = organizer.get(f"/fairs/{hall['fair'].id}/kiosks").get_data(as_text=True)
    assert "已结束的招聘会" not in page  # not offered
    answer = organizer.post(f"/fairs/{hall['fair'].id}/kiosks/{kiosk.id}/move",
                            data={"fair_id": closed.id}, follow_redirects=True)
    assert "只能为筹备中或进行中的招聘会登记自助机，或将自助机转到这类招聘会" in \
        answer.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(StaffUser, kiosk.id).fair_id == hall["fair"].id
    refused = organizer.post(f"/fairs/{closed.id}/kiosks", data={"label": "x"},
                             follow_redirects=True).get_data(as_text=True)
    assert "本场招聘会已结束；只能为筹备中或进行中的招聘会登记自助机" in refused
    assert db.session.scalar(sa.select(sa.func.count(StaffUser.id)).where(
        StaffUser.fair_id == closed.id)) == 0


def test_a_retired_kiosk_is_signed_out_at_once(app, organizer, hall):
    _text, code, _link = _register(organizer, hall["fair"])
    device = _device(app)
    device.post("/kiosk/enrol", data={"code": code})
    kiosk = db.session.scalar(sa.select(StaffUser).where(StaffUser.role == Role.KIOSK))
    organizer.post(f"/fairs/{hall['fair'].id}/kiosks/{kiosk.id}/retire")
    answer = device.get("/kiosk")
    # the screen asks for a new sign-in code, not for a staff password
    assert answer.status_code == 302 and answer.headers["Location"] == "/kiosk/enrol"
    page = organizer.get(f"/fairs/{hall['fair'].id}/kiosks").get_data(as_text=True)
    assert "已停用" in page and "新的登录代码" not in page


def test_another_fairs_kiosk_cannot_be_changed_through_this_fair(organizer, hall, make):
    kiosk = make.user(Role.KIOSK, fair_id=hall["other"].id)
    db.session.commit()
    answer = organizer.post(f"/fairs/{hall['fair'].id}/kiosks/{kiosk.id}/retire")
    assert answer.status_code == 404
    db.session.expire_all()
    assert db.session.get(StaffUser, kiosk.id).active


# ------------------------------------------------------------------ the kiosk itself

@pytest.fixture
def device(app, organizer, hall):
    _text, code, _link = _register(organizer, hall["fair"])
    client = _device(app)
    client.post("/kiosk/enrol", data={"code": code})
    return client


def test_the_openings_list_offers_interest_to_a_signed_in_visitor(device, hall):
    anonymous = device.get("/kiosk/openings").get_data(as_text=True)
    assert "理货员" in anonymous and "我感兴趣" not in anonymous
    device.post("/kiosk/badge", data={"code": "K7M9XQ2PB"})
    page = device.get("/kiosk/openings?district=310118").get_data(as_text=True)
    assert page.count("我感兴趣") == 1  # the one opening the filter leaves
    answer = device.post(f"/kiosk/interest/{hall['opening'].id}",
                         data={"from": "openings", "district": "310118"})
    assert answer.headers["Location"] == \
        f"/kiosk/openings?district=310118#opening-{hall['opening'].id}"
    interest = db.session.scalar(sa.select(Interest))
    assert interest.opening_id == hall["opening"].id and interest.source == "kiosk"
    after = device.get("/kiosk/openings?district=310118").get_data(as_text=True)
    assert "您已表示感兴趣" in after and "我感兴趣" not in after


def test_finish_resets_language_and_visitor(device, hall):
    device.post("/kiosk/badge", data={"code": "K7M9XQ2PB"})
    device.get("/lang/en")
    assert "My options" in device.get("/kiosk/options").get_data(as_text=True)
    answer = device.post("/kiosk/finish")
    assert "Expires=Thu, 01 Jan 1970" in answer.headers.get("Set-Cookie", "")
    start = device.get("/kiosk").get_data(as_text=True)
    assert "请输入胸牌上的号码" in start and "晓明" not in start


def test_idle_resets_language_visitor_and_filters(device, hall):
    device.post("/kiosk/badge", data={"code": "K7M9XQ2PB"})
    device.get("/lang/en")
    device.get("/kiosk/openings?district=310118")
    with device.session_transaction() as state:
        kiosk_state = state[operations.SESSION_KEY]
        kiosk_state["seen"] = (utcnow() - timedelta(minutes=10)).isoformat()
        state[operations.SESSION_KEY] = kiosk_state
    answer = device.get("/kiosk/openings?district=310118")
    assert answer.headers["Location"] == "/kiosk"
    assert "Expires=Thu, 01 Jan 1970" in answer.headers.get("Set-Cookie", "")
    start = device.get("/kiosk").get_data(as_text=True)
    assert "请输入胸牌上的号码" in start and "晓明" not in start


def test_idle_reset_is_armed_wherever_there_is_something_to_reset(device, hall):
    start = device.get("/kiosk").get_data(as_text=True)
    assert "data-idle-reset" not in start  # nothing to reset: no posting every 90 s
    assert "data-idle-reset" in device.get("/kiosk/openings").get_data(as_text=True)
    device.get("/lang/en")
    assert "data-idle-reset" in device.get("/kiosk").get_data(as_text=True)


def test_error_pages_stay_in_the_kiosk_frame(device, hall):
    for path, status in (("/bureau", 403), ("/kiosk/handbook/no-such-chapter", 404),
                         ("/fairs/1/desk", 403)):
        answer = device.get(path)
        page = answer.get_data(as_text=True)
        assert answer.status_code == status, path
        assert "青浦春季招聘会" in page and "返回开始" in page
        assert "退出登录" not in page and "修改密码" not in page and 'class="mainnav"' not in page


def test_an_error_page_keeps_the_visitors_own_buttons(device, hall):
    device.post("/kiosk/badge", data={"code": "K7M9XQ2PB"})
    page = device.get("/bureau").get_data(as_text=True)
    assert "/kiosk/options" in page and 'id="kiosk-finish"' in page
    assert "输入我的胸牌号码" not in page  # somebody is signed in already


def test_the_kiosk_frame_has_no_staff_controls(device, hall):
    device.post("/kiosk/badge", data={"code": "K7M9XQ2PB"})
    for path in ("/kiosk/options", "/kiosk/openings", "/kiosk/selftest", "/kiosk/slip",
                 "/kiosk/handbook", "/kiosk/bulletin"):
        page = device.get(path).get_data(as_text=True)
        assert "退出登录" not in page and 'class="mainnav"' not in page, path


def test_a_closed_fairs_kiosk_offers_the_openings_and_the_self_test_only(device, hall):
    device.post("/kiosk/badge", data={"code": "K7M9XQ2PB"})
    hall["fair"].close()
    db.session.commit()
    start = device.get("/kiosk").get_data(as_text=True)
    assert "本场招聘会已结束" in start
    assert "/kiosk/openings" in start and "/kiosk/selftest" in start
    assert 'id="code"' not in start  # no badge keypad
    assert device.get("/kiosk/options").headers["Location"] == "/kiosk"
    assert device.post("/kiosk/badge", data={"code": "K7M9XQ2PB"}).headers["Location"] == \
        "/kiosk"
    openings = device.get("/kiosk/openings").get_data(as_text=True)
    assert "理货员" in openings and "我感兴趣" not in openings
    refused = device.post(f"/kiosk/interest/{hall['opening'].id}")
    assert refused.headers["Location"] == "/kiosk"
    assert db.session.scalar(sa.select(sa.func.count(Interest.id))) == 0


def test_the_self_test_without_a_visitor_shows_its_result_and_keeps_nothing(device, hall):
    hall["fair"].close()
    db.session.commit()
    page = device.get("/kiosk/selftest").get_data(as_text=True)
    answered = 0
    while True:
        item = re.search(r'name="item" value="([^"]+)"', page)
        if item is None:
            break
        answer = device.post("/kiosk/selftest", data={"item": item.group(1), "value": "4"})
        answered += 1
        page = device.get(answer.headers["Location"]).get_data(as_text=True)
        assert answered < 100
    assert answered == 48
    assert "您的职业倾向" in page and "不会保存" in page
    db.session.refresh(hall["seeker"])
    assert hall["seeker"].riasec_scores is None
    device.post("/kiosk/finish")
    assert device.get("/kiosk/selftest/result").headers["Location"] == "/kiosk/selftest"
