"""Kiosk sign-in by badge code (throttled per device in the database), interests and the
self-test."""

import functools
import json
from dataclasses import dataclass, replace
from datetime import datetime

import sqlalchemy as sa
from flask import session
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload, selectinload

from app.fairs import recording
from app.fairs.operations import normalize_badge_code
from app.kiosk import throttle
from models import (
    Employer,
    Fair,
    FairEmployer,
    FairOpening,
    FairParticipant,
    FairRecommendation,
    FairStatus,
    Interest,
    InterestStage,
    Opening,
    Seeker,
    Shift,
    StateError,
    db,
    utcnow,
)

SESSION_KEY = "kiosk"


def sign_in(fair: Fair, kiosk_user, device_id: str, code: str,
            now: datetime | None = None) -> tuple[FairParticipant | None, bool]:
    """Return (the participant with this badge or None, whether the code was tried).

    A device under delay is answered without the code being tried; otherwise a valid
    badge is always accepted (and, while the fair is open, marks the person as attending),
    and a wrong code counts against this device and the code it aimed at
    (app.kiosk.throttle).
    """
    now = now or utcnow()
    if throttle.check_device(kiosk_user, device_id, now):
        return None, False
    participant = recording.find_participant(fair, code)
    if participant is None:
        if not normalize_badge_code(code):
            return None, True  # OK pressed before typing: not a guess
        throttle.record_wrong_code(fair.id, kiosk_user, device_id, normalize_badge_code(code),
                                   now)
        return None, True
    throttle.record_success(kiosk_user, device_id)
    if fair.records_stages:  # signing in at the kiosk on fair day is attending the fair
        recording.mark_attended(fair, participant, via="kiosk")
    session[SESSION_KEY] = {"participant": participant.id, "answers": {}}
    return participant, True


def current_participant(fair: Fair) -> FairParticipant | None:
    """The participant signed in at this kiosk if they belong to this fair, with their
    seeker (one query)."""
    participant_id = (session.get(SESSION_KEY) or {}).get("participant")
    if not participant_id:
        return None
    return db.session.scalar(_participant_statement(),
                             {"participant_id": participant_id, "fair_id": fair.id})


@functools.cache
def _participant_statement():
    """Built once: every kiosk page asks, and building it costs more than running it."""
    return (sa.select(FairParticipant)
            .where(FairParticipant.id == sa.bindparam("participant_id", type_=sa.Integer),
                   FairParticipant.fair_id == sa.bindparam("fair_id", type_=sa.Integer))
            .options(joinedload(FairParticipant.seeker)))


@dataclass(frozen=True)
class Visit:
    """The visitor at this kiosk as "my options" needs them: who, and the fair's name and
    plan time. Read as plain columns in one query: the kiosk's busiest page has no use
    for the participant's, seeker's and fair's ORM objects."""

    participant_id: int
    seeker_id: int
    fair_id: int
    name: str
    fair_name_zh: str
    fair_name_en: str
    planned_at: datetime | None
    fair_status: FairStatus

    @property
    def fair_closed(self) -> bool:
        return self.fair_status is FairStatus.CLOSED

    def fair_name(self, locale: str) -> str:
        return self.fair_name_en if str(locale).startswith("en") else self.fair_name_zh


def current_visit(fair_id: int | None) -> Visit | None:
    """The visit at this kiosk if its participant belongs to this fair."""
    participant_id = (session.get(SESSION_KEY) or {}).get("participant")
    if not participant_id or fair_id is None:
        return None
    row = db.session.connection().execute(
        _visit_statement(), {"participant_id": participant_id, "fair_id": fair_id}).first()
    return None if row is None else Visit(*row)


@functools.cache
def _visit_statement():
    return (sa.select(FairParticipant.id, FairParticipant.seeker_id, FairParticipant.fair_id,
                      Seeker.name, Fair.name_zh, Fair.name_en, Fair.planned_at, Fair.status)
            .join(Seeker, Seeker.id == FairParticipant.seeker_id)
            .join(Fair, Fair.id == FairParticipant.fair_id)
            .where(FairParticipant.id == sa.bindparam("participant_id", type_=sa.Integer),
                   FairParticipant.fair_id == sa.bindparam("fair_id", type_=sa.Integer)))


def end_visit() -> None:
    """Forget the person at the kiosk (idle time-out, 'finish', or a new badge)."""
    session.pop(SESSION_KEY, None)


def planned_openings(participant: FairParticipant) -> list[FairRecommendation]:
    """The participant's plan, best first, with each opening and employer (one query)."""
    return db.session.scalars(
        sa.select(FairRecommendation).where(FairRecommendation.participant_id == participant.id)
        .join(FairRecommendation.opening).where(Opening.visible_to_seekers)
        .options(joinedload(FairRecommendation.opening, innerjoin=True)
                 .joinedload(Opening.employer, innerjoin=True))
        .order_by(FairRecommendation.rank)
    ).all()


def planned_opening_ids(participant_id: int) -> set[int]:
    """The openings in the participant's plan."""
    return set(db.session.scalars(sa.select(FairRecommendation.opening_id)
                                  .where(FairRecommendation.participant_id == participant_id)))


@dataclass(frozen=True)
class OptionCard:
    """One opening as "my options" shows it: its facts, booth, reasons and marked interest.

    The reasons stay the JSON text they are kept as until a card is drawn: a card drawn
    before is found by that text, without reading it."""

    opening_id: int
    title: str
    employer: str
    booth: str | None
    district: str | None
    pay_min: int | None
    pay_max: int | None
    pay_months: int
    pay_period: str
    shift: Shift
    accommodation: bool
    interested: bool
    reasons_json: str

    @property
    def id(self) -> int:
        """The opening's id, as the opening's label reads it (app.opening_labels)."""
        return self.opening_id

    @property
    def reasons(self) -> list[dict]:
        return json.loads(self.reasons_json) if self.reasons_json else []


