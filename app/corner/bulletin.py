"""What goes into a facility's weekly job bulletin, in which order, and how to apply.

Demand order: the categories the facility's people want most come first. Each person
still in the facility counts with their latest survey, a first choice weighing 3, a second
2 and a third 1. Only categories named by at least 5 people (the reports' threshold,
applied by `suppress_small_counts`) are ranked by demand; the others follow in the
taxonomy's order, so the printed order never tells anyone what one or two people asked
for. No count is printed.
"""

import hashlib
import json
from collections import Counter
from dataclasses import astuple, dataclass, field
from datetime import date

import pandas as pd
import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy.orm import selectinload

from app.opening_labels import OpeningFacts, OpeningFactsWording
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


# An issue page, its PDF and the kiosk show at most this many openings, in printed order
# (the facility's most wanted categories first): a register of 10,000 openings is no
# bulletin a person reads, and the page would take seconds.
ITEMS_SHOWN = 200


class Wording:
    """The bulletin's words in the current language, each translated once per page (not
    once per opening: at thousands of openings that alone took seconds)."""

    def __init__(self):
        self.housing = {True: _("housing provided"), False: _("no housing")}
        self.several_places = _("several places")
        self.apply_centre = _("Apply through the employment centre: give the corner's staff "
                              "the opening number.")
        self._places: dict[int, str] = {}
        self._facts = OpeningFactsWording()

    def places(self, left: int | None) -> str:
        if left is None:
            return self.several_places
        if left not in self._places:
            self._places[left] = ngettext("%(num)s place", "%(num)s places", left)
        return self._places[left]

    def item(self, opening: Opening, new: bool, fair: Fair | None, booth: str | None) -> "Item":
        employer = opening.employer
        contact = None
        if employer.contact_shareable:
            details = "，".join(part for part in (employer.contact_person,
                                                 employer.contact_phone) if part)
            contact = _("Employer contact: %(details)s", details=details) if details else None
        if fair is not None:
            apply = _("Apply at the job fair on %(date)s, booth %(booth)s.",
                      date=fair.held_on.isoformat(), booth=booth or "—")
        else:
            apply = self.apply_centre
        return Item(number=opening.id, opening=opening, new=new, fair=fair, booth=booth,
                    facts=self._facts.facts(opening),
                    housing=self.housing[bool(opening.accommodation)],
                    places=self.places(opening.places_left), how_to_apply=apply,
                    contact=contact)


@dataclass
class Item:
    """One opening as the bulletin prints it, its words ready (see :class:`Wording`)."""

    number: int
    opening: Opening
    new: bool
    fair: Fair | None
    booth: str | None
    facts: OpeningFacts  # the label's parts (app.opening_labels)
    housing: str
    places: str
    how_to_apply: str  # the fair that offers the opening, else the employment centre
    contact: str | None  # the employer's contact, only when the employer agreed to share it


@dataclass
class Issue:
    """An issue's openings grouped by category in printed order; `not_shown` counts the
    issue's openings past the first `ITEMS_SHOWN`."""

    bulletin: Bulletin
    sections: list[tuple[str, list[Item]]]
    fairs: list[Fair] = field(default_factory=list)
    not_shown: int = 0

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


def issue_contents(bulletin: Bulletin, limit: int | None = None) -> Issue:
    """The issue as printed: its stored openings, in its stored category order, the first
    `limit` of them (default `ITEMS_SHOWN`; the facility's most wanted categories first).

    How to apply names the facility's first fair held in or after the issue's week that
    offers the opening; otherwise the employment centre.
    """
    stored = list(bulletin.opening_ids or [])
    # an opening whose employer was un-verified or suspended since leaves the issue at once
    visible = set(db.session.scalars(sa.select(Opening.id).where(Opening.visible_to_seekers)))
    listed = [opening_id for opening_id in stored if opening_id in visible]
    ids = listed[:ITEMS_SHOWN if limit is None else limit]
    openings = {o.id: o for o in db.session.scalars(
        sa.select(Opening).where(Opening.id.in_(ids))
        .options(selectinload(Opening.employer)))} if ids else {}
    offers = _fair_offers(bulletin.facility_id, ids, bulletin.monday) if ids else {}
    new = set(bulletin.new_opening_ids or [])
    position = {code: index for index, code in enumerate(bulletin.category_order or [])}
    wording = Wording()
    groups: dict[str, list[Item]] = {}
    for opening_id in ids:
        opening = openings[opening_id]
        fair, booth = offers.get(opening_id, (None, None))
        groups.setdefault(opening.category_code, []).append(
            wording.item(opening, new=opening_id in new, fair=fair, booth=booth))
    sections = sorted(groups.items(), key=lambda group: position.get(group[0], len(position)))
    fairs = sorted({fair.id: fair for fair, _booth in offers.values()}.values(),
                   key=lambda fair: fair.held_on)
    return Issue(bulletin=bulletin, sections=sections, fairs=fairs,
                 not_shown=len(listed) - len(ids))


def issue_digest(issue: Issue) -> str:
    """A fingerprint of the words an issue prints, in the language it was worded in: a
    kept PDF whose digest differs (an opening left the issue, its wording or its fair
    changed) is out of date."""
    bulletin = issue.bulletin
    printed = [
        bulletin.number, bulletin.week, bulletin.facility.name("zh_CN"), issue.not_shown,
        [(fair.id, fair.name("zh_CN"), fair.held_on, fair.venue) for fair in issue.fairs],
        [(code, [(item.number, item.new, astuple(item.facts), item.opening.employer.name,
                  item.housing, item.places, item.how_to_apply, item.contact)
                 for item in items]) for code, items in issue.sections],
    ]
    text = json.dumps(printed, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def latest_issue(facility_id: int) -> Bulletin | None:
    return db.session.scalar(
        sa.select(Bulletin).where(Bulletin.facility_id == facility_id)
        .order_by(Bulletin.number.desc()).limit(1))


def facility_issues(facility_id: int) -> list[Bulletin]:
    """A facility's issues, the latest first (the archive)."""
    return list(db.session.scalars(
        sa.select(Bulletin).where(Bulletin.facility_id == facility_id)
        .order_by(Bulletin.number.desc())))
