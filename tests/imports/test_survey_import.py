"""Spreadsheet import of job-intention surveys: upload, preview, confirm, CLI."""

import csv
import io
import json
import re
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from openpyxl import Workbook, load_workbook

from app.bureau.operations import QIBU_CODE
from app.clock import local_today
from app.imports import engine as importing
from app.imports import surveys as operations
from app.imports.surveys import SURVEY_COLUMNS
from models import AuditEvent, ImportUpload, Role, Seeker, Survey, db
from tests.app.test_bureau import survey_data

SURVEYED = (local_today() - timedelta(days=10)).isoformat()
RELEASE = (local_today() + timedelta(days=90)).isoformat()
KEYS = [c.key for c in SURVEY_COLUMNS]
ZH = {c.key: c.header["zh"] for c in SURVEY_COLUMNS}
EN = {c.key: c.header["en"] for c in SURVEY_COLUMNS}


pytestmark = pytest.mark.usefixtures("import_dir")


def row(code="QP0001", name="张三", **values):
    base = {"facility_ref": code, "name": name, "surveyed_on": SURVEYED,
            "categories_1": "物流仓储操作员", "salary_min": "5000", "salary_hoped": "6500",
            "home_district": "浦东", "expected_release_date": RELEASE}
    base.update(values)
    return base


