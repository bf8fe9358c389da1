"""Jobs on the real queue: RQ on the Redis server at QIBU_TEST_REDIS_URL (.ci/run starts
one), a worker in this process or `qibu worker` in another, over the same database."""

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

import tests.app.job_kinds  # noqa: F401 (registers the test kinds)
from app.jobs import enqueue_job
from app.jobs.live import live
from models import FairRecommendation, Job, JobState, StaffUser, db
from tests.app.test_fair_documents import text_of
from tests.app.test_jobs import job_id_of, make_fair
from tests.conftest import REDIS_URL

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def queue_app(app, database_url, redis_connection):
    """The test app with jobs on a queue of this test's own."""
    if database_url in ("sqlite://", "sqlite:///:memory:"):
        pytest.skip("a worker in another process needs a database file or server")
    queue = f"qibu-test-{uuid.uuid4().hex[:12]}"
    app.config.update(REDIS_URL=REDIS_URL, JOBS_QUEUE=queue, JOBS_SYNC=False)
    yield app
    for key in redis_connection.scan_iter(f"*{queue}*"):
        redis_connection.delete(key)


def work_burst(app):
    """Run every queued job in this process (rq's SimpleWorker), as `qibu worker --burst`."""
    from rq import SimpleWorker

    from app.jobs.live import _redis

    connection = _redis(app.config["REDIS_URL"])
    SimpleWorker([app.config["JOBS_QUEUE"]], connection=connection).work(burst=True)
    db.session.expire_all()


def recommendations(fair) -> int:
    return db.session.scalar(sa.select(sa.func.count(FairRecommendation.id))
                             .where(FairRecommendation.fair_id == fair.id))


def test_a_fair_plan_goes_on_the_queue_and_a_worker_runs_it(queue_app, client, make, auth):
    fair = make_fair(make)
    auth.login("org")
    client.get("/lang/en")
    job_id = job_id_of(client.post(f"/fairs/{fair.id}/plan"))
    page = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert "Waiting to start" in page and recommendations(fair) == 0
    work_burst(queue_app)
    page = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert "Done" in page and "Plan made: 6 recommendations." in page
    assert f'href="/fairs/{fair.id}"' in page
    assert recommendations(fair) == 6


def test_a_cancelled_queued_job_is_skipped_by_the_worker(queue_app, client, make, auth):
    fair = make_fair(make)
    auth.login("org")
    job_id = job_id_of(client.post(f"/fairs/{fair.id}/plan"))
    client.post(f"/jobs/{job_id}/cancel")
    work_burst(queue_app)
    job = db.session.get(Job, job_id)
    assert job.state is JobState.CANCELLED and job.attempts == 0
    assert recommendations(fair) == 0


def _start_worker(queue_app, database_url, cache_dir, *options):
    env = dict(os.environ, QIBU_ENV="testing", QIBU_TEST_DATABASE_URL=database_url,
               QIBU_REDIS_URL=REDIS_URL, QIBU_JOBS_QUEUE=queue_app.config["JOBS_QUEUE"],
               QIBU_JOBS_SYNC="0", QIBU_JOBS_HEARTBEAT_SECONDS="2", QIBU_CACHE_DIR=cache_dir)
    script = ("import sys, tests.app.job_kinds; from app.cli import main; "
              f"sys.argv = ['qibu', 'worker', '--burst', *{list(options)!r}]; sys.exit(main())")
    return subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)


def _kill_with_work_horse(worker):
    """SIGKILL the worker and the work horse it forked (RQ puts that in a session of its
    own), as when their machine dies."""
    horses = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == worker.pid:  # its parent is the worker
            horses.append(int(stat.parent.name))
    for pid in [*horses, worker.pid]:
        os.kill(pid, signal.SIGKILL)
    return horses


def _wait_for(condition, what, seconds=60):
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what}")
        time.sleep(0.1)


