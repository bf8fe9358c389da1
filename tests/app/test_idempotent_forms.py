"""Forms that save once (issue 17, deliverable 7).

Every form that creates something carries a one-time submission key; the same form sent
twice, one after the other or at the same moment, saves once and the repeat is shown the
first result; different pages saving the same person, survey or hire at the same moment
are told it is already recorded. Never a duplicate, never a 500. The concurrent tests send
real HTTP requests from threads to the app served over HTTP (CSRF protection on), on
whichever database the suite runs (SQLite by default, PostgreSQL with
QIBU_TEST_DATABASE_URL).
"""

import http.cookiejar
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.clock import local_today
from app.fairs import recording
from app.submissions import new_submission_key
from models import (
    Fair,
    FormSubmission,
    Interest,
    InterestStage,
    Opening,
    Placement,
    Role,
    Seeker,
    StaffUser,
    Survey,
    db,
    utcnow,
)
from tests import factories
from tests.app.test_bureau import survey_data
from tests.browser.conftest import LiveServer

ALREADY_SAVED = "This was already saved; it was not saved a second time."
STALE = "This form was opened too long ago, or before Qibu was updated, to be saved safely."
ID_NUMBER = "11010519491231002X"
THREADS = 6
_HIDDEN = re.compile(r'<input[^>]*name="(csrf_token|submission_key)"[^>]*value="([^"]*)"')


@pytest.fixture
def keys_required(app):
    """Forms must carry their key, as in production."""
    app.config["SUBMISSION_KEYS_REQUIRED"] = True
    return app


def _key(page: str) -> str:
    keys = [value for name, value in _HIDDEN.findall(page) if name == "submission_key"]
    assert len(keys) == 1, keys
    return keys[0]


def _seekers() -> list[Seeker]:
    db.session.expire_all()
    return db.session.scalars(sa.select(Seeker).order_by(Seeker.id)).all()


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


# --- one after the other, through the test client -----------------------------------


@pytest.fixture
def clerk(make, auth, client):
    user = make.user(Role.BUREAU, username="clerk")
    db.session.commit()
    auth.login("clerk")
    client.get("/lang/en")
    return user


def test_the_new_seeker_form_sent_twice_creates_one_person(client, clerk, keys_required):
    key = _key(client.get("/bureau/seekers/new").get_data(as_text=True))
    data = survey_data(name="张重复", submission_key=key)  # no ID number
    first = client.post("/bureau/seekers/new", data=data)
    again = client.post("/bureau/seekers/new", data=data, follow_redirects=True)
    (seeker,) = _seekers()
    assert first.headers["Location"] == f"/bureau/seekers/{seeker.code}"
    assert again.request.path == f"/bureau/seekers/{seeker.code}"
    page = again.get_data(as_text=True)
    assert ALREADY_SAVED in page and "张重复" in page
    assert _count(Survey) == 1
    # a fresh page is a new form: the same person's second registration is not blocked
    key = _key(client.get("/bureau/seekers/new").get_data(as_text=True))
    client.post("/bureau/seekers/new", data=survey_data(name="张重复", submission_key=key))
    assert len(_seekers()) == 2


def test_a_refused_form_keeps_its_key_for_the_corrected_one(client, clerk, keys_required):
    key = _key(client.get("/bureau/seekers/new").get_data(as_text=True))
    refused = client.post("/bureau/seekers/new",
                          data=survey_data(name="李改正", salary_min="八千", submission_key=key))
    page = refused.get_data(as_text=True)
    assert "Some answers need fixing" in page
    assert _key(page) == key and _seekers() == []
    saved = client.post("/bureau/seekers/new", data=survey_data(name="李改正", submission_key=key))
    assert saved.status_code == 302 and len(_seekers()) == 1


def test_a_form_without_a_key_is_told_to_save_again_with_a_fresh_one(client, clerk,
                                                                     keys_required):
    page = client.post("/bureau/seekers/new",
                       data=survey_data(name="王旧页")).get_data(as_text=True)
    assert STALE in page and _seekers() == []
    assert 'value="王旧页"' in page  # what was typed is still there
    fresh = _key(page)
    assert client.post("/bureau/seekers/new",
                       data=survey_data(name="王旧页", submission_key=fresh)).status_code == 302
    assert len(_seekers()) == 1


