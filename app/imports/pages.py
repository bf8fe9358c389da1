"""The pages of a spreadsheet import, written once for every kind (surveys, openings).

`ImportPages` registers on a blueprint: the upload form (with a progress bar while a
large file is checked), the template download, the preview with its editable column
mapping, the progress poll, confirm, cancel and the rejected rows as XLSX. What differs
between kinds (who may import, what scope an import has, the audit names, the words on
the pages, the preview's row table) is given to it. The flow itself is
`app.imports.engine`.

Checking an upload (and checking it again with corrected columns) and saving it are jobs
(`app.imports.jobs`): on the queue with Redis, in a thread of this process without, in
the request itself with JOBS_SYNC. A page that starts one goes on to the job's page, which
follows the progress and goes on to the preview (a check) or shows what was saved; when
the job has already finished (JOBS_SYNC) the page answers as the job's outcome says.
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
from app.jobs import JobFailed, enqueue_job, is_under_way, report_progress
from models import Job, JobState, Role, StaffUser, db
from models.jobs import N_

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PREVIEW_ROWS = 200  # rows of each kind listed on the preview page
BUSY = N_("This import is being saved already. Wait a moment, then reload the page.")
REFUSED = N_("Nothing was imported: the database refused the changes. Try again; if it "
             "happens again, tell the administrator.")
GONE = N_("This upload is no longer kept: it was saved, deleted, or kept longer than a day. "
          "Upload the file again.")

# the import pages of each kind by its name, for the jobs that check and save uploads
IMPORT_PAGES: dict[str, ImportPages] = {}

# how far a check or save has got, as a job's percentage and words (msgids)
JOB_STAGES = {
    "reading": (0, 40, N_("Reading the file")),
    "checking": (40, 90, N_("Checking rows")),
    "planning": (90, 99, N_("Comparing with the records already in Qibu")),
    "writing": (0, 99, N_("Saving rows")),
}


@dataclass
class ImportWords:
    """What the pages of one kind say and log.

    ``event`` is the audit prefix ('survey' gives survey_import_previewed …) and
    ``written_event`` the event of a saved import ('surveys_imported'); ``sections``
    gives the preview's headings for rows to create and to update; ``saved`` the message
    after a confirm (a msgid filled with the counts, translated where it is shown: the
    confirm runs as a job).
    """

    event: str
    written_event: str
    sections: Callable[[], Mapping[str, str]]
    saved: str
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

    ``scope`` gives an import's scope for the user who uploaded it and the upload's
    metadata, ``owner`` what ties an upload to the signed-in user (stored with it and
    checked on every later page), ``audit_target`` the object audit events of an import
    point at, ``written`` extra audit detail of a saved import and ``templates`` the
    upload and preview templates.
    """

    def __init__(self, bp: Blueprint, kind: ImportKind, roles: tuple[Role, ...], *,
                 words: ImportWords, templates: Mapping[str, str],
                 template_notes: Mapping[str, Any],
                 scope: Callable[[StaffUser, dict | None], ImportScope],
                 owner: Callable[[], dict],
                 audit_target: Callable[[ImportScope], Any],
                 written: Callable[[ImportResult], dict] = lambda result: {}):
        self.kind, self.words = kind, words
        self.templates, self.template_notes = templates, template_notes
        self.scope, self.owner = scope, owner
        self.audit_target, self.written = audit_target, written
        self.blueprint = bp.name
        IMPORT_PAGES[kind.name] = self
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

    def endpoint(self, name: str) -> dict:
        """A page of this kind's imports, as a job's result names it."""
        return {"endpoint": f"{self.blueprint}.{name}", "values": {}}

    def check(self, uploads: UploadStore, token: str, data: bytes, meta: dict,
              user: StaffUser, mapping: Mapping[int, str] | None = None,
              job: Job | None = None) -> ImportResult:
        """Check the upload and keep the result; a file whose required columns were
        not found keeps a result that asks the user for them (`needs_mapping`)."""
        fmt = meta.get("format") or detect_format(data, meta["filename"])
        uploads.update_meta(token, format=fmt)
        try:
            result = preview_import(
                data, fmt, self.kind, self.scope(user, meta),
                max_rows=current_app.config["IMPORT_MAX_ROWS"],
                progress=_progress(uploads, token, job),
                name=meta["filename"], mapping=mapping,
                recall=lambda layout: recall_mapping(user, self.kind.name, layout))
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

    # -- the jobs (app/imports/jobs.py) ----------------------------------------------

    def run_check(self, job: Job, token: str, mapping: dict | None = None) -> dict:
        """Check an upload (again, with `mapping`: the columns the user set) as job `job`.

        A file that cannot be imported at all is refused: its contents are dropped and
        the reason kept for the page that shows it (`refused`); a new mapping the file
        cannot take keeps the earlier check and the reason (`check_error`)."""
        uploads = store()
        meta = uploads.meta(token)
        if meta is None:
            raise JobFailed(GONE)
        user = job.started_by
        previous = uploads.load_result(token) if mapping is not None else None
        columns = None if mapping is None else {int(c): key for c, key in mapping.items()}
        uploads.update_meta(token, check_error=None)
        try:
            result = self.check(uploads, token, uploads.upload(token), meta, user, columns,
                                job)
        except ImportFileError as error:
            reason = {"key": error.key, "params": error.params}
            if previous is None:
                uploads.refuse(token, reason)
                self.log("refused", self.scope(user, meta), file=meta["filename"],
                         reason=error.key)
            else:
                uploads.update_meta(token, check_error=reason)
            uploads.write_progress(token, "failed")
            return self.checked_result(token)
        carry = getattr(self.kind, "carry_choices", None)
        if previous is not None:
            if carry is not None and not result.needs_mapping:
                carry(previous, result)
                uploads.save_result(token, result)
            self.log("remapped", self.scope(user, meta), file=meta["filename"],
                     mapping=result.mapping)
        return self.checked_result(token)

    def checked_result(self, token: str) -> dict:
        return {"url": {"endpoint": f"{self.blueprint}.preview", "values": {"token": token}},
                "follow": True}

    def run_confirm(self, job: Job, token: str) -> dict:
        """Save a checked upload as job `job`: every row or none, once however many
        confirms are sent (the upload's row is claimed and deleted in the job's
        transaction; a confirm that finds it held or gone saves nothing)."""
        uploads = store()
        meta = uploads.meta(token)
        preview_result = uploads.load_result(token) if meta is not None else None
        if preview_result is None:
            raise JobFailed(GONE)
        scope = self.scope(job.started_by, meta)
        try:
            with uploads.lock(token):
                uploads.claim(token)
                result = confirm_import(preview_result, self.kind, scope,
                                        progress=_progress(uploads, token, job))
                self.record_saved(result, scope)
                uploads.forget(token)  # saved once: a confirm on another host finds none
                db.session.flush()
        except ImportBusy:
            raise JobFailed(BUSY) from None
        except sa.exc.SQLAlchemyError:
            current_app.logger.exception("%s import %s failed", self.kind.name, token)

            def record_failure():
                uploads.write_progress(token, "failed")
                self.log("failed", self.scope(job.started_by, meta), file=meta["filename"])

            raise JobFailed(REFUSED, after=record_failure) from None
        uploads.delete_folder(token)
        return {"url": self.endpoint("upload"), "notice": [self.words.saved, result.counts]}

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
            uploads.save(token, form.file.data.stream, meta)
            # kept before it is checked, so the progress poll finds whose upload it is
            job = enqueue_job(
                "import_check", current_user, import_kind=self.kind.name, token=token,
                recorded=lambda job: uploads.update_meta(token, check_job=job.id))
            if not job.finished:
                return redirect(url_for("jobs.job", job_id=job.id))
            refused = (uploads.meta(token) or {}).get("refused")
            if refused:  # checked here and then (JOBS_SYNC): say why on the upload page
                return self.refused_page(uploads, token, refused, form)
            return self.after_job(uploads, job, token)
        return render_template(self.templates["upload"], form=form, limits=upload_limits())

    def refused_page(self, uploads: UploadStore, token: str, refused: dict,
                     form: SpreadsheetImportForm | None = None):
        """The upload page saying why the file cannot be imported at all; the upload (its
        reason only, by now) is done with once said."""
        uploads.delete(token)
        db.session.commit()
        form = form or SpreadsheetImportForm()
        form.file.errors = [ImportFileError(refused["key"], **refused["params"]).message()]
        return render_template(self.templates["upload"], form=form,
                               limits=upload_limits()), 422

    def after_job(self, uploads: UploadStore, job: Job, token: str):
        """Where a page goes once the job it started has finished right away (JOBS_SYNC):
        on, as the job's result says, or back to the preview with what went wrong."""
        if job.state is JobState.DONE:
            notice = (job.result or {}).get("notice")
            if notice:
                flash(_(notice[0], **notice[1]), "success")
            url = job.result["url"]
            return redirect(url_for(url["endpoint"], **url["values"]))
        if job.state is JobState.FAILED:
            flash(_(job.error, **(job.error_params or {})), "error")
        if uploads.meta(token) is None:
            return redirect(url_for(".upload"))
        return redirect(url_for(".preview", token=token))

    def template(self):
        data = template_workbook(self.kind.parser(), self.template_notes)
        return send_file(io.BytesIO(data), mimetype=XLSX, as_attachment=True,
                         download_name=self.words.template_name)

    def preview(self, token):
        uploads, meta = self.own_upload(token)
        if meta.get("refused"):  # the check found the file cannot be imported at all
            return self.refused_page(uploads, token, meta["refused"])
        result = uploads.load_result(token)
        if result is None:  # still being checked: the job's page shows how far
            job = db.session.get(Job, meta["check_job"]) if meta.get("check_job") else None
            if job is None:
                abort(404)
            return redirect(url_for("jobs.job", job_id=job.id))
        self.log("previewed", self.scope(current_user, meta), file=meta["filename"],
                 **result.counts)
        db.session.commit()
        mapping_error = ""
        if meta.get("check_error"):
            error = meta["check_error"]
            mapping_error = ImportFileError(error["key"], **error["params"]).message()
        return self.render_preview(token, meta, result, mapping_error,
                                   422 if mapping_error else 200,
                                   confirming=self.confirming(uploads, token, meta))

    def confirming(self, uploads: UploadStore, token: str, meta: dict) -> bool:
        """Whether a save of the upload is under way: its job waits or runs (and its
        worker lives), or a confirm on this host holds the upload's lock."""
        return uploads.confirming(token) is not None or _under_way(meta, "confirm_job")

    def held_elsewhere(self, uploads: UploadStore, token: str) -> bool:
        """Hold the upload's row for this request's transaction; True (and nothing held)
        when a save running elsewhere holds it (PostgreSQL: its row lock), so the page says
        so at once instead of waiting for that save to end."""
        try:
            uploads.claim(token)
        except ImportBusy:
            db.session.rollback()
            return True
        return False

    def checking(self, meta: dict) -> Job | None:
        """The job checking the upload (again), while it waits or runs."""
        return _under_way(meta, "check_job")

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
        """Check the upload again with the column mapping the user corrected (a job)."""
        uploads, meta = self.own_upload(token)
        previous = uploads.load_result(token) or abort(404)
        running = self.checking(meta)
        if running is not None:
            return redirect(url_for("jobs.job", job_id=running.id))
        if self.confirming(uploads, token, meta) or self.held_elsewhere(uploads, token):
            flash(_(BUSY), "info")
            return redirect(url_for(".preview", token=token))
        mapping = mapping_from_form(request.form, previous)
        job = enqueue_job("import_check", current_user, import_kind=self.kind.name,
                          token=token, mapping={str(c): key for c, key in mapping.items()},
                          recorded=lambda job: uploads.update_meta(token, check_job=job.id))
        if not job.finished:
            return redirect(url_for("jobs.job", job_id=job.id))
        meta = uploads.meta(token) or abort(404)
        result = uploads.load_result(token) or abort(404)
        if job.state is JobState.DONE and meta.get("check_error"):
            return self.preview(token)
        if job.state is JobState.DONE and result.needs_mapping:
            return self.render_preview(token, meta, result, status=422)
        if job.state is JobState.DONE:
            flash(_("The file was checked again with the columns as you set them."), "info")
        return self.after_job(uploads, job, token)

    def choose(self, token):
        """Keep what the user chose on the preview for some rows (a posting's category,
        for one row or every row with its title) with the upload's result, until the
        import is confirmed. Only kinds that offer choices (``kind.choose``) have it."""
        uploads, meta = self.own_upload(token)
        result = uploads.load_result(token) or abort(404)
        choose = getattr(self.kind, "choose", None)
        if choose is None or result.needs_mapping:
            abort(404)
        if self.confirming(uploads, token, meta) or self.held_elsewhere(uploads, token):
            flash(_(BUSY), "info")
            return redirect(url_for(".preview", token=token))
        done, message = choose(result, request.form)
        if done:
            uploads.save_result(token, result)
            self.log("chosen", self.scope(current_user, meta), file=meta["filename"],
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
        """Save the upload (a job); a second confirm while one runs goes to its job."""
        uploads, meta = self.own_upload(token)
        uploads.load_result(token) or abort(404)
        running = _under_way(meta, "confirm_job") or self.checking(meta)
        if running is not None and running.started_by_id == current_user.id:
            return redirect(url_for("jobs.job", job_id=running.id))  # a double click
        if self.confirming(uploads, token, meta) or self.held_elsewhere(uploads, token):
            flash(_(BUSY), "info")
            return redirect(url_for(".preview", token=token))
        job = enqueue_job(
            "import_confirm", current_user, import_kind=self.kind.name, token=token,
            recorded=lambda job: uploads.update_meta(token, confirm_job=job.id))
        if not job.finished:
            return redirect(url_for("jobs.job", job_id=job.id))
        return self.after_job(uploads, job, token)

    def cancel(self, token):
        uploads, meta = self.own_upload(token)
        uploads.delete(token)
        self.log("cancelled", self.scope(current_user, meta), file=meta["filename"])
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
        self.log("rejected_exported", self.scope(current_user, meta), file=meta["filename"],
                 rows=len(result.rejected_rows))
        db.session.commit()
        return send_file(io.BytesIO(data), mimetype=XLSX, as_attachment=True,
                         download_name="rejected-rows.xlsx")


def _under_way(meta: dict, name: str) -> Job | None:
    """The job `meta[name]` while it waits or runs and its worker lives."""
    job = db.session.get(Job, meta[name]) if meta.get(name) else None
    return job if is_under_way(job) else None


def _progress(uploads: UploadStore, token: str, job: Job | None):
    """The progress callback of a check or save: the import page's bar (by stage and rows)
    and its job's page (a percentage and the stage's words; stops there if cancelled)."""
    def progress(stage: str, done: int, total: int) -> None:
        uploads.write_progress(token, stage, done, total)
        if job is not None and stage in JOB_STAGES:
            low, high, words = JOB_STAGES[stage]
            share = done / total if total else 0
            report_progress(job, low + int((high - low) * share), words)

    return progress
