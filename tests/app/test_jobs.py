"""Jobs run in-process (QIBU_JOBS_SYNC, the test configuration): pages, failure, cancel,
retry and who may see a job."""

import re

import pytest
import sqlalchemy as sa

import tests.app.job_kinds  # noqa: F401 (registers the test kinds)
from app.jobs import enqueue_job, run_job
from app.jobs.live import live
from models import Fair, FairRecommendation, Job, JobState, Role, db


def make_fair(make):
    """A fair ready to plan: 3 participants with a survey, 2 offered openings."""
    organizer = make.user(Role.ORGANIZER, username="org")
    fair = make.fair(organizers=[organizer])
    booth = make.booth(fair, make.employer())
    for _ in range(2):
        make.offer(fair, booth, make.opening())
    for _ in range(3):
        seeker = make.seeker()
        make.survey(seeker)
        make.participant(fair, seeker)
    db.session.commit()
    return fair


def job_id_of(response) -> int:
    assert response.status_code == 302, response.status_code
    return int(re.search(r"/jobs/(\d+)$", response.location).group(1))


def downloaded(client, url: str):
    """What a user gets from a PDF link: a job's page (the job made the file) and, once
    the job is done, what its download button fetches; or the file itself when kept."""
    response = client.get(url)
    if response.status_code != 302 or not re.search(r"/jobs/\d+$", response.location):
        return response
    page = client.get(response.location).get_data(as_text=True)
    button = re.search(r'<p id="job-download">\s*<a class="button primary" href="([^"]+)"',
                       page)
    assert button, "the job's page offers no download"
    return client.get(button.group(1))


def recommendations(fair) -> int:
    return db.session.scalar(sa.select(sa.func.count(FairRecommendation.id))
                             .where(FairRecommendation.fair_id == fair.id))


def test_planning_a_fair_runs_a_job_whose_page_shows_done_and_links_back(client, make, auth):
    fair = make_fair(make)
    auth.login("org")
    client.get("/lang/en")
    job_id = job_id_of(client.post(f"/fairs/{fair.id}/plan"))
    page = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert "Fair plan" in page and "Done" in page
    assert 'value="100"' in page
    assert "Plan made: 6 recommendations." in page
    assert f'href="/fairs/{fair.id}"' in page
    assert "Cancel the job" not in page and "Try again" not in page
    assert recommendations(fair) == 6
    status = client.get(f"/jobs/{job_id}.json").get_json()
    assert status["state"] == "done" and status["progress"] == 100
    assert status["url"] == f"/fairs/{fair.id}"
    fair_page = client.get(f"/fairs/{fair.id}").get_data(as_text=True)
    assert "Participants with at least 3 fitting options" in fair_page


def test_the_job_page_is_in_chinese_by_default(client, make, auth):
    fair = make_fair(make)
    auth.login("org")
    job_id = job_id_of(client.post(f"/fairs/{fair.id}/plan"))
    page = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    # (the job's own words are in /tmp/zh_jobs.json until the catalogs are merged)
    assert "推荐方案已生成：共 6 条推荐。" in page


def test_a_failing_job_shows_why_and_leaves_nothing_half_written(client, make, auth):
    fair = make_fair(make)
    auth.login("org")
    client.get("/lang/en")
    account = db.session.scalar(sa.text("SELECT id FROM staff_users WHERE username = 'org'"))
    job = enqueue_job("test_failing_plan", db.session.get(type(fair.organizers[0]), account),
                      subject=fair, fair_id=fair.id)
    db.session.expire_all()
    assert db.session.get(Job, job.id).state is JobState.FAILED
    assert recommendations(fair) == 0
    assert db.session.get(Fair, fair.id).planned_at is None
    page = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert "Failed" in page
    assert "The job stopped on an unexpected error" in page
    assert "Try again" in page


def test_a_failed_job_tried_again_runs_to_the_end(client, make, auth):
    fair = make_fair(make)
    org = db.session.scalar(sa.select(type(fair.organizers[0])).where(
        sa.text("username = 'org'")))
    job = enqueue_job("test_failing_plan", org, subject=fair, fair_id=fair.id)
    # the cause is fixed (here: the job is told not to fail) and it is tried again
    job.arguments = {"fair_id": fair.id, "fail": False}
    db.session.commit()
    auth.login("org")
    client.get("/lang/en")
    response = client.post(f"/jobs/{job.id}/retry")
    assert response.location.endswith(f"/jobs/{job.id}")
    page = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert "Done" in page and "attempt 2" in page
    assert recommendations(fair) == 6
    # a finished job is not tried again
    client.post(f"/jobs/{job.id}/retry")
    assert "Only a failed or cancelled job can be tried again." in client.get(
        f"/jobs/{job.id}").get_data(as_text=True)


