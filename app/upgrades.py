"""`qibu db`: Flask-Migrate's commands, with an upgrade and a downgrade that check first.

Before any revision runs, the data key must decrypt a sample of the encrypted values
already stored: with the wrong key a data migration would write what no one can read (or,
as it once did, blank every name). A downgrade that drops tables holding rows, and any
downgrade to base, says what it drops and asks first (`--yes` to skip; without a terminal
it refuses). Each revision then runs in a transaction of its own (models/migrations/env.py).
Messages are in English: these are commands for whoever runs the server.
"""

import ast
import sys
from dataclasses import dataclass
from pathlib import Path

import click
import flask_migrate
import sqlalchemy as sa
from alembic.migration import MigrationContext
from alembic.script import Script, ScriptDirectory
from alembic.script.revision import RevisionError
from alembic.util import CommandError
from flask import current_app, g
from flask.cli import with_appcontext
from flask_migrate import cli as migrate_cli

from app.crypto import app_cipher
from models import Base, db
from models.db import EncryptedText
from models.protection import PREFIX, DataCipher

# encrypted by the app outside an EncryptedText column
ENCRYPTED_ELSEWHERE = {("staff_users", "totp_secret")}
# values per encrypted column tried before a migration
KEY_SAMPLE = 20


@dataclass
class MigrationPlan:
    """The revisions a command will run, in order, from the database's current heads."""

    heads: tuple[str, ...]
    revisions: list[Script]
    upgrading: bool

    @property
    def to_base(self) -> bool:
        return not self.upgrading and any(r.down_revision is None for r in self.revisions)


def plan_migration(connection: sa.Connection, directory: str, revision: str,
                   upgrading: bool) -> MigrationPlan | None:
    """The revisions `upgrade`/`downgrade REVISION` would run; None if Alembic cannot tell
    (it then refuses the command itself, with its own message)."""
    script = ScriptDirectory(directory)
    heads = MigrationContext.configure(connection).get_current_heads()
    try:
        if upgrading:
            revisions = list(reversed(list(
                script.iterate_revisions(revision, heads, implicit_base=True))))
        else:
            revisions = list(script.iterate_revisions(heads, revision,
                                                      select_for_downgrade=True))
    except (CommandError, RevisionError):
        return None
    return MigrationPlan(heads=tuple(heads), revisions=revisions, upgrading=upgrading)


def tables_dropped(revision: Script, upgrading: bool) -> list[str]:
    """The tables a revision's upgrade or downgrade drops (`op.drop_table('name')` calls)."""
    tree = ast.parse(Path(revision.path).read_text(encoding="utf-8"))
    wanted = "upgrade" if upgrading else "downgrade"
    dropped = []
    for node in tree.body:
        if not (isinstance(node, ast.FunctionDef) and node.name == wanted):
            continue
        for call in ast.walk(node):
            if (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)
                    and call.func.attr == "drop_table" and call.args
                    and isinstance(call.args[0], ast.Constant)):
                dropped.append(call.args[0].value)
    return dropped


def rows_removed(connection: sa.Connection, revision: Script) -> dict[str, int]:
    """Rows a revision's downgrade removes from tables it keeps: its module's
    ROWS_REMOVED_ON_DOWNGRADE ({table: condition}), counted now."""
    conditions = getattr(revision.module, "ROWS_REMOVED_ON_DOWNGRADE", {})
    present = set(sa.inspect(connection).get_table_names())
    return {name: connection.execute(sa.select(sa.func.count()).select_from(sa.table(name))
                                     .where(sa.text(condition))).scalar_one()
            for name, condition in conditions.items() if name in present}


def row_counts(connection: sa.Connection, tables) -> dict[str, int]:
    """Rows held by each of these tables that exists now."""
    present = set(sa.inspect(connection).get_table_names())
    return {name: connection.execute(sa.select(sa.func.count()).select_from(sa.table(name)))
            .scalar_one() for name in tables if name in present}


def encrypted_columns() -> set[tuple[str, str]]:
    """(table, column) of every value the app stores encrypted."""
    columns = {(column.table.name, column.name) for table in Base.metadata.tables.values()
               for column in table.columns if isinstance(column.type, EncryptedText)}
    return columns | ENCRYPTED_ELSEWHERE


def unreadable_sample(connection: sa.Connection, cipher: DataCipher,
                      sample: int = KEY_SAMPLE) -> dict[str, tuple[int, int]]:
    """Per encrypted column: (values the key cannot decrypt, values tried), where any fail."""
    inspector = sa.inspect(connection)
    present = set(inspector.get_table_names())
    failures = {}
    for table_name, column_name in sorted(encrypted_columns()):
        if table_name not in present or column_name not in {
                c["name"] for c in inspector.get_columns(table_name)}:
            continue
        column = sa.column(column_name, sa.String)
        values = connection.execute(
            sa.select(column).select_from(sa.table(table_name))
            .where(column.startswith(PREFIX, autoescape=True)).limit(sample)).scalars().all()
        bad = sum(1 for value in values if not cipher.can_decrypt(value))
        if bad:
            failures[f"{table_name}.{column_name}"] = (bad, len(values))
    return failures


