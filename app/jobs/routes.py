"""A job's page with its progress bar, cancel and retry; the file it made; the admin's
list of jobs and the buttons that start the admin's jobs."""

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from app.audit import log_event
from app.auth.access import STAFF_ROLES, allow
from app.auth.second_factor import recently_authenticated
from app.jobs import KINDS, cancel_job, enqueue_job, is_stale, retry_job, shown_progress
from app.jobs.files import FILE_RULES, file_data, job_file
from app.jobs.forms import CityRankingForm, JobActionForm
from app.jobs.kinds import queue_city_ranking
from app.main.queries import Page
from models import Fair, Job, JobState, RankingRun, Role, StateError, db

bp = Blueprint("jobs", __name__)
ADMIN_PAGE_SIZE = 50


def _job(job_id: int) -> Job:
    """The job, for the account that started it or an administrator."""
    job = db.session.get(Job, job_id)
    if job is None:
        abort(404)
    if current_user.role is not Role.ADMIN and job.started_by_id != current_user.id:
        abort(403)
    return job


def _translated(msgid: str | None, params: dict | None = None) -> str:
    if not msgid:
        return ""
    return _(msgid, **(params or {}))


def job_view(job: Job) -> dict:
    """What the page and its JSON show of a job, in the reader's language."""
    progress, message = shown_progress(job)
    result = job.result or {}
    url = result.get("url")
    notice = result.get("notice")
    download = result.get("download")  # a file the job made: {endpoint, values, label}
    if download and job.started_by_id != current_user.id:
        download = None  # its file is for the account that asked for it alone
    return {
        "id": job.id,
        "kind": _translated(KINDS[job.kind].label) if job.kind in KINDS else job.kind,
        "state": job.state.value,
        "state_label": STATE_LABELS[job.state](),
        "finished": job.finished,
        "progress": progress,
        "message": _translated(message),
        "error": _translated(job.error, job.error_params),
        "notice": _translated(notice[0], notice[1]) if notice else "",
        "url": url_for(url["endpoint"], **url["values"]) if url else None,
        # the page goes on to `url` by itself once the job is done (an import's check)
        "follow": bool(result.get("follow")) and job.state is JobState.DONE,
        "download": {"url": url_for(download["endpoint"], **download["values"]),
                     "label": _translated(download["label"])} if download else None,
        "stale": is_stale(job),
    }


STATE_LABELS = {
    JobState.QUEUED: lambda: _("Waiting to start"),
    JobState.RUNNING: lambda: _("Running"),
    JobState.DONE: lambda: _("Done"),
    JobState.FAILED: lambda: _("Failed"),
    JobState.CANCELLED: lambda: _("Cancelled"),
}


@bp.get("/jobs/<int:job_id>")
@allow(*STAFF_ROLES)
def job(job_id):
    """A job's progress bar (refreshed by static/js/job.js, or by the page itself)."""
    job = _job(job_id)
    view = job_view(job)
    if view["follow"] and view["url"]:  # done: its page is where the work goes on
        return redirect(view["url"])
    return render_template("jobs/job.html", job=job, view=view, form=JobActionForm())


@bp.get("/jobs/<int:job_id>.json")
@allow(*STAFF_ROLES)
def job_json(job_id):
    return jsonify(job_view(_job(job_id)))


@bp.post("/jobs/<int:job_id>/cancel")
@allow(*STAFF_ROLES)
def cancel(job_id):
    job = _job(job_id)
    if not JobActionForm().validate_on_submit():
        abort(400)
    running = job.state is JobState.RUNNING
    try:
        cancel_job(job, current_user)
    except StateError as error:
        flash(_(str(error.message)), "error")
        return redirect(url_for("jobs.job", job_id=job.id))
    db.session.commit()
    flash(_("The job stops at its next step; nothing it wrote is kept.") if running
          else _("Job cancelled."), "success")
    return redirect(url_for("jobs.job", job_id=job.id))