@pytest.mark.parametrize("key", [
    "not-a-key",
    f"{int(time.time()) - 8 * 24 * 3600:x}.{'A' * 24}",  # older than SUBMISSION_KEY_DAYS
])
def test_a_malformed_or_out_of_date_key_saves_nothing(client, clerk, keys_required, key):
    page = client.post("/bureau/seekers/new",
                       data=survey_data(name="赵过期", submission_key=key)).get_data(as_text=True)
    assert STALE in page and _seekers() == []
    assert _key(page) != key


def test_the_same_hire_sent_twice_is_recorded_once(client, auth, make, keys_required):
    hall = _hall(make)
    auth.login("org")
    client.get("/lang/en")
    interest_id = hall["interest_id"]
    page = client.get(f"/fairs/{hall['fair_id']}/placements").get_data(as_text=True)
    data = {"interest_id": interest_id, "start_date": str(hall["start"]),
            "submission_key": _row_key(page, interest_id)}
    client.post(f"/fairs/{hall['fair_id']}/placements", data=data)
    again = client.post(f"/fairs/{hall['fair_id']}/placements", data=data,
                        follow_redirects=True).get_data(as_text=True)
    assert ALREADY_SAVED in again
    assert _count(Placement) == 1
    assert db.session.get(Opening, hall["opening_id"]).filled == 1


def test_every_creating_form_carries_a_key(client, auth, make):
    """The forms a person fills in to create something each carry their own key."""
    hall = _hall(make)
    employer = make.employer()
    seeker = make.seeker(facility_id=make.user(Role.BUREAU, username="clerk").facility_id)
    make.survey(seeker)
    db.session.commit()
    auth.login("clerk")
    for path in ("/bureau/seekers/new", f"/bureau/seekers/{seeker.code}/surveys/new",
                 "/corner/courses/new"):
        assert _key(client.get(path).get_data(as_text=True))
    auth.logout()
    auth.login("org")
    fair_page = client.get(f"/fairs/{hall['fair_id']}").get_data(as_text=True)
    for action in ("booths", "participants"):
        form = re.search(rf'action="/fairs/{hall["fair_id"]}/{action}[^"]*".*?</form>', fair_page,
                         re.S)
        assert form and _key(form.group(0))
    placements = client.get(f"/fairs/{hall['fair_id']}/placements").get_data(as_text=True)
    assert _row_key(placements, hall["interest_id"])
    for path in ("/fairs/new", f"/fairs/{hall['fair_id']}/kiosks"):
        assert _key(client.get(path).get_data(as_text=True))
    auth.logout()
    make.user(Role.EMPLOYMENT, username="centre")
    db.session.commit()
    auth.login("centre")
    for path in ("/employment/employers/new",
                 f"/employment/employers/{employer.id}/openings/new"):
        assert _key(client.get(path).get_data(as_text=True))


def test_spent_keys_are_forgotten_by_the_retention_purge(runner, make):
    user = make.user(Role.BUREAU)
    old, recent = new_submission_key(), new_submission_key()
    db.session.add_all([
        FormSubmission(key=old, user_id=user.id, created_at=utcnow() - timedelta(days=8)),
        FormSubmission(key=recent, user_id=user.id, created_at=utcnow() - timedelta(days=6)),
    ])
    db.session.commit()
    dry = runner.invoke(args=["purge", "--dry-run"])
    assert "1 spent form keys older than 7 days" in dry.output and _count(FormSubmission) == 2
    result = runner.invoke(args=["purge"])
    assert "1 spent form keys older than 7 days" in result.output, result.output
    db.session.expire_all()
    assert db.session.scalars(sa.select(FormSubmission.key)).all() == [recent]


# --- at the same moment, over HTTP from threads --------------------------------------


