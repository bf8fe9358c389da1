"""Run the capacity-aware fair plan for a fair and store it for sheets and the kiosk."""

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

import matching
from app.audit import log_event
from app.services.matching import active_model, openings_frame, reference, seekers_frame
from models import (
    Fair,
    FairOpening,
    FairParticipant,
    FairRecommendation,
    Opening,
    Seeker,
    Survey,
    db,
    utcnow,
)
from models.jobs import N_

PER_SEEKER = 5
LOAD_FACTOR = 3
MIN_OPTIONS = 3  # as in the report's share_3_options
UNDER_SERVED = "under_served_participants"


def fair_frames(fair: Fair):
    """The fair's participants (with a survey) and the offered openings they may see
    (`Opening.visible_to_seekers`) as frames."""
    participants = db.session.scalars(
        sa.select(FairParticipant).where(FairParticipant.fair_id == fair.id)
        .options(selectinload(FairParticipant.seeker).selectinload(Seeker.surveys)
                 .selectinload(Survey.intentions))
    ).all()
    participants = [p for p in participants if p.seeker.surveys]
    openings = db.session.scalars(
        sa.select(Opening).join(FairOpening, FairOpening.opening_id == Opening.id)
        .where(FairOpening.fair_id == fair.id, Opening.visible_to_seekers)
    ).all()
    return participants, openings, seekers_frame([p.seeker for p in participants]), \
        openings_frame(openings)


def _no_progress(percent, message):
    pass


def plan_fair_recommendations(fair: Fair, per_seeker: int = PER_SEEKER,
                              load_factor: float = LOAD_FACTOR, *, actor=None,
                              progress=_no_progress) -> dict:
    """Replace the fair's plan with a new one; return the plan's report against naive top-k.

    `progress(percent, msgid)` is told each step (a job's progress bar); the old plan is
    deleted only when the new one is ready, so the database is written at the end only.
    """
    progress(5, N_("Reading the participants and the offered openings"))
    participants, openings, seekers, offered = fair_frames(fair)
    if seekers.empty or offered.empty:
        db.session.execute(
            sa.delete(FairRecommendation).where(FairRecommendation.fair_id == fair.id))
        fair.plan_report, fair.planned_at = None, utcnow()
        log_event("fair_planned", fair, actor=actor, recommendations=0)
        return {}
    progress(20, N_("Preparing the openings"))
    taxonomy, geography = reference()
    prepared = matching.prepare_openings(offered, taxonomy=taxonomy, geography=geography)
    model = active_model()
    encoded = matching.encode_seekers(seekers, prepared)  # once, for the plan and its report
    progress(40, N_("Planning under booth capacity"))
    plan = matching.plan_fair(encoded, prepared, per_seeker=per_seeker,
                              load_factor=load_factor, model=model,
                              taxonomy=taxonomy, geography=geography)
    progress(70, N_("Comparing the plan with each person's own top choices"))
    report = matching.plan_report(plan, encoded, prepared, per_seeker=per_seeker,
                                  load_factor=load_factor, model=model)
    progress(90, N_("Saving the plan"))
    db.session.execute(sa.delete(FairRecommendation).where(FairRecommendation.fair_id == fair.id))
    participant_of = {str(p.seeker_id): p.id for p in participants}
    rows, rank_of = [], {}
    for row in plan.itertuples():
        rank_of[row.seeker_id] = rank_of.get(row.seeker_id, 0) + 1
        rows.append({"fair_id": fair.id, "participant_id": participant_of[row.seeker_id],
                     "opening_id": int(row.opening_id), "rank": rank_of[row.seeker_id],
                     "score": float(row.score), "reasons": list(row.reasons)})
    if rows:
        db.session.execute(sa.insert(FairRecommendation), rows)
    summary = {metric: {column: float(report.loc[metric, column]) for column in report.columns}
               for metric in report.index}
    # who the "fewer than 3 options" share is: their participant ids, shown by badge code
    options = matching.options_per_seeker(plan, encoded, prepared, load_factor=load_factor)
    summary[UNDER_SERVED] = sorted(participant_of[seeker_id]
                                   for seeker_id, n in options.items() if n < MIN_OPTIONS)
    fair.plan_report = summary
    fair.planned_at = utcnow()
    log_event("fair_planned", fair, actor=actor, recommendations=len(rows))
    return summary


def participant_plans(fair: Fair) -> list[tuple[FairParticipant, list[FairRecommendation]]]:
    """Each participant with their planned openings, best first."""
    participants = db.session.scalars(
        sa.select(FairParticipant).where(FairParticipant.fair_id == fair.id)
        .options(selectinload(FairParticipant.seeker))
    ).all()
    recommendations = db.session.scalars(
        sa.select(FairRecommendation).where(FairRecommendation.fair_id == fair.id)
        .join(FairRecommendation.opening).where(Opening.visible_to_seekers)
        .options(selectinload(FairRecommendation.opening).selectinload(Opening.employer))
        .order_by(FairRecommendation.participant_id, FairRecommendation.rank)
    ).all()
    by_participant: dict[int, list] = {}
    for rec in recommendations:
        by_participant.setdefault(rec.participant_id, []).append(rec)
    participants.sort(key=lambda p: p.seeker.code)
    return [(p, by_participant.get(p.id, [])) for p in participants]


def employer_shortlists(fair: Fair):
    """For each booth, its openings with the consenting participants planned for them."""
    recommendations = db.session.scalars(
        sa.select(FairRecommendation).where(FairRecommendation.fair_id == fair.id)
        .join(FairRecommendation.opening).where(Opening.visible_to_seekers)
        .options(selectinload(FairRecommendation.participant).selectinload(
            FairParticipant.seeker).selectinload(Seeker.surveys).selectinload(Survey.intentions))
        .order_by(FairRecommendation.score.desc())
    ).all()
    by_opening: dict[int, list] = {}
    for rec in recommendations:
        if rec.participant.seeker.consent_share:
            by_opening.setdefault(rec.opening_id, []).append(rec.participant.seeker)
    return by_opening
