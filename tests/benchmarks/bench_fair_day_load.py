"""Load on fair-day recording under gunicorn (``make bench``; never in the default run).

The real app runs under gunicorn with 2 sync workers on a free 127.0.0.1 port, on a
temporary SQLite file (`make run`'s database), then on a scratch PostgreSQL database (a
deployment's; BENCH_PG_URL's server, skipped without one), built as a deployment builds
it (``qibu db upgrade`` and ``qibu seed-demo`` in subprocesses). Before gunicorn starts,
the demo fair in planning is opened and every person of its facility due for release
within a year is registered.

Then 16 organizer clients (threads, http.client, one cookie jar each) log in as the demo
organizer through the real login form (with its CSRF token) and work as tablets at the
recording desk: two tablets at each of 8 booths, each tablet set to its booth. Both
tablets of a booth go through the same participants, the second one person behind the
first, so they record the same people a moment apart and often at the same time: type
the badge and check in, then tap interested, interviewed and preliminary intent for the
booth's opening. The badge is a POST and the desk page it redirects to; each tap is
one POST as the desk page's script sends it, answered with the opening's row (no page
load). The recording is bounded by
a number of requests (BENCH_FAIR_REQUESTS, 2,400 by default) and 60 s. Then every tablet
records hires for its people's intents on the placements page (a few each, more than the
booth's opening has places), so hires for the same opening race.

Prints requests per second and p50/p99 latency of the recording and of the hires, with
their ratios to /healthz measured by the same clients in the same run. Then it counts in
the database what the clients were told was done and prints the comparison: check-ins,
stage taps (one audit entry per tap), each interest's stage against the furthest stage a
tap recorded for it, hires against places. Lost updates and hires over the headcount
must be 0 and no answer may be a server error (asserted); nothing here asserts a time.
"""

from __future__ import annotations

import html
import os
import re
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from bench_kiosk_load import Gunicorn, HttpClient, app_for, run_qibu, server_environment
from databases import scratch_database

from app.clock import local_today
from app.fairs.operations import add_participants, open_fair, seekers_due
from models import (
    AuditEvent,
    Fair,
    FairEmployer,
    FairParticipant,
    FairStatus,
    Interest,
    InterestStage,
    Opening,
    Placement,
    db,
)

ROOT = Path(__file__).resolve().parents[2]
CLIENTS = 16
BOOTHS = CLIENTS // 2  # two tablets at each booth
REQUESTS = int(os.environ.get("BENCH_FAIR_REQUESTS", 2_400))
DEADLINE_SECONDS = 60.0
HIRES_PER_TABLET = 4
PING_REQUESTS = 1_500
ORGANIZER, ORGANIZER_PASSWORD = "organizer", "qibu-organizer-demo"  # app/seeding.py
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
FLASH = re.compile(r'<div class="flash flash-(\w+)" role="status">(.*?)</div>', re.S)
STAGES = (InterestStage.INTERESTED, InterestStage.INTERVIEWED, InterestStage.INTENT)
ORDER = {InterestStage.INTERESTED: 1, InterestStage.INTERVIEWED: 2, InterestStage.INTENT: 3,
         InterestStage.HIRED: 4}
STAGE_WORDS = {"interested": InterestStage.INTERESTED,
               "interviewed": InterestStage.INTERVIEWED,
               "preliminary intent": InterestStage.INTENT}


# --- the server and its data ------------------------------------------------------------


@dataclass
class Booth:
    booth_id: int
    opening_id: int
    title: str
    employer: str
    headcount: int
    filled_before: int
    people: list[tuple[str, str]] = field(default_factory=list)  # (badge, seeker code)


