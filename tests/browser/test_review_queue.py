"""Employment-centre staff work through the review queue in a real browser: open it, verify
an employer by recording its contact and fair-chance pledge, and see it leave the queue."""

import re
from datetime import datetime

import pytest
from playwright.sync_api import expect

from models import Employer, EmployerStatus, Role, db
from tests.factories import PASSWORD


@pytest.fixture
def queue(make):
    make.user(Role.EMPLOYMENT, username="clerk")
    first = make.employer(name="上海捷运运输有限公司", verified=False, uscc=None,
                          contact_person="", contact_phone="", created_at=datetime(2026, 5, 2))
    make.opening(employer_id=first.id, title="货车司机")
    make.opening(employer_id=first.id, title="装卸工")
    second = make.employer(name="上海新近物流有限公司", verified=False,
                           created_at=datetime(2026, 6, 10))
    make.opening(employer_id=second.id, title="分拣员")
    db.session.commit()
    return first, second


def _log_in(page, username):
    page.goto("/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/employment$"))


def test_verify_an_employer_from_the_review_queue(page, queue):
    first, _second = queue
    _log_in(page, "clerk")
    page.locator("nav.mainnav").get_by_role("link", name="待核实单位").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("待核实单位")
    rows = page.locator("#review-queue tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("上海捷运运输有限公司")  # registered first
    expect(rows.nth(0)).to_contain_text("货车司机")
    expect(rows.nth(1)).to_contain_text("上海新近物流有限公司")
    expect(page.locator(".stats")).to_contain_text("2 家单位待核实")
    expect(page.locator(".stats")).to_contain_text("3 个岗位暂不向求职者展示")

    rows.nth(0).get_by_role("link", name="核实").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("核实 上海捷运运输有限公司")
    # submitted without the pledge: refused, saying what is missing
    page.get_by_label("统一社会信用代码", exact=True).fill("91350100M000100Y43")
    page.get_by_label("联系人", exact=True).fill("陈经理")
    page.get_by_label("联系电话").fill("13812345678")
    page.get_by_role("button", name="核实用人单位").click()
    expect(page.locator(".flash-error").first).to_contain_text("尚未核实。请检查：")
    expect(page.get_by_text("请填写代表用人单位签署公平就业承诺的人。")).to_be_visible()

    page.get_by_label("公平就业承诺签署日期").fill("2026-06-01")
    page.get_by_label("承诺签署人").fill("陈经理（人事主管）")
    page.get_by_label("我已对照营业执照核对了单位名称和统一社会信用代码").check()
    page.get_by_role("button", name="核实用人单位").click()

    expect(page).to_have_url(re.compile(r"/employment/review$"))
    expect(page.get_by_role("status").first).to_contain_text("上海捷运运输有限公司 已核实")
    expect(rows).to_have_count(1)
    expect(rows.nth(0)).to_contain_text("上海新近物流有限公司")
    db.session.expire_all()
    employer = db.session.get(Employer, first.id)
    assert employer.status is EmployerStatus.VERIFIED
    assert employer.pledge_signed_by == "陈经理（人事主管）"
