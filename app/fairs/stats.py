"""Counts for a fair's live dashboard and its report, straight from the database."""

import sqlalchemy as sa

from models import (
    Employer,
    Fair,
    FairEmployer,
    FairOpening,
    FairParticipant,
    Interest,
    InterestStage,
    Opening,
    Placement,
    db,
)

REACHED_INTERVIEW = (InterestStage.INTERVIEWED, InterestStage.INTENT, InterestStage.HIRED)
REACHED_INTENT = (InterestStage.INTENT, InterestStage.HIRED)


def count_of(query) -> int:
    """The integer a COUNT/SUM query gives (0 for NULL)."""
    return int(db.session.scalar(query) or 0)


def share(part: int, whole: int) -> float | None:
    """part / whole, or None when there is no whole to share (shown as a dash)."""
    return part / whole if whole else None


def fair_counts(fair: Fair) -> dict:
    """Participants registered and attended, interests, interviews, intents and placements.

    A participant attended when checked in at the desk, signed in at a kiosk or recorded
    at a booth while the fair was open (app.fairs.recording.mark_attended). The intent
    rate is given over the people who attended and over the people registered; each is
    None when there is nobody to count it over.
    """
    participants = count_of(sa.select(sa.func.count(FairParticipant.id))
                          .where(FairParticipant.fair_id == fair.id))
    attended = count_of(sa.select(sa.func.count(FairParticipant.id)).where(
        FairParticipant.fair_id == fair.id, FairParticipant.checked_in_at.is_not(None)))
    of_fair = Interest.fair_id == fair.id
    interests = count_of(sa.select(sa.func.count(Interest.id)).where(of_fair))
    interviews = count_of(sa.select(sa.func.count(Interest.id)).where(
        of_fair, Interest.stage.in_(REACHED_INTERVIEW)))
    intents = count_of(sa.select(sa.func.count(Interest.id)).where(
        of_fair, Interest.stage.in_(REACHED_INTENT)))
    people_with_intent = count_of(sa.select(sa.func.count(sa.distinct(Interest.seeker_id))).where(
        of_fair, Interest.stage.in_(REACHED_INTENT)))
    placements = count_of(sa.select(sa.func.count(Placement.id)).where(
        Placement.fair_id == fair.id))
    # a person may hold an additional job: people placed and placements are told apart
    people_placed = count_of(sa.select(sa.func.count(sa.distinct(Placement.seeker_id))).where(
        Placement.fair_id == fair.id))
    return {
        "participants": participants,
        "attended": attended,
        "interests": interests,
        "interviews": interviews,
        "intents": intents,
        "people_with_intent": people_with_intent,
        "intent_rate": share(people_with_intent, participants),  # over registered people
        "intent_rate_attended": share(people_with_intent, attended),
        "placements": placements,
        "people_placed": people_placed,
    }


def fair_statistics(fair: Fair) -> dict:
    """The live dashboard: the fair's counts plus busiest, idle and unasked booths."""
    of_fair = Interest.fair_id == fair.id
    per_booth = db.session.execute(
        sa.select(FairEmployer.booth, Employer.name, sa.func.count(Interest.id))
        .join(Employer, Employer.id == FairEmployer.employer_id)
        .join(FairOpening, FairOpening.fair_employer_id == FairEmployer.id, isouter=True)
        .join(Interest, sa.and_(Interest.opening_id == FairOpening.opening_id,
                                Interest.fair_id == fair.id), isouter=True)
        .where(FairEmployer.fair_id == fair.id, Employer.verified)
        .group_by(FairEmployer.id, FairEmployer.booth, Employer.name)
    ).all()
    asked = sa.select(Interest.opening_id).where(of_fair)
    unasked = db.session.execute(
        sa.select(Opening.title, Employer.name, FairEmployer.booth)
        .join(FairOpening, FairOpening.opening_id == Opening.id)
        .join(FairEmployer, FairEmployer.id == FairOpening.fair_employer_id)
        .join(Employer, Employer.id == Opening.employer_id)
        .where(FairOpening.fair_id == fair.id, Opening.id.not_in(asked),
               Opening.visible_to_seekers)
        .order_by(FairEmployer.booth, Opening.title)
    ).all()
    employers_present = len({booth for booth, _, n in per_booth if n}) if per_booth else 0
    return {
        **fair_counts(fair),
        "employers": len(per_booth),
        "employers_present": employers_present,
        "busiest": sorted(((b, name, n) for b, name, n in per_booth if n),
                          key=lambda row: -row[2])[:5],
        "idle": sorted((b or "—", name) for b, name, n in per_booth if not n),
        "unasked": [tuple(row) for row in unasked],
    }