def _prepare_fair(env: dict[str, str]) -> tuple[int, list[Booth]]:
    """Hold the demo fair in planning today and open it, register its people, pick 8 booths
    and their people."""
    app = app_for(env)
    with app.app_context():
        fair = db.session.scalar(sa.select(Fair).where(Fair.status == FairStatus.PLANNING)
                                 .order_by(Fair.id))
        fair.held_on = local_today()  # fair day is today: hires start today, not before it
        open_fair(fair)
        add_participants(fair, seekers_due(fair, months=12))
        db.session.commit()
        booths = []
        for stand in db.session.scalars(sa.select(FairEmployer).where(
                FairEmployer.fair_id == fair.id).order_by(FairEmployer.booth)):
            offer = next((o for o in stand.openings if o.opening.headcount
                          and o.opening.filled < o.opening.headcount), None)
            if offer is not None:
                opening = offer.opening
                booths.append(Booth(stand.id, opening.id, opening.title, stand.employer.name,
                                    opening.headcount, opening.filled))
            if len(booths) == BOOTHS:
                break
        participants = db.session.execute(
            sa.select(FairParticipant.badge_code, FairParticipant.seeker_id)
            .where(FairParticipant.fair_id == fair.id).order_by(FairParticipant.id)).all()
        codes = dict(db.session.execute(sa.text("SELECT id, code FROM seekers")).all())
        for index, (badge, seeker_id) in enumerate(participants):
            booths[index % BOOTHS].people.append((badge, codes[seeker_id]))
        fair_id = fair.id
        db.session.remove()
        db.engine.dispose()
    assert len(booths) == BOOTHS and all(len(b.people) >= 10 for b in booths)
    return fair_id, booths


# --- the tablets ---------------------------------------------------------------------------


