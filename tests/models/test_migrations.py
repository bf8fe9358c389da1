"""Alembic revisions: upgrade to head matches the models; every revision runs down and up on
a database full of demo data and keeps its rows; a failing revision is rolled back whole;
the data key and dropped tables are checked before `qibu db` changes anything.

On SQLite by default; on PostgreSQL, in databases of the tests' own (conftest.py), when
QIBU_TEST_DATABASE_URL points there.
"""

import ast
import json
import os
import re
import shutil
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade

from app import MIGRATIONS_DIR, create_app
from app import upgrades as upgrades_cli
from app.config import TestingConfig
from app.crypto import encrypt_text
from app.upgrades import encrypted_columns, rows_removed, tables_dropped
from models import Base, Seeker, db

VERSIONS_DIR = MIGRATIONS_DIR / "versions"
BATCH_COPY_PREFIX = "_alembic_tmp_"


@contextmanager
def _same_database(app, **config):
    """Another app on the migration app's database (e.g. with another data key), its
    context pushed (commands run in the current app's context, if there is one)."""
    other = create_app(TestingConfig, **app.config["QIBU_TEST_SETTINGS"], **config)
    with other.app_context():
        yield other
        db.session.remove()
        db.engine.dispose()


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


def test_codes_from_files_move_to_the_facility_reference_and_free_text_is_encrypted_once(
        migration_app):
    """0016: a code Qibu did not make ('QP-2612-10', the facility's initials) becomes the
    person's facility reference and they get a random code; Qibu's own codes stay; survey
    free text is encrypted in its columns and leaves the answers JSON. The downgrade gives
    both back."""
    upgrade(directory=str(MIGRATIONS_DIR), revision="0015_form_submissions")
    with db.engine.begin() as connection:
        connection.execute(sa.text(
            "INSERT INTO facilities (id, code, name_zh, name_en, address) "
            "VALUES (1, 'F1', '青浦所', 'F', '')"))
        for seeker_id, code in ((1, "QP-2612-10"), (2, "QBG5QMM4")):
            connection.execute(sa.text(
                "INSERT INTO seekers (id, code, facility_id, name, education, hukou_shanghai, "
                "status, consent_share, consent_contact, created_at) VALUES "
                "(:id, :code, 1, :name, 2, false, 'in_facility', false, false, '2026-01-01')"),
                {"id": seeker_id, "code": code, "name": encrypt_text("李雷")})
        connection.execute(sa.text(
            "INSERT INTO surveys (id, seeker_id, surveyed_on, questionnaire_version, districts, "
            "needs_accommodation, shifts, work_pattern, work_history, certificates, "
            "skills_text, health_limits, avoid, training_interests, answers, source, "
            "created_at, updated_at) VALUES (1, 1, '2026-05-20', 1, '[]', false, '[]', "
            "'full_time', '[]', '[]', '会开叉车', '腰伤不能久站', '[]', '[]', :answers, "
            "'import', '2026-05-20', '2026-05-20')"),
            {"answers": '{"salary_min": 5000, "skills_text": "会开叉车", '
                        '"health_limits": "腰伤不能久站"}'})
        connection.execute(sa.text(
            "INSERT INTO staff_users (id, username, display_name, password_hash, role, "
            "active, created_at, totp_enabled, must_change_password) VALUES "
            "(1, 'clerk', 'clerk', 'x', 'bureau', true, '2026-01-01', false, false)"))
        connection.execute(sa.text(
            "INSERT INTO import_mappings (id, user_id, kind, layout, mapping, updated_at) "
            "VALUES (1, 1, 'surveys', 'abc', :mapping, '2026-05-20')"),
            {"mapping": '{"0": "seeker_code", "1": "name", "2": ""}'})

    upgrade(directory=str(MIGRATIONS_DIR))
    from app.crypto import decrypt_text

    with db.engine.connect() as connection:
        people = dict(connection.execute(sa.text(
            "SELECT id, code FROM seekers ORDER BY id")).all())
        refs = dict(connection.execute(sa.text("SELECT id, facility_ref FROM seekers")).all())
        skills, health, answers = connection.execute(sa.text(
            "SELECT skills_text, health_limits, answers FROM surveys")).one()
    assert re.fullmatch(r"QB[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{6}", people[1])
    assert "QP" not in people[1] and refs[1] == "QP-2612-10"
    assert people[2] == "QBG5QMM4" and refs[2] is None
    assert decrypt_text(skills) == "会开叉车" and decrypt_text(health) == "腰伤不能久站"
    assert "会开叉车" not in skills + health and "腰伤" not in skills + health
    assert _json(answers) == {"salary_min": 5000}
    with db.engine.connect() as connection:  # a remembered layout reads the new key
        assert _json(connection.execute(sa.text("SELECT mapping FROM import_mappings"))
                     .scalar()) == {"0": "facility_ref", "1": "name", "2": ""}

    downgrade(directory=str(MIGRATIONS_DIR), revision="0015_form_submissions")
    with db.engine.connect() as connection:
        assert dict(connection.execute(sa.text("SELECT id, code FROM seekers")).all()) == {
            1: "QP-2612-10", 2: "QBG5QMM4"}
        skills, health, answers = connection.execute(sa.text(
            "SELECT skills_text, health_limits, answers FROM surveys")).one()
        assert "facility_ref" not in _columns("seekers")
        assert _json(connection.execute(sa.text("SELECT mapping FROM import_mappings"))
                     .scalar())["0"] == "seeker_code"
    assert (skills, health) == ("会开叉车", "腰伤不能久站")
    assert _json(answers) == {"salary_min": 5000, "skills_text": "会开叉车",
                              "health_limits": "腰伤不能久站"}


