"""Summarise job-intention surveys for the employment centre (汇总反馈), small counts suppressed.

Pure pandas: DataFrames in, published tables out; no Flask, no database. The app loads one
row per seeker due for release in the chosen half-year (:mod:`app.reports.periods`, the
latest survey of each) and renders, charts and exports what this module publishes. Every
count of people goes through :func:`app.reports.suppression.suppress_small_counts`, so the
page, its charts, the XLSX and the CSV show exactly the same numbers, and a table built
twice from the same rows is suppressed the same way twice (the demand summary and the gap
report share their seeker tables).

The seekers frame has one row per seeker with the columns of :data:`SEEKER_COLUMNS`:
``categories`` holds the survey's ranked category codes, ``districts`` the preferred
district adcodes (empty means "anywhere"), pay columns are yuan a month or missing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import pandas as pd

from app.reports.suppression import (
    THRESHOLD,
    WITHHELD,
    FacilityTooSmall,
    Parent,
    Published,
    cell_ranges,
    publish_facility_tables,
    suppress_small_counts,
)

__all__ = [
    "ADDITIVE_TABLES",
    "ANYWHERE",
    "NO_CHOICE",
    "PAY_BANDS",
    "PAY_BAND_KEYS",
    "SEEKER_COLUMNS",
    "UNKNOWN",
    "SeekerSummary",
    "latest_surveys",
    "pay_band",
    "release_months",
    "seeker_counts",
    "summarise_facilities",
    "summarise_seekers",
]

UNKNOWN = "unknown"
NO_CHOICE = "none"
ANYWHERE = "anywhere"

SEEKER_COLUMNS = (
    "seeker_id", "facility_id", "release_date", "categories", "salary_min", "salary_hoped",
    "home_district", "districts",
)

# Monthly pay bands in yuan: (key, lowest amount in the band, first amount above it).
PAY_BANDS: tuple[tuple[str, int | None, int | None], ...] = (
    ("<4000", None, 4000),
    ("4000-4999", 4000, 5000),
    ("5000-5999", 5000, 6000),
    ("6000-6999", 6000, 7000),
    ("7000-7999", 7000, 8000),
    ("8000-9999", 8000, 10000),
    (">=10000", 10000, None),
)
PAY_BAND_KEYS: tuple[str, ...] = (*(key for key, _, _ in PAY_BANDS), UNKNOWN)

# Seeker tables whose cells add up to the number of seekers (each seeker in exactly one cell);
# the others count a seeker once per category or district named.
ADDITIVE_TABLES = frozenset(
    {"first_choice", "hoped_pay", "lowest_pay", "release_month", "home_district"}
)


# --------------------------------------------------------------------------- inputs


def pay_band(amount) -> str:
    """The key of the pay band holding a monthly amount, or ``"unknown"``."""
    if amount is None or pd.isna(amount):
        return UNKNOWN
    for key, low, high in PAY_BANDS:
        if (low is None or amount >= low) and (high is None or amount < high):
            return key
    raise AssertionError(amount)  # the bands cover every amount


def release_months(date_from: date, date_to: date) -> list[str]:
    """The months ``YYYY-MM`` from the month of `date_from` to the month of `date_to`."""
    months = pd.period_range(pd.Period(date_from, "M"), pd.Period(date_to, "M"), freq="M")
    return [str(month) for month in months]


def latest_surveys(surveys: pd.DataFrame) -> pd.DataFrame:
    """Keep each seeker's latest survey (latest ``surveyed_on``, then highest ``survey_id``)."""
    ordered = surveys.sort_values(["seeker_id", "surveyed_on", "survey_id"], kind="stable")
    return ordered.drop_duplicates("seeker_id", keep="last").reset_index(drop=True)


def _counted(values: pd.Series, index: Sequence[str]) -> pd.Series:
    counts = values.astype(object).value_counts()
    stray = sorted(set(counts.index) - set(index), key=str)
    if stray:
        raise ValueError(f"values outside the table's rows: {stray}")
    return counts.reindex(list(index), fill_value=0).astype("int64")


def seeker_counts(
    seekers: pd.DataFrame, *, categories: Sequence[str], districts: Sequence[str],
    months: Sequence[str],
) -> dict[str, pd.Series]:
    """Count seekers for each table of the summary and the gap report.

    Parameters
    ----------
    seekers : one row per seeker (:data:`SEEKER_COLUMNS`).
    categories : category codes in display order (the rows of the category tables).
    districts : district adcodes in display order.
    months : the window's release months, ``YYYY-MM``.
    """
    chosen = seekers["categories"].map(list)
    preferred = seekers["districts"].map(lambda d: list(d) if len(d) else [ANYWHERE])
    release = seekers["release_date"].map(lambda d: f"{d.year:04d}-{d.month:02d}")
    home = seekers["home_district"].astype(object).where(seekers["home_district"].notna(),
                                                         UNKNOWN)
    return {
        "first_choice": _counted(chosen.map(lambda c: c[0] if c else NO_CHOICE),
                                 [*categories, NO_CHOICE]),
        "any_choice": _counted(chosen.explode().dropna(), categories),
        "hoped_pay": _counted(seekers["salary_hoped"].map(pay_band), PAY_BAND_KEYS),
        "lowest_pay": _counted(seekers["salary_min"].map(pay_band), PAY_BAND_KEYS),
        "release_month": _counted(release, months),
        "preferred_district": _counted(preferred.explode(), [*districts, ANYWHERE]),
        "home_district": _counted(home, [*districts, UNKNOWN]),
    }


# --------------------------------------------------------------------------- the summary