@dataclass
class Tally:
    """What the clients were told, and how long each request took."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: {
        "recording": [], "hires": [], "healthz": []})
    checked_in: int = 0
    already_checked_in: int = 0
    taps: int = 0  # "Recorded: …"
    later_stage: int = 0  # "Already recorded as a later stage"
    furthest: dict[tuple[str, int], int] = field(default_factory=dict)  # (code, opening)
    hires: Counter = field(default_factory=Counter)  # opening -> hires told recorded
    full: int = 0  # "Every place of this opening is filled"
    other_messages: Counter = field(default_factory=Counter)
    server_errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class Tablet:
    """One organizer's tablet at a booth: a logged-in client that times every request."""

    def __init__(self, port: int, fair_id: int, booth: Booth, tally: Tally):
        self.http = HttpClient(port)
        self.http.cookies["qibu_lang"] = "en"  # read the answers in English
        self.fair_id, self.booth, self.tally = fair_id, booth, tally
        self.token = ""

    def _timed(self, kind: str, method: str, path: str, form: dict | None = None,
               extra_headers: dict | None = None):
        started = time.perf_counter()
        status, headers, body = self.http.request(method, path, form, extra_headers)
        elapsed = time.perf_counter() - started
        with self.tally.lock:
            self.tally.latencies[kind].append(elapsed)
            if status >= 500:
                self.tally.server_errors.append(f"{status} {method} {path}")
        return status, headers, body.decode("utf-8", "replace")

    def _post_and_follow(self, kind: str, path: str, form: dict) -> list[tuple[str, str]]:
        """POST a form, GET the page it redirects to, return that page's flash messages."""
        status, headers, body = self._timed(kind, "POST", path,
                                            {"csrf_token": self.token, **form})
        if status == 200:  # the form shown again, with what was wrong
            found = FLASH.findall(body)
            return [(c, html.unescape(m).strip()) for c, m in found] or [("error", "HTTP 200")]
        if status != 302:
            return [("error", f"HTTP {status}")]
        _, _, page = self._timed(kind, "GET", urlsplit(headers["Location"]).path)
        return [(c, html.unescape(m).strip()) for c, m in FLASH.findall(page)]

    def _tap(self, path: str, form: dict) -> list[tuple[str, str]]:
        """A tap on an opening's row as the desk page's script sends it: the answer is the
        row with the tap's message (static/js/qibu.js), or where to go instead."""
        status, headers, body = self._timed("recording", "POST", path,
                                            {"csrf_token": self.token, **form},
                                            {"X-Qibu-Desk": "row"})
        if status == 200 and headers.get("X-Qibu-Row"):
            return [(c, html.unescape(m).strip()) for c, m in FLASH.findall(body)]
        if status == 204 and headers.get("X-Qibu-Go"):
            _, _, page = self._timed("recording", "GET", headers["X-Qibu-Go"])
            return [(c, html.unescape(m).strip()) for c, m in FLASH.findall(page)]
        return [("error", f"HTTP {status}")]

    def log_in(self) -> None:
        status, _, body = self.http.request("GET", "/login")
        token = CSRF.search(body.decode("utf-8")).group(1)
        status, headers, _ = self.http.request("POST", "/login", {
            "csrf_token": token, "username": ORGANIZER, "password": ORGANIZER_PASSWORD})
        assert status == 302 and urlsplit(headers["Location"]).path == "/organizer", \
            ("organizer login failed", status, headers.get("Location"))
        status, _, body = self.http.request("GET", f"/fairs/{self.fair_id}/desk")
        assert status == 200
        self.token = CSRF.search(body.decode("utf-8")).group(1)
        status, _, _ = self.http.request("POST", f"/fairs/{self.fair_id}/desk/booth", {
            "csrf_token": self.token, "booth_id": str(self.booth.booth_id)})
        assert status == 302

    def visit(self, badge: str, code: str) -> None:
        """Check the person in and tap interested, interviewed and intent for the opening."""
        desk = f"/fairs/{self.fair_id}/desk"
        for _category, message in self._post_and_follow(
                "recording", f"{desk}/badge", {"badge": badge, "check_in": "1"}):
            self._count(message, code)
        for stage in STAGES:
            for _category, message in self._tap(
                    f"{desk}/record",
                    {"opening_id": str(self.booth.opening_id), "stage": stage.value,
                     "note": ""}):
                self._count(message, code)

    def _count(self, message: str, code: str) -> None:
        tally = self.tally
        with tally.lock:
            if message == "Checked in.":
                tally.checked_in += 1
            elif message == "Already checked in.":
                tally.already_checked_in += 1
            elif message.startswith("Recorded: "):
                tally.taps += 1
                stage = STAGE_WORDS[message.removeprefix("Recorded: ").rstrip(".")]
                key = (code, self.booth.opening_id)
                tally.furthest[key] = max(tally.furthest.get(key, 0), ORDER[stage])
            elif message.startswith("Already recorded as a later stage"):
                tally.later_stage += 1
            elif message.startswith("Hire recorded"):
                tally.hires[self.booth.opening_id] += 1
            elif message.startswith("Every place of this opening is filled"):
                tally.full += 1
            else:
                tally.other_messages[message] += 1

    def hire(self, codes: list[str]) -> None:
        """Record hires for these people's intents on the booth's opening."""
        path = f"/fairs/{self.fair_id}/placements"
        _, _, page = self._timed("hires", "GET", path)
        forms = _placement_forms(page)
        for code in codes:
            hidden = forms.get((code, self.booth.title, self.booth.employer))
            if hidden is None:  # no intent recorded, or hired by the other tablet
                continue
            for _category, message in self._post_and_follow("hires", path, {
                    **hidden, "start_date": local_today().isoformat(),
                    "monthly_pay": "6000"}):
                self._count(message, code)


# code, the opening's label (its title in <strong class="opening-title">), employer
_ROW = re.compile(r'<tr>\s*<td class="mono">([^<]+)</td>\s*<td>.*?'
                  r'<strong class="opening-title">([^<]*)</strong>.*?</td><td>([^<]*)</td>'
                  r'.*?</tr>', re.S)
_INTEREST = re.compile(r'name="interest_id" value="(\d+)"')
# each form's one-time key (app/submissions.py): a form sent without it is refused
_KEY = re.compile(r'name="submission_key" value="([^"]+)"')


def _placement_forms(page: str) -> dict[tuple[str, str, str], dict[str, str]]:
    """(seeker code, opening title, employer) -> the hidden fields (interest id, one-time
    key) of the hire form of each intent not yet hired."""
    forms = {}
    for match in _ROW.finditer(page):
        found = _INTEREST.search(match.group(0))
        if found:
            key = tuple(html.unescape(part).strip() for part in match.groups())
            once = _KEY.search(match.group(0))
            forms[key] = {"interest_id": found.group(1),
                          **({"submission_key": once.group(1)} if once else {})}
    return forms


