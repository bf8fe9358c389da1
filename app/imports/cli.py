"""What every `qibu import-*` command shares: its options, its language and its report."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import force_locale
from flask_babel import gettext as _

from app.audit import log_event
from app.imports import openings, surveys
from app.imports.engine import (
    ImportFileError,
    ImportKind,
    ImportResult,
    ImportScope,
    MappingNeeded,
    detect_format,
    import_file,
    read_frames,
)
from app.imports.headers import find_header_row
from app.labels import category_name
from models import Facility, db


def import_command(name: str):
    """The options every import command shares: FILE, --dry-run, --json, --column."""
    def decorate(function):
        for option in reversed((
            click.command(name),
            click.argument("file", type=click.Path(exists=True, dir_okay=False,
                                                   path_type=Path)),
            click.option("--dry-run", is_flag=True,
                         help="Check and report only; write nothing."),
            click.option("--json", "as_json", is_flag=True, help="Print the report as JSON."),
            click.option("--column", "columns", multiple=True, metavar="HEADER=KEY",
                         help="Read the file's column HEADER as KEY (repeatable; KEY "
                              "empty: ignore)."),
        )):
            function = option(function)
        return function
    return decorate


def cli_locale() -> str:
    """The command line's language: English, or Chinese with QIBU_CLI_LANG=zh."""
    return "zh_CN" if os.environ.get("QIBU_CLI_LANG", "").lower().startswith("zh") else "en"


def run_import_command(ctx, path: Path, kind: ImportKind, scope: ImportScope, *,
                       dry_run: bool, as_json: bool,
                       audit: Callable[[ImportResult], None],
                       mapping: Mapping[int, str] | None = None,
                       report_more: Callable[[ImportResult], dict] = lambda result: {},
                       more_lines: Callable[[ImportResult], list[str]] = lambda result: [],
                       ) -> None:
    """Import (or with `dry_run` check) a file from the command line and print the report.

    Exit status: 0 when no row was rejected; 1 when some rows were rejected (the valid
    rows are still imported unless `dry_run`); 2 when the file cannot be used or the
    database refused the changes (nothing is imported).
    """
    try:
        result = import_file(path, kind, scope, dry_run=dry_run, mapping=mapping,
                             max_rows=current_app.config["IMPORT_MAX_ROWS"])
        audit(result)
        db.session.commit()
    except MappingNeeded as error:
        db.session.rollback()
        click.echo(error.command_line_message(kind.parser().columns), err=True)
        ctx.exit(2)
    except ImportFileError as error:
        db.session.rollback()
        click.echo(error.message(), err=True)
        ctx.exit(2)
    except sa.exc.SQLAlchemyError as error:
        db.session.rollback()
        click.echo(_("Nothing was imported: the database refused the changes (%(error)s).",
                     error=type(error).__name__), err=True)
        ctx.exit(2)
    report = {**result.report(kind.parser().messages), **report_more(result)}
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        click.echo(_("%(rows)s rows: %(created)s created, %(updated)s updated, "
                     "%(unchanged)s unchanged, %(rejected)s rejected.", **report))
        if dry_run:
            click.echo(_("Dry run: nothing was written."))
        for notice in report["notices"]:
            click.echo(_("Note: %(notice)s", notice=notice))
        for line in more_lines(result):
            click.echo(line)
        for error in report["errors"]:
            click.echo(_("Row %(row)s, %(column)s “%(value)s”: %(message)s", **error))
    ctx.exit(0 if report["rejected"] == 0 else 1)


def parse_column_options(values: tuple[str, ...], kind: ImportKind,
                         path: Path) -> dict[int, str] | None:
    """``--column HEADER=KEY`` options as a mapping by column index of the file.

    Raises
    ------
    click.UsageError
        When a header is not in the file or a key is not a column of the kind.
    """
    if not values:
        return None
    data = path.read_bytes()
    try:
        frames = read_frames(data, detect_format(data, path.name), path.name)
    except ImportFileError:
        return None  # the import reports why the file cannot be read
    parser = kind.parser()
    keys = {column.key for column in parser.columns}
    try:
        headers = find_header_row(frames, parser.columns).file_headers
    except ImportFileError:
        return None  # the import reports why the file cannot be read
    by_header = {text: c for c, text in headers.items()}
    mapping: dict[int, str] = {}
    for value in values:
        header, _sep, key = value.partition("=")
        if header not in by_header or (key and key not in keys):
            raise click.UsageError(_(
                "--column %(value)s: write a header of the file, “=”, and one of %(keys)s "
                "(nothing after “=” leaves the column out).",
                value=value, keys=", ".join(sorted(keys))))
        mapping[by_header[header]] = key
    return mapping


# --------------------------------------------------------------------------- the commands


