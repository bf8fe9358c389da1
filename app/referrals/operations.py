"""Targeted referrals (定向推荐): refer a consenting person to an open opening, record the
employer's answers, and turn an offer into a placement (flush and audit, never commit)."""

from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from app.audit import log_event
from app.clock import local_today
from app.fairs.placements import place_seeker
from models import (
    DeclineReason,
    Opening,
    Placement,
    PlacementChannel,
    Referral,
    ReferralRequest,
    ReferralRequestStatus,
    ReferralSource,
    ReferralStatus,
    Role,
    Seeker,
    StateError,
    db,
)
from models.referrals import ACTIVE_REFERRAL_STATES


class AlreadyReferred(StateError):
    """The person already has an active referral to this opening; `referral` is it."""

    def __init__(self, referral: Referral):
        super().__init__(
            _l("%(code)s already has an active referral to this opening, made on "
               "%(date)s; nothing new was saved. Here it is."),
            code=referral.seeker.code, date=referral.referred_on.isoformat())
        self.referral = referral


def active_referral(seeker_id: int, opening_id: int) -> Referral | None:
    """The person's referral to the opening that is still under way, if any."""
    return db.session.scalar(
        sa.select(Referral).where(Referral.seeker_id == seeker_id,
                                  Referral.opening_id == opening_id,
                                  Referral.status.in_(ACTIVE_REFERRAL_STATES)))


def active_referrals_of(seeker: Seeker) -> dict[int, Referral]:
    """The person's referrals under way, by opening id."""
    return {r.opening_id: r for r in db.session.scalars(
        sa.select(Referral).where(Referral.seeker_id == seeker.id,
                                  Referral.status.in_(ACTIVE_REFERRAL_STATES)))}


def check_referable(seeker: Seeker, opening: Opening) -> None:
    """Refuse a referral the rules forbid, saying what to do instead."""
    if not seeker.consent_share or seeker.anonymised_at is not None:
        raise StateError(
            _l("%(code)s has not agreed to share a pseudonymous profile with employers, so "
               "they cannot be referred. Record their consent on their page first."),
            code=seeker.code)
    if not opening.visible_to_seekers:
        raise StateError(
            _l("This opening is not open to job seekers (it is closed, or its employer is "
               "not verified yet): choose another opening."))
    current = db.session.scalars(Placement.current_of(seeker.id).limit(1)).first()
    if current is not None:
        raise StateError(
            _l("%(code)s already has a current job from Qibu: %(job)s, since %(start)s. If "
               "that job has ended, record so in its follow-up first, then refer them."),
            code=seeker.code, job=current.title, start=current.start_date.isoformat())


def refer_seeker(seeker: Seeker, opening: Opening, source: ReferralSource, by,
                 request: ReferralRequest | None = None, today: date | None = None
                 ) -> Referral:
    """Refer the person to the opening; answer the social worker's `request` with it.

    Refused (StateError) without the person's consent to share, for an opening job
    seekers may not see, for a person with a current job from Qibu, and when an active
    referral of the pair exists (`AlreadyReferred`). Two requests at the same moment
    both pass that check; the partial unique index `ix_referrals_one_active` then
    refuses the second insert with an IntegrityError, which the caller answers.
    """
    if request is not None:
        # two staff answering one request at once: the second waits here, then sees it
        # answered (on SQLite the form's first write already holds the write lock)
        db.session.refresh(request, with_for_update=True)
        if request.seeker_id != seeker.id:
            raise StateError(_l("This request is about another person."))
        if request.status is not ReferralRequestStatus.OPEN:
            raise StateError(_l("This request has already been answered."))
    existing = active_referral(seeker.id, opening.id)
    if existing is not None:
        raise AlreadyReferred(existing)
    check_referable(seeker, opening)
    referral = Referral(seeker_id=seeker.id, opening_id=opening.id, source=source,
                        referred_on=today or local_today(),
                        referred_by_id=getattr(by, "id", None))
    db.session.add(referral)
    db.session.flush()
    log_event("referral_made", referral, seeker=seeker.code, opening=opening.id,
              source=source.value)
    if request is not None:
        request.answer_with(referral, getattr(by, "id", None))
        db.session.flush()
        log_event("referral_request_answered", request, referral=referral.id)
    return referral


