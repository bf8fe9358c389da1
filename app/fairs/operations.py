"""Plan and run fairs: create, open, close, invite employers, add participants (no commits)."""

import re
import secrets
from dataclasses import dataclass, field
from datetime import timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app.audit import log_event
from app.clock import local_today
from models import (
    Employer,
    Fair,
    FairEmployer,
    FairOpening,
    FairParticipant,
    FairStatus,
    Opening,
    OpeningStatus,
    Seeker,
    SeekerStatus,
    StateError,
    Survey,
    SurveyIntention,
    db,
)
from surveys.values import normalize_employer_name

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


def given_name(name: str) -> str:
    """The given name of a Chinese name (without the surname), as badges show it."""
    name = (name or "").strip()
    if len(name) >= 4:
        return name[2:]
    return name[1:] if len(name) >= 2 else name


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


def invite_employer(fair: Fair, employer: Employer, booth: str | None = None) -> FairEmployer:
    """Invite one employer to a fair at a booth (the next free one when none is given),
    offering all its open openings."""
    return invite_employers(fair, [employer], booths={employer.id: booth} if booth else None)[0]


class InvitationsRefused(StateError):
    """Some of the employers chosen cannot be invited; none was, and `problems` says why."""

    def __init__(self, problems: list[StateError]):
        super().__init__(_l("No employer was invited. Correct the choice and try again:"))
        self.problems = problems


BOOTH_PATTERN = re.compile(r"^[A-Z0-9-]{1,8}$")
_NUMBERED_BOOTH = re.compile(r"^([A-Z]*)(\d+)$")


def normalize_booth(text: str | None) -> str | None:
    """A booth code as stored: trimmed and upper-case ('a01 ' → 'A01'); None when blank."""
    return (text or "").strip().upper() or None


def next_booth_codes(fair: Fair, count: int) -> list[str]:
    """The next `count` free booth codes of a fair, continuing after its highest numbered
    booth (A07 → A08, A09, …; B12 → B13), from A01 on a fair without one."""
    taken = set(db.session.scalars(
        sa.select(FairEmployer.booth).where(FairEmployer.fair_id == fair.id,
                                            FairEmployer.booth.is_not(None))))
    numbered = [(m.group(1), int(m.group(2)), len(m.group(2)))
                for m in map(_NUMBERED_BOOTH.match, taken) if m]
    prefix, number, width = max(numbered, default=("A", 0, 2))
    width = max(width, 2)
    codes = []
    while len(codes) < count:
        number += 1
        code = f"{prefix}{number:0{width}d}"
        if len(code) > 8:
            raise StateError(_l("No booth code is left after %(booth)s; rename some booths "
                                "and try again."), booth=codes[-1] if codes else prefix)
        if code not in taken:
            codes.append(code)
    return codes


def invite_employers(fair: Fair, employers: list[Employer],
                     booths: dict[int, str] | None = None,
                     problems: list[StateError] | None = None) -> list[FairEmployer]:
    """Invite employers to a fair, all or none: each at a booth (given in `booths` by
    employer id, else the next free code in order) and offering all its open openings.

    Raises InvitationsRefused listing every employer that cannot be invited (not
    verified, already invited, a booth taken) after the `problems` the caller found
    (e.g. pasted names that match no employer), and then invites nobody.
    """
    if fair.status is FairStatus.CLOSED:
        raise StateError(_l("The fair is closed; no employer can be invited any more."))
    booths = {k: normalize_booth(v) for k, v in (booths or {}).items()}
    unique = list({employer.id: employer for employer in employers}.values())
    problems = list(problems or [])
    if not unique and not problems:
        raise StateError(_l("Choose at least one employer: tick them in the list or paste "
                            "their names or credit codes."))
    invited = set(db.session.scalars(
        sa.select(FairEmployer.employer_id).where(FairEmployer.fair_id == fair.id)))
    taken = set(db.session.scalars(
        sa.select(FairEmployer.booth).where(FairEmployer.fair_id == fair.id)))
    for employer in unique:
        if employer.id in invited:
            problems.append(StateError(_l("%(name)s is already invited to this fair."),
                                       name=employer.name))
        elif not employer.verified:
            # only verified employers meet job seekers
            problems.append(StateError(_l("%(name)s is not verified yet: employment staff "
                                          "verify an employer before it can be invited."),
                                       name=employer.name))
        booth = booths.get(employer.id)
        if booth and booth in taken:
            problems.append(StateError(_l("Booth %(booth)s is already taken; choose another."),
                                       booth=booth))
        taken.add(booth)
    if problems:
        if len(unique) == 1 and len(problems) == 1:
            raise problems[0]
        raise InvitationsRefused(problems)
    free = iter(next_booth_codes(fair, sum(1 for e in unique if not booths.get(e.id))))
    invitations = []
    for employer in unique:
        booth = booths.get(employer.id) or next(free)
        invitation = FairEmployer(fair_id=fair.id, employer_id=employer.id, booth=booth)
        db.session.add(invitation)
        invitations.append(invitation)
    try:
        db.session.flush()
    except sa.exc.IntegrityError as error:  # someone invited or renamed at the same moment
        raise StateError(_l("The fair's booths changed while you were choosing; nobody was "
                            "invited. Look at the list again and try again.")) from error
    open_openings = db.session.scalars(
        sa.select(Opening).where(Opening.employer_id.in_([e.id for e in unique]),
                                 Opening.status == OpeningStatus.OPEN)
        .order_by(Opening.id)
    ).all()
    invitation_of = {i.employer_id: i for i in invitations}
    for opening in open_openings:
        db.session.add(FairOpening(fair_id=fair.id,
                                   fair_employer_id=invitation_of[opening.employer_id].id,
                                   opening_id=opening.id))
    db.session.flush()
    for invitation in invitations:
        log_event("employer_invited", fair, employer=invitation.employer_id,
                  booth=invitation.booth)
    return invitations


