"""Back up and restore the whole database as one portable file (SQLite and PostgreSQL).

One format serves both databases: gzip-compressed JSON lines holding every row of every
table as stored (ciphertext stays ciphertext, JSON columns stay their stored text), the
schema's Alembic revision, and each table's row count and SHA-256 over its rows in primary
key order. Why not pg_dump for PostgreSQL: it needs client tools on the application host
whose major version is at least the server's (an older pg_dump refuses a newer server),
its archive cannot be checked for the schema revision or per-table checksums without
pg_restore, and it cannot move a facility's SQLite database to the city's PostgreSQL.
The portable file does all three, and the same round-trip test proves it on both. (A
database administrator may still run pg_dump besides; Qibu does not rely on it.)

Consistency while the app runs: on SQLite the live file is first copied with sqlite3's
online backup API (``Connection.backup``: one read transaction, writers in WAL mode are
not blocked) and the copy is read; on PostgreSQL every table is read in one
``REPEATABLE READ READ ONLY DEFERRABLE`` transaction: one snapshot, as pg_dump takes.

Restore is for a stopped app: it takes the write lock (SQLite) or truncates the tables
(PostgreSQL) for the whole load.

Restore refuses a database that holds any row unless forced, checks that the backup's
revision is the database's (an empty database is first migrated to it), replaces every
row in one transaction, resets PostgreSQL's id sequences and, before committing, checks
every table's count and checksum against the backup's.
"""

import base64
import gzip
import hashlib
import io
import json
import os
import sqlite3
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from datetime import time as time_of_day
from decimal import Decimal
from pathlib import Path

import click
import sqlalchemy as sa
from flask.cli import with_appcontext
from sqlalchemy.pool import NullPool

FORMAT = "qibu-backup"
FORMAT_VERSION = 1
VERSION_TABLE = "alembic_version"
BATCH_ROWS = 1000


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message says what to do."""


@dataclass(frozen=True)
class TableFingerprint:
    """A table's row count and SHA-256 over its rows in primary key order."""

    rows: int
    sha256: str


@dataclass
class BackupReport:
    """What a backup wrote or a restore loaded."""

    path: Path
    revision: str | None
    dialect: str
    tables: dict[str, TableFingerprint] = field(default_factory=dict)
    size: int = 0
    seconds: float = 0.0
    file_sha256: str = ""
    created_at: str = ""

    @property
    def rows(self) -> int:
        return sum(t.rows for t in self.tables.values())


# --------------------------------------------------------------------------- schema


def current_revision(connection: sa.Connection) -> str | None:
    """The database's Alembic revision, or None when it has none."""
    if not sa.inspect(connection).has_table(VERSION_TABLE):
        return None
    return connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()


def _tables(connection: sa.Connection) -> list[sa.Table]:
    """The database's own tables as stored (reflected), parents before children."""
    metadata = sa.MetaData()
    metadata.reflect(bind=connection)
    return [t for t in metadata.sorted_tables if t.name != VERSION_TABLE]


def _is_json(column: sa.Column) -> bool:
    return isinstance(column.type, sa.JSON)


def _columns(table: sa.Table) -> list[sa.Column]:
    """The columns by name: a table migrated column by column and one created whole agree."""
    return sorted(table.columns, key=lambda c: c.name)


def _ordered_select(table: sa.Table, dialect: str) -> sa.Select:
    """All rows in primary key order, columns by name; JSON columns as their stored text.

    Text keys sort by code point on both databases (PostgreSQL's "C" collation is
    SQLite's binary order), so the checksum of a table is the same on either.
    """
    columns = [sa.cast(c, sa.Text).label(c.name) if _is_json(c) else c
               for c in _columns(table)]
    keys = list(table.primary_key.columns) or list(table.columns)
    order = [k.collate("C") if dialect == "postgresql" and isinstance(k.type, sa.String)
             else k for k in keys]
    return sa.select(*columns).order_by(*order)


