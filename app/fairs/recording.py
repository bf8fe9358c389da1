"""Fair-day recording: check-in and stages, safe with many tablets at once.

Each write is a single conditional statement or an insert guarded by the unique
constraint, so two tablets recording the same person at the same booth never lose or
duplicate a record, on SQLite and PostgreSQL alike.
"""

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from app.audit import log_event
from models import (
    FairOpening,
    FairParticipant,
    Interest,
    InterestStage,
    StateError,
    db,
    utcnow,
)

STAGE_ORDER = {
    InterestStage.INTERESTED: 1,
    InterestStage.INTERVIEWED: 2,
    InterestStage.INTENT: 3,
    InterestStage.HIRED: 4,
}
RECORDABLE = (InterestStage.INTERESTED, InterestStage.INTERVIEWED, InterestStage.INTENT,
              InterestStage.DECLINED)


@dataclass
class Recorded:
    """What one tap did, so the tablet can undo it."""

    interest_id: int
    previous: str | None  # the stage before, or None when the record was new
    stage: str


def find_participant(fair, badge_code: str) -> FairParticipant | None:
    from app.fairs.operations import normalize_badge_code

    code = normalize_badge_code(badge_code)
    if not code:
        return None
    return db.session.scalar(
        sa.select(FairParticipant).where(FairParticipant.fair_id == fair.id,
                                         FairParticipant.badge_code == code)
    )


def mark_attended(fair, participant: FairParticipant, *, via: str) -> bool:
    """Mark that a participant came to the fair; True if this call did it.

    Checking in at the desk, signing in at a kiosk and any stage recorded for the person
    all mark attendance, once: one conditional UPDATE, so a desk and a kiosk at the same
    moment mark and audit it once. `via` says which ("desk", "kiosk", "staff"...).
    A record made after the fair closed (an organizer's correction) dates the attendance
    at the close.
    """
    when = utcnow() if fair.closed_at is None else min(utcnow(), fair.closed_at)
    result = db.session.execute(
        sa.update(FairParticipant)
        .where(FairParticipant.id == participant.id, FairParticipant.checked_in_at.is_(None))
        .values(checked_in_at=when)
        .execution_options(synchronize_session=False)
    )
    if not result.rowcount:
        return False
    # what the row now says, without reading it again or writing it twice
    set_committed_value(participant, "checked_in_at", when)
    log_event("checked_in", fair, participant=participant.id, via=via)
    return True


def check_in(fair, participant: FairParticipant) -> bool:
    """Check a participant in at the door; True if this call did it (idempotent)."""
    fair.require_recording_allowed()
    return mark_attended(fair, participant, via="desk")


def _offered(fair, opening_id: int) -> bool:
    return db.session.scalar(
        sa.select(FairOpening.id).where(FairOpening.fair_id == fair.id,
                                        FairOpening.opening_id == opening_id)
    ) is not None


def record_stage(fair, participant: FairParticipant, opening_id: int, stage: InterestStage,
                 note: str = "", *, by=None, correction: bool = False,
                 source: str = "staff", reason: str = "") -> Recorded:
    """Record that a participant reached `stage` for an opening at the fair.

    Stages only move forward (interested → interviewed → intent), or to declined;
    recording a stage already reached changes nothing. An organizer's correction
    (`correction=True`) may set any stage but hired, during the fair or after it closes,
    and is audited with the stage before and after (and the organizer's `reason`). A
    record marks the person as having attended the fair (mark_attended).
    """
    fair.require_recording_allowed(correction_by_organizer=correction)
    if stage not in RECORDABLE:
        raise StateError(_l("Hires are recorded as placements after the fair."))
    if not _offered(fair, opening_id):
        raise StateError(_l("This opening is not offered at this fair."))
    seeker_id = participant.seeker_id
    note = (note or "").strip()[:500]
    now = utcnow()
    try:
        with db.session.begin_nested():
            interest = Interest(seeker_id=seeker_id, opening_id=opening_id, fair_id=fair.id,
                                stage=stage, note=note, source=source,
                                recorded_by_id=getattr(by, "id", None),
                                created_at=now, updated_at=now)
            db.session.add(interest)
            db.session.flush()
        recorded = Recorded(interest.id, None, stage.value)
    except IntegrityError:
        interest = db.session.scalar(
            sa.select(Interest).where(Interest.seeker_id == seeker_id,
                                      Interest.opening_id == opening_id,
                                      Interest.fair_id == fair.id)
        )
        recorded = _advance(interest, stage, note, correction)
    detail = {"reason": (reason or "").strip()[:500]} if correction else {}
    log_event("correction" if correction else "stage_recorded", fair,
              participant=participant.id, opening=opening_id, interest=recorded.interest_id,
              previous=recorded.previous, stage=stage.value, **detail)
    mark_attended(fair, participant, via=source)
    return recorded


def _advance(interest: Interest, stage: InterestStage, note: str, correction: bool) -> Recorded:
    """Move an existing interest forward with one conditional UPDATE (no lost updates)."""
    previous = interest.stage
    if correction:
        allowed = [s for s in InterestStage if s is not InterestStage.HIRED]
    elif stage is InterestStage.DECLINED:
        allowed = [InterestStage.INTERESTED, InterestStage.INTERVIEWED, InterestStage.INTENT]
    else:
        allowed = [s for s, order in STAGE_ORDER.items() if order < STAGE_ORDER[stage]]
    values = {"stage": stage, "updated_at": utcnow()}
    if note:
        values["note"] = note
    result = db.session.execute(
        sa.update(Interest).where(Interest.id == interest.id, Interest.stage.in_(allowed))
        .values(**values).execution_options(synchronize_session=False)
    )
    db.session.refresh(interest)
    if result.rowcount == 0:
        if interest.stage is stage:
            return Recorded(interest.id, stage.value, stage.value)  # already there
        if interest.stage is InterestStage.DECLINED:
            raise StateError(_l("This was recorded as declined, so nothing changed. If that "
                                "was a mistake, an organizer can correct it with “Correct” "
                                "on the opening's row."))
        raise StateError(_l("Already recorded as a later stage; nothing changed."))
    return Recorded(interest.id, previous.value, stage.value)


def undo(fair, recorded: dict, *, by=None, correction: bool = False) -> None:
    """Undo one tap: delete a new record or put the stage back, if nobody changed it since.

    After the fair closes only an organizer may undo (`correction=True`), as a correction.
    """
    fair.require_recording_allowed(correction_by_organizer=correction)
    interest = db.session.get(Interest, recorded["interest_id"])
    if interest is None or interest.fair_id != fair.id or \
            interest.stage.value != recorded["stage"]:
        raise StateError(_l("That record has changed since; nothing was undone."))
    if recorded["previous"] is None:
        db.session.delete(interest)
    elif recorded["previous"] != recorded["stage"]:
        interest.correct_to(InterestStage(recorded["previous"]))
    db.session.flush()
    log_event("stage_undone", fair, interest=recorded["interest_id"],
              previous=recorded["stage"], stage=recorded["previous"], correction=correction)