def _json(value):
    """A JSON column's value read with plain SQL (text on SQLite, decoded on PostgreSQL)."""
    return json.loads(value) if isinstance(value, str) else value


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


# --- helpers for databases full of demo data ----------------------------------------------

def _revisions():
    """Every revision, oldest first."""
    return list(reversed(list(ScriptDirectory(str(MIGRATIONS_DIR)).walk_revisions())))


def _row_counts():
    with db.engine.connect() as connection:
        return {name: connection.execute(
                    sa.select(sa.func.count()).select_from(sa.table(name))).scalar_one()
                for name in sa.inspect(connection).get_table_names()
                if name != "alembic_version"}


def _current_revision():
    with db.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def _batch_copies():
    return [t for t in sa.inspect(db.engine).get_table_names()
            if t.startswith(BATCH_COPY_PREFIX)]


def _columns(table):
    return {c["name"] for c in sa.inspect(db.engine).get_columns(table)}


def _stored_names():
    with db.engine.connect() as connection:
        return dict(connection.execute(sa.text("SELECT id, name FROM seekers")).all())


def _clear_names():
    """Every seeker's name as the app reads it (decrypted), by id."""
    names = {s.id: s.name for s in db.session.scalars(sa.select(Seeker))}
    db.session.remove()
    return names


def _qibu_db(app, *args, input=None):
    return app.test_cli_runner().invoke(args=["db", *args], input=input)


def _copy_of_migrations(tmp_path, revision_file, old, new):
    """The migrations in a folder of their own, with one revision's text changed."""
    copy = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    path = copy / "versions" / revision_file
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} not found once in {revision_file}"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return str(copy)


# --- every revision down and up on the demo data -------------------------------------------

