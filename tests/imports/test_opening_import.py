"""Spreadsheet import of job postings: parsing, employers, idempotence, mapping, CLI, pages."""

import csv
import io
import json
from datetime import date

import pytest
import sqlalchemy as sa
from openpyxl import Workbook, load_workbook

from app.clock import local_today
from app.imports.openings import OPENING_COLUMNS
from models import AuditEvent, Employer, Opening, OpeningStatus, Role, Shift, db
from surveys.values import uscc_check_character

FIFTY_ONE = ["job_name", "company_name", "companytype_text", "providesalary_text",
             "workarea_text", "jobwelf", "updatedate", "attribute_text"]
ZH = {c.key: c.header["zh"] for c in OPENING_COLUMNS}


pytestmark = pytest.mark.usefixtures("import_dir")


def uscc(body="91310115MA1H7GQX1"):
    return body + uscc_check_character(body)


def csv_bytes(header, rows, encoding="utf-8") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def fifty_one(*rows) -> bytes:
    """A file in 51job's layout; each row a dict of the columns that differ."""
    base = {"job_name": "仓库管理员", "company_name": "上海起步物流有限公司",
            "companytype_text": "民营公司", "providesalary_text": "6-8千/月",
            "workarea_text": "上海-浦东新区", "jobwelf": "五险一金 包吃包住", "updatedate": "10-14",
            "attribute_text": "['上海-浦东新区', '1年经验', '初中', '招5人']"}
    return csv_bytes(FIFTY_ONE, [[{**base, **r}.get(k, "") for k in FIFTY_ONE] for r in rows])


def openings():
    return db.session.scalars(sa.select(Opening).where(Opening.source == "import")
                              .order_by(Opening.id)).all()


@pytest.fixture
def posting_file(tmp_path):
    def write(data: bytes, name="postings.csv"):
        path = tmp_path / name
        path.write_bytes(data)
        return path
    return write


def run_json(runner, path, *args):
    result = runner.invoke(args=["import-openings", str(path), "--json", *args])
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.output), result.exit_code


# --------------------------------------------------------------------------- values


def test_pay_strings_become_monthly_yuan_keeping_the_text(runner, posting_file):
    pays = ["6-8千/月", "1-1.5万/月", "7-14万/年", "150元/天", "25元/小时", "20-30K",
            "18-35K·13薪", "15k-30k", "4500", "面议", ""]
    path = posting_file(fifty_one(*[{"job_name": f"岗位{i}", "providesalary_text": p}
                                    for i, p in enumerate(pays)]))
    report, code = run_json(runner, path)
    assert code == 0 and report["created"] == len(pays)
    got = {o.title: (o.pay_min, o.pay_max, o.pay_months, o.pay_period, o.salary_text)
           for o in openings()}
    assert [got[f"岗位{i}"] for i in range(len(pays))] == [
        (6000, 8000, 12, "month", "6-8千/月"), (10000, 15000, 12, "month", "1-1.5万/月"),
        (5833, 11667, 12, "year", "7-14万/年"), (3262, 3262, 12, "day", "150元/天"),
        (4350, 4350, 12, "hour", "25元/小时"), (20000, 30000, 12, "month", "20-30K"),
        # base pay a month; the 13th month is kept apart, not spread over the year
        (18000, 35000, 13, "month", "18-35K·13薪"), (15000, 30000, 12, "month", "15k-30k"),
        (4500, 4500, 12, "month", "4500"), (None, None, 12, "month", "面议"),
        (None, None, 12, "month", ""),
    ]
    assert report["parsed"]["salary"] == len(pays)  # 面议 and blank read as not stated


