"""The pages of a spreadsheet import, written once for every kind (surveys, openings).

`ImportPages` registers on a blueprint: the upload form (with a progress bar while a
large file is checked), the template download, the preview with its editable column
mapping, the progress poll, confirm, cancel and the rejected rows as XLSX. What differs
between kinds (who may import, what scope an import has, the audit names, the words on
the pages, the preview's row table) is given to it. The flow itself is
`app.imports.engine`.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, SubmitField

from app.audit import log_event
from app.auth.access import allow
from app.crypto import decrypt_bytes, encrypt_bytes
from app.i18n import locale_code
from app.imports.engine import (
    ImportFileError,
    ImportKind,
    ImportResult,
    ImportScope,
    MappingNeeded,
    confirm_import,
    detect_format,
    mapping_needed,
    message_text,
    preview_import,
)
from app.imports.headers import COLUMN_MESSAGES
from app.imports.mappings import recall_mapping, remember_mapping
from app.imports.store import ImportBusy, SharedProgress, UploadStore
from app.imports.workbooks import rejected_rows_workbook, template_workbook
from models import Role, db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PREVIEW_ROWS = 200  # rows of each kind listed on the preview page


@dataclass
class ImportWords:
    """What the pages of one kind say and log.

    ``event`` is the audit prefix ('survey' gives survey_import_previewed …) and
    ``written_event`` the event of a saved import ('surveys_imported'); ``sections``
    gives the preview's headings for rows to create and to update; ``saved`` the message
    after a confirm, from the counts.
    """

    event: str
    written_event: str
    sections: Callable[[], Mapping[str, str]]
    saved: Callable[[Mapping[str, int]], str]
    template_name: str


class SpreadsheetImportForm(FlaskForm):
    """Upload a spreadsheet; `token` names the upload so its progress can be shown."""

    file = FileField(
        _l("Spreadsheet (.xlsx or .csv)"),
        validators=[FileRequired(_l("Choose the file to import."))],
    )
    token = HiddenField(default=UploadStore.new_token)
    submit = SubmitField(_l("Upload and check"))


def store() -> UploadStore:
    """Uploads in the database, encrypted as it keeps personal data; the progress of a
    check or save in Redis when there is one (every host's page sees it), else in this
    host's instance folder with the confirm locks."""
    config = current_app.config
    shared = None
    if config["REDIS_URL"]:
        from app.jobs.live import _redis

        shared = SharedProgress(_redis(config["REDIS_URL"]), config["JOBS_QUEUE"],
                                int(config["IMPORT_KEEP_HOURS"] * 3600))
    return UploadStore(config["IMPORT_DIR"], keep_hours=config["IMPORT_KEEP_HOURS"],
                       encrypt=encrypt_bytes, decrypt=decrypt_bytes,
                       confirm_timeout=config["IMPORT_CONFIRM_TIMEOUT"],
                       shared_progress=shared)


def upload_limits() -> dict:
    return {"mb": current_app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024),
            "rows": f"{current_app.config['IMPORT_MAX_ROWS']:,}"}


def progress_label(state: Mapping[str, Any]) -> str:
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
        return _("Comparing with the records already in Qibu…")
    if stage == "writing":
        return _("Saving: %(done)s of %(total)s rows", done=done, total=total)
    if stage == "done":
        return _("Done.")
    if stage == "failed":
        return _("Nothing was saved.")
    return _("Reading the file…")


def mapping_from_form(form: Mapping[str, str], result: ImportResult) -> dict[int, str]:
    """The column mapping the preview's mapping form posts: ``col-<index>`` = column key
    (empty: not used), for each column of the file."""
    return {int(c): form.get(f"col-{c}", "").strip() for c in result.file_headers}