def record_interview(referral: Referral, on: date, by) -> None:
    """The employer invited the person to an interview on `on`."""
    referral.invite_to_interview(on, by_id=by.id)
    db.session.flush()
    log_event("referral_interview", referral, interview_on=on.isoformat())


def record_offer(referral: Referral, on: date, pay: int | None, by) -> None:
    """The employer offered the person the job."""
    referral.make_offer(on, pay, by_id=by.id)
    db.session.flush()
    log_event("referral_offer", referral, offered_on=on.isoformat(), pay=pay)


def record_decline(referral: Referral, reason: DeclineReason | None, on: date, note: str,
                   by) -> None:
    """The employer (or the person) did not go on, for a structured reason."""
    referral.decline(reason, on, (note or "").strip()[:1000], by_id=by.id)
    db.session.flush()
    log_event("referral_declined", referral, reason=reason.value if reason else None)


def withdraw_referral(referral: Referral, by) -> None:
    """Staff withdraw the referral."""
    referral.withdraw(by_id=by.id)
    db.session.flush()
    log_event("referral_withdrawn", referral)


def placement_channel(referral: Referral) -> PlacementChannel:
    """The channel (就业渠道) a hire through this referral is counted under.

    Job practice when the referral followed a practice day; training when the opening asks
    for a certificate the person earned through a Qibu course (and had not named in their
    survey): the course is what opened the job; otherwise the referral itself.
    """
    if referral.practice_booking_id is not None:
        return PlacementChannel.PRACTICE
    seeker = referral.seeker
    survey = seeker.latest_survey
    named = set(survey.certificates or []) if survey is not None else set()
    earned = {c.certificate_code for c in seeker.earned_certificates} - named
    if earned & set(referral.opening.certificates_required or []):
        return PlacementChannel.TRAINING
    return PlacementChannel.REFERRAL


def hire_from_referral(referral: Referral, start_date: date, monthly_pay: int | None, by,
                       additional_job_reason: str | None = None,
                       today: date | None = None) -> Placement:
    """Record that the offer became a hire: a placement by the referral's channel
    (`placement_channel`), with the same rules and follow-ups as every placement (`place_seeker`).

    The referral's status is read again under the placement's lock, so the same hire
    sent twice at once is recorded once.
    """
    if referral.status is ReferralStatus.PLACED:
        raise StateError(_l("This hire is already recorded."))
    if referral.status is not ReferralStatus.OFFERED:
        raise StateError(_l("Only an offer can become a placement."))

    def still_an_offer():
        db.session.refresh(referral, ["status"])
        if referral.status is ReferralStatus.PLACED:
            raise StateError(_l("This hire is already recorded."))
        if referral.status is not ReferralStatus.OFFERED:
            raise StateError(_l("Only an offer can become a placement."))

    placement = place_seeker(
        referral.seeker_id, start_date, monthly_pay, channel=placement_channel(referral),
        opening_id=referral.opening_id, referral_id=referral.id, by=by,
        additional_job_reason=additional_job_reason, today=today,
        referred_on=referral.referred_on, recheck=still_an_offer)
    referral.mark_placed()
    db.session.flush()
    log_event("referral_placed", referral, placement=placement.id)
    return placement


def visible_referrals(user) -> sa.Select:
    """The referrals `user` may see: bureau staff their facility's, others all."""
    query = (sa.select(Referral).join(Seeker, Seeker.id == Referral.seeker_id)
             .options(selectinload(Referral.seeker),
                      selectinload(Referral.opening).selectinload(Opening.employer)))
    if user.role is Role.BUREAU:
        query = query.where(Seeker.facility_id == user.facility_id)
    return query


def stale_first(referrals: list[Referral], today: date) -> list[Referral]:
    """Referrals open too long first (longest silence first), then the newest."""
    return sorted(referrals, key=lambda r: (
        not r.is_stale(today),
        -(today - r.last_activity_on).days if r.is_stale(today) else 0,
        -r.referred_on.toordinal(), -r.id))


def placement_of(referral: Referral) -> Placement | None:
    return db.session.scalar(
        sa.select(Placement).where(Placement.referral_id == referral.id)
        .options(selectinload(Placement.follow_ups)))
