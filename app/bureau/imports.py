"""Import job-intention surveys from a spreadsheet: template, upload, preview, confirm.

The flow itself is `app.services.importing`; the survey row parser is
`surveys.importing`; planning and writing are `app.bureau.operations`. This module joins
them for the bureau pages and the `qibu import-surveys` command.
"""

import io
import json
import os
from pathlib import Path

import click
import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    send_file,
    url_for,
)
from flask.cli import with_appcontext
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user

from app.audit import log_event
from app.auth.access import allow
from app.bureau import operations
from app.bureau.forms import SurveyImportForm
from app.crypto import decrypt_bytes, encrypt_bytes
from app.services.importing import (
    ImportBusy,
    ImportFileError,
    ImportResult,
    ImportScope,
    UploadStore,
    confirm_import,
    detect_format,
    import_file,
    preview_import,
    rejected_rows_workbook,
    template_workbook,
)
from models import Facility, Role, db
from surveys.importing import SURVEY_MESSAGES, TEMPLATE_NOTES, SurveyReference, SurveyRowParser

bp = Blueprint("bureau_import", __name__, url_prefix="/bureau/import")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PREVIEW_ROWS = 200  # rows of each kind listed on the preview page


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


def audit_import(action: str, result: ImportResult, scope: ImportScope, **detail) -> None:
    """Log one audit event for an import, naming the seekers it wrote."""
    written = sorted({row.record["code"] for row in result.planned
                      if row.action in ("create", "update")}) if result.written else []
    log_event(action, db.session.get(Facility, scope.facility_id), actor=scope.user,
              file=scope.label, **result.counts, seekers=written, **detail)


# --------------------------------------------------------------------------- web


def _store() -> UploadStore:
    config = current_app.config
    return UploadStore(config["IMPORT_DIR"], keep_hours=config["IMPORT_KEEP_HOURS"],
                       encrypt=encrypt_bytes, decrypt=decrypt_bytes)


def _own_upload(token: str) -> tuple[UploadStore, dict]:
    """The current user's stored upload; anyone else's, or an expired one, is a 404."""
    store = _store()
    meta = store.meta(token) if store.valid_token(token) else None
    if (meta is None or meta.get("user_id") != current_user.id
            or meta.get("facility_id") != current_user.facility_id):
        abort(404)
    return store, meta


def _scope(meta: dict | None = None) -> ImportScope:
    return ImportScope(current_user.facility_id, current_user,
                       (meta or {}).get("filename", ""))


@bp.route("/", methods=["GET", "POST"])
@allow(Role.BUREAU)
def upload():
    form = SurveyImportForm()
    if form.validate_on_submit():
        store = _store()
        token = form.token.data
        if not store.valid_token(token) or store.folder(token).exists():
            token = store.new_token()
        filename = Path(form.file.data.filename or "").name[:200]
        meta = {"user_id": current_user.id, "facility_id": current_user.facility_id,
                "filename": filename, "kind": SURVEY_IMPORT.name}
        data = store.save(token, form.file.data.stream, meta)

        def progress(stage, done, total):
            store.write_progress(token, stage, done, total)

        try:
            fmt = detect_format(data, filename)
            store.update_meta(token, format=fmt)
            result = preview_import(data, fmt, SURVEY_IMPORT, _scope(meta),
                                    max_rows=current_app.config["IMPORT_MAX_ROWS"],
                                    progress=progress, name=filename)
        except ImportFileError as error:
            store.delete(token)
            log_event("survey_import_refused", current_user.facility, file=filename,
                      reason=error.key)
            db.session.commit()
            form.file.errors = [error.message()]
            return render_template("bureau/import_upload.html", form=form,
                                   limits=_limits()), 422
        store.save_result(token, result)
        store.write_progress(token, "done", result.rows, result.rows)
        return redirect(url_for(".preview", token=token))
    return render_template("bureau/import_upload.html", form=form, limits=_limits())


