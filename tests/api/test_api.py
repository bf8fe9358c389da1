"""The JSON API: bearer tokens, what each endpoint answers, JSON errors, and no personal data."""

import json
import re

import pytest
import sqlalchemy as sa

from app.opening_labels import opening_code
from models import (
    ApiToken,
    AuditEvent,
    Employer,
    Facility,
    Fair,
    FairParticipant,
    Opening,
    Seeker,
    StaffUser,
    db,
)

ENDPOINTS = ["/api/v1/openings", "/api/v1/openings/1", "/api/v1/categories",
             "/api/v1/districts", "/api/v1/fairs", "/api/v1/fairs/QP-2026-0626/statistics",
             "/api/v1/outcomes"]


@pytest.fixture
def app(demo_api):
    """The demo app, with an app context for the test's own queries."""
    app, _ = demo_api
    with app.app_context():
        yield app
        db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def bearer(demo_api):
    return {"Authorization": f"Bearer {demo_api[1]}"}


def _json(response):
    assert response.mimetype == "application/json", response.get_data(as_text=True)[:200]
    return response.get_json()


# --------------------------------------------------------------------------- tokens


@pytest.mark.parametrize("path", ENDPOINTS)
@pytest.mark.parametrize("authorization", [None, "Bearer", "Bearer qibu_wrong",
                                           "Basic dXNlcjpwYXNz", "qibu_x"])
def test_no_valid_token_is_refused_with_json(client, path, authorization):
    headers = {"Authorization": authorization} if authorization else {}
    response = client.get(path, headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="qibu"'
    assert _json(response)["error"] == "unauthorized"


def test_a_staff_session_is_not_a_token(client):
    login = client.post("/login", data={"username": "employment",
                                         "password": "qibu-employment-demo"})
    assert login.status_code == 302
    assert client.get("/employment/employers").status_code == 200
    response = client.get("/api/v1/openings")  # the session cookie, no token
    assert response.status_code == 401


@pytest.mark.parametrize("path", ENDPOINTS)
def test_a_valid_token_is_served(client, bearer, path):
    response = client.get(path, headers=bearer)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers
    _json(response)


def test_token_commands_create_list_and_revoke(app, client):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["api-token", "create", "city portal"])
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    assert re.fullmatch(r"qibu_[A-Za-z0-9_-]{43}", token)
    row = db.session.scalar(sa.select(ApiToken).where(ApiToken.name == "city portal"))
    assert row.token_hash != token and token not in row.token_hash and row.hint == token[:10]
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "api_token_created"))
    assert event.detail["name"] == "city portal" and token not in json.dumps(event.detail)

    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/fairs", headers=headers).status_code == 200
    db.session.expire_all()
    assert db.session.get(ApiToken, row.id).last_used_at is not None

    again = runner.invoke(args=["api-token", "create", "city portal"])
    assert again.exit_code != 0 and "already has a token" in again.output
    listing = runner.invoke(args=["api-token", "list"])
    assert "city portal" in listing.output and token[:10] in listing.output
    assert token not in listing.output

    revoked = runner.invoke(args=["api-token", "revoke", "city portal"])
    assert revoked.exit_code == 0, revoked.output
    assert client.get("/api/v1/fairs", headers=headers).status_code == 401
    assert db.session.scalar(sa.select(AuditEvent.id).where(
        AuditEvent.action == "api_token_revoked")) is not None


# --------------------------------------------------------------------------- answers


