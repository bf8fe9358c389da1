"""Logging in and out, and choosing the language, in a real browser."""

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from models import Role, db
from tests.factories import PASSWORD

EMPLOYMENT_HEADING = "用人单位和岗位"


@pytest.fixture
def clerk(make):
    user = make.user(Role.EMPLOYMENT, username="clerk")
    db.session.commit()
    return user


def _path(page) -> str:
    return urlsplit(page.url).path


def _log_in_with_keyboard(page, username, password):
    """Type into the login form and press Enter, without touching the mouse."""
    page.goto("/login")
    expect(page.get_by_label("用户名")).to_be_focused()  # autofocus
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    expect(page.get_by_label("密码")).to_be_focused()
    page.keyboard.type(password)
    page.keyboard.press("Enter")


def test_login_page_is_chinese_by_default_and_styled(page):
    response = page.goto("/login")

    assert response is not None and response.status == 200
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.get_by_role("heading", level=1)).to_have_text("登录起步")
    expect(page.get_by_role("link", name="English")).to_be_visible()
    # qibu.css is loaded and applied: the top bar has the brand green
    expect(page.locator("header.topbar")).to_have_css("background-color", "rgb(31, 111, 92)")


def test_employment_account_logs_in_with_keyboard_only(page, clerk):
    _log_in_with_keyboard(page, "clerk", PASSWORD)

    expect(page).to_have_url(re.compile(r"^http://127\.0\.0\.1:\d+/employment$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(EMPLOYMENT_HEADING)
    expect(page.locator(".topbar .who")).to_have_text("clerk")


def test_english_choice_is_remembered_across_reloads(page):
    page.goto("/login")

    page.get_by_role("link", name="English").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Log in to Qibu")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert _path(page) == "/login"
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in to Qibu")
    expect(page.get_by_role("link", name="中文")).to_be_visible()


def test_wrong_password_is_refused(page, clerk):
    _log_in_with_keyboard(page, "clerk", "not-the-password")

    expect(page.get_by_role("alert")).to_contain_text("用户名或密码错误")
    assert _path(page) == "/login"
    expect(page.get_by_role("heading", level=1)).to_have_text("登录起步")


def test_logout_returns_to_login_and_back_does_not_show_the_page(page, clerk):
    with page.expect_response(lambda r: urlsplit(r.url).path == "/employment") as landing:
        _log_in_with_keyboard(page, "clerk", PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text(EMPLOYMENT_HEADING)
    # what keeps a real browser from showing the page from its cache after logout
    assert "no-store" in landing.value.headers.get("cache-control", "")

    page.get_by_role("button", name="退出登录").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("登录起步")
    expect(page.get_by_role("status")).to_contain_text("您已退出登录")
    assert _path(page) == "/login"

    # Playwright's go_back() would wait forever for a "load" that a page restored from
    # the back/forward cache never fires; wait for the commit, then look.
    page.go_back(wait_until="commit")
    expect(page.get_by_role("heading", level=1)).to_have_text("登录起步")
    expect(page.get_by_text(EMPLOYMENT_HEADING)).to_have_count(0)
    page.reload()
    assert _path(page) == "/login"
    expect(page.get_by_role("heading", level=1)).to_have_text("登录起步")
    expect(page.get_by_text(EMPLOYMENT_HEADING)).to_have_count(0)