def _limits() -> dict:
    return {"mb": current_app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024),
            "rows": f"{current_app.config['IMPORT_MAX_ROWS']:,}"}


@bp.get("/template.xlsx")
@allow(Role.BUREAU)
def template():
    data = template_workbook(SURVEY_IMPORT.parser(), TEMPLATE_NOTES)
    return send_file(io.BytesIO(data), mimetype=XLSX, as_attachment=True,
                     download_name="qibu-survey-template.xlsx")


@bp.get("/<token>")
@allow(Role.BUREAU)
def preview(token):
    store, meta = _own_upload(token)
    result = store.load_result(token) or abort(404)
    log_event("survey_import_previewed", current_user.facility, file=meta["filename"],
              **result.counts)
    db.session.commit()
    problems = sorted(result.problems, key=lambda p: p.row)
    sections = []
    for action, title in (("create", _("Surveys to create")), ("update", _("Surveys to update"))):
        rows = [row for row in result.planned if row.action == action]
        sections.append((action, title, rows[:PREVIEW_ROWS], max(0, len(rows) - PREVIEW_ROWS)))
    return render_template(
        "bureau/import_preview.html", token=token, meta=meta, result=result,
        counts=result.counts, problems=problems[:PREVIEW_ROWS],
        more_problems=max(0, len(problems) - PREVIEW_ROWS), sections=sections,
        new_seekers=sum(1 for row in result.planned if row.detail.get("new_seeker")),
        messages=SURVEY_MESSAGES,
    )


def _progress_label(state: dict) -> str:
    """The words under the progress bar for a stage of the import."""
    stage = state["stage"]
    done, total = format(state["done"], ","), format(state["total"], ",")
    if stage == "uploading":
        return _("Uploading the file…")
    if stage == "reading" and state["total"]:
        return _("Reading the file: row %(done)s of %(total)s", done=done, total=total)
    if stage == "checking":
        return _("Checking rows: %(done)s of %(total)s", done=done, total=total)
    if stage == "planning":
        return _("Comparing with the surveys already recorded…")
    if stage == "writing":
        return _("Saving: %(done)s of %(total)s rows", done=done, total=total)
    if stage == "done":
        return _("Done.")
    if stage == "failed":
        return _("Nothing was saved.")
    return _("Reading the file…")


@bp.get("/<token>/progress")
@allow(Role.BUREAU)
def progress(token):
    """How far the upload's check or save has got, for the page's progress bar."""
    store = _store()
    if not store.valid_token(token):
        abort(404)
    meta = store.meta(token)
    if meta is None:  # the browser is still sending the file
        state = {"stage": "uploading", "done": 0, "total": 0}
    elif meta.get("user_id") != current_user.id:
        abort(404)
    else:
        state = store.progress(token) or {"stage": "reading", "done": 0, "total": 0}
    return {**state, "label": _progress_label(state)}


@bp.post("/<token>/confirm")
@allow(Role.BUREAU)
def confirm(token):
    store, meta = _own_upload(token)
    preview_result = store.load_result(token) or abort(404)
    scope = _scope(meta)

    def progress(stage, done, total):
        store.write_progress(token, stage, done, total)

    try:
        with store.lock(token):
            result = confirm_import(preview_result, SURVEY_IMPORT, scope, progress=progress)
            audit_import("surveys_imported", result, scope)
            db.session.commit()
    except ImportBusy:
        flash(_("This import is being saved already. Wait a moment, then reload the page."),
              "info")
        return redirect(url_for(".preview", token=token))
    except sa.exc.SQLAlchemyError:
        db.session.rollback()
        current_app.logger.exception("survey import %s failed", token)
        store.write_progress(token, "failed")
        log_event("survey_import_failed", current_user.facility, file=meta["filename"])
        db.session.commit()
        flash(_("Nothing was imported: the database refused the changes. Try again; if it "
                "happens again, tell the administrator."), "error")
        return redirect(url_for(".preview", token=token))
    store.delete(token)
    counts = result.counts
    flash(_("Import saved: %(created)s surveys created, %(updated)s updated, %(unchanged)s "
            "unchanged; %(rejected)s rows rejected and not imported.", **counts), "success")
    return redirect(url_for(".upload"))