def _plain(value):
    """A stored value as JSON (times as ISO text, bytes as base64, decimals as text)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime | date | time_of_day):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    raise TypeError(f"cannot back up a value of type {type(value).__name__}")


def _line(row) -> str:
    return json.dumps([_plain(v) for v in row], ensure_ascii=False, separators=(",", ":"))


def _rows(connection: sa.Connection, table: sa.Table) -> Iterator[str]:
    result = connection.execution_options(yield_per=BATCH_ROWS).execute(
        _ordered_select(table, connection.dialect.name)
    )
    for row in result:
        yield _line(row)


def table_fingerprints(connection: sa.Connection) -> dict[str, TableFingerprint]:
    """Every table's row count and checksum, computed the way a backup computes them."""
    fingerprints = {}
    for table in _tables(connection):
        digest, count = hashlib.sha256(), 0
        for line in _rows(connection, table):
            digest.update(line.encode() + b"\n")
            count += 1
        fingerprints[table.name] = TableFingerprint(count, digest.hexdigest())
    return fingerprints


# --------------------------------------------------------------------------- backup


@contextmanager
def _snapshot(engine: sa.Engine) -> Iterator[sa.Connection]:
    """A connection that sees one consistent state of the database while the app runs."""
    if engine.dialect.name != "sqlite":
        options = {"isolation_level": "REPEATABLE READ"}
        if engine.dialect.name == "postgresql":
            options |= {"postgresql_readonly": True, "postgresql_deferrable": True}
        with engine.connect().execution_options(**options) as connection, connection.begin():
            yield connection
        return
    with tempfile.TemporaryDirectory(prefix="qibu-backup-") as folder:
        copy = Path(folder) / "snapshot.sqlite3"
        raw = engine.raw_connection()
        try:
            target = sqlite3.connect(copy)
            try:
                raw.driver_connection.backup(target)
            finally:
                target.close()
        finally:
            raw.close()
        snapshot = sa.create_engine(f"sqlite:///{copy}", poolclass=NullPool)
        try:
            with snapshot.connect() as connection:
                yield connection
        finally:
            snapshot.dispose()


def backup_database(engine: sa.Engine, path: Path, *, overwrite: bool = False) -> BackupReport:
    """Write every table of the database to `path` (gzip JSON lines, readable by owner only)."""
    path = Path(path)
    if path.exists() and not overwrite:
        raise BackupError(f"{path} exists; choose another file name or use --force.")
    started = time.perf_counter()
    report = BackupReport(path=path, revision=None, dialect=engine.dialect.name,
                          created_at=datetime.now(UTC).isoformat(timespec="seconds"))
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, partial = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with _snapshot(engine) as connection, os.fdopen(descriptor, "wb") as raw, \
                gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=6, mtime=0) as packed, \
                io.TextIOWrapper(packed, encoding="utf-8", newline="\n") as out:
            report.revision = current_revision(connection)
            tables = _tables(connection)
            header = {"format": FORMAT, "version": FORMAT_VERSION,
                      "created_at": report.created_at, "dialect": report.dialect,
                      "revision": report.revision, "tables": [t.name for t in tables]}
            out.write(json.dumps(header) + "\n")
            for table in tables:
                out.write(json.dumps({"table": table.name,
                                      "columns": [c.name for c in _columns(table)]}) + "\n")
                digest, count = hashlib.sha256(), 0
                for line in _rows(connection, table):
                    data = line + "\n"
                    out.write(data)
                    digest.update(data.encode())
                    count += 1
                fingerprint = TableFingerprint(count, digest.hexdigest())
                report.tables[table.name] = fingerprint
                out.write(json.dumps({"end": table.name, "rows": count,
                                      "sha256": fingerprint.sha256}) + "\n")
            out.write(json.dumps({"end_of_backup": True, "tables": len(tables)}) + "\n")
        os.replace(partial, path)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise
    report.size = path.stat().st_size
    report.file_sha256 = _file_sha256(path)
    report.seconds = time.perf_counter() - started
    return report


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# --------------------------------------------------------------------------- restore


