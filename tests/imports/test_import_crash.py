"""An import killed at random points leaves all or nothing; re-running it gives exactly the file.

The real command, ``qibu import-surveys FILE --facility CODE``, runs in a subprocess
against a database of its own (a temporary SQLite file; with QIBU_TEST_DATABASE_URL on
PostgreSQL also a schema of its own there) and is killed with SIGKILL:

* while it writes: the test watches the database from outside (SQLite: the write lock,
  probed with ``BEGIN IMMEDIATE``; PostgreSQL: the importer's connection holding a
  transaction id) and kills it a seeded random moment after the writing began;
* at seeded random moments anywhere from reading the file to committing.

The file registers new people and updates the surveys of people imported earlier. After
every kill the database holds either none of the file's changes or all of them (and on
SQLite passes ``PRAGMA integrity_check``); a kill that came after the commit is undone
by restoring the rows as they were, so the next kill meets the same starting point.
Then the import runs to completion and the database holds exactly the file's rows, and
running it once more changes nothing.
"""

from __future__ import annotations

import csv
import json
import os
import random
import re
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from app import create_app
from app.admin.operations import create_user
from app.clock import local_today
from app.config import TestingConfig
from app.imports.store import LOCK_NAME
from app.imports.surveys import SURVEY_COLUMNS
from app.seeding import load_reference_data
from models import (
    AuditEvent,
    Base,
    Facility,
    ImportUpload,
    JobCategory,
    Role,
    Seeker,
    Survey,
    SurveyIntention,
    db,
)

ROOT = Path(__file__).resolve().parents[2]
SEED_DIR = ROOT / "seed_data"
FACILITY = "CRASH"
NEW_PEOPLE = 1_800  # rows registering a new person with a first survey
UPDATED_PEOPLE = 200  # rows correcting the survey of a person imported before
KILLS_WHILE_WRITING = 2
KILLS_AT_RANDOM = 2
SEED = 20260626
APPLICATION_NAME = "qibu-import-crash"
# the rows one import touches, children first (restored after a kill that came too late)
TOUCHED_TABLES = ("survey_intentions", "surveys", "seekers", "audit_events")


# --- the file -------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    code: str
    name: str
    surveyed_on: date
    salary_min: int
    categories: tuple[str, ...]


def _people(categories: list[tuple[str, str]],
            new_people: int = NEW_PEOPLE) -> tuple[list[Row], list[Row]]:
    """The rows imported before the crash test, and the crash test's file."""
    surveyed = local_today() - timedelta(days=30)
    earlier, rows = [], []
    for n in range(UPDATED_PEOPLE):
        code, name = f"QE{n:06d}", f"早先{n}"
        earlier.append(Row(code, name, surveyed, 4500,
                           (categories[n % len(categories)][0],)))
        rows.append(Row(code, name, surveyed, 6000 + n % 7 * 100,
                        (categories[(n + 3) % len(categories)][0],
                         categories[(n + 4) % len(categories)][0])))
    for n in range(new_people):
        rows.append(Row(f"QN{n:06d}", f"新人{n}", surveyed - timedelta(days=n % 60),
                        4000 + n % 20 * 150,
                        (categories[n % len(categories)][0],
                         categories[(n + 1) % len(categories)][0])))
    return earlier, rows


def _write_csv(path: Path, rows: list[Row], names_zh: dict[str, str]) -> None:
    """Write the rows as bureau staff fill the template: Chinese headers and names."""
    keys = [c.key for c in SURVEY_COLUMNS]
    release = (local_today() + timedelta(days=90)).isoformat()
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([c.header["zh"] for c in SURVEY_COLUMNS])
        for n, row in enumerate(rows):
            values = {
                "facility_ref": row.code, "name": row.name, "gender": "男" if n % 4 else "女",
                "birth_year": 1975 + n % 25, "hukou_shanghai": "否",
                "surveyed_on": row.surveyed_on.isoformat(), "salary_min": row.salary_min,
                "work_pattern": "全职", "shifts": "白班", "home_district": "浦东",
                "education": "初中", "skills_text": "吃苦耐劳", "expected_release_date": release,
                "consent_share": "是", "consent_contact": "否",
            }
            for rank, code in enumerate(row.categories, start=1):
                values[f"categories_{rank}"] = names_zh[code]
            writer.writerow(["" if values.get(k) is None else values[k] for k in keys])


