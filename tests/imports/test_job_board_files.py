"""Real files import with no --column option: job boards' public data sets and the survey
headers bureaus write by hand.

The job-board files in tests/imports/data are extracts of public data sets (where they
come from and what was kept: tests/imports/data/SOURCES.md); their headers are exactly
as the sources wrote them. Of the Shanghai rows, the pay and the district must be
understood in at least 98 % (issue 14, "Done when").
"""

import csv
import io
import json
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook

from app.clock import local_today
from app.imports import openings, surveys
from app.imports.engine import ImportScope, import_file
from models import db

DATA = Path(__file__).parent / "data"
SHARE = 0.98


@dataclass(frozen=True)
class BoardFile:
    name: str
    # the file's header Qibu must read as each column key
    expected: dict
    # which rows of the file are in Shanghai, and which of those name a district
    in_shanghai: callable
    names_district: callable

    def frame(self) -> pd.DataFrame:
        path = DATA / self.name
        if path.suffix == ".xlsx":
            return pd.read_excel(path, dtype=str, keep_default_na=False)
        return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")


pytestmark = pytest.mark.usefixtures("import_dir")


def _boss_place(row) -> list[str]:
    return row["职位地址"].split("·")


BOARD_FILES = [
    # lagou.com's position JSON as a data set: positionName, companyFullName, salary
    # "15k-30k", city, district ("浦东新区"), businessZones …
    pytest.param(BoardFile(
        "lagou_sample.csv",
        {"title": "positionName", "employer": "companyFullName", "salary": "salary",
         "district": "district"},
        in_shanghai=lambda row: row["city"] == "上海",
        names_district=lambda row: bool(row["district"].strip()),
    ), id="lagou"),
    # BOSS直聘's job list as scraped from the web page: 职位名称, 职位地址 "上海·浦东新区·张江",
    # 薪资 "12-20K·13薪" or "150-300元/天", 公司名称 …
    pytest.param(BoardFile(
        "boss_web_sample.csv",
        {"title": "职位名称", "employer": "公司名称", "salary": "薪资", "place": "职位地址"},
        in_shanghai=lambda row: _boss_place(row)[0] == "上海",
        names_district=lambda row: len(_boss_place(row)) > 1,
    ), id="boss-web"),
    # BOSS直聘's joblist.json field names as a crawler saved them (XLSX): jobName,
    # cityName, companyName, salaryDesc, jobExperience, jobDegree; no district column
    pytest.param(BoardFile(
        "boss_api_sample.xlsx",
        {"title": "jobName", "employer": "companyName", "salary": "salaryDesc",
         "city": "cityName", "experience": "jobExperience", "education": "jobDegree"},
        in_shanghai=lambda row: row["cityName"] == "上海",
        names_district=lambda row: False,
    ), id="boss-api"),
]


def cli_json(runner, *args):
    result = runner.invoke(args=[*args, "--dry-run", "--json"])
    assert result.exit_code in (0, 1), result.output[-3000:]
    return json.loads(result.output), result.exit_code


def read_as(result, headers: list[str]) -> dict[str, str]:
    """{column key: the header (as `headers`, the file's header row, writes it) of the
    column read as it} of an import result."""
    return {key: headers[int(c)] for c, key in result.mapping.items() if key}


def _share(count: int, total: int) -> float:
    return count / total if total else 1.0


