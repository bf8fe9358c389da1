"""Web hosts that share nothing but the database (issue 19, deliverable 2).

Two Qibu servers, each a process of its own with its own instance folder, on two loopback
ports over one database (the test database: a SQLite file, or PostgreSQL with
QIBU_TEST_DATABASE_URL). A survey spreadsheet uploaded on server A is previewed and
confirmed on server B, and a change recorded on A shows at once on a page of B that had
been drawn (and its openings prepared and kept by B) before the change.
"""

import io
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from models import ImportUpload, Role, Seeker, db
from tests.conftest import REDIS_URL
from tests.imports.test_survey_import import row, workbook

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct-horse-battery"  # noqa: S105

# one Qibu web host: its own process, instance folder (uploads' progress, caches) and port
SERVER = """
import sys
from werkzeug.serving import make_server
from app import create_app
from app.config import TestingConfig

url, instance = sys.argv[1], sys.argv[2]
queue = dict(zip(("REDIS_URL", "JOBS_QUEUE"), sys.argv[3:]))  # jobs on this RQ queue
app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=url,
                 IMPORT_DIR=instance + "/imports", CACHE_DIR=instance + "/cache",
                 JOBS_SYNC=not queue, **queue)
server = make_server("127.0.0.1", 0, app, threaded=True)
print(server.server_port, flush=True)
server.serve_forever()
"""


class Host:
    """A Qibu server in a subprocess; `base` is its address."""

    def __init__(self, database_url: str, instance: Path, *queue: str):
        instance.mkdir(parents=True)
        self.instance = instance
        self.process = subprocess.Popen(
            [sys.executable, "-c", SERVER, database_url, str(instance), *queue], cwd=ROOT,
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)})
        port = self.process.stdout.readline().strip()
        if not port:
            self.stop()
            pytest.fail("a Qibu server did not start")
        self.base = f"http://127.0.0.1:{port}"

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process.stdout.close()


@pytest.fixture
def hosts(app, database_url, tmp_path):
    if database_url in ("sqlite://", "sqlite:///:memory:"):
        pytest.skip("servers in other processes need a database file or server")
    db.session.commit()
    db.session.remove()
    started = []
    try:
        for name in ("a", "b"):
            started.append(Host(database_url, tmp_path / f"instance-{name}"))
        yield started
    finally:
        for host in started:
            host.stop()


@pytest.fixture
def queued_hosts(app, database_url, tmp_path, redis_connection):
    """Two web hosts and a `qibu worker` over one database and one Redis queue."""
    if database_url in ("sqlite://", "sqlite:///:memory:"):
        pytest.skip("servers in other processes need a database file or server")
    queue = f"qibu-test-{uuid.uuid4().hex[:12]}"
    db.session.commit()
    db.session.remove()
    started, worker = [], None
    try:
        for name in ("a", "b"):
            started.append(Host(database_url, tmp_path / f"instance-{name}", REDIS_URL, queue))
        worker = subprocess.Popen(
            [sys.executable, "-c", "import sys; from app.cli import main; "
             "sys.argv = ['qibu', 'worker']; sys.exit(main())"], cwd=ROOT,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            env={**os.environ, "PYTHONPATH": str(ROOT), "QIBU_ENV": "testing",
                 "QIBU_TEST_DATABASE_URL": database_url, "QIBU_REDIS_URL": REDIS_URL,
                 "QIBU_JOBS_QUEUE": queue, "QIBU_JOBS_SYNC": "0",
                 "QIBU_IMPORT_DIR": str(tmp_path / "worker" / "imports"),
                 "QIBU_CACHE_DIR": str(tmp_path / "worker" / "cache")})
        yield started
    finally:
        for host in started:
            host.stop()
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=60)
        for key in redis_connection.scan_iter(f"*{queue}*"):
            redis_connection.delete(key)


