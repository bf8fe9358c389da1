"""The organizer runs the hall's kiosks (issue 16, deliverable 2): registers a device,
signs it in with the one-time link, moves it to another fair and sees it follow, and a
closed fair's kiosk offers only the openings and the self-test. No administrator."""

import re

from playwright.sync_api import expect

from models import Role, db
from tests.browser.conftest import guarded_page
from tests.browser.test_kiosk import BADGE, GIVEN_NAME, _shot, _type_badge, fair_day  # noqa: F401
from tests.factories import PASSWORD


def _log_in(page, username: str) -> None:
    page.goto("/login")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    with page.expect_navigation():
        page.locator("input[name=password]").press("Enter")


def test_organizer_registers_a_kiosk_and_moves_it_between_fairs(
        browser, live_server, page_watch, request, fair_day, make):  # noqa: F811
    fair = fair_day["fair"]
    summer = make.fair(name_zh="女子所夏季招聘会", name_en="Women's unit summer fair")
    make.user(Role.ORGANIZER, username="org")
    db.session.commit()
    with guarded_page(browser, live_server, page_watch, request) as desk, \
            guarded_page(browser, live_server, page_watch, request, has_touch=True) as screen:
        _log_in(desk, "org")
        desk.goto(f"/fairs/{fair.id}")
        desk.get_by_role("link", name="自助机").click()
        before = desk.locator(".kiosk-list tbody tr").count()  # kiosk1, made with the fair
        desk.get_by_label("设备名称").fill("大厅左侧 1号机")
        desk.get_by_role("button", name="登记自助机").click()
        code = desk.locator("#kiosk-code-value").inner_text()
        assert re.fullmatch(r"[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}", code)
        link = desk.locator("#kiosk-code-link").inner_text()
        expect(desk.locator(".kiosk-code .qr svg")).to_be_visible()

        # on the device in the hall: open the link, press the one button
        screen.goto(link)
        expect(screen.get_by_label("自助机登录代码")).to_have_value(code)
        screen.get_by_role("button", name="将此设备用作自助机").tap()
        expect(screen.locator(".kiosk-fair")).to_have_text(fair.name_zh)
        expect(screen.locator("#code")).to_be_visible()
        expect(screen.get_by_text("退出登录")).to_have_count(0)
        _shot(screen, request, "enrolled")

        desk.reload()
        expect(desk.locator(".kiosk-list tbody tr")).to_have_count(before + 1)
        row = desk.locator(".kiosk-list tbody tr", has_text="大厅左侧 1号机")
        expect(row).to_contain_text("使用中")
        last_activity = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$")
        expect(row.locator("td").nth(2)).to_have_text(last_activity)

        # a visitor signs in, then the organizer moves the device to the summer fair
        _type_badge(screen, BADGE)
        expect(screen.get_by_role("heading", level=1)).to_contain_text(GIVEN_NAME)
        row.locator("select").select_option(value=str(summer.id))
        row.get_by_role("button", name="转移").click()
        expect(desk.locator(".flash-success")).to_contain_text("现在显示女子所夏季招聘会")
        expect(desk.locator(".kiosk-list tbody tr")).to_have_count(before)
        expect(desk.locator(".kiosk-list")).not_to_contain_text("大厅左侧 1号机")

        # the next touch on the device shows the summer fair; the visitor is gone
        screen.get_by_role("link", name="全部岗位").tap()
        screen.goto("/kiosk")
        expect(screen.locator(".kiosk-fair")).to_have_text(summer.name_zh)
        expect(screen.get_by_text(GIVEN_NAME)).to_have_count(0)
        _shot(screen, request, "moved")

        desk.goto(f"/fairs/{summer.id}/kiosks")
        expect(desk.locator(".kiosk-list tbody tr")).to_contain_text("大厅左侧 1号机")

        # the summer fair is held and closed: its kiosk says so and offers two things
        summer.open()
        summer.close()
        db.session.commit()
        screen.reload()
        expect(screen.get_by_role("heading", level=1)).to_have_text("本场招聘会已结束。")
        expect(screen.locator("#code")).to_have_count(0)
        nav = screen.locator(".kiosk-nav a")
        expect(nav).to_have_text(["全部岗位", "职业倾向自测"])


def test_finish_puts_the_next_visitor_back_in_chinese(
        browser, live_server, page_watch, request, fair_day):  # noqa: F811
    with guarded_page(browser, live_server, page_watch, request, has_touch=True) as screen:
        _log_in(screen, "kiosk1")
        screen.get_by_role("link", name="English").tap()
        _type_badge(screen, BADGE)
        expect(screen.get_by_role("link", name="My options")).to_be_visible()
        screen.get_by_role("button", name="Finish").tap()
        expect(screen.get_by_role("heading", level=1)).to_have_text("欢迎！请输入胸牌上的号码。")
        expect(screen.locator("html")).to_have_attribute("lang", "zh-CN")
