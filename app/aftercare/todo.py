"""What is due: a social worker's to-do list over the people handed to them, and bureau
staff's over their facility's people. Overdue first, then due soon."""

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import aliased, selectinload

from app.aftercare.timeline import RELEASE_SOON_DAYS
from models import (
    AftercareCheck,
    BookingStatus,
    FollowUp,
    Handover,
    Opening,
    Placement,
    PracticeBooking,
    PracticeDay,
    Referral,
    ReferralStatus,
    Seeker,
    SeekerStatus,
    db,
)
from models.referrals import ACTIVE_REFERRAL_STATES

# how far ahead the lists look
SOON_DAYS = 30
# a practice day this close is on the bureau's list (tomorrow's people must be told)
PRACTICE_NOTICE_DAYS = 1


@dataclass(frozen=True)
class TodoItem:
    on: date
    kind: str
    seeker: Seeker
    text: object
    target: tuple[str, dict]

    def overdue(self, today: date) -> bool:
        return self.on < today


def _sorted(items: list[TodoItem]) -> list[TodoItem]:
    return sorted(items, key=lambda item: (item.on, item.seeker.code, item.kind))


def _job(placement: Placement) -> str:
    if placement.opening is not None:
        return f"{placement.opening.title} · {placement.opening.employer.name}"
    return placement.job_title or ""


def handed_to(worker_id: int):
    """A clause on Seeker: the people currently handed to this social worker."""
    return sa.exists().where(Handover.seeker_id == Seeker.id, Handover.ended_on.is_(None),
                             Handover.social_worker_id == worker_id)


def handed_over():
    """A clause on Seeker: people with a current hand-over."""
    return sa.exists().where(Handover.seeker_id == Seeker.id, Handover.ended_on.is_(None))


def people_of(worker_id: int) -> list[Handover]:
    """The current hand-overs to a social worker, most recent release first."""
    return db.session.scalars(
        sa.select(Handover).join(Seeker, Seeker.id == Handover.seeker_id)
        .where(Handover.social_worker_id == worker_id, Handover.ended_on.is_(None))
        .options(selectinload(Handover.seeker))
        .order_by(Seeker.expected_release_date.desc().nulls_last(), Seeker.code)).all()


def _follow_ups(among, until: date) -> list[TodoItem]:
    """Follow-ups not done, due by `until`, of jobs not known to have ended, of the
    people `among` (a clause on Seeker) lets through."""
    earlier = aliased(FollowUp)
    ended = sa.exists().where(earlier.placement_id == Placement.id,
                              earlier.still_employed.is_(False))
    rows = db.session.scalars(
        sa.select(FollowUp).join(Placement, Placement.id == FollowUp.placement_id)
        .join(Seeker, Seeker.id == Placement.seeker_id)
        .where(FollowUp.done_on.is_(None), FollowUp.due_on <= until, ~ended, among)
        .options(selectinload(FollowUp.placement).selectinload(Placement.seeker),
                 selectinload(FollowUp.placement).selectinload(Placement.opening)
                 .selectinload(Opening.employer))).all()
    return [TodoItem(f.due_on, "follow_up", f.placement.seeker,
                     _l("Follow-up after %(n)s months: %(job)s", n=f.month,
                        job=_job(f.placement)),
                     ("aftercare.follow_up", {"follow_up_id": f.id})) for f in rows]


def social_worker_todo(worker_id: int, today: date) -> list[TodoItem]:
    """Aftercare checks and placement follow-ups due for the people handed to them."""
    until = today + timedelta(days=SOON_DAYS)
    checks = db.session.scalars(
        sa.select(AftercareCheck).join(Handover, Handover.id == AftercareCheck.handover_id)
        .where(Handover.social_worker_id == worker_id, Handover.ended_on.is_(None),
               AftercareCheck.done_on.is_(None), AftercareCheck.due_on <= until)
        .options(selectinload(AftercareCheck.handover).selectinload(Handover.seeker))).all()
    items = [TodoItem(c.due_on, "aftercare_check", c.handover.seeker,
                      _l("Aftercare check after %(n)s months", n=c.month),
                      ("aftercare.check", {"check_id": c.id})) for c in checks]
    items += _follow_ups(handed_to(worker_id), until)
    return _sorted(items)


def bureau_todo(facility_id: int | None, today: date) -> list[TodoItem]:
    """A facility's (None: every facility's) releases without a hand-over, follow-ups of
    people not handed over, referrals open too long and practice days booked."""
    mine = Seeker.facility_id == facility_id if facility_id is not None else sa.true()
    items: list[TodoItem] = []
    releasing = db.session.scalars(sa.select(Seeker).where(
        mine, ~handed_over(), Seeker.anonymised_at.is_(None),
        Seeker.expected_release_date.between(today - timedelta(days=RELEASE_SOON_DAYS),
                                             today + timedelta(days=RELEASE_SOON_DAYS)))).all()
    for seeker in releasing:
        day = seeker.expected_release_date.isoformat()
        text = (_l("Release on %(day)s: record the release and hand over", day=day)
                if seeker.status is SeekerStatus.IN_FACILITY
                else _l("Released on %(day)s and not handed over", day=day))
        items.append(TodoItem(seeker.expected_release_date, "release", seeker, text,
                              ("aftercare.person", {"code": seeker.code})))
    items += _follow_ups(sa.and_(mine, ~handed_over()), today + timedelta(days=14))
    referrals = db.session.scalars(
        sa.select(Referral).join(Seeker, Seeker.id == Referral.seeker_id)
        .where(mine, Referral.status.in_(ACTIVE_REFERRAL_STATES))
        .options(selectinload(Referral.seeker),
                 selectinload(Referral.opening).selectinload(Opening.employer))).all()
    for referral in referrals:
        if not referral.is_stale(today):
            continue
        since = referral.last_activity_on
        job = " · ".join((referral.opening.title, referral.opening.employer.name))
        text = (_l("Offer not yet taken up since %(day)s: %(job)s", day=since.isoformat(),
                   job=job) if referral.status is ReferralStatus.OFFERED else
                _l("Referral open too long, nothing heard since %(day)s: %(job)s",
                   day=since.isoformat(), job=job))
        items.append(TodoItem(since, "referral", referral.seeker, text,
                              ("referrals.referral", {"referral_id": referral.id})))
    bookings = db.session.scalars(
        sa.select(PracticeBooking)
        .join(PracticeDay, PracticeDay.id == PracticeBooking.practice_day_id)
        .join(Seeker, Seeker.id == PracticeBooking.seeker_id)
        .where(mine, PracticeBooking.status == BookingStatus.BOOKED,
               PracticeDay.held_on.between(today - timedelta(days=14),
                                           today + timedelta(days=PRACTICE_NOTICE_DAYS)))
        .options(selectinload(PracticeBooking.seeker),
                 selectinload(PracticeBooking.practice_day)
                 .selectinload(PracticeDay.employer))).all()
    for booking in bookings:
        day = booking.practice_day
        text = (_l("Job practice on %(day)s at %(employer)s, %(place)s",
                   day=day.held_on.isoformat(), employer=day.employer.name, place=day.place)
                if day.held_on >= today else
                _l("Job practice of %(day)s at %(employer)s: record attendance",
                   day=day.held_on.isoformat(), employer=day.employer.name))
        items.append(TodoItem(day.held_on, "practice", booking.seeker, text,
                              ("practice.day", {"day_id": day.id})))
    return _sorted(items)