@pytest.mark.parametrize("board", BOARD_FILES)
def test_job_board_file_imports_without_column_options(runner, app, board):
    path = DATA / board.name
    frame = board.frame()
    shanghai = [row for _, row in frame.iterrows() if board.in_shanghai(row)]
    with_district = sum(1 for row in shanghai if board.names_district(row))

    result = import_file(path, openings.OPENING_IMPORT, ImportScope(None, None, path.name),
                         max_rows=app.config["IMPORT_MAX_ROWS"], dry_run=True)
    db.session.rollback()
    mapping = read_as(result, list(frame.columns))
    assert {key: mapping.get(key) for key in board.expected} == board.expected, (
        f"headers read as {mapping}; not used: {result.ignored}")

    report, code = cli_json(runner, "import-openings", str(path))
    parsed = report["parsed"]
    shares = {
        "shanghai_rows": parsed["shanghai_rows"],
        "salary": _share(parsed["salary"], parsed["shanghai_rows"]),
        # of the Shanghai rows whose place names a district
        "district_named": _share(parsed["district_named"], with_district),
    }
    print(f"\n{board.name}: {shares} parsed={parsed}")
    assert parsed["shanghai_rows"] == len(shanghai), shares
    assert shares["salary"] >= SHARE, shares
    assert shares["district_named"] >= SHARE, shares
    # rows outside Shanghai are rejected and listed, each with its row number; a copy of
    # the header row among the data (exports joined one after another) is skipped
    repeated_headers = sum(1 for _, row in frame.iterrows()
                           if [str(v) for v in row] == [str(c) for c in frame.columns])
    outside = len(frame) - len(shanghai) - repeated_headers
    assert parsed["outside_shanghai"] == outside
    assert code == (1 if report["rejected"] else 0)
    assert report["rejected"] >= outside
    # a Shanghai row is rejected only when it repeats another (same employer, title and
    # district: these data sets carry no posting reference), never for a value unread
    rows_in_shanghai = {index + 2 for index, row in frame.iterrows() if board.in_shanghai(row)}
    why = Counter(problem.key for problem in result.problems
                  if problem.row in rows_in_shanghai)
    print(f"Shanghai rows rejected: {dict(why)}")
    assert set(why) <= {"import.duplicate_row"}, [
        (p.row, p.header, p.value, p.key) for p in result.problems
        if p.row in rows_in_shanghai and p.key != "import.duplicate_row"][:10]


# --- the survey headers bureaus write by hand ----------------------------------------------

SURVEYED = (local_today() - timedelta(days=10)).isoformat()
RELEASE = (local_today() + timedelta(days=90)).isoformat()
BUREAU_HEADERS = {
    "编号": "facility_ref", "姓名": "name", "调查日期": "surveyed_on",
    "意向岗位（第一）": "categories_1", "意向岗位（第二）": "categories_2",
    "意向岗位（第三）": "categories_3", "最低工资要求": "salary_min", "期望工资": "salary_hoped",
    "出所时间": "expected_release_date", "户籍所在区": "home_district",
}


@pytest.fixture
def facility(make):
    facility = make.facility(code="SH-QP")
    db.session.commit()
    return facility


def bureau_workbook(tmp_path) -> Path:
    book = Workbook()
    sheet = book.active
    sheet.append(list(BUREAU_HEADERS))
    sheet.append(["QP0001", "张三", SURVEYED, "物流仓储操作员", "保安员", "保洁员", "5000", "6500",
                  RELEASE, "浦东新区"])
    sheet.append(["QP0002", "李四", SURVEYED, "保洁员", None, None, 4500, 5500, RELEASE, "闵行区"])
    path = tmp_path / "摸底调查.xlsx"
    book.save(path)
    return path


def test_bureau_survey_headers_are_read_without_column_options(runner, app, facility,
                                                               tmp_path):
    path = bureau_workbook(tmp_path)
    report, code = cli_json(runner, "import-surveys", str(path), "--facility", "SH-QP")
    assert (code, report["rows"], report["created"], report["rejected"]) == (0, 2, 2, 0), \
        report

    result = import_file(path, surveys.SURVEY_IMPORT, ImportScope(facility.id, None,
                                                                  path.name),
                         max_rows=app.config["IMPORT_MAX_ROWS"], dry_run=True)
    db.session.rollback()
    assert read_as(result, list(BUREAU_HEADERS)) == {
        key: header for header, key in BUREAU_HEADERS.items()}, \
        f"not used: {result.ignored}"
    first, second = (row.record["answers"] for row in result.planned)
    assert first["categories"] == ["logistics", "security", "cleaning"]
    assert (first["salary_min"], first["salary_hoped"]) == (5000, 6500)
    assert first["expected_release_date"] == RELEASE
    assert first["home_district"] == "310115"
    assert second["categories"] == ["cleaning"]
    assert (second["salary_min"], second["salary_hoped"]) == (4500, 5500)
    assert second["home_district"] == "310112"


def test_bureau_survey_headers_in_a_csv(runner, facility, tmp_path):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(BUREAU_HEADERS)
    writer.writerow(["QP0003", "王五", SURVEYED, "保安员", "", "", "5000-6000", "", RELEASE,
                     "浦东"])
    path = tmp_path / "surveys.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    report, code = cli_json(runner, "import-surveys", str(path), "--facility", "SH-QP")
    assert (code, report["created"], report["rejected"]) == (0, 1, 0), report
