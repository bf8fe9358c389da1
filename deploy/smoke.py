"""Smoke test of a running Qibu set (deploy/run-local.sh): only the standard library.

    python deploy/smoke.py [--static] URL [URL ...]

Checks /healthz through every URL; then, through the first, logs in as the demo
organizer, adds participants to the demo fair that is being planned and plans it (a job
run by `qibu worker`); it follows the job until it is done with the same login through
every URL in turn (the web processes share nothing but the database and Redis).
With --static, the first URL (nginx) must serve /static/ with a long max-age. Each step
prints one line; the exit status is 0 when every step passed, 1 at the first failure
(with what was seen).
"""

from __future__ import annotations

import json
import re
import sys
import time
from html.parser import HTMLParser
from http.cookiejar import CookieJar
from urllib.error import HTTPError
from urllib.parse import urlencode, urljoin
from urllib.request import HTTPCookieProcessor, Request, build_opener

ORGANIZER = ("organizer", "qibu-organizer-demo")  # app/seeding.py DEMO_ACCOUNTS
JOB_WAIT_SECONDS = 45


class SmokeFailure(Exception):
    """A step that did not give what a working set gives."""


class Forms(HTMLParser):
    """Every form of a page: its action and the values its inputs would send."""

    def __init__(self):
        super().__init__()
        self.forms: list[tuple[str, dict[str, str]]] = []
        self._fields: dict[str, str] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("method") or "get").lower() == "post":
            self._fields = {}
            self.forms.append((attrs.get("action") or "", self._fields))
        elif tag == "input" and self._fields is not None and attrs.get("name"):
            if attrs.get("type") in {"checkbox", "radio"} and "checked" not in attrs:
                return
            self._fields[attrs["name"]] = attrs.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "form":
            self._fields = None


class Browser:
    """A cookie-keeping client of one base URL."""

    def __init__(self, base: str):
        self.base = base.rstrip("/") + "/"
        # one jar for every port of 127.0.0.1: cookies do not tell ports apart
        self.opener = build_opener(HTTPCookieProcessor(CookieJar()))
        self.headers: dict[str, str] = {}

    def request(self, path: str, data: dict | None = None,
                base: str | None = None) -> tuple[int, str, str]:
        body = urlencode(data).encode() if data is not None else None
        root = (base or self.base).rstrip("/") + "/"
        if not root.startswith(("http://", "https://")):
            raise SmokeFailure(f"{root} is not an http(s) URL")
        url = urljoin(root, path.lstrip("/"))
        request = Request(url, data=body, headers={"Accept-Language": "en"})  # noqa: S310
        try:
            with self.opener.open(request, timeout=30) as response:
                self.headers = dict(response.headers)
                return response.status, response.geturl(), response.read().decode()
        except HTTPError as error:
            self.headers = dict(error.headers)
            return error.code, error.geturl(), error.read().decode(errors="replace")

    def form(self, page: str, action_pattern: str,
             page_path: str = "") -> tuple[str, dict[str, str]]:
        """The action and fields of the page's POST form whose action matches (a form
        without an action posts to the page's own path)."""
        parser = Forms()
        parser.feed(page)
        for action, fields in parser.forms:
            action = action or page_path
            if re.search(action_pattern, action):
                return action, dict(fields)
        raise SmokeFailure(f"no form posting to {action_pattern!r} on the page")


def step(name: str, ok: bool, seen: str = "") -> None:
    if not ok:
        raise SmokeFailure(f"{name}: FAILED{(' — ' + seen[:400]) if seen else ''}")
    print(f"ok  {name}", flush=True)


def check_health(base: str) -> None:
    status, _, body = Browser(base).request("/healthz")
    step(f"GET {base}/healthz", status == 200 and json.loads(body).get("status") == "ok",
         f"{status} {body}")


def check_static(base: str) -> None:
    browser = Browser(base)
    status, _, _ = browser.request("/static/css/qibu.css")
    cache = browser.headers.get("Cache-Control", "")
    age = re.search(r"max-age=(\d+)", cache)
    step(f"GET {base}/static/css/qibu.css with a long max-age ({cache})",
         status == 200 and age is not None and int(age.group(1)) >= 86400, f"{status} {cache}")


def plan_demo_fair(bases: list[str]) -> None:
    browser = Browser(bases[0])
    browser.request("/lang/en")
    _, _, page = browser.request("/login")
    action, fields = browser.form(page, r"^/login", page_path="/login")
    fields.update(username=ORGANIZER[0], password=ORGANIZER[1])
    status, url, home = browser.request(action, fields)
    step("log in as the demo organizer", status == 200 and "/login" not in url, f"{status} {url}")

    fair_ids = sorted(set(re.findall(r'href="/fairs/(\d+)"', home)), key=int)
    fair_id = fair_page = None
    for candidate in fair_ids:
        _, _, candidate_page = browser.request(f"/fairs/{candidate}")
        if f'action="/fairs/{candidate}/plan"' in candidate_page:
            fair_id, fair_page = candidate, candidate_page
            break
    step("find the demo fair being planned", fair_id is not None, f"fairs linked: {fair_ids}")

    action, fields = browser.form(fair_page, rf"/fairs/{fair_id}/participants$")
    fields["months"] = "6"
    status, _, fair_page = browser.request(action, fields)
    step("add participants due for release within 6 months", status == 200, str(status))

    action, fields = browser.form(fair_page, rf"/fairs/{fair_id}/plan$")
    status, url, _ = browser.request(action, fields)
    match = re.search(r"/jobs/(\d+)$", url)
    step("plan the fair: a job is queued", status == 200 and match is not None,
         f"{status} {url}")

    job_id = match.group(1)
    deadline = time.monotonic() + JOB_WAIT_SECONDS
    view: dict = {}
    polls = 0
    while time.monotonic() < deadline:
        status, _, body = browser.request(f"/jobs/{job_id}.json",
                                          base=bases[polls % len(bases)])
        polls += 1
        view = json.loads(body) if status == 200 else {"state": f"HTTP {status}"}
        if view.get("finished"):
            break
        time.sleep(0.5)
    step(f"the worker ran job {job_id} to done", view.get("state") == "done", json.dumps(view))

    _, _, page = browser.request(f"/jobs/{job_id}")
    step("the job's page says the plan was made", "Plan made:" in page)


def main(argv: list[str]) -> int:
    static = "--static" in argv
    bases = [arg for arg in argv if arg != "--static"]
    if not bases:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        for base in bases:
            check_health(base)
        if static:
            check_static(bases[0])
        plan_demo_fair(bases)
    except (SmokeFailure, OSError, ValueError) as failure:
        print(f"FAIL {failure}", file=sys.stderr, flush=True)
        return 1
    print("smoke test passed", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