def set_booth(invitation: FairEmployer, booth: str | None) -> None:
    """Rename an invited employer's booth; a code is unique within its fair."""
    booth = normalize_booth(booth)
    if invitation.fair.status is FairStatus.CLOSED:
        raise StateError(_l("The fair is closed; its booths can no longer change."))
    if not booth or not BOOTH_PATTERN.match(booth):
        raise StateError(_l("Use up to 8 letters and digits, e.g. A01."))
    if booth == invitation.booth:
        return
    holder = db.session.scalar(
        sa.select(Employer.name).join(FairEmployer, FairEmployer.employer_id == Employer.id)
        .where(FairEmployer.fair_id == invitation.fair_id, FairEmployer.booth == booth))
    if holder is not None:
        raise StateError(_l("Booth %(booth)s is already %(name)s's; choose another code or "
                            "rename that booth first."), booth=booth, name=holder)
    old, invitation.booth = invitation.booth, booth
    try:
        db.session.flush()
    except sa.exc.IntegrityError as error:
        raise StateError(_l("Booth %(booth)s was taken a moment ago; choose another."),
                         booth=booth) from error
    log_event("booth_renamed", invitation.fair, employer=invitation.employer_id,
              old=old, new=booth)


@dataclass
class EmployerLookup:
    """Employers named in pasted text, and the lines that name none or several."""

    employers: list[Employer] = field(default_factory=list)
    problems: list[StateError] = field(default_factory=list)


_LIST_SEPARATORS = re.compile(r"[\r\n\t,，;；、]+")


def employers_named(text: str) -> EmployerLookup:
    """Find the employers a pasted list names, one a line (or separated by commas, tabs or
    semicolons): each by its unified social credit code or by its registered name, with
    spaces, brackets and case not mattering."""
    found = EmployerLookup()
    seen: set[int] = set()
    for item in _LIST_SEPARATORS.split(text or ""):
        item = item.strip()
        if not item:
            continue
        key = normalize_employer_name(item)
        matches = db.session.scalars(
            sa.select(Employer).where(sa.or_(Employer.uscc == item.upper().replace(" ", ""),
                                             Employer.normalized_name == key))
            .order_by(Employer.id)).all()
        if not matches:
            found.problems.append(StateError(
                _l("“%(text)s”: no employer has this name or credit code."), text=item))
        elif len(matches) > 1:
            found.problems.append(StateError(
                _l("“%(text)s” names %(n)s employers; paste their credit codes instead."),
                text=item, n=len(matches)))
        elif matches[0].id not in seen:
            seen.add(matches[0].id)
            found.employers.append(matches[0])
    return found


def fair_demand(fair: Fair) -> dict[str, int]:
    """Job categories the fair's participants want (from each one's latest survey), with
    how many want each, most wanted first."""
    surveys = db.session.execute(
        sa.select(Survey.seeker_id, Survey.id)
        .join(FairParticipant, FairParticipant.seeker_id == Survey.seeker_id)
        .where(FairParticipant.fair_id == fair.id)
        .order_by(Survey.seeker_id, Survey.surveyed_on, Survey.id)
    ).all()
    latest = dict(surveys)  # per seeker, the last (latest) survey wins
    wanted: dict[str, int] = {}
    if latest:
        for code in db.session.scalars(
                sa.select(SurveyIntention.category_code)
                .where(SurveyIntention.survey_id.in_(list(latest.values())))):
            wanted[code] = wanted.get(code, 0) + 1
    return dict(sorted(wanted.items(), key=lambda item: (-item[1], item[0])))


def invitable_employers(fair: Fair, categories: set[str] | None = None) -> list[
        tuple[Employer, list[Opening]]]:
    """Verified employers not yet invited to the fair, each with its open openings that
    job seekers may see; with `categories`, only those offering one of these categories."""
    invited = sa.select(FairEmployer.employer_id).where(FairEmployer.fair_id == fair.id)
    employers = db.session.scalars(
        sa.select(Employer).where(Employer.verified, Employer.id.not_in(invited))
        .order_by(Employer.name, Employer.id)).all()
    openings: dict[int, list[Opening]] = {}
    for opening in db.session.scalars(
            sa.select(Opening).where(Opening.employer_id.in_([e.id for e in employers]),
                                     Opening.visible_to_seekers)
            .order_by(Opening.title, Opening.id)):
        openings.setdefault(opening.employer_id, []).append(opening)
    rows = [(employer, openings.get(employer.id, [])) for employer in employers]
    if categories is not None:
        rows = [(e, o) for e, o in rows if any(x.category_code in categories for x in o)]
    return rows


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
            Seeker.expected_release_date >= min(fair.held_on, local_today()),
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