def finished_job(host: Host, web: requests.Session, job_page: str) -> dict:
    """The job's state as its page's poll sees it, once the worker has finished it."""
    deadline = time.monotonic() + 90
    while True:
        job = web.get(f"{host.base}{job_page}.json", timeout=30).json()
        if job["finished"]:
            return job
        assert time.monotonic() < deadline, job
        time.sleep(0.2)


@pytest.fixture
def scene(make):
    facility = make.facility(code="SH-SN")
    make.user(Role.BUREAU, username="sn-clerk", password=PASSWORD, facility_id=facility.id)
    make.user(Role.EMPLOYMENT, username="sn-officer", password=PASSWORD)
    employer = make.employer(name="上海顺达物流有限公司")
    make.opening(employer_id=employer.id, title="仓库理货员", category_code="logistics",
                 pay_min=6000, pay_max=8000, district="310115")
    db.session.commit()
    return {"employer_id": employer.id}


def log_in(host: Host, username: str) -> requests.Session:
    web = requests.Session()
    response = web.post(f"{host.base}/login",
                        data={"username": username, "password": PASSWORD},
                        allow_redirects=False, timeout=30)
    assert response.status_code == 302, response.text[:2000]
    web.get(f"{host.base}/lang/en", timeout=30)
    return web


def upload_survey(host: Host, web: requests.Session, *rows) -> requests.Response:
    """Upload a survey workbook of `rows` on `host`, as the import page's form sends it."""
    return web.post(f"{host.base}/bureau/import/",
                    files={"file": ("surveys.xlsx", workbook(list(rows)))},
                    allow_redirects=False, timeout=60)


def recommended(page: str) -> str:
    return page.split("Recommended openings")[1].split("Job-intention surveys")[0]


@pytest.mark.slow
def test_an_upload_on_one_host_is_previewed_and_confirmed_on_the_other(scene, hosts):
    a, b = hosts
    # the login session lives in the database: the same browser is known to both hosts
    clerk = log_in(a, "sn-clerk")
    uploaded = upload_survey(a, clerk, row("SN0001", "沈分享", salary_min="5500"))
    assert uploaded.status_code == 302, uploaded.text[:2000]
    preview = uploaded.headers["Location"].removeprefix(a.base)
    token = preview.rsplit("/", 1)[1]

    page = clerk.get(b.base + preview, timeout=30)
    assert page.status_code == 200
    assert "Import 1 surveys" in page.text
    assert clerk.get(f"{b.base}{preview}/progress", timeout=30).json()["label"] == "Done."
    # nothing of the upload is in a host's folder: A kept its check's progress only
    imports = a.instance / "imports"
    kept = [str(p.relative_to(imports)) for p in imports.rglob("*") if p.is_file()]
    assert kept == [f"{token}/progress.json"]
    assert not (b.instance / "imports").exists()

    confirmed = clerk.post(f"{b.base}{preview}/confirm", timeout=60)
    assert "Import saved: 1 surveys created, 0 updated, 0 unchanged; 0 rows rejected" \
        in confirmed.text, confirmed.text[:3000]
    # saved once, and gone from both hosts
    assert clerk.get(a.base + preview, timeout=30).status_code == 404
    assert clerk.post(f"{a.base}{preview}/confirm", timeout=30).status_code == 404
    db.session.remove()
    seeker = db.session.scalar(sa.select(Seeker).where(Seeker.facility_ref == "SN0001"))
    assert seeker.name == "沈分享" and len(seeker.surveys) == 1
    assert seeker.surveys[0].salary_min == 5500
    assert db.session.scalar(sa.select(sa.func.count(ImportUpload.token))) == 0

    # B prepares the open openings for the seeker's page, and keeps them...
    seeker_page = f"/bureau/seekers/{seeker.code}"
    assert "仓库理货员" in recommended(clerk.get(b.base + seeker_page, timeout=60).text)
    # ... then the employer is suspended on A: B's next page knows at once
    officer = log_in(a, "sn-officer")
    suspended = officer.post(
        f"{a.base}/employment/employers/{scene['employer_id']}/suspend",
        data={"reason": "A complaint from a job seeker"}, allow_redirects=False, timeout=30)
    assert suspended.status_code == 302, suspended.text[:2000]
    assert "仓库理货员" not in recommended(clerk.get(b.base + seeker_page, timeout=60).text)
    assert "仓库理货员" not in recommended(clerk.get(a.base + seeker_page, timeout=60).text)


