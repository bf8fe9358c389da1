"""Speed of the job-posting spreadsheet import (``make bench``; never part of the default run).

Generates 10,000 job postings written the way job boards and employers write them, from
about 1,500 employers (a few hundred already registered, some known by a valid unified
social credit code), in two files:

- a 51job export as CSV (jobid, job_name, company_name, companytype_text,
  providesalary_text as '6-8千/月', '1-1.5万/月', '7-14万/年', '150元/天', '25元/小时',
  '20-30K', '18-35K·13薪', '面议' or blank, workarea_text as '上海-浦东新区',
  '上海·徐汇区·漕河泾', '浦东', '闸北区' or '北京-朝阳区', jobwelf, updatedate '10-14'
  and attribute_text "['上海-静安区', '无需经验', '本科', '招若干人']");
- an employer's list under the template's Chinese headers, in a workbook stored as
  Excel stores one (shared strings and a sheet dimension), without job references: each
  opening is known by its employer, title and place.

Each file is imported into a fresh SQLite database through the real flow, as
employment-centre staff do: upload (read, header mapping, every row checked, one plan
against the database), the preview page, and confirm (new employers and openings
written, one commit); then the same file again, where every row is unchanged. Prints
rows per second, the peak memory Python allocated (tracemalloc, in a separate traced
run) and the ratio to a bare baseline measured in the same run on the same file:
pandas reading it plus a Core bulk insert of its employers and openings, with no checking
at all. Target: 10,000 rows in under 10 s, printed as PASS or MISS; nothing here asserts
a time. What is asserted are the counts: every Shanghai row creates an opening, every
other row is rejected, and the second import creates nothing.
"""

from __future__ import annotations

import csv
import io
import os
import random
import time
import tracemalloc
from datetime import datetime, timedelta
from itertools import accumulate
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from bench_survey_import import store_like_excel
from openpyxl import Workbook
from synthetic import CATEGORY_TEXT
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from app import create_app
from app.admin.operations import create_user
from app.clock import local_today
from app.config import TestingConfig
from app.imports.openings import OPENING_COLUMNS
from app.seeding import load_reference_data
from app.services.categories import category_classifier
from models import AuditEvent, Base, Employer, EmployerStatus, Opening, Role, db
from surveys.values import (
    USCC_ALPHABET,
    normalize_employer_name,
    organisation_code_check_character,
    uscc_check_character,
)

ROWS = 10_000
EMPLOYERS = 1_500
REGISTERED = 300  # employers the centre registered before the import
TARGET_SECONDS = 10.0
SEED_DIR = Path(__file__).resolve().parents[2] / "seed_data"
PASSWORD = "bench-password-long-enough"

# Shanghai districts: (adcode, the ways a job board or an employer writes them)
DISTRICTS = [
    ("310115", ("上海-浦东新区", "浦东", "上海市浦东新区张江镇", "上海·浦东新区·金桥")),
    ("310104", ("上海-徐汇区", "上海·徐汇区·漕河泾", "徐汇")),
    ("310106", ("上海-静安区", "闸北区", "上海-闸北区", "静安")),
    ("310112", ("上海-闵行区", "闵行", "上海市闵行区")),
    ("310113", ("上海-宝山区", "宝山", "上海·宝山区·顾村")),
    ("310114", ("上海-嘉定区", "嘉定区", "上海·嘉定区·安亭")),
    ("310117", ("上海-松江区", "松江", "上海·松江区·九亭")),
    ("310118", ("上海-青浦区", "青浦", "上海-青浦区")),
    ("310120", ("上海-奉贤区", "奉贤区", "上海·奉贤区·南桥")),
    ("310107", ("上海-普陀区", "普陀区", "上海·普陀区·真如")),
    ("310110", ("上海-杨浦区", "杨浦", "上海-杨浦区")),
    ("310101", ("上海-黄浦区", "卢湾区", "黄浦")),
    ("310116", ("上海-金山区", "金山区")),
    ("310151", ("上海-崇明区", "崇明")),
    (None, ("上海",)),  # the board says only the city
]
ELSEWHERE = ("北京-朝阳区", "北京-海淀区", "杭州-西湖区", "苏州-工业园区", "昆山", "异地招聘")
OUTSIDE_SHARE = 0.06
PAYS_BY_LEVEL = {  # one list per kind of job: ordinary, skilled, office
    0: ("6-8千/月", "4.5-6千/月", "5-7千/月", "150元/天", "25元/小时", "面议", "", "4500",
        "6000-8000元/月", "5千以上/月"),
    1: ("1-1.5万/月", "8千-1万/月", "7-14万/年", "6-9千/月", "面议", "", "8000-12000"),
    2: ("20-30K", "18-35K·13薪", "1-1.5万/月", "15-25万/年", "面议", "1.2-2万/月"),
}
SKILLED = {"driver", "forklift", "electrician", "welder", "auto_repair", "maintenance",
           "machine_operator", "kitchen", "hairdresser"}