def test_every_revision_runs_down_and_up_on_the_demo_data_and_keeps_its_rows(demo_app):
    """From head with the demo data down to the first revision and back, through `qibu db`,
    one revision at a time: every table keeps its rows, each downgrade drops exactly the
    tables `qibu db downgrade` warns about, names read the same afterwards."""
    at_head = _row_counts()
    names = _clear_names()
    assert at_head["seekers"] == 470 and at_head["surveys"] == 510
    assert at_head["follow_ups"] > 0 and at_head["fair_participants"] > 0
    revisions = _revisions()
    # rows a downgrade removes because the older schema cannot hold them (announced)
    expected = dict(at_head)

    for revision in reversed(revisions[1:]):
        before = set(_row_counts())
        with db.engine.connect() as connection:
            removed = rows_removed(connection, revision)
        result = _qibu_db(demo_app, "downgrade", "--yes", revision.down_revision)
        assert result.exit_code == 0, result.output
        for name, n in removed.items():
            if n:
                assert f"{name} ({n})" in result.output, revision.revision
            expected[name] -= n
        assert _current_revision() == revision.down_revision
        counts = _row_counts()
        assert before - set(counts) == set(tables_dropped(revision, upgrading=False)), \
            revision.revision
        assert counts == {name: expected.get(name, 0) for name in counts}, revision.revision
        assert _batch_copies() == []
    assert counts["seekers"] == 470 and _stored_names() == names  # clear text at 0001

    for revision in revisions[1:]:
        result = _qibu_db(demo_app, "upgrade", revision.revision)
        assert result.exit_code == 0, result.output
        assert _current_revision() == revision.revision
        assert _batch_copies() == []
    survived = set(counts)
    assert _row_counts() == {name: expected[name] if name in survived else 0
                             for name in at_head}
    assert _clear_names() == names
    assert all(name.startswith("enc1:") for name in _stored_names().values())
    if db.engine.dialect.name == "sqlite":
        with db.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA foreign_key_check").all() == []
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_the_key_check_samples_every_column_that_holds_encrypted_values(demo_app):
    """Every column where the demo data holds an encrypted value is one the key check reads."""
    holding = set()
    with db.engine.connect() as connection:
        inspector = sa.inspect(connection)
        for table in inspector.get_table_names():
            for column in inspector.get_columns(table):
                if not isinstance(column["type"], sa.String):
                    continue
                found = connection.execute(sa.text(
                    f'SELECT 1 FROM {table} WHERE "{column["name"]}" LIKE \'enc1:%\' LIMIT 1'
                )).first()
                if found:
                    holding.add((table, column["name"]))
    assert {("seekers", "name"), ("staff_users", "totp_secret")} <= holding
    assert holding <= encrypted_columns()


# --- a failing revision leaves nothing behind -----------------------------------------------

INJECTED = "batch_op.create_check_constraint('injected_failure', 'id < 0')\n        "


@pytest.mark.parametrize("direction", ["upgrade", "downgrade"])
def test_a_revision_that_fails_midway_is_rolled_back_whole(demo_app, tmp_path, direction):
    """0006 fails in its last table copy (rows breaking a constraint), after it rewrote the
    seekers: the database stays at the revision before, with its rows, columns and names
    as they were and no _alembic_tmp_ table; run again, the revision goes through."""
    if direction == "upgrade":
        downgrade(directory=str(MIGRATIONS_DIR), revision="0005_api_tokens")
        start, goal = "0005_api_tokens", "0006_protection_at_rest"
        broken = _copy_of_migrations(
            tmp_path, "0006_protection_at_rest.py",
            "batch_op.add_column(sa.Column('totp_secret'",
            INJECTED + "batch_op.add_column(sa.Column('totp_secret'")
    else:
        downgrade(directory=str(MIGRATIONS_DIR), revision="0006_protection_at_rest")
        start, goal = "0006_protection_at_rest", "0005_api_tokens"
        broken = _copy_of_migrations(
            tmp_path, "0006_protection_at_rest.py",
            "batch_op.drop_column('name_key')",
            INJECTED.strip() + "\n        batch_op.drop_column('name_key')")
    counts, stored = _row_counts(), _stored_names()
    seeker_columns, user_columns = _columns("seekers"), _columns("staff_users")
    migrate = upgrade if direction == "upgrade" else downgrade

    with pytest.raises(sa.exc.IntegrityError):
        migrate(directory=broken, revision=goal)

    assert _current_revision() == start
    assert _batch_copies() == []
    assert _row_counts() == counts and _stored_names() == stored
    assert _columns("seekers") == seeker_columns and _columns("staff_users") == user_columns
    migrate(directory=str(MIGRATIONS_DIR), revision=goal)
    assert _current_revision() == goal
    assert _row_counts() == counts
    assert ("name_key" in _columns("seekers")) is (direction == "upgrade")


