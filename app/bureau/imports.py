"""Import job-intention surveys from a spreadsheet: template, upload, preview, confirm.

The flow itself is `app.services.importing` and its pages `app.import_pages`; the survey
row parser is `surveys.importing`; planning and writing are `app.bureau.operations`.
This module joins them for the bureau pages and the `qibu import-surveys` command.
"""


import click
import sqlalchemy as sa
from flask import Blueprint
from flask.cli import with_appcontext
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user

from app.audit import log_event
from app.bureau import operations
from app.import_pages import (
    ImportPages,
    ImportWords,
    cli_locale,
    import_command,
    parse_column_options,
    run_import_command,
)
from app.services.importing import ImportResult, ImportScope
from models import Facility, Role, db
from surveys.importing import TEMPLATE_NOTES, SurveyReference, SurveyRowParser

bp = Blueprint("bureau_import", __name__, url_prefix="/bureau/import")


class SurveyImport:
    """Job-intention surveys as a kind of import (see `app.services.importing`)."""

    name = "surveys"

    def parser(self) -> SurveyRowParser:
        return SurveyRowParser(SurveyReference.from_database())

    def plan(self, rows, scope):
        return operations.plan_survey_import(rows, scope)

    def write(self, rows, scope, progress):
        operations.import_surveys(rows, scope, progress)


SURVEY_IMPORT = SurveyImport()


def _written_seekers(result: ImportResult) -> dict:
    """The seekers a saved import wrote, for its audit event."""
    return {"seekers": sorted({row.record["code"] for row in result.planned
                               if row.action in ("create", "update")}) if result.written
            else []}


def _facility(scope: ImportScope) -> Facility | None:
    return db.session.get(Facility, scope.facility_id)


def audit_import(action: str, result: ImportResult, scope: ImportScope, **detail) -> None:
    """Log one audit event for an import, naming the seekers it wrote."""
    log_event(action, _facility(scope), actor=scope.user, file=scope.label, **result.counts,
              **_written_seekers(result), **detail)


PAGES = ImportPages(
    bp, SURVEY_IMPORT, (Role.BUREAU,),
    words=ImportWords(
        event="survey", written_event="surveys_imported",
        sections=lambda: {"create": _("Surveys to create"), "update": _("Surveys to update")},
        saved=lambda counts: _(
            "Import saved: %(created)s surveys created, %(updated)s updated, %(unchanged)s "
            "unchanged; %(rejected)s rows rejected and not imported.", **counts),
        template_name="qibu-survey-template.xlsx",
    ),
    templates={"upload": "bureau/import_upload.html", "preview": "bureau/import_preview.html"},
    template_notes=TEMPLATE_NOTES,
    scope=lambda meta: ImportScope(current_user.facility_id, current_user,
                                   (meta or {}).get("filename", "")),
    owner=lambda: {"user_id": current_user.id, "facility_id": current_user.facility_id},
    audit_target=_facility,
    written=_written_seekers,
)


# --------------------------------------------------------------------------- command line


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
        run_import_command(
            ctx, file, SURVEY_IMPORT, scope, dry_run=dry_run, as_json=as_json,
            mapping=parse_column_options(columns, SURVEY_IMPORT, file),
            audit=lambda result: audit_import(
                "surveys_imported" if not dry_run else "survey_import_previewed",
                result, scope, via="cli"),
        )