OFFICE = {"ecommerce", "admin_clerk", "sales"}
COMPANY_TYPES = ("民营公司", "民营公司", "国企", "外资（欧美）", "合资", "上市公司", "事业单位")
INDUSTRIES = ("物流", "供应链管理", "物业管理", "餐饮管理", "保安服务", "人力资源", "机械制造",
              "电子科技", "食品", "清洁服务", "快递", "汽车服务", "建筑工程", "装饰工程",
              "酒店管理", "商贸", "家政服务", "环保科技", "包装材料", "医疗器械")
BRAND_CHARACTERS = "宏盛华鑫通达安顺恒泰嘉和永兴东方新联申浦江海锦程瑞祥金桥远航天昌隆益明星博"
WELFARE = ("五险一金 包吃包住 年终奖金", "五险一金 员工旅游 餐饮补贴", "", "包住 交通补贴",
           "五险 提供宿舍 加班补贴", "五险一金 带薪年假", "餐补 全勤奖", "五险一金 住房补贴")
EXPERIENCE = ("无需经验", "无需经验", "1年经验", "2年经验", "3-4年经验", "5-7年经验",
              "在校生/应届生")
EDUCATION = ("初中及以下", "高中", "中专/中技", "中技", "大专", "本科", None)
HEADCOUNT = ("招1人", "招2人", "招5人", "招10人", "招若干人", None)
SHIFTS = ("白班", "", "", "两班倒", "夜班", "长白班")


def make_employers(rng: random.Random) -> list[dict]:
    """About 1,500 employers: names (some with (集团), written with either kind of
    bracket), a kind, and for 40 % a valid credit code."""
    names: set[str] = set()
    employers = []
    while len(employers) < EMPLOYERS:
        brand = "".join(rng.choices(BRAND_CHARACTERS, k=2))
        group = "（集团）" if rng.random() < 0.1 else ""
        name = f"上海{brand}{rng.choice(INDUSTRIES)}{group}有限公司"
        if normalize_employer_name(name) in names:
            continue
        names.add(normalize_employer_name(name))
        uscc = None
        if rng.random() < 0.4:
            first16 = "913101" + "".join(rng.choices(USCC_ALPHABET, k=10))
            first17 = first16 + organisation_code_check_character(first16[8:])
            uscc = first17 + uscc_check_character(first17)
        employers.append({"name": name, "uscc": uscc, "type": rng.choice(COMPANY_TYPES)})
    return employers


def make_postings(rows: int, seed: int = 11) -> tuple[list[dict], list[dict]]:
    """`rows` postings; a Shanghai posting's (employer, title, district) is unique."""
    rng = random.Random(seed)
    employers = make_employers(rng)
    # a few employers post a lot, most post a handful
    employer_weights = list(accumulate(1.0 / (rank + 1) ** 0.6 for rank in range(EMPLOYERS)))
    categories = list(CATEGORY_TEXT)
    category_weights = list(accumulate(CATEGORY_TEXT[c][0] for c in categories))
    today = local_today()
    seen: set[tuple] = set()
    postings = []
    while len(postings) < rows:
        e = rng.choices(range(EMPLOYERS), cum_weights=employer_weights)[0]
        category = rng.choices(categories, cum_weights=category_weights)[0]
        title = rng.choice(CATEGORY_TEXT[category][2])
        outside = rng.random() < OUTSIDE_SHARE
        if outside:
            adcode, place = None, rng.choice(ELSEWHERE)
        else:
            adcode, spellings = rng.choice(DISTRICTS)
            place = rng.choice(spellings)
            if (e, title, adcode) in seen:
                continue
            seen.add((e, title, adcode))
        level = 2 if category in OFFICE else 1 if category in SKILLED else 0
        name = employers[e]["name"]
        if "（集团）" in name and rng.random() < 0.3:
            name = name.replace("（集团）", "(集团)")
        elif rng.random() < 0.05:
            name = f" {name[:2]} {name[2:]} "  # stray spaces
        postings.append({
            "n": len(postings), "employer": e, "employer_name": name, "title": title,
            "category": category, "outside": outside, "adcode": adcode, "place": place,
            "pay": rng.choice(PAYS_BY_LEVEL[level]), "welfare": rng.choice(WELFARE),
            "experience": rng.choice(EXPERIENCE), "education": rng.choice(EDUCATION),
            "headcount": rng.choice(HEADCOUNT), "shift": rng.choice(SHIFTS),
            "posted": today - timedelta(days=rng.randrange(90)),
            "duties": "、".join(rng.sample(CATEGORY_TEXT[category][3], 2)),
        })
    return postings, employers