@contextmanager
def _open_backup(path: Path) -> Iterator[tuple[dict, Iterator[str]]]:
    """The backup's header and an iterator over its remaining lines."""
    if not path.is_file():
        raise BackupError(f"There is no file {path}.")
    with gzip.open(path, "rb") as packed, \
            io.TextIOWrapper(packed, encoding="utf-8", newline="\n") as handle:
        try:
            header = json.loads(handle.readline())
        except (OSError, EOFError, ValueError):
            raise BackupError(f"{path} is not a Qibu backup (not gzip JSON lines).") from None
        if not isinstance(header, dict) or header.get("format") != FORMAT:
            raise BackupError(f"{path} is not a Qibu backup.")
        if header.get("version") != FORMAT_VERSION:
            raise BackupError(f"{path} is a backup of format version {header.get('version')}; "
                              f"this Qibu reads version {FORMAT_VERSION}.")
        yield header, _lines(handle, path)


def _lines(handle, path: Path) -> Iterator[str]:
    try:
        for line in handle:
            yield line.rstrip("\n")
    except (OSError, EOFError, UnicodeDecodeError):
        raise BackupError(f"{path} is damaged or incomplete; nothing was restored.") from None


def read_backup_header(path: Path) -> dict:
    """The header of a backup file: format, creation time, dialect, revision, tables."""
    with _open_backup(Path(path)) as (header, _):
        return header


def _row_counts(connection: sa.Connection) -> dict[str, int]:
    return {t.name: connection.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
            for t in _tables(connection)}


def _from_plain(column: sa.Column):
    """Turn a backed-up JSON value back into what the column's type binds."""
    kind = column.type
    if isinstance(kind, sa.DateTime):
        return datetime.fromisoformat
    if isinstance(kind, sa.Date):
        return date.fromisoformat
    if isinstance(kind, sa.Time):
        return time_of_day.fromisoformat
    if isinstance(kind, sa.LargeBinary):
        return base64.b64decode
    if isinstance(kind, sa.Numeric) and not isinstance(kind, sa.Float):
        return Decimal
    return None


def _insert_statement(table: sa.Table, columns: list[str], dialect: str) -> sa.Insert:
    values = {}
    for index, name in enumerate(columns):
        column = table.c[name]
        if _is_json(column):
            # the stored JSON text goes back unchanged (no re-encoding, SQL NULL stays NULL)
            bind = sa.bindparam(f"v{index}", type_=sa.Text)
            values[name] = sa.cast(bind, column.type) if dialect == "postgresql" else bind
        else:
            values[name] = sa.bindparam(f"v{index}", type_=column.type)
    return table.insert().values(values)


def _empty(connection: sa.Connection, tables: list[sa.Table]) -> None:
    if connection.dialect.name == "postgresql":
        quote = connection.dialect.identifier_preparer.quote
        names = ", ".join(quote(t.name) for t in tables)
        connection.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        return
    for table in reversed(tables):
        connection.execute(table.delete())


def _reset_sequences(connection: sa.Connection, tables: list[sa.Table]) -> None:
    """Let PostgreSQL's next generated ids follow the restored ones."""
    if connection.dialect.name != "postgresql":
        return
    for table in tables:
        for column in table.primary_key.columns:
            if not isinstance(column.type, sa.Integer):
                continue
            sequence = connection.execute(
                sa.select(sa.func.pg_get_serial_sequence(table.name, column.name))
            ).scalar()
            if sequence is None:
                continue
            highest = connection.execute(sa.select(sa.func.max(column))).scalar()
            connection.execute(sa.select(sa.func.setval(sequence, (highest or 0) + 1, False)))


