"""A database with the demo data, loaded once per test module, and an API token for it."""

import pytest

from app import create_app
from app.config import TestingConfig
from app.seeding import load_demo_data
from models import ApiToken, db
from tests.conftest import SEED_DIR, IsolatedClient, _empty_tables


@pytest.fixture(scope="module")
def demo_api(_schema, database_url, cache_dir):
    """(app, token): the app on the demo data and a valid API token.

    No app context stays pushed while tests run, so each request gets its own context and
    database session, as under gunicorn.
    """
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=database_url, CACHE_DIR=cache_dir)
    app.test_client_class = IsolatedClient
    with app.app_context():
        load_demo_data(SEED_DIR)
        row, token = ApiToken.issue("tests")
        db.session.add(row)
        db.session.commit()
    yield app, token
    with app.app_context():
        db.session.remove()
        _empty_tables(db.engine)
        db.engine.dispose()
