"""Qibu's job kinds: the long operations pages start and follow with a progress bar."""

from dataclasses import asdict

import sqlalchemy as sa
from flask_babel import force_locale

from app import retention
from app.audit import log_event
from app.clock import local_today
from app.corner.operations import keep_bulletin_pdf
from app.fairs import documents as fair_documents
from app.fairs.operations import given_name
from app.jobs import JobFailed, enqueue_jobs, job_kind, report_progress
from app.jobs.files import file_download, keep_job_file
from app.services import fair_plan, rankings
from app.services import matching as services
from models import Bulletin, Fair, Interest, RankingRun, db
from models.jobs import N_


def _progress(job):
    return lambda percent, message: report_progress(job, percent, message)


@job_kind("fair_plan", N_("Fair plan"))
def plan_fair(job, fair_id: int) -> dict:
    """Plan every participant's recommendations under booth capacity."""
    fair = db.session.get(Fair, fair_id)
    if fair is None:
        raise JobFailed(N_("This fair no longer exists."))
    report = fair_plan.plan_fair_recommendations(fair, actor=job.started_by,
                                                 progress=_progress(job))
    url = {"endpoint": "fairs.fair", "values": {"fair_id": fair.id}}
    if not report:
        return {"url": url, "notice": [N_(
            "Nothing to plan yet: add participants with a survey and offer openings first."),
            {}]}
    n = int(report["recommendations"]["plan"])
    kept = db.session.scalar(
        sa.select(sa.func.count(Interest.id)).where(Interest.fair_id == fair.id))
    if kept:
        return {"url": url, "notice": [N_(
            "Plan made: %(n)s recommendations. The %(kept)s interests already recorded "
            "are kept."), {"n": n, "kept": kept}]}
    return {"url": url, "notice": [N_("Plan made: %(n)s recommendations."), {"n": n}]}


@job_kind("match_train", N_("Retrain the matcher"))
def train_matcher(job, positive: str = "interest") -> dict:
    """Refit the matcher's weights from recorded outcomes and make the new model active."""
    try:
        model, _path = services.train_matcher(positive=positive, activate=True,
                                              progress=_progress(job))
    except services.NothingToLearn:
        raise JobFailed(N_("No interest, intent or hire has been recorded yet; nothing to "
                           "learn from.")) from None
    return {"url": {"endpoint": "admin.dashboard", "values": {}},
            "notice": [N_("Trained matcher %(version)s on %(n)s pairs; now active."),
                       {"version": model.version_, "n": model.training_.get("n_pairs", 0)}]}


@job_kind("ranking_block", N_("City ranking (one block)"))
def rank_block(job, run_id: int, seeker_ids: list[int]) -> dict:
    """Rank one block of a city-wide run and store it; the last block finishes the run."""
    if db.session.get(RankingRun, run_id) is None:
        raise JobFailed(N_("This ranking run no longer exists."))
    written = rankings.rank_block(run_id, seeker_ids, progress=_progress(job), n_jobs=1)
    return {"url": {"endpoint": "jobs.rankings", "values": {}},
            "notice": [N_("Ranked %(people)s people: %(rows)s openings stored."),
                       {"people": len(seeker_ids), "rows": written}]}


def queue_city_ranking(horizon_months: int, by=None, block_seekers: int | None = None
                       ) -> tuple[RankingRun, list]:
    """Start a city-wide ranking of everyone due for release within `horizon_months`:
    one job per block, taken by every worker on the queue (one after the other in this
    process without one). Commits."""
    run, blocks = rankings.start_city_ranking(horizon_months, local_today(),
                                              block_seekers=block_seekers)
    log_event("city_ranking_started", run, actor=by, people=run.n_seekers,
              blocks=run.blocks_total)
    db.session.commit()
    jobs = enqueue_jobs("ranking_block", by,
                        [{"run_id": run.id, "seeker_ids": block} for block in blocks],
                        subject=run)
    return run, jobs


@job_kind("bulletin_pdf", N_("Bulletin issue (PDF)"))
def make_bulletin_pdf(job, bulletin_id: int) -> dict:
    """Render an issue's PDF once and keep it for every download (it holds no personal
    data: anyone who may see the issue downloads the kept file)."""
    bulletin = db.session.get(Bulletin, bulletin_id)
    if bulletin is None:
        raise JobFailed(N_("This bulletin issue no longer exists."))
    report_progress(job, 10, N_("Laying out the issue"))
    keep_bulletin_pdf(bulletin)
    values = {"facility": bulletin.facility.code, "week": bulletin.week}
    return {"url": {"endpoint": "corner.bulletin_issue", "values": values},
            "notice": [N_("Issue %(number)s is ready to print."), {"number": bulletin.number}],
            "download": {"endpoint": "corner.bulletin_pdf", "values": values,
                         "label": N_("Download the PDF")}}


def _export_fair(fair_id: int) -> Fair:
    fair = db.session.get(Fair, fair_id)
    if fair is None:
        raise JobFailed(N_("This fair no longer exists."))
    return fair


@job_kind("sheets_pdf", N_("Recommendation sheets (PDF)"))
def make_sheets_pdf(job, fair_id: int) -> dict:
    """A fair's recommendation sheets as a PDF for the one who asked (given names: the
    file is theirs alone, encrypted, until it expires)."""
    fair = _export_fair(fair_id)
    report_progress(job, 10, N_("Laying out the sheets"))
    plans = fair_plan.participant_plans(fair)
    booths = {fo.opening_id: b.booth for b in fair.booths for fo in b.openings}
    data = fair_documents.sheets_pdf(fair, plans, booths, given_name)
    keep_job_file(job, f"sheets-{fair.code}.pdf", data)
    return {"url": {"endpoint": "fairs.sheets", "values": {"fair_id": fair.id}},
            "notice": [N_("The recommendation sheets of %(n)s people are ready to print."),
                       {"n": len(plans)}],
            "download": file_download(job), "audit": {"count": len(plans)}}


@job_kind("shortlists_pdf", N_("Employer shortlists (PDF)"))
def make_shortlists_pdf(job, fair_id: int, locale: str = "zh_CN") -> dict:
    """A fair's employer shortlists as a PDF for the one who asked, in their language
    (pseudonymous codes: still theirs alone, encrypted, until it expires)."""
    fair = _export_fair(fair_id)
    report_progress(job, 10, N_("Laying out the shortlists"))
    with force_locale(locale):
        data = fair_documents.shortlists_pdf(fair, fair_plan.employer_shortlists(fair))
    keep_job_file(job, f"shortlists-{fair.code}.pdf", data)
    return {"url": {"endpoint": "fairs.shortlists", "values": {"fair_id": fair.id}},
            "notice": [N_("The employer shortlists are ready to print."), {}],
            "download": file_download(job), "audit": {}}


@job_kind("retention_purge", N_("Retention purge"))
def retention_purge(job) -> dict:
    """Anonymise everyone past retention and delete what has expired, as `qibu purge`."""
    report_progress(job, 10, N_("Purging"))
    report = retention.purge(by=job.started_by)
    return {"url": {"endpoint": "admin.dashboard", "values": {}},
            "notice": [N_("Purged: %(people)s people anonymised, %(notes)s staff notes "
                          "blanked, %(sessions)s login sessions, %(throttles)s login "
                          "throttles, %(audit_addresses)s audit addresses, "
                          "%(submission_keys)s spent form keys, %(uploads)s import uploads "
                          "and %(job_files)s export files removed."), asdict(report)]}