def test_places_former_names_separate_columns_and_rows_outside_shanghai(runner, posting_file):
    path = posting_file(fifty_one(
        {"job_name": "甲", "workarea_text": "上海-浦东新区", "attribute_text": ""},
        {"job_name": "乙", "workarea_text": "上海·徐汇区·漕河泾", "attribute_text": ""},
        {"job_name": "丙", "workarea_text": "浦东", "attribute_text": ""},
        {"job_name": "丁", "workarea_text": "闸北区", "attribute_text": ""},
        {"job_name": "戊", "workarea_text": "卢湾区", "attribute_text": ""},
        {"job_name": "己", "workarea_text": "南汇区", "attribute_text": ""},
        {"job_name": "庚", "workarea_text": "上海", "attribute_text": ""},
        {"job_name": "辛", "workarea_text": "北京-朝阳区", "attribute_text": ""},
        {"job_name": "壬", "workarea_text": "异地招聘", "attribute_text": ""},
    ))
    report, code = run_json(runner, path)
    assert code == 1
    assert {o.title: o.district for o in openings()} == {
        "甲": "310115", "乙": "310104", "丙": "310115", "丁": "310106", "戊": "310101",
        "己": "310115", "庚": None}
    flagged = {(e["row"], e["column"], e["value"]) for e in report["errors"]}
    assert flagged == {(9, "workarea_text", "北京-朝阳区"), (10, "workarea_text", "异地招聘")}
    assert "outside Shanghai" in report["errors"][0]["message"]
    assert report["parsed"]["shanghai_rows"] == 7
    assert report["parsed"]["district_named"] == 6


def test_city_and_district_in_separate_columns_and_own_headers(runner, posting_file):
    header = ["职位名称", "单位名称", "薪资", "城市", "区县", "学历要求", "经验要求", "招聘人数",
              "班次", "提供住宿", "岗位类别", "所需证书"]
    rows = [["叉车司机", "上海港城物流有限公司", "6500-8000", "上海", "宝山", "初中", "2年",
             "招3人", "倒班", "是", "叉车司机", "叉车证"],
            ["夜班保洁", "上海洁净服务有限公司", "5千", "上海市", "闵行区", "不限", "无需经验",
             "若干", "夜班", "否", "保洁员", ""]]
    report, code = run_json(runner, posting_file(csv_bytes(header, rows)))
    assert code == 0, report["errors"]
    forklift, cleaner = openings()
    assert (forklift.district, forklift.education_min, forklift.experience_min,
            forklift.headcount, forklift.shift, forklift.accommodation,
            forklift.certificates_required, forklift.category_code) == (
        "310113", 2, 2.0, 3, Shift.ROTATING, True, ["forklift"], "forklift")
    assert (cleaner.district, cleaner.headcount, cleaner.shift, cleaner.accommodation) == (
        "310112", None, Shift.NIGHT, False)


def test_list_like_attribute_cells_and_multi_line_cells(runner, posting_file):
    path = posting_file(fifty_one(
        {"job_name": "销售助理", "workarea_text": "上海-静安区",
         "attribute_text": "['上海-静安区', '无需经验', '本科', '招若干人']",
         "jobwelf": "五险一金\n节日福利\n定期体检"},
        {"job_name": "门店店员", "workarea_text": "上海",
         "attribute_text": "['上海-黄浦区', '3-4年经验', '大专', '招2人']", "jobwelf": ""},
    ))
    report, code = run_json(runner, path)
    assert code == 0, report["errors"]
    sales, clerk = openings()
    assert (sales.district, sales.experience_min, sales.education_min, sales.headcount) == (
        "310106", 0.0, 5, None)
    assert "五险一金\n节日福利\n定期体检" in sales.description
    assert not sales.accommodation
    # '上海' alone in the place column, the district in the list: the list's district
    assert (clerk.district, clerk.experience_min, clerk.education_min, clerk.headcount) == (
        "310101", 3.0, 4, 2)
    assert report["parsed"] == {"shanghai_rows": 2, "outside_shanghai": 0, "salary": 2,
                                "district": 2, "district_named": 2, "education": 2,
                                "experience": 2, "headcount": 2}


