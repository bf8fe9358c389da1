"""The mapping rescue in a real browser: a spreadsheet whose required column has a header
Qibu does not recognise opens the column mapping instead of dead-ending; the user picks
the column, checks the file again, imports it, and the next file laid out the same way is
read as they set it.

The mapping step is first looked at in Chinese (the default language) for its structure
only, as some of its messages may not be translated yet; its words are checked in
English, after the user switches language with the header's link."""

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from app.services.categories import category_classifier
from models import ImportMapping, Opening, Role, Seeker, Survey, db
from tests.browser.conftest import SCREENSHOTS
from tests.factories import PASSWORD
from tests.imports.test_column_mapping import sheet_bytes
from tests.imports.test_survey_import import row

TOKEN_URL = r"[A-Za-z0-9_-]{32}"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# A bureau's own sheet. Its first choice is headed ABC, which looks like nothing Qibu
# knows (no suggestion); its release date is headed 出所, close enough to be suggested.
SURVEY_HEADERS = {
    "facility_ref": "编号", "name": "姓名", "surveyed_on": "调查日期", "categories_1": "ABC",
    "salary_min": "最低工资要求", "salary_hoped": "期望工资", "expected_release_date": "出所",
    "home_district": "户籍所在区",
}
FIRST_CHOICE = "col-3"  # ABC is the file's fourth column
RELEASE = "col-6"  # 出所 is its seventh


def survey_file(*people) -> bytes:
    keys = list(SURVEY_HEADERS)
    return sheet_bytes([SURVEY_HEADERS[k] for k in keys],
                       [[row(code, name, **values).get(k) for k in keys]
                        for code, name, values in people])


# An employer's list whose job-title header Qibu does not know; the third posting is in
# Beijing and is rejected.
POSTINGS_CSV = """岗位名字xyz,单位名称,工作地点,薪资,学历要求,招聘人数
仓库管理员,上海申浦物流有限公司,上海-浦东新区,6000-8000,初中,3
保安员,上海申浦物流有限公司,闵行区,面议,不限,2
叉车司机,北京京通物流有限公司,北京-朝阳区,8000,初中,2
"""
TITLE = "col-0"


@pytest.fixture
def import_dir(app, tmp_path):
    app.config["IMPORT_DIR"] = str(tmp_path / "imports")  # this test's uploads only