# --- the database ---------------------------------------------------------------------


class Target:
    """One database the importer runs against, and how to watch it from outside."""

    def __init__(self, kind: str, url: str, schema: str | None = None):
        self.kind = kind
        self.url = url  # for the in-process app (engine options add the schema)
        self.schema = schema

    @property
    def command_url(self) -> str:
        """The URL the subprocess gets: the schema and a name to find its connection by."""
        if self.kind == "sqlite":
            return self.url
        url = sa.engine.make_url(self.url).update_query_dict(
            {"options": f"-csearch_path={self.schema}", "application_name": APPLICATION_NAME})
        return url.render_as_string(hide_password=False)

    @property
    def path(self) -> Path:
        return Path(self.url.removeprefix("sqlite:///"))

    def writing(self) -> bool:
        """Whether the importer holds an open write transaction right now."""
        if self.kind == "sqlite":
            probe = sqlite3.connect(self.path, timeout=0, isolation_level=None)
            try:
                probe.execute("BEGIN IMMEDIATE")
                probe.execute("ROLLBACK")
                return False
            except sqlite3.OperationalError:  # "database is locked": a writer holds it
                return True
            finally:
                probe.close()
        with db.engine.connect() as connection:
            return bool(connection.scalar(sa.text(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = :name "
                "AND backend_xid IS NOT NULL"), {"name": APPLICATION_NAME}))

    def wait_until_gone(self, seconds: float = 30.0) -> None:
        """Wait until the server has ended a killed importer's connection (PostgreSQL)."""
        if self.kind == "sqlite":
            return  # the lock went with the process
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            with db.engine.connect() as connection:
                if not connection.scalar(sa.text(
                        "SELECT count(*) FROM pg_stat_activity WHERE application_name = :name"),
                        {"name": APPLICATION_NAME}):
                    return
            time.sleep(0.05)
        raise AssertionError("the killed importer's connection is still open")

    def integrity(self) -> str:
        if self.kind != "sqlite":
            return "ok"
        with sqlite3.connect(self.path) as check:
            problems = [r[0] for r in check.execute("PRAGMA integrity_check")]
            problems += [str(r) for r in check.execute("PRAGMA foreign_key_check")]
        return "ok" if problems == ["ok"] else "; ".join(problems)


def _targets(tmp_path: Path) -> list[Target]:
    targets = [Target("sqlite", f"sqlite:///{tmp_path / 'crash.sqlite3'}")]
    url = os.environ.get("QIBU_TEST_DATABASE_URL", "")
    if url.startswith("postgresql"):
        targets.append(Target("postgresql", url, schema=f"import_crash_{os.getpid()}"))
    return targets


@pytest.fixture(params=["sqlite", "postgresql"])
def target(request, tmp_path):
    """The database to crash into, with an app of the test's own on it; dropped after."""
    chosen = [t for t in _targets(tmp_path) if t.kind == request.param]
    if not chosen:
        pytest.skip("QIBU_TEST_DATABASE_URL does not point at PostgreSQL")
    target = chosen[0]
    options = {}
    admin = None
    if target.schema:
        admin = sa.create_engine(target.url)
        with admin.begin() as connection:
            connection.execute(sa.text(f"DROP SCHEMA IF EXISTS {target.schema} CASCADE"))
            connection.execute(sa.text(f"CREATE SCHEMA {target.schema}"))
        options = {"connect_args": {"options": f"-csearch_path={target.schema}"},
                   "pool_pre_ping": True}
    target.data_key = secrets.token_urlsafe(32)
    target.secret_key = secrets.token_urlsafe(32)
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=target.url,
                     SQLALCHEMY_ENGINE_OPTIONS=options, SECRET_KEY=target.secret_key,
                     DATA_KEY=target.data_key, CACHE_DIR=str(tmp_path / "cache"))
    with app.app_context():
        Base.metadata.create_all(db.engine)
        load_reference_data(SEED_DIR)
        db.session.add(Facility(code=FACILITY, name_zh="崩溃测试所", name_en="Crash test"))
        db.session.commit()
        target.app = app
        try:
            yield target
        finally:
            db.session.remove()
            db.engine.dispose()
    if admin is not None:
        with admin.begin() as connection:
            connection.execute(sa.text(f"DROP SCHEMA IF EXISTS {target.schema} CASCADE"))
        admin.dispose()