@import_command("import-surveys")
@click.option("--facility", "facility_code", required=True, help="Code of the facility.")
@with_appcontext
@click.pass_context
def import_surveys_command(ctx, file, facility_code, dry_run, as_json, columns):
    """Import job-intention surveys from an XLSX or CSV FILE into a facility.

    Prints what was created, updated, unchanged and rejected, with the row, column,
    value and a fix for every rejected row (in English; QIBU_CLI_LANG=zh for Chinese).
    With --json: {"rows", "created", "updated", "unchanged", "rejected", "errors":
    [{"row", "column", "value", "message"}]}.

    Exit status: 0 when no row was rejected; 1 when some rows were rejected (the valid
    rows are still imported unless --dry-run); 2 when the file or the options cannot be
    used, or the database refused the changes (nothing is imported).
    """
    with force_locale(cli_locale()):
        facility = db.session.scalar(sa.select(Facility).where(Facility.code == facility_code))
        if facility is None:
            raise click.UsageError(_("There is no facility with the code %(code)s.",
                                     code=facility_code))
        scope = ImportScope(facility.id, None, file.name)

        def audit(result: ImportResult) -> None:
            log_event("surveys_imported" if not dry_run else "survey_import_previewed",
                      facility, file=file.name, **result.counts,
                      **surveys.written_detail(result), via="cli")

        run_import_command(
            ctx, file, surveys.SURVEY_IMPORT, scope, dry_run=dry_run, as_json=as_json,
            mapping=parse_column_options(columns, surveys.SURVEY_IMPORT, file), audit=audit,
        )


@import_command("import-openings")
@click.option("--accept-suggestions", is_flag=True,
              help="Apply the categories suggested from the job titles even when the "
                   "classifier is unsure, instead of leaving them to confirm.")
@with_appcontext
@click.pass_context
def import_openings_command(ctx, file, dry_run, as_json, columns, accept_suggestions):
    """Import job postings from an XLSX or CSV FILE (a job board's export or your own).

    A row without a category gets the one suggested from its job title. When the
    classifier is less sure than its confirmation threshold, the opening is saved with
    its category to confirm: it is listed under "Category to confirm" for employment
    staff and shown to no job seeker until they confirm it. The report lists those rows
    ("to_confirm" in --json); --accept-suggestions applies the suggestions instead.

    Prints what was created, updated, unchanged and rejected, with the row, column,
    value and a fix for every rejected row (rows outside Shanghai are rejected and
    listed), in English; QIBU_CLI_LANG=zh for Chinese. With --json: {"rows", "created",
    "updated", "unchanged", "rejected", "errors": [{"row", "column", "value",
    "message"}], "parsed": {"shanghai_rows", "salary", "district", "education",
    "experience", "headcount", …}, "to_confirm": [{"row", "title", "suggested" (a
    category code), "suggested_name", "confidence"}]} where each field of "parsed"
    counts the Shanghai rows in which it was understood (an unstated pay or headcount
    counts: it was read as unknown).

    Exit status: 0 when no row was rejected; 1 when some rows were rejected (the valid
    rows are still imported unless --dry-run); 2 when the file or the options cannot be
    used, or the database refused the changes (nothing is imported).
    """
    with force_locale(cli_locale()):
        scope = ImportScope(None, None, file.name)

        def audit(result: ImportResult) -> None:
            log_event("openings_imported" if not dry_run else "opening_import_previewed",
                      None, file=file.name, **result.counts,
                      **openings.written_detail(result), via="cli")

        kind = openings.OpeningImport(accept_suggestions=accept_suggestions)
        run_import_command(
            ctx, file, kind, scope, dry_run=dry_run, as_json=as_json,
            mapping=parse_column_options(columns, kind, file), audit=audit,
            report_more=lambda result: {"parsed": result.parsed,
                                        "to_confirm": categories_to_confirm(result)},
            more_lines=category_lines,
        )


def categories_to_confirm(result: ImportResult) -> list[dict]:
    """The rows saved (or, in a dry run, to save) with their category to confirm."""
    return [{"row": row.row, "title": row.record["title"],
             "suggested": row.detail["category"],
             "suggested_name": category_name(row.detail["category"]),
             "confidence": row.detail.get("confidence")}
            for row in result.planned
            if row.action in ("create", "update") and row.detail.get("to_confirm")]


def category_lines(result: ImportResult) -> list[str]:
    """The report's lines on categories to confirm."""
    rows = categories_to_confirm(result)
    if not rows:
        return []
    lines = [_("%(n)s openings have their category to confirm: the title classifier is "
               "unsure, so they are shown to no job seeker until employment staff confirm "
               "the category (Category to confirm), or import again with "
               "--accept-suggestions.", n=len(rows))]
    for row in rows:
        confidence = row["confidence"]
        lines.append(_("Row %(row)s “%(title)s”: suggested %(category)s, %(pct)s%% sure.",
                       row=row["row"], title=row["title"], category=row["suggested_name"],
                       pct=round(100 * confidence) if confidence is not None else "?"))
    return lines