def test_posting_date_without_a_year_is_the_latest_such_day(runner, posting_file):
    report, _ = run_json(runner, posting_file(fifty_one({"updatedate": "01-02"})))
    today = local_today()
    expected = date(today.year if (today.month, today.day) >= (1, 2) else today.year - 1, 1, 2)
    assert openings()[0].posted_on == expected


def test_unreadable_cells_are_rejected_with_the_column_and_a_fix(runner, posting_file):
    path = posting_file(fifty_one(
        {"job_name": "", "company_name": "上海某公司"},
        {"job_name": "普工", "providesalary_text": "很高"},
        {"job_name": "质检员", "attribute_text": "['上海-浦东新区', '招"},
    ))
    report, code = run_json(runner, path)
    assert code == 1 and report["created"] == 0 and report["rejected"] == 3
    by_row = {e["row"]: e for e in report["errors"]}
    assert by_row[2]["column"] == "job_name" and "must be filled in" in by_row[2]["message"]
    assert by_row[3]["column"] == "providesalary_text" and by_row[3]["value"] == "很高"
    assert by_row[4]["column"] == "attribute_text"
    assert count_openings() == 0


def count_openings():
    return db.session.scalar(sa.select(sa.func.count()).select_from(Opening)
                             .where(Opening.source == "import"))


# --------------------------------------------------------------------------- employers


def test_employers_found_by_credit_code_then_by_name_else_registered_unverified(
        runner, posting_file, make):
    code = uscc()
    by_code = make.employer(name="上海港城物流有限公司", normalized_name="上海港城物流有限公司",
                            uscc=code)
    by_name = make.employer(name="上海洁净服务（集团）有限公司",
                            normalized_name="上海洁净服务集团有限公司")
    db.session.commit()
    header = ["职位名称", "单位名称", "统一社会信用代码", "工作地点", "单位性质"]
    rows = [["叉车司机", "港城物流", code, "上海-宝山区", ""],       # by code, name differs
            ["保洁员", "上海 洁净服务(集团)有限公司", "", "上海-闵行区", ""],  # by name
            ["分拣员", "上海新起点快递有限公司", "", "上海-嘉定区", "民营公司"],
            ["装卸工", "上海新起点快递有限公司", "", "上海-嘉定区", "民营公司"]]
    report, exit_code = run_json(runner, posting_file(csv_bytes(header, rows)))
    assert exit_code == 0, report["errors"]
    got = {o.title: o.employer_id for o in openings()}
    assert got["叉车司机"] == by_code.id and got["保洁员"] == by_name.id
    new = db.session.scalars(sa.select(Employer).where(
        Employer.name == "上海新起点快递有限公司")).all()
    assert len(new) == 1 and not new[0].verified and "民营公司" in new[0].notes
    assert got["分拣员"] == got["装卸工"] == new[0].id


def test_a_credit_code_that_contradicts_the_registered_employer_is_rejected(
        runner, posting_file, make):
    make.employer(name="上海港城物流有限公司", normalized_name="上海港城物流有限公司",
                  uscc=uscc())
    db.session.commit()
    other = uscc("91310113MA1GKJ7T6")
    path = posting_file(csv_bytes(["职位名称", "单位名称", "统一社会信用代码", "工作地点"],
                                  [["叉车司机", "上海港城物流有限公司", other, "宝山"]]))
    report, code = run_json(runner, path)
    assert code == 1 and report["created"] == 0
    assert report["errors"][0]["value"] == other
    assert uscc() in report["errors"][0]["message"]


def test_a_wrong_credit_code_says_what_is_wrong(runner, posting_file):
    right = uscc()
    wrong = right[:-1] + ("1" if right[-1] != "1" else "2")
    path = posting_file(csv_bytes(["职位名称", "单位名称", "统一社会信用代码", "工作地点"],
                                  [["叉车司机", "上海港城物流有限公司", wrong, "宝山"]]))
    report, _ = run_json(runner, path)
    assert report["rejected"] == 1 and report["errors"][0]["value"] == wrong
    assert right[-1] in report["errors"][0]["message"]  # names the right check character