@bp.post("/<token>/cancel")
@allow(Role.BUREAU)
def cancel(token):
    store, meta = _own_upload(token)
    store.delete(token)
    log_event("survey_import_cancelled", current_user.facility, file=meta["filename"])
    db.session.commit()
    flash(_("The upload was deleted; nothing was imported."), "info")
    return redirect(url_for(".upload"))


@bp.get("/<token>/rejected.xlsx")
@allow(Role.BUREAU)
def rejected(token):
    store, meta = _own_upload(token)
    result = store.load_result(token) or abort(404)
    if not result.problems:
        abort(404)
    data = rejected_rows_workbook(
        store.upload(token), meta["format"], result, SURVEY_IMPORT.parser(),
        error_header=_("What to fix"), row_header=_("Row in the file"),
        sheet_title=_("Rejected rows"),
    )
    log_event("survey_import_rejected_exported", current_user.facility, file=meta["filename"],
              rows=len(result.rejected_rows))
    db.session.commit()
    return send_file(io.BytesIO(data), mimetype=XLSX, as_attachment=True,
                     download_name="rejected-rows.xlsx")


# --------------------------------------------------------------------------- command line


@click.command("import-surveys")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--facility", "facility_code", required=True, help="Code of the facility.")
@click.option("--dry-run", is_flag=True, help="Check and report only; write nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@with_appcontext
@click.pass_context
def import_surveys_command(ctx, file, facility_code, dry_run, as_json):
    """Import job-intention surveys from an XLSX or CSV FILE into a facility.

    Prints what was created, updated, unchanged and rejected, with the row, column,
    value and a fix for every rejected row (in English; QIBU_CLI_LANG=zh for Chinese).
    With --json: {"rows", "created", "updated", "unchanged", "rejected", "errors":
    [{"row", "column", "value", "message"}]}.

    Exit status: 0 when no row was rejected; 1 when some rows were rejected (the valid
    rows are still imported unless --dry-run); 2 when the file or the options cannot be
    used, or the database refused the changes (nothing is imported).
    """
    locale = "zh_CN" if os.environ.get("QIBU_CLI_LANG", "").lower().startswith("zh") else "en"
    with force_locale(locale):
        facility = db.session.scalar(sa.select(Facility).where(Facility.code == facility_code))
        if facility is None:
            raise click.UsageError(_("There is no facility with the code %(code)s.",
                                     code=facility_code))
        scope = ImportScope(facility.id, None, file.name)
        try:
            result = import_file(file, SURVEY_IMPORT, scope, dry_run=dry_run,
                                 max_rows=current_app.config["IMPORT_MAX_ROWS"])
            audit_import("surveys_imported" if not dry_run else "survey_import_previewed",
                         result, scope, via="cli")
            db.session.commit()
        except ImportFileError as error:
            db.session.rollback()
            click.echo(error.message(), err=True)
            ctx.exit(2)
        except sa.exc.SQLAlchemyError as error:
            db.session.rollback()
            click.echo(_("Nothing was imported: the database refused the changes (%(error)s).",
                         error=type(error).__name__), err=True)
            ctx.exit(2)
        report = result.report(SURVEY_MESSAGES)
        if as_json:
            click.echo(json.dumps(report, ensure_ascii=False, indent=2))
        else:
            click.echo(_("%(rows)s rows: %(created)s created, %(updated)s updated, "
                         "%(unchanged)s unchanged, %(rejected)s rejected.", **report))
            if dry_run:
                click.echo(_("Dry run: nothing was written."))
            for error in report["errors"]:
                click.echo(_("Row %(row)s, %(column)s “%(value)s”: %(message)s", **error))
    ctx.exit(0 if report["rejected"] == 0 else 1)
