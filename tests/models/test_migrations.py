"""Alembic revisions: upgrade to head matches the models; every downgrade works."""

import os
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade

from app import MIGRATIONS_DIR, create_app
from app.config import TestingConfig
from models import Base, db

SCHEMA = "qibu_migration_test"


@pytest.fixture
def migration_app(tmp_path):
    """An app on an empty database: a SQLite file, or a PostgreSQL schema of its own."""
    url = os.environ.get("QIBU_TEST_DATABASE_URL")
    if url and url.startswith("postgresql"):
        admin = sa.create_engine(url)
        with admin.begin() as connection:
            connection.execute(sa.text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
            connection.execute(sa.text(f"CREATE SCHEMA {SCHEMA}"))
        options = {"connect_args": {"options": f"-csearch_path={SCHEMA}"}}
        app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=url,
                         SQLALCHEMY_ENGINE_OPTIONS=options)
    else:
        admin = None
        app = create_app(TestingConfig,
                         SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'migrate.sqlite3'}")
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()
    if admin is not None:
        with admin.begin() as connection:
            connection.execute(sa.text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        admin.dispose()


def _tables():
    return set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}


def test_upgrade_creates_exactly_the_models(migration_app):
    upgrade(directory=str(MIGRATIONS_DIR))
    assert _tables() == set(Base.metadata.tables)
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_every_revision_downgrades_and_upgrades_again(migration_app):
    script = ScriptDirectory(str(Path(MIGRATIONS_DIR)))
    revisions = list(reversed(list(script.walk_revisions())))
    assert revisions, "no revisions"
    upgrade(directory=str(MIGRATIONS_DIR))
    for revision in reversed(revisions):
        downgrade(directory=str(MIGRATIONS_DIR), revision=revision.down_revision or "base")
    assert _tables() == set()
    for revision in revisions:
        upgrade(directory=str(MIGRATIONS_DIR), revision=revision.revision)
    assert _tables() == set(Base.metadata.tables)


def test_names_are_encrypted_by_the_migration_and_decrypted_by_its_downgrade(migration_app):
    upgrade(directory=str(MIGRATIONS_DIR), revision="0005_api_tokens")
    with db.engine.begin() as connection:
        connection.execute(sa.text(
            "INSERT INTO facilities (id, code, name_zh, name_en, address) "
            "VALUES (1, 'F1', '所', 'F', '')"))
        connection.execute(sa.text(
            "INSERT INTO seekers (id, code, facility_id, name, education, hukou_shanghai, "
            "status, consent_share, consent_contact, created_at) VALUES "
            "(1, 'QB1', 1, '李雷', 2, false, 'in_facility', false, false, '2026-01-01')"))
    upgrade(directory=str(MIGRATIONS_DIR))
    from app.crypto import decrypt_text, keyed_hash

    with db.engine.connect() as connection:
        stored, key = connection.execute(sa.text("SELECT name, name_key FROM seekers")).one()
    assert stored.startswith("enc1:") and "李雷" not in stored
    assert decrypt_text(stored) == "李雷" and key == keyed_hash("李雷")
    downgrade(directory=str(MIGRATIONS_DIR), revision="0005_api_tokens")
    with db.engine.connect() as connection:
        assert connection.execute(sa.text("SELECT name FROM seekers")).scalar() == "李雷"
