"""Ten wrong codes on one kiosk never stop a valid badge on it or on another kiosk.

Two kiosk screens are two browser contexts (two devices, one kiosk account); the
recording desk is a third, the organizer's.
"""

import re

from playwright.sync_api import expect

from models import Role, db
from tests.browser.conftest import guarded_page
from tests.browser.test_kiosk import (  # noqa: F401, F811 (fair_day is a fixture)
    BADGE,
    GIVEN_NAME,
    _log_in_as_kiosk,
    _sign_in,
    _type_badge,
    fair_day,
)
from tests.factories import PASSWORD

WRONG_CODES = ["AAAAAAAAA", "BBBBBBBBB", "CCCCCCCCC", "DDDDDDDDD", "EEEEEEEEE",
               "FFFFFFFFF", "GGGGGGGGG", "HHHHHHHHH", "JJJJJJJJJ", "KKKKKKKKK"]


def _hammer(page, code: str) -> None:
    """Type a code and send it even while OK is held back (as a badge scanner would)."""
    page.wait_for_load_state("load")
    page.locator("#code").fill(code)
    with page.expect_navigation():
        page.evaluate("document.querySelector('.keypad-form').submit()")
    page.wait_for_load_state("load")  # the next page's scripts too, before going on


def test_ten_wrong_codes_then_a_valid_badge_on_two_kiosks(
        app, browser, live_server, page_watch, request, fair_day, make):  # noqa: F811
    make.user(Role.ORGANIZER, username="org")
    db.session.commit()
    # a first wait long enough to outlast the steps below on a slow, loaded machine (with
    # the default 5 s the first screen's wait could end before its badge is tried)
    app.config["KIOSK_FIRST_DELAY_SECONDS"] = 45
    with guarded_page(browser, live_server, page_watch, request, has_touch=True) as first, \
            guarded_page(browser, live_server, page_watch, request, has_touch=True) as second:
        _log_in_as_kiosk(first)
        _log_in_as_kiosk(second)

        # two mistakes are free; the third starts a short wait on this screen only
        for code in WRONG_CODES[:3]:
            _type_badge(first, code)
            expect(first).to_have_url(re.compile(r"/kiosk$"))
            expect(first.locator(".flash-error").first).to_contain_text(
                "We could not find this number")
        for code in WRONG_CODES[3:]:
            _hammer(first, code)
        wait = first.locator("#kiosk-wait")
        expect(wait).to_have_text(re.compile(
            r"^Please wait \d+ seconds, then type your badge number again\.$"))
        expect(first.locator("#code-ok")).to_be_disabled()
        shown = int(first.locator(".wait-seconds").inner_text())
        first.wait_for_timeout(1100)
        assert int(first.locator(".wait-seconds").inner_text()) < shown  # counting down

        # the other kiosk, same account, takes the valid badge at once
        _sign_in(second)

        # this screen still waits: the badge is not even tried
        _hammer(first, BADGE)
        expect(first).to_have_url(re.compile(r"/kiosk$"))
        expect(first.locator("#kiosk-wait")).to_be_visible()

        # the organizer lets the screen go from the recording desk
        with guarded_page(browser, live_server, page_watch, request) as desk:
            desk.goto("/lang/en?next=/login")
            desk.locator("input[name=username]").fill("org")
            desk.locator("input[name=password]").fill(PASSWORD)
            desk.locator("input[name=password]").press("Enter")
            desk.goto(f"/fairs/{fair_day['fair'].id}/desk")
            listed = desk.locator("#kiosk-delays li")
            expect(listed).to_have_count(1)
            expect(listed).to_contain_text("3 wrong numbers")
            listed.get_by_role("button", name="Let this kiosk be used now").click()
            expect(desk.locator(".flash-success")).to_have_text("The kiosk can be used again.")
            expect(desk.locator("#kiosk-delays")).to_have_count(0)

        first.goto("/kiosk")
        expect(first.locator("#kiosk-wait")).to_have_count(0)
        _sign_in(first)
        expect(first.get_by_role("heading", level=1)).to_have_text(f"Hello, {GIVEN_NAME}")