def write_51job_csv(path: Path, postings: list[dict], employers: list[dict]) -> None:
    """The postings as a 51job export: its column names, a list-like attribute cell."""
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["jobid", "job_name", "company_name", "companytype_text",
                      "providesalary_text", "workarea_text", "jobwelf", "updatedate",
                      "attribute_text"])
        for p in postings:
            attributes = [p["place"], p["experience"], p["education"], p["headcount"]]
            out.writerow([
                str(128_000_000 + p["n"] * 7), p["title"], p["employer_name"],
                employers[p["employer"]]["type"], p["pay"], p["place"], p["welfare"],
                p["posted"].strftime("%m-%d"),
                repr([a for a in attributes if a is not None]),
            ])


def category_names() -> dict[str, str]:
    """Chinese category names by code, as the template's notes sheet lists them."""
    frame = pd.read_csv(SEED_DIR / "categories.csv", dtype=str)
    return dict(zip(frame["code"], frame["name_zh"], strict=True))


def write_template_xlsx(path: Path, postings: list[dict], employers: list[dict]) -> None:
    """The postings as an employer's list under the template's headers, no references."""
    headers = {c.key: c.header["zh"] for c in OPENING_COLUMNS}
    keys = ["title", "employer", "uscc", "company_type", "salary", "place", "education",
            "experience", "headcount", "welfare", "accommodation", "shift", "category",
            "description", "posted_on"]
    names = category_names()
    book = Workbook()
    sheet = book.active
    sheet.title = "招聘岗位"
    sheet.append([headers[key] for key in keys])
    for p in postings:
        employer = employers[p["employer"]]
        n = p["n"]
        headcount = p["headcount"]
        if headcount is not None and n % 2:
            headcount = headcount.removeprefix("招").removesuffix("人")
            headcount = int(headcount) if headcount.isdigit() else "若干"
        posted = p["posted"]
        sheet.append([
            p["title"], p["employer_name"], employer["uscc"], employer["type"], p["pay"],
            p["place"], (p["education"] or "").split("/")[0] or None,
            p["experience"], headcount, p["welfare"] or None,
            ("是" if "宿舍" in p["welfare"] else "否") if n % 3 == 0 else None,
            p["shift"] or None,
            names[p["category"]] if n % 4 == 0 else None,  # mostly left to the classifier
            f"{p['duties']}，服从安排。",
            datetime.combine(posted, datetime.min.time()) if n % 2 else posted.isoformat(),
        ])
    book.save(path)


def fresh_app(folder: Path, employers: list[dict]):
    """A new SQLite database with the reference data, a clerk and the employers the
    centre registered before (verified; half of them with their credit code).

    The title classifier is cached beside the run's databases (never in instance/):
    the first app fits it, as a fresh server does once, and the time is returned."""
    folder.mkdir(parents=True, exist_ok=True)
    app = create_app(TestingConfig,
                     SQLALCHEMY_DATABASE_URI=f"sqlite:///{folder / 'qibu.sqlite3'}",
                     IMPORT_DIR=str(folder / "imports"), IMPORT_MAX_ROWS=ROWS,
                     CACHE_DIR=str(folder.parent / "cache"))
    with app.app_context():
        Base.metadata.create_all(db.engine)
        load_reference_data(SEED_DIR)
        create_user("clerk", PASSWORD, Role.EMPLOYMENT)
        for index, employer in enumerate(employers[:REGISTERED]):
            db.session.add(Employer(
                name=employer["name"], normalized_name=normalize_employer_name(employer["name"]),
                uscc=employer["uscc"] if index % 2 else None, status=EmployerStatus.VERIFIED))
        db.session.commit()
        started = time.perf_counter()
        category_classifier()
        warm = time.perf_counter() - started
    return app, warm