@bp.post("/jobs/<int:job_id>/retry")
@allow(*STAFF_ROLES)
def retry(job_id):
    job = _job(job_id)
    if not JobActionForm().validate_on_submit():
        abort(400)
    try:
        retry_job(job, current_user)
    except StateError as error:
        flash(_(str(error.message)), "error")
    return redirect(url_for("jobs.job", job_id=job.id))


@bp.get("/jobs/<int:job_id>/file")
@allow(*STAFF_ROLES)
def file(job_id):
    """The file a job made, for the account that started it only: not even an
    administrator downloads another's (it holds personal data asked for by that person).
    The password is asked again as the page that started the job asked it; the download
    is audited as the export it is."""
    job = db.session.get(Job, job_id)
    if job is None or job.kind not in FILE_RULES:
        abort(404)
    if job.started_by_id != current_user.id:
        abort(403)
    rule = FILE_RULES[job.kind]
    if rule.reauthenticate and not recently_authenticated():
        return redirect(url_for("auth.confirm", next=request.full_path.rstrip("?")))
    g.personal_data = True
    if job.state is not JobState.DONE:
        return redirect(url_for("jobs.job", job_id=job.id))
    kept = job_file(job)
    if kept is None:
        return render_template("jobs/file_gone.html", view=job_view(job),
                               hours=current_app.config["JOB_FILE_HOURS"]), 410
    fair = db.session.get(Fair, job.subject_id) if job.subject_type == "Fair" else None
    log_event(rule.audit, fair, job=job.id, **(job.result or {}).get("audit", {}))
    db.session.commit()
    return Response(file_data(kept), mimetype=kept.mimetype, headers={
        "Content-Disposition": f"attachment; filename={kept.filename}",
        "Cache-Control": "no-store"})


@bp.get("/admin/jobs")
@allow(Role.ADMIN)
def admin_list():
    """Every job, newest first; `?state=` keeps one state."""
    state = request.args.get("state", "")
    number = max(1, request.args.get("page", 1, type=int))
    query = sa.select(Job).order_by(Job.created_at.desc(), Job.id.desc())
    if state in {s.value for s in JobState}:
        query = query.where(Job.state == JobState(state))
    else:
        state = ""
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    items = db.session.scalars(
        query.limit(ADMIN_PAGE_SIZE).offset((number - 1) * ADMIN_PAGE_SIZE)).all()
    page = Page(items=list(items), number=number, total=total, size=ADMIN_PAGE_SIZE)
    return render_template("jobs/admin_list.html", page=page, state=state,
                           views={j.id: job_view(j) for j in page.items},
                           states=STATE_LABELS)


@bp.post("/admin/matcher/train")
@allow(Role.ADMIN)
def retrain_matcher():
    """Retrain the matcher on recorded outcomes, as a job."""
    if not JobActionForm().validate_on_submit():
        abort(400)
    job = enqueue_job("match_train", current_user)
    return redirect(url_for("jobs.job", job_id=job.id))


@bp.post("/admin/purge")
@allow(Role.ADMIN)
def retention_purge():
    """Run the retention purge now (`qibu purge`, which the scheduler runs), as a job."""
    if not JobActionForm().validate_on_submit():
        abort(400)
    job = enqueue_job("retention_purge", current_user)
    return redirect(url_for("jobs.job", job_id=job.id))


RUNS_SHOWN = 20


@bp.route("/admin/rankings", methods=["GET", "POST"])
@allow(Role.ADMIN)
def rankings():
    """The city-wide rankings: the latest runs with their progress, and a button to start
    one now."""
    form = CityRankingForm()
    if form.validate_on_submit():
        run, jobs = queue_city_ranking(form.months.data, current_user)
        flash(_("City ranking started: %(people)s people in %(blocks)s blocks.",
                people=run.n_seekers, blocks=run.blocks_total), "success")
        return redirect(url_for("jobs.rankings"))
    runs = db.session.scalars(
        sa.select(RankingRun).order_by(RankingRun.id.desc()).limit(RUNS_SHOWN)).all()
    return render_template("jobs/rankings.html", runs=runs, form=form,
                           running=any(not r.finished for r in runs))