def workbook(rows, *, headers=ZH, keys=KEYS, above=(), trailing_blank_rows=0) -> bytes:
    book = Workbook()
    sheet = book.active
    for line in above:
        sheet.append(list(line))
    sheet.append([headers[key] for key in keys])
    for values in rows:
        sheet.append([values.get(key) for key in keys])
    for index in range(trailing_blank_rows):  # formatted but empty rows, as Excel leaves
        sheet.cell(row=sheet.max_row + 1 + index, column=1).number_format = "@"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def upload(client, data: bytes, filename="surveys.xlsx"):
    return client.post("/bureau/import/", data={"file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")


def upload_and_confirm(client, data: bytes, filename="surveys.xlsx"):
    response = upload(client, data, filename)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    preview = response.headers["Location"]
    page = client.get(preview).get_data(as_text=True)
    confirmed = client.post(preview + "/confirm")
    return page, confirmed


def count(model):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def kept_files(folder: Path) -> list[str]:
    """The files this host keeps of uploads (their progress and confirm locks only)."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()) \
        if folder.exists() else []


# --- upload, preview, confirm ----------------------------------------------------------------


def test_import_previews_then_creates_seekers_and_surveys(client, clerk, import_dir):
    data = workbook([
        row("QP0001", "张三", gender="男", birth_year=1985, categories_2="普工",
            salary_min="6000-8000", salary_hoped=None, districts="浦东、闵行",
            needs_accommodation="是", shifts="白班、倒班", education="初中",
            work_history="物流仓储操作员 3年", certificates="叉车证", avoid="夜场",
            consent_share="是", consent_contact="否"),
        row("QP0002", "李四", categories_1="保安员", salary_min="8千", salary_hoped="1万"),
    ])
    response = upload(client, data)
    assert response.status_code == 302
    preview = response.headers["Location"]
    # the upload is kept under a random token, never under the user's file name
    token = preview.rsplit("/", 1)[1]
    # in the database, where every web host finds it; the host keeps its progress only
    stored = db.session.get(ImportUpload, token)
    assert kept_files(import_dir) == [f"{token}/progress.json"]
    # and encrypted: it holds names and health notes
    assert not stored.data.startswith(b"PK") and b"QP0001" not in stored.data
    assert "张三".encode() not in stored.result
    assert stored.meta == json.dumps(json.loads(stored.meta), ensure_ascii=False)  # read clear
    assert db.session.execute(sa.text("SELECT meta FROM import_uploads")).scalar() \
        .startswith("enc1:")
    assert count(Seeker) == 0  # nothing is written before the confirm

    page = client.get(preview).get_data(as_text=True)
    assert "2</strong> surveys to create" in page and "(2 new job seekers)" in page
    assert "Logistics and warehouse operator" in page and "6,000–8,000" in page
    assert "Import 2 surveys" in page

    response = client.post(preview + "/confirm")
    assert response.status_code == 302
    done = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Import saved: 2 surveys created, 0 updated, 0 unchanged; 0 rows rejected" in done
    assert not (import_dir / token).exists()  # the personal data does not linger
    db.session.expire_all()
    assert count(ImportUpload) == 0

    seeker = db.session.scalar(sa.select(Seeker).where(Seeker.facility_ref == "QP0001"))
    assert seeker.facility_id == clerk.facility_id
    assert (seeker.name, seeker.gender, seeker.birth_year) == ("张三", "M", 1985)
    assert seeker.expected_release_date.isoformat() == RELEASE
    assert seeker.consent_share and not seeker.consent_contact
    assert seeker.consent_share_by_id == clerk.id and seeker.education == 2
    survey = seeker.surveys[0]
    assert survey.surveyed_on.isoformat() == SURVEYED and survey.source == "import"
    assert survey.categories == ["logistics", "workshop"]
    assert (survey.salary_min, survey.salary_hoped) == (6000, 8000)
    assert survey.districts == ["310112", "310115"] and survey.home_district == "310115"
    assert survey.shifts == ["day", "rotating"] and survey.needs_accommodation
    assert survey.work_history == [{"category": "logistics", "years": 3.0}]
    assert survey.certificates == ["forklift"] and survey.avoid == ["nightlife"]
    assert survey.recorded_by_id == clerk.id
    other = db.session.scalar(sa.select(Seeker).where(Seeker.facility_ref == "QP0002"))
    assert (other.surveys[0].salary_min, other.surveys[0].salary_hoped) == (8000, 10000)

    actions = db.session.scalars(sa.select(AuditEvent.action)).all()
    assert "survey_import_previewed" in actions
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "surveys_imported"))
    assert event.actor_id == clerk.id and event.detail["created"] == 2
    # the people get random codes of Qibu's; the file's numbers stay their facility's
    assert event.detail["seekers"] == sorted([seeker.code, other.code])
    assert all(re.fullmatch(QIBU_CODE, code) for code in (seeker.code, other.code))
    assert seeker.facility_ref == "QP0001" and "QP0001" not in seeker.code


def test_imported_survey_is_stored_like_a_form_entered_one(client, clerk):
    client.post("/bureau/seekers/new", data=survey_data(name="王五"))
    by_form = db.session.scalar(sa.select(Seeker).where(Seeker.named("王五")))
    form_survey = by_form.surveys[0]
    # the same answers, as a spreadsheet row, for another person
    values = row("QP0009", "赵六", surveyed_on=form_survey.surveyed_on.isoformat(),
                 categories_1="物流仓储操作员", categories_2="车间工人/普工",
                 salary_min=5500, salary_hoped=7000, work_pattern="全职", shifts="白班、倒班",
                 home_district="浦东新区", districts="浦东新区", needs_accommodation="是",
                 education="初中", work_history="物流仓储操作员 3年", certificates="叉车司机证(N1)",
                 skills_text="会开叉车，做过仓库管理", health_limits="腰不好，不宜搬重物",
                 avoid="夜场及娱乐场所、酒吧", training_interests="电工",
                 expected_release_date=by_form.expected_release_date.isoformat(),
                 consent_share="是", consent_contact="是")
    upload_and_confirm(client, workbook([values]))
    imported = db.session.scalar(
        sa.select(Seeker).where(Seeker.facility_ref == "QP0009")).surveys[0]
    columns = ("categories", "salary_min", "salary_hoped", "home_district", "districts",
               "needs_accommodation", "shifts", "work_pattern", "education", "work_history",
               "certificates", "skills_text", "health_limits", "avoid", "training_interests",
               "questionnaire_version")
    assert {c: getattr(imported, c) for c in columns} == \
        {c: getattr(form_survey, c) for c in columns}
    assert imported.answers == form_survey.answers

    # and importing the form-entered survey's own answers for its code changes nothing
    values.update(facility_ref=by_form.code, name="王五")
    response = upload(client, workbook([values]))
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "1</strong> unchanged" in page and "Nothing to import" in page


def test_re_importing_the_same_file_changes_nothing(client, clerk):
    data = workbook([row("QP0001", "张三"), row("QP0002", "李四", salary_min="8k",
                                                  salary_hoped="1万")])
    upload_and_confirm(client, data)
    stamps = db.session.execute(sa.select(Survey.id, Survey.updated_at)).all()
    page, confirmed = upload_and_confirm(client, data)
    assert "0</strong> surveys to create" in page and "0</strong> surveys to update" in page
    assert "2</strong> unchanged" in page
    assert confirmed.status_code == 302
    db.session.expire_all()
    assert db.session.execute(sa.select(Survey.id, Survey.updated_at)).all() == stamps
    assert count(Seeker) == 2


def test_a_changed_row_updates_that_survey_and_a_new_date_adds_one(client, clerk):
    upload_and_confirm(client, workbook([row("QP0001", "张三")]))
    later = (local_today() - timedelta(days=1)).isoformat()
    data = workbook([row("QP0001", "张三", salary_min="5500"),
                     row("QP0001", "", surveyed_on=later, salary_min="7000",
                         salary_hoped="8000", expected_release_date="2030.7")])
    page, _ = upload_and_confirm(client, data)
    assert "1</strong> surveys to create" in page and "1</strong> surveys to update" in page
    seeker = db.session.scalar(sa.select(Seeker).where(Seeker.facility_ref == "QP0001"))
    assert [(s.surveyed_on.isoformat(), s.salary_min) for s in seeker.surveys] == [
        (later, 7000), (SURVEYED, 5500)]
    assert seeker.expected_release_date == date(2030, 7, 1)  # from the latest survey

    # an older survey imported afterwards does not overwrite the seeker's current facts
    older = (local_today() - timedelta(days=30)).isoformat()
    upload_and_confirm(client, workbook([row("QP0001", "张三", surveyed_on=older,
                                             expected_release_date="2029-01-01")]))
    db.session.expire_all()
    assert seeker.expected_release_date == date(2030, 7, 1)
    assert len(seeker.surveys) == 3


def test_a_new_seekers_rows_may_fall_in_different_chunks(client, clerk, monkeypatch):
    monkeypatch.setattr(operations, "CHUNK_ROWS", 1)
    older = (local_today() - timedelta(days=40)).isoformat()
    upload_and_confirm(client, workbook([
        row("QP0001", "张三", surveyed_on=SURVEYED, expected_release_date="2031.7",
            consent_share="是"),
        row("QP0002", "李四"),
        row("QP0001", "张三", surveyed_on=older, expected_release_date="2030-01-01",
            consent_share="否"),
    ]))
    seeker = db.session.scalar(sa.select(Seeker).where(Seeker.facility_ref == "QP0001"))
    assert [s.surveyed_on.isoformat() for s in seeker.surveys] == [SURVEYED, older]
    # the seeker's facts come from the latest survey, whatever the rows' order
    assert seeker.expected_release_date == date(2031, 7, 1) and seeker.consent_share
    assert count(Seeker) == 2


def test_confirm_writes_all_rows_or_none(client, clerk, monkeypatch):
    upload_and_confirm(client, workbook([row("QP0001", "张三")]))
    response = upload(client, workbook([row("QP0001", "张三", salary_min="6000")]
                                       + [row(f"QP1{n:03d}", f"人{n}") for n in range(5)]))
    preview = response.headers["Location"]
    calls = []
    real = operations.survey_values

    def fail_on_the_fourth_row(*args, **kwargs):
        calls.append(1)
        if len(calls) == 4:
            raise sa.exc.OperationalError("INSERT INTO surveys", {}, Exception("disk full"))
        return real(*args, **kwargs)

    monkeypatch.setattr(operations, "survey_values", fail_on_the_fourth_row)
    monkeypatch.setattr(operations, "CHUNK_ROWS", 1)  # rows 1-3 are flushed before the failure
    response = client.post(preview + "/confirm")
    assert response.status_code == 302 and response.headers["Location"] == preview
    page = client.get(preview).get_data(as_text=True)
    assert "Nothing was imported: the database refused the changes" in page
    db.session.expire_all()
    assert len(calls) == 4
    assert count(Seeker) == 1 and count(Survey) == 1
    assert db.session.scalar(sa.select(Survey.salary_min)) == 5000
    assert db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "survey_import_failed")) is not None

    monkeypatch.setattr(operations, "survey_values", real)
    client.post(preview + "/confirm")  # the upload is kept, so it can be confirmed again
    assert count(Seeker) == 6 and db.session.scalar(
        sa.select(Survey.salary_min).join(Seeker).where(Seeker.facility_ref == "QP0001")) == 6000


def test_another_facilitys_code_is_rejected_without_revealing_it(client, make, clerk):
    stranger = make.seeker(code="QBSTRNG7", name="外所人员", facility_ref="QP0001")
    make.survey(stranger, salary_min=4000)
    db.session.commit()
    # another facility's reference numbers are its own: the same number here is a new person
    data = workbook([row("QBSTRNG7", "张三"), row("QP0001", "李四")])
    response = upload(client, data)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "“QBSTRNG7” is a Qibu seeker code that cannot be used for your facility" in page
    assert "外所人员" not in page and stranger.facility.name_en not in page
    client.post(response.headers["Location"] + "/confirm")
    db.session.expire_all()
    assert stranger.name == "外所人员" and stranger.surveys[0].salary_min == 4000
    assert count(Seeker) == 2


def test_rows_the_database_refuses_are_explained(client, make, clerk):
    own = make.seeker(facility_ref="QP0500", name="王五", facility_id=clerk.facility_id)
    db.session.commit()
    data = workbook([row("QP0500", "王六"), row("QP0600", ""),
                     row("QP0700", "赵七"), row("QP0700", "赵八", surveyed_on="2026-01-05")])
    page = client.get(upload(client, data).headers["Location"]).get_data(as_text=True)
    assert "differs from the name registered under this reference" in page
    assert "The reference “QP0600” is new, so this row registers a new job seeker" in page
    assert "differs from the name given for the same reference in row 4" in page
    assert "3</strong> rows rejected" in page and "1</strong> surveys to create" in page
    assert own.name == "王五"


def test_rejected_rows_download_as_xlsx_with_an_error_column(client, clerk):
    data = workbook([row("QP0001"), row("QP0002", "李四", salary_min="8OOO", home_district="蒲东"),
                     row("QP0003", "王五", expected_release_date="下个月"),
                     row("QP0001", "张三")], above=[["2026年就业意向调查（青溪所）"]])
    preview = upload(client, data).headers["Location"]
    page = client.get(preview).get_data(as_text=True)
    assert "3</strong> rows rejected" in page
    assert "Could not read the pay “8OOO”" in page and "repeats QP0001 / " in page
    response = client.get(preview + "/rejected.xlsx")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == [ZH[k] for k in KEYS] + ["Row in the file", "What to fix"]
    assert [r[-2] for r in rows[1:]] == [4, 5, 6]  # rows as Excel numbers them (title row 1)
    bad_pay = rows[1]
    assert bad_pay[KEYS.index("salary_min")] == "8OOO"  # the value as written
    assert bad_pay[-1].splitlines()[0].startswith("最低月工资: Could not read the pay “8OOO”")
    assert "居住区: “蒲东” is not one of Shanghai" in bad_pay[-1]
    assert "下个月" in rows[2][-1] and "row 3" in rows[3][-1]
    audit = db.session.scalar(sa.select(AuditEvent).where(
        AuditEvent.action == "survey_import_rejected_exported"))
    assert audit.detail["rows"] == 3


def test_template_has_chinese_headers_and_notes_in_both_languages(client, clerk):
    response = client.get("/bureau/import/template.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    data, notes = book.worksheets
    assert [cell.value for cell in data[1]] == [ZH[k] for k in KEYS]
    assert data[1][0].value == "所内编号" and data.max_row == 1
    text = {str(cell.value) for line in notes.iter_rows() for cell in line if cell.value}
    assert {"所内编号", "Facility reference", "最低月工资", "Lowest acceptable pay"} <= text
    for name in ("物流仓储操作员", "浦东新区", "叉车司机证(N1)", "夜场及娱乐场所",
                 "Pudong New Area"):
        assert name in text
    # the template imports as is once filled in
    filled = io.BytesIO(response.data)
    book = load_workbook(filled)
    book.worksheets[0].append([row("QP0001").get(k) for k in KEYS])
    buffer = io.BytesIO()
    book.save(buffer)
    page, _ = upload_and_confirm(client, buffer.getvalue())
    assert "1</strong> surveys to create" in page


# --- real-world files ----------------------------------------------------------------------


def test_title_row_and_merged_two_row_headers(client, clerk):
    book = Workbook()
    sheet = book.active
    sheet.append(["2026年出所人员就业意向调查表"])
    sheet.merge_cells("A1:H1")
    sheet.append(["求职者编号", "姓名", "调查日期", "岗位意向", None, "月工资（元）", None,
                  "预计出所日期"])
    sheet.append([None, None, None, "第一志愿", "第二志愿", "最低", "希望", None])
    for column in "ABCH":
        sheet.merge_cells(f"{column}2:{column}3")
    sheet.merge_cells("D2:E2")
    sheet.merge_cells("F2:G2")
    sheet.append(["QP0001", "张三", SURVEYED, "物流", "普工", "5千", "6500元", RELEASE])
    buffer = io.BytesIO()
    book.save(buffer)
    page, _ = upload_and_confirm(client, buffer.getvalue())
    assert "header in row 3" in page and "1</strong> surveys to create" in page
    survey = db.session.scalar(sa.select(Survey))
    assert survey.categories == ["logistics", "workshop"]
    assert (survey.salary_min, survey.salary_hoped) == (5000, 6500)


def test_english_headers_stray_spaces_full_width_and_empty_trailing_rows(client, clerk):
    headers = {**EN, "facility_ref": " Seeker  code ", "salary_min": "最低月工资（元）*",
               "name": "ＮＡＭＥ"}
    data = workbook([row("QP0001", "张三", salary_min="５０００－６０００", salary_hoped=None)],
                    headers=headers, trailing_blank_rows=30)
    page, _ = upload_and_confirm(client, data)
    assert "1</strong> rows read" in page and "0</strong> rows rejected" in page
    survey = db.session.scalar(sa.select(Survey))
    assert (survey.salary_min, survey.salary_hoped) == (5000, 6000)


def test_excel_dates_and_serial_numbers(client, clerk):
    surveyed = local_today() - timedelta(days=3)
    serial = (surveyed - date(1899, 12, 30)).days
    data = workbook([row("QP0001", surveyed_on=datetime.combine(surveyed, datetime.min.time()),
                         expected_release_date="2026年7月"),
                     row("QP0002", "李四", surveyed_on=serial, expected_release_date="2026.7")])
    upload_and_confirm(client, data)
    assert db.session.scalars(sa.select(Survey.surveyed_on)).all() == [surveyed, surveyed]
    assert set(db.session.scalars(sa.select(Seeker.expected_release_date))) == {
        date(2026, 7, 1)}


def test_csv_in_gb18030_with_extra_columns_and_a_numbered_column(client, clerk):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["序号", *[ZH[k] for k in KEYS], "备注"])
    writer.writerow([1, *[row("QP0001").get(k, "") for k in KEYS], "已核对"])
    writer.writerow([2, *[row("QP0002", "李四").get(k, "") for k in KEYS], ""])
    for n in range(3, 10):  # the numbering runs on below the data
        writer.writerow([n, *[""] * len(KEYS), ""])
    page, _ = upload_and_confirm(client, buffer.getvalue().encode("gb18030"), "调查.csv")
    assert "2</strong> rows read" in page and "Columns not used: 序号、备注" in page
    assert count(Survey) == 2


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "old.xls", "old Excel format (.xls)"),
        (b"%PDF-1.4 ...", "scan.pdf", "is not an Excel workbook (.xlsx) or a CSV file"),
        (b"PK\x03\x04 not really a zip", "broken.xlsx", "could not be read as an Excel"),
        (workbook([]), "x.xlsx", "no filled rows below it"),
        ("求职者编号,调查日期,第一志愿,预计出所日期\n".encode("utf-16"), "x.csv",
         "no filled rows below it"),
    ],
)
def test_files_that_cannot_be_imported_get_a_clear_message(client, clerk, import_dir, data,
                                                           filename, message):
    response = upload(client, data, filename)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert kept_files(import_dir) == [] and count(ImportUpload) == 0  # refused: not kept
    assert count(Seeker) == 0


def test_row_and_size_limits(app, client, clerk):
    app.config["IMPORT_MAX_ROWS"] = 3
    response = upload(client, workbook([row(f"QP00{n}", f"人{n}") for n in range(4)]))
    assert response.status_code == 422
    assert "The file has 4 filled rows; at most 3 can be imported at once" in \
        response.get_data(as_text=True)
    app.config["MAX_CONTENT_LENGTH"] = 1024
    response = upload(client, b"x" * 5000, "big.csv")
    assert response.status_code == 413
    assert "The file is too large" in response.get_data(as_text=True)


def test_uploads_belong_to_their_uploader(client, make, auth, clerk):
    preview = upload(client, workbook([row()])).headers["Location"]
    colleague = make.user(Role.BUREAU, username="colleague", facility_id=clerk.facility_id)
    db.session.commit()
    auth.logout()
    auth.login(colleague.username)
    for path in (preview, preview + "/progress", preview + "/rejected.xlsx"):
        assert client.get(path).status_code == 404
    assert client.post(preview + "/confirm").status_code == 404
    assert count(Seeker) == 0


def test_progress_is_reported_while_rows_are_checked(client, clerk, import_dir):
    fresh = "a" * 32
    assert client.get(f"/bureau/import/{fresh}/progress").get_json()["stage"] == "uploading"
    response = client.post("/bureau/import/", data={
        "file": (io.BytesIO(workbook([row()])), "s.xlsx"), "token": fresh})
    assert response.headers["Location"].endswith(fresh)
    state = client.get(f"/bureau/import/{fresh}/progress").get_json()
    assert state == {"stage": "done", "done": 1, "total": 1, "label": "Done."}
    page = client.get("/bureau/import/").get_data(as_text=True)
    assert "js/import.js" in page and "data-progress-url" in page


def test_rows_are_checked_in_chunks_with_progress(app, clerk, monkeypatch, tmp_path):
    path = tmp_path / "many.xlsx"
    path.write_bytes(workbook([row(f"QP{n:05d}", f"人{n}") for n in range(1200)]))
    seen = []
    from app.imports.surveys import SURVEY_IMPORT

    result = importing.preview_import(
        path, "xlsx", SURVEY_IMPORT, importing.ImportScope(clerk.facility_id, clerk),
        max_rows=20000, progress=lambda stage, done, total: seen.append((stage, done, total)))
    assert result.counts["created"] == 1200
    assert seen == [("reading", 0, 0), ("reading", 500, 1201), ("reading", 1000, 1201),
                    ("checking", 0, 1200), ("checking", 500, 1200), ("checking", 1000, 1200),
                    ("checking", 1200, 1200), ("planning", 0, 1200)]


def test_cancel_deletes_the_upload(client, clerk, import_dir):
    preview = upload(client, workbook([row()])).headers["Location"]
    response = client.post(preview + "/cancel")
    assert response.status_code == 302
    assert kept_files(import_dir) == [] and count(ImportUpload) == 0
    assert client.get(preview).status_code == 404


# --- the command line --------------------------------------------------------------------


@pytest.fixture
def facility(make):
    facility = make.facility(code="SH-QP")
    db.session.commit()
    return facility


def test_cli_prints_the_report_as_json_and_exits_1_on_rejected_rows(runner, facility,
                                                                     tmp_path):
    path = tmp_path / "surveys.xlsx"
    path.write_bytes(workbook([row("QP0001"), row("QP0002", "李四", salary_min="8OOO")]))
    result = runner.invoke(args=["import-surveys", str(path), "--facility", "SH-QP", "--json"])
    assert result.exit_code == 1, result.output
    report = json.loads(result.output)
    assert {k: report[k] for k in ("rows", "created", "updated", "rejected")} == {
        "rows": 2, "created": 1, "updated": 0, "rejected": 1}
    assert report["errors"] == [{
        "row": 3, "column": "最低月工资", "value": "8OOO",
        "message": report["errors"][0]["message"]}]
    assert report["errors"][0]["message"].startswith("Could not read the pay “8OOO”")
    seeker = db.session.scalar(sa.select(Seeker))
    assert seeker.facility_id == facility.id and seeker.surveys[0].recorded_by_id is None

    again = runner.invoke(args=["import-surveys", str(path), "--facility", "SH-QP", "--json"])
    report = json.loads(again.output)
    assert (report["created"], report["updated"], report["unchanged"]) == (0, 0, 1)
    events = db.session.scalars(sa.select(AuditEvent.detail).where(
        AuditEvent.action == "surveys_imported")).all()
    assert [e["via"] for e in events] == ["cli", "cli"]


def test_cli_dry_run_text_report_and_exit_codes(runner, facility, tmp_path, monkeypatch):
    path = tmp_path / "surveys.csv"
    path.write_text("求职者编号,姓名,调查日期,第一志愿,预计出所日期\n"
                    f"QP0001,张三,{SURVEYED},保安,{RELEASE}\n", encoding="utf-8")
    result = runner.invoke(args=["import-surveys", str(path), "--facility", "SH-QP",
                                 "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "1 rows: 1 created, 0 updated, 0 unchanged, 0 rejected." in result.output
    assert "Dry run: nothing was written." in result.output
    assert count(Seeker) == 0

    result = runner.invoke(args=["import-surveys", str(path), "--facility", "NOPE"])
    assert result.exit_code == 2 and "NOPE" in result.output
    (tmp_path / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 50)
    result = runner.invoke(args=["import-surveys", str(tmp_path / "old.xls"),
                                 "--facility", "SH-QP"])
    assert result.exit_code == 2 and "old Excel format" in result.output

    path.write_text("求职者编号,调查日期,第一志愿,预计出所日期,最低月工资\n"
                    f"QP0001,{SURVEYED},保安,{RELEASE},8OOO\n", encoding="utf-8")
    monkeypatch.setenv("QIBU_CLI_LANG", "zh")
    result = runner.invoke(args=["import-surveys", str(path), "--facility", "SH-QP"])
    assert result.exit_code == 1
    assert "无法识别薪资“8OOO”" in result.output


def test_import_dir_default_is_in_the_instance_folder():
    from app.config import BASE_DIR, Config

    assert Path(Config.IMPORT_DIR) == BASE_DIR / "instance" / "imports"
    assert Config.IMPORT_MAX_ROWS == 20000


def test_a_confirm_in_progress_is_said_on_the_preview_instead_of_a_second_button(
        app, client, clerk):
    from app.imports.pages import store

    response = upload(client, workbook([row()]))
    preview = response.headers["Location"]
    token = preview.rstrip("/").rsplit("/", 1)[-1]
    with app.test_request_context():
        uploads = store()
    with uploads.lock(token):  # another worker is saving this upload right now
        page = client.get(preview).get_data(as_text=True)
        assert "This import is being saved right now" in page
        assert "Import 1 surveys" not in page
    page = client.get(preview).get_data(as_text=True)
    assert "being saved right now" not in page and "Import 1 surveys" in page