def real_import(app, path: Path) -> dict[str, float]:
    """Upload, show the preview and confirm through the web client; wall and CPU seconds
    of each step."""
    client = app.test_client()
    client.post("/login", data={"username": "clerk", "password": PASSWORD})
    # encoded up front: the test client's own encoder leaves a temporary file open
    boundary, body = encode_multipart(
        {"file": FileStorage(io.BytesIO(path.read_bytes()), path.name)})
    steps: dict[str, float] = {}
    wall, cpu = time.perf_counter(), time.process_time()

    def lap(step: str) -> None:
        nonlocal wall, cpu
        steps[step], steps[f"{step}_cpu"] = time.perf_counter() - wall, time.process_time() - cpu
        wall, cpu = time.perf_counter(), time.process_time()

    response = client.post("/employment/import/", data=body,
                           content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    lap("upload")
    preview = response.headers["Location"]
    assert client.get(preview).status_code == 200
    lap("page")
    response = client.post(preview + "/confirm")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/employment/import/")
    lap("confirm")
    steps["total"] = steps["upload"] + steps["page"] + steps["confirm"]
    steps["total_cpu"] = steps["upload_cpu"] + steps["page_cpu"] + steps["confirm_cpu"]
    return steps


def traced_import(app, path: Path) -> dict[str, float]:
    """Peak bytes Python allocated while checking (upload) and while saving (confirm)."""
    client = app.test_client()
    client.post("/login", data={"username": "clerk", "password": PASSWORD})
    boundary, body = encode_multipart(
        {"file": FileStorage(io.BytesIO(path.read_bytes()), path.name)})
    tracemalloc.start()
    try:
        response = client.post("/employment/import/", data=body,
                               content_type=f"multipart/form-data; boundary={boundary}")
        upload = tracemalloc.get_traced_memory()[1]
        tracemalloc.reset_peak()
        client.get(response.headers["Location"])
        page = tracemalloc.get_traced_memory()[1]
        tracemalloc.reset_peak()
        response = client.post(response.headers["Location"] + "/confirm")
        confirm = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert response.status_code == 302
    return {"upload": upload, "page": page, "confirm": confirm}


def bare_import(app, path: Path) -> float:
    """pandas reading the file plus a Core bulk insert of its employers and openings,
    unchecked: no parsing of pay or place, no lookup, no plan."""
    start = time.perf_counter()
    if path.suffix == ".csv":
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        columns = {"job_name": "title", "company_name": "employer",
                   "providesalary_text": "salary", "jobid": "ref"}
    else:
        frame = pd.read_excel(path, dtype=object)
        columns = {c.header["zh"]: c.key for c in OPENING_COLUMNS}
    frame = frame.rename(columns=columns)
    if "ref" not in frame:
        frame["ref"] = [f"bare-{n}" for n in range(len(frame))]
    with app.app_context(), db.engine.begin() as connection:
        known = set(connection.scalars(sa.select(Employer.name)))
        names = sorted(set(frame["employer"]) - known)
        connection.execute(sa.insert(Employer), [
            {"name": name, "normalized_name": name, "status": EmployerStatus.UNVERIFIED}
            for name in names])
        ids = dict(connection.execute(sa.select(Employer.name, Employer.id)).all())
        today = local_today()
        connection.execute(sa.insert(Opening), [
            {"ref": ref, "employer_id": ids[employer], "title": title,
             "category_code": "logistics", "salary_text": str(salary)[:60],
             "description": "", "accommodation": False, "shift": "day", "education_min": 0,
             "experience_min": 0.0, "certificates_required": [], "environments": [],
             "filled": 0, "status": "open", "posted_on": today, "source": "bench"}
            for ref, employer, title, salary in zip(
                frame["ref"], frame["employer"], frame["title"], frame["salary"], strict=True)
        ])
    return time.perf_counter() - start


def saved_counts(app) -> dict:
    """Openings and employers in the database, and the last import's audited counts."""
    with app.app_context():
        counts = {
            "openings": db.session.scalar(sa.select(sa.func.count(Opening.id))),
            "employers": db.session.scalar(sa.select(sa.func.count(Employer.id))),
            "audited": db.session.scalars(
                sa.select(AuditEvent.detail).where(AuditEvent.action == "openings_imported")
                .order_by(AuditEvent.id)).all(),
        }
        db.session.remove()
        db.engine.dispose()
    return counts


def _line(label: str, steps: dict[str, float]) -> str:
    seconds = steps["total"]
    verdict = "PASS" if seconds < TARGET_SECONDS else "MISS"
    return (f"  {label:<34} {seconds:6.2f} s wall {steps['total_cpu']:6.2f} s CPU "
            f"{ROWS / seconds:7,.0f} rows/s   target < {TARGET_SECONDS:.0f} s: {verdict}\n"
            f"    upload + check + plan {steps['upload']:5.2f} s, preview page "
            f"{steps['page']:5.2f} s, confirm (write + commit) {steps['confirm']:5.2f} s")


@pytest.mark.slow
def test_opening_import_of_10000_rows(tmp_path):
    postings, employers = make_postings(ROWS)
    shanghai = [p for p in postings if not p["outside"]]
    expected_employers = len({p["employer"] for p in shanghai} | set(range(REGISTERED)))
    csv_path = tmp_path / "51job.csv"
    write_51job_csv(csv_path, postings, employers)
    xlsx_path = tmp_path / "openings.xlsx"
    write_template_xlsx(tmp_path / "generated.xlsx", postings, employers)
    store_like_excel(tmp_path / "generated.xlsx", xlsx_path)

    figures = {}
    for path in (csv_path, xlsx_path):
        app, warm = fresh_app(tmp_path / f"real-{path.suffix[1:]}", employers)
        first = real_import(app, path)
        again = real_import(app, path)  # the same file again: every row unchanged
        counts = saved_counts(app)
        created, repeated = counts["audited"]
        assert (created["created"], created["updated"], created["rejected"]) == (
            len(shanghai), 0, ROWS - len(shanghai))
        assert created["parsed"]["salary"] == len(shanghai)  # every pay was understood
        assert (repeated["created"], repeated["updated"], repeated["unchanged"]) == (
            0, 0, len(shanghai))
        assert counts["openings"] == len(shanghai)
        assert counts["employers"] == expected_employers
        created_employers = created["new_employers"]

        bare_app, _ = fresh_app(tmp_path / f"bare-{path.suffix[1:]}", employers)
        cpu = time.process_time()
        bare = bare_import(bare_app, path)
        bare_cpu = time.process_time() - cpu
        saved_counts(bare_app)
        figures[path.suffix] = (first, again, bare, bare_cpu, warm, created_employers)

    traced_app, _ = fresh_app(tmp_path / "traced", employers)
    peaks = traced_import(traced_app, csv_path)
    saved_counts(traced_app)

    load = os.getloadavg()
    print(f"\nopening import, {ROWS:,} postings ({len(shanghai):,} in Shanghai) from "
          f"{EMPLOYERS:,} employers ({REGISTERED} registered before) into a fresh SQLite "
          f"database (load average {load[0]:.1f} {load[1]:.1f} on {os.cpu_count()} CPUs)")
    for suffix, label in ((".csv", "51job export, CSV"),
                          (".xlsx", "template headers, XLSX as Excel stores it")):
        first, again, bare, bare_cpu, warm, created_employers = figures[suffix]
        print(f" {label}: {created_employers:,} employers registered as unverified; "
              f"title classifier ready in {warm:.2f} s before the import (fitted once)")
        print(_line("first import (all new)", first))
        print(_line("same file again (all unchanged)", again))
        print(f"  bare read + bulk insert: {bare:6.2f} s wall, {bare_cpu:5.2f} s CPU, "
              f"{ROWS / bare:7,.0f} rows/s; ratio real / bare: {first['total'] / bare:4.1f}x "
              f"wall, {first['total_cpu'] / bare_cpu:4.1f}x CPU")
    mib = 1024 * 1024
    print(f" peak memory Python allocated (tracemalloc, CSV, first import): upload + check "
          f"{peaks['upload'] / mib:6.1f} MiB, preview page {peaks['page'] / mib:5.1f} MiB, "
          f"confirm {peaks['confirm'] / mib:6.1f} MiB")