@dataclass(frozen=True)
class SeekerSummary:
    """The published seeker tables of one window: ``seekers`` (the number of seekers, or a
    marker) and ``tables`` by name (see :func:`seeker_counts`)."""

    seekers: int | str
    tables: Mapping[str, Published]

    def __getitem__(self, name: str) -> Published:
        return self.tables[name]


def _publish_all(counts: Mapping[str, pd.Series], threshold: int,
                 parents: Mapping[str, Parent] | None = None) -> dict[str, Published]:
    parents = parents or {}
    published: dict[str, Published] = {}
    # any-choice first: it bounds the first-choice counts (a first choice is also a choice)
    order = ["any_choice", *[name for name in counts if name != "any_choice"]]
    for name in order:
        upper = None
        if name == "first_choice" and "any_choice" in published:
            upper = cell_ranges(published["any_choice"])["hi"]
        published[name] = suppress_small_counts(
            counts[name], threshold, additive=name in ADDITIVE_TABLES, upper=upper,
            parent=parents.get(name),
        )
    return {name: published[name] for name in counts}


def _withhold_totals(published: dict[str, Published], seekers: int,
                     threshold: int) -> tuple[dict[str, Published], int | str]:
    """Show the number of seekers only if no table had to withhold it (it is every total)."""
    if seekers < threshold:
        return published, f"<{threshold}"
    if all(p.total != WITHHELD for p in published.values()):
        return published, seekers
    return {
        name: Published(p.cells, WITHHELD, p.upper, p.threshold) if p.additive else p
        for name, p in published.items()
    }, WITHHELD


def summarise_facilities(
    seekers: pd.DataFrame, *, categories: Sequence[str], districts: Sequence[str],
    months: Sequence[str], threshold: int = THRESHOLD,
) -> tuple[SeekerSummary, dict[object, SeekerSummary | FacilityTooSmall]]:
    """Publish every seeker table of a half-year for all facilities and for each facility.

    The facility summaries are published together (see
    :func:`app.reports.suppression.publish_facility_tables`), so that a reader holding
    all of them and the city's learns no count under `threshold`. A facility is refused
    (:class:`FacilityTooSmall`) when it has fewer than `threshold` seekers ("facility"),
    when showing its number would reveal another facility's small number ("rest"), or
    when a table cannot be published without revealing a small count ("table").
    """
    shape = {"categories": categories, "districts": districts, "months": months}
    all_counts = seeker_counts(seekers, **shape)
    everyone, all_n = _withhold_totals(_publish_all(all_counts, threshold), len(seekers),
                                       threshold)
    city = SeekerSummary(all_n, everyone)
    ids = sorted(int(f) for f in seekers["facility_id"].unique())
    sizes = pd.Series([int((seekers["facility_id"] == f).sum()) for f in ids], index=ids,
                      dtype="int64")
    refused: dict[object, str] = {}
    numbers = suppress_small_counts(sizes, threshold, additive=True)
    if not isinstance(all_n, int) or not isinstance(numbers.total, int):
        # the reasons would tell which facilities have fewer than 5: give none
        refused = dict.fromkeys(ids, "table")
    else:  # each reason says what the facilities' numbers published as a table would
        refused = {f: "facility" if sizes[f] < threshold else "rest"
                   for f in ids if isinstance(numbers.cells[f], str)}
    counts = {f: seeker_counts(seekers[seekers["facility_id"] == f], **shape) for f in ids}
    order = ["any_choice", *[name for name in all_counts if name != "any_choice"]]
    while True:
        published: dict[object, dict[str, Published]] = {
            f: {} for f in ids if f not in refused}
        for name in order:
            upper = None
            if name == "first_choice":
                upper = {f: cell_ranges(tables["any_choice"])["hi"]
                         for f, tables in published.items()}
            tables, out = publish_facility_tables(
                {f: counts[f][name] for f in ids}, all_counts[name], everyone[name],
                additive=name in ADDITIVE_TABLES, upper=upper, withheld=set(refused),
                threshold=threshold)
            if out - set(refused):
                refused |= dict.fromkeys(out - set(refused), "table")
                break  # publish every table again without them
            for f, table in tables.items():
                published[f][name] = table
        else:
            break
    facilities: dict[object, SeekerSummary | FacilityTooSmall] = {
        f: FacilityTooSmall(reason) for f, reason in refused.items()}
    for f, tables in published.items():
        facilities[f] = SeekerSummary(int(sizes[f]), {name: tables[name] for name in all_counts})
    return city, facilities


def summarise_seekers(
    seekers: pd.DataFrame, *, categories: Sequence[str], districts: Sequence[str],
    months: Sequence[str], facility_id=None, threshold: int = THRESHOLD,
) -> SeekerSummary:
    """Publish every seeker table of a half-year, for all facilities or for one.

    `seekers` holds every facility's seekers of the half-year. One facility's summary is
    published together with every other facility's (:func:`summarise_facilities`);
    :class:`FacilityTooSmall` is raised when it cannot be published.
    """
    shape = {"categories": categories, "districts": districts, "months": months}
    if facility_id is None:
        all_counts = seeker_counts(seekers, **shape)
        everyone, all_n = _withhold_totals(_publish_all(all_counts, threshold), len(seekers),
                                           threshold)
        return SeekerSummary(all_n, everyone)
    _, facilities = summarise_facilities(seekers, threshold=threshold, **shape)
    result = facilities.get(int(facility_id), FacilityTooSmall("facility"))
    if isinstance(result, FacilityTooSmall):
        raise result
    return result