# --------------------------------------------------------------------------- idempotence


def test_importing_again_changes_nothing_and_a_changed_row_updates(runner, posting_file):
    first = fifty_one({"job_name": "仓库管理员"}, {"job_name": "理货员"})
    path = posting_file(first)
    report, _ = run_json(runner, path)
    assert (report["created"], report["updated"], report["unchanged"]) == (2, 0, 0)
    report, _ = run_json(runner, path)
    assert (report["created"], report["updated"], report["unchanged"]) == (0, 0, 2)
    changed = posting_file(fifty_one({"job_name": "仓库管理员", "providesalary_text": "7-9千/月"},
                                     {"job_name": "理货员"}), "again.csv")
    report, _ = run_json(runner, changed)
    assert (report["created"], report["updated"], report["unchanged"]) == (0, 1, 1)
    assert {o.title: o.pay_min for o in openings()} == {"仓库管理员": 7000, "理货员": 6000}
    assert count_openings() == 2


def test_staff_category_and_state_survive_a_reimport(runner, posting_file):
    path = posting_file(fifty_one({"job_name": "仓库管理员"}))
    run_json(runner, path)
    opening = openings()[0]
    opening.category_code = "workshop"  # staff overrode the suggestion
    opening.close()
    db.session.commit()
    changed = posting_file(fifty_one({"job_name": "仓库管理员", "providesalary_text": "9千"}),
                           "b.csv")
    report, _ = run_json(runner, changed)
    assert report["updated"] == 1
    db.session.refresh(opening)
    assert (opening.category_code, opening.status, opening.pay_min) == (
        "workshop", OpeningStatus.CLOSED, 9000)


def test_headcount_below_places_filled_is_rejected(runner, posting_file):
    run_json(runner, posting_file(fifty_one({})))
    opening = openings()[0]
    for _ in range(3):
        opening.fill_place()
    db.session.commit()
    lower = posting_file(fifty_one({"attribute_text": "['上海-浦东新区', '招2人']"}), "c.csv")
    report, code = run_json(runner, lower)
    assert code == 1 and report["rejected"] == 1
    assert "3" in report["errors"][0]["message"]
    db.session.refresh(opening)
    assert opening.headcount == 5


def test_duplicate_rows_in_one_file_are_reported(runner, posting_file):
    report, _ = run_json(runner, posting_file(fifty_one({}, {})))
    assert report["created"] == 1 and report["rejected"] == 1
    assert "row 2" in report["errors"][0]["message"]


def test_dry_run_writes_nothing(runner, posting_file):
    report, _ = run_json(runner, posting_file(fifty_one({})), "--dry-run")
    assert report["created"] == 1 and count_openings() == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Employer)) == 0


def test_column_option_maps_an_unknown_header(runner, posting_file):
    path = posting_file(csv_bytes(["职位名称", "单位名称", "待遇", "工作地点"],
                                  [["普工", "上海某制造有限公司", "5-6千/月", "松江"]]))
    report, _ = run_json(runner, path)
    assert openings()[0].pay_min is None  # 待遇 was not read
    report, _ = run_json(runner, path, "--column", "待遇=salary")
    assert report["updated"] == 1 and openings()[0].pay_min == 5000
    bad = runner.invoke(args=["import-openings", str(path), "--column", "薪水=salary"])
    assert bad.exit_code == 2 and "--column" in bad.output


