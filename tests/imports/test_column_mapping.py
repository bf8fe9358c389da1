"""Headers people really write: recognised out of the box, rescued by the mapping step
when not, remembered per user and layout; what a file holds beside its rows is said."""

import io
import json
import re

import sqlalchemy as sa
from openpyxl import Workbook

from models import ImportMapping, Role, Seeker, Survey, db
from tests.imports.test_survey_import import KEYS, RELEASE, SURVEYED, ZH, row, upload

# A bureau's own sheet: its headers, none of them the template's.
BUREAU_HEADERS = {
    "facility_ref": "编号", "name": "姓名", "surveyed_on": "调查日期",
    "categories_1": "意向岗位（第一）", "categories_2": "意向岗位（第二）",
    "categories_3": "意向岗位（第三）", "salary_min": "最低工资要求", "salary_hoped": "期望工资",
    "expected_release_date": "出所时间", "home_district": "户籍所在区",
}


def sheet_bytes(headers: list[str], rows: list[list], *, sheets=None) -> bytes:
    book = Workbook()
    book.active.title = "调查"
    for sheet, (head, body) in [(book.active, (headers, rows)),
                                *((book.create_sheet(name), content)
                                  for name, content in (sheets or {}).items())]:
        sheet.append(head)
        for values in body:
            sheet.append(values)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def bureau_file(headers=BUREAU_HEADERS, people=(("QP0001", "张三"), ("QP0002", "李四"))):
    keys = list(headers)
    return sheet_bytes([headers[k] for k in keys],
                       [[row(code, name, categories_2="保安员").get(k) for k in keys]
                        for code, name in people])


def preview_page(client, response):
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return response.headers["Location"], client.get(response.headers["Location"]).get_data(
        as_text=True)


def selected(page: str) -> dict[str, str]:
    """{file header: chosen column key} of the page's mapping form."""
    chosen = {}
    for label, options in re.findall(
            r'<label for="col-\d+">(.*?)</label></td>\s*<td><select[^>]*>(.*?)</select>',
            page, re.S):
        value = re.search(r'<option value="([^"]*)" selected>', options)
        chosen[label] = value[1] if value else ""
    return chosen


def mapping_form(page: str, **overrides: str) -> dict:
    """The mapping form as the page shows it, with some columns changed by header."""
    form = {}
    for index, label in re.findall(r'<label for="col-(\d+)">(.*?)</label>', page):
        form[f"col-{index}"] = overrides.get(label, selected(page)[label])
    return form


def test_a_bureaus_own_headers_are_recognised_without_any_mapping(client, clerk):
    location, page = preview_page(client, upload(client, bureau_file()))
    assert "2</strong> rows read" in page
    assert "Qibu did not recognise" not in page and "No column was found" not in page
    chosen = selected(page)
    assert chosen["意向岗位(第一)"] == "categories_1"  # shown as read: half-width brackets
    assert chosen["意向岗位(第二)"] == "categories_2"
    assert chosen["最低工资要求"] == "salary_min"
    assert chosen["出所时间"] == "expected_release_date"
    assert chosen["户籍所在区"] == "home_district"
    client.post(location + "/confirm")
    survey = db.session.scalar(
        sa.select(Survey).join(Seeker).where(Seeker.facility_ref == "QP0001"))
    assert survey.answers["salary_min"] == 5000
    assert survey.answers["categories"][:2] == ["logistics", "security"]


def test_a_missing_required_column_opens_the_mapping_with_the_closest_header_chosen(
        client, clerk):
    headers = {**BUREAU_HEADERS, "categories_1": "想做的工作", "expected_release_date": "出所"}
    headers.pop("categories_2")
    headers.pop("categories_3")
    location, page = preview_page(client, upload(client, bureau_file(headers)))
    assert "Qibu did not recognise which column of the file holds First choice, " \
           "Expected release date" in page
    assert "rows read" not in page and "/confirm" not in page  # nothing checked yet
    chosen = selected(page)
    assert chosen["想做的工作"] == "categories_1"  # the closest header, suggested
    assert chosen["出所"] == "expected_release_date"
    assert page.count("suggested: check it") == 2
    assert count(Survey) == 0

    response = client.post(location + "/mapping", data=mapping_form(page))
    _, page = preview_page(client, response)
    assert "2</strong> rows read" in page and "0</strong> rows rejected" in page
    client.post(location + "/confirm")
    assert count(Survey) == 2


def test_a_mapping_that_still_lacks_a_column_says_so_again(client, clerk):
    headers = {**BUREAU_HEADERS, "categories_1": "ABC"}
    location, page = preview_page(client, upload(client, bureau_file(headers)))
    assert selected(page)["ABC"] == ""  # nothing looks like it: no suggestion
    response = client.post(location + "/mapping", data=mapping_form(page))
    assert response.status_code == 422
    assert "holds First choice" in response.get_data(as_text=True)
    response = client.post(location + "/mapping", data=mapping_form(page, ABC="categories_1"))
    _, page = preview_page(client, response)
    assert "2</strong> rows read" in page