def _log_in(page, username, home):
    page.goto("/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(home + "$"))


def _upload(page, name, data, mime):
    page.get_by_label(re.compile(r"\.xlsx")).set_input_files(
        files=[{"name": name, "mimeType": mime, "buffer": data}])
    page.locator("form.import-form button[type=submit]").click()


def _screenshot(page, name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / name, full_page=True)


def _switch_to_english(page):
    """The header's language link; it brings the user back to the page they were on."""
    url = page.url
    page.locator(".langswitch").get_by_role("link", name="English").click()
    expect(page).to_have_url(url)
    expect(page.locator("html")).to_have_attribute("lang", "en")


def _mapping_row(mapping, header):
    """The mapping table's row for the file column headed `header`."""
    return mapping.locator("tbody tr").filter(
        has=mapping.page.get_by_text(header, exact=True))


def _stat(page, words):
    return page.locator("ul.stats li").filter(has_text=words)


def test_bureau_rescues_an_unrecognised_column_and_the_mapping_is_remembered(
        page, page_watch, make, import_dir):
    # a mapping that still lacks a required column is answered 422 (the page is shown)
    page_watch.allow_console_error(r"status of 422 .*/bureau/import/[^/]+/mapping")
    make.user(Role.BUREAU, username="clerk")
    db.session.commit()
    _log_in(page, "clerk", "/bureau")
    page.locator("nav.mainnav").get_by_role("link", name="导入就业意向调查").click()
    expect(page).to_have_url(re.compile(r"/bureau/import/$"))

    _upload(page, "三月调查.xlsx", survey_file(
        ("QP0001", "张三", {}),
        ("QP0002", "李四", {"categories_1": "保安员"}),
        ("QP0003", "王五", {"expected_release_date": "明年吧"}),  # not a date: rejected
    ), XLSX)

    # the upload goes on to the mapping step, not back to the form with an error
    expect(page).to_have_url(re.compile(rf"/bureau/import/{TOKEN_URL}$"))
    preview_url = page.url
    # in Chinese, the structure: the alert, the open mapping, the suggestion, no confirm
    expect(page.get_by_role("heading", level=1)).to_have_text("核对导入内容")
    alert = page.locator("p.flash-error[role=alert]")
    expect(alert).to_be_visible()
    expect(alert).not_to_be_empty()
    mapping = page.locator("details.import-mapping")
    expect(mapping).to_have_attribute("open", "")
    expect(mapping.locator("tbody tr")).to_have_count(len(SURVEY_HEADERS))
    expect(mapping.locator(f"select#{RELEASE}")).to_have_value("expected_release_date")
    expect(mapping.locator(f"select#{FIRST_CHOICE}")).to_have_value("")
    expect(mapping.locator("tr.suggested")).to_have_count(1)
    expect(mapping.locator("tr.suggested .badge")).to_be_visible()
    expect(page.locator("ul.stats")).to_have_count(0)  # nothing was checked yet
    expect(page.locator("form[action$='/confirm']")).to_have_count(0)
    _screenshot(page, "import_mapping_step_zh.png")

    _switch_to_english(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Check the import")
    alert = page.locator("p.flash-error[role=alert]")
    expect(alert).to_have_text(
        "Qibu did not recognise which column of the file holds First choice, Expected "
        "release date. Choose it below (the column that looks closest is already chosen), "
        "then check the file again.")
    mapping = page.locator("details.import-mapping")
    expect(mapping).to_have_attribute("open", "")
    expect(mapping.locator("summary")).to_have_text(
        "Columns: which column of the file is read as what")
    expect(mapping.locator("thead th")).to_have_text(["Column in the file", "Read as"])
    # each of the file's columns, with what it is read as; 调查日期 was recognised
    expect(mapping.locator("tbody td label")).to_have_text(list(SURVEY_HEADERS.values()))
    expect(mapping.get_by_label("调查日期")).to_have_value("surveyed_on")
    # 出所: the closest header, chosen and marked for checking
    release = _mapping_row(mapping, "出所")
    expect(release).to_have_class("suggested")
    expect(mapping.get_by_label("出所")).to_have_value("expected_release_date")
    expect(mapping.get_by_label("出所").locator("option:checked")).to_have_text(
        "Expected release date *")
    expect(release.locator(".badge")).to_have_text("suggested: check it")
    # ABC: nothing like it, so not chosen and not marked
    abc = _mapping_row(mapping, "ABC")
    expect(abc).not_to_have_class("suggested")
    expect(abc.locator(".badge")).to_have_count(0)
    expect(mapping.get_by_label("ABC").locator("option:checked")).to_have_text(
        "— not used —")
    check_again = mapping.get_by_role("button", name="Check the file again with these columns")
    expect(check_again).to_have_class("primary")
    expect(page.get_by_role("button", name=re.compile(r"^Import \d+ surveys"))).to_have_count(0)
    _screenshot(page, "import_mapping_step.png")
    # and as the user first sees it, in a 1280×800 window
    page.screenshot(path=SCREENSHOTS / "import_mapping_step_viewport.png")

    # checking again without choosing ABC: still asked, for the first choice only
    check_again.click()
    expect(page.locator("p.flash-error[role=alert]")).to_contain_text(
        "which column of the file holds First choice.")
    expect(page.locator("details.import-mapping").get_by_label("出所")).to_have_value(
        "expected_release_date")  # what the user had chosen is kept

    # ABC holds the first choice
    mapping = page.locator("details.import-mapping")
    mapping.get_by_label("ABC").select_option(label="First choice *")
    mapping.get_by_role("button", name="Check the file again with these columns").click()

    expect(page).to_have_url(preview_url)
    expect(page.locator(".flash-info")).to_have_text(
        "The file was checked again with the columns as you set them.")
    expect(page.locator("p.flash-error[role=alert]")).to_have_count(0)
    expect(_stat(page, "rows read")).to_have_text("3 rows read")
    expect(_stat(page, "surveys to create")).to_have_text(
        "2 surveys to create (2 new job seekers)")
    expect(_stat(page, "rows rejected")).to_have_text("1 rows rejected")
    expect(page.get_by_role("heading", name="Rejected rows")).to_be_visible()
    rejected = page.locator("table.import-problems tbody tr")
    expect(rejected).to_have_count(1)
    expect(rejected.locator("td").nth(0)).to_have_text("4")
    expect(rejected.locator("td").nth(1)).to_have_text("出所")
    expect(rejected.locator("td").nth(2)).to_have_text("明年吧")
    expect(page.get_by_role("heading", name="Surveys to create")).to_be_visible()
    to_create = page.locator("h2:text-is('Surveys to create') + table tbody tr")
    expect(to_create).to_have_count(2)
    expect(to_create.filter(has_text="QP0002")).to_contain_text("Security guard")
    expect(page.locator(f"select#{FIRST_CHOICE}")).to_have_value("categories_1")

    page.get_by_role("button", name="Import 2 surveys").click()
    expect(page).to_have_url(re.compile(r"/bureau/import/$"))
    expect(page.locator(".flash-success")).to_have_text(
        "Import saved: 2 surveys created, 0 updated, 0 unchanged; 1 rows rejected and not "
        "imported.")

    db.session.expire_all()
    assert _survey_codes() == ["QP0001", "QP0002"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ImportMapping)) == 1

    # next month's file, laid out the same, other people: read as the user set it
    _upload(page, "四月调查.xlsx", survey_file(("QP0004", "赵六", {})), XLSX)
    expect(page).to_have_url(re.compile(rf"/bureau/import/{TOKEN_URL}$"))
    expect(page).not_to_have_url(preview_url)
    expect(page.locator(".flash-notice")).to_have_text(
        "The columns were read as you set them for your last file laid out like this one.")
    expect(page.locator("[role=alert]")).to_have_count(0)
    expect(page.locator("details.import-mapping")).not_to_have_attribute("open", "")
    expect(page.locator(f"select#{FIRST_CHOICE}")).to_have_value("categories_1")
    expect(page.locator(f"select#{RELEASE}")).to_have_value("expected_release_date")
    expect(_stat(page, "rows read")).to_have_text("1 rows read")
    expect(_stat(page, "rows rejected")).to_have_text("0 rows rejected")
    _screenshot(page, "import_mapping_remembered.png")
    page.get_by_role("button", name="Import 1 surveys").click()
    expect(page.locator(".flash-success")).to_contain_text("Import saved: 1 surveys created")

    db.session.expire_all()
    assert _survey_codes() == ["QP0001", "QP0002", "QP0004"]
    survey = db.session.scalar(
        sa.select(Survey).join(Seeker).where(Seeker.facility_ref == "QP0004"))
    assert survey.answers["categories"][0] == "logistics"  # read from ABC


def test_employment_rescues_an_unknown_job_title_header(page, make, import_dir):
    category_classifier()  # fitted once, as a running server has it cached
    make.user(Role.EMPLOYMENT, username="clerk")
    db.session.commit()
    _log_in(page, "clerk", "/employment")
    page.locator("nav.mainnav").get_by_role("link", name="导入岗位").click()
    expect(page).to_have_url(re.compile(r"/employment/import/$"))

    _upload(page, "岗位清单.csv", POSTINGS_CSV.encode("utf-8"), "text/csv")

    expect(page).to_have_url(re.compile(rf"/employment/import/{TOKEN_URL}$"))
    preview_url = page.url
    expect(page.locator("p.flash-error[role=alert]")).to_be_visible()
    mapping = page.locator("details.import-mapping")
    expect(mapping).to_have_attribute("open", "")
    expect(mapping.get_by_label("单位名称")).to_have_value("employer")
    expect(page.locator("form[action$='/confirm']")).to_have_count(0)
    _screenshot(page, "import_mapping_step_openings_zh.png")

    _switch_to_english(page)
    expect(page.locator("p.flash-error[role=alert]")).to_have_text(re.compile(
        r"^Qibu did not recognise which column of the file holds Job title\. "))
    mapping = page.locator("details.import-mapping")
    expect(mapping.locator("tbody td label")).to_have_text(
        ["岗位名字xyz", "单位名称", "工作地点", "薪资", "学历要求", "招聘人数"])
    title = mapping.get_by_label("岗位名字xyz")
    expect(title).to_have_attribute("name", TITLE)
    # 岗位名字xyz holds 岗位名, one of the job title's names: it is the suggestion
    expect(title).to_have_value("title")
    expect(_mapping_row(mapping, "岗位名字xyz")).to_have_class("suggested")
    expect(_mapping_row(mapping, "岗位名字xyz").locator(".badge")).to_have_text(
        "suggested: check it")
    expect(mapping.locator(".badge")).to_have_count(1)
    _screenshot(page, "import_mapping_step_openings.png")

    # the user checks the suggestion (岗位名字xyz is the job title) and the file again
    title.select_option(label="Job title *")
    mapping.get_by_role("button", name="Check the file again with these columns").click()

    expect(page).to_have_url(preview_url)
    expect(page.locator("p.flash-error[role=alert]")).to_have_count(0)
    expect(_stat(page, "rows read")).to_have_text("3 rows read")
    expect(_stat(page, "openings to create")).to_contain_text("2 openings to create")
    expect(_stat(page, "rows rejected")).to_have_text("1 rows rejected")
    expect(page.locator("table.import-problems tbody tr")).to_have_count(1)
    expect(page.locator(f"select#{TITLE}")).to_have_value("title")

    page.get_by_role("button", name="Import 2 openings").click()
    expect(page).to_have_url(re.compile(r"/employment/import/$"))
    expect(page.locator(".flash-success")).to_have_text(
        "Import saved: 2 openings created, 0 updated, 0 unchanged; 1 rows rejected and not "
        "imported.")
    db.session.expire_all()
    assert db.session.scalars(sa.select(Opening.title).order_by(Opening.title)).all() == [
        "仓库管理员", "保安员"]

    # the same layout again: straight to the preview, read as set
    again = POSTINGS_CSV.replace("叉车司机,北京京通物流有限公司,北京-朝阳区",
                                 "叉车司机,上海申浦物流有限公司,上海-宝山区")
    _upload(page, "岗位清单（二）.csv", again.encode("utf-8"), "text/csv")
    expect(page).to_have_url(re.compile(rf"/employment/import/{TOKEN_URL}$"))
    expect(page.locator(".flash-notice")).to_have_text(
        "The columns were read as you set them for your last file laid out like this one.")
    expect(page.locator("[role=alert]")).to_have_count(0)
    expect(page.locator(f"select#{TITLE}")).to_have_value("title")
    expect(_stat(page, "rows rejected")).to_have_text("0 rows rejected")
    expect(page.get_by_role("button", name="Import 1 openings")).to_be_visible()


def _survey_codes():
    """The facility references (the file's numbers) of the people with a survey."""
    return db.session.scalars(sa.select(Seeker.facility_ref).join(Survey)
                              .order_by(Seeker.facility_ref)).all()
