"""The fair-day kiosk on a touch screen: badge keypad, my options, interest, idle reset.

Drives Debian's Chromium through Playwright with touch input (`tap`), as people in the
hall use the screen. The `kiosk_page` fixture is the conftest's `page` with a touch
screen: it fails on any request leaving 127.0.0.1, on console and page errors, and saves
the last page to test-artifacts/screenshots/; `_shot` saves the steps in between.
"""

import base64
import re
import zlib
from urllib.parse import quote, unquote, urlsplit

import numpy as np
import pytest
import qrcode
import sqlalchemy as sa
from playwright.sync_api import expect

from app.opening_labels import opening_code
from app.services.fair_plan import plan_fair_recommendations
from models import FairRecommendation, Interest, Role, Seeker, db
from tests.browser.conftest import (
    CHROMIUM,
    CHROMIUM_ARGS,
    PLAYWRIGHT_ARGS_DROPPED,
    SCREENSHOTS,
    _screenshot_name,
    guarded_page,
)
from tests.factories import PASSWORD

BADGE = "K7M9XQ2PB"
BADGE_SHOWN = "K7M-9XQ-2PB"
FULL_NAME = "欧阳晓明"
SURNAME = "欧阳"
GIVEN_NAME = "晓明"
MIN_TARGET_PX = 48
MIN_TEXT_PX = 18


# --- fixtures and helpers -------------------------------------------------------------


@pytest.fixture
def kiosk_page(browser, live_server, page_watch, request):
    """A touch screen in the hall: a fresh context with touch input, guarded like `page`."""
    with guarded_page(browser, live_server, page_watch, request, has_touch=True) as page:
        yield page


def _shot(page, request, step: str) -> None:
    """Save a screenshot of one step: <test name>-<step>.png beside the final one."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    name = _screenshot_name(f"{request.node.name}-{step}")
    page.screenshot(path=SCREENSHOTS / name, full_page=True)


@pytest.fixture
def fair_day(make):
    """An open fair with one employer at booth B07 offering two openings, one participant
    (with a survey) and the fair plan; the kiosk device account `kiosk1` is bound to it."""
    fair = make.fair()
    employer = make.employer(name="上海顺达物流有限公司")
    booth = make.booth(fair, employer, "B07")
    sorter = make.opening(employer_id=employer.id, title="理货员", pay_min=6000,
                          pay_max=8000)
    packer = make.opening(employer_id=employer.id, title="仓库打包员", pay_min=5500,
                          pay_max=7000, accommodation=True)
    make.offer(fair, booth, sorter)
    make.offer(fair, booth, packer)
    seeker = make.seeker(facility_id=fair.facility_id, name=FULL_NAME)
    make.survey(seeker, categories=["logistics"], salary_min=5000)
    participant = make.participant(fair, seeker, badge_code=BADGE)
    make.user(Role.KIOSK, username="kiosk1", fair_id=fair.id)
    fair.open()
    plan_fair_recommendations(fair)
    db.session.commit()
    planned = set(db.session.scalars(sa.select(FairRecommendation.opening_id).where(
        FairRecommendation.participant_id == participant.id)))
    assert planned == {sorter.id, packer.id}, "the plan should offer both openings"
    return {"fair": fair, "seeker": seeker, "participant": participant,
            "openings": [sorter, packer]}


@pytest.fixture
def short_idle(app):
    """A 2-second idle limit, set before the live server answers its first request."""
    app.config["KIOSK_IDLE_SECONDS"] = 2
    return 2


def _path(page) -> str:
    return urlsplit(page.url).path


def _log_in_as_kiosk(page) -> None:
    """Staff set the screen up: English (the catalogs lag behind), then the device login."""
    page.goto("/lang/en?next=/login")
    page.locator("input[name=username]").fill("kiosk1")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("input[name=password]").press("Enter")
    expect(page).to_have_url(re.compile(r"/kiosk$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Welcome! Type the number on your badge.")


def _type_badge(page, code: str) -> None:
    """Tap the code on the on-screen keypad and OK, as a visitor does."""
    page.wait_for_load_state("load")  # the keypad works once kiosk.js (deferred) has run
    for key in code:
        page.locator(f'.keypad .key[data-key="{key}"]').tap()
    page.locator(".keypad button[type=submit]").tap()


def _sign_in(page, code: str = BADGE) -> None:
    _type_badge(page, code)
    expect(page).to_have_url(re.compile(r"/kiosk/options$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Hello, {GIVEN_NAME}")


def _storage_count(page) -> int:
    return page.evaluate("localStorage.length + sessionStorage.length")


def _session_payload(context) -> str:
    """The readable part of Flask's signed session cookie (it is signed, not encrypted)."""
    cookie = next(c for c in context.cookies() if c["name"] == "qibu_session")
    value = cookie["value"].strip('"')
    compressed = value.startswith(".")
    payload = value.lstrip(".").split(".")[0]
    data = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    return (zlib.decompress(data) if compressed else data).decode("utf-8")