def option_cards(visit: Visit,
                 more: list[tuple[int, str]]) -> tuple[list[OptionCard], list[OptionCard]]:
    """The participant's planned openings (best first) and these (opening id, reasons as
    JSON text) as cards, from one query of plain columns: the options page is the kiosk's
    busiest, so no ORM objects for each opening, employer, booth and interest.

    Openings closed since (their places filled, or withdrawn by the employer), openings
    of an employer un-verified or suspended since (`Opening.visible_to_seekers`) and
    "more" openings that no longer exist are left out.
    """
    params = {"fair_id": visit.fair_id, "participant_id": visit.participant_id,
              "seeker_id": visit.seeker_id}
    if more:
        params["more_ids"] = [opening_id for opening_id, _reasons in more]
    plan, found = [], {}
    # plain rows, so straight on the connection: the ORM layer would only add its cost
    rows = db.session.connection().execute(_option_cards_statement(bool(more)), params)
    for rank, reasons_json, *row in rows:
        card = OptionCard(*row[:-1], interested=bool(row[-1]), reasons_json=reasons_json)
        if rank is None:
            found[card.opening_id] = card
        else:
            plan.append((rank, card))
    plan.sort(key=lambda ranked: ranked[0])
    return ([card for _rank, card in plan],
            [replace(found[opening_id], reasons_json=reasons_json)
             for opening_id, reasons_json in more if opening_id in found])


@functools.cache
def _option_cards_statement(with_more: bool):
    """The query of option_cards, built once: building a statement of this size costs
    more than running it."""
    fair_id = sa.bindparam("fair_id", type_=sa.Integer)
    seeker_id = sa.bindparam("seeker_id", type_=sa.Integer)
    interested = sa.exists().where(Interest.fair_id == fair_id, Interest.seeker_id == seeker_id,
                                   Interest.opening_id == Opening.id)

    def facts(source, *columns):
        # the columns that place the card, then OptionCard's fields up to `reasons_json`
        return (sa.select(*columns, Opening.id, Opening.title, Employer.name,
                          FairEmployer.booth, Opening.district, Opening.pay_min,
                          Opening.pay_max, Opening.pay_months, Opening.pay_period,
                          Opening.shift, Opening.accommodation, interested)
                .select_from(source)
                .where(Opening.visible_to_seekers)
                .join(Employer, Employer.id == Opening.employer_id)
                .join(FairOpening, sa.and_(FairOpening.opening_id == Opening.id,
                                           FairOpening.fair_id == fair_id), isouter=True)
                .join(FairEmployer, FairEmployer.id == FairOpening.fair_employer_id,
                      isouter=True))

    planned = facts(
        sa.join(FairRecommendation, Opening, Opening.id == FairRecommendation.opening_id),
        # as text (PostgreSQL's driver would read JSON into lists)
        FairRecommendation.rank, sa.cast(FairRecommendation.reasons, sa.Text),
    ).where(FairRecommendation.participant_id == sa.bindparam("participant_id",
                                                              type_=sa.Integer))
    if not with_more:
        return planned
    return sa.union_all(planned, facts(
        Opening,
        sa.literal(None, FairRecommendation.rank.type),
        sa.literal(None, sa.Text),
    ).where(Opening.id.in_(sa.bindparam("more_ids", expanding=True))))


def booths_by_opening(fair_id: int) -> dict[int, str | None]:
    """The booth of every opening offered at the fair, in one query (not one per booth)."""
    return dict(db.session.execute(
        sa.select(FairOpening.opening_id, FairEmployer.booth)
        .join(FairEmployer, FairEmployer.id == FairOpening.fair_employer_id)
        .where(FairOpening.fair_id == fair_id)
    ).all())


def fair_openings(fair: Fair) -> list[tuple[Opening, str | None]]:
    rows = db.session.execute(
        sa.select(Opening, FairOpening.fair_employer_id)
        .join(FairOpening, FairOpening.opening_id == Opening.id)
        .where(FairOpening.fair_id == fair.id, Opening.visible_to_seekers)
        .options(selectinload(Opening.employer))
    ).all()
    booths = {b.id: b.booth for b in fair.booths}
    return [(opening, booths.get(fe_id)) for opening, fe_id in rows]


def mark_interest(fair: Fair, participant: FairParticipant, opening_id: int):
    """Record "我感兴趣" from the kiosk (source 'kiosk'), for an opening the person may see."""
    if not db.session.scalar(sa.select(
            sa.exists().where(Opening.id == opening_id, Opening.visible_to_seekers))):
        raise StateError(_l("This opening is no longer offered. Please choose another one."))
    return recording.record_stage(fair, participant, opening_id, InterestStage.INTERESTED,
                                  source="kiosk")


def interested_openings(fair: Fair, participant: FairParticipant) -> set[int]:
    return set(db.session.scalars(sa.select(Interest.opening_id).where(
        Interest.fair_id == fair.id, Interest.seeker_id == participant.seeker_id)))


def touch() -> None:
    """Note that the kiosk was used just now (the idle time-out counts from here)."""
    state = session.get(SESSION_KEY) or {}
    state["seen"] = utcnow().isoformat()
    session[SESSION_KEY] = state
