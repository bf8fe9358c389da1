"""Release, hand-over to a community social worker, and what the social worker records
after release (flush and audit; never commit)."""

from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app.audit import log_event
from app.fairs.placements import place_seeker
from models import (
    AFTERCARE_MONTHS,
    AftercareCheck,
    Handover,
    Placement,
    PlacementChannel,
    PlacementKind,
    ReferralRequest,
    ReferralRequestStatus,
    Seeker,
    SeekerStatus,
    StaffUser,
    StateError,
    db,
    utcnow,
)
from models.placements import add_months

# what a social worker's request for a new referral may say, at most
REQUEST_NOTE_MAX = 500


def release_seeker(seeker: Seeker, on: date, by: StaffUser, today: date) -> None:
    """Record the day the person left the facility."""
    if on > today:
        raise StateError(_l("The release date %(on)s is in the future. Record the release "
                            "on the day the person leaves, or after."), on=on.isoformat())
    if seeker.admitted_on is not None and on < seeker.admitted_on:
        raise StateError(_l("The release date %(on)s is before the admission (%(admitted)s)."),
                         on=on.isoformat(), admitted=seeker.admitted_on.isoformat())
    seeker.release(on)
    log_event("seeker_released", seeker, on=on.isoformat())


def current_handover(seeker_id: int, lock: bool = False) -> Handover | None:
    query = sa.select(Handover).where(Handover.seeker_id == seeker_id,
                                      Handover.ended_on.is_(None))
    if lock:
        query = query.with_for_update()
    return db.session.scalar(query)


def hand_over(seeker: Seeker, worker: StaffUser | None, consent: bool, note: str,
              by: StaffUser, today: date) -> Handover:
    """Hand the released person to a community social worker, with their consent.

    A current hand-over ends today. Aftercare checks are scheduled 1, 3, 6 and 12 months
    after the release date, except months a check of an earlier hand-over already did.
    """
    Handover.check(worker, consent)
    if seeker.status is SeekerStatus.IN_FACILITY or seeker.expected_release_date is None:
        raise StateError(_l("Record the release first: a person is handed over at release."))
    previous = current_handover(seeker.id, lock=True)
    if previous is not None:
        previous.end(today)
        db.session.flush()  # the one-current index holds before the new row is written
        log_event("handover_ended", seeker, handover=previous.id)
    released = seeker.expected_release_date
    done = set(db.session.execute(
        sa.select(AftercareCheck.month, AftercareCheck.due_on)
        .join(Handover, Handover.id == AftercareCheck.handover_id)
        .where(Handover.seeker_id == seeker.id, AftercareCheck.done_on.is_not(None))).all())
    handover = Handover(seeker_id=seeker.id, social_worker_id=worker.id, handed_on=today,
                        consent_at=utcnow(), handed_by_id=by.id,
                        note=(note or "").strip()[:2000])
    db.session.add(handover)
    db.session.flush()
    for months in AFTERCARE_MONTHS:
        due_on = add_months(released, months)
        if (months, due_on) not in done:
            db.session.add(AftercareCheck(handover_id=handover.id, month=months, due_on=due_on))
    db.session.flush()
    log_event("handover_created", seeker, handover=handover.id, social_worker=worker.id)
    return handover


def record_aftercare_check(check: AftercareCheck, on: date, reached: bool,
                           working: bool | None, note: str, by: StaffUser,
                           today: date) -> None:
    """Record a social worker's check-in: reached? working?"""
    check.record(on, reached, working, today)
    check.note = (note or "").strip()[:2000]
    check.recorded_by_id = by.id
    log_event("aftercare_check_recorded", check.handover.seeker, month=check.month,
              reached=reached, working=check.working)


def record_own_job(seeker: Seeker, *, job_title: str, category_code: str | None,
                   start_date: date, monthly_pay: int | None, kind: PlacementKind,
                   additional_job_reason: str | None, by: StaffUser,
                   today: date) -> Placement:
    """A job the person found by themselves (or their own business) after release: a
    placement of the self-found channel, followed up at 1, 3, 6 and 12 months."""
    return place_seeker(seeker.id, start_date, monthly_pay,
                        channel=PlacementChannel.SELF_FOUND, kind=kind, job_title=job_title,
                        category_code=category_code or None, by=by,
                        additional_job_reason=additional_job_reason, today=today)


def request_referral(seeker: Seeker, note: str, by: StaffUser, today: date) -> ReferralRequest:
    """Ask the employment centre for a new referral for the person: what work, where."""
    note = " ".join((note or "").split())[:REQUEST_NOTE_MAX]
    if not note:
        raise StateError(_l("Say what kind of work the person looks for, and where."))
    waiting = db.session.scalar(sa.select(ReferralRequest).where(
        ReferralRequest.seeker_id == seeker.id,
        ReferralRequest.status == ReferralRequestStatus.OPEN))
    if waiting is not None:
        raise StateError(_l("A request of %(on)s for this person is still waiting for the "
                            "employment centre."), on=waiting.asked_on.isoformat())
    request = ReferralRequest(seeker_id=seeker.id, asked_by_id=by.id, asked_on=today,
                              note=note)
    db.session.add(request)
    db.session.flush()
    log_event("referral_requested", seeker, request=request.id)
    return request
