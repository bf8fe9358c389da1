"""Alembic environment for Qibu, run through Flask-Migrate (`qibu db upgrade`).

Every revision runs in a transaction of its own, on SQLite as on PostgreSQL: a revision
that fails is rolled back whole, so the database stays at the revision before it, with no
`_alembic_tmp_` copy of a table left behind, and running again starts from there.
"""

import logging
from collections import Counter
from logging.config import fileConfig

import sqlalchemy as sa
from alembic import context
from flask import current_app

from models.protection import data_key

config = context.config
if config.config_file_name is not None and not logging.getLogger().handlers:
    fileConfig(config.config_file_name, disable_existing_loggers=False)
log = logging.getLogger("alembic.env")

target_db = current_app.extensions["migrate"].db
target_metadata = target_db.metadata

# batch mode on SQLite copies a table to _alembic_tmp_<name>, drops it and renames the copy
BATCH_COPY_PREFIX = "_alembic_tmp_"


def _options() -> dict:
    options = dict(current_app.extensions["migrate"].configure_args)
    options.setdefault("render_as_batch", True)
    options.setdefault("compare_type", True)
    # data migrations (0006) encrypt and decrypt with the app's key, handed to them here
    # (op.get_context().opts) because a migration imports nothing from app/
    options["qibu_data_key"] = data_key(current_app.config.get("DATA_KEY"),
                                        current_app.config["SECRET_KEY"])
    return options


def run_migrations_offline():
    """Emit SQL for the configured URL without connecting."""
    url = target_db.engine.url.render_as_string(hide_password=False)
    context.configure(url=url, target_metadata=target_metadata, literal_binds=True,
                      **_options())
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    """Run the migrations on the app's engine, one transaction per revision."""
    options = _options()
    options["transaction_per_migration"] = True
    with target_db.engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            _run_on_sqlite(connection, options)
        else:
            _remove_stale_copies(connection)
            _run(connection, options)


def _run(connection: sa.Connection, options: dict) -> None:
    # Alembic leaves a transaction it did not begin to its owner: start with none open
    assert not connection.in_transaction()
    context.configure(connection=connection, target_metadata=target_metadata, **options)
    with context.begin_transaction():
        context.run_migrations()


def _run_on_sqlite(connection: sa.Connection, options: dict) -> None:
    """Run on SQLite with transactional DDL and foreign keys off, checked per revision.

    Batch mode recreates a table; with foreign keys enforced, dropping the old copy of a
    table that other rows refer to fails. `PRAGMA foreign_keys` is a no-op inside a
    transaction, so it is set (and read back) on the driver's connection while none is
    open. The driver (pysqlite) would begin transactions only before INSERT, UPDATE and
    DELETE, committing DDL statement by statement: in its autocommit mode it leaves them
    to us, and every transaction SQLAlchemy begins is sent as BEGIN IMMEDIATE (the write
    lock up front, so a concurrent writer makes the migration wait, not fail). After each
    revision, within its transaction, references it broke fail it. The connection gets
    its settings back at the end (an in-memory database lives only as long as it does).
    """
    driver = connection.connection.driver_connection
    isolation_level = driver.isolation_level
    foreign_keys = driver.execute("PRAGMA foreign_keys").fetchone()[0]
    try:
        driver.isolation_level = None
        driver.execute("PRAGMA foreign_keys=OFF")
        if driver.execute("PRAGMA foreign_keys").fetchone()[0] != 0:
            raise RuntimeError("SQLite kept foreign keys on; nothing was migrated.")
        sa.event.listen(connection, "begin", _begin_immediate)
        _remove_stale_copies(connection)
        broken_before = _broken_references(connection)
        connection.commit()
        options["transactional_ddl"] = True
        options["on_version_apply"] = [_references_kept(broken_before)]
        _run(connection, options)
        if connection.in_transaction():  # the version table made when there was nothing to run
            connection.commit()
    finally:
        try:
            if connection.in_transaction():
                connection.rollback()
            if sa.event.contains(connection, "begin", _begin_immediate):
                sa.event.remove(connection, "begin", _begin_immediate)
            driver.isolation_level = isolation_level
            driver.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
        except Exception:
            connection.invalidate()  # never hand on a connection in an unknown state
            raise


def _begin_immediate(connection: sa.Connection) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def _broken_references(connection: sa.Connection) -> Counter:
    """Rows referring to a missing row, counted by (table, referred table)."""
    rows = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
    return Counter((row[0], row[2]) for row in rows)


def _references_kept(broken_before: Counter):
    def check(ctx, step, heads, run_args):
        broken = _broken_references(ctx.connection) - broken_before
        if broken:
            pairs = ", ".join(f"{n} rows of {table} → {parent}"
                              for (table, parent), n in sorted(broken.items()))
            raise RuntimeError(f"{step} would leave rows referring to missing rows "
                               f"({pairs}); it was rolled back.")
    return check


def _remove_stale_copies(connection: sa.Connection) -> None:
    """Drop the table copies a failed migration (run before this safeguard) left behind.

    A copy is dropped only when its table still exists; when it does not, the failure came
    after the table was dropped and the copy holds its rows: stop and say so.
    """
    tables = set(sa.inspect(connection).get_table_names())
    for copy in sorted(t for t in tables if t.startswith(BATCH_COPY_PREFIX)):
        table = copy.removeprefix(BATCH_COPY_PREFIX)
        if table not in tables:
            raise RuntimeError(
                f"Table {table} is missing and {copy}, left by a migration that failed, "
                f"holds its rows. Restore a backup (or rename {copy} back to {table}); "
                "nothing was migrated.")
        log.warning("Dropping %s, left behind by a migration that failed (%s is intact).",
                    copy, table)
        connection.execute(sa.text(f'DROP TABLE "{copy}"'))
    connection.commit()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
