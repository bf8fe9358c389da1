"""Speed of the survey spreadsheet import (``make bench``; never part of the default run).

Generates 10,000 survey rows written the way real files are (8千, 8000元, 8k, 6000-8000,
浦东, 2026.7, 2026年7月, Excel dates, full-width digits, stray spaces) in a workbook
stored as Excel stores one (shared strings and a sheet dimension, which openpyxl alone
does not write), then imports them
into a fresh SQLite database through the real flow, as bureau staff do: upload (pandas +
openpyxl read, header mapping, every row checked, one plan against the database) and
confirm (every row written with the survey form's `apply_answers`, one commit). Prints
rows per second and the ratio to a bare baseline measured in the same run on the same
file: ``pandas.read_excel`` plus a Core bulk insert of the seekers and surveys, with no
checking at all. Target: 10,000 rows in under 10 s. Nothing here asserts a time.
"""

from __future__ import annotations

import io
import os
import re
import time
import zipfile
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa
from openpyxl import Workbook
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from app import create_app
from app.admin.operations import create_user
from app.clock import local_today
from app.config import TestingConfig
from app.imports.surveys import SURVEY_COLUMNS
from app.seeding import load_reference_data
from models import AuditEvent, Base, Facility, Role, Seeker, Survey, db

ROWS = 10_000
TARGET_SECONDS = 10.0
SEED_DIR = Path(__file__).resolve().parents[2] / "seed_data"
PASSWORD = "bench-password-long-enough"

PAYS = ["8千", "8000元", "8k", "6000-8000", 5500, "６５００", " 7000 ", "6-8千"]
HOPED = [None, "1万", None, None, 9000, "9千", "8500", None]
DISTRICTS = ["浦东", "闵行区", "青浦", "嘉定区", "宝山", "松江", "徐汇", "闸北"]
CATEGORIES = ["物流仓储操作员", "车间工人/普工", "保安员", "快递外卖配送员", "驾驶员", "叉车",
              "厨师及厨房帮工", "保洁员", "销售人员", "电话客服"]


def make_workbook(path: Path, rows: int, seed: int = 7) -> None:
    """Write `rows` messy survey rows under the template's Chinese headers."""
    rng = np.random.default_rng(seed)
    keys = [c.key for c in SURVEY_COLUMNS]
    today = local_today()
    # a normal workbook, not write-only: like Excel, it records the sheet's dimension
    book = Workbook()
    sheet = book.active
    sheet.title = "就业意向调查"
    sheet.append(["2026年出所人员就业意向调查"])
    sheet.append([c.header["zh"] for c in SURVEY_COLUMNS])
    for n in range(rows):
        i = int(rng.integers(0, 8))
        first, second = rng.choice(len(CATEGORIES), size=2, replace=False)
        surveyed = today - timedelta(days=int(rng.integers(1, 200)))
        release = today + timedelta(days=int(rng.integers(10, 400)))
        values = {
            "facility_ref": f"QB{n:07d}", "name": f"测试{n}", "gender": "男" if i % 5 else "女",
            "birth_year": 1970 + n % 30, "hukou_shanghai": "是" if i % 3 else "否",
            "surveyed_on": datetime.combine(surveyed, datetime.min.time()) if i % 2
            else surveyed.strftime("%Y年%m月%d日"),
            "categories_1": CATEGORIES[first], "categories_2": CATEGORIES[second],
            "salary_min": PAYS[i], "salary_hoped": HOPED[i],
            "work_pattern": "全职", "shifts": "白班、倒班" if i % 2 else "白班",
            "home_district": DISTRICTS[i], "districts": f"{DISTRICTS[i]}、{DISTRICTS[i - 1]}",
            "needs_accommodation": "是" if i % 3 == 0 else "否", "education": "初中",
            "work_history": "物流仓储操作员 3年" if i % 2 else "",
            "certificates": "叉车证" if i % 4 == 0 else "", "skills_text": "吃苦耐劳",
            "health_limits": "", "avoid": "夜场、酒吧" if i % 2 else "夜场及娱乐场所",
            "training_interests": "电工" if i % 3 == 0 else "",
            "expected_release_date": release.strftime("%Y.%m") if i % 3 == 0
            else release.isoformat(),
            "consent_share": "是", "consent_contact": "是" if i % 2 else "否",
        }
        sheet.append([values.get(key) for key in keys])
    book.save(path)


