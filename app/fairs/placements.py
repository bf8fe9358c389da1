"""Placements by every channel (a fair's intents, referrals, self-found jobs, own
businesses) and their follow-ups at 1, 3, 6 and 12 months."""

from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app.audit import log_event
from app.clock import local_today
from models import (
    Fair,
    FollowUp,
    FollowUpReason,
    Interest,
    InterestStage,
    Opening,
    Placement,
    PlacementChannel,
    PlacementKind,
    Seeker,
    StateError,
    db,
)


def record_placement(interest: Interest, start_date: date, monthly_pay: int | None,
                     by=None, additional_job_reason: str | None = None,
                     today: date | None = None) -> Placement:
    """Record a hire for a fair's intent; refuse an impossible one (see `place_seeker`).

    The intent is read again under the place's lock, so the same hire sent twice at once
    is recorded once.
    """
    if interest.stage is InterestStage.HIRED:
        raise StateError(_l("This hire is already recorded."))
    if interest.stage is not InterestStage.INTENT:
        raise StateError(_l("Only a preliminary intent can become a placement."))
    fair = db.session.get(Fair, interest.fair_id) if interest.fair_id is not None else None

    def still_an_intent():
        db.session.refresh(interest, ["stage"])
        if interest.stage is InterestStage.HIRED:
            raise StateError(_l("This hire is already recorded."))

    placement = place_seeker(
        interest.seeker_id, start_date, monthly_pay, opening_id=interest.opening_id,
        channel=PlacementChannel.FAIR if fair else PlacementChannel.REFERRAL,
        interest_id=interest.id, fair_id=interest.fair_id, by=by,
        additional_job_reason=additional_job_reason, today=today,
        fair_day=fair.held_on if fair else None,
        referred_on=None if fair else interest.created_at.date(),
        recheck=still_an_intent)
    interest.correct_to(InterestStage.HIRED)
    return placement


def place_seeker(seeker_id: int, start_date: date, monthly_pay: int | None, *,
                 channel: PlacementChannel, opening_id: int | None = None,
                 kind: PlacementKind = PlacementKind.JOB, job_title: str | None = None,
                 category_code: str | None = None, interest_id: int | None = None,
                 fair_id: int | None = None, referral_id: int | None = None, by=None,
                 additional_job_reason: str | None = None, today: date | None = None,
                 fair_day: date | None = None, referred_on: date | None = None,
                 recheck=None) -> Placement:
    """Record that a person started work, by any channel; the one way a placement is made.

    A job through Qibu names its `opening_id`; a self-found job or a business of one's
    own names `job_title` instead. Refused: a start date before the fair or referral
    (`fair_day`, `referred_on`) or after today; a person who already has a current job
    from Qibu, unless `additional_job_reason` says why they take a second one; an
    opening with no place left. The place is taken with one conditional UPDATE, so
    concurrent hires can never push `filled` past the headcount; the person's row is
    then locked (SELECT … FOR UPDATE on PostgreSQL; on SQLite that UPDATE, or the
    person's, already holds the database's write lock) before their current jobs are
    counted, so two concurrent placements of one person cannot both pass the
    one-current-job rule. `recheck`, called under that lock, may refuse a placement a
    request at the same moment has just recorded. Follow-ups at 1, 3, 6 and 12 months
    are scheduled.
    """
    Placement.check_start_date(start_date, today or local_today(), fair_day=fair_day,
                               referred_on=referred_on)
    title = (job_title or "").strip()[:120] or None
    if opening_id is None and title is None:
        raise StateError(_l("Say what the work is (for example “warehouse picker”)."))
    reason = (additional_job_reason or "").strip()[:1000] or None
    if opening_id is not None:
        taken = db.session.execute(
            sa.update(Opening)
            .where(Opening.id == opening_id,
                   sa.or_(Opening.headcount.is_(None), Opening.filled < Opening.headcount))
            .values(filled=Opening.filled + 1)
            .execution_options(synchronize_session=False)
        )
        if taken.rowcount == 0:
            raise StateError(_l("Every place of this opening is filled; no hire can be "
                                "added."))
    else:
        # without an opening, the person's row is the lock (SQLite: this write takes it)
        db.session.execute(sa.update(Seeker).where(Seeker.id == seeker_id)
                           .values(status=Seeker.status)
                           .execution_options(synchronize_session=False))
    if recheck is not None:
        recheck()
    seeker = db.session.scalars(sa.select(Seeker).where(Seeker.id == seeker_id)
                                .with_for_update()).one()
    current = db.session.scalars(Placement.current_of(seeker.id).limit(1)).first()
    if current is not None and reason is None:
        job = current.title + (f" · {current.opening.employer.name}" if current.opening
                               else "")
        raise StateError(
            _l("%(code)s already has a current job from Qibu: %(job)s, since %(start)s. "
               "If that job has ended, record so in its follow-up first; if the person "
               "takes this job as well, say why under “Additional job: reason”."),
            code=seeker.code, job=job, start=current.start_date.isoformat())
    placement = Placement(seeker_id=seeker_id, opening_id=opening_id, channel=channel,
                          kind=kind, job_title=None if opening_id is not None else title,
                          category_code=category_code, interest_id=interest_id,
                          fair_id=fair_id, referral_id=referral_id,
                          start_date=start_date, monthly_pay=monthly_pay,
                          additional_job_reason=reason if current is not None else None,
                          recorded_by_id=getattr(by, "id", None))
    placement.schedule_follow_ups()
    db.session.add(placement)
    seeker.mark_placed()
    db.session.flush()
    log_event("placement_recorded", placement, opening=opening_id, channel=channel.value,
              kind=kind.value, additional_job=placement.additional_job_reason is not None)
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