def test_a_confirmed_mapping_is_remembered_for_that_user_and_layout(client, clerk, make, auth):
    headers = {**BUREAU_HEADERS, "categories_1": "打算做什么", "salary_min": "工钱底线"}
    location, page = preview_page(client, upload(client, bureau_file(headers)))
    response = client.post(location + "/mapping", data=mapping_form(
        page, 打算做什么="categories_1", 工钱底线="salary_min"))
    preview_page(client, response)
    client.post(location + "/confirm")
    assert count(ImportMapping) == 1

    # next month's file, same layout, other people: read as set last time
    next_file = bureau_file(headers, people=(("QP0003", "王五"),))
    location, page = preview_page(client, upload(client, next_file))
    assert "as you set them for your last file laid out like this one" in page
    assert "1</strong> rows read" in page
    assert selected(page)["工钱底线"] == "salary_min"
    client.post(location + "/confirm")
    survey = db.session.scalar(
        sa.select(Survey).join(Seeker).where(Seeker.facility_ref == "QP0003"))
    assert survey.answers["salary_min"] == 5000

    # another clerk of the same facility is asked, not given someone else's choice
    make.user(Role.BUREAU, username="clerk2", facility_id=clerk.facility_id)
    db.session.commit()
    auth.logout()
    auth.login("clerk2")
    client.get("/lang/en")
    _, page = preview_page(client, upload(client, next_file))
    assert "Qibu did not recognise which column" in page


def test_an_important_column_left_out_is_a_warning_not_a_silent_blank(client, clerk):
    headers = {k: v for k, v in BUREAU_HEADERS.items() if k != "salary_min"}
    headers["salary_min"] = "工资底线说明"  # not a header Qibu knows
    _, page = preview_page(client, upload(client, bureau_file(headers)))
    assert "No column was found for 最低月工资" in page
    assert "2</strong> rows read" in page


def test_other_sheets_with_a_table_are_named(client, clerk, runner, make, tmp_path):
    keys = list(BUREAU_HEADERS)
    head = [BUREAU_HEADERS[k] for k in keys]
    body = [[row("QP0009", "赵六").get(k) for k in keys]]
    data = sheet_bytes(head, [[row().get(k) for k in keys]],
                       sheets={"二月": (head, body), "说明": (["本表说明"], [["请填写"]])})
    _, page = preview_page(client, upload(client, data))
    assert "Only the sheet “调查” was read; the sheets “二月” hold a table too" in page

    path = tmp_path / "two-sheets.xlsx"
    path.write_bytes(data)
    result = runner.invoke(args=["import-surveys", str(path), "--facility",
                                 clerk.facility.code, "--dry-run"])
    assert "Note: Only the sheet “调查” was read; the sheets “二月”" in result.output


def test_the_command_line_names_the_files_headers_and_the_option_that_fixes_it(
        runner, clerk, tmp_path):
    headers = {**BUREAU_HEADERS, "categories_1": "想做的工作"}
    path = tmp_path / "bureau.xlsx"
    path.write_bytes(bureau_file(headers))
    result = runner.invoke(args=["import-surveys", str(path), "--facility",
                                 clerk.facility.code, "--dry-run"])
    assert result.exit_code == 2
    assert "The file has no column Qibu recognises as 第一志愿 (First choice)" in result.output
    assert "Its columns are: 编号、姓名、调查日期、想做的工作" in result.output
    assert "--column '想做的工作=categories_1'" in result.output
    fixed = runner.invoke(args=["import-surveys", str(path), "--facility", clerk.facility.code,
                                "--dry-run", "--json", "--column", "想做的工作=categories_1"])
    assert json.loads(fixed.output)["rejected"] == 0


def test_control_characters_are_removed_and_noted(client, clerk):
    keys = list(BUREAU_HEADERS) + ["skills_text"]
    headers = [BUREAU_HEADERS.get(k, ZH.get(k)) for k in keys]
    values = row("QP0001", "张\x07三", skills_text="会开\x1b[31m叉车\u202e\x00")
    lines = [headers, [values.get(k) or "" for k in keys],
             [row("QP0002", "李四").get(k) or "" for k in keys]]
    data = "\n".join(",".join(cells) for cells in lines).encode("utf-8")
    location, page = preview_page(client, upload(client, data, "调查.csv"))
    assert "Invisible control characters were removed from 1 rows (rows 2)" in page
    client.post(location + "/confirm")
    seeker = db.session.scalar(sa.select(Seeker).where(Seeker.facility_ref == "QP0001"))
    assert seeker.name == "张三"
    survey = db.session.scalar(sa.select(Survey).where(Survey.seeker_id == seeker.id))
    assert survey.skills_text == "会开[31m叉车"


def test_messages_quote_at_most_80_characters_of_a_value(client, clerk, runner, tmp_path):
    keys = list(KEYS)
    long = "很" * 10_000
    data = sheet_bytes([ZH[k] for k in keys],
                       [[row(f"QP000{n}", f"人{n}", home_district=long,
                             expected_release_date=RELEASE, surveyed_on=SURVEYED).get(k)
                         for k in keys] for n in range(10)])
    path = tmp_path / "long.xlsx"
    path.write_bytes(data)
    result = runner.invoke(args=["import-surveys", str(path), "--facility",
                                 clerk.facility.code, "--dry-run", "--json"])
    report = json.loads(result.output)
    assert report["rejected"] == 10
    assert len(result.output) < 20_000
    for error in report["errors"]:
        assert len(error["value"]) <= 80 and error["value"].endswith("…")
        assert "很" * 81 not in error["message"]


def count(model):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))