def _record(tablets: list[Tablet], budget: int) -> float:
    """Every tablet visits its booth's people until the budget or the deadline; wall s."""
    lock = threading.Lock()
    spent = 0
    deadline = time.monotonic() + DEADLINE_SECONDS
    per_visit = 2 + len(STAGES)  # the badge and its page, then one request a tap

    def work(tablet: Tablet, people: list[tuple[str, str]]) -> None:
        nonlocal spent
        for badge, code in people:
            with lock:
                if spent + per_visit > budget or time.monotonic() > deadline:
                    return
                spent += per_visit
            tablet.visit(badge, code)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=len(tablets)) as pool:
        futures = []
        for index, tablet in enumerate(tablets):
            # the booth's second tablet is one person behind the first: they record the
            # same people a moment apart, often at the same time
            people = tablet.booth.people
            if index % 2:
                people = people[1:] + people[:1]
            futures.append(pool.submit(work, tablet, people))
        for future in futures:
            future.result()
    return time.perf_counter() - started


def _ping(tablets: list[Tablet], total: int) -> float:
    """`total` GETs of /healthz spread over the same clients at once; wall s."""
    lock = threading.Lock()
    issued = 0

    def run(tablet: Tablet) -> None:
        nonlocal issued
        while True:
            with lock:
                if issued >= total:
                    return
                issued += 1
            tablet._timed("healthz", "GET", "/healthz")

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=len(tablets)) as pool:
        for future in [pool.submit(run, tablet) for tablet in tablets]:
            future.result()
    return time.perf_counter() - started


def _summary(latencies: list[float], wall: float) -> dict[str, float]:
    ordered = sorted(latencies)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

    return {"n": len(ordered), "rps": len(ordered) / wall, "p50": at(0.50), "p99": at(0.99)}


# --- what the database says -------------------------------------------------------------


def _database_counts(env, fair_id: int, booths: list[Booth]) -> dict:
    app = app_for(env)
    with app.app_context():
        counts = {
            "checked_in": db.session.scalar(sa.select(sa.func.count(FairParticipant.id)).where(
                FairParticipant.fair_id == fair_id, FairParticipant.checked_in_at.is_not(None))),
            "taps": db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(
                AuditEvent.action == "stage_recorded")),
            "stages": {
                (code, opening_id): stage for code, opening_id, stage in db.session.execute(
                    sa.text("SELECT s.code, i.opening_id, i.stage FROM interests i "
                            "JOIN seekers s ON s.id = i.seeker_id WHERE i.fair_id = :fair"),
                    {"fair": fair_id})
            },
            "placements": Counter(db.session.scalars(
                sa.select(Placement.opening_id).where(Placement.fair_id == fair_id)).all()),
            "openings": {o.id: (o.headcount, o.filled) for o in db.session.scalars(
                sa.select(Opening).where(Opening.id.in_([b.opening_id for b in booths])))},
            "hired_interests": db.session.scalar(sa.select(sa.func.count(Interest.id)).where(
                Interest.fair_id == fair_id, Interest.stage == InterestStage.HIRED)),
        }
        db.session.remove()
        db.engine.dispose()
    return counts


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_fair_day_recording_under_load(tmp_path, database):
    """On a SQLite file (`make run`'s database) and on PostgreSQL (a deployment's)."""
    if database == "sqlite":
        _fair_day(tmp_path, server_environment(tmp_path), "SQLite")
        return
    with scratch_database("qibu_bench_fair") as url:
        _fair_day(tmp_path, server_environment(tmp_path, url), "PostgreSQL")


