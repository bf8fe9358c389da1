"""Bureau staff transcribe a paper questionnaire with the keyboard only."""

import re

import sqlalchemy as sa
from playwright.sync_api import expect

from models import Role, Seeker, db
from tests.factories import PASSWORD


def test_register_a_seeker_by_keyboard(page, make):
    make.user(Role.BUREAU, username="clerk")
    db.session.commit()
    page.goto("/login")
    page.keyboard.type("clerk")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/bureau$"))

    page.goto("/bureau/seekers/new")
    expect(page.locator("input[name=name]")).to_be_focused()  # the name field has the focus
    page.keyboard.type("孙八")
    # move through the form with Tab only, answering what the paper says
    page.keyboard.press("Tab")           # gender
    page.keyboard.press("Tab")           # birth year
    page.keyboard.type("1990")
    first_choice = page.locator("select[name=categories_1]")
    first_choice.focus()
    first_choice.select_option("logistics")
    page.locator("input[name=salary_min]").focus()
    page.keyboard.type("5500")
    page.keyboard.press("Tab")
    page.keyboard.type("7000")
    page.locator("input[name=expected_release_date]").focus()
    page.keyboard.type("2027.1")
    page.keyboard.press("Enter")          # submits the form

    expect(page.get_by_role("heading", level=1)).to_contain_text("孙八")
    expect(page.locator(".flash-success")).to_contain_text("已登记")
    seeker = db.session.scalar(sa.select(Seeker).where(Seeker.named("孙八")))
    assert seeker.birth_year == 1990
    assert seeker.latest_survey.categories == ["logistics"]
    assert seeker.latest_survey.salary_min == 5500
    # sensible defaults: day shift and full time were pre-selected
    assert seeker.latest_survey.shifts == ["day"]
    assert seeker.latest_survey.work_pattern == "full_time"
