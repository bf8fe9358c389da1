"""CSRF protection on every state-changing request."""

import re

import pytest

from app import create_app
from app.config import TestingConfig
from models import Role, db
from tests.app.test_access import SAMPLE_ARGS


@pytest.fixture
def csrf_client(database_url, app):
    csrf_app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=database_url,
                          WTF_CSRF_ENABLED=True)
    with csrf_app.app_context():
        yield csrf_app.test_client()
        db.session.remove()
        db.engine.dispose()


def _post_endpoints(app):
    for rule in app.url_map.iter_rules():
        if "POST" in rule.methods:
            yield rule


def test_login_without_token_is_rejected_with_a_message(csrf_client):
    response = csrf_client.post("/login", data={"username": "a", "password": "b"})
    assert response.status_code == 400
    assert "表单已过期" in response.get_data(as_text=True)


def test_every_post_endpoint_refuses_a_missing_token(csrf_client, app, make):
    make.user(Role.ADMIN, username="boss")
    db.session.commit()
    page = csrf_client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    csrf_client.post("/login", data={"username": "boss", "password": "correct-horse-battery",
                                     "csrf_token": token})
    checked = 0
    for rule in _post_endpoints(app):
        if rule.endpoint == "auth.login":
            continue
        path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", lambda m: SAMPLE_ARGS[m.group(1)], rule.rule)
        response = csrf_client.post(path, data={})
        assert response.status_code == 400, rule.endpoint
        assert "表单已过期" in response.get_data(as_text=True)
        checked += 1
    assert checked >= 3