def test_real_51job_file_parse_shares(runner, shared_data):
    """The real 51job dump: every row outside Shanghai is flagged, and the Shanghai
    rows' fields are understood; the shares are printed."""
    path = shared_data / "jobs" / "51job_national_2021.csv"
    report, code = run_json(runner, path, "--dry-run")
    parsed = report["parsed"]
    shanghai = parsed["shanghai_rows"]
    print(f"\n51job: {report['rows']} rows, {shanghai} in Shanghai; understood: " + ", ".join(
        f"{key} {parsed[key] / shanghai:.1%}" for key in
        ("salary", "district", "district_named", "education", "experience", "headcount")))
    assert report["rows"] == 2500 and shanghai == 370
    assert report["created"] == shanghai
    assert report["rejected"] == parsed["outside_shanghai"] == 2500 - shanghai
    assert all("outside Shanghai" in e["message"] or "does not say where" in e["message"]
               for e in report["errors"])
    assert parsed["salary"] / shanghai >= 0.95
    assert parsed["district"] / shanghai >= 0.95
    assert parsed["district_named"] / shanghai >= 0.85  # 37 rows say only 上海
    assert parsed["headcount"] / shanghai >= 0.95


# --------------------------------------------------------------------------- pages


@pytest.fixture
def officer(client, make, auth):
    user = make.user(Role.EMPLOYMENT, username="officer")
    db.session.commit()
    auth.login("officer")
    return user


def upload(client, data: bytes, filename="postings.csv"):
    return client.post("/employment/import/", data={"file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")


def xlsx(header, rows) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for values in rows:
        sheet.append(values)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_upload_preview_and_confirm_in_chinese(client, officer):
    data = xlsx([ZH["title"], ZH["employer"], ZH["salary"], ZH["place"], ZH["headcount"]],
                [["叉车司机", "上海港城物流有限公司", "6-8千/月", "上海-宝山区", "招3人"],
                 ["店员", "北京某商贸公司", "5千", "北京-朝阳区", "2"]])
    response = upload(client, data, "岗位.xlsx")
    assert response.status_code == 302
    preview = response.headers["Location"]
    page = client.get(preview).get_data(as_text=True)
    assert "叉车司机" in page and "上海港城物流有限公司" in page
    assert "新登记，待核实" in page
    assert "“北京-朝阳区”在上海以外" in page  # the rejected row, with what to do
    assert "薪资" in page and "(100%)" in page  # the share of Shanghai rows understood
    assert count_openings() == 0
    done = client.post(preview + "/confirm")
    assert done.status_code == 302
    [opening] = openings()
    assert (opening.title, opening.headcount, opening.district) == ("叉车司机", 3, "310113")
    event = db.session.scalar(sa.select(AuditEvent).where(
        AuditEvent.action == "openings_imported"))
    assert event.detail["created"] == 1 and event.detail["rejected"] == 1


def test_preview_mapping_can_be_corrected(client, officer):
    data = csv_bytes(["岗位", "公司", "待遇", "地点"],
                     [["普工", "上海某制造有限公司", "5-6千/月", "松江"]])
    preview = upload(client, data).headers["Location"]
    page = client.get(preview).get_data(as_text=True)
    assert 'name="col-2"' in page  # 待遇, not recognised: offered in the mapping
    remapped = client.post(preview + "/mapping", data={
        "col-0": "title", "col-1": "employer", "col-2": "salary", "col-3": "place"})
    assert remapped.status_code == 302
    page = client.get(preview).get_data(as_text=True)
    assert "5,000–6,000" in page
    client.post(preview + "/confirm")
    assert openings()[0].pay_min == 5000


def test_a_mapping_that_reads_two_columns_as_one_says_so(client, officer):
    data = csv_bytes(["职位名称", "单位名称", "工作地点"], [["普工", "上海某制造有限公司", "松江"]])
    preview = upload(client, data).headers["Location"]
    response = client.post(preview + "/mapping", data={
        "col-0": "title", "col-1": "title", "col-2": "place"})
    assert response.status_code == 422
    assert "职位名称" in response.get_data(as_text=True)


def test_rejected_rows_download_keeps_the_file_headers(client, officer):
    preview = upload(client, fifty_one({}, {"job_name": "店员", "workarea_text": "深圳"})
                     ).headers["Location"]
    response = client.get(preview + "/rejected.xlsx")
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0][:len(FIFTY_ONE)]) == FIFTY_ONE
    assert rows[1][0] == "店员" and "深圳" in rows[1][-1]


