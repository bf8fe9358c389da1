"""Qibu's job kinds: the long operations pages start and follow with a progress bar."""

import sqlalchemy as sa

from app.audit import log_event
from app.clock import local_today
from app.jobs import JobFailed, enqueue_jobs, job_kind, report_progress
from app.services import fair_plan, rankings
from app.services import matching as services
from models import Fair, Interest, RankingRun, db
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