class _SendCookiesOnly(urllib.request.HTTPCookieProcessor):
    """Send the window's cookies but keep the answer's to oneself: requests sent at once
    from one window must not overwrite each other's session cookie."""

    def http_response(self, request, response):
        return response


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Visitor:
    """One browser window: its own cookies, following redirects, reading any status."""

    def __init__(self, base: str, jar: http.cookiejar.CookieJar | None = None):
        self.base = base
        self.jar = jar or http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def open(self, path: str, data: dict | None = None, opener=None) -> tuple[int, str, str]:
        """Status, final path and text of the page `path` leads to."""
        body = None if data is None else urllib.parse.urlencode(data, doseq=True).encode()
        try:
            with (opener or self.opener).open(self.base + path, body, timeout=120) as response:
                return (response.status, urllib.parse.urlsplit(response.url).path,
                        response.read().decode())
        except urllib.error.HTTPError as error:
            where = error.headers.get("Location") or error.url
            return error.code, urllib.parse.urlsplit(where).path, error.read().decode()

    def click(self, path: str, data: dict) -> tuple[int, str, str]:
        """Send a form as one more click in this window: status, redirect target, text."""
        opener = urllib.request.build_opener(_SendCookiesOnly(self.jar), _NoRedirects)
        return self.open(path, data, opener)

    def form(self, path: str) -> tuple[dict, str]:
        """The page's CSRF token and one-time key as form data, and the page."""
        status, _path, page = self.open(path)
        assert status == 200, page[:500]
        return dict(_HIDDEN.findall(page)), page

    def login(self, username: str) -> "Visitor":
        hidden, _page = self.form("/login")
        status, path, _page = self.open("/login", {**hidden, "username": username,
                                                   "password": factories.PASSWORD})
        assert status == 200 and path != "/login"
        self.open("/lang/en")
        return self


