"""Backup and restore: a round trip gives back every table, row for row, on either database."""

import gzip
import json

import pytest
import sqlalchemy as sa
from flask_migrate import stamp

from app import MIGRATIONS_DIR, create_app
from app.backup import (
    BackupError,
    backup_database,
    read_backup_header,
    restore_database,
    table_fingerprints,
)
from app.config import TestingConfig
from app.seeding import load_demo_data
from models import ApiToken, AuditEvent, Opening, Seeker, db
from tests.conftest import SEED_DIR


@pytest.fixture
def demo(app):
    """The demo data, an API token and a JSON null beside SQL NULLs, at the head revision."""
    load_demo_data(SEED_DIR)
    db.session.add(ApiToken.issue("backup test")[0])
    seeker = db.session.scalar(sa.select(Seeker).order_by(Seeker.id))
    seeker.riasec_scores = None  # stored as JSON null; others stay SQL NULL
    db.session.commit()
    stamp(directory=str(MIGRATIONS_DIR), revision="head")
    yield
    db.session.remove()
    with db.engine.begin() as connection:
        connection.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))


def _fingerprints():
    with db.engine.connect() as connection:
        return table_fingerprints(connection)


def _revision():
    with db.engine.connect() as connection:
        return connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()


def test_round_trip_gives_back_every_row(app, demo, tmp_path):
    before = _fingerprints()
    assert before["seekers"].rows == 470 and before["openings"].rows == 446
    report = backup_database(db.engine, tmp_path / "qibu.backup")
    assert report.tables == before
    assert report.revision == _revision()
    assert (tmp_path / "qibu.backup").stat().st_mode & 0o777 == 0o600

    # change and lose data, then restore over it
    db.session.execute(sa.update(Opening).values(title="changed"))
    db.session.execute(sa.delete(ApiToken))
    db.session.commit()
    assert _fingerprints()["openings"] != before["openings"]

    restored = restore_database(db.engine, tmp_path / "qibu.backup", force=True)
    assert restored.tables == before
    assert _fingerprints() == before
    # ids go on after the restored ones
    db.session.add(ApiToken.issue("after restore")[0])
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count(ApiToken.id))) == 2


def test_backup_is_gzip_json_lines_with_checksums(app, demo, tmp_path):
    report = backup_database(db.engine, tmp_path / "qibu.backup")
    header = read_backup_header(tmp_path / "qibu.backup")
    assert header["format"] == "qibu-backup" and header["revision"] == report.revision
    assert header["dialect"] == db.engine.dialect.name
    with gzip.open(tmp_path / "qibu.backup", "rt", encoding="utf-8") as handle:
        trailers = [json.loads(line) for line in handle if line.startswith('{"end"')]
    assert {t["end"]: (t["rows"], t["sha256"]) for t in trailers} == {
        name: (f.rows, f.sha256) for name, f in report.tables.items()}
    assert "alembic_version" not in header["tables"]


def test_restore_refuses_a_database_that_is_not_empty(app, demo, tmp_path):
    backup_database(db.engine, tmp_path / "qibu.backup")
    db.session.execute(sa.update(Opening).values(title="kept"))
    db.session.commit()
    with pytest.raises(BackupError, match="not empty: .*openings \\(446\\)"):
        restore_database(db.engine, tmp_path / "qibu.backup")
    assert set(db.session.scalars(sa.select(Opening.title))) == {"kept"}


def test_restore_refuses_another_revision(app, demo, tmp_path):
    backup_database(db.engine, tmp_path / "qibu.backup")
    with db.engine.begin() as connection:
        connection.execute(sa.text("UPDATE alembic_version SET version_num = :old"),
                           {"old": "0001_initial_schema"})
    with pytest.raises(BackupError, match="revision .* the database is at 0001_initial_schema"):
        restore_database(db.engine, tmp_path / "qibu.backup", force=True)


def test_a_damaged_backup_restores_nothing(app, demo, tmp_path):
    backup_database(db.engine, tmp_path / "qibu.backup")
    with gzip.open(tmp_path / "qibu.backup", "rt", encoding="utf-8") as handle:
        lines = handle.readlines()
    before = _fingerprints()
    # one changed value: the table's checksum no longer matches
    tampered = list(lines)
    marker = next(i for i, line in enumerate(lines) if line.startswith('{"table": "openings"'))
    title = json.loads(lines[marker])["columns"].index("title")
    values = json.loads(lines[marker + 1])
    values[title] = "a title the backup never held"
    tampered[marker + 1] = json.dumps(values, ensure_ascii=False, separators=(",", ":")) + "\n"
    with gzip.open(tmp_path / "tampered.backup", "wt", encoding="utf-8") as handle:
        handle.writelines(tampered)
    with pytest.raises(BackupError, match="does not match its checksum"):
        restore_database(db.engine, tmp_path / "tampered.backup", force=True)
    # cut short
    with gzip.open(tmp_path / "short.backup", "wt", encoding="utf-8") as handle:
        handle.writelines(lines[: len(lines) // 2])
    with pytest.raises(BackupError, match="damaged or incomplete"):
        restore_database(db.engine, tmp_path / "short.backup", force=True)
    (tmp_path / "junk.backup").write_bytes(b"not a backup")
    with pytest.raises(BackupError, match="not a Qibu backup"):
        restore_database(db.engine, tmp_path / "junk.backup", force=True)
    assert _fingerprints() == before


def test_restore_into_a_new_database_builds_its_schema(app, demo, tmp_path, cache_dir):
    backup_database(db.engine, tmp_path / "qibu.backup")
    before = _fingerprints()
    fresh = create_app(TestingConfig, CACHE_DIR=cache_dir,
                       SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'fresh.sqlite3'}")
    with fresh.app_context():
        report = restore_database(db.engine, tmp_path / "qibu.backup")
        assert report.tables == before
        db.engine.dispose()


def test_cli_backs_up_and_restores_with_audit(app, demo, tmp_path, runner):
    target = tmp_path / "cli.backup"
    result = runner.invoke(args=["backup", str(target)])
    assert result.exit_code == 0, result.output
    assert "keep it as safe as the database" in result.output
    event = db.session.scalar(sa.select(AuditEvent).where(
        AuditEvent.action == "database_backed_up"))
    assert event.actor_id is None and event.detail["file"] == str(target)
    assert event.detail["rows"] > 3000

    again = runner.invoke(args=["backup", str(target)])
    assert again.exit_code != 0 and "exists" in again.output

    refused = runner.invoke(args=["restore", str(target)])
    assert refused.exit_code != 0 and "not empty" in refused.output

    db.session.remove()
    done = runner.invoke(args=["restore", "--force", str(target)])
    assert done.exit_code == 0, done.output
    assert "Restored" in done.output
    actions = list(db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)))
    # the backup holds the state before its own event; the restore is recorded after it
    assert actions[-1] == "database_restored" and "database_backed_up" not in actions
