"""Read-only queries behind the home pages."""

from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app.clock import local_today
from app.opening_labels import opening_id_from_code
from models import (
    Employer,
    Fair,
    FairEmployer,
    FairOpening,
    FairParticipant,
    Opening,
    OpeningStatus,
    Seeker,
    db,
)
from models.db import keyed_hash

PAGE_SIZE = 50


@dataclass
class Page:
    items: list
    number: int
    total: int
    size: int = PAGE_SIZE

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))


def _paginate(query, number: int) -> Page:
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    items = db.session.scalars(query.limit(PAGE_SIZE).offset((number - 1) * PAGE_SIZE)).all()
    return Page(items=list(items), number=number, total=total)


def facility_seekers(facility_id: int, search: str, number: int) -> Page:
    query = (
        sa.select(Seeker)
        .where(Seeker.facility_id == facility_id)
        .options(selectinload(Seeker.surveys))
        .order_by(Seeker.expected_release_date.asc().nulls_last(), Seeker.code)
    )
    if search:
        pattern = f"%{search}%"
        # names are encrypted at rest: a full name is found through its keyed hash
        query = query.where(sa.or_(Seeker.code.ilike(pattern),
                                   Seeker.facility_ref.ilike(pattern),
                                   Seeker.name_key == keyed_hash(search)))
    return _paginate(query, number)


def facility_stats(facility_id: int) -> dict:
    today = local_today()
    due = sa.and_(
        Seeker.facility_id == facility_id,
        Seeker.expected_release_date.between(today, today + timedelta(days=183)),
    )
    return {
        "seekers": db.session.scalar(
            sa.select(sa.func.count(Seeker.id)).where(Seeker.facility_id == facility_id)
        ),
        "due_6_months": db.session.scalar(sa.select(sa.func.count(Seeker.id)).where(due)),
        "consented": db.session.scalar(
            sa.select(sa.func.count(Seeker.id)).where(
                Seeker.facility_id == facility_id, Seeker.consent_share.is_(True)
            )
        ),
    }


def facility_fairs(facility_id: int) -> list[Fair]:
    """Fairs held at a facility, newest first."""
    return db.session.scalars(
        sa.select(Fair).where(Fair.facility_id == facility_id).order_by(Fair.held_on.desc())
    ).all()


def openings_page(search: str, number: int) -> Page:
    query = (
        sa.select(Opening)
        .join(Opening.employer)
        .options(selectinload(Opening.employer))
        .order_by(Opening.status, Opening.posted_on.desc().nulls_last(), Opening.id.desc())
    )
    if search:
        pattern = f"%{search}%"
        found = [Opening.title.ilike(pattern), Employer.name.ilike(pattern)]
        opening_id = opening_id_from_code(search)  # the opening no. a person read out
        if opening_id is not None:
            found.append(Opening.id == opening_id)
        query = query.where(sa.or_(*found))
    return _paginate(query, number)


def employment_stats() -> dict:
    open_ = Opening.status == OpeningStatus.OPEN
    return {
        "employers": db.session.scalar(sa.select(sa.func.count(Employer.id))),
        "openings": db.session.scalar(sa.select(sa.func.count(Opening.id)).where(open_)),
        "headcount": db.session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(Opening.headcount), 0)).where(open_)
        ),
        "categories_to_confirm": db.session.scalar(
            sa.select(sa.func.count(Opening.id)).where(Opening.category_confirmed == sa.false())
        ),
    }


def fairs_overview(among=sa.true()) -> list[dict]:
    """The fairs `among` (a clause on Fair, e.g. an organizer's own) lets through, newest
    first, with their counts."""
    participants = (
        sa.select(sa.func.count(FairParticipant.id))
        .where(FairParticipant.fair_id == Fair.id)
        .scalar_subquery()
    )
    booths = (
        sa.select(sa.func.count(FairEmployer.id))
        .where(FairEmployer.fair_id == Fair.id)
        .scalar_subquery()
    )
    openings = (
        sa.select(sa.func.count(FairOpening.id))
        .where(FairOpening.fair_id == Fair.id)
        .scalar_subquery()
    )
    rows = db.session.execute(
        sa.select(Fair, participants, booths, openings).where(among)
        .options(selectinload(Fair.facility))
        .order_by(Fair.held_on.desc())
    ).all()
    return [
        {"fair": fair, "participants": p, "booths": b, "openings": o}
        for fair, p, b, o in rows
    ]
