"""PDFs made as jobs (issue 19): a bulletin issue's PDF made once and kept for every
download; a fair's sheets and shortlists made for the one who asked, kept encrypted for
them alone until they expire; the retention purge as an administrator's job."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.auth.second_factor import REAUTH_KEY
from app.clock import local_today
from app.corner import operations as corner
from app.crypto import decrypt_bytes
from app.jobs import run_job
from app.retention import purge
from models import (
    AuditEvent,
    Bulletin,
    BulletinPdf,
    Job,
    JobFile,
    JobState,
    Role,
    db,
    iso_week_of,
    utcnow,
)
from tests.app.test_fair_documents import text_of
from tests.app.test_jobs import downloaded, job_id_of
from tests.factories import PASSWORD

THIS_WEEK = iso_week_of(local_today())


def _audited(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)))


def _jobs(kind: str) -> list[Job]:
    return list(db.session.scalars(sa.select(Job).where(Job.kind == kind).order_by(Job.id)))


@pytest.fixture
def renders(monkeypatch):
    """Count the bulletin PDFs laid out (the slow part a kept PDF saves)."""
    calls = []
    real = corner.bulletin_pdf

    def counted(issue):
        calls.append(issue.bulletin.id)
        return real(issue)

    monkeypatch.setattr(corner, "bulletin_pdf", counted)
    return calls


@pytest.fixture
def held_jobs(monkeypatch):
    """Jobs are recorded but wait (as on a busy queue) until the test runs them."""
    monkeypatch.setattr("app.jobs._dispatch", lambda *job_ids: None)


# --------------------------------------------------------------------------- bulletin


def test_a_new_issue_keeps_its_pdf_and_every_download_is_that_file(client, auth, make,
                                                                   renders):
    make.opening(title="包装工", category_code="packaging")
    facility = make.facility(code="SH-T1")
    make.user(Role.BUREAU, username="desk", facility_id=facility.id)
    make.user(Role.EMPLOYMENT, username="centre")
    db.session.commit()
    auth.login("desk")
    client.post("/corner/bulletins/SH-T1", data={"week": THIS_WEEK})
    bulletin = db.session.scalar(sa.select(Bulletin))
    (job,) = _jobs("bulletin_pdf")
    assert job.state is JobState.DONE and renders == [bulletin.id]
    kept = db.session.get(BulletinPdf, bulletin.id)

    url = f"/corner/bulletins/SH-T1/{THIS_WEEK}/bulletin.pdf"
    first = client.get(url)
    assert first.status_code == 200 and first.mimetype == "application/pdf"
    assert first.headers["Cache-Control"] == "no-store"
    assert first.data == kept.data and "包装工" in text_of(first.data)
    # another reader, in English: the same printed (Chinese) issue, not laid out again
    auth.logout()
    auth.login("centre")
    client.get("/lang/en")
    second = client.get(url)
    assert second.data == kept.data and renders == [bulletin.id]
    text = text_of(second.data).replace("\n", "")
    assert "Apply through the employment centre" not in text and "就业" in text
    assert [e.detail["week"] for e in _audited("bulletin_exported")] == [THIS_WEEK] * 2


def test_an_issue_without_a_pdf_starts_one_job_and_a_second_click_follows_it(
        client, auth, make, renders, held_jobs):
    make.opening(title="包装工", category_code="packaging")
    facility = make.facility(code="SH-T1")
    corner.make_bulletin(facility, THIS_WEEK)  # made before PDFs were kept: none is
    make.user(Role.BUREAU, username="desk", facility_id=facility.id)
    make.user(Role.ADMIN, username="boss")
    db.session.commit()
    url = f"/corner/bulletins/SH-T1/{THIS_WEEK}/bulletin.pdf"
    auth.login("desk")
    client.get("/lang/en")
    job_id = job_id_of(client.get(url))
    assert job_id_of(client.get(url)) == job_id  # still waiting: the same job
    page = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert "Bulletin issue (PDF)" in page and "Waiting to start" in page
    assert 'id="job-download"' not in page and _audited("bulletin_exported") == []
    # another account does not follow a job it may not see: it starts its own
    auth.logout()
    auth.login("boss")
    other = job_id_of(client.get(url))
    assert other != job_id and len(_jobs("bulletin_pdf")) == 2

    run_job(job_id)
    auth.logout()
    auth.login("desk")
    client.get("/lang/en")
    page = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert "Issue 1 is ready to print." in page and "Download the PDF" in page
    response = downloaded(client, url)
    assert response.mimetype == "application/pdf" and "包装工" in text_of(response.data)
    assert renders == [db.session.scalar(sa.select(Bulletin.id))]
    run_job(other)  # the other job, run late, keeps the same issue again
    assert db.session.scalar(sa.select(sa.func.count()).select_from(BulletinPdf)) == 1


def test_an_issue_whose_opening_changed_is_made_again(client, auth, make, renders):
    opening = make.opening(title="一号线打包员", category_code="packaging")
    facility = make.facility(code="SH-T1")
    make.user(Role.BUREAU, username="desk", facility_id=facility.id)
    db.session.commit()
    auth.login("desk")
    client.post("/corner/bulletins/SH-T1", data={"week": THIS_WEEK})
    opening.title = "二号线封箱员"  # the issue prints the opening as it is now
    db.session.commit()
    response = downloaded(client, f"/corner/bulletins/SH-T1/{THIS_WEEK}/bulletin.pdf")
    text = text_of(response.data)
    assert "二号线封箱员" in text and "一号线打包员" not in text and len(renders) == 2


# --------------------------------------------------------------------------- fair files


@pytest.fixture
def fair_desk(make):
    """A fair with two participants; its facility's bureau desk, a colleague, an admin."""
    fair = make.fair()
    for name, badge in (("周小明", "K7M9XQ2PB"), ("李建国", "P3Q4R5S6T")):
        make.participant(fair, make.seeker(facility_id=fair.facility_id, name=name),
                         badge_code=badge)
    make.user(Role.BUREAU, username="own", facility_id=fair.facility_id)
    make.user(Role.BUREAU, username="colleague", facility_id=fair.facility_id)
    make.user(Role.ADMIN, username="boss")
    db.session.commit()
    return fair


