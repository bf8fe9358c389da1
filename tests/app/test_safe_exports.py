"""Safe outputs and clean input: no spreadsheet Qibu writes runs a formula, whatever the data,
and no typed text is stored with control characters.

Every export is found in the URL map (rules ending in .csv or .xlsx): one without a case in
`EXPORTS` fails `test_every_export_has_a_case`. Each case puts hostile text into what its
file shows (a category name, a facility's or fair's name, a rejected row's cells and
headers) and the download is checked cell by cell.
"""

import csv
import io
import re
from datetime import timedelta

import openpyxl
import pandas as pd
import pytest
import sqlalchemy as sa

from app.clock import local_today
from app.fairs.placements import place_seeker
from app.reports.periods import ReleasePeriod
from app.spreadsheets import (
    reads_as_formula,
    safe_cell,
    sheet_name,
    tables_to_csv,
    tables_to_xlsx,
)
from app.typed_text import CleanedValues
from models import (
    Employer,
    Fair,
    JobCategory,
    Opening,
    PlacementChannel,
    Role,
    SeekerStatus,
    db,
)

HOSTILE = ('=HYPERLINK("http://x","y")', "=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)",
           "\tx", "\rx")
CATEGORIES = ("sales", "phone_service", "workshop", "logistics", "delivery", "driver",
              "forklift")


def formula_cells(data: bytes) -> list[str]:
    """The cells of an XLSX workbook that a spreadsheet would run as formulas."""
    book = openpyxl.load_workbook(io.BytesIO(data))
    return [f"{sheet.title}!{cell.coordinate}" for sheet in book.worksheets
            for row in sheet.iter_rows() for cell in row if cell.data_type == "f"]


def text_cells(data: bytes) -> list:
    book = openpyxl.load_workbook(io.BytesIO(data))
    return [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row
            if isinstance(cell.value, str)]


def assert_safe_xlsx(data: bytes, shown=HOSTILE[:2]) -> None:
    """No formula cell; formula-like text is a string cell with the quote prefix; the
    hostile texts in `shown` are there as the user wrote them."""
    assert formula_cells(data) == []
    cells = text_cells(data)
    for cell in cells:
        if reads_as_formula(cell.value):
            assert cell.data_type == "s" and cell.quotePrefix, (cell.coordinate, cell.value)
    values = {cell.value for cell in cells}
    for text in shown:  # XML reads a carriage return as a newline
        text = text.replace("\r", "\n")
        assert text in values, (text, sorted(v for v in values if reads_as_formula(v)))


def assert_safe_csv(data: bytes, shown=HOSTILE[:2]) -> None:
    """Every cell that would read as a formula starts with the apostrophe, but for
    negative numbers, which stay numbers."""
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    cells = [cell for row in rows for cell in row]
    assert cells and not [c for c in cells if reads_as_formula(c)
                          and not re.fullmatch(r"-\d+(\.\d+)?", c)]
    for text in shown:
        assert "'" + text in cells


# --------------------------------------------------------------------------- the rule


def test_safe_cell_marks_formula_text_and_leaves_numbers_alone():
    for text in HOSTILE:
        assert safe_cell(text) == "'" + text
    for value in (-3, -2.5, 0, 7, "ok", "a=b", "", None, "<5", "x"):
        assert safe_cell(value) == value


def test_tables_to_xlsx_writes_formula_text_as_text_and_numbers_as_numbers():
    frame = pd.DataFrame({"label": [*HOSTILE, "ok"], "seekers": [-3, 7, 2.5, 0, -1, 5, 6, "<5"],
                          "=header": [None] * 8}, dtype=object)
    data = tables_to_xlsx({"t": frame})
    assert_safe_xlsx(data, shown=[*HOSTILE, "=header"])
    sheet = pd.read_excel(io.BytesIO(data), dtype=object)
    assert sheet["label"].tolist() == [*HOSTILE[:-1], "\nx", "ok"]  # read back unchanged
    assert sheet["seekers"].tolist() == [-3, 7, 2.5, 0, -1, 5, 6, "<5"]  # numbers stay numbers


def test_tables_to_xlsx_with_an_index_and_control_characters():
    frame = pd.DataFrame({"=fair": [1, -2]}, index=["=cmd|' /C calc'!A0", "bell\x07here"])
    book = openpyxl.load_workbook(io.BytesIO(tables_to_xlsx({"s": frame}, index=True)))
    rows = list(book["s"].iter_rows(values_only=True))
    assert rows == [(None, "=fair"), ("=cmd|' /C calc'!A0", 1), ("bellhere", -2)]
    assert formula_cells(tables_to_xlsx({"s": frame}, index=True)) == []


def test_tables_to_csv_quotes_formula_text_and_keeps_numbers():
    frame = pd.DataFrame({"label": list(HOSTILE), "seekers": [-3, 7, 2, 0, -1, 5, 6]},
                         dtype=object)
    data = tables_to_csv({"=t": frame})
    assert_safe_csv(data, shown=[*HOSTILE, "=t"])
    table = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype=str)
    assert table["seekers"].tolist() == ["-3", "7", "2", "0", "-1", "5", "6"]


