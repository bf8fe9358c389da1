"""The sheets PDF as the bureau's browser downloads it, checked as a duplex printer lays
it out (issue 16, deliverable 8): every page names its person and no sheet of paper holds
two people. It is the same reading as tests/app/test_sheet_printing.py, done here on the
bytes the signed-in browser fetched (its cookies, its session)."""

import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.fairs import operations
from app.fairs.operations import format_badge_code, given_name
from app.services.fair_plan import plan_fair_recommendations
from models import Fair, FairParticipant, FairStatus, db
from tests.app.test_sheet_printing import owners, pages_of


@pytest.fixture
def planned_fair(runner):
    """The demo fair in planning with everyone due in 6 months and its plan (made here,
    not through the pages: the browser's server checks CSRF tokens)."""
    runner.invoke(args=["seed-demo"])
    fair = db.session.scalar(sa.select(Fair).where(Fair.status == FairStatus.PLANNING))
    operations.add_participants(fair, operations.seekers_due(fair, 6))
    plan_fair_recommendations(fair)
    db.session.commit()
    return fair


def test_the_downloaded_sheets_print_double_sided_one_person_per_sheet(page, planned_fair):
    page.goto("/login")
    page.locator("input[name=username]").fill("bureau")
    page.locator("input[name=password]").fill("qibu-bureau-demo")
    with page.expect_navigation():
        page.locator("input[name=password]").press("Enter")
    # the sheets page's PDF button starts a job and shows its page; its download button
    # fetches the file the job made
    page.goto(f"/fairs/{planned_fair.id}/sheets", timeout=60_000)
    with page.expect_navigation(timeout=60_000):
        page.get_by_role("link", name="PDF").click()
    assert re.search(r"/jobs/\d+$", page.url), page.url
    with page.expect_download(timeout=60_000) as download:
        page.locator("#job-download a").click()
    pages = pages_of(Path(download.value.path()).read_bytes())
    participants = db.session.scalars(sa.select(FairParticipant).where(
        FairParticipant.fair_id == planned_fair.id)).all()
    people = {format_badge_code(p.badge_code): given_name(p.seeker.name) for p in participants}
    named = owners(pages, people)
    assert len(people) > 200 and len(pages) % 2 == 0
    assert all(len(badges) == 1 for badges in named)
    for sheet in range(0, len(named), 2):
        assert named[sheet] == named[sheet + 1], f"sheet of pages {sheet + 1}-{sheet + 2}"