def _fair_day(tmp_path, env: dict[str, str], database: str) -> None:
    started = time.perf_counter()
    run_qibu(env, "db", "upgrade")
    run_qibu(env, "seed-demo")
    fair_id, booths = _prepare_fair(env)
    prepared = time.perf_counter() - started

    tally = Tally()
    server = Gunicorn(env, tmp_path / "gunicorn.log")
    try:
        server.wait_ready()
        tablets = [Tablet(server.port, fair_id, booths[i // 2], tally) for i in range(CLIENTS)]
        with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
            list(pool.map(Tablet.log_in, tablets))
        ping_wall = _ping(tablets, PING_REQUESTS)
        record_wall = _record(tablets, REQUESTS)

        def hire(index: int) -> None:
            tablet = tablets[index]
            mine = [code for n, (_badge, code) in enumerate(tablet.booth.people)
                    if n % 2 == index % 2]
            tablet.hire(mine[:HIRES_PER_TABLET])

        hire_started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
            list(pool.map(hire, range(CLIENTS)))
        hire_wall = time.perf_counter() - hire_started
    finally:
        server.stop()

    rows = {"/healthz": _summary(tally.latencies["healthz"], ping_wall),
            "recording": _summary(tally.latencies["recording"], record_wall),
            "hires": _summary(tally.latencies["hires"], hire_wall)}
    load = os.getloadavg()[0]
    print(f"\nfair-day recording: gunicorn 2 sync workers, {CLIENTS} organizer tablets at "
          f"{BOOTHS} booths (2 each), {sum(len(b.people) for b in booths)} participants, "
          f"{database} demo data (prepared in {prepared:.1f} s, load average {load:.1f})")
    for name, row in rows.items():
        print(f"  {name:<10} {row['n']:>6,} requests  {row['rps']:8,.0f} req/s  "
              f"p50 {row['p50']:7.1f} ms  p99 {row['p99']:7.1f} ms")
    ping = rows["/healthz"]
    for name in ("recording", "hires"):
        print(f"  {name} / healthz: throughput {rows[name]['rps'] / ping['rps']:.2f}×, "
              f"p99 {rows[name]['p99'] / ping['p99']:.1f}×")
    if tally.latencies["recording"] and len(tally.latencies["recording"]) < REQUESTS - 8:
        print(f"  (recording stopped at the {DEADLINE_SECONDS:.0f} s bound)")

    found = _database_counts(env, fair_id, booths)
    lost_stages = [key for key, reached in tally.furthest.items()
                   if ORDER.get(InterestStage(found["stages"].get(key, "declined")), 0) < reached]
    extra_interests = set(found["stages"]) - set(tally.furthest)
    over = {opening: filled - headcount
            for opening, (headcount, filled) in found["openings"].items() if filled > headcount}
    filled_delta = {b.opening_id: found["openings"][b.opening_id][1] - b.filled_before
                    for b in booths}
    hires_told = sum(tally.hires.values())
    print(f"  check-ins: told {tally.checked_in:,} (and {tally.already_checked_in:,} "
          f"'already'), database {found['checked_in']:,}")
    print(f"  stage taps: told {tally.taps:,} recorded ({tally.later_stage:,} refused as "
          f"already further), audit entries {found['taps']:,}; interests: {len(tally.furthest):,}"
          f" told, {len(found['stages']):,} in the database; lost updates "
          f"{len(lost_stages)}")
    print(f"  hires: told {hires_told:,} recorded ({tally.full:,} refused: no place left), "
          f"database placements {sum(found['placements'].values()):,}, places taken "
          f"{sum(filled_delta.values()):,}; hires over headcount {sum(over.values())}")
    if tally.other_messages:
        print(f"  other answers: {dict(tally.other_messages)}")
    print(f"  server errors: {len(tally.server_errors)}")

    # correctness, never speed
    assert tally.server_errors == [], tally.server_errors[:5]
    assert found["checked_in"] == tally.checked_in
    assert found["taps"] == tally.taps
    assert lost_stages == [] and extra_interests == set()
    assert dict(found["placements"]) == {k: v for k, v in tally.hires.items() if v}
    assert filled_delta == {b.opening_id: tally.hires[b.opening_id] for b in booths}
    assert found["hired_interests"] == hires_told
    assert over == {}
    assert tally.full > 0, "no hire met a full opening: the scenario did not race for places"