def _file_url(client, url: str) -> str:
    job_id = job_id_of(client.get(url))
    return f"/jobs/{job_id}/file"


def test_the_sheets_file_is_its_starters_alone_and_stored_encrypted(client, auth, fair_desk):
    auth.login("own")
    file_url = _file_url(client, f"/fairs/{fair_desk.id}/sheets.pdf")
    assert _audited("sheets_exported") == []  # made, not yet downloaded
    for other in ("colleague", "boss"):
        auth.logout()
        auth.login(other)
        response = client.get(file_url)
        assert response.status_code == 403 and "小明" not in response.get_data(as_text=True)
    # the administrator sees the job, but no button to a file that is not theirs
    page = client.get(file_url.removesuffix("/file")).get_data(as_text=True)
    assert 'id="job-state"' in page and file_url not in page
    assert client.get(file_url.removesuffix("/file") + ".json").get_json()["download"] is None
    assert _audited("sheets_exported") == []

    auth.logout()
    auth.login("own")
    response = client.get(file_url)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    assert f"sheets-{fair_desk.code}.pdf" in response.headers["Content-Disposition"]
    text = text_of(response.data)
    assert "小明" in text and "K7M-9XQ-2PB" in text
    (event,) = _audited("sheets_exported")
    assert event.detail["count"] == 2 and event.target_id == str(fair_desk.id)
    with db.engine.connect() as connection:
        stored = connection.execute(sa.text("SELECT data FROM job_files")).scalar_one()
    stored = bytes(stored)
    assert not stored.startswith(b"%PDF") and b"%PDF" not in stored
    assert decrypt_bytes(stored) == response.data


def test_the_download_asks_for_the_password_again_as_the_export_did(client, auth, fair_desk):
    auth.login("own")
    file_url = _file_url(client, f"/fairs/{fair_desk.id}/sheets.pdf")
    with client.session_transaction() as session:
        session.pop(REAUTH_KEY, None)
    response = client.get(file_url)
    assert response.status_code == 302
    assert response.location == f"/account/confirm?next={file_url}"
    assert _audited("sheets_exported") == []
    confirmed = client.post(response.location, data={"password": PASSWORD})
    assert confirmed.location == file_url
    assert client.get(file_url).mimetype == "application/pdf"
    assert len(_audited("sheets_exported")) == 1


def test_an_expired_file_is_refused_with_a_message_and_the_purge_deletes_it(
        app, client, auth, make, fair_desk):
    fair_desk.organizers.append(make.user(Role.ORGANIZER, username="org"))
    db.session.commit()
    auth.login("org")
    client.get("/lang/en")
    file_url = _file_url(client, f"/fairs/{fair_desk.id}/shortlists.pdf")
    assert client.get(file_url).status_code == 200
    kept = db.session.scalar(sa.select(JobFile))
    assert kept.expires_at - kept.created_at == timedelta(hours=24)
    kept.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()

    response = client.get(file_url)
    page = response.get_data(as_text=True)
    assert response.status_code == 410
    assert "This file is no longer kept: files made for download are deleted 24 hours" in page
    assert f'href="/fairs/{fair_desk.id}/shortlists"' in page
    assert len(_audited("shortlists_exported")) == 1  # the one download before it expired

    assert purge().job_files == 1
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(JobFile)) == 0
    assert client.get(file_url).status_code == 410


def test_files_expire_after_the_configured_hours(app, client, auth, fair_desk):
    app.config["JOB_FILE_HOURS"] = 2
    auth.login("own")
    client.get(_file_url(client, f"/fairs/{fair_desk.id}/sheets.pdf"))
    kept = db.session.scalar(sa.select(JobFile))
    assert kept.expires_at - kept.created_at == timedelta(hours=2)
    assert purge(now=utcnow() + timedelta(hours=1)).job_files == 0
    assert purge(now=utcnow() + timedelta(hours=3)).job_files == 1


# --------------------------------------------------------------------------- purge


def test_an_administrator_runs_the_retention_purge_as_a_job(client, auth, make, fair_desk):
    auth.login("own")
    client.get(_file_url(client, f"/fairs/{fair_desk.id}/sheets.pdf"))
    db.session.scalar(sa.select(JobFile)).expires_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    auth.logout()
    auth.login("boss")
    client.get("/lang/en")
    dashboard = client.get("/admin/").get_data(as_text=True)
    assert 'action="/admin/purge"' in dashboard and "Purge now" in dashboard
    job_id = job_id_of(client.post("/admin/purge"))
    page = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert "Retention purge" in page and "Done" in page
    assert re.search(r"Purged: 0 people anonymised, .* and 1 export files removed\.", page)
    (event,) = _audited("retention_purge")
    assert event.actor_name == "boss" and event.detail["job_files"] == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(JobFile)) == 0