def _json(line: str, path: Path):
    try:
        return json.loads(line)
    except ValueError:
        raise BackupError(f"{path} is damaged (a line is not JSON); nothing was restored.") \
            from None


def _load_rows(connection, tables: dict[str, sa.Table], lines: Iterator[str], path: Path,
               listed: list[str]) -> dict[str, TableFingerprint]:
    """Insert the backup's rows table by table; return the fingerprints its trailers give."""
    dialect = connection.dialect.name
    expected: dict[str, TableFingerprint] = {}

    def corrupt(reason: str) -> BackupError:
        return BackupError(f"{path} is damaged or incomplete ({reason}); nothing was restored.")

    for line in lines:
        marker = _json(line, path)
        if marker.get("end_of_backup"):
            break
        name = marker.get("table")
        if name not in tables or name not in listed:
            raise corrupt(f"unexpected table {name!r}")
        table, columns = tables[name], marker["columns"]
        if sorted(columns) != sorted(c.name for c in table.columns):
            raise BackupError(f"The columns of table {name} differ between the backup and the "
                              "database although their revisions match; nothing was restored.")
        statement = _insert_statement(table, columns, dialect)
        converters = [_from_plain(table.c[c]) for c in columns]
        digest, count, batch = hashlib.sha256(), 0, []
        for data in lines:
            if data.startswith("{"):
                trailer = _json(data, path)
                break
            digest.update(data.encode() + b"\n")
            values = _json(data, path)
            batch.append({f"v{i}": (v if v is None or convert is None else convert(v))
                          for i, (v, convert) in enumerate(zip(values, converters,
                                                                 strict=True))})
            count += 1
            if len(batch) == BATCH_ROWS:
                connection.execute(statement, batch)
                batch = []
        else:
            raise corrupt(f"table {name} has no end")
        if batch:
            connection.execute(statement, batch)
        if trailer.get("end") != name or trailer.get("rows") != count \
                or trailer.get("sha256") != digest.hexdigest():
            raise corrupt(f"table {name} does not match its checksum")
        expected[name] = TableFingerprint(count, digest.hexdigest())
    else:
        raise corrupt("the end of the backup is missing")
    missing = set(listed) - set(expected)
    if missing:
        raise corrupt(f"tables missing: {', '.join(sorted(missing))}")
    return expected


def _migrate_empty_database(engine: sa.Engine, revision: str | None) -> None:
    """Build the schema of an empty database at the backup's revision."""
    if revision is None:
        raise BackupError("The backup records no schema revision and the database is empty; "
                          "run `qibu db upgrade` first.")
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError
    from flask_migrate import upgrade

    from app import MIGRATIONS_DIR

    try:
        ScriptDirectory(str(MIGRATIONS_DIR)).get_revision(revision)
    except CommandError:
        raise BackupError(f"The backup is of schema revision {revision}, which this version "
                          "of Qibu does not know; restore it with the Qibu that made it.") from None
    upgrade(directory=str(MIGRATIONS_DIR), revision=revision)
    engine.dispose()