@pytest.mark.slow
def test_with_a_queue_an_import_checked_and_saved_by_a_worker_moves_between_hosts(
        scene, queued_hosts):
    a, b = queued_hosts
    clerk = log_in(a, "sn-clerk")
    uploaded = upload_survey(a, clerk, row("SN0003", "沈队列", salary_min="5800"))
    # the check is a job: the upload page goes to its page, which goes on to the preview
    assert uploaded.status_code == 302, uploaded.text[:2000]
    check_page = uploaded.headers["Location"].removeprefix(a.base)
    assert check_page.startswith("/jobs/")
    checked = finished_job(b, clerk, check_page)  # followed from the other host
    assert checked["state"] == "done" and checked["follow"], checked
    preview = checked["url"]
    page = clerk.get(b.base + preview, timeout=30)
    assert page.status_code == 200 and "Import 1 surveys" in page.text, page.text[:3000]

    confirmed = clerk.post(f"{b.base}{preview}/confirm", allow_redirects=False, timeout=60)
    assert confirmed.status_code == 302, confirmed.text[:2000]
    save_page = confirmed.headers["Location"].removeprefix(b.base)
    assert save_page.startswith("/jobs/") and save_page != check_page
    saved = finished_job(a, clerk, save_page)
    assert saved["state"] == "done", saved
    assert saved["notice"] == ("Import saved: 1 surveys created, 0 updated, 0 unchanged; "
                               "0 rows rejected and not imported.")
    shown = clerk.get(a.base + save_page, timeout=30).text
    assert saved["notice"] in shown and "Done" in shown
    # saved once: the upload is gone from both hosts, the person is in the database
    assert clerk.get(a.base + preview, timeout=30).status_code == 404
    assert clerk.post(f"{b.base}{preview}/confirm", timeout=30).status_code == 404
    db.session.remove()
    seeker = db.session.scalar(sa.select(Seeker).where(Seeker.facility_ref == "SN0003"))
    assert seeker.name == "沈队列" and [s.salary_min for s in seeker.surveys] == [5800]
    assert db.session.scalar(sa.select(sa.func.count(ImportUpload.token))) == 0


def test_a_confirm_while_another_host_saves_the_same_upload_saves_nothing(
        app, client, make, auth, database_url):
    """Another host's confirm holds the upload's row (PostgreSQL: a row lock, held by its
    transaction): this one says so and writes nothing, then succeeds once it has gone."""
    if not database_url.startswith("postgresql"):
        pytest.skip("the row lock between hosts is PostgreSQL's")
    facility = make.facility(code="SH-SN")
    make.user(Role.BUREAU, username="sn-clerk", facility_id=facility.id)
    db.session.commit()
    auth.login("sn-clerk")
    client.get("/lang/en")
    uploaded = client.post("/bureau/import/", data={"file": (
        io.BytesIO(workbook([row("SN0002", "沈锁定")])), "surveys.xlsx")},
        content_type="multipart/form-data")
    preview = uploaded.headers["Location"]
    token = preview.rsplit("/", 1)[1]
    other_host = sa.create_engine(database_url)
    try:
        with other_host.connect() as connection, connection.begin():
            connection.execute(sa.select(ImportUpload.token)
                               .where(ImportUpload.token == token).with_for_update())
            page = client.post(preview + "/confirm", follow_redirects=True)
            assert "This import is being saved already" in page.get_data(as_text=True)
        db.session.remove()
        assert db.session.scalar(sa.select(Seeker).where(Seeker.facility_ref == "SN0002")) \
            is None
        page = client.post(preview + "/confirm", follow_redirects=True)
        assert "Import saved: 1 surveys created" in page.get_data(as_text=True)
    finally:
        other_host.dispose()