def test_a_cancelled_queued_job_never_runs(client, make, auth):
    fair = make_fair(make)
    org = db.session.scalar(sa.select(type(fair.organizers[0])).where(
        sa.text("username = 'org'")))
    job = Job(kind="fair_plan", state=JobState.QUEUED, progress=0, message="", attempts=0,
              started_by_id=org.id, arguments={"fair_id": fair.id})
    db.session.add(job)
    db.session.commit()
    auth.login("org")
    client.get("/lang/en")
    page = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert "Waiting to start" in page and "Cancel the job" in page
    assert '<meta http-equiv="refresh"' in page  # progress without scripts
    client.post(f"/jobs/{job.id}/cancel")
    run_job(job.id)  # a worker picks it up later: it does nothing
    db.session.expire_all()
    page = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert "Cancelled" in page and "Try again" in page
    assert db.session.get(Job, job.id).attempts == 0
    assert recommendations(fair) == 0


def test_a_running_job_cancelled_stops_at_its_next_step_and_keeps_nothing(app, make,
                                                                         monkeypatch):
    fair = make_fair(make)
    job = Job(kind="test_slow_plan", state=JobState.QUEUED, progress=0, message="",
              attempts=0, arguments={"fair_id": fair.id, "delay": 0})
    db.session.add(job)
    db.session.commit()
    store_class = type(live())
    original, reports = store_class.report, []

    def report_then_cancel(store, job_id, progress, message):
        # someone presses "cancel" (another request) after the job's first step
        original(store, job_id, progress, message)
        reports.append(progress)
        if len(reports) == 2:
            store.request_cancel(job_id)

    monkeypatch.setattr(store_class, "report", report_then_cancel)
    run_job(job.id)
    db.session.expire_all()
    assert db.session.get(Job, job.id).state is JobState.CANCELLED
    assert reports == [0, 10]  # it stopped at the next progress point
    assert recommendations(fair) == 0


@pytest.mark.parametrize(("who", "status"), [("org", 200), ("other", 403), ("boss", 200)])
def test_only_the_starter_and_admins_see_a_job(client, make, auth, who, status):
    fair = make_fair(make)
    make.user(Role.ORGANIZER, username="other", organizes=[])
    make.user(Role.ADMIN, username="boss")
    db.session.commit()
    auth.login("org")
    job_id = job_id_of(client.post(f"/fairs/{fair.id}/plan"))
    auth.logout()
    auth.login(who)
    assert client.get(f"/jobs/{job_id}").status_code == status
    assert client.get(f"/jobs/{job_id}.json").status_code == status
    assert client.post(f"/jobs/{job_id}/retry").status_code in (
        (302,) if status == 200 else (403,))


def test_admin_jobs_list_newest_first_filtered_by_state(client, make, auth):
    fair = make_fair(make)
    make.user(Role.ADMIN, username="boss")
    db.session.commit()
    org = db.session.scalar(sa.select(type(fair.organizers[0])).where(
        sa.text("username = 'org'")))
    failed = enqueue_job("test_failing_plan", org, subject=fair, fair_id=fair.id)
    done = enqueue_job("fair_plan", org, subject=fair, fair_id=fair.id)
    auth.login("boss")
    client.get("/lang/en")
    page = client.get("/admin/jobs").get_data(as_text=True)
    assert page.index(f'href="/jobs/{done.id}"') < page.index(f'href="/jobs/{failed.id}"')
    assert "The job stopped on an unexpected error" in page
    only_failed = client.get("/admin/jobs?state=failed").get_data(as_text=True)
    assert f'href="/jobs/{failed.id}"' in only_failed
    assert f'href="/jobs/{done.id}"' not in only_failed
    assert client.get(f"/jobs/{failed.id}").status_code == 200  # admins see every job


def test_retrain_the_matcher_button_runs_a_job(client, make, auth):
    make.user(Role.ADMIN, username="boss")
    db.session.commit()
    auth.login("boss")
    client.get("/lang/en")
    assert "Retrain the matcher" in client.get("/admin/").get_data(as_text=True)
    job_id = job_id_of(client.post("/admin/matcher/train"))
    page = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert "Retrain the matcher" in page and "Failed" in page
    assert "No interest, intent or hire has been recorded yet" in page


def test_worker_needs_redis(runner):
    result = runner.invoke(args=["worker"])
    assert result.exit_code != 0
    assert "QIBU_REDIS_URL is not set" in result.output
