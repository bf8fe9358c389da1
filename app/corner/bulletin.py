"""What goes into a facility's weekly job bulletin, in which order, and how to apply.

Demand order: the categories the facility's people want most come first. Each person
still in the facility counts with their latest survey, a first choice weighing 3, a second
2 and a third 1. Only categories named by at least 5 people (the reports' threshold,
applied by `suppress_small_counts`) are ranked by demand; the others follow in the
taxonomy's order, so the printed order never tells anyone what one or two people asked
for. No count is printed.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

import pandas as pd
import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy.orm import selectinload

from app.reports.suppression import suppress_small_counts
from models import (
    Bulletin,
    Fair,
    FairEmployer,
    FairOpening,
    JobCategory,
    Opening,
    Seeker,
    SeekerStatus,
    Survey,
    SurveyIntention,
    db,
)

# Weight of a survey's first, second and third choice in the facility's demand.
CHOICE_WEIGHTS = {1: 3, 2: 2, 3: 1}


def open_openings(until: date | None = None) -> list[Opening]:
    """Openings a person can apply to: visible to seekers (open, from a verified
    employer), with a place left, posted by `until`."""
    query = (
        sa.select(Opening)
        .where(Opening.visible_to_seekers,
               sa.or_(Opening.headcount.is_(None), Opening.filled < Opening.headcount))
        .options(selectinload(Opening.employer))
        .order_by(Opening.id)
    )
    if until is not None:
        query = query.where(sa.or_(Opening.posted_on.is_(None), Opening.posted_on <= until))
    return list(db.session.scalars(query))


def category_codes() -> list[str]:
    """Every job category code in the taxonomy's order."""
    return list(db.session.scalars(sa.select(JobCategory.code).order_by(JobCategory.position)))


def facility_demand(facility_id: int) -> tuple[Counter, Counter]:
    """(weighted demand, people naming it) per category, from the latest survey of each
    seeker still in the facility."""
    latest = (
        sa.select(Survey.seeker_id, sa.func.max(Survey.surveyed_on).label("surveyed_on"))
        .join(Seeker, Seeker.id == Survey.seeker_id)
        .where(Seeker.facility_id == facility_id, Seeker.status == SeekerStatus.IN_FACILITY)
        .group_by(Survey.seeker_id)
        .subquery()
    )
    rows = db.session.execute(
        sa.select(SurveyIntention.rank, SurveyIntention.category_code)
        .join(Survey, Survey.id == SurveyIntention.survey_id)
        .join(latest, sa.and_(latest.c.seeker_id == Survey.seeker_id,
                              latest.c.surveyed_on == Survey.surveyed_on))
    )
    weight, people = Counter(), Counter()
    for rank, code in rows:
        weight[code] += CHOICE_WEIGHTS.get(rank, 1)
        people[code] += 1
    return weight, people


def demand_order(facility_id: int) -> list[str]:
    """Every category code, the facility's most wanted first (see the module docstring)."""
    codes = category_codes()
    weight, people = facility_demand(facility_id)
    published = suppress_small_counts(
        pd.Series([people[code] for code in codes], index=codes, dtype="int64"))
    shown = published.shown
    ranked = sorted((code for code in codes if shown[code]), key=lambda code: -weight[code])
    return ranked + [code for code in codes if not shown[code]]


def select_openings(facility_id: int, until: date,
                    previous: Bulletin | None) -> tuple[list[int], list[int], list[str]]:
    """The ids of an issue's openings in printed order, the new ones, and the category order.

    An opening is new when the facility's previous issue did not list it; a first issue
    marks none as new. Within a category new openings come first, then the latest posted.
    """
    order = demand_order(facility_id)
    position = {code: index for index, code in enumerate(order)}
    before = set(previous.opening_ids) if previous is not None else None
    openings = open_openings(until)

    def is_new(opening: Opening) -> bool:
        return before is not None and opening.id not in before

    openings.sort(key=lambda o: (position.get(o.category_code, len(position)), not is_new(o),
                                 -(o.posted_on or date.min).toordinal(), o.id))
    ids = [o.id for o in openings]
    return ids, [o.id for o in openings if is_new(o)], order


