"""Wrong badge codes slow down the kiosk device that typed them, never the hall
(app/kiosk/throttle.py): a valid badge is never refused because someone else mistyped."""

import random
import re
import threading
from datetime import timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from app import create_app
from app.config import TestingConfig
from app.fairs.operations import BADGE_ALPHABET
from app.kiosk import throttle
from models import AuditEvent, LoginThrottle, Role, db, utcnow
from tests.factories import PASSWORD

BADGE = "K7M9XQ2PB"


@pytest.fixture
def hall(make):
    """An open fair with one participant and one kiosk account shared by every device."""
    fair = make.fair()
    seeker = make.seeker(facility_id=fair.facility_id, name="欧阳晓明")
    participant = make.participant(fair, seeker, badge_code=BADGE)
    kiosk = make.user(Role.KIOSK, username="kiosk1", display_name="大厅 1", fair_id=fair.id)
    make.user(Role.ORGANIZER, username="org")
    fair.open()
    db.session.commit()
    return {"fair": fair, "participant": participant, "kiosk": kiosk}


def _device(app, language=None):
    """A kiosk browser: its own cookies, logged in as the shared kiosk account, with the
    kiosk page opened once (which gives it its device id)."""
    client = app.test_client()
    client.post("/login", data={"username": "kiosk1", "password": PASSWORD})
    if language:
        client.get(f"/lang/{language}")
    client.get("/kiosk")
    return client


def _type(client, code: str) -> str:
    return client.post("/kiosk/badge", data={"code": code},
                       follow_redirects=True).get_data(as_text=True)


def _device_keys() -> list[str]:
    return db.session.scalars(sa.select(LoginThrottle.key)
                              .where(LoginThrottle.key.like("kiosk-device:%"))).all()


def _random_codes(n: int, seed: int = 16) -> list[str]:
    rng = random.Random(seed)
    codes = ["".join(rng.choice(BADGE_ALPHABET) for _ in range(9)) for _ in range(n)]
    assert BADGE not in codes
    return codes


def test_hundred_random_codes_from_one_device_are_refused_but_not_the_hall(app, hall):
    guesser, neighbour = _device(app, "en"), _device(app, "en")
    refused = 0
    for code in _random_codes(100):
        page = _type(guesser, code)
        if "We could not find this number" not in page:
            assert re.search(r"Please wait <span class=\"wait-seconds\">\d+</span> seconds",
                             page)
            refused += 1
    assert refused >= 95
    # the other kiosk, on the same kiosk account, signs the valid badge in at once
    response = neighbour.post("/kiosk/badge", data={"code": "k7m-9xq-2pb"})
    assert response.headers["Location"] == "/kiosk/options"
    # the guessing device waits (the code is not even tried) ...
    page = _type(guesser, BADGE)
    assert "Please wait" in page and "We could not find" not in page
    assert guesser.get("/kiosk/options").headers["Location"] == "/kiosk"
    # ... until its delay has run out
    [key] = _device_keys()
    db.session.execute(sa.update(LoginThrottle).where(LoginThrottle.key == key)
                       .values(locked_until=utcnow() - timedelta(seconds=1)))
    response = guesser.post("/kiosk/badge", data={"code": BADGE})
    assert response.headers["Location"] == "/kiosk/options"
    # and the next person on that device starts with a clean count
    assert db.session.scalar(sa.select(LoginThrottle.failures)
                             .where(LoginThrottle.key == key)) == 0


def test_the_wait_is_shown_in_chinese_and_counted_down(app, hall):
    kiosk = _device(app)
    for code in _random_codes(3):
        page = _type(kiosk, code)
    assert "没有找到这个编号" in page
    assert re.search(r"请稍等 <span class=\"wait-seconds\">[1-5]</span> 秒", page)
    assert 'data-wait-seconds="' in page
    assert re.search(r'id="code-ok" disabled', page)


def test_ten_wrong_codes_never_stop_a_valid_badge_on_another_kiosk(app, hall):
    first, second = _device(app), _device(app)
    for code in _random_codes(10):
        _type(first, code)
    assert second.post("/kiosk/badge", data={"code": BADGE}).headers["Location"] == \
        "/kiosk/options"


def test_the_delay_grows_from_the_third_wrong_code_and_stops_at_a_minute(app, hall):
    kiosk, now = hall["kiosk"], utcnow()
    waits = []
    for n, code in enumerate(_random_codes(9)):
        at = now + timedelta(minutes=n)  # each try after the last wait ran out
        assert throttle.check_device(kiosk, "device-a1", at) == 0
        waits.append(throttle.record_wrong_code(hall["fair"].id, kiosk, "device-a1", code, at))
    assert waits == [0, 0, 5, 10, 20, 40, 60, 60, 60]
    # a quiet quarter of an hour starts the count again
    later = now + timedelta(minutes=8 + 15)
    assert throttle.record_wrong_code(hall["fair"].id, kiosk, "device-a1", "AAAAAAAAA",
                                      later) == 0


def test_devices_count_apart_even_on_one_account(app, hall):
    kiosk, now = hall["kiosk"], utcnow()
    for code in _random_codes(5):
        throttle.record_wrong_code(hall["fair"].id, kiosk, "device-a1", code, now)
    assert throttle.check_device(kiosk, "device-a1", now) > 0
    assert throttle.check_device(kiosk, "device-b2", now) == 0


