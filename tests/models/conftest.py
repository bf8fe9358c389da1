"""Databases for the migration tests: empty ones, and copies of one full of demo data.

On SQLite by default; with QIBU_TEST_DATABASE_URL pointing at PostgreSQL, databases of the
tests' own on that server (created and dropped here; the URL's own database is not used).
"""

import os
import shutil
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from app import MIGRATIONS_DIR, create_app
from app.config import TestingConfig
from app.crypto import encrypt_text
from app.seeding import load_demo_data
from models import StaffUser, db


class ScratchDatabases:
    """Databases of one test module's own: SQLite files, or PostgreSQL databases created
    on the server of QIBU_TEST_DATABASE_URL (never that database itself) and dropped after.
    A new one may start as a copy of another (a file copy; CREATE DATABASE … TEMPLATE)."""

    def __init__(self, folder: Path, server_url: str | None):
        self.folder = folder
        self.server = (sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
                       if server_url else None)
        self.prefix = f"qibu_migration_{uuid.uuid4().hex[:8]}"
        self.made: list[str] = []

    def new(self, copy_of: str | None = None) -> str:
        name = f"{self.prefix}_{len(self.made)}"
        self.made.append(name)
        if self.server is None:
            path = self.folder / f"{name}.sqlite3"
            if copy_of:
                shutil.copyfile(sa.make_url(copy_of).database, path)
            return f"sqlite:///{path}"
        template = f" TEMPLATE {sa.make_url(copy_of).database}" if copy_of else ""
        with self.server.connect() as connection:
            connection.execute(sa.text(f"CREATE DATABASE {name}{template}"))
        return self.server.url.set(database=name).render_as_string(hide_password=False)

    def drop_all(self) -> None:
        if self.server is None:
            return
        with self.server.connect() as connection:
            for name in reversed(self.made):
                connection.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        self.server.dispose()


@pytest.fixture(scope="module")
def scratch_databases(tmp_path_factory):
    url = os.environ.get("QIBU_TEST_DATABASE_URL") or ""
    databases = ScratchDatabases(tmp_path_factory.mktemp("migrations"),
                                 url if url.startswith("postgresql") else None)
    yield databases
    databases.drop_all()


@contextmanager
def _app_on(url: str, cache: Path, **config):
    settings = {"SQLALCHEMY_DATABASE_URI": url, "CACHE_DIR": str(cache)}
    app = create_app(TestingConfig, **settings, **config)
    app.config["QIBU_TEST_SETTINGS"] = settings
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="module")
def demo_database(scratch_databases, tmp_path_factory):
    """A database at head holding the demo data set (and an admin's second factor),
    built once per module through the migrations; tests work on copies of it."""
    url = scratch_databases.new()
    with _app_on(url, tmp_path_factory.mktemp("cache")) as app:
        upgrade(directory=str(MIGRATIONS_DIR))
        load_demo_data(Path(app.config["SEED_DIR"]))
        admin = db.session.scalar(sa.select(StaffUser).where(StaffUser.username == "admin"))
        admin.totp_secret = encrypt_text("JBSWY3DPEHPK3PXP")
        admin.totp_enabled = True
        db.session.commit()
        db.session.remove()
        if db.engine.dialect.name == "sqlite":
            with db.engine.connect() as connection:  # everything into the file copied
                connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    return url


@pytest.fixture
def migration_app(scratch_databases, tmp_path):
    """An app on an empty database of the test's own."""
    with _app_on(scratch_databases.new(), tmp_path / "cache") as app:
        yield app


@pytest.fixture
def demo_app(scratch_databases, demo_database, tmp_path):
    """An app on a copy of the demo database (at head, full of demo data)."""
    with _app_on(scratch_databases.new(copy_of=demo_database), tmp_path / "cache") as app:
        yield app
