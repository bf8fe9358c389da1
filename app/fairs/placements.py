"""After the fair: intents become placements; follow-ups at 1, 3 and 6 months."""

from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import get_timezone
from flask_babel import lazy_gettext as _l

from app.audit import log_event
from models import (
    Fair,
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


def local_today() -> date:
    """Today in Qibu's time zone (Shanghai), whatever the server's clock zone."""
    return datetime.now(get_timezone()).date()


def record_placement(interest: Interest, start_date: date, monthly_pay: int | None,
                     by=None, additional_job_reason: str | None = None,
                     today: date | None = None) -> Placement:
    """Record a hire for an intent; refuse an impossible one.

    Refused: a start date before the fair or after today; a person who already has a
    current job from Qibu, unless `additional_job_reason` says why they take a second
    one; an opening with no place left. The place is taken with one conditional UPDATE,
    so concurrent hires can never push `filled` past the headcount; the person's row is
    then locked (SELECT … FOR UPDATE on PostgreSQL; on SQLite that UPDATE already holds
    the database's write lock) before their current jobs are counted, so two concurrent
    hires of one person cannot both pass the one-current-job rule; and the intent is read
    again under that lock, so the same hire sent twice at once is recorded once.
    """
    if interest.stage is InterestStage.HIRED:
        raise StateError(_l("This hire is already recorded."))
    if interest.stage is not InterestStage.INTENT:
        raise StateError(_l("Only a preliminary intent can become a placement."))
    fair = db.session.get(Fair, interest.fair_id) if interest.fair_id is not None else None
    Placement.check_start_date(
        start_date, today or local_today(), fair_day=fair.held_on if fair else None,
        referred_on=None if fair else interest.created_at.date())
    reason = (additional_job_reason or "").strip()[:1000] or None
    taken = db.session.execute(
        sa.update(Opening)
        .where(Opening.id == interest.opening_id,
               sa.or_(Opening.headcount.is_(None), Opening.filled < Opening.headcount))
        .values(filled=Opening.filled + 1)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount == 0:
        raise StateError(_l("Every place of this opening is filled; no hire can be added."))
    # read again under that lock: a request at the same moment may have recorded this hire
    db.session.refresh(interest, ["stage"])
    if interest.stage is InterestStage.HIRED:
        raise StateError(_l("This hire is already recorded."))
    seeker = db.session.scalars(sa.select(Seeker).where(Seeker.id == interest.seeker_id)
                                .with_for_update()).one()
    current = db.session.scalars(Placement.current_of(seeker.id).limit(1)).first()
    if current is not None and reason is None:
        raise StateError(
            _l("%(code)s already has a current job from Qibu: %(job)s, since %(start)s. "
               "If that job has ended, record so in its follow-up first; if the person "
               "takes this job as well, say why under “Additional job: reason”."),
            code=seeker.code, job=f"{current.opening.title} · {current.opening.employer.name}",
            start=current.start_date.isoformat())
    placement = Placement(seeker_id=interest.seeker_id, opening_id=interest.opening_id,
                          interest_id=interest.id, fair_id=interest.fair_id,
                          start_date=start_date, monthly_pay=monthly_pay,
                          additional_job_reason=reason if current is not None else None,
                          recorded_by_id=getattr(by, "id", None))
    placement.schedule_follow_ups()
    db.session.add(placement)
    interest.correct_to(InterestStage.HIRED)
    seeker.mark_placed()
    db.session.flush()
    log_event("placement_recorded", placement, opening=interest.opening_id,
              additional_job=placement.additional_job_reason is not None)
    return placement


def record_follow_up(follow_up: FollowUp, on: date, still_employed: bool,
                     reason: FollowUpReason | None, note: str = "", by=None,
                     today: date | None = None) -> None:
    """Record a follow-up's outcome; refuse a date not after the start or in the future."""
    follow_up.record(on, still_employed, reason, today=today or local_today())
    follow_up.note = (note or "").strip()[:1000]
    follow_up.recorded_by_id = getattr(by, "id", None)
    log_event("follow_up_recorded", follow_up.placement, month=follow_up.month,
              still_employed=still_employed)


def follow_ups_due(until: date, among=sa.true()) -> list[FollowUp]:
    """Follow-ups not yet done and due on or before `until`, earliest first, of the
    placements at the fairs `among` (a clause on Fair) lets through."""
    return db.session.scalars(
        sa.select(FollowUp).join(Placement, Placement.id == FollowUp.placement_id)
        .join(Fair, Fair.id == Placement.fair_id, isouter=True)
        .where(FollowUp.done_on.is_(None), FollowUp.due_on <= until,
               sa.or_(Placement.fair_id.is_(None), among))
        .order_by(FollowUp.due_on)
    ).all()
