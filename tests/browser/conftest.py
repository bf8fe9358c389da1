"""Browser tests: the real app served over HTTP, driven by Debian's Chromium via Playwright.

Every test here is marked `browser`. Without Chromium (/usr/bin/chromium, or the path in
QIBU_CHROMIUM) the tests are skipped, unless QIBU_REQUIRE_BROWSER=1 (as in CI): then
they fail and say to run .ci/install-browser. Never `playwright install`: it downloads
its own browser, and these machines have no internet.

Fixtures:
- `live_server`: the test's app (tests/conftest.py `app`, same database) served on
  127.0.0.1 at a free port, with CSRF protection on as in production. Data the test
  creates must be committed (`db.session.commit()`) before the browser can see it, and
  the test's session expired (`db.session.expire_all()`) to read what requests wrote.
- `browser`: one headless Chromium for the session.
- `page`: a fresh context (own cookies and storage) and page per test, whose relative
  URLs go to `live_server`. The test fails on any request that leaves 127.0.0.1, on a
  console error, on an uncaught page error and on a server exception. Its last page is
  saved to test-artifacts/screenshots/<test name>.png, whether it passed or failed.
"""

import contextvars
import logging
import os
import re
import threading
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM = Path(os.environ.get("QIBU_CHROMIUM") or "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Playwright turns the back/forward cache off; real browsers have it on, and whether
# Back after logout shows a cached page is exactly what the tests must see.
PLAYWRIGHT_ARGS_DROPPED = ["--disable-back-forward-cache"]
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
LOCAL_SCHEMES = {"data", "blob", "about"}

log = logging.getLogger("tests.live_server")


def _browser_missing() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        return f"Chromium not found at {CHROMIUM}"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -e '.[test]')"
    return None


def _browser_required() -> bool:
    return os.environ.get("QIBU_REQUIRE_BROWSER") == "1"


def pytest_collection_modifyitems(config, items):
    missing = _browser_missing()
    for item in items:
        if HERE not in item.path.parents:
            continue
        item.add_marker(pytest.mark.browser)
        if missing and not _browser_required():
            item.add_marker(
                pytest.mark.skip(reason=f"{missing}; run .ci/install-browser to install it")
            )


# --- the app over HTTP -------------------------------------------------------------


class _QuietHandler(WSGIRequestHandler):
    """Send werkzeug's request lines to a logger pytest captures, not to stderr."""

    def log(self, type, message, *args):  # noqa: A002 (werkzeug's signature)
        level = logging.ERROR if type == "error" else logging.DEBUG
        log.log(level, "%s %s", self.address_string(), message % args)


def _closed_after(body):
    """The response body, closed however its sending ends. werkzeug's server does not
    close it when the browser drops the connection half-way (a page left while one of its
    scripts was still being sent), which left a static file open: a ResourceWarning that
    failed an unrelated test at random."""
    try:
        yield from body
    finally:
        close = getattr(body, "close", None)
        if close is not None:
            close()


class LiveServer:
    """The app served by werkzeug in a daemon thread; `url` is its base address."""

    def __init__(self, app):
        self.app = app
        self.errors: list[str] = []
        self._server = make_server(
            "127.0.0.1", 0, self._wsgi, threaded=True, request_handler=_QuietHandler
        )
        self.port = self._server.server_port
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},  # shutdown() waits up to one interval
            name="qibu-live-server",
            daemon=True,
        )

    def _wsgi(self, environ, start_response):
        # Each request runs in an empty context, as in production: never the test's app
        # context (and database session), even where threads inherit context variables.
        try:
            body = contextvars.Context().run(self.app, environ, start_response)
        except Exception as exc:
            self.errors.append(
                f"{environ.get('REQUEST_METHOD')} {environ.get('PATH_INFO')}: "
                f"{type(exc).__name__}: {exc}"
            )
            raise
        return _closed_after(body)

    def start(self):
        self._thread.start()

    def stop(self):
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)
        assert not self._thread.is_alive(), "the live server thread did not stop"


@pytest.fixture
def live_server(app):
    """The test's app served over HTTP on 127.0.0.1 (a free port), CSRF protection on."""
    app.config["WTF_CSRF_ENABLED"] = True
    server = LiveServer(app)
    server.start()
    yield server
    server.stop()
    assert not server.errors, "the server raised:\n" + "\n".join(server.errors)


# --- the browser -------------------------------------------------------------------


@pytest.fixture(scope="session")
def _playwright():
    missing = _browser_missing()
    if missing:
        message = f"{missing}; run .ci/install-browser to install it"
        if _browser_required():
            pytest.fail(f"QIBU_REQUIRE_BROWSER=1 but {message}", pytrace=False)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(_playwright):
    """Headless Chromium (Debian's), with a fresh temporary profile, for the session."""
    browser = _playwright.chromium.launch(
        executable_path=str(CHROMIUM),
        headless=True,
        args=CHROMIUM_ARGS,
        ignore_default_args=PLAYWRIGHT_ARGS_DROPPED,
    )
    yield browser
    browser.close()


class PageWatch:
    """What a page did that should fail the test: outside requests, console/page errors."""

    def __init__(self):
        self.outside_requests: list[str] = []
        self.console_errors: list[str] = []
        self.page_errors: list[str] = []
        self._allowed: list[re.Pattern] = []

    def allow_console_error(self, pattern: str) -> None:
        """Accept console errors matching `pattern` (e.g. an expected 403's load error)."""
        self._allowed.append(re.compile(pattern))

    def guard(self, route) -> None:
        url = route.request.url
        parts = urlsplit(url)
        if parts.scheme in LOCAL_SCHEMES or parts.hostname in LOCAL_HOSTS:
            route.continue_()
        else:
            self.outside_requests.append(url)
            route.abort("blockedbyclient")

    def on_console(self, message) -> None:
        if message.type == "error":
            location = message.location or {}
            self.console_errors.append(f"{message.text} ({location.get('url', '?')})")

    def on_page_error(self, error) -> None:
        self.page_errors.append(str(error))

    def problems(self) -> list[str]:
        console = [e for e in self.console_errors if not any(p.search(e) for p in self._allowed)]
        return (
            [f"request left 127.0.0.1: {url}" for url in self.outside_requests]
            + [f"console error: {text}" for text in console]
            + [f"page error: {text}" for text in self.page_errors]
        )


@pytest.fixture
def page_watch():
    """The current test's PageWatch; call allow_console_error() for expected errors."""
    return PageWatch()


def _screenshot_name(node_name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", node_name).strip("_") + ".png"


@contextmanager
def guarded_page(browser, live_server, page_watch, request, **context_options):
    """A page in a fresh context whose requests are guarded; screenshot and checks at the end."""
    context = browser.new_context(base_url=live_server.url,
                                  viewport={"width": 1280, "height": 800}, **context_options)
    context.set_default_timeout(10_000)
    context.route("**/*", page_watch.guard)
    context.on("console", page_watch.on_console)
    page = context.new_page()
    page.on("pageerror", page_watch.on_page_error)
    try:
        yield page
    finally:
        try:
            if not page.is_closed():
                SCREENSHOTS.mkdir(parents=True, exist_ok=True)
                page.screenshot(
                    path=SCREENSHOTS / _screenshot_name(request.node.name), full_page=True
                )
        finally:
            context.close()
    problems = page_watch.problems()
    assert not problems, "the browser saw:\n" + "\n".join(problems)


@pytest.fixture
def page(browser, live_server, page_watch, request):
    """A new page in a fresh context; relative URLs go to the live server."""
    with guarded_page(browser, live_server, page_watch, request) as page:
        yield page
