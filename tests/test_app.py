"""The app factory, configuration and the health check."""

import pytest

from app import create_app
from app.config import DEFAULT_SECRET_KEY, ProductionConfig, TestingConfig


def test_production_refuses_the_default_secret_key():
    with pytest.raises(RuntimeError, match="QIBU_SECRET_KEY"):
        create_app(ProductionConfig, SECRET_KEY=DEFAULT_SECRET_KEY,
                   SQLALCHEMY_DATABASE_URI="sqlite://")


@pytest.mark.parametrize(("keys", "problem"), [
    ({"SECRET_KEY": "short"}, "QIBU_SECRET_KEY must be a random value of at least 32 bytes"),
    ({"SECRET_KEY": "s" * 31}, "QIBU_SECRET_KEY must be a random value of at least 32 bytes"),
    ({"DATA_KEY": ""}, "QIBU_DATA_KEY must be set"),
    ({"DATA_KEY": "d" * 20}, "QIBU_DATA_KEY must be a random value of at least 32 bytes"),
    ({"DATA_KEY": "s" * 40}, "QIBU_DATA_KEY must differ from QIBU_SECRET_KEY"),
])
def test_production_refuses_short_or_missing_keys(keys, problem):
    """The assessment started production with QIBU_SECRET_KEY=short and no data key,
    which was then derived from it."""
    settings = {"SECRET_KEY": "s" * 40, "DATA_KEY": "d" * 40, **keys}
    with pytest.raises(RuntimeError, match=problem):
        create_app(ProductionConfig, SQLALCHEMY_DATABASE_URI="sqlite://", **settings)


def test_development_still_derives_its_data_key():
    create_app(TestingConfig, SECRET_KEY="short", DATA_KEY="")  # no error


def test_production_starts_with_a_real_secret_key():
    app = create_app(ProductionConfig, SECRET_KEY="x" * 40, DATA_KEY="y" * 40,
                     SQLALCHEMY_DATABASE_URI="sqlite://")
    assert app.config["SESSION_COOKIE_SECURE"] is True
    response = app.test_client().get("/healthz")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_cookies_are_http_only_and_same_site(client, make, auth):
    from models import Role, db

    make.user(Role.EMPLOYMENT, username="clerk")
    db.session.commit()
    response = auth.login("clerk")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_healthz_checks_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_reports_an_unreachable_database(tmp_path):
    app = create_app(TestingConfig,
                     SQLALCHEMY_DATABASE_URI="postgresql+psycopg://nobody@127.0.0.1:9/none")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unreachable"


def test_security_headers(client):
    response = client.get("/login")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "object-src 'none'" in response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
