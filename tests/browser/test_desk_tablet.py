"""The recording desk on a tablet (768×1024, touch): a compact menu, taps that leave the
page where the finger is, and an organizer correcting a mistaken 'declined'
(issue 16, deliverables 6 and 8).

Drives Debian's Chromium through Playwright (tests/browser/conftest.py): the page fails on
any request leaving 127.0.0.1 and on console errors; the last page is saved to
test-artifacts/screenshots/, and `_shot` saves the steps in between.
"""


import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from models import AuditEvent, Interest, InterestStage, Role, db
from tests.browser.conftest import SCREENSHOTS, _screenshot_name, guarded_page
from tests.factories import PASSWORD

TABLET = {"width": 768, "height": 1024}
BADGE = "K7M9XQ2PB"
MAX_HEADER_PX = 80
FINGER_Y = 520  # where on the screen the row is tapped
MAX_DRIFT_PX = 60


@pytest.fixture
def tablet(browser, live_server, page_watch, request):
    """A tablet at the desk: touch input, 768×1024."""
    with guarded_page(browser, live_server, page_watch, request, has_touch=True) as page:
        page.set_viewport_size(TABLET)
        yield page


@pytest.fixture
def hall(make):
    """An open fair with six booths of three openings each (a desk page taller than the
    screen), one participant and the organizer `org`."""
    fair = make.fair()
    openings = []
    for n in range(6):
        employer = make.employer(name=f"上海第{n + 1}物流有限公司")
        booth = make.booth(fair, employer, f"A0{n + 1}")
        for title in ("理货员", "仓库打包员", "叉车司机"):
            opening = make.opening(employer_id=employer.id, title=title)
            make.offer(fair, booth, opening)
            openings.append(opening)
    participant = make.participant(fair, make.seeker(facility_id=fair.facility_id),
                                   badge_code=BADGE)
    make.user(Role.ORGANIZER, username="org", display_name="招聘会组织者王老师")
    fair.open()
    db.session.commit()
    return {"fair": fair, "openings": openings, "participant": participant}


def _shot(page, request, step: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / _screenshot_name(f"{request.node.name}-{step}"),
                    full_page=False)


def _log_in(page, language: str = "zh_CN") -> None:
    page.goto(f"/lang/{language}?next=/login")
    page.locator("input[name=username]").fill("org")
    page.locator("input[name=password]").fill(PASSWORD)
    with page.expect_navigation():
        page.locator("input[name=password]").press("Enter")


def _header_height(page) -> float:
    return page.locator("header.topbar").bounding_box()["height"]


def _check_menu_links_read_in_lines(page) -> None:
    """Every menu entry is one line of text, never one character a line."""
    links = page.locator("#main-menu a")
    assert links.count() >= 4
    for i in range(links.count()):
        box = links.nth(i).bounding_box()
        assert box is not None and box["width"] > box["height"], links.nth(i).inner_text()
        assert box["height"] < 50, links.nth(i).inner_text()


def _row_top(row) -> float:
    return row.evaluate("el => el.getBoundingClientRect().top")


def _put_row_under_finger(page, row) -> None:
    row.evaluate(f"el => window.scrollTo(0, el.getBoundingClientRect().top + window.scrollY"
                 f" - {FINGER_Y})")
    assert abs(_row_top(row) - FINGER_Y) < 2


def _tap_and_wait(page, target, opening_id: int) -> None:
    """Tap; the page sends it in the background and puts the opening's row back in place
    (no page load: the desk stays where it is)."""
    url = page.url
    with page.expect_response(lambda r: r.request.method == "POST"
                              and r.headers.get("x-qibu-row") == f"opening-{opening_id}"):
        target.tap()
    expect(page.locator(f"#opening-{opening_id} .row-notice")).to_be_visible()
    assert page.url == url