def _at_once(visitors, send) -> list[tuple[int, str, str]]:
    """Let every visitor send at the same moment; their answers, in order."""
    barrier = threading.Barrier(len(visitors))
    answers: list = [None] * len(visitors)

    def run(i, visitor):
        barrier.wait()
        try:
            answers[i] = send(i, visitor)
        except Exception as error:  # noqa: BLE001 (asserted below)
            answers[i] = (0, "", repr(error))

    threads = [threading.Thread(target=run, args=(i, v)) for i, v in enumerate(visitors)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(status for status, _path, _page in answers), answers
    return answers


@pytest.fixture
def server(keys_required):
    server = LiveServer(keys_required)
    keys_required.config["WTF_CSRF_ENABLED"] = True
    server.start()
    yield server
    server.stop()
    assert not server.errors, "the server raised:\n" + "\n".join(server.errors)


@pytest.fixture
def clerks(server, make):
    make.user(Role.BUREAU, username="clerk")
    db.session.commit()
    return [Visitor(server.url).login("clerk") for _ in range(THREADS)]


def test_the_new_seeker_form_sent_at_once_creates_one_person(clerks):
    """One window's form sent six times at once (a double click, a resent page)."""
    hidden, _page = clerks[0].form("/bureau/seekers/new")
    data = survey_data(name="钱同时", **hidden)
    answers = _at_once(clerks[:1] * THREADS,
                       lambda _i, v: v.click("/bureau/seekers/new", data))
    (seeker,) = _seekers()
    assert _count(Survey) == 1
    assert [(status, path) for status, path, _page in answers] == \
        [(302, f"/bureau/seekers/{seeker.code}")] * THREADS
    # the window then shows the person, saying the repeats were not saved again
    status, _path, page = clerks[0].open(f"/bureau/seekers/{seeker.code}")
    assert status == 200 and "钱同时" in page


def test_one_id_number_registered_from_several_pages_at_once_gives_one_person(clerks):
    forms = [visitor.form("/bureau/seekers/new")[0] for visitor in clerks]
    answers = _at_once(clerks, lambda i, v: v.open("/bureau/seekers/new", survey_data(
        name="孙证件", id_number=ID_NUMBER, **forms[i])))
    (seeker,) = _seekers()
    assert _count(Survey) == 1
    assert {status for status, _path, _page in answers} == {200}
    refused = [page for _status, path, page in answers if path == "/bureau/seekers/new"]
    assert len(refused) == THREADS - 1
    for page in refused:
        assert (f"This ID number is already registered as {seeker.code}." in page
                or "This ID number was registered by another request at the same moment"
                in page), page[:3000]


@pytest.mark.parametrize("same_key", [True, False], ids=["same form", "several pages"])
def test_a_survey_sent_at_once_is_saved_once(clerks, make, same_key):
    facility_id = db.session.scalar(
        sa.select(StaffUser.facility_id).where(StaffUser.username == "clerk"))
    seeker = make.seeker(facility_id=facility_id)
    make.survey(seeker, surveyed_on=local_today() - timedelta(days=30))
    db.session.commit()
    path = f"/bureau/seekers/{seeker.code}/surveys/new"
    if same_key:
        form = clerks[0].form(path)[0]
        answers = _at_once(clerks[:1] * THREADS, lambda _i, v: v.click(path, survey_data(
            salary_min="6100", **form)))
        assert [(status, where) for status, where, _page in answers] == \
            [(302, f"/bureau/seekers/{seeker.code}")] * THREADS
    else:
        forms = [visitor.form(path)[0] for visitor in clerks]
        answers = _at_once(clerks, lambda i, v: v.open(path, survey_data(
            salary_min="6100", **forms[i])))
        assert {status for status, _path, _page in answers} == {200}
        for _status, _path, page in answers:
            assert ("Survey saved." in page
                    or "A survey of this person for today was saved by another request" in page)
    todays = db.session.scalars(sa.select(Survey).where(
        Survey.seeker_id == seeker.id, Survey.surveyed_on == local_today())).all()
    assert len(todays) == 1 and todays[0].salary_min == 6100


@pytest.mark.parametrize("same_key", [True, False], ids=["same form", "several pages"])
def test_a_hire_sent_at_once_is_recorded_once(server, make, same_key):
    hall = _hall(make)
    organizers = [Visitor(server.url).login("org") for _ in range(THREADS)]
    path = f"/fairs/{hall['fair_id']}/placements"

    def form(visitor):
        hidden, page = visitor.form(path)
        return {"csrf_token": hidden["csrf_token"], "interest_id": hall["interest_id"],
                "start_date": str(hall["start"]), "monthly_pay": "6000",
                "additional_job_reason": "兼职",  # past the one-current-job rule
                "submission_key": _row_key(page, hall["interest_id"])}

    if same_key:
        sent = form(organizers[0])
        answers = _at_once(organizers[:1] * THREADS, lambda _i, v: v.click(path, sent))
        assert [(status, where) for status, where, _page in answers] == [(302, path)] * THREADS
    else:
        forms = [form(visitor) for visitor in organizers]
        answers = _at_once(organizers, lambda i, v: v.open(path, forms[i]))
        assert [(status, where) for status, where, _page in answers] == [(200, path)] * THREADS
        pages = [page for _status, _path, page in answers]
        assert sum("Hire recorded" in page for page in pages) == 1
        assert sum("This hire is already recorded." in page for page in pages) == THREADS - 1
    db.session.expire_all()
    assert _count(Placement) == 1
    assert db.session.get(Opening, hall["opening_id"]).filled == 1
    assert db.session.get(Interest, hall["interest_id"]).stage is InterestStage.HIRED


def test_a_fair_code_taken_at_the_same_moment_is_already_recorded_not_500(server, make):
    facility_id = make.facility().id
    make.user(Role.ORGANIZER, username="org")
    db.session.commit()
    organizers = [Visitor(server.url).login("org") for _ in range(THREADS)]
    forms = [v.form("/fairs/new")[0] for v in organizers]
    answers = _at_once(organizers, lambda i, v: v.open("/fairs/new", {
        **forms[i], "code": "SH-QP-2027-06", "name_zh": "同时招聘会", "name_en": "",
        "facility_id": facility_id, "held_on": str(local_today() + timedelta(days=30)),
        "venue": "大厅"}))
    assert {status for status, _path, _page in answers} <= {200, 409}
    assert _count(Fair) == 1
    assert sum("Fair created" in page for _s, _p, page in answers) == 1


# --- helpers -------------------------------------------------------------------------


def _hall(make) -> dict:
    """A fair held 30 days ago with one opening, one person's intent there, an organizer."""
    held_on = local_today() - timedelta(days=30)
    fair = make.fair(held_on=held_on)
    employer = make.employer()
    booth = make.booth(fair, employer, "A01")
    opening = make.opening(employer_id=employer.id, title="理货员", headcount=20)
    make.offer(fair, booth, opening)
    make.user(Role.ORGANIZER, username="org")
    fair.open()
    participant = make.participant(fair, make.seeker(facility_id=fair.facility_id))
    recorded = recording.record_stage(fair, participant, opening.id, InterestStage.INTENT)
    db.session.commit()
    return {"fair_id": fair.id, "opening_id": opening.id, "interest_id": recorded.interest_id,
            "start": held_on + timedelta(days=7)}


def _row_key(page: str, interest_id: int) -> str:
    match = re.search(rf'name="interest_id" value="{interest_id}">\s*<input type="hidden" '
                      r'name="submission_key" value="([^"]+)"', page)
    assert match, page[:3000]
    return match.group(1)
