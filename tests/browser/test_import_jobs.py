"""A spreadsheet import whose check and save run as jobs, as with `make run` (a thread of
the web process; on a deployment, a `qibu worker`): the upload leads to the job's page,
which goes on to the preview by itself once the file is checked; the save shows its
progress and then what was saved; a file that cannot be imported at all is sent back to
the upload page with the reason, and nothing is kept of it."""

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from models import AuditEvent, ImportUpload, Job, JobState, Role, Seeker, db
from tests.browser.test_import_mapping import TOKEN_URL, XLSX, _log_in, _upload
from tests.imports.test_survey_import import row, workbook


@pytest.fixture
def jobs_in_threads(app, tmp_path):
    """Jobs run as `make run` runs them: in a thread of the web process."""
    app.config.update(JOBS_SYNC=False, IMPORT_DIR=str(tmp_path / "imports"))


@pytest.fixture
def upload_page(page, make, jobs_in_threads):
    """A bureau clerk's survey import page, in English."""
    facility = make.facility(code="SH-JB")
    make.user(Role.BUREAU, username="job-clerk", facility_id=facility.id)
    db.session.commit()
    _log_in(page, "job-clerk", "/bureau")
    page.goto("/lang/en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.goto("/bureau/import/")
    return page


def test_an_import_is_checked_and_saved_by_jobs_the_pages_follow(upload_page, page_watch):
    page = upload_page

    visited = []
    page.on("framenavigated", lambda frame: visited.append(frame.url))
    _upload(page, "surveys.xlsx", workbook([row("JB0001", "贾一"), row("JB0002", "贾二"),
                                            row("JB0003", "贾三", salary_min="abc")]), XLSX)
    # the check's page, then (by itself) the preview
    expect(page).to_have_url(re.compile(rf"/bureau/import/{TOKEN_URL}$"), timeout=30_000)
    assert any(re.search(r"/jobs/\d+$", url) for url in visited), visited
    expect(page.get_by_role("heading", level=1)).to_have_text("Check the import")
    expect(page.locator("ul.stats li").filter(has_text="rows rejected")).to_have_text(
        "1 rows rejected")

    page.get_by_role("button", name="Import 2 surveys").click()
    expect(page).to_have_url(re.compile(r"/jobs/\d+$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Save an import")
    expect(page.locator("#job-notice")).to_have_text(
        "Import saved: 2 surveys created, 0 updated, 0 unchanged; 1 rows rejected and not "
        "imported.", timeout=30_000)
    expect(page.locator("#job-state")).to_have_text("Done")
    page.get_by_role("link", name="Back to where the job was started").click()
    expect(page).to_have_url(re.compile(r"/bureau/import/$"))

    db.session.remove()
    assert sorted(db.session.scalars(sa.select(Seeker.facility_ref))) == ["JB0001", "JB0002"]
    assert [job.state for job in db.session.scalars(sa.select(Job).order_by(Job.id))] == [
        JobState.DONE, JobState.DONE]
    assert db.session.scalar(sa.select(sa.func.count(ImportUpload.token))) == 0


def test_a_file_that_cannot_be_imported_comes_back_to_the_upload_page_with_why(
        upload_page, page_watch):
    page_watch.allow_console_error(r"status of 422")
    page = upload_page
    _upload(page, "names.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600,
            "application/vnd.ms-excel")
    error = page.locator("form.import-form .error, form.import-form [role=alert]").first
    expect(error).to_contain_text("old Excel format (.xls)", timeout=30_000)
    expect(page.get_by_role("button", name="Upload and check")).to_be_visible()
    db.session.remove()
    # nothing of the file is kept; the refusal is in the audit trail
    assert db.session.scalar(sa.select(sa.func.count(ImportUpload.token))) == 0
    assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(
        AuditEvent.action == "survey_import_refused")) == 1
