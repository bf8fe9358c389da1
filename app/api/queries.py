"""What the API publishes, as plain dicts: job facts of open openings, fair aggregates and
outcomes by channel per half-year of release (app.reports.outcomes, all facilities).

Nothing here reads a seeker. An opening is shown without `filled` or places left (they
would tell how many people from a facility an employer hired) and its employer without
the contact person or phone; people counted at a fair pass through the fair report's
small-count suppression (app.reports.suppression.suppress_small_counts).
"""

import math
from datetime import date, datetime
from numbers import Integral, Real

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

import matching
from app.clock import local_today
from app.fairs.report import PEOPLE_COUNTS, RETENTION_MONTHS, published_report
from app.opening_labels import opening_code
from app.reports import queries as report_queries
from app.reports.outcomes import ChannelOutcomes, outcome_periods, publish_outcomes
from app.reports.periods import ReleasePeriod
from app.reports.suppression import NOT_SHOWN
from models import (
    District,
    Fair,
    FairOpening,
    JobCategory,
    Opening,
    Shift,
    db,
)
from models.placements import FOLLOW_UP_MONTHS


def _timestamp(value: datetime | None) -> str | None:
    """A stored UTC time as RFC 3339."""
    return None if value is None else value.replace(microsecond=0).isoformat() + "Z"


def _day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


class Names:
    """The reference tables' names, loaded once per request."""

    def __init__(self):
        self.categories = {c.code: c for c in db.session.scalars(
            sa.select(JobCategory).order_by(JobCategory.position, JobCategory.code))}
        self.districts = {d.adcode: d for d in db.session.scalars(
            sa.select(District).order_by(District.adcode))}

    def category(self, code: str) -> dict:
        row = self.categories.get(code)
        return {"code": code, "name_zh": row.name_zh if row else code,
                "name_en": row.name_en if row else code}

    def district(self, adcode: str | None) -> dict | None:
        row = self.districts.get(adcode)
        if row is None:
            return None
        return {"adcode": row.adcode, "name_zh": row.name_zh, "name_en": row.name_en}


def category_list() -> list[dict]:
    names = Names()
    return [names.category(code) for code in names.categories]


def district_list() -> list[dict]:
    names = Names()
    return [names.district(adcode) for adcode in names.districts]


def opening_facts(opening: Opening, names: Names) -> dict:
    """An opening's public job facts."""
    employer = opening.employer
    return {
        "id": opening.id,
        "code": opening_code(opening.id),
        "title": opening.title,
        "description": opening.description,
        "category": names.category(opening.category_code),
        "employer": {"name": employer.name, "industry": employer.industry,
                     "district": names.district(employer.district)},
        "district": names.district(opening.district),
        "pay": {"min": opening.pay_min, "max": opening.pay_max,
                "months_per_year": opening.pay_months, "stated_per": opening.pay_period,
                "year_min": _times(opening.pay_min, opening.pay_months),
                "year_max": _times(opening.pay_max, opening.pay_months),
                "text": opening.salary_text},
        "accommodation": opening.accommodation,
        "shift": opening.shift.value,
        "education_min": opening.education_min,
        "experience_min_years": float(opening.experience_min or 0.0),
        "certificates_required": list(opening.certificates_required or []),
        "environments": list(opening.environments or []),
        "headcount": opening.headcount,
        "posted_on": _day(opening.posted_on),
        "updated_at": _timestamp(opening.updated_at),
    }


def _times(amount: int | None, months: int) -> int | None:
    return None if amount is None else amount * months


def _paying_at_least(query, amount: int) -> list[int]:
    """Ids among the query's openings whose pay is at least `amount` a month, by the
    matcher's rule (the bottom of the range reaches it)."""
    rows = db.session.execute(query.with_only_columns(
        Opening.id, Opening.pay_min, Opening.pay_max)).all()
    nan = float("nan")
    reaches = matching.pay_at_least([nan if r.pay_min is None else r.pay_min for r in rows],
                                    [nan if r.pay_max is None else r.pay_max for r in rows],
                                    amount)
    return [row.id for row, keep in zip(rows, reaches.tolist(), strict=True) if keep]


def _open_openings():
    return sa.select(Opening).where(Opening.visible_to_seekers)


def open_openings(filters: dict) -> dict:
    """One page of open openings matching the filters, newest first."""
    query = _open_openings()
    if filters["category"]:
        query = query.where(Opening.category_code == filters["category"])
    if filters["district"]:
        query = query.where(Opening.district == filters["district"])
    if filters["shift"]:
        query = query.where(Opening.shift == Shift(filters["shift"]))
    if filters["accommodation"] is not None:
        query = query.where(Opening.accommodation.is_(filters["accommodation"]))
    if filters["min_pay"] is not None:
        query = query.where(Opening.id.in_(_paying_at_least(query, filters["min_pay"])))
    if filters["fair"]:
        offered = (sa.select(FairOpening.opening_id).join(Fair, Fair.id == FairOpening.fair_id)
                   .where(Fair.code == filters["fair"]))
        query = query.where(Opening.id.in_(offered))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    page, per_page = filters["page"], filters["per_page"]
    rows = db.session.scalars(
        query.options(joinedload(Opening.employer))
        .order_by(Opening.posted_on.desc().nulls_last(), Opening.id.desc())
        .limit(per_page).offset((page - 1) * per_page)
    ).all()
    names = Names()
    return {"items": [opening_facts(row, names) for row in rows], "page": page,
            "per_page": per_page, "total": total}


