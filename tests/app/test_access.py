"""Deny by default: every endpoint declares its roles, and every role meets exactly those."""

import re

import pytest

from app import create_app
from app.auth.access import PUBLIC
from app.config import TestingConfig
from models import Role, db

# Sample values for URL parameters, so every endpoint can be requested.
SAMPLE_ARGS = {
    "code": "en", "user_id": "1", "active": "1", "filename": "css/qibu.css", "survey_id": "1",
    "employer_id": "1", "opening_id": "1", "fair_id": "1", "booth_id": "1",
    "follow_up_id": "1", "kind": "share", "given": "1",
    "token": "0123456789abcdefghijklmnopqrstuv",
    "facility": "SH-QP", "week": "2026-W48", "course_id": "1", "slug": "rights",
    "fair_code": "QP-2026-0626", "kiosk_id": "1",
    # the year-round mechanism (issue 18)
    "referral_id": "1", "request_id": "1", "day_id": "1", "booking_id": "1",
    "session_id": "1", "enrolment_id": "1", "case_id": "1", "service_id": "1",
    "handover_id": "1", "check_id": "1", "placement_id": "1",
    "job_id": "1",  # jobs (issue 19)
}

# the JSON API's endpoints check a bearer token of their own (tests/api/)
TOKEN_AUTHENTICATED = "api.v1."


def _endpoints():
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI="sqlite://")
    rows = []
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        roles = PUBLIC if rule.endpoint == "static" else getattr(view, "allowed_roles", None)
        method = "GET" if "GET" in rule.methods else "POST"
        path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", lambda m: SAMPLE_ARGS[m.group(1)], rule.rule)
        rows.append((rule.endpoint, method, path, roles))
    return sorted(rows)


ENDPOINTS = _endpoints()


def test_every_endpoint_declares_its_roles():
    missing = [endpoint for endpoint, _, _, roles in ENDPOINTS if roles is None]
    assert missing == []


def test_an_undeclared_endpoint_is_refused(app, client, make, auth):
    # a view added without allow()/public() must answer 403, even to an admin
    app.add_url_rule("/forgotten", "forgotten", lambda: "secret")
    make.user(Role.ADMIN, username="boss")
    db.session.commit()
    auth.login("boss")
    response = client.get("/forgotten")
    assert response.status_code == 403
    assert "secret" not in response.get_data(as_text=True)


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
@pytest.mark.parametrize(
    ("endpoint", "method", "path", "roles"), ENDPOINTS, ids=[e[0] for e in ENDPOINTS]
)
def test_role_against_endpoint(client, make, auth, role, endpoint, method, path, roles):
    account = make.user(role)
    db.session.commit()
    assert auth.login(account.username).status_code == 302
    response = client.open(path, method=method)
    response.close()
    if endpoint.startswith(TOKEN_AUTHENTICATED):
        # @public for roles, but a login session is no API token: every role gets 401
        assert response.status_code == 401, (endpoint, role)
    elif roles is PUBLIC or role in roles:
        assert response.status_code not in (401, 403), (endpoint, role)
    else:
        assert response.status_code == 403, (endpoint, role)
        assert "403" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("endpoint", "method", "path", "roles"), ENDPOINTS, ids=[e[0] for e in ENDPOINTS]
)
def test_anonymous_visitor(client, endpoint, method, path, roles):
    response = client.open(path, method=method)
    response.close()
    if roles is PUBLIC:
        assert response.status_code != 403
    elif roles == {Role.KIOSK}:
        # a kiosk screen without its sign-in asks for a kiosk sign-in code
        assert response.status_code == 302
        assert response.headers["Location"] == "/kiosk/enrol"
    else:
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login")


@pytest.mark.parametrize(
    ("role", "home", "heading"),
    [
        (Role.ADMIN, "/admin/", "概览"),
        (Role.BUREAU, "/bureau", "求职者"),
        (Role.EMPLOYMENT, "/employment", "用人单位和岗位"),
        (Role.ORGANIZER, "/organizer", "招聘会"),
        (Role.KIOSK, "/kiosk", "测试招聘会"),
        (Role.SOCIAL_WORKER, "/aftercare/", "待办事项"),
    ],
)
def test_each_role_lands_on_its_home_page(client, make, auth, role, home, heading):
    account = make.user(role)
    db.session.commit()
    response = auth.login(account.username)
    assert response.headers["Location"] == home
    page = client.get(home).get_data(as_text=True)
    assert heading in page