@contextmanager
def _writer(engine: sa.Engine) -> Iterator[sa.Connection]:
    """One write transaction over the whole restore, its lock taken at the start.

    SQLite gets a connection of its own whose transaction begins IMMEDIATE, so the
    emptiness check, the deletes and the inserts are one transaction, with foreign keys
    checked at commit; PostgreSQL uses the app's engine.
    """
    database = engine.url.database
    if engine.dialect.name != "sqlite" or database in (None, "", ":memory:"):
        with engine.begin() as connection:
            yield connection
        return
    writer = sa.create_engine(engine.url, poolclass=NullPool,
                              connect_args={"timeout": 30, "isolation_level": None})

    @sa.event.listens_for(writer, "begin")
    def _begin_immediate(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE")
        connection.exec_driver_sql("PRAGMA defer_foreign_keys = ON")

    try:
        with writer.begin() as connection:
            yield connection
    finally:
        writer.dispose()


def restore_database(engine: sa.Engine, path: Path, *, force: bool = False) -> BackupReport:
    """Replace every row of the database with the backup's, checked and in one transaction.

    Refuses a database that holds any row unless `force`; refuses a backup of another
    schema revision. An empty database without tables is first migrated to the backup's
    revision (this needs an app context).
    """
    path = Path(path)
    started = time.perf_counter()
    with _open_backup(path) as (header, lines):
        revision = header.get("revision")
        listed = list(header.get("tables") or [])
        with engine.connect() as connection:
            has_tables = bool(set(sa.inspect(connection).get_table_names()) - {VERSION_TABLE})
        if not has_tables:
            _migrate_empty_database(engine, revision)
        with _writer(engine) as connection:
            here = current_revision(connection)
            if here != revision:
                raise BackupError(
                    f"The backup is of schema revision {revision}, the database is at {here}. "
                    "Restore into a database at the same revision: an empty one, or one "
                    f"migrated with `qibu db upgrade {revision}` (then upgrade it afterwards)."
                )
            tables = _tables(connection)
            if sorted(listed) != sorted(t.name for t in tables):
                raise BackupError("The backup's tables differ from the database's although "
                                  "their revisions match; nothing was restored.")
            holding = {name: n for name, n in _row_counts(connection).items() if n}
            if holding and not force:
                listing = ", ".join(f"{name} ({n})" for name, n in sorted(holding.items()))
                raise BackupError(
                    f"The database is not empty: {listing}. Restoring replaces every row; "
                    "back it up first, then use --force."
                )
            _empty(connection, tables)
            expected = _load_rows(connection, {t.name: t for t in tables}, lines, path, listed)
            _reset_sequences(connection, tables)
            restored = table_fingerprints(connection)
            differing = sorted(n for n in restored if restored[n] != expected.get(n))
            if differing:
                raise BackupError("After loading, these tables differ from the backup: "
                                  f"{', '.join(differing)}; nothing was restored.")
    return BackupReport(path=path, revision=revision, dialect=header.get("dialect", ""),
                        tables=restored, size=path.stat().st_size,
                        seconds=time.perf_counter() - started,
                        file_sha256=_file_sha256(path), created_at=header.get("created_at", ""))


# --------------------------------------------------------------------------- commands


def _describe(report: BackupReport) -> str:
    return (f"{len(report.tables)} tables, {report.rows} rows, {report.size / 1024:.0f} KiB, "
            f"{report.seconds:.2f} s; revision {report.revision}; sha256 {report.file_sha256}")


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite FILE when it exists.")
@with_appcontext
def backup_command(file, force):
    """Write a consistent backup of the whole database to FILE (the app may keep running)."""
    from app.audit import log_event
    from models import db

    try:
        report = backup_database(db.engine, file, overwrite=force)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    log_event("database_backed_up", None, file=str(file), tables=len(report.tables),
              rows=report.rows, bytes=report.size, sha256=report.file_sha256,
              revision=report.revision)
    db.session.commit()
    click.echo(f"Backed up to {file}: {_describe(report)}.")
    click.echo("The file holds personal data: keep it as safe as the database itself.")


@click.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace the rows of a database that is not empty.")
@with_appcontext
def restore_command(file, force):
    """Replace the database's contents with the backup in FILE (stop the app first)."""
    from app.audit import log_event
    from models import db

    db.session.remove()
    try:
        report = restore_database(db.engine, file, force=force)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    log_event("database_restored", None, file=str(file), tables=len(report.tables),
              rows=report.rows, sha256=report.file_sha256, revision=report.revision,
              backup_created_at=report.created_at, forced=bool(force))
    db.session.commit()
    click.echo(f"Restored {file} (made {report.created_at} on {report.dialect}): "
               f"{_describe(report)}.")
