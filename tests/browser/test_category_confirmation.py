"""Employment-centre staff import postings whose titles the classifier is unsure of, in a
real browser: the preview marks those rows "category to confirm"; staff set one row's
category and, in one go, that of every row with the same title; the openings are saved
with those categories; a row left alone waits in the queue, where staff set it."""

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from app.services.categories import category_classifier, suggest_category
from matching.categorize import CONFIRM_BELOW
from models import CategoryCorrection, Opening, Role, db
from tests.browser.conftest import SCREENSHOTS
from tests.factories import PASSWORD

# Real titles the classifier is unsure of (小区管家, 理发助理, 剧本杀DM) and one it is sure of.
POSTINGS_CSV = """职位名称,单位名称,工作地点,薪资,招聘人数
小区管家,上海安居物业服务有限公司,上海-浦东新区,5-6千/月,2
理发助理,上海安居物业服务有限公司,上海-浦东新区,4-5千/月,1
小区管家,上海安居物业服务有限公司,上海-闵行区,5-6千/月,3
仓库管理员,上海安居物业服务有限公司,上海-浦东新区,6-8千/月,1
剧本杀DM,上海安居物业服务有限公司,上海-静安区,6-9千/月,2
"""
UNSURE = ("小区管家", "理发助理", "剧本杀DM")


@pytest.fixture
def clerk(make, app, tmp_path):
    app.config["IMPORT_DIR"] = str(tmp_path / "imports")
    category_classifier()  # fitted once per run, as a running server has it cached
    for title in UNSURE:
        assert suggest_category(title)[1] < CONFIRM_BELOW, title
    assert suggest_category("仓库管理员")[1] >= CONFIRM_BELOW
    user = make.user(Role.EMPLOYMENT, username="clerk")
    db.session.commit()
    return user


def _category(page, row_number):
    """The category cell (with its form) of row `row_number` of the file in the preview."""
    return page.locator(f"#row-{row_number}")


def test_set_unsure_categories_on_the_preview_and_in_the_queue(page, clerk):
    page.goto("/login")
    page.get_by_label("用户名").fill("clerk")
    page.get_by_label("密码").fill(PASSWORD)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/employment$"))
    page.goto("/employment/import/")
    page.get_by_label("表格文件（.xlsx 或 .csv）").set_input_files(files=[{
        "name": "物业岗位.csv", "mimeType": "text/csv", "buffer": POSTINGS_CSV.encode("utf-8"),
    }])
    page.get_by_role("button", name="上传并检查").click()

    # the preview marks the four rows whose category is an unsure guess
    expect(page).to_have_url(re.compile(r"/employment/import/[A-Za-z0-9_-]{32}$"))
    expect(page.locator("#categories-to-confirm")).to_contain_text(
        "有 4 行的类别是按职位名称推测的，把握不足")
    expect(page.locator("ul.stats")).to_contain_text("4 个类别待确认")
    for row in (2, 3, 4, 6):
        expect(_category(page, row).locator(".badge", has_text="类别待确认")).to_be_visible()
    expect(_category(page, 5).locator(".badge", has_text="类别待确认")).to_have_count(0)

    # row 3 alone
    hairdresser = _category(page, 3)
    hairdresser.get_by_label("第 3 行的类别").select_option(label="美发师")
    hairdresser.get_by_role("button", name="设定").click()
    expect(page.locator(".flash-success")).to_have_text("已为 1 行设定类别。")
    expect(_category(page, 3)).to_contain_text("美发师")
    expect(_category(page, 3).locator(".badge")).to_have_text("由您设定")

    # row 2, and every row titled 小区管家 with it
    steward = _category(page, 2)
    steward.get_by_label("第 2 行的类别").select_option(label="物业管理员")
    steward.get_by_label("所有职位名称为“小区管家”的行").check()
    steward.get_by_role("button", name="设定").click()
    expect(page.locator(".flash-success")).to_have_text("已为 2 行设定类别。")
    for row in (2, 4):
        expect(_category(page, row)).to_contain_text("物业管理员")
        expect(_category(page, row).locator(".badge")).to_have_text("由您设定")
    expect(page.locator("#categories-to-confirm")).to_contain_text("有 1 行的类别")
    expect(_category(page, 6).locator(".badge")).to_have_text("类别待确认")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "category_confirmation_preview.png", full_page=True)

    page.get_by_role("button", name="导入 5 个岗位").click()
    expect(page).to_have_url(re.compile(r"/employment/import/$"))
    expect(page.locator(".flash-success")).to_contain_text("新建 5 个岗位")

    db.session.expire_all()
    saved = sorted(tuple(row) for row in db.session.execute(sa.select(
        Opening.title, Opening.district, Opening.category_code, Opening.category_confirmed)))
    guess = next(row[2] for row in saved if row[0] == "剧本杀DM")
    assert saved == sorted([
        ("小区管家", "310115", "property", True), ("小区管家", "310112", "property", True),
        ("理发助理", "310115", "hairdresser", True),
        ("仓库管理员", "310115", "logistics", True),
        ("剧本杀DM", "310106", guess, False),
    ])
    assert sorted(db.session.execute(sa.select(
        CategoryCorrection.title, CategoryCorrection.category_code,
        CategoryCorrection.source)).all()) == [
        ("小区管家", "property", "import"), ("理发助理", "hairdresser", "import")]

    # the row left alone waits in the queue, shown to no job seeker, and is set there
    page.locator("nav.mainnav").get_by_role("link", name="岗位", exact=True).click()
    page.get_by_role("link", name="1 个类别待确认").click()
    expect(page).to_have_url(re.compile(r"/employment/categories-to-confirm$"))
    queued = page.locator("table.categories-to-confirm tbody tr")
    expect(queued).to_have_count(1)
    expect(queued).to_contain_text("剧本杀DM")
    queued.get_by_label("“剧本杀DM”的类别").select_option(label="营业员/收银员")
    queued.get_by_role("button", name="设定").click()
    expect(page.locator(".flash-success")).to_have_text(
        "已为 1 个职位名称为“剧本杀DM”的岗位设定类别：营业员/收银员。")
    expect(page.get_by_text("没有类别待确认的岗位。")).to_be_visible()
    db.session.expire_all()
    assert db.session.execute(sa.select(Opening.category_code, Opening.category_confirmed)
                              .where(Opening.title == "剧本杀DM")).one() == ("retail", True)
