"""Plan and run fairs: create, open, close, invite employers, add participants (no commits)."""

import secrets
from datetime import date, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app.audit import log_event
from models import (
    Employer,
    Fair,
    FairEmployer,
    FairOpening,
    FairParticipant,
    Opening,
    OpeningStatus,
    Seeker,
    SeekerStatus,
    StateError,
    db,
)

# 31 characters without look-alikes (no 0/O, 1/I/L); 9 of them carry 44.6 bits.
BADGE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
BADGE_LENGTH = 9


def new_badge_code() -> str:
    """Return an unused random badge code (never sequential, never guessable)."""
    while True:
        code = "".join(secrets.choice(BADGE_ALPHABET) for _ in range(BADGE_LENGTH))
        taken = db.session.scalar(
            sa.select(FairParticipant.id).where(FairParticipant.badge_code == code)
        )
        if taken is None:
            return code


def format_badge_code(code: str) -> str:
    """Group a badge code in threes for reading aloud: K7M-9XQ-2PB."""
    return "-".join(code[i:i + 3] for i in range(0, len(code), 3))


def normalize_badge_code(text: str) -> str:
    """Read a typed or scanned badge code: case, spaces and dashes don't matter."""
    return "".join(ch for ch in (text or "").upper() if ch.isalnum())


def create_fair(data: dict, organizer) -> Fair:
    code = data.pop("code")
    if db.session.scalar(sa.select(Fair.id).where(Fair.code == code)) is not None:
        raise StateError(_l("A fair with the code %(code)s exists; choose another."), code=code)
    fair = Fair(code=code, **data)
    if organizer is not None and organizer.role.value == "organizer":
        fair.organizers.append(organizer)
    db.session.add(fair)
    db.session.flush()
    log_event("fair_created", fair)
    return fair


def open_fair(fair: Fair) -> None:
    fair.open()
    log_event("fair_opened", fair)


def close_fair(fair: Fair) -> None:
    fair.close()
    log_event("fair_closed", fair)


def invite_employer(fair: Fair, employer: Employer, booth: str | None) -> FairEmployer:
    """Invite an employer to a fair at a booth, offering all its open openings."""
    booth = (booth or "").strip().upper() or None
    existing = db.session.scalar(
        sa.select(FairEmployer).where(FairEmployer.fair_id == fair.id,
                                      FairEmployer.employer_id == employer.id)
    )
    if existing is not None:
        raise StateError(_l("%(name)s is already invited to this fair."), name=employer.name)
    if booth and db.session.scalar(
        sa.select(FairEmployer.id).where(FairEmployer.fair_id == fair.id,
                                         FairEmployer.booth == booth)
    ):
        raise StateError(_l("Booth %(booth)s is already taken; choose another."), booth=booth)
    invitation = FairEmployer(fair_id=fair.id, employer_id=employer.id, booth=booth)
    db.session.add(invitation)
    db.session.flush()
    openings = db.session.scalars(
        sa.select(Opening).where(Opening.employer_id == employer.id,
                                 Opening.status == OpeningStatus.OPEN)
    ).all()
    for opening in openings:
        db.session.add(FairOpening(fair_id=fair.id, fair_employer_id=invitation.id,
                                   opening_id=opening.id))
    db.session.flush()
    log_event("employer_invited", fair, employer=employer.id, booth=booth)
    return invitation


def set_offered_openings(invitation: FairEmployer, opening_ids: set[int]) -> None:
    """Offer exactly these of the employer's openings at the fair."""
    current = {fo.opening_id: fo for fo in invitation.openings}
    for opening_id, fair_opening in current.items():
        if opening_id not in opening_ids:
            db.session.delete(fair_opening)
    for opening_id in opening_ids - set(current):
        db.session.add(FairOpening(fair_id=invitation.fair_id,
                                   fair_employer_id=invitation.id, opening_id=opening_id))
    db.session.flush()
    log_event("fair_openings_set", invitation.fair, employer=invitation.employer_id,
              openings=sorted(opening_ids))


def seekers_due(fair: Fair, months: int) -> list[Seeker]:
    """Seekers of the fair's facility due for release within `months` of the fair day."""
    until = fair.held_on + timedelta(days=round(months * 30.44))
    already = sa.select(FairParticipant.seeker_id).where(FairParticipant.fair_id == fair.id)
    return db.session.scalars(
        sa.select(Seeker).where(
            Seeker.facility_id == fair.facility_id,
            Seeker.status == SeekerStatus.IN_FACILITY,
            Seeker.expected_release_date.is_not(None),
            Seeker.expected_release_date >= min(fair.held_on, date.today()),
            Seeker.expected_release_date <= until,
            Seeker.id.not_in(already),
        ).order_by(Seeker.expected_release_date, Seeker.code)
    ).all()


def add_participants(fair: Fair, seekers: list[Seeker]) -> list[FairParticipant]:
    """Register seekers of the fair's facility, each with a new badge code."""
    fair.require_participants_allowed()
    added = []
    for seeker in seekers:
        if seeker.facility_id != fair.facility_id:
            raise StateError(_l("Only people of the fair's facility can take part."))
        participant = FairParticipant(fair_id=fair.id, seeker_id=seeker.id,
                                      badge_code=new_badge_code())
        db.session.add(participant)
        added.append(participant)
    db.session.flush()
    log_event("participants_added", fair, count=len(added))
    return added