def test_a_code_tried_wrongly_on_many_devices_is_protected_but_its_owner_gets_in(app, hall):
    """Near misses of one badge (a guess at a half-known code), one per device: after
    KIOSK_CODE_MAX_FAILURES a device that fails near it waits at once; the badge typed
    right is still accepted on any device that is not itself waiting."""
    fair, kiosk, now = hall["fair"], hall["kiosk"], utcnow()
    limit = app.config["KIOSK_CODE_MAX_FAILURES"]
    near = [BADGE[:7] + a + b for a in "23456" for b in "23456"]
    for n in range(limit):
        assert throttle.record_wrong_code(fair.id, kiosk, f"device-{n:03}", near[n], now) == 0
    # the code is protected now: one more failure near it and that device waits
    assert throttle.record_wrong_code(fair.id, kiosk, "device-new1", near[limit], now) >= 10
    # an unrelated mistake elsewhere is not slowed down by the protected code
    assert throttle.record_wrong_code(fair.id, kiosk, "device-new2", "ZZZZZZZZZ", now) == 0
    # and the badge's owner, typing it right on a fresh device, signs in
    owner = _device(app)
    assert owner.post("/kiosk/badge", data={"code": BADGE}).headers["Location"] == \
        "/kiosk/options"


def test_an_empty_ok_is_not_counted(app, hall):
    kiosk = _device(app, "en")
    for _ in range(5):
        _type(kiosk, "")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LoginThrottle)) == 0


def test_badges_sent_without_the_device_cookie_share_one_device(app, hall):
    """Dropping (or forging) the cookie buys no fresh tries: such badges count together."""
    guesser = _device(app, "en")
    for code in _random_codes(5):
        guesser.delete_cookie(throttle.DEVICE_COOKIE, path="/kiosk")
        guesser.set_cookie(throttle.DEVICE_COOKIE, "forged.value", path="/kiosk")
        guesser.post("/kiosk/badge", data={"code": code})
    assert _device_keys() == [f"kiosk-device:{hall['kiosk'].id}:{throttle.NO_COOKIE_DEVICE}"]
    assert db.session.scalar(sa.select(LoginThrottle.failures).where(
        LoginThrottle.key.like("kiosk-device:%"))) == 3  # 2 free, then waiting


def test_the_device_cookie_is_signed_and_long_lived(app, hall):
    client = app.test_client()
    client.post("/login", data={"username": "kiosk1", "password": PASSWORD})
    response = client.get("/kiosk")
    cookie = next(value for value in response.headers.getlist("Set-Cookie")
                  if value.startswith(throttle.DEVICE_COOKIE))
    assert "Max-Age=34560000" in cookie and "HttpOnly" in cookie and "Path=/kiosk" in cookie
    # opened again, the page keeps the device id it gave
    again = client.get("/kiosk")
    assert not any(value.startswith(throttle.DEVICE_COOKIE)
                   for value in again.headers.getlist("Set-Cookie"))


def test_the_desk_lists_waiting_kiosks_and_clears_one_audited(app, hall, client, auth):
    guesser = _device(app, "en")
    for code in _random_codes(4):
        _type(guesser, code)
    auth.login("org")
    client.get("/lang/en")
    fair = hall["fair"]
    page = client.get(f"/fairs/{fair.id}/desk").get_data(as_text=True)
    assert "Kiosks waiting after wrong badge numbers" in page
    assert re.search(r"大厅 1, device \S{6}: 3 wrong numbers, \d+ seconds left", page)
    [key] = _device_keys()
    page = client.post(f"/fairs/{fair.id}/desk/kiosk-delay", data={"device": key},
                       follow_redirects=True).get_data(as_text=True)
    assert "The kiosk can be used again." in page
    assert "Kiosks waiting after wrong badge numbers" not in page
    event = db.session.scalar(sa.select(AuditEvent)
                              .where(AuditEvent.action == "kiosk_delay_cleared"))
    assert event.actor_name == "org" and event.detail["failures"] == 3
    assert guesser.post("/kiosk/badge", data={"code": BADGE}).headers["Location"] == \
        "/kiosk/options"
    # a device of another fair's kiosk cannot be cleared from this fair's desk
    page = client.post(f"/fairs/{fair.id}/desk/kiosk-delay",
                       data={"device": "kiosk-device:999:elsewhere"},
                       follow_redirects=True).get_data(as_text=True)
    assert "That kiosk is not waiting any more." in page


def test_kiosks_failing_at_once_lose_no_count(app, hall, database_url, cache_dir):
    """Four kiosks (threads, each with its own connection) fail at the same device key:
    atomic UPDATEs keep every failure (a read-then-write would lose some)."""
    kiosk_id, fair_id = hall["kiosk"].id, hall["fair"].id  # threads keep off this session
    barrier, errors = threading.Barrier(4), []
    # apps are built here: building them inside threads races on first imports
    apps = [create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=database_url,
                       CACHE_DIR=cache_dir) for _ in range(4)]

    def kiosk_worker(worker: int):
        with apps[worker].app_context():
            try:
                user = SimpleNamespace(id=kiosk_id)
                barrier.wait()
                for n in range(15):
                    throttle.record_wrong_code(fair_id, user, "shared-device",
                                               f"ZZZZZZ{worker}{n:02}", utcnow())
                    db.session.commit()
            except Exception as error:  # noqa: BLE001 (collected and asserted)
                db.session.rollback()
                errors.append(repr(error))
            finally:
                db.session.remove()
                db.engine.dispose()

    threads = [threading.Thread(target=kiosk_worker, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert db.session.scalar(sa.select(LoginThrottle.failures).where(
        LoginThrottle.key == f"kiosk-device:{kiosk_id}:shared-device")) == 60
