"""After the fair: intents become placements; follow-ups at 1, 3 and 6 months."""

from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app.audit import log_event
from models import (
    FollowUp,
    FollowUpReason,
    Interest,
    InterestStage,
    Opening,
    Placement,
    Seeker,
    StateError,
    db,
)


def record_placement(interest: Interest, start_date: date, monthly_pay: int | None,
                     by=None) -> Placement:
    """Record a hire for an intent; refuse when the opening has no place left.

    The place is taken with one conditional UPDATE, so concurrent hires can never push
    `filled` past the headcount.
    """
    if interest.stage is InterestStage.HIRED:
        raise StateError(_l("This hire is already recorded."))
    if interest.stage is not InterestStage.INTENT:
        raise StateError(_l("Only a preliminary intent can become a placement."))
    taken = db.session.execute(
        sa.update(Opening)
        .where(Opening.id == interest.opening_id,
               sa.or_(Opening.headcount.is_(None), Opening.filled < Opening.headcount))
        .values(filled=Opening.filled + 1)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount == 0:
        raise StateError(_l("Every place of this opening is filled; no hire can be added."))
    placement = Placement(seeker_id=interest.seeker_id, opening_id=interest.opening_id,
                          interest_id=interest.id, fair_id=interest.fair_id,
                          start_date=start_date, monthly_pay=monthly_pay,
                          recorded_by_id=getattr(by, "id", None))
    placement.schedule_follow_ups()
    db.session.add(placement)
    interest.correct_to(InterestStage.HIRED)
    seeker = db.session.get(Seeker, interest.seeker_id)
    seeker.mark_placed()
    db.session.flush()
    log_event("placement_recorded", placement, opening=interest.opening_id)
    return placement


def record_follow_up(follow_up: FollowUp, on: date, still_employed: bool,
                     reason: FollowUpReason | None, note: str = "", by=None) -> None:
    follow_up.record(on, still_employed, reason)
    follow_up.note = (note or "").strip()[:1000]
    follow_up.recorded_by_id = getattr(by, "id", None)
    log_event("follow_up_recorded", follow_up.placement, month=follow_up.month,
              still_employed=still_employed)


def follow_ups_due(until: date) -> list[FollowUp]:
    """Follow-ups not yet done and due on or before `until`, earliest first."""
    return db.session.scalars(
        sa.select(FollowUp).where(FollowUp.done_on.is_(None), FollowUp.due_on <= until)
        .order_by(FollowUp.due_on)
    ).all()