def test_openings_lists_every_open_opening_with_filters(app, client, bearer):
    # the demo's unverified and suspended employers' openings are not published
    open_count = db.session.scalar(sa.select(sa.func.count(Opening.id))
                                   .where(Opening.visible_to_seekers))
    page = _json(client.get("/api/v1/openings?per_page=100", headers=bearer))
    assert page["total"] == open_count and len(page["items"]) == 100
    assert (page["page"], page["per_page"]) == (1, 100)
    seen = set()
    for number in range(1, -(-open_count // 100) + 1):
        items = _json(client.get(f"/api/v1/openings?per_page=100&page={number}",
                                 headers=bearer))["items"]
        seen |= {item["id"] for item in items}
    assert len(seen) == open_count

    logistics = _json(client.get("/api/v1/openings?category=logistics&per_page=100",
                                 headers=bearer))
    expected = db.session.scalar(sa.select(sa.func.count(Opening.id)).where(
        Opening.category_code == "logistics", Opening.visible_to_seekers))
    assert logistics["total"] == expected > 0
    assert {item["category"]["code"] for item in logistics["items"]} == {"logistics"}

    night = _json(client.get("/api/v1/openings?shift=night&accommodation=true&min_pay=7000",
                             headers=bearer))
    for item in night["items"]:
        assert item["shift"] == "night" and item["accommodation"] is True
        assert item["pay"]["min"] >= 7000  # the bottom of the range reaches it

    fair = db.session.scalar(sa.select(Fair).order_by(Fair.code))
    at_fair = _json(client.get(f"/api/v1/openings?fair={fair.code}", headers=bearer))
    assert at_fair["total"] > 0
    assert _json(client.get("/api/v1/openings?fair=NO-SUCH-FAIR", headers=bearer))["total"] == 0


def test_an_opening_shows_its_job_facts(app, client, bearer):
    opening = db.session.scalar(sa.select(Opening).where(Opening.headcount.is_not(None))
                                .order_by(Opening.id))
    facts = _json(client.get(f"/api/v1/openings/{opening.id}", headers=bearer))
    assert facts["title"] == opening.title
    assert facts["code"] == opening_code(opening.id)  # the opening no. printed everywhere
    assert facts["employer"]["name"] == opening.employer.name
    assert facts["headcount"] == opening.headcount
    assert facts["pay"] == {"min": opening.pay_min, "max": opening.pay_max,
                            "months_per_year": 12, "stated_per": "month",
                            "year_min": opening.pay_min * 12, "year_max": opening.pay_max * 12,
                            "text": opening.salary_text}
    assert facts["category"]["code"] == opening.category_code
    assert "filled" not in facts and "places_left" not in facts


def test_a_closed_opening_is_not_published(app, client, bearer):
    opening = db.session.scalar(sa.select(Opening).order_by(Opening.id.desc()))
    opening.close()
    db.session.commit()
    try:
        response = client.get(f"/api/v1/openings/{opening.id}", headers=bearer)
        assert response.status_code == 404 and _json(response)["error"] == "not_found"
        ids = {item["id"] for item in _json(client.get(
            f"/api/v1/openings?category={opening.category_code}&per_page=100",
            headers=bearer))["items"]}
        assert opening.id not in ids
    finally:
        opening = db.session.get(Opening, opening.id)
        opening.reopen()
        db.session.commit()


def test_fair_statistics_hide_counts_under_five(app, client, bearer):
    for fair in db.session.scalars(sa.select(Fair)):
        stats = _json(client.get(f"/api/v1/fairs/{fair.code}/statistics", headers=bearer))
        assert stats["fair"]["code"] == fair.code
        participants = db.session.scalar(sa.select(sa.func.count(FairParticipant.id))
                                         .where(FairParticipant.fair_id == fair.id))
        if participants >= 5:
            assert stats["people"]["participants"] in (participants, "x")
        counts = list(stats["people"].values())
        for row in stats["by_category"]:
            counts += [row["interests"], row["intents"], row["placements"]]
        for count in counts:
            assert count in ("<5", "x") or (isinstance(count, int) and count >= 5), count
    closed = db.session.scalar(sa.select(Fair).where(Fair.code == "JD-2025-1228"))
    stats = _json(client.get(f"/api/v1/fairs/{closed.code}/statistics", headers=bearer))
    assert "<5" in json.dumps(stats)  # the closed demo fair has small groups to hide


def test_reference_lists(client, bearer):
    categories = _json(client.get("/api/v1/categories", headers=bearer))["items"]
    assert {"code": "logistics", "name_zh": "物流仓储操作员",
            "name_en": "Logistics and warehouse operator"} in categories
    districts = _json(client.get("/api/v1/districts", headers=bearer))["items"]
    assert len(districts) == 16 and districts[0]["adcode"] == "310101"
    fairs = _json(client.get("/api/v1/fairs", headers=bearer))["items"]
    assert {f["code"] for f in fairs} == {"QP-2026-0626", "JD-2025-1228"}


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(("query", "message"), [
    ("page=0", "page must be from 1 to 100000."),
    ("per_page=101", "per_page must be from 1 to 100."),
    ("page=two", "page must be a whole number."),
    ("page=1&page=2", "Give page once."),
    ("shift=weekend", "shift must be one of day, night, rotating."),
    ("accommodation=yes", "accommodation must be true or false."),
    ("district=31010A", "district must match ^[0-9]{6}$."),
    # a control character is refused before the API reads anything (app/typed_text.py)
    ("district=310101%0A", "The request's parameters are not valid."),
    ("category=Logistics", "category must match ^[a-z][a-z0-9_]{0,31}$."),
])
def test_bad_parameters_get_a_json_400(client, bearer, query, message):
    response = client.get(f"/api/v1/openings?{query}", headers=bearer)
    assert response.status_code == 400
    assert _json(response) == {"error": "bad_request", "message": message}


@pytest.mark.parametrize("path", ["/api/v1/nothing", "/api/v1/openings/999999",
                                  "/api/v1/openings/99999999999", "/api/v1/fairs/x/statistics",
                                  "/api/v1/fairs/NO-SUCH-FAIR/statistics", "/api/nothing"])
def test_unknown_resources_get_a_json_404(client, bearer, path):
    response = client.get(path, headers=bearer)
    assert response.status_code == 404
    assert _json(response)["error"] == "not_found"


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_writes_get_a_json_405_even_with_csrf_on(app, client, bearer, method):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = client.open("/api/v1/openings", method=method, headers=bearer)
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, HEAD, OPTIONS"
    assert _json(response)["error"] == "method_not_allowed"


def test_the_openapi_document_is_public(client):
    document = _json(client.get("/api/openapi.json"))
    assert document["openapi"] == "3.1.0"
    assert set(document["paths"]) == {"/openings", "/openings/{opening_id}", "/categories",
                                      "/districts", "/fairs", "/fairs/{fair_code}/statistics",
                                      "/outcomes"}
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


# --------------------------------------------------------------------------- privacy


def _crawl(client, bearer) -> str:
    """Every answer the API gives on the demo data, as one text."""
    answers = [client.get(path, headers=bearer).get_data(as_text=True)
               for path in ENDPOINTS[2:]]
    number = 1
    while True:
        page = client.get(f"/api/v1/openings?per_page=100&page={number}", headers=bearer)
        answers.append(page.get_data(as_text=True))
        if not page.get_json()["items"]:
            break
        for item in page.get_json()["items"]:
            answers.append(client.get(f"/api/v1/openings/{item['id']}",
                                      headers=bearer).get_data(as_text=True))
        number += 1
    for fair in db.session.scalars(sa.select(Fair.code)):
        answers.append(client.get(f"/api/v1/fairs/{fair}/statistics",
                                  headers=bearer).get_data(as_text=True))
    return "\n".join(json.dumps(json.loads(a), ensure_ascii=False) for a in answers)


def test_no_personal_data_in_any_answer(app, client, bearer):
    published = _crawl(client, bearer)
    seekers = db.session.scalars(sa.select(Seeker)).all()
    assert len(seekers) > 400
    leaks = [s.code for s in seekers if s.code in published]
    leaks += [s.name for s in seekers if s.name and s.name in published]
    leaks += [code for (code,) in db.session.execute(sa.select(FairParticipant.badge_code))
              if code in published]
    for contact, phone in db.session.execute(
            sa.select(Employer.contact_person, Employer.contact_phone)):
        leaks += [v for v in (contact, phone) if v and len(v) > 1 and v in published]
    leaks += [u for (u,) in db.session.execute(sa.select(StaffUser.username))
              if re.search(rf'"{re.escape(u)}"', published)]
    leaks += [f.name_zh for f in db.session.scalars(sa.select(Facility))
              if f'"{f.name_zh}"' in published]
    assert leaks == []
    keys = set(re.findall(r'"([a-z_0-9]+)":', published))
    personal = {"seeker", "seekers", "code_seeker", "gender", "birth_year", "hukou",
                "id_number", "facility", "facility_id", "badge_code", "contact_person",
                "contact_phone", "consent_share", "riasec_code", "filled", "places_left",
                "seeker_id", "username"}
    assert keys & personal == set()