def test_a_matcher_trained_on_one_host_is_the_one_every_host_ranks_with(app, tmp_path):
    """`qibu match train` (or its job) on a worker host: the web hosts, whose instance
    folders never see its file, rank with it from the database, and with the next one."""
    import matching
    from app.services.matching import active_model, active_model_info, save_model

    weights = dict(matching.DEFAULT_WEIGHTS)
    first = matching.Matcher.from_weights(weights, 0.5, version="2026-12-07-first")
    app.config["CACHE_DIR"] = str(tmp_path / "worker" / "cache")
    save_model(first)
    db.session.commit()
    app.config["CACHE_DIR"] = str(tmp_path / "web" / "cache")  # another host's folder
    assert active_model().version_ == "2026-12-07-first"
    assert active_model_info()["trained"] is True
    second = matching.Matcher.from_weights(weights, 0.25, version="2026-12-07-second")
    app.config["CACHE_DIR"] = str(tmp_path / "worker" / "cache")
    save_model(second)
    db.session.commit()
    app.config["CACHE_DIR"] = str(tmp_path / "web" / "cache")
    assert active_model().version_ == "2026-12-07-second"
    assert active_model().intercept_ == 0.25
    assert not (tmp_path / "web").exists()


@pytest.mark.slow
def test_intents_recorded_on_both_hosts_at_once_are_all_kept_and_shown_by_both(make, hosts):
    """Two desks, one on each host, record intents at once for 20 people (both for the
    first one at the same opening): every intent is kept once, and both hosts' dashboards
    say so at once."""
    from concurrent.futures import ThreadPoolExecutor

    from models import Interest, InterestStage

    fair = make.fair()
    employer = make.employer(name="上海两地物流有限公司")
    booth = make.booth(fair, employer, "A01")
    opening = make.opening(employer_id=employer.id, title="理货员")
    make.offer(fair, booth, opening)
    badges = [make.participant(fair, make.seeker(facility_id=fair.facility_id),
                               badge_code=f"K7M9XQ{n:03d}").badge_code for n in range(20)]
    make.user(Role.ORGANIZER, username="sn-org", password=PASSWORD)
    fair.open()
    db.session.commit()
    fair_id, opening_id = fair.id, opening.id
    db.session.remove()
    a, b = hosts

    def desk(host: Host, codes: list[str]) -> list[str]:
        web, seen = log_in(host, "sn-org"), []
        for code in codes:
            web.post(f"{host.base}/fairs/{fair_id}/desk/badge",
                     data={"badge": code, "check_in": "1"}, timeout=30)
            for stage in ("interested", "intent"):
                page = web.post(f"{host.base}/fairs/{fair_id}/desk/record",
                                data={"opening_id": opening_id, "stage": stage}, timeout=30)
                seen.append(page.status_code)
        return seen

    with ThreadPoolExecutor(max_workers=2) as pool:
        statuses = list(pool.map(desk, (a, b), (badges[:10], [badges[0], *badges[10:]])))
    assert {code for codes in statuses for code in codes} <= {200}
    kept = db.session.execute(sa.select(Interest.stage, sa.func.count())
                              .where(Interest.fair_id == fair_id)
                              .group_by(Interest.stage)).all()
    assert dict(kept) == {InterestStage.INTENT: 20}
    for host in (a, b):
        dashboard = log_in(host, "sn-org").get(f"{host.base}/fairs/{fair_id}/dashboard",
                                               timeout=30).text
        assert "20 of 20 registered participants have at least one intent" in dashboard
