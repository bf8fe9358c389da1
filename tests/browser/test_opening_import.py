"""Employment-centre staff import job postings from a spreadsheet in a real browser: a
column Qibu does not recognise is mapped by hand on the preview, and the import is saved."""

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from app.services.categories import category_classifier
from models import Employer, Opening, Role, db
from tests.browser.conftest import SCREENSHOTS
from tests.factories import PASSWORD

# An employer's own list: its pay column is headed 待遇, which Qibu does not know; the
# third posting is in Beijing. Row numbers as Excel shows them: the header is row 1.
POSTINGS_CSV = """职位名称,单位名称,工作地点,待遇,学历要求,招聘人数
仓库管理员,上海申浦物流有限公司,上海-浦东新区,6-8千/月,初中,3
保安员,上海申浦物流有限公司,闸北区,面议,不限,若干
叉车司机,北京京通物流有限公司,北京-朝阳区,8000,初中,2
"""
PAY_COLUMN = "col-3"  # 待遇 is the file's fourth column


@pytest.fixture
def clerk(make, app, tmp_path):
    app.config["IMPORT_DIR"] = str(tmp_path / "imports")  # this test's uploads only
    # Fitted once per test run (seconds), as a running server has it cached: the page
    # must not wait for it.
    category_classifier()
    user = make.user(Role.EMPLOYMENT, username="clerk")
    db.session.commit()
    return user


def _log_in(page, username):
    page.goto("/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/employment$"))


def _preview_row(page, title):
    """The row of the preview's table of openings to create that shows `title`."""
    return page.locator("table.grid tbody tr").filter(
        has=page.get_by_role("cell", name=title, exact=True))


def test_map_an_unknown_pay_column_and_import(page, clerk):
    _log_in(page, "clerk")
    page.locator("nav.mainnav").get_by_role("link", name="导入岗位").click()
    expect(page).to_have_url(re.compile(r"/employment/import/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("导入招聘岗位")

    page.get_by_label("表格文件（.xlsx 或 .csv）").set_input_files(files=[{
        "name": "岗位清单.csv", "mimeType": "text/csv",
        "buffer": POSTINGS_CSV.encode("utf-8"),
    }])
    page.get_by_role("button", name="上传并检查").click()

    # the preview: 待遇 was not recognised, so no pay was read
    expect(page).to_have_url(re.compile(r"/employment/import/[A-Za-z0-9_-]{32}$"))
    preview_url = page.url
    expect(page.get_by_role("heading", level=1)).to_have_text("核对导入内容")
    expect(page.get_by_text("未使用的列： 待遇")).to_be_visible()
    mapping = page.locator("details.import-mapping")
    expect(mapping).to_have_attribute("open", "")  # opened because a column is unused
    expect(mapping.locator("summary")).to_contain_text("1 列未使用")
    pay_select = mapping.get_by_label("待遇")
    expect(pay_select).to_have_attribute("name", PAY_COLUMN)
    expect(pay_select).to_have_value("")
    expect(pay_select.locator("option:checked")).to_have_text("— 不使用 —")
    expect(mapping.get_by_label("职位名称")).to_have_value("title")
    expect(_preview_row(page, "仓库管理员")).to_contain_text("未写明")
    expect(page.locator("ul.stats")).to_contain_text("2 个岗位将新建")

    # read 待遇 as the pay and check the file again
    pay_select.select_option(label="薪资")
    mapping.get_by_role("button", name="按这些列重新检查文件").click()

    expect(page).to_have_url(preview_url)
    expect(page.locator(".flash-info")).to_have_text("已按您设置的列重新检查了文件。")
    expect(page.get_by_text("未使用的列：")).to_have_count(0)
    expect(page.locator(f"select[name={PAY_COLUMN}]")).to_have_value("salary")
    warehouse = _preview_row(page, "仓库管理员")
    expect(warehouse).to_contain_text("6,000–8,000 元/月")
    expect(warehouse).to_contain_text("6-8千/月")  # as the file wrote it
    expect(warehouse).to_contain_text("上海申浦物流有限公司 新登记，待核实")
    expect(warehouse).to_contain_text("浦东新区")
    guard = _preview_row(page, "保安员")
    expect(guard).to_contain_text("未写明")
    expect(guard).to_contain_text("面议")
    expect(guard).to_contain_text("静安区")  # 闸北区 is part of 静安区 now

    # the Beijing posting is listed as rejected, with the reason in Chinese
    expect(page.get_by_role("heading", name="未通过的行")).to_be_visible()
    rejected = page.locator("table.import-problems tbody tr")
    expect(rejected).to_have_count(1)
    expect(rejected.locator("td")).to_have_text([
        "4", "工作地点", "北京-朝阳区",
        "“北京-朝阳区”在上海以外：起步只发布上海的岗位。如果工作其实在上海，请改正地点；"
        "否则请删去这一行。",
    ])
    stats = page.locator("ul.stats li")
    expect(stats.filter(has_text="行已读取")).to_have_text("3 行已读取")
    expect(stats.filter(has_text="行未通过")).to_have_text("1 行未通过")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "opening_import_preview_remapped.png", full_page=True)

    page.get_by_role("button", name="导入 2 个岗位").click()

    expect(page).to_have_url(re.compile(r"/employment/import/$"))
    expect(page.locator(".flash-success")).to_have_text(
        "导入已保存：新建 2 个岗位，更新 0 个，0 个未变；1 行被退回，未导入。")

    # the openings list shows the imported opening with its pay
    page.locator("nav.mainnav").get_by_role("link", name="岗位", exact=True).click()
    expect(page).to_have_url(re.compile(r"/employment$"))
    listed = page.locator("table.grid tbody tr").filter(has_text="仓库管理员")
    expect(listed).to_have_count(1)
    expect(listed).to_contain_text("上海申浦物流有限公司")
    expect(listed).to_contain_text("6,000–8,000 元/月")
    expect(page.locator("table.grid")).not_to_contain_text("叉车司机")

    # the new employer's page: registered as unverified, with both openings
    listed.get_by_role("link", name="上海申浦物流有限公司").click()
    expect(page).to_have_url(re.compile(r"/employment/employers/\d+$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("上海申浦物流有限公司 待核实")
    openings = page.locator("table.grid tbody tr")
    expect(openings).to_have_count(2)
    expect(openings.filter(has_text="仓库管理员")).to_contain_text("6,000–8,000 元/月")
    expect(openings.filter(has_text="保安员")).to_contain_text("薪资面议")

    db.session.expire_all()
    saved = db.session.execute(
        sa.select(Opening.title, Opening.pay_min, Opening.pay_max, Opening.salary_text,
                  Opening.district, Opening.headcount).order_by(Opening.title)).all()
    assert [tuple(row) for row in saved] == [
        ("仓库管理员", 6000, 8000, "6-8千/月", "310115", 3),
        ("保安员", None, None, "面议", "310106", None),
    ]
    assert db.session.scalars(sa.select(Employer.name)).all() == ["上海申浦物流有限公司"]
