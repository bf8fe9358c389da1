"""Kiosk sign-in by badge code (throttled in the database), interests and the self-test."""

from datetime import timedelta

import sqlalchemy as sa
from flask import current_app, session
from sqlalchemy.orm import selectinload

from app.auth.operations import count_failure, locked_for
from app.fairs import recording
from app.fairs.operations import normalize_badge_code
from models import (
    Fair,
    FairEmployer,
    FairOpening,
    FairParticipant,
    FairRecommendation,
    InterestStage,
    LoginThrottle,
    Opening,
    OpeningStatus,
    Seeker,
    Survey,
    db,
    utcnow,
)

SESSION_KEY = "kiosk"


def throttle_keys(kiosk_user, code: str) -> list[str]:
    """One counter per kiosk and one per badge code, so codes cannot be enumerated."""
    return [f"kiosk:{kiosk_user.id}", f"badge:{normalize_badge_code(code)[:16]}"]


def sign_in(fair: Fair, kiosk_user, code: str):
    """Return the participant with this badge, or (None, wait) after a failure or a lock.

    Failures are counted per kiosk and per code in the database (all gunicorn workers
    share them); while either is locked nobody signs in with that code on that kiosk.
    """
    keys = throttle_keys(kiosk_user, code)
    wait = locked_for(keys)
    if wait is not None:
        return None, wait
    participant = recording.find_participant(fair, code)
    if participant is None:
        limit = current_app.config["KIOSK_MAX_FAILURES"]
        count_failure(keys, limit=limit,
                      window=timedelta(minutes=current_app.config["KIOSK_LOCK_MINUTES"]))
        return None, None
    db.session.execute(sa.delete(LoginThrottle).where(LoginThrottle.key == keys[1]))
    session[SESSION_KEY] = {"participant": participant.id, "answers": {}}
    return participant, None


def current_participant(fair: Fair) -> FairParticipant | None:
    state = session.get(SESSION_KEY) or {}
    if not state.get("participant"):
        return None
    participant = db.session.scalar(
        sa.select(FairParticipant).where(FairParticipant.id == state["participant"],
                                         FairParticipant.fair_id == fair.id)
        .options(selectinload(FairParticipant.seeker).selectinload(Seeker.surveys)
                 .selectinload(Survey.intentions))
    )
    return participant


def end_visit() -> None:
    """Forget the person at the kiosk (idle time-out, 'finish', or a new badge)."""
    session.pop(SESSION_KEY, None)


def planned_openings(participant: FairParticipant) -> list[FairRecommendation]:
    return db.session.scalars(
        sa.select(FairRecommendation).where(FairRecommendation.participant_id == participant.id)
        .options(selectinload(FairRecommendation.opening).selectinload(Opening.employer))
        .order_by(FairRecommendation.rank)
    ).all()


def booths_by_opening(fair: Fair) -> dict[int, str | None]:
    """The booth of every opening offered at the fair, in one query (not one per booth)."""
    return dict(db.session.execute(
        sa.select(FairOpening.opening_id, FairEmployer.booth)
        .join(FairEmployer, FairEmployer.id == FairOpening.fair_employer_id)
        .where(FairOpening.fair_id == fair.id)
    ).all())


def fair_openings(fair: Fair) -> list[tuple[Opening, str | None]]:
    rows = db.session.execute(
        sa.select(Opening, FairOpening.fair_employer_id)
        .join(FairOpening, FairOpening.opening_id == Opening.id)
        .where(FairOpening.fair_id == fair.id, Opening.status == OpeningStatus.OPEN)
        .options(selectinload(Opening.employer))
    ).all()
    booths = {b.id: b.booth for b in fair.booths}
    return [(opening, booths.get(fe_id)) for opening, fe_id in rows]


def mark_interest(fair: Fair, participant: FairParticipant, opening_id: int):
    """Record "我感兴趣" from the kiosk (source 'kiosk')."""
    return recording.record_stage(fair, participant, opening_id, InterestStage.INTERESTED,
                                  source="kiosk")


def interested_openings(fair: Fair, participant: FairParticipant) -> set[int]:
    from models import Interest

    return set(db.session.scalars(sa.select(Interest.opening_id).where(
        Interest.fair_id == fair.id, Interest.seeker_id == participant.seeker_id)))


def touch() -> None:
    state = session.get(SESSION_KEY)
    if state is not None:
        state["seen"] = utcnow().isoformat()
        session[SESSION_KEY] = state