def test_a_revision_that_breaks_references_is_rolled_back(demo_app, tmp_path):
    """On SQLite foreign keys are off while revisions run: a revision that leaves rows
    pointing at missing rows fails its check and is rolled back (PostgreSQL refuses it
    at once)."""
    downgrade(directory=str(MIGRATIONS_DIR), revision="0011_kiosk_throttle")
    broken = _copy_of_migrations(tmp_path, "0012_additional_jobs.py", "def upgrade():\n",
                                 "def upgrade():\n    op.execute('DELETE FROM facilities')\n")
    counts = _row_counts()

    with pytest.raises((SystemExit, sa.exc.IntegrityError)):
        upgrade(directory=broken, revision="0012_additional_jobs")

    assert _current_revision() == "0011_kiosk_throttle"
    assert _row_counts() == counts
    assert "additional_job_reason" not in _columns("placements")


@pytest.mark.skipif((os.environ.get("QIBU_TEST_DATABASE_URL") or "sqlite").startswith(
    "postgresql"), reason="SQLite's own foreign-key switch and transactions")
def test_on_sqlite_revisions_run_in_a_transaction_with_foreign_keys_off(migration_app,
                                                                         tmp_path):
    """PRAGMA foreign_keys is a no-op inside a transaction: inside a revision SQLite reports
    foreign keys off and a transaction open; afterwards the app's connections enforce
    foreign keys again."""
    probe = ("    bind = op.get_bind()\n"
             "    assert bind.exec_driver_sql('PRAGMA foreign_keys').scalar() == 0\n"
             "    assert bind.connection.driver_connection.in_transaction\n")
    probed = _copy_of_migrations(tmp_path, "0002_opening_updated_at.py",
                                 "def upgrade():\n", "def upgrade():\n" + probe)
    upgrade(directory=str(MIGRATIONS_DIR), revision="0001_initial")
    upgrade(directory=probed, revision="0002_opening_updated_at")
    assert _current_revision() == "0002_opening_updated_at"
    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


@pytest.mark.skipif((os.environ.get("QIBU_TEST_DATABASE_URL") or "sqlite").startswith(
    "postgresql"), reason="SQLite's in-memory database")
def test_an_in_memory_database_keeps_what_the_migrations_built(tmp_path):
    """The migration connection gets its settings back rather than being thrown away: an
    in-memory database (TestingConfig's default) lives only as long as its connection."""
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI="sqlite://",
                     CACHE_DIR=str(tmp_path / "cache"))
    with app.app_context():
        upgrade(directory=str(MIGRATIONS_DIR))
        assert _tables() == set(Base.metadata.tables)
        with db.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        db.engine.dispose()


def test_copies_left_by_an_old_failed_run_are_dropped_before_migrating(demo_app):
    """A _alembic_tmp_ copy beside its intact table (left by a run before this safeguard)
    is dropped and the upgrade goes through; a copy whose table is gone holds that table's
    rows: the upgrade refuses and changes nothing."""
    downgrade(directory=str(MIGRATIONS_DIR), revision="0005_api_tokens")
    with db.engine.begin() as connection:
        connection.execute(sa.text(
            f"CREATE TABLE {BATCH_COPY_PREFIX}seekers AS SELECT * FROM seekers"))
    result = _qibu_db(demo_app, "upgrade", "0006_protection_at_rest")
    assert result.exit_code == 0, result.output
    assert _current_revision() == "0006_protection_at_rest" and _batch_copies() == []

    with db.engine.begin() as connection:
        connection.execute(sa.text(f"ALTER TABLE follow_ups RENAME TO "
                                   f"{BATCH_COPY_PREFIX}follow_ups"))
    with pytest.raises(SystemExit):
        upgrade(directory=str(MIGRATIONS_DIR))
    assert _current_revision() == "0006_protection_at_rest"
    assert _batch_copies() == [f"{BATCH_COPY_PREFIX}follow_ups"]


# --- the data key ------------------------------------------------------------------------------

OTHER_KEY = "not-the-key-the-names-were-written-with"