class ImportPages:
    """Register the import pages of `kind` on `bp` for `roles`.

    ``scope`` gives the current user's import scope, ``owner`` what ties an upload to
    its user (stored with it and checked on every later page), ``audit_target`` the
    object audit events of an import point at, ``written`` extra audit detail of a
    saved import and ``templates`` the upload and preview templates.
    """

    def __init__(self, bp: Blueprint, kind: ImportKind, roles: tuple[Role, ...], *,
                 words: ImportWords, templates: Mapping[str, str],
                 template_notes: Mapping[str, Any],
                 scope: Callable[[dict | None], ImportScope],
                 owner: Callable[[], dict],
                 audit_target: Callable[[ImportScope], Any],
                 written: Callable[[ImportResult], dict] = lambda result: {}):
        self.kind, self.words = kind, words
        self.templates, self.template_notes = templates, template_notes
        self.scope, self.owner = scope, owner
        self.audit_target, self.written = audit_target, written
        rule = allow(*roles)

        def guard(method):  # a plain function per view, carrying its access rule
            def view(**kwargs):
                return method(**kwargs)

            view.__name__ = view.__qualname__ = method.__name__
            view.__doc__ = method.__doc__
            return rule(view)

        bp.add_url_rule("/", "upload", guard(self.upload), methods=["GET", "POST"])
        bp.add_url_rule("/template.xlsx", "template", guard(self.template))
        bp.add_url_rule("/<token>", "preview", guard(self.preview))
        bp.add_url_rule("/<token>/mapping", "remap", guard(self.remap), methods=["POST"])
        bp.add_url_rule("/<token>/choices", "choose", guard(self.choose), methods=["POST"])
        bp.add_url_rule("/<token>/progress", "progress", guard(self.progress))
        bp.add_url_rule("/<token>/confirm", "confirm", guard(self.confirm), methods=["POST"])
        bp.add_url_rule("/<token>/cancel", "cancel", guard(self.cancel), methods=["POST"])
        bp.add_url_rule("/<token>/rejected.xlsx", "rejected", guard(self.rejected))

    # -- helpers ---------------------------------------------------------------------

    def log(self, what: str, scope: ImportScope, **detail) -> None:
        log_event(f"{self.words.event}_import_{what}", self.audit_target(scope),
                  actor=scope.user, **detail)

    def audit_written(self, result: ImportResult, scope: ImportScope, **detail) -> None:
        """One audit event for a saved import, with its counts."""
        log_event(self.words.written_event, self.audit_target(scope), actor=scope.user,
                  file=scope.label, **result.counts, **self.written(result), **detail)

    def own_upload(self, token: str) -> tuple[UploadStore, dict]:
        """The current user's stored upload; anyone else's, or an expired one, is a 404."""
        uploads = store()
        meta = uploads.meta(token) if uploads.valid_token(token) else None
        if meta is None or meta.get("kind") != self.kind.name or any(
                meta.get(key) != value for key, value in self.owner().items()):
            abort(404)
        return uploads, meta

    def check(self, uploads: UploadStore, token: str, data: bytes, meta: dict,
              mapping: Mapping[int, str] | None = None) -> ImportResult:
        """Check the upload and keep the result; a file whose required columns were
        not found keeps a result that asks the user for them (`needs_mapping`)."""
        def progress(stage, done, total):
            uploads.write_progress(token, stage, done, total)

        fmt = meta.get("format") or detect_format(data, meta["filename"])
        uploads.update_meta(token, format=fmt)
        try:
            result = preview_import(
                data, fmt, self.kind, self.scope(meta),
                max_rows=current_app.config["IMPORT_MAX_ROWS"], progress=progress,
                name=meta["filename"], mapping=mapping,
                recall=lambda layout: recall_mapping(current_user, self.kind.name, layout))
        except MappingNeeded as error:
            result = mapping_needed(self.kind, error, error.notices)
        uploads.save_result(token, result)
        uploads.write_progress(token, "done", result.rows, result.rows)
        return result

    def record_saved(self, result: ImportResult, scope: ImportScope) -> None:
        """Audit a saved import, and remember the columns the user set for its layout."""
        self.audit_written(result, scope)
        if result.mapping_source != "detected":
            remember_mapping(scope.user, self.kind.name, result.layout, result.mapping,
                             result.file_headers)

    # -- views -----------------------------------------------------------------------

    def upload(self):
        form = SpreadsheetImportForm()
        if form.validate_on_submit():
            uploads = store()
            token = form.token.data
            if not uploads.valid_token(token) or uploads.exists(token):
                token = uploads.new_token()
            filename = Path(form.file.data.filename or "").name[:200]
            meta = {**self.owner(), "filename": filename, "kind": self.kind.name}
            data = uploads.save(token, form.file.data.stream, meta)
            # kept before it is checked, so the progress poll finds whose upload it is
            db.session.commit()
            try:
                self.check(uploads, token, data, meta)
            except ImportFileError as error:
                uploads.delete(token)
                self.log("refused", self.scope(meta), file=filename, reason=error.key)
                db.session.commit()
                form.file.errors = [error.message()]
                return render_template(self.templates["upload"], form=form,
                                       limits=upload_limits()), 422
            db.session.commit()
            return redirect(url_for(".preview", token=token))
        return render_template(self.templates["upload"], form=form, limits=upload_limits())

    def template(self):
        data = template_workbook(self.kind.parser(), self.template_notes)
        return send_file(io.BytesIO(data), mimetype=XLSX, as_attachment=True,
                         download_name=self.words.template_name)

    def preview(self, token):
        uploads, meta = self.own_upload(token)
        result = uploads.load_result(token) or abort(404)
        self.log("previewed", self.scope(meta), file=meta["filename"], **result.counts)
        db.session.commit()
        return self.render_preview(token, meta, result,
                                   confirming=uploads.confirming(token) is not None)

    def render_preview(self, token: str, meta: dict, result: ImportResult,
                       mapping_error: str = "", status: int = 200, *, confirming: bool = False):
        parser = self.kind.parser()
        problems = sorted(result.problems, key=lambda p: p.row)
        sections = []
        for action, title in self.words.sections().items():
            rows = [row for row in result.planned if row.action == action]
            sections.append((action, title, rows[:PREVIEW_ROWS],
                             max(0, len(rows) - PREVIEW_ROWS)))
        needs_message = ""
        if result.needs_mapping:
            lang = "en" if locale_code() == "en" else "zh"
            names = {c.key: c.header[lang] for c in parser.columns}
            joined = (", " if lang == "en" else "、").join(
                names.get(key, key) for key in result.missing)
            needs_message = message_text("import.mapping_needed", {"columns": joined},
                                         COLUMN_MESSAGES)
        return render_template(
            self.templates["preview"], token=token, meta=meta, result=result,
            counts=result.counts, problems=problems[:PREVIEW_ROWS],
            more_problems=max(0, len(problems) - PREVIEW_ROWS), sections=sections,
            messages=parser.messages, columns=parser.columns, mapping_error=mapping_error,
            needs_message=needs_message, confirming=confirming,
        ), status

    def remap(self, token):
        """Check the upload again with the column mapping the user corrected."""
        uploads, meta = self.own_upload(token)
        previous = uploads.load_result(token) or abort(404)
        mapping = mapping_from_form(request.form, previous)
        try:
            result = self.check(uploads, token, uploads.upload(token), meta, mapping)
        except ImportFileError as error:
            uploads.save_result(token, previous)
            return self.render_preview(token, meta, previous, error.message(), 422)
        carry = getattr(self.kind, "carry_choices", None)
        if carry is not None and not result.needs_mapping:
            carry(previous, result)
            uploads.save_result(token, result)
        self.log("remapped", self.scope(meta), file=meta["filename"], mapping=result.mapping)
        db.session.commit()
        if result.needs_mapping:
            return self.render_preview(token, meta, result, status=422)
        flash(_("The file was checked again with the columns as you set them."), "info")
        return redirect(url_for(".preview", token=token))

    def choose(self, token):
        """Keep what the user chose on the preview for some rows (a posting's category,
        for one row or every row with its title) with the upload's result, until the
        import is confirmed. Only kinds that offer choices (``kind.choose``) have it."""
        uploads, meta = self.own_upload(token)
        result = uploads.load_result(token) or abort(404)
        choose = getattr(self.kind, "choose", None)
        if choose is None or result.needs_mapping:
            abort(404)
        if uploads.confirming(token) is not None:
            flash(_("This import is being saved already. Wait a moment, then reload the "
                    "page."), "info")
            return redirect(url_for(".preview", token=token))
        done, message = choose(result, request.form)
        if done:
            uploads.save_result(token, result)
            self.log("chosen", self.scope(meta), file=meta["filename"],
                     **{key: value for key, value in request.form.items()
                        if key != "csrf_token"})
            db.session.commit()
        flash(message, "success" if done else "error")
        return redirect(url_for(".preview", token=token))

    def progress(self, token):
        """How far the upload's check or save has got, for the page's progress bar."""
        uploads = store()
        if not uploads.valid_token(token):
            abort(404)
        meta = uploads.meta(token)
        if meta is None:  # the browser is still sending the file
            state = {"stage": "uploading", "done": 0, "total": 0}
        elif any(meta.get(key) != value for key, value in self.owner().items()):
            abort(404)
        else:
            state = uploads.progress(token)  # of a request on any host (Redis) or this one
            if state is None:
                stage = "done" if uploads.checked(token) else "reading"
                state = {"stage": stage, "done": 0, "total": 0}
        return {**state, "label": progress_label(state)}

    def confirm(self, token):
        uploads, meta = self.own_upload(token)
        preview_result = uploads.load_result(token) or abort(404)
        scope = self.scope(meta)

        def progress(stage, done, total):
            uploads.write_progress(token, stage, done, total)

        try:
            with uploads.lock(token):
                uploads.claim(token)
                result = confirm_import(preview_result, self.kind, scope, progress=progress)
                self.record_saved(result, scope)
                uploads.forget(token)  # saved once: a confirm on another host finds none
                db.session.commit()
        except ImportBusy:
            db.session.rollback()
            flash(_("This import is being saved already. Wait a moment, then reload the "
                    "page."), "info")
            return redirect(url_for(".preview", token=token))
        except sa.exc.SQLAlchemyError:
            db.session.rollback()
            current_app.logger.exception("%s import %s failed", self.kind.name, token)
            uploads.write_progress(token, "failed")
            self.log("failed", scope, file=meta["filename"])
            db.session.commit()
            flash(_("Nothing was imported: the database refused the changes. Try again; if "
                    "it happens again, tell the administrator."), "error")
            return redirect(url_for(".preview", token=token))
        uploads.delete_folder(token)
        flash(self.words.saved(result.counts), "success")
        return redirect(url_for(".upload"))

    def cancel(self, token):
        uploads, meta = self.own_upload(token)
        uploads.delete(token)
        self.log("cancelled", self.scope(meta), file=meta["filename"])
        db.session.commit()
        flash(_("The upload was deleted; nothing was imported."), "info")
        return redirect(url_for(".upload"))

    def rejected(self, token):
        uploads, meta = self.own_upload(token)
        result = uploads.load_result(token) or abort(404)
        if not result.problems:
            abort(404)
        data = rejected_rows_workbook(
            uploads.upload(token), meta["format"], result, self.kind.parser(),
            error_header=_("What to fix"), row_header=_("Row in the file"),
            sheet_title=_("Rejected rows"),
        )
        self.log("rejected_exported", self.scope(meta), file=meta["filename"],
                 rows=len(result.rejected_rows))
        db.session.commit()
        return send_file(io.BytesIO(data), mimetype=XLSX, as_attachment=True,
                         download_name="rejected-rows.xlsx")
