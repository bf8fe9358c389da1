"""Scratch PostgreSQL databases for benchmarks: made on BENCH_PG_URL's server and dropped
after (the bench skips when no server answers)."""

from __future__ import annotations

import contextlib
import os
import uuid
from urllib.parse import urlsplit

import pytest

PG_URL = os.environ.get("BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


@contextlib.contextmanager
def scratch_database(prefix: str):
    """A new database named `prefix`_<random> on BENCH_PG_URL's server; its URL."""
    psycopg = pytest.importorskip("psycopg")
    parts = urlsplit(PG_URL.replace("postgresql+psycopg", "postgresql"))
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    try:
        admin = psycopg.connect(parts._replace(path="/postgres").geturl(), autocommit=True)
    except psycopg.OperationalError as error:
        pytest.skip(f"no PostgreSQL at {parts.hostname}:{parts.port} ({error})")
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield PG_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
