"""The sheets PDF as the bureau gets it in the browser, checked as a duplex printer lays
it out (issue 16, deliverable 8): every page names its person, no sheet of paper holds
two people. The same reading as tests/app/test_sheet_printing.py, on the bytes the
browser downloaded from the sheets page's PDF button."""

from pathlib import Path

from playwright.sync_api import expect

from app.fairs.operations import format_badge_code
from app.fairs.routes import given_name
from tests.app.test_fair_documents import planned_fair  # noqa: F401 (a fixture)
from tests.app.test_sheet_printing import owners, pages_of


def test_the_downloaded_sheets_print_double_sided_one_person_per_sheet(
        page, planned_fair, tmp_path):  # noqa: F811
    page.goto("/login")
    page.locator("input[name=username]").fill("bureau")
    page.locator("input[name=password]").fill("qibu-bureau-demo")
    with page.expect_navigation():
        page.locator("input[name=password]").press("Enter")
    page.goto(f"/fairs/{planned_fair.id}/sheets")
    expect(page.get_by_text("双面打印")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="PDF").click()
    saved = Path(tmp_path) / "sheets.pdf"
    download.value.save_as(saved)
    pages = pages_of(saved.read_bytes())
    people = {format_badge_code(p.badge_code): given_name(p.seeker.name)
              for p in planned_fair.participants}
    named = owners(pages, people)
    assert len(people) > 200 and len(pages) % 2 == 0
    assert all(len(badges) == 1 for badges in named)
    for sheet in range(0, len(named), 2):
        assert named[sheet] == named[sheet + 1], f"sheet of pages {sheet + 1}-{sheet + 2}"
