"""Fixtures shared by the whole suite: the app on SQLite or PostgreSQL, clients, factories.

QIBU_TEST_DATABASE_URL picks the database (a PostgreSQL URL in CI); by default a
temporary SQLite file. The schema is built once per run; after each test every
non-reference table is emptied.
"""

import os
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask.globals import _cv_app
from flask.testing import FlaskClient

from app import create_app
from app.clock import local_today, pin_today
from app.config import TestingConfig
from app.seeding import load_reference_data
from models import Base, db
from tests import factories

ROOT = Path(__file__).resolve().parent.parent
SEED_DIR = ROOT / "seed_data"
SHARED_DATA = ROOT.parent / "shared" / "data"
# the Redis of the queue tests; each pass of .ci/run gives its own database number
REDIS_URL = os.environ.get("QIBU_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
TEST_LOCK_TIMEOUT = "60s"  # PostgreSQL: the longest a test's statement waits for a lock
REFERENCE_TABLES = {"districts", "job_categories", "certificates", "environments",
                    "startup_services"}


def pytest_configure(config):
    """One day for the whole run: a suite that crosses midnight in Shanghai (16:00 UTC)
    would otherwise compute "today" in a test module before midnight and in the app
    after it."""
    pin_today(local_today())


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    url = os.environ.get("QIBU_TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'qibu-test.sqlite3'}"


@pytest.fixture(scope="session")
def _schema(database_url):
    """Build the schema from the models once, and load the reference tables."""
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=database_url)
    with app.app_context():
        _drop_everything(db.engine)
        Base.metadata.create_all(db.engine)
        load_reference_data(SEED_DIR)
        db.session.commit()
        db.engine.dispose()
    yield
    with app.app_context():
        _drop_everything(db.engine)
        db.engine.dispose()


def _drop_everything(engine):
    Base.metadata.drop_all(engine)
    with engine.begin() as connection:
        connection.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))


def _empty_tables(engine):
    tables = [t for t in Base.metadata.sorted_tables if t.name not in REFERENCE_TABLES]
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            names = ", ".join(t.name for t in tables)
            connection.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(tables):
                connection.execute(table.delete())


class IsolatedClient(FlaskClient):
    """A test client whose requests run in their own app context, as in production.

    The test's own context (and its session) is set aside during each request: the
    request gets a fresh `g` and database session, and sees only committed data. The
    test's pending changes are committed first, and its session expired afterwards so
    it reads what the request wrote.
    """

    def open(self, *args, **kwargs):
        outer = _cv_app.get(None)
        if outer is not None:
            db.session.commit()
        token = _cv_app.set(None)
        try:
            return super().open(*args, **kwargs)
        finally:
            _cv_app.reset(token)
            if outer is not None:
                db.session.expire_all()


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory):
    """A cache folder of the test run's own (never instance/, where trained models live)."""
    return str(tmp_path_factory.mktemp("instance") / "cache")


@pytest.fixture
def app(_schema, database_url, cache_dir):
    settings = {}
    if database_url.startswith("postgresql"):
        # a test that waits for a row lock nobody will release fails, and says which
        # statement waited, instead of hanging the run
        settings["SQLALCHEMY_ENGINE_OPTIONS"] = {
            "connect_args": {"options": f"-c lock_timeout={TEST_LOCK_TIMEOUT}"}}
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=database_url, CACHE_DIR=cache_dir,
                     **settings)
    app.test_client_class = IsolatedClient
    with app.app_context():
        yield app
        db.session.remove()
        _empty_tables(db.engine)
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make(app):
    """The model factories (tests/factories.py), bound to the test database."""
    return factories


class AuthActions:
    """Log in and out through the real login form."""

    def __init__(self, client):
        self._client = client

    def login(self, username, password=factories.PASSWORD):
        return self._client.post(
            "/login", data={"username": username, "password": password}
        )

    def logout(self):
        return self._client.post("/logout")


@pytest.fixture
def redis_connection():
    """A connection to the Redis at QIBU_TEST_REDIS_URL; the test skips when none answers."""
    import redis

    connection = redis.Redis.from_url(REDIS_URL)
    try:
        connection.ping()
    except redis.exceptions.ConnectionError as error:
        pytest.skip(f"no Redis at {REDIS_URL} ({error}); .ci/run starts one")
    return connection


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def shared_data():
    """The reference data in ../shared/data; tests that need it skip where it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"{SHARED_DATA} is not present on this machine")
    return SHARED_DATA