def open_opening(opening_id: int) -> dict | None:
    """One open opening's facts, or None (a closed opening, or one of an employer not
    verified, is not published)."""
    opening = db.session.scalar(_open_openings().where(Opening.id == opening_id)
                                .options(joinedload(Opening.employer)))
    return None if opening is None else opening_facts(opening, Names())


def _fair_facts(fair: Fair) -> dict:
    return {"code": fair.code, "name_zh": fair.name_zh, "name_en": fair.name_en,
            "held_on": _day(fair.held_on), "status": fair.status.value}


def fair_list() -> list[dict]:
    fairs = db.session.scalars(sa.select(Fair).order_by(Fair.held_on.desc(), Fair.code))
    return [_fair_facts(fair) for fair in fairs]


def _count(value):
    """A published count: a whole number, or the marker that hides it ('<5' or 'x')."""
    if isinstance(value, Integral) and not isinstance(value, bool):
        return int(value)
    return str(value)


def _share(value) -> float | None:
    if value is None or not isinstance(value, Real) or math.isnan(value):
        return None
    return round(float(value), 4)


def fair_statistics(fair_code: str) -> dict | None:
    """The fair report's figures as published (counts of people under 5 hidden), or None."""
    fair = db.session.scalar(sa.select(Fair).where(Fair.code == fair_code))
    if fair is None:
        return None
    report = published_report(fair)
    figures = report["figures"]
    counts = {key: _count(figures[key]) for key in PEOPLE_COUNTS}
    names = Names()
    table = report["by_category"]
    by_category = [
        {"category": names.category(code),
         "openings": int(table.iloc[row]["openings"]),
         "headcount": int(table.iloc[row]["headcount"]),
         **{column: _count(table.iloc[row][column])
            for column in ("interests", "intents", "placements")}}
        for row, code in enumerate(report["category_codes"])
    ]
    return {
        "fair": _fair_facts(fair),
        "employers": int(figures["employers"]),
        "openings": int(figures["openings"]),
        "headcount": int(figures["headcount"]),
        "people": counts,
        "intent_rate": _share(figures["intent_rate"]),
        "intent_rate_attended": _share(figures["intent_rate_attended"]),
        "retention": {str(month): _share(figures[f"retention_{month}"])
                      for month in RETENTION_MONTHS},
        "by_category": by_category,
    }


# --------------------------------------------------------------------------- outcomes


def _published(value):
    """A published count, or None where the figure is not shown at all ("—")."""
    return None if value == NOT_SHOWN else _count(value)


def _days(value) -> float | None:
    return None if isinstance(value, str) else round(float(value), 1)


def _outcome_figures(result: ChannelOutcomes, channel: str | None) -> dict:
    """One channel's figures, or all channels' (None): counts published, shares derived."""
    if channel is None:
        figures = {"placements": _count(result.placements.total),
                   "people_placed": _count(result.people.total),
                   "median_days_to_first_job": _days(result.median_days["total"])}
    else:
        figures = {"channel": channel,
                   "placements": _count(result.placements.cells[channel]),
                   "people_placed": _count(result.people.cells[channel]),
                   "median_days_to_first_job": _days(result.median_days[channel]),
                   "people_reached": (_count(result.reached.cells[channel])
                                      if channel in report_queries.REACHED_BY else None)}
    retention = {}
    for month in result.months:
        published = result.retention[month]
        if channel is None:
            followed, employed = published.followed.total, published.total_employed()
            share = published.total_share()
        else:
            followed = published.followed.cells[channel]
            employed, share = published.employed(channel), published.share(channel)
        retention[str(month)] = {"followed_up": _count(followed),
                                 "still_employed": _published(employed),
                                 "share": _share(None if isinstance(share, str) else share)}
    figures["retention"] = retention
    return figures


def outcomes(period: str | None, today: date | None = None) -> dict | None:
    """Outcomes by channel of every offered half-year of release (or one), all
    facilities, counts of people under 5 hidden; None for a half-year not offered."""
    offered = outcome_periods(today or local_today())
    if period is not None:
        chosen = ReleasePeriod.parse(period)
        if chosen not in offered:
            return None
        offered = [chosen]
    channels = report_queries.outcome_channels()
    periods = []
    for half in offered:
        placements, follow_ups, reached = report_queries.outcome_frames(half.first, half.last)
        result = publish_outcomes(placements, follow_ups, reached, channels=channels,
                                  months=FOLLOW_UP_MONTHS)
        periods.append({
            "period": half.key, "released_from": _day(half.first),
            "released_to": _day(half.last),
            "channels": [_outcome_figures(result, channel) for channel in channels],
            "total": _outcome_figures(result, None),
        })
    return {"periods": periods}
