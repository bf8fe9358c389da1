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


def test_employer_vetting_keeps_verified_employers_verified_and_downgrades(migration_app):
    """0008 on a database with employers and openings (rows referring to them): verified
    stays verified, the rest unverified; the downgrade writes `verified` back."""
    upgrade(directory=str(MIGRATIONS_DIR), revision="0007_import_mappings")
    with db.engine.begin() as connection:
        connection.execute(sa.text(
            "INSERT INTO job_categories (code, name_zh, name_en, csco_codes, riasec, position) "
            "VALUES ('logistics', '物流', 'Logistics', '[]', 'R', 1)"))
        connection.execute(sa.text(
            "INSERT INTO employers (id, name, normalized_name, uscc, verified, industry, "
            "address, contact_person, contact_phone, contact_shareable, pledge_date, notes, "
            "created_at) VALUES "
            "(1, '上海老牌物流有限公司', '上海老牌物流有限公司', '91350100M000100Y43', true, '', "
            "'', '王芳', '13800138000', false, '2026-05-01', '', '2026-01-01'), "
            "(2, '上海捷运运输有限公司', '上海捷运运输有限公司', NULL, false, '', '', '', '', "
            "false, NULL, '', '2026-02-01')"))
        for opening_id, employer_id in ((1, 1), (2, 1), (3, 2)):
            connection.execute(sa.text(
                "INSERT INTO openings (id, employer_id, title, description, category_code, "
                "salary_text, accommodation, shift, education_min, experience_min, "
                "certificates_required, environments, filled, status, source, created_at, "
                "updated_at) VALUES (:id, :employer, '货车司机', '', 'logistics', '', false, "
                "'day', 0, 0, '[]', '[]', 0, 'open', 'form', '2026-01-01', '2026-01-01')"),
                {"id": opening_id, "employer": employer_id})

    upgrade(directory=str(MIGRATIONS_DIR), revision="0008_employer_vetting")
    with db.engine.begin() as connection:
        rows = connection.execute(sa.text(
            "SELECT id, status, pledge_signed_by, suspension_reason, verified_at "
            "FROM employers ORDER BY id")).all()
        assert [tuple(row) for row in rows] == [(1, "verified", "", "", None),
                                                (2, "unverified", "", "", None)]
        assert connection.execute(sa.text("SELECT count(*) FROM openings")).scalar() == 3
        columns = {c["name"] for c in sa.inspect(connection).get_columns("employers")}
        assert "verified" not in columns and {"status", "verified_by_id"} <= columns
        connection.execute(sa.text(
            "UPDATE employers SET status = 'suspended', suspension_reason = '收取求职者押金' "
            "WHERE id = 1"))
        connection.execute(sa.text(
            "INSERT INTO employers (id, name, normalized_name, status, industry, address, "
            "contact_person, contact_phone, contact_shareable, pledge_signed_by, "
            "suspension_reason, notes, created_at) VALUES (3, '上海新核实有限公司', "
            "'上海新核实有限公司', 'verified', '', '', '', '', false, '', '', '', '2026-03-01')"))

    downgrade(directory=str(MIGRATIONS_DIR), revision="0007_import_mappings")
    with db.engine.connect() as connection:
        rows = connection.execute(sa.text(
            "SELECT id, verified FROM employers ORDER BY id")).all()
        assert [(row[0], bool(row[1])) for row in rows] == [(1, False), (2, False), (3, True)]
        assert connection.execute(sa.text("SELECT count(*) FROM openings")).scalar() == 3
        columns = {c["name"] for c in sa.inspect(connection).get_columns("employers")}
        assert "status" not in columns and "verified" in columns
        assert "_alembic_tmp_employers" not in sa.inspect(connection).get_table_names()

    upgrade(directory=str(MIGRATIONS_DIR), revision="0008_employer_vetting")
    with db.engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT id, status FROM employers ORDER BY id")).all()
        assert [tuple(row) for row in rows] == [(1, "unverified"), (2, "unverified"),
                                                (3, "verified")]
