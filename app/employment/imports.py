"""Import job postings from a spreadsheet (a job board's export or an employer's own
list): template, upload, preview with the column mapping, confirm, and the
`qibu import-openings` command.

The flow is `app.services.importing` and its pages `app.import_pages`; the row parser is
`app.employment.importing`; planning and writing are `app.services.opening_import`.
"""


import click
from flask import Blueprint
from flask.cli import with_appcontext
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user

from app.audit import log_event
from app.employment.importing import TEMPLATE_NOTES
from app.import_pages import (
    ImportPages,
    ImportWords,
    cli_locale,
    import_command,
    parse_column_options,
    run_import_command,
)
from app.services.importing import ImportResult, ImportScope
from app.services.opening_import import OPENING_IMPORT
from models import Role

bp = Blueprint("employment_import", __name__, url_prefix="/employment/import")


def _written(result: ImportResult) -> dict:
    """What a saved import adds to its audit event: the parse shares and the employers
    it registered."""
    new = sorted({row.detail["new_employer"] for row in result.planned
                  if row.action == "create" and row.detail.get("new_employer")})
    return {"parsed": result.parsed, "new_employers": len(new)}


PAGES = ImportPages(
    bp, OPENING_IMPORT, (Role.EMPLOYMENT, Role.ADMIN),
    words=ImportWords(
        event="opening", written_event="openings_imported",
        sections=lambda: {"create": _("Openings to create"),
                          "update": _("Openings to update")},
        saved=lambda counts: _(
            "Import saved: %(created)s openings created, %(updated)s updated, %(unchanged)s "
            "unchanged; %(rejected)s rows rejected and not imported.", **counts),
        template_name="qibu-openings-template.xlsx",
    ),
    templates={"upload": "employment/import_upload.html",
               "preview": "employment/import_preview.html"},
    template_notes=TEMPLATE_NOTES,
    scope=lambda meta: ImportScope(None, current_user, (meta or {}).get("filename", "")),
    owner=lambda: {"user_id": current_user.id},
    audit_target=lambda scope: None,
    written=_written,
)


@import_command("import-openings")
@with_appcontext
@click.pass_context
def import_openings_command(ctx, file, dry_run, as_json, columns):
    """Import job postings from an XLSX or CSV FILE (a job board's export or your own).

    Prints what was created, updated, unchanged and rejected, with the row, column,
    value and a fix for every rejected row (rows outside Shanghai are rejected and
    listed), in English; QIBU_CLI_LANG=zh for Chinese. With --json: {"rows", "created",
    "updated", "unchanged", "rejected", "errors": [{"row", "column", "value",
    "message"}], "parsed": {"shanghai_rows", "salary", "district", "education",
    "experience", "headcount", …}} where each field counts the Shanghai rows in which it
    was understood (an unstated pay or headcount counts: it was read as unknown).

    Exit status: 0 when no row was rejected; 1 when some rows were rejected (the valid
    rows are still imported unless --dry-run); 2 when the file or the options cannot be
    used, or the database refused the changes (nothing is imported).
    """
    with force_locale(cli_locale()):
        scope = ImportScope(None, None, file.name)

        def audit(result: ImportResult) -> None:
            log_event("openings_imported" if not dry_run else "opening_import_previewed",
                      None, file=file.name, **result.counts, **_written(result), via="cli")

        run_import_command(
            ctx, file, OPENING_IMPORT, scope, dry_run=dry_run, as_json=as_json,
            mapping=parse_column_options(columns, OPENING_IMPORT, file), audit=audit,
            report_more=lambda result: {"parsed": result.parsed},
        )