@dataclass
class Item:
    """One opening as the bulletin prints it (its label: app.opening_labels)."""

    number: int
    opening: Opening
    new: bool
    fair: Fair | None = None
    booth: str | None = None

    @property
    def housing(self) -> str:
        return _("housing provided") if self.opening.accommodation else _("no housing")

    @property
    def places(self) -> str:
        left = self.opening.places_left
        if left is None:
            return _("several places")
        return ngettext("%(num)s place", "%(num)s places", left)

    @property
    def how_to_apply(self) -> str:
        """Where to apply: the fair that offers the opening, else the employment centre."""
        if self.fair is not None:
            return _("Apply at the job fair on %(date)s, booth %(booth)s.",
                     date=self.fair.held_on.isoformat(), booth=self.booth or "—")
        return _("Apply through the employment centre: give the corner's staff the "
                 "opening number.")

    @property
    def contact(self) -> str | None:
        """The employer's contact, only when the employer agreed to share it."""
        employer = self.opening.employer
        if not employer.contact_shareable:
            return None
        details = "，".join(part for part in (employer.contact_person, employer.contact_phone)
                           if part)
        return _("Employer contact: %(details)s", details=details) if details else None


@dataclass
class Issue:
    """An issue's openings grouped by category in printed order."""

    bulletin: Bulletin
    sections: list[tuple[str, list[Item]]]
    fairs: list[Fair] = field(default_factory=list)

    @property
    def items(self) -> list[Item]:
        return [item for _code, items in self.sections for item in items]

    @property
    def new_count(self) -> int:
        return sum(item.new for item in self.items)


def _fair_offers(facility_id: int, opening_ids: list[int], since: date) -> dict[int, tuple]:
    """For each opening, the facility's earliest fair from `since` on that offers it."""
    rows = db.session.execute(
        sa.select(FairOpening.opening_id, Fair, FairEmployer.booth)
        .join(Fair, Fair.id == FairOpening.fair_id)
        .join(FairEmployer, FairEmployer.id == FairOpening.fair_employer_id)
        .where(Fair.facility_id == facility_id, Fair.held_on >= since,
               FairOpening.opening_id.in_(opening_ids))
        .order_by(Fair.held_on.desc(), Fair.id.desc())
    )
    return {opening_id: (fair, booth) for opening_id, fair, booth in rows}


def issue_contents(bulletin: Bulletin) -> Issue:
    """The issue as printed: its stored openings, in its stored category order.

    How to apply names the facility's first fair held in or after the issue's week that
    offers the opening; otherwise the employment centre.
    """
    ids = list(bulletin.opening_ids or [])
    # an opening whose employer was un-verified or suspended since leaves the issue at once
    openings = {o.id: o for o in db.session.scalars(
        sa.select(Opening).where(Opening.id.in_(ids), Opening.visible_to_seekers)
        .options(selectinload(Opening.employer)))}
    offers = _fair_offers(bulletin.facility_id, ids, bulletin.monday) if ids else {}
    new = set(bulletin.new_opening_ids or [])
    position = {code: index for index, code in enumerate(bulletin.category_order or [])}
    groups: dict[str, list[Item]] = {}
    for opening_id in ids:
        opening = openings.get(opening_id)
        if opening is None:
            continue
        fair, booth = offers.get(opening_id, (None, None))
        groups.setdefault(opening.category_code, []).append(
            Item(number=opening_id, opening=opening, new=opening_id in new, fair=fair,
                 booth=booth))
    sections = sorted(groups.items(), key=lambda group: position.get(group[0], len(position)))
    fairs = sorted({fair.id: fair for fair, _booth in offers.values()}.values(),
                   key=lambda fair: fair.held_on)
    return Issue(bulletin=bulletin, sections=sections, fairs=fairs)


def latest_issue(facility_id: int) -> Bulletin | None:
    return db.session.scalar(
        sa.select(Bulletin).where(Bulletin.facility_id == facility_id)
        .order_by(Bulletin.number.desc()).limit(1))


def facility_issues(facility_id: int) -> list[Bulletin]:
    """A facility's issues, the latest first (the archive)."""
    return list(db.session.scalars(
        sa.select(Bulletin).where(Bulletin.facility_id == facility_id)
        .order_by(Bulletin.number.desc())))