def test_downgrade_with_another_data_key_refuses_and_changes_nothing(demo_app):
    """`qibu db downgrade` under a key that cannot decrypt the names says so, exits non-zero
    and leaves every name as it was (it once blanked 5,692 names and exited 0)."""
    names, stored = _clear_names(), _stored_names()
    with _same_database(demo_app, DATA_KEY=OTHER_KEY) as other:
        result = _qibu_db(other, "downgrade", "0005_api_tokens")

        assert result.exit_code != 0
        assert "The data key cannot decrypt" in result.output
        assert "20 of 20 sampled values in seekers.name" in result.output
        assert "Nothing was changed" in result.output
        assert _current_revision() == _revisions()[-1].revision
        assert _stored_names() == stored

        # the revisions refuse by themselves too (run without the command's check): the
        # first to read encrypted values (0016's survey text) before changing anything;
        # the revisions above it read none and each ran down in its own transaction
        with pytest.raises(SystemExit):
            downgrade(directory=str(MIGRATIONS_DIR), revision="0005_api_tokens")
        assert _current_revision() == "0016_codes_and_free_text"
        assert _stored_names() == stored
    downgrade(directory=str(MIGRATIONS_DIR), revision="0006_protection_at_rest")
    with _same_database(demo_app, DATA_KEY=OTHER_KEY), pytest.raises(SystemExit):
        # ... and 0006 refuses by itself for the names
        downgrade(directory=str(MIGRATIONS_DIR), revision="0005_api_tokens")
    assert _current_revision() == "0006_protection_at_rest"
    assert _stored_names() == stored
    upgrade(directory=str(MIGRATIONS_DIR))
    assert _clear_names() == names


def test_upgrade_with_another_data_key_refuses_and_changes_nothing(demo_app):
    """`qibu db upgrade` under a key that cannot decrypt the names already stored refuses
    before any revision runs (rather than leave two keys in one database)."""
    downgrade(directory=str(MIGRATIONS_DIR), revision="0008_employer_vetting")
    stored = _stored_names()
    with _same_database(demo_app, DATA_KEY=OTHER_KEY) as other:
        result = _qibu_db(other, "upgrade")
    assert result.exit_code != 0 and "The data key cannot decrypt" in result.output
    assert _current_revision() == "0008_employer_vetting" and _stored_names() == stored

    result = _qibu_db(demo_app, "upgrade")
    assert result.exit_code == 0, result.output
    assert _current_revision() == _revisions()[-1].revision


@pytest.mark.skipif((os.environ.get("QIBU_TEST_DATABASE_URL") or "sqlite").startswith(
    "postgresql"), reason="before 0006 PostgreSQL cannot hold an encrypted name (60 chars)")
def test_upgrade_through_0006_refuses_names_encrypted_under_another_key(demo_app):
    """A name encrypted already at 0005 (possible on SQLite) that the key cannot read: the
    command and the revision itself refuse, and nothing changes."""
    downgrade(directory=str(MIGRATIONS_DIR), revision="0005_api_tokens")
    with db.engine.begin() as connection:
        connection.execute(sa.text("UPDATE seekers SET name = :name WHERE id = 1"),
                           {"name": encrypt_text("李雷")})
    stored = _stored_names()
    with _same_database(demo_app, DATA_KEY=OTHER_KEY) as other:
        result = _qibu_db(other, "upgrade")
        assert result.exit_code != 0 and "The data key cannot decrypt" in result.output
        with pytest.raises(SystemExit):
            upgrade(directory=str(MIGRATIONS_DIR))
    assert _current_revision() == "0005_api_tokens" and _stored_names() == stored

    result = _qibu_db(demo_app, "upgrade")
    assert result.exit_code == 0, result.output
    assert _clear_names()[1] == "李雷"


# --- downgrades that drop tables ask first --------------------------------------------------

def test_downgrade_to_base_refuses_without_a_terminal_or_yes(demo_app):
    counts = _row_counts()

    result = _qibu_db(demo_app, "downgrade", "base")

    assert result.exit_code != 0
    assert "Downgrading to base drops every table of Qibu" in result.output
    assert "seekers (470)" in result.output and "--yes" in result.output
    assert _row_counts() == counts


def test_downgrade_to_base_asks_and_stops_unless_told_yes(demo_app, monkeypatch):
    counts = _row_counts()
    monkeypatch.setattr(upgrades_cli, "_interactive", lambda: True)

    result = _qibu_db(demo_app, "downgrade", "base", input="n\n")
    assert result.exit_code != 0 and "Go ahead?" in result.output
    assert _row_counts() == counts

    result = _qibu_db(demo_app, "downgrade", "base", input="y\n")
    assert result.exit_code == 0, result.output
    assert _row_counts() == {} and _current_revision() is None