@pytest.mark.parametrize("options", [(), ("--fork",)], ids=["in-process", "work-horse"])
def test_a_worker_killed_mid_job_leaves_nothing_and_the_job_can_be_retried(
        queue_app, client, make, auth, database_url, cache_dir, options):
    fair = make_fair(make)
    org = db.session.scalar(sa.select(StaffUser).where(StaffUser.username == "org"))
    job = enqueue_job("test_slow_plan", org, subject=fair, fair_id=fair.id, delay=0.3)
    worker = _start_worker(queue_app, database_url, cache_dir, *options)
    try:
        def halfway():
            if worker.poll() is not None:
                pytest.fail(worker.stdout.read().decode())
            found = live().progress(job.id)
            return found is not None and found[0] >= 30

        _wait_for(halfway, "the worker to be a third of the way through")
        horses = _kill_with_work_horse(worker)
        # by default the job runs in the worker itself; with --fork, in a work horse
        assert len(horses) == (1 if options else 0)
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()
        worker.stdout.close()
    db.session.expire_all()
    # the plan was written before the kill, but never committed
    assert recommendations(fair) == 0
    assert db.session.get(Job, job.id).state is JobState.RUNNING
    # no sign of life for QIBU_JOBS_HEARTBEAT_SECONDS: the page offers to try again
    _wait_for(lambda: live().progress(job.id) is None, "the dead worker's heartbeat to lapse")
    auth.login("org")
    client.get("/lang/en")
    page = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert "Try again" in page, page[page.find('id="job"'):][:1500]
    client.post(f"/jobs/{job.id}/retry")
    work_burst(queue_app)
    page = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert "Done" in page and "attempt 2" in page
    assert recommendations(fair) == 6


def test_a_city_rankings_blocks_go_on_the_queue_and_the_workers_share_them(
        queue_app, make, database_url, cache_dir):
    from datetime import timedelta

    from app.clock import local_today
    from app.jobs.kinds import queue_city_ranking
    from models import RankingRun, SeekerRanking

    for _ in range(5):
        person = make.seeker(expected_release_date=local_today() + timedelta(days=40))
        make.survey(person)
    for _ in range(4):
        make.opening()
    db.session.commit()
    run, jobs = queue_city_ranking(6, block_seekers=2)
    assert run.blocks_total == 3 and len(jobs) == 3
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SeekerRanking)) == 0
    worker = _start_worker(queue_app, database_url, cache_dir)  # one of two workers
    work_burst(queue_app)  # the other, in this process
    worker.wait(timeout=120)
    worker.stdout.close()
    db.session.expire_all()
    run = db.session.get(RankingRun, run.id)
    assert run.finished and run.blocks_done == 3
    assert {db.session.get(Job, j.id).state for j in jobs} == {JobState.DONE}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SeekerRanking)) == 5


def test_an_idle_worker_stops_at_once_on_sigterm_after_running_jobs(
        queue_app, make, database_url, cache_dir):
    """systemd stops a worker with SIGTERM (RQ's warm shut-down): once its job is done it
    must exit promptly, not after its Redis listener's 60-second read."""
    from app.jobs.kinds import queue_city_ranking

    for _ in range(4):
        make.survey(make.seeker())
        make.opening()
    db.session.commit()
    _run, (job,) = queue_city_ranking(6)
    env = dict(os.environ, QIBU_ENV="testing", QIBU_TEST_DATABASE_URL=database_url,
               QIBU_REDIS_URL=REDIS_URL, QIBU_JOBS_QUEUE=queue_app.config["JOBS_QUEUE"],
               QIBU_JOBS_SYNC="0", QIBU_CACHE_DIR=cache_dir)
    worker = subprocess.Popen(
        [sys.executable, "-c", "import sys; from app.cli import main; "
                               "sys.argv = ['qibu', 'worker']; sys.exit(main())"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        start_new_session=True)
    try:
        def done():
            db.session.expire_all()
            return db.session.get(Job, job.id).state is JobState.DONE

        _wait_for(done, "the worker to rank the block")
        time.sleep(0.2)  # idle again, listening
        worker.send_signal(signal.SIGTERM)
        started = time.monotonic()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            pytest.fail("the worker was still running 20 s after SIGTERM")
        assert worker.returncode == 0
        assert time.monotonic() - started < 20
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()
        worker.stdout.close()


def test_the_shortlists_pdf_is_made_by_a_worker_and_downloaded_by_its_starter(
        queue_app, client, make, auth):
    fair = make_fair(make)
    auth.login("org")
    client.get("/lang/en")
    job_id = job_id_of(client.get(f"/fairs/{fair.id}/shortlists.pdf"))
    page = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert "Waiting to start" in page and 'id="job-download"' not in page
    assert client.get(f"/jobs/{job_id}/file").location == f"/jobs/{job_id}"  # not yet
    assert job_id_of(client.get(f"/fairs/{fair.id}/shortlists.pdf")) == job_id  # waits
    work_burst(queue_app)
    page = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert "Done" in page and "The employer shortlists are ready to print." in page
    response = client.get(f"/jobs/{job_id}/file")
    assert response.mimetype == "application/pdf"
    text = text_of(response.data)
    assert fair.name_en in text and "Never add names." in text  # the starter's language