def test_sheet_names_are_made_valid_and_unique():
    used: set[str] = set()
    names = [sheet_name(t, used) for t in ("A/B: [x]?", "a/b: [x]?", "y" * 40)]
    assert names == ["A B   x", "a b   x (2)", "y" * 31]


# --------------------------------------------------------------------------- every export


@pytest.fixture
def hostile_categories(app):
    """Seven job categories named with the hostile texts (reference data: put back after)."""
    rows = db.session.scalars(sa.select(JobCategory).where(
        JobCategory.code.in_(CATEGORIES))).all()
    kept = {row.code: (row.name_zh, row.name_en) for row in rows}
    for row in rows:
        row.name_zh = row.name_en = HOSTILE[CATEGORIES.index(row.code)]
    db.session.commit()
    yield
    db.session.rollback()
    for row in db.session.scalars(sa.select(JobCategory).where(
            JobCategory.code.in_(CATEGORIES))):
        row.name_zh, row.name_en = kept[row.code]
    db.session.commit()


def login(make, auth, client, role, **kwargs):
    make.user(role, username="exporter", **kwargs)
    db.session.commit()
    auth.login("exporter")
    client.get("/lang/en")


def _seekers(make, facility, n=6):
    release = local_today() + timedelta(days=40)
    for index in range(n):
        person = make.seeker(facility_id=facility.id, expected_release_date=release)
        make.survey(person, (CATEGORIES[index % len(CATEGORIES)], "security"),
                    salary_min=5000, salary_hoped=6000, home_district="310115",
                    districts=["310115"])


def summary_export(kind):
    def case(make, auth, client):
        facility = make.facility(code="FX", name_en=HOSTILE[0], name_zh=HOSTILE[0])
        _seekers(make, facility, n=14)
        login(make, auth, client, Role.EMPLOYMENT)
        period = ReleasePeriod.containing(local_today() + timedelta(days=40)).key
        return f"/reports/summary.{kind}?facility=FX&period={period}", HOSTILE[:2]
    return case


def gap_export(make, auth, client):
    _seekers(make, make.facility(), n=14)
    for code in CATEGORIES:
        make.opening(category_code=code, headcount=3)
    login(make, auth, client, Role.EMPLOYMENT)
    period = ReleasePeriod.containing(local_today() + timedelta(days=40)).key
    return f"/reports/gap.xlsx?period={period}", HOSTILE[:2]


def fair_report_export(make, auth, client):
    fair = make.fair(name_zh=HOSTILE[1], name_en=HOSTILE[1])
    employer = make.employer(name=HOSTILE[0])
    booth = make.booth(fair, employer)
    for code in CATEGORIES:
        make.offer(fair, booth, make.opening(employer_id=employer.id, category_code=code))
    login(make, auth, client, Role.ORGANIZER)
    return f"/fairs/report.xlsx?fair={fair.id}", HOSTILE[:2]


def outcomes_export(kind):
    def case(make, auth, client):
        facility = make.facility(code="FX", name_en=HOSTILE[0], name_zh=HOSTILE[0])
        period = ReleasePeriod.containing(local_today()).shifted(-1)
        for _ in range(6):
            person = make.seeker(facility_id=facility.id, expected_release_date=period.first,
                                 status=SeekerStatus.RELEASED)
            place_seeker(person.id, period.first + timedelta(days=9), 6000,
                         channel=PlacementChannel.SELF_FOUND, job_title=HOSTILE[1])
        login(make, auth, client, Role.EMPLOYMENT)
        # the facility's name is in the workbook's first sheet; the CSV holds no user's text
        shown = HOSTILE[:1] if kind == "xlsx" else ()
        return f"/reports/outcomes.{kind}?facility=FX&period={period.key}", shown
    return case


def _csv(header, rows) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode()