def test_downgrade_to_base_with_yes_drops_everything(demo_app):
    result = _qibu_db(demo_app, "downgrade", "--yes", "base")
    assert result.exit_code == 0, result.output
    assert "Downgrading to base drops every table" in result.output
    assert _row_counts() == {}


def test_a_downgrade_that_drops_a_table_holding_rows_asks_and_one_that_does_not_runs(
        demo_app):
    """The year-round tables (0017) and courses (0004) hold the demo's rows: dropping them
    needs --yes; the tables of 0005 to 0016 hold none, so going below them asks nothing."""
    result = _qibu_db(demo_app, "downgrade", "0016_codes_and_free_text")
    assert result.exit_code != 0
    assert "drops tables that hold rows: aftercare_checks (" in result.output
    assert "removes rows the older schema cannot hold, from: follow_ups (" in result.output
    assert _current_revision() == _revisions()[-1].revision  # refused: still at head
    result = _qibu_db(demo_app, "downgrade", "--yes", "0016_codes_and_free_text")
    assert result.exit_code == 0, result.output

    result = _qibu_db(demo_app, "downgrade", "0004_courses_bulletins")
    assert result.exit_code == 0, result.output
    assert _current_revision() == "0004_courses_bulletins"

    result = _qibu_db(demo_app, "downgrade")
    assert result.exit_code != 0
    assert "Downgrading to 0003_fair_plan drops tables that hold rows: courses (11)" \
        in result.output
    assert _current_revision() == "0004_courses_bulletins"
    assert _row_counts()["courses"] == 11


def test_the_qibu_command_refuses_a_wrong_key_and_an_unasked_downgrade_to_base(demo_app,
                                                                                tmp_path):
    """The reliability run's reproductions through the installed `qibu` command, without a
    terminal: another QIBU_DATA_KEY, then `db downgrade base`; both exit 1 and say why."""
    env = {**os.environ, "QIBU_ENV": "testing", "QIBU_CACHE_DIR": str(tmp_path / "cache"),
           "QIBU_TEST_DATABASE_URL": demo_app.config["SQLALCHEMY_DATABASE_URI"]}
    env.pop("QIBU_DATA_KEY", None)
    qibu = str(Path(sys.executable).parent / "qibu")
    counts, stored = _row_counts(), _stored_names()

    def run(*args, **extra):
        return subprocess.run([qibu, "db", *args], env={**env, **extra}, timeout=300,
                              stdin=subprocess.DEVNULL, capture_output=True, text=True)

    wrong_key = run("downgrade", "0005_api_tokens", QIBU_DATA_KEY=OTHER_KEY)
    assert wrong_key.returncode == 1, wrong_key.stderr
    assert "The data key cannot decrypt the data already stored" in wrong_key.stderr
    to_base = run("downgrade", "base")
    assert to_base.returncode == 1, to_base.stderr
    assert "Downgrading to base drops every table of Qibu" in to_base.stderr
    assert "run it again with --yes" in to_base.stderr
    assert _row_counts() == counts and _stored_names() == stored
    assert _current_revision() == _revisions()[-1].revision


# --- migrations stand on their own ------------------------------------------------------------

APP_IMPORT = re.compile(r"^\s*(from\s+app[.\s]|import\s+app\b)", re.MULTILINE)


def _imported_modules(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            yield node.module or ""


def test_migrations_import_nothing_from_the_app():
    """Revisions (and env.py) never import app/: today's web code must not change what an
    old revision does. What they share with the app lives in models/protection.py, which
    imports nothing of Qibu's."""
    files = sorted(VERSIONS_DIR.glob("*.py")) + [MIGRATIONS_DIR / "env.py"]
    assert len(files) > 10
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert not APP_IMPORT.search(text), path.name
        assert not [m for m in _imported_modules(path) if m == "app" or m.startswith("app.")]
    ours = ("app", "models", "surveys", "matching")
    protection = Path(MIGRATIONS_DIR).parent / "protection.py"
    assert not [m for m in _imported_modules(protection) if m.split(".")[0] in ours]