# --- the visit ------------------------------------------------------------------------


def test_badge_shows_my_options_and_interest_is_recorded(kiosk_page, fair_day, request):
    page = kiosk_page
    sorter, packer = fair_day["openings"]
    _log_in_as_kiosk(page)

    page.wait_for_load_state("load")
    for key in BADGE:
        page.locator(f'.keypad .key[data-key="{key}"]').tap()
    expect(page.locator("#code")).to_have_value(BADGE_SHOWN)  # grouped in threes as typed
    _shot(page, request, "1-keypad")
    page.get_by_role("button", name="OK").tap()

    expect(page).to_have_url(re.compile(r"/kiosk/options$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Hello, {GIVEN_NAME}")
    html = page.content()
    assert SURNAME not in html and FULL_NAME not in html  # the given name only
    assert fair_day["seeker"].code not in html
    cards = page.locator("li.option")
    expect(cards).to_have_count(2)
    card = page.locator(f"#opening-{sorter.id}")
    expect(card.locator(".option-title .opening-title")).to_have_text("理货员")
    expect(card.locator(".option-title .opening-details")).to_have_text(
        f"Pudong New Area · 6,000–8,000 yuan/month · day shift · "
        f"opening no. {opening_code(sorter.id)}")
    expect(card.locator(".option-employer")).to_have_text("上海顺达物流有限公司")
    expect(card.locator(".fact.booth")).to_contain_text("B07")
    expect(page.locator(f"#opening-{packer.id} .option-facts")).to_contain_text(
        "housing provided")
    expect(card.locator(".reasons li").first).to_be_visible()  # plain-language reasons
    _shot(page, request, "2-options")

    card.get_by_role("button", name="I'm interested").tap()

    expect(page).to_have_url(re.compile(rf"/kiosk/options#opening-{sorter.id}$"))
    expect(page.locator(".flash-success")).to_contain_text("Noted!")
    expect(card.locator(".interested-mark")).to_have_text("√ You said you are interested")
    expect(card.get_by_role("button", name="I'm interested")).to_have_count(0)
    # the other opening still offers the button
    expect(page.locator(f"#opening-{packer.id}").get_by_role(
        "button", name="I'm interested")).to_be_visible()
    _shot(page, request, "3-interested")
    db.session.expire_all()
    interests = db.session.scalars(sa.select(Interest)).all()
    assert [(i.seeker_id, i.opening_id, i.fair_id, i.source, i.stage.value)
            for i in interests] == [
        (fair_day["seeker"].id, sorter.id, fair_day["fair"].id, "kiosk", "interested")]


def test_wrong_code_gets_a_friendly_message(kiosk_page, fair_day, request):
    page = kiosk_page
    _log_in_as_kiosk(page)

    _type_badge(page, "K7M9XQ2PC")  # one character off

    expect(page).to_have_url(re.compile(r"/kiosk$"))
    expect(page.locator(".flash-error")).to_have_text(
        "We could not find this number. Please check the number on your badge and try "
        "again, or ask a staff member.")
    expect(page.locator("#code")).to_have_value("")  # the next person starts afresh
    expect(page.get_by_text(GIVEN_NAME)).to_have_count(0)
    assert "K7M9XQ2PC" not in page.url
    _shot(page, request, "wrong-code")
    # the right code still works after one slip
    _sign_in(page)


def test_hand_scanner_typing_the_code_signs_in(kiosk_page, fair_day, request):
    """A badge scanner beside the screen types the code and Enter like a keyboard,
    whatever has the focus (here a keypad key just tapped)."""
    page = kiosk_page
    _log_in_as_kiosk(page)
    page.wait_for_load_state("load")
    page.locator('.keypad .key[data-key="A"]').tap()
    expect(page.locator("#code")).to_have_value("A")
    page.keyboard.press("Backspace")
    page.keyboard.type(BADGE.lower())
    expect(page.locator("#code")).to_have_value(BADGE_SHOWN)
    _shot(page, request, "scanned")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/kiosk/options$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Hello, {GIVEN_NAME}")


def _badge_video(path, text: str) -> None:
    """A short Y4M video (what Chromium's fake camera plays) of a printed badge's QR code."""
    qr = qrcode.QRCode(border=4, box_size=1)
    qr.add_data(text)
    qr.make()
    dark = np.array(qr.get_matrix(), dtype=bool)
    module = 360 // dark.shape[0]
    code = np.kron(np.where(dark, 0, 255).astype(np.uint8), np.ones((module, module), np.uint8))
    width, height = 640, 480
    luma = np.full((height, width), 190, np.uint8)  # a grey wall behind the badge
    top, left = (height - code.shape[0]) // 2, (width - code.shape[1]) // 2
    luma[top:top + code.shape[0], left:left + code.shape[1]] = code
    chroma = np.full((height // 2, width // 2), 128, np.uint8)
    with open(path, "wb") as video:
        video.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(10):
            video.write(b"FRAME\n" + luma.tobytes() + chroma.tobytes() + chroma.tobytes())


def test_badge_qr_code_held_up_to_the_camera_signs_in(
        _playwright, live_server, page_watch, fair_day, request, tmp_path):
    video = tmp_path / "badge.y4m"
    _badge_video(video, BADGE)  # the printed badge's QR code holds the code
    camera_kiosk = _playwright.chromium.launch(
        executable_path=str(CHROMIUM), headless=True,
        args=[*CHROMIUM_ARGS, "--use-fake-ui-for-media-stream",
              "--use-fake-device-for-media-stream", f"--use-file-for-fake-video-capture={video}"],
        ignore_default_args=PLAYWRIGHT_ARGS_DROPPED,
    )
    try:
        with guarded_page(camera_kiosk, live_server, page_watch, request, has_touch=True,
                          permissions=["camera"]) as page:
            _log_in_as_kiosk(page)
            page.wait_for_load_state("load")
            expect(page.locator(".keypad")).to_be_visible()  # the keypad is always there
            page.locator("#scan-start").tap()
            expect(page).to_have_url(re.compile(r"/kiosk/options$"))
            expect(page.get_by_role("heading", level=1)).to_have_text(f"Hello, {GIVEN_NAME}")
    finally:
        camera_kiosk.close()


def test_without_a_camera_the_kiosk_says_to_type_the_number(kiosk_page, fair_day, request):
    page = kiosk_page
    _log_in_as_kiosk(page)
    page.wait_for_load_state("load")
    page.locator("#scan-start").tap()
    expect(page.locator("#scan-message")).to_have_text(
        "The camera cannot be used here. Please type the number on your badge.")
    expect(page.locator("#scan-start")).to_be_visible()  # try again later, or type
    _shot(page, request, "no-camera")
    _sign_in(page)


# --- privacy: idle reset, Back, staff pages, URLs and storage --------------------------


def test_idle_kiosk_returns_to_the_start_screen_and_forgets_the_visitor(
        short_idle, kiosk_page, fair_day, request):
    page = kiosk_page
    _log_in_as_kiosk(page)
    _sign_in(page)
    expect(page.locator("meta[name=qibu-idle]")).to_have_attribute("content", str(short_idle))
    _shot(page, request, "1-options")

    page.wait_for_timeout(3_000)  # nobody touches the screen

    expect(page).to_have_url(re.compile(r"/kiosk$"))
    # the next person starts in Chinese, whatever language this visitor chose
    expect(page.get_by_role("heading", level=1)).to_have_text("欢迎！请输入胸牌上的号码。")
    expect(page.get_by_text(GIVEN_NAME)).to_have_count(0)
    expect(page.locator("#kiosk-finish")).to_be_hidden()
    _shot(page, request, "2-reset")
    # the server forgot the visitor too: my options lead back to the start screen
    response = page.request.get("/kiosk/options", max_redirects=0)
    assert response.status == 302
    assert urlsplit(response.headers["location"]).path == "/kiosk"
    page.goto("/kiosk/options")
    assert _path(page) == "/kiosk"


def test_back_button_after_reset_shows_nothing_personal(
        short_idle, kiosk_page, fair_day, request):
    page = kiosk_page
    _log_in_as_kiosk(page)
    with page.expect_response(lambda r: urlsplit(r.url).path == "/kiosk/options") as shown:
        _sign_in(page)
    assert shown.value.headers.get("cache-control") == "no-store"
    page.wait_for_timeout(3_000)
    expect(page).to_have_url(re.compile(r"/kiosk$"))

    # go_back() would wait for a "load" that a page restored from the back/forward cache
    # never fires; wait for the commit, then look (kiosk.js reloads a restored page).
    page.go_back(wait_until="commit")
    expect(page).to_have_url(re.compile(r"/kiosk$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("欢迎！请输入胸牌上的号码。")
    expect(page.get_by_text(GIVEN_NAME)).to_have_count(0)
    expect(page.get_by_text("理货员")).to_have_count(0)
    assert GIVEN_NAME not in page.content()
    _shot(page, request, "after-back")
    page.go_back(wait_until="commit")
    expect(page.get_by_text(GIVEN_NAME)).to_have_count(0)
    expect(page.get_by_text("理货员")).to_have_count(0)


def test_kiosk_account_is_refused_staff_pages(kiosk_page, fair_day, page_watch, request):
    page_watch.allow_console_error(r"status of 403")
    page = kiosk_page
    _log_in_as_kiosk(page)
    _sign_in(page)

    for path in ("/bureau", "/admin/", "/employment"):
        response = page.goto(path)
        assert response is not None and response.status == 403, path
        expect(page.get_by_role("heading", level=1)).to_have_text("Access denied")
        expect(page.locator(".error-page .status")).to_have_text("403")
        expect(page.get_by_text(GIVEN_NAME)).to_have_count(0)
        _shot(page, request, path.strip("/"))


def test_no_personal_data_in_urls_or_browser_storage(kiosk_page, fair_day, request):
    page = kiosk_page
    urls: list[str] = []
    page.on("request", lambda r: urls.append(r.url))
    page.on("framenavigated", lambda frame: urls.append(frame.url))
    sorter = fair_day["openings"][0]

    def check_storage():
        assert _storage_count(page) == 0, page.url

    _log_in_as_kiosk(page)
    check_storage()
    _sign_in(page)
    check_storage()
    page.locator(f"#opening-{sorter.id}").get_by_role("button", name="I'm interested").tap()
    expect(page.locator(".interested-mark")).to_have_count(1)
    check_storage()
    page.get_by_role("link", name="All openings").tap()
    expect(page.get_by_role("heading", level=1)).to_have_text("All openings at this fair")
    page.wait_for_load_state("load")  # qibu.js (deferred) submits the filter on change
    page.locator("select[name=pay]").select_option("6000")  # submits itself
    expect(page).to_have_url(re.compile(r"pay=6000"))
    expect(page.locator(".tile")).to_have_count(1)  # 6,000–8,000 yes, 5,500–7,000 no
    check_storage()
    page.get_by_role("link", name="Interest self-test").tap()
    page.locator(".scale-btn.scale-4").tap()
    expect(page.locator(".progress")).to_contain_text("Question 2 of")
    check_storage()
    page.get_by_role("link", name="My options").tap()
    page.get_by_role("link", name="Print the booths to visit").tap()
    expect(page.locator(".slip")).to_contain_text(BADGE_SHOWN)  # on the paper, not in URLs
    check_storage()
    _shot(page, request, "slip")
    session_cookie = _session_payload(page.context)
    page.get_by_role("button", name="Finish").tap()
    expect(page).to_have_url(re.compile(r"/kiosk$"))
    check_storage()

    urls.append(page.url)
    assert any(urlsplit(u).path == "/kiosk/slip" for u in urls)
    forbidden = {BADGE, BADGE_SHOWN, FULL_NAME, GIVEN_NAME, SURNAME, fair_day["seeker"].code}
    for url in urls:
        for text in (url, unquote(url)):
            found = [f for f in forbidden if f.lower() in text.lower()]
            assert not found, f"{found} in {url}"
        assert not any(quote(f) in url for f in forbidden), url
    # the session cookie holds the participant's id only, never a name or a code
    assert not [f for f in forbidden if f in session_cookie], session_cookie
    assert '"participant"' in session_cookie


# --- touch-first ----------------------------------------------------------------------


@pytest.mark.slow  # answers all 48 questions to reach the result (about 14 s)
def test_self_test_is_answered_by_tapping(kiosk_page, fair_day, request):
    page = kiosk_page
    _log_in_as_kiosk(page)
    _sign_in(page)
    page.get_by_role("link", name="Interest self-test").tap()

    expect(page).to_have_url(re.compile(r"/kiosk/selftest$"))
    progress = page.locator(".progress")
    expect(progress).to_have_text(re.compile(r"^Question 1 of \d+$"))
    total = int(progress.inner_text().rsplit(" ", 1)[1])
    buttons = page.locator(".scale-buttons .scale-btn")
    expect(buttons).to_have_count(5)
    for box in (buttons.nth(i).bounding_box() for i in range(5)):
        assert box["width"] >= MIN_TARGET_PX and box["height"] >= MIN_TARGET_PX, box
    expect(page.locator(".item-card svg.icon")).to_be_visible()
    _shot(page, request, "1-first-question")

    for n, value in enumerate((5, 4, 2), start=2):
        page.locator(f'.scale-buttons button[value="{value}"]').tap()
        expect(progress).to_have_text(f"Question {n} of {total}")
        expect(page.locator("progress")).to_have_attribute("value", str(n - 1))
    _shot(page, request, "2-fourth-question")
    page.get_by_role("button", name="Previous question").tap()
    expect(progress).to_have_text(f"Question 3 of {total}")

    for n in range(3, total + 1):  # the rest, to see the result
        page.locator(f'.scale-buttons button[value="{1 + n % 5}"]').tap()
        if n < total:
            expect(progress).to_have_text(f"Question {n + 1} of {total}")

    expect(page).to_have_url(re.compile(r"/kiosk/selftest/result$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your interests")
    expect(page.locator(".riasec-result > li")).to_have_count(3)
    expect(page.locator(".riasec-result svg.icon")).to_have_count(3)
    _shot(page, request, "3-result")
    seeker = db.session.get(Seeker, fair_day["seeker"].id)
    db.session.refresh(seeker)
    assert seeker.riasec_code and len(seeker.riasec_code) == 3
    page.get_by_role("link", name="See my options again").tap()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Hello, {GIVEN_NAME}")


def test_options_page_has_big_touch_targets_and_large_text(kiosk_page, fair_day, request):
    page = kiosk_page
    _log_in_as_kiosk(page)
    _sign_in(page)
    sorter = fair_day["openings"][0]
    page.locator(f"#opening-{sorter.id}").get_by_role("button", name="I'm interested").tap()
    expect(page.locator(".interested-mark")).to_have_count(1)
    _shot(page, request, "options")

    # every control laid out on the page (scrolled or not); the skip link is parked off
    # screen until a keyboard focuses it, and a kiosk has no keyboard
    boxes = page.locator("a, button, input:not([type=hidden]), select, [role=button]") \
        .evaluate_all("""els => els.map(e => {
            const r = e.getBoundingClientRect();
            return {w: r.width, h: r.height, left: r.right + window.scrollX,
                    html: e.outerHTML.slice(0, 90)};
        }).filter(b => (b.w > 0 || b.h > 0) && b.left > 0)""")
    checked = len(boxes)
    small = [f"{b['w']:.0f}×{b['h']:.0f} {b['html']}" for b in boxes
             if b["w"] < MIN_TARGET_PX or b["h"] < MIN_TARGET_PX]
    assert checked >= 7  # language, brand, 3 links + Finish, interest button, print slip
    assert not small, "touch targets under 48×48 px:\n" + "\n".join(small)

    titles = page.locator(".option-title")
    expect(titles).to_have_count(2)
    title_sizes = titles.evaluate_all(
        "els => els.map(e => parseFloat(getComputedStyle(e).fontSize))")
    assert min(title_sizes) >= MIN_TEXT_PX, title_sizes
    # and every other line of the page is readable at arm's length too
    too_small = _text_under(page, "main", MIN_TEXT_PX)
    assert not too_small, f"text under {MIN_TEXT_PX}px on the options page: {too_small}"
    page.get_by_role("button", name="Finish").tap()
    expect(page.locator(".keypad")).to_be_visible()
    too_small = _text_under(page, "main", MIN_TEXT_PX)
    assert not too_small, f"text under {MIN_TEXT_PX}px on the start screen: {too_small}"


def _text_under(page, scope: str, px: float) -> list[tuple[str, float]]:
    """Elements in `scope` that show text of their own in a font smaller than `px`."""
    return page.locator(scope).evaluate("""(root, px) => {
        const found = [];
        for (const e of root.querySelectorAll("*")) {
            const own = [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
            const size = parseFloat(getComputedStyle(e).fontSize);
            if (own && e.getClientRects().length && size < px) {
                found.push([e.tagName + "." + e.className, size]);
            }
        }
        return found;
    }""", px)