def _rejected(client, path, data):
    response = client.post(path, data={"file": (io.BytesIO(data), "hostile.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    preview = response.headers["Location"]
    assert "rejected" in client.get(preview).get_data(as_text=True)
    return preview + "/rejected.xlsx"


def survey_rejected_rows(make, auth, client):
    login(make, auth, client, Role.BUREAU)
    release = (local_today() + timedelta(days=90)).isoformat()
    header = ["求职者编号", "姓名", "调查日期", "第一志愿", "最低月工资", "期望月工资", "居住区",
              "预计出所日期", "@SUM(A1)"]
    rows = [["QP0001", HOSTILE[0], local_today().isoformat(), "物流仓储操作员", HOSTILE[1],
             "+1+1", "-2+3", release, "\tx"],
            ["QP0002", "\rx", local_today().isoformat(), "@SUM(A1)", "五千", "6000", "浦东",
             release, "=1+1"]]
    return _rejected(client, "/bureau/import/", _csv(header, rows)), [*HOSTILE[:2], "@SUM(A1)"]


def opening_rejected_rows(make, auth, client):
    login(make, auth, client, Role.EMPLOYMENT)
    header = ["job_name", "company_name", "providesalary_text", "workarea_text", "jobwelf",
              "=HYPERLINK(\"http://x\",\"header\")"]
    rows = [[HOSTILE[0], HOSTILE[1], "+1+1", "深圳", "-2+3", "@SUM(A1)"],
            ["\tx", "上海某公司", "6-8千/月", "\rx", "五险一金", "=1+1"]]
    return (_rejected(client, "/employment/import/", _csv(header, rows)),
            [*HOSTILE[:2], '=HYPERLINK("http://x","header")'])


def survey_template(make, auth, client):
    login(make, auth, client, Role.BUREAU)
    return "/bureau/import/template.xlsx", ()  # no user's text in it


def opening_template(make, auth, client):
    login(make, auth, client, Role.EMPLOYMENT)
    return "/employment/import/template.xlsx", ()


EXPORTS = {
    "reports.summary_xlsx": summary_export("xlsx"),
    "reports.summary_csv": summary_export("csv"),
    "reports.gap_xlsx": gap_export,
    "reports.outcomes_xlsx": outcomes_export("xlsx"),
    "reports.outcomes_csv": outcomes_export("csv"),
    "after.fair_report_xlsx": fair_report_export,
    "bureau_import.rejected": survey_rejected_rows,
    "employment_import.rejected": opening_rejected_rows,
    "bureau_import.template": survey_template,
    "employment_import.template": opening_template,
}


@pytest.fixture(autouse=True)
def import_dir(app, tmp_path):
    app.config["IMPORT_DIR"] = str(tmp_path / "imports")


def test_every_export_has_a_case(app):
    exports = {rule.endpoint for rule in app.url_map.iter_rules()
               if rule.rule.endswith((".csv", ".xlsx"))}
    assert exports == set(EXPORTS)


@pytest.mark.parametrize("endpoint", sorted(EXPORTS))
def test_no_export_runs_a_formula(endpoint, hostile_categories, make, auth, client):
    url, shown = EXPORTS[endpoint](make, auth, client)
    response = client.get(url)
    assert response.status_code == 200, (url, response.headers.get("Location"))
    if url.split("?")[0].endswith(".csv"):
        assert_safe_csv(response.data, shown)
    else:
        assert_safe_xlsx(response.data, shown)


# --------------------------------------------------------------------------- typed text


def test_typed_text_is_stored_without_control_characters(make, auth, client):
    """Characters a paste can bring (C1 controls, bidirectional overrides) are cleaned;
    those no keyboard types (NUL, ESC, ...) refuse the form (tests/app/test_safe_redirects.py)."""
    login(make, auth, client, Role.EMPLOYMENT)
    response = client.post("/employment/employers/new", data={
        "name": "上海\x85好运\u202e物流\x9b有限公司", "uscc": "", "industry": "物流\x9b[31m",
        "district": "310115", "address": "", "contact_person": "陈\u2066经理",
        "contact_phone": "", "notes": "第一行\r\n第二行\t缩进\u202d"})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    employer = db.session.scalar(sa.select(Employer))
    assert employer.name == "上海好运物流有限公司"
    assert (employer.industry, employer.contact_person) == ("物流[31m", "陈经理")
    assert employer.notes == "第一行\n第二行\t缩进"
    response = client.post(f"/employment/employers/{employer.id}/openings/new", data={
        "title": "叉车\x85司机", "category_code": "forklift", "pay_min": "6500",
        "pay_max": "8500", "district": "310115", "shift": "day", "education_min": "2",
        "experience_min": "1", "headcount": "3", "description": "仓库\u202e叉车作业\x9f"})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    opening = db.session.scalar(sa.select(Opening))
    assert (opening.title, opening.description) == ("叉车司机", "仓库叉车作业")


def test_form_and_query_values_are_cleaned_and_files_left_alone(app):
    with app.test_request_context(
            "/?q=a\x00b", method="POST", content_type="multipart/form-data",
            data={"note": ["x\x07y", "\u202eok"], "file": (io.BytesIO(b"\x00raw"), "f.csv")}):
        from flask import request

        assert request.args["q"] == "ab"
        assert request.form.getlist("note") == ["xy", "ok"]
        assert request.files["file"].read() == b"\x00raw"
    assert CleanedValues() == {} and CleanedValues({"a": "\x1bb"})["a"] == "b"


def test_a_fair_is_stored_without_control_characters(make, auth, client):
    """A second form: the code passes its pattern once the C1 control is gone."""
    login(make, auth, client, Role.ORGANIZER)
    facility = make.facility()
    db.session.commit()
    response = client.post("/fairs/new", data={
        "code": "SH\x85-QP1", "name_zh": "春季\u202e招聘会", "name_en": "Spring\x9c fair",
        "facility_id": str(facility.id),
        "held_on": (local_today() + timedelta(days=9)).isoformat(), "venue": "大厅\u2069"})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    fair = db.session.scalar(sa.select(Fair))
    assert (fair.code, fair.name_zh, fair.name_en, fair.venue) == (
        "SH-QP1", "春季招聘会", "Spring fair", "大厅")