def _key_refusal(failures: dict[str, tuple[int, int]]) -> str:
    where = "; ".join(f"{bad} of {tried} sampled values in {column}"
                      for column, (bad, tried) in failures.items())
    return ("The data key cannot decrypt the data already stored "
            f"({where}). Set QIBU_DATA_KEY (or, where none was ever set, QIBU_SECRET_KEY) to "
            "the key the database was written with. Nothing was changed.")


def _loss_warning(plan: MigrationPlan, target: str, losses: dict[str, int],
                  removed: dict[str, int] | None = None) -> str:
    rows = ", ".join(f"{name} ({n})" for name, n in sorted(losses.items()))
    if plan.to_base:
        held = f": {sum(losses.values())} rows, in {rows}" if losses else " (none holds rows)"
        lead = f"Downgrading to base drops every table of Qibu{held}."
    elif losses:
        lead = f"Downgrading to {target} drops tables that hold rows: {rows}."
    else:
        lead = f"Downgrading to {target} drops no table that holds rows."
    if removed and not plan.to_base:
        kept = ", ".join(f"{name} ({n})" for name, n in sorted(removed.items()))
        lead += (f" It also removes rows the older schema cannot hold, from: {kept}.")
    return lead + " They cannot be brought back except from a backup (`qibu backup FILE`)."


def _interactive() -> bool:
    return sys.stdin.isatty()


def check_before_migrating(directory: str, revision: str, upgrading: bool,
                           assume_yes: bool = False) -> MigrationPlan | None:
    """Refuse (click.ClickException) what would strand or empty the database unasked."""
    with db.engine.connect() as connection:
        plan = plan_migration(connection, directory, revision, upgrading)
        if plan is None or not plan.revisions:
            return plan
        failures = unreadable_sample(connection, app_cipher())
        if failures:
            raise click.ClickException(_key_refusal(failures))
        if upgrading:
            return plan
        dropped = [name for r in plan.revisions for name in tables_dropped(r, upgrading=False)]
        losses = {name: n for name, n in row_counts(connection, dropped).items() if n}
        removed: dict[str, int] = {}
        for r in plan.revisions:
            for name, n in rows_removed(connection, r).items():
                if n:
                    removed[name] = removed.get(name, 0) + n
    if not (plan.to_base or losses or removed):
        return plan
    target = plan.revisions[-1].down_revision or "base"
    warning = _loss_warning(plan, target, losses, removed)
    if assume_yes:
        click.echo(warning)
        return plan
    if not _interactive():
        raise click.ClickException(
            f"{warning} Nothing was changed: run it again with --yes to go ahead.")
    click.echo(warning)
    click.confirm("Go ahead?", default=False, abort=True)
    return plan


def _directory(directory: str | None) -> str:
    return str(directory or g.get("directory") or current_app.extensions["migrate"].directory)


db_group = click.Group(
    "db", callback=migrate_cli.db.callback, params=list(migrate_cli.db.params),
    help="Apply, revert and inspect the database migrations (Flask-Migrate's commands).")
for _name, _command in migrate_cli.db.commands.items():
    if _name not in ("upgrade", "downgrade"):
        db_group.add_command(_command, _name)


def _migration_options(function):
    for option in reversed([
        click.option("-d", "--directory", default=None,
                     help="Migration script directory (default: Qibu's own)."),
        click.option("--sql", is_flag=True,
                     help="Print the SQL instead of running it (nothing is checked)."),
        click.option("--tag", default=None, help="A tag for custom env.py scripts."),
        click.option("-x", "--x-arg", multiple=True,
                     help="Additional arguments consumed by custom env.py scripts."),
    ]):
        function = option(function)
    return function


@db_group.command("upgrade")
@_migration_options
@click.argument("revision", default="head")
@with_appcontext
def upgrade_command(directory, sql, tag, x_arg, revision):
    """Upgrade to a later revision (default: head), each revision in a transaction.

    Refuses, changing nothing, when the data key cannot decrypt the encrypted data.
    """
    directory = _directory(directory)
    if not sql:
        check_before_migrating(directory, revision, upgrading=True)
    flask_migrate.upgrade(directory, revision, sql, tag, x_arg or g.get("x_arg"))


@db_group.command("downgrade")
@_migration_options
@click.option("--yes", "assume_yes", is_flag=True,
              help="Drop tables that hold rows (or everything, for base) without asking.")
@click.argument("revision", default="-1")
@with_appcontext
def downgrade_command(directory, sql, tag, x_arg, assume_yes, revision):
    """Revert to an earlier revision (default: the one before), each in a transaction.

    Refuses, changing nothing, when the data key cannot decrypt the encrypted data. Asks
    before dropping tables that hold rows, and before any downgrade to base.
    """
    directory = _directory(directory)
    if not sql:
        check_before_migrating(directory, revision, upgrading=False, assume_yes=assume_yes)
    flask_migrate.downgrade(directory, revision, sql, tag, x_arg or g.get("x_arg"))