def _environment(target: Target, tmp_path: Path) -> dict[str, str]:
    """A deployment's settings for the command, on the test's database and keys."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("QIBU_")}
    # jobs in the request (QIBU_JOBS_SYNC): the confirm, and its kill, are the web worker's;
    # a `qibu worker` killed mid-save is tests/app/test_jobs_queue.py's and
    # tests/app/test_shared_nothing.py's
    env.update(QIBU_ENV="development", QIBU_DATABASE_URL=target.command_url,
               QIBU_JOBS_SYNC="1",
               QIBU_SECRET_KEY=target.secret_key, QIBU_DATA_KEY=target.data_key,
               QIBU_CACHE_DIR=str(tmp_path / "cache"),
               QIBU_IMPORT_DIR=str(tmp_path / "imports"))
    return env


def _command() -> list[str]:
    found = shutil.which("qibu", path=str(Path(sys.executable).parent))
    return [found] if found else [sys.executable, "-c", "from app.cli import main; main()"]


def _snapshot() -> dict[str, list[dict]]:
    with db.engine.connect() as connection:
        return {name: [dict(row._mapping) for row in
                       connection.execute(Base.metadata.tables[name].select())]
                for name in TOUCHED_TABLES}


def _restore(snapshot: dict[str, list[dict]]) -> None:
    """Put the touched tables back as they were (Core statements, under the ORM's guard)."""
    db.session.remove()
    with db.engine.begin() as connection:
        for name in TOUCHED_TABLES:
            connection.execute(Base.metadata.tables[name].delete())
        for name in reversed(TOUCHED_TABLES):
            if snapshot[name]:
                connection.execute(Base.metadata.tables[name].insert(), snapshot[name])


def _upload_kept(token: str) -> bool:
    db.session.remove()
    return db.session.scalar(sa.select(sa.func.count())
                             .where(ImportUpload.token == token)) == 1


def _database_rows() -> tuple[set[Row], int, int]:
    """Every survey of the facility as a Row, and how many seekers and surveys there are."""
    db.session.remove()
    facility_id = db.session.scalar(sa.select(Facility.id).where(Facility.code == FACILITY))
    categories: dict[int, list[str]] = {}
    for survey_id, code in db.session.execute(
        sa.select(SurveyIntention.survey_id, SurveyIntention.category_code)
        .order_by(SurveyIntention.survey_id, SurveyIntention.rank)
    ):
        categories.setdefault(survey_id, []).append(code)
    rows = set()
    surveys = 0
    for survey_id, code, name, surveyed_on, salary_min in db.session.execute(
        sa.select(Survey.id, Seeker.facility_ref, Seeker.name, Survey.surveyed_on,
                  Survey.salary_min)
        .join(Seeker, Seeker.id == Survey.seeker_id).where(Seeker.facility_id == facility_id)
    ):
        rows.add(Row(code, name, surveyed_on, salary_min,
                     tuple(categories.get(survey_id, ()))))
        surveys += 1
    seekers = db.session.scalar(sa.select(sa.func.count(Seeker.id))
                                .where(Seeker.facility_id == facility_id))
    db.session.remove()
    return rows, seekers, surveys


def _imports_recorded() -> int:
    count = db.session.scalar(sa.select(sa.func.count(AuditEvent.id))
                              .where(AuditEvent.action == "surveys_imported"))
    db.session.remove()
    return count


# --- the kills ------------------------------------------------------------------------


@dataclass
class Kill:
    how: str  # "while writing" or "at random"
    after: float  # seconds after the command started
    writing_began: float | None  # when the test saw the write transaction begin, if it did
    exited_first: bool = False  # the command had finished before the kill came
    outcome: str = ""  # "nothing" or "all"

    def describe(self) -> str:
        began = (f"writing began at {self.writing_began:.2f} s"
                 if self.writing_began is not None else "writing not yet seen")
        when = "exited before the kill" if self.exited_first else f"killed at {self.after:.2f} s"
        return f"{self.how:<14} {when:<24} ({began}) → {self.outcome}"


def _run_and_kill(env, file: Path, target: Target, how: str, delay: float) -> Kill:
    """Start the import; kill it `delay` s after it began writing, or after it started."""
    started = time.monotonic()
    process = subprocess.Popen([*_command(), "import-surveys", str(file), "--facility", FACILITY],
                               env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    writing_began = None
    deadline = started + delay if how == "at random" else None
    try:
        while process.poll() is None:
            now = time.monotonic()
            if writing_began is None and target.writing():
                writing_began = time.monotonic() - started
                if how == "while writing":
                    deadline = time.monotonic() + delay
            if deadline is not None and now >= deadline:
                break
            time.sleep(0.005)
        exited_first = process.poll() is not None
        after = time.monotonic() - started
        if not exited_first:
            process.send_signal(signal.SIGKILL)
    finally:
        process.wait(timeout=60)
    return Kill(how, after, writing_began, exited_first)


def _outcome(before: set[Row], expected: set[Row], imports_before: int) -> str:
    """'nothing' or 'all'; fails on anything in between."""
    rows, seekers, surveys = _database_rows()
    imports = _imports_recorded()
    if rows == before and imports == imports_before:
        assert (seekers, surveys) == (len(before), len(before))
        return "nothing"
    if rows == expected and imports == imports_before + 1:
        assert (seekers, surveys) == (len(expected), len(expected))
        return "all"
    added, missing = rows - before, before - rows
    pytest.fail(f"a killed import left part of the file: {len(added)} surveys differ from "
                f"before, {len(missing)} of the earlier ones changed, imports recorded "
                f"{imports - imports_before}, seekers {seekers}, surveys {surveys}")


@pytest.mark.slow
def test_killed_import_leaves_all_or_nothing_and_rerun_gives_the_file(target, tmp_path):
    categories = [(c.code, c.name_zh) for c in db.session.scalars(
        sa.select(JobCategory).order_by(JobCategory.position)).all()][:12]
    names_zh = dict(categories)
    earlier, rows = _people(categories)
    _write_csv(tmp_path / "earlier.csv", earlier, names_zh)
    file = tmp_path / "surveys.csv"
    _write_csv(file, rows, names_zh)

    # the people of the earlier file, imported by the same command in-process
    result = target.app.test_cli_runner().invoke(
        args=["import-surveys", str(tmp_path / "earlier.csv"), "--facility", FACILITY])
    assert result.exit_code == 0, result.output
    before, _, _ = _database_rows()
    assert before == set(earlier)
    imports_before = _imports_recorded()
    snapshot = _snapshot()
    expected = set(rows)
    assert len(expected) == NEW_PEOPLE + UPDATED_PEOPLE  # one survey per person

    env = _environment(target, tmp_path)
    rng = random.Random(SEED)
    kills: list[Kill] = []
    plan = ["while writing"] * KILLS_WHILE_WRITING + ["at random"] * KILLS_AT_RANDOM
    for how in plan:
        if how == "while writing":
            delay = rng.uniform(0.0, 0.4)
        else:
            # anywhere from reading the file to just past the commit, scaled to how long
            # the command took to reach its writing on this machine
            seen = [k.writing_began for k in kills if k.writing_began is not None] or [6.0]
            delay = rng.uniform(0.5 * min(seen), 1.25 * max(seen))
        kill = _run_and_kill(env, file, target, how, delay)
        target.wait_until_gone()
        assert target.integrity() == "ok", kill.describe()
        kill.outcome = _outcome(before, expected, imports_before)
        kills.append(kill)
        if kill.outcome == "all":
            _restore(snapshot)
            assert _database_rows()[0] == before
    print("\n" + "\n".join(f"  {target.kind}: {k.describe()}" for k in kills))
    # the kills really hit the import while it was writing, and left nothing
    assert any(k.outcome == "nothing" and k.writing_began is not None and not k.exited_first
               for k in kills), [k.describe() for k in kills]

    completed = subprocess.run([*_command(), "import-surveys", str(file), "--facility", FACILITY],
                               env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stderr[-2000:]
    assert f"{NEW_PEOPLE} created, {UPDATED_PEOPLE} updated, 0 unchanged, 0 rejected" in \
        completed.stdout
    assert target.integrity() == "ok"
    assert _database_rows() == (expected, len(expected), len(expected))

    again = target.app.test_cli_runner().invoke(
        args=["import-surveys", str(file), "--facility", FACILITY])
    assert again.exit_code == 0, again.output
    assert f"0 created, 0 updated, {len(expected)} unchanged, 0 rejected" in again.output
    assert _database_rows() == (expected, len(expected), len(expected))


# --- a confirm through the web pages, its gunicorn worker killed ------------------------


WEB_ROWS = 5_000  # the web confirm's file: 4,800 new people and 200 updated
PASSWORD = "Crash-test-password-1"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
BUSY = "being saved already"


class Browser:
    """A user of the pages over HTTP: a session of its own, CSRF tokens read from the forms."""

    def __init__(self, base: str):
        self.base = base
        self.http = requests.Session()

    def csrf(self, path: str) -> str:
        page = self.http.get(self.base + path, timeout=60)
        assert page.status_code == 200, page.text[:2000]
        return CSRF.search(page.text).group(1)

    def login(self) -> Browser:
        token = self.csrf("/login")
        response = self.http.post(self.base + "/login", timeout=60, data={
            "username": "crash-clerk", "password": PASSWORD, "csrf_token": token})
        assert response.status_code == 200 and "crash-clerk" in response.text
        self.http.get(self.base + "/lang/en", timeout=60)
        return self

    def upload(self, file: Path) -> str:
        token = self.csrf("/bureau/import/")
        response = self.http.post(
            self.base + "/bureau/import/", data={"csrf_token": token}, timeout=300,
            files={"file": (file.name, file.read_bytes(), "text/csv")}, allow_redirects=False)
        assert response.status_code == 302, response.text[:2000]
        return response.headers["Location"].removeprefix(self.base)

    def confirm(self, preview: str, token: str | None = None,
                follow: bool = True) -> requests.Response:
        token = token or self.csrf(preview)
        return self.http.post(self.base + preview + "/confirm", data={"csrf_token": token},
                              timeout=300, allow_redirects=follow)


class Server:
    """gunicorn serving the app as deployed (two sync workers) on the test's database."""

    def __init__(self, env: dict[str, str], log: Path):
        gunicorn = Path(sys.executable).parent / "gunicorn"
        with log.open("w") as errors:
            self.process = subprocess.Popen(
                [str(gunicorn), "--workers", "2", "--bind", "127.0.0.1:0",
                 "--no-control-socket", "--timeout", "120", "app:create_app()"],
                env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=errors)
        deadline = time.monotonic() + 60
        while not (found := re.search(r"Listening at: (http://\S+)", log.read_text())):
            assert self.process.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.05)
        self.base = found.group(1)

    def worker(self, pid: int) -> bool:
        """Whether `pid` is one of this server's workers (a child of its master)."""
        stat = Path(f"/proc/{pid}/stat")
        return stat.is_file() and int(stat.read_text().rsplit(")", 1)[1].split()[1]) == \
            self.process.pid

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=30)


def _lock_holder(folder: Path) -> dict | None:
    try:
        return json.loads((folder / LOCK_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _progress(folder: Path) -> dict:
    try:
        return json.loads((folder / "progress.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


@pytest.mark.slow
def test_killed_web_confirm_is_taken_over_by_the_retry_and_writes_the_file_once(target,
                                                                                tmp_path):
    categories = [(c.code, c.name_zh) for c in db.session.scalars(
        sa.select(JobCategory).order_by(JobCategory.position)).all()][:12]
    names_zh = dict(categories)
    earlier, rows = _people(categories, new_people=WEB_ROWS - UPDATED_PEOPLE)
    _write_csv(tmp_path / "earlier.csv", earlier, names_zh)
    file = tmp_path / "surveys.csv"
    _write_csv(file, rows, names_zh)
    result = target.app.test_cli_runner().invoke(
        args=["import-surveys", str(tmp_path / "earlier.csv"), "--facility", FACILITY])
    assert result.exit_code == 0, result.output
    facility = db.session.scalar(sa.select(Facility).where(Facility.code == FACILITY))
    create_user("crash-clerk", PASSWORD, Role.BUREAU, facility_id=facility.id)
    db.session.commit()
    before, _, _ = _database_rows()
    imports_before = _imports_recorded()
    expected = set(rows)

    server = Server(_environment(target, tmp_path), tmp_path / "gunicorn.log")
    try:
        clerk = Browser(server.base).login()
        preview = clerk.upload(file)
        token = preview.rsplit("/", 1)[1]
        folder = tmp_path / "imports" / token  # this host's progress and lock only
        assert _upload_kept(token)  # the upload itself is in the database
        page = clerk.http.get(server.base + preview, timeout=60).text
        assert f"Import {WEB_ROWS} surveys" in page, page[:3000]
        # a second tab of the same clerk, ready to confirm while the first one writes
        other = Browser(server.base).login()
        other_token = other.csrf(preview)

        # the confirm, in a worker killed a seeded random moment after it began writing
        answers: list[object] = []

        def confirm():
            try:
                answers.append(clerk.confirm(preview))
            except requests.RequestException as error:  # the worker is killed under it
                answers.append(error)

        started = time.monotonic()
        request = threading.Thread(target=confirm)
        request.start()
        while not (_progress(folder).get("stage") == "writing" and target.writing()):
            assert request.is_alive() and time.monotonic() < started + 120, answers
            time.sleep(0.005)
        writing_began = time.monotonic() - started
        holder = _lock_holder(folder)
        assert holder["host"] == socket.gethostname() and server.worker(holder["pid"])
        # while it genuinely runs, a confirm from elsewhere (the other worker) is sent back
        # to the preview at once, which says so (read after the kill: on SQLite the page
        # waits for the writer, as its audit event is a write)
        busy = other.confirm(preview, other_token, follow=False)
        assert busy.status_code == 302 and busy.headers["Location"].endswith(preview)
        # killed once a seeded random number of rows is written ("writing 1,000 of 5,000")
        kill_after = random.Random(SEED).randrange(500, WEB_ROWS - 1000, 500)
        while _progress(folder).get("done", 0) < kill_after:
            assert _progress(folder).get("stage") == "writing", _progress(folder)
            time.sleep(0.002)
        assert target.writing(), "the confirm finished writing before it could be killed"
        os.kill(holder["pid"], signal.SIGKILL)
        killed_at = _progress(folder)
        request.join(timeout=60)
        assert isinstance(answers[0], requests.RequestException), answers

        # what the dead worker left: its lock and progress, and not one row in the database
        deadline = time.monotonic() + 30
        while target.writing():  # PostgreSQL ends the dead worker's transaction
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert target.integrity() == "ok"
        assert _outcome(before, expected, imports_before) == "nothing"
        assert _lock_holder(folder) == holder
        assert killed_at["stage"] == "writing" and killed_at["done"] < killed_at["total"]
        told = other.http.get(server.base + preview, timeout=60)
        assert told.status_code == 200 and BUSY in told.text, told.text[:3000]
        print(f"\n  {target.kind}: writing began at {writing_began:.2f} s, killed at "
              f"{killed_at['done']}/{killed_at['total']} rows")

        # the clerk simply confirms again, from a fresh session: accepted, written once
        retry = Browser(server.base).login()
        page = retry.http.get(server.base + preview, timeout=60)
        assert page.status_code == 200 and BUSY not in page.text
        response = retry.confirm(preview)
        assert response.status_code == 200 and BUSY not in response.text, response.text[:3000]
        assert (f"Import saved: {WEB_ROWS - UPDATED_PEOPLE} surveys created, "
                f"{UPDATED_PEOPLE} updated, "
                "0 unchanged; 0 rows rejected") in response.text, response.text[:3000]
        assert not folder.exists()  # the upload is done with, its lock and progress too
        assert not _upload_kept(token)
    finally:
        server.stop()
    assert target.integrity() == "ok"
    assert _database_rows() == (expected, len(expected), len(expected))
    assert _imports_recorded() == imports_before + 1