def test_another_users_upload_is_not_found(client, officer, make, auth):
    preview = upload(client, fifty_one({})).headers["Location"]
    make.user(Role.EMPLOYMENT, username="colleague")
    db.session.commit()
    auth.logout()
    auth.login("colleague")
    assert client.get(preview).status_code == 404
    assert client.post(preview + "/confirm").status_code == 404


def test_bureau_staff_cannot_import_openings(client, make, auth):
    make.user(Role.BUREAU, username="clerk")
    db.session.commit()
    auth.login("clerk")
    assert client.get("/employment/import/").status_code == 403


def test_template_lists_the_columns_and_imports_back(client, officer):
    response = client.get("/employment/import/template.xlsx")
    book = load_workbook(io.BytesIO(response.data))
    header = [cell.value for cell in book.worksheets[0][1]]
    assert header == [c.header["zh"] for c in OPENING_COLUMNS]
    sheet = book.worksheets[0]
    example = [c.example for c in OPENING_COLUMNS]
    sheet.append(example)
    buffer = io.BytesIO()
    book.save(buffer)
    preview = upload(client, buffer.getvalue(), "template.xlsx").headers["Location"]
    client.post(preview + "/confirm")
    [opening] = openings()
    assert (opening.title, opening.ref, opening.pay_min) == ("仓库管理员", "51JOB-128830912",
                                                                6000)


def test_rows_naming_one_opening_alike_are_duplicates(runner, posting_file):
    """Names that differ only in brackets or spaces are the same employer and title."""
    path = posting_file(fifty_one(
        {"company_name": "上海起步物流（集团）有限公司", "job_name": "仓库管理员"},
        {"company_name": "上海起步物流(集团)有限公司", "job_name": "仓库 管理员"}))
    report, code = run_json(runner, path)
    assert (report["created"], report["rejected"], code) == (1, 1, 1)
    assert count_openings() == 1


def test_a_name_registered_twice_goes_to_the_verified_employer(runner, posting_file, make):
    make.employer(name="上海港城物流有限公司", normalized_name="上海港城物流有限公司",
                  verified=False)
    verified = make.employer(name="上海港城物流有限公司",
                             normalized_name="上海港城物流有限公司", uscc=uscc())
    make.employer(name="上海港城物流有限公司", normalized_name="上海港城物流有限公司",
                  verified=False)
    db.session.commit()
    run_json(runner, posting_file(fifty_one({"company_name": "上海港城物流有限公司"})))
    assert openings()[0].employer_id == verified.id


def test_one_new_employer_named_with_and_without_its_code(runner, posting_file):
    code = uscc()
    header = ["职位名称", "单位名称", "统一社会信用代码", "工作地点"]
    rows = [["分拣员", "上海新起点快递有限公司", "", "嘉定"],
            ["装卸工", "上海新起点快递有限公司", code, "嘉定"],
            ["司机", "新起点快递", code, "嘉定"]]
    report, _ = run_json(runner, posting_file(csv_bytes(header, rows)))
    assert report["created"] == 3
    [employer] = db.session.scalars(sa.select(Employer)).all()
    assert employer.uscc == code and not employer.verified
    assert {o.employer_id for o in openings()} == {employer.id}


def test_a_51job_export_with_its_area_code_column_imports(runner, posting_file):
    header = ["jobid", "job_name", "company_name", "providesalary_text", "workarea",
              "workarea_text", "attribute_text"]
    rows = [["128830912", "叉车司机", "上海港城物流有限公司", "6-8千/月", "020300",
             "上海-宝山区", "['上海-宝山区', '1年经验', '初中', '招3人']"]]
    report, code = run_json(runner, posting_file(csv_bytes(header, rows)))
    assert code == 0, report["errors"]
    assert (openings()[0].ref, openings()[0].district) == ("128830912", "310113")