def test_the_menu_folds_to_one_short_bar_on_a_tablet(tablet, hall, request):
    page = tablet
    _log_in(page)  # Chinese, as on the day
    page.goto(f"/fairs/{hall['fair'].id}/desk")
    assert _header_height(page) < MAX_HEADER_PX
    menu_button = page.locator("label.menu-button")
    expect(menu_button).to_be_visible()
    expect(menu_button).to_contain_text("菜单")
    expect(page.locator("#main-menu")).to_be_hidden()
    _shot(page, request, "folded")

    menu_button.tap()
    expect(page.get_by_role("link", name="招聘会报告")).to_be_visible()
    _check_menu_links_read_in_lines(page)
    expect(page.get_by_role("button", name="退出登录")).to_be_visible()
    _shot(page, request, "open")
    menu_button.tap()
    expect(page.locator("#main-menu")).to_be_hidden()

    # on a desktop screen the menu is laid out in the bar, still one line a link
    page.set_viewport_size({"width": 1280, "height": 800})
    expect(menu_button).to_be_hidden()
    expect(page.locator("#main-menu")).to_be_visible()
    _check_menu_links_read_in_lines(page)
    assert _header_height(page) < MAX_HEADER_PX


def test_recording_stays_where_the_finger_is_and_a_mistaken_declined_is_corrected(
        tablet, hall, request):
    page = tablet
    fair = hall["fair"]
    opening = hall["openings"][13]  # the fifth booth: well below the first screen
    _log_in(page, "en")
    page.goto(f"/fairs/{fair.id}/desk")
    page.locator("#badge").fill("k7m-9xq-2pb")
    with page.expect_navigation():
        page.get_by_role("button", name="Find").tap()
    row = page.locator(f"#opening-{opening.id}")

    expect(page.locator("#not-checked-in")).to_have_text("not checked in")
    expect(page.locator("#checked-in")).to_be_hidden()
    # a tap on a row half-way down the screen: the page comes back with the row there
    _put_row_under_finger(page, row)
    _tap_and_wait(page, row.locator(".record-form button[value=interviewed]"), opening.id)
    # recording a stage marks the person as come, and the top of the desk says so
    expect(page.locator("#checked-in")).to_have_text("checked in")
    expect(page.locator("#not-checked-in")).to_be_hidden()
    assert page.evaluate("window.scrollY") > 500  # not back at the top
    assert abs(_row_top(row) - FINGER_Y) < MAX_DRIFT_PX
    expect(row.locator(".flash-success")).to_have_text("Recorded: interviewed.")
    expect(row.locator(".stage")).to_have_text("interviewed")
    _shot(page, request, "recorded")

    # the mistaken 未达成 (declined), then trying to go on is refused and says how to fix it
    _tap_and_wait(page, row.locator(".record-form button[value=declined]"), opening.id)
    expect(row.locator(".stage")).to_have_text("declined")
    _tap_and_wait(page, row.locator(".record-form button[value=intent]"), opening.id)
    expect(row.locator(".flash-error")).to_contain_text("This was recorded as declined")
    assert abs(_row_top(row) - FINGER_Y) < MAX_DRIFT_PX

    # the organizer corrects it on the row
    row.locator("details.correct summary").tap()
    form = row.locator(".correct-form")
    expect(form).to_be_visible()
    form.locator("input[name=reason]").fill("按错了")
    _tap_and_wait(page, form.locator("button[value=intent]"), opening.id)
    expect(row.locator(".flash-success")).to_have_text(
        "Corrected: declined → preliminary intent.")
    expect(row.locator(".stage")).to_have_text("preliminary intent")
    assert abs(_row_top(row) - FINGER_Y) < MAX_DRIFT_PX
    _shot(page, request, "corrected")

    db.session.expire_all()
    assert db.session.scalar(sa.select(Interest.stage).where(
        Interest.opening_id == opening.id)) is InterestStage.INTENT
    correction = db.session.scalar(sa.select(AuditEvent.detail).where(
        AuditEvent.action == "correction"))
    assert (correction["previous"], correction["stage"], correction["reason"]) == \
        ("declined", "intent", "按错了")