_INLINE = re.compile(r'<c r="([A-Z]+\d+)"((?: s="\d+")?) t="inlineStr"'
                     r'(?: />|><is><t(?: xml:space="preserve")?>(.*?)</t></is></c>)')
_SST_TYPE = (b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
             b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>')
_SST_REL = (b'<Relationship Id="rIdSharedStrings" Type="http://schemas.openxmlformats.org/'
            b'officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>')


def store_like_excel(source: Path, target: Path) -> None:
    """Rewrite openpyxl's inline strings as a shared-string table, as Excel writes text."""
    strings: dict[str, int] = {}

    def shared(match):
        if not match[3]:
            return f'<c r="{match[1]}"{match[2]}/>'
        index = strings.setdefault(match[3], len(strings))
        return f'<c r="{match[1]}"{match[2]} t="s"><v>{index}</v></c>'

    with zipfile.ZipFile(source) as old, \
            zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for item in old.infolist():
            data = old.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                data = _INLINE.sub(shared, data.decode("utf-8")).encode("utf-8")
            elif item.filename == "[Content_Types].xml":
                data = data.replace(b"</Types>", _SST_TYPE + b"</Types>")
            elif item.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(b"</Relationships>", _SST_REL + b"</Relationships>")
            new.writestr(item, data)
        table = "".join(f'<si><t xml:space="preserve">{text}</t></si>' for text in strings)
        new.writestr("xl/sharedStrings.xml", (
            '<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats'
            f'.org/spreadsheetml/2006/main" uniqueCount="{len(strings)}">{table}</sst>'))


def fresh_app(folder: Path):
    folder.mkdir(parents=True, exist_ok=True)
    app = create_app(TestingConfig,
                     SQLALCHEMY_DATABASE_URI=f"sqlite:///{folder / 'qibu.sqlite3'}",
                     IMPORT_DIR=str(folder / "imports"), IMPORT_MAX_ROWS=ROWS)
    with app.app_context():
        Base.metadata.create_all(db.engine)
        load_reference_data(SEED_DIR)
        facility = Facility(code="SH-QP", name_zh="青溪所", name_en="Qingxi")
        db.session.add(facility)
        db.session.flush()
        create_user("clerk", PASSWORD, Role.BUREAU, facility_id=facility.id)
        db.session.commit()
        facility_id = facility.id
    return app, facility_id


def real_import(app, path: Path) -> dict[str, float]:
    """Upload and confirm through the web client; return wall and CPU seconds of each."""
    client = app.test_client()
    client.post("/login", data={"username": "clerk", "password": PASSWORD})
    # encoded up front: the test client's own encoder leaves a temporary file open
    boundary, body = encode_multipart(
        {"file": FileStorage(io.BytesIO(path.read_bytes()), "surveys.xlsx")})
    wall, cpu = time.perf_counter(), time.process_time()
    response = client.post("/bureau/import/", data=body,
                           content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    preview_wall, preview_cpu = time.perf_counter(), time.process_time()
    response = client.post(response.headers["Location"] + "/confirm")
    assert response.status_code == 302
    return {"preview": preview_wall - wall, "preview_cpu": preview_cpu - cpu,
            "confirm": time.perf_counter() - preview_wall,
            "confirm_cpu": time.process_time() - preview_cpu}


def bare_import(app, path: Path, facility_id: int) -> float:
    """pandas.read_excel plus a Core bulk insert of the same rows, unchecked."""
    start = time.perf_counter()
    frame = pd.read_excel(path, header=1, dtype=object)
    columns = {c.header["zh"]: c.key for c in SURVEY_COLUMNS}
    frame = frame.rename(columns=columns)
    with app.app_context(), db.engine.begin() as connection:
        connection.execute(sa.insert(Seeker), [
            {"code": code, "facility_id": facility_id, "name": name, "education": 2,
             "hukou_shanghai": False, "status": "in_facility", "consent_share": False,
             "consent_contact": False}
            for code, name in zip(frame["facility_ref"], frame["name"], strict=True)
        ])
        ids = dict(connection.execute(sa.select(Seeker.code, Seeker.id)).all())
        connection.execute(sa.insert(Survey), [
            {"seeker_id": ids[code], "surveyed_on": local_today(), "answers": {},
             "salary_min": None, "salary_hoped": None, "districts": [], "shifts": [],
             "work_history": [], "certificates": [], "avoid": [],
             "training_interests": [], "skills_text": str(skills),
             "health_limits": "", "work_pattern": "full_time", "questionnaire_version": 1,
             "needs_accommodation": False, "source": "bench"}
            for code, skills in zip(frame["facility_ref"], frame["skills_text"], strict=True)
        ])
    return time.perf_counter() - start


@pytest.mark.slow
def test_survey_import_of_10000_rows(tmp_path):
    path = tmp_path / "surveys.xlsx"
    make_workbook(tmp_path / "generated.xlsx", ROWS)
    store_like_excel(tmp_path / "generated.xlsx", path)
    app, _ = fresh_app(tmp_path / "real")
    times = real_import(app, path)
    real = times["preview"] + times["confirm"]
    again = real_import(app, path)  # the same file again: every row unchanged
    with app.app_context():
        seekers = db.session.scalar(sa.select(sa.func.count(Seeker.id)))
        surveys = db.session.scalar(sa.select(sa.func.count(Survey.id)))
        imported = db.session.scalar(
            sa.select(AuditEvent.detail).where(AuditEvent.action == "surveys_imported")
            .order_by(AuditEvent.id.desc()).limit(1))
        db.engine.dispose()
    assert (seekers, surveys) == (ROWS, ROWS)
    assert (imported["created"], imported["updated"], imported["unchanged"]) == (0, 0, ROWS)

    base_app, facility_id = fresh_app(tmp_path / "bare")
    cpu = time.process_time()
    bare = bare_import(base_app, path, facility_id)
    bare_cpu = time.process_time() - cpu
    with base_app.app_context():
        db.engine.dispose()

    load = os.getloadavg()[0]
    print(f"\nsurvey import, {ROWS:,} rows into a fresh SQLite database "
          f"(load average {load:.1f} on {os.cpu_count()} CPUs)")
    print(f"  upload + check + plan (preview): {times['preview']:6.2f} s wall, "
          f"{times['preview_cpu']:5.2f} s CPU")
    print(f"  confirm (write + commit):        {times['confirm']:6.2f} s wall, "
          f"{times['confirm_cpu']:5.2f} s CPU")
    print(f"  real flow:  {real:6.2f} s  {ROWS / real:7,.0f} rows/s  "
          f"(target < {TARGET_SECONDS:.0f} s: {'met' if real < TARGET_SECONDS else 'MISSED'})")
    print(f"  the same file again (all unchanged): {again['preview'] + again['confirm']:6.2f} s "
          f"wall, {again['preview_cpu'] + again['confirm_cpu']:5.2f} s CPU")
    print(f"  bare pandas read + bulk insert: {bare:6.2f} s wall, {bare_cpu:5.2f} s CPU, "
          f"{ROWS / bare:7,.0f} rows/s")
    print(f"  ratio real / bare: {real / bare:4.1f}x wall, "
          f"{(times['preview_cpu'] + times['confirm_cpu']) / bare_cpu:4.1f}x CPU")
