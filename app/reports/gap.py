"""The demand–supply gap report: surveyed demand against open places, aggregates only.

Pure pandas, no Flask or database. Seekers are counted and suppressed by
:func:`app.reports.summary.summarise_seekers` (the same tables the demand summary shows, so the
two reports suppress the same cells). Open places and postings are figures about published
job advertisements, not counts of people, and are shown as they are. Every figure derived
from a count of seekers (a shortfall, a share) is shown only where that count may be.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from app.reports.summary import (
    ANYWHERE,
    NO_CHOICE,
    PAY_BAND_KEYS,
    UNKNOWN,
    SeekerSummary,
    pay_band,
)
from app.reports.suppression import NOT_SHOWN, THRESHOLD, Published, suppress_small_counts

__all__ = ["GapReport", "gap_report", "open_places", "posting_pay", "supply_by"]


def posting_pay(openings: pd.DataFrame) -> pd.Series:
    """Each posting's base monthly pay: the midpoint of its range; one bound alone stands
    for it."""
    low = openings["pay_min"].astype("Float64")
    high = openings["pay_max"].astype("Float64")
    return ((low.fillna(high) + high.fillna(low)) / 2).astype("Float64")


def open_places(openings: pd.DataFrame) -> pd.Series:
    """Unfilled places per opening; missing when the headcount is unknown (招若干人)."""
    return (openings["headcount"].astype("Float64") - openings["filled"].astype("Float64"))


def supply_by(openings: pd.DataFrame, keys: pd.Series, index: Sequence[str]) -> pd.DataFrame:
    """Open places (known headcounts) and openings of unknown headcount ("several") per key."""
    keys = keys.astype(object).where(keys.notna(), UNKNOWN)
    stray = sorted(set(keys) - set(index), key=str)
    if stray:
        raise ValueError(f"values outside the table's rows: {stray}")
    places = open_places(openings)
    known = places.notna().to_numpy(dtype=bool)
    total = (places[known].astype("int64").groupby(keys[known].to_numpy()).sum()
             if known.any() else pd.Series(dtype="int64"))
    several = keys[~known].value_counts()
    return pd.DataFrame({
        "places": total.reindex(list(index), fill_value=0).astype("int64"),
        "several": several.reindex(list(index), fill_value=0).astype("int64"),
    })


@dataclass(frozen=True)
class GapReport:
    """The published gap tables; every frame holds display values only.

    ``seekers`` is the number of seekers in the window (or a marker). Seeker columns hold a
    count, ``"<5"`` or ``"x"``; derived columns a number or ``"—"``; ``None`` where a row
    does not apply to a column (a seeker's home is never "anywhere").
    """

    seekers: int | str
    by_category: pd.DataFrame  # first_choice, any_choice, places, several, shortfall
    recruit: pd.DataFrame  # the categories short of places, most short first
    by_district: pd.DataFrame  # preferred, home, places, several
    by_pay: pd.DataFrame  # lowest_pay, hoped_pay, places, several
    pay_check: pd.DataFrame  # seekers, postings, median, p75, above_median, above_p75
    places: int = 0  # open places over all open openings with a known headcount
    several: int = 0  # open openings whose headcount is unknown


def _column(published: Published, index: Sequence[str]) -> pd.Series:
    """A published table's cells on the report's rows (None where the table has no row)."""
    cells = published.cells
    return pd.Series([cells[k] if k in cells.index else None for k in index],
                     index=list(index), dtype=object)


def _shortfall(demand, places) -> object:
    return int(demand) - int(places) if isinstance(demand, (int, np.integer)) else NOT_SHOWN


def gap_report(
    seekers: pd.DataFrame, openings: pd.DataFrame, summary: SeekerSummary, *,
    categories: Sequence[str], districts: Sequence[str], threshold: int = THRESHOLD,
) -> GapReport:
    """Compare the window's surveyed demand with the open places.

    Parameters
    ----------
    seekers : the window's seekers (all facilities), as given to ``summarise_seekers``.
    openings : open openings (``category_code, district, headcount, filled, pay_min,
        pay_max``).
    summary : ``summarise_seekers(seekers, ...)`` for all facilities.
    categories, districts : row keys in display order.
    """
    category_rows = [*categories, NO_CHOICE]
    by_category = supply_by(openings, openings["category_code"], category_rows)
    by_category.insert(0, "first_choice", _column(summary["first_choice"], category_rows))
    by_category.insert(1, "any_choice", _column(summary["any_choice"], category_rows))
    by_category["shortfall"] = [
        _shortfall(d, p) for d, p in zip(by_category["first_choice"], by_category["places"],
                                         strict=True)]
    by_category = by_category.astype(object)
    by_category.loc[NO_CHOICE, ["places", "several", "shortfall"]] = None

    short = by_category.drop(index=NO_CHOICE)
    short = short[short["shortfall"].map(lambda v: isinstance(v, int) and v > 0)]
    order = sorted(short.index, key=lambda k: (-short.at[k, "shortfall"],
                                               -short.at[k, "first_choice"],
                                               category_rows.index(k)))
    recruit = short.loc[order, ["first_choice", "places", "several", "shortfall"]]

    district_rows = [*districts, ANYWHERE, UNKNOWN]
    by_district = supply_by(openings, openings["district"], district_rows)
    by_district.insert(0, "preferred", _column(summary["preferred_district"], district_rows))
    by_district.insert(1, "home", _column(summary["home_district"], district_rows))
    by_district = by_district.astype(object)
    by_district.loc[ANYWHERE, ["places", "several"]] = None

    pay = posting_pay(openings)
    by_pay = supply_by(openings, pay.map(pay_band), PAY_BAND_KEYS)
    by_pay.insert(0, "lowest_pay", _column(summary["lowest_pay"], PAY_BAND_KEYS))
    by_pay.insert(1, "hoped_pay", _column(summary["hoped_pay"], PAY_BAND_KEYS))

    return GapReport(
        seekers=summary.seekers,
        by_category=by_category,
        recruit=recruit,
        by_district=by_district,
        by_pay=by_pay.astype(object),
        pay_check=_pay_check(seekers, openings, pay, summary, categories, threshold),
        places=int(open_places(openings).dropna().sum()),
        several=int(open_places(openings).isna().sum()),
    )


def _pay_check(seekers, openings, pay, summary, categories, threshold) -> pd.DataFrame:
    """Per category, the share of seekers whose lowest acceptable pay is above what postings pay.

    The group is the seekers naming the category among their choices (the any-choice
    count); those who gave no lowest pay count as not above. Postings' pay is the midpoint
    of each open posting's range (postings without pay are left out). The group splits
    into three cells: not above the median, above the median but not the 75th percentile,
    above the 75th percentile. That split is suppressed like any table with a total
    (:func:`app.reports.suppression.suppress_small_counts`), and a share is shown only when it
    follows from shown cells: above the median = group − first cell, above the 75th
    percentile = third cell. Otherwise it shows "—".
    """
    rows = []
    for code in categories:
        postings = pay[(openings["category_code"] == code).to_numpy(dtype=bool)].dropna()
        group = summary["any_choice"].cells[code]
        median = p75 = None
        if len(postings):
            median = float(np.median(postings.to_numpy(dtype=float)))
            p75 = float(np.percentile(postings.to_numpy(dtype=float), 75))
        above_median = above_p75 = NOT_SHOWN
        if isinstance(group, (int, np.integer)) and median is not None:
            lowest = seekers.loc[seekers["categories"].map(lambda c, code=code: code in c),
                                 "salary_min"].astype("Float64")
            over_p75 = int((lowest > p75).fillna(False).sum())
            over_median = int((lowest > median).fillna(False).sum())
            split = suppress_small_counts(
                pd.Series([len(lowest) - over_median, over_median - over_p75, over_p75],
                          index=["not_above", "above_median_only", "above_p75"]),
                threshold, additive=True)
            cells = split.cells
            if isinstance(split.total, (int, np.integer)):
                if isinstance(cells["not_above"], (int, np.integer)):
                    above_median = (int(group) - int(cells["not_above"])) / int(group)
                if isinstance(cells["above_p75"], (int, np.integer)):
                    above_p75 = int(cells["above_p75"]) / int(group)
                    if above_p75 == 1:
                        above_median = 1.0  # everybody above the 75th is above the median
                elif above_median == 0:
                    above_p75 = 0.0  # nobody above the median is nobody above the 75th
        rows.append({
            "seekers": group,
            "postings": len(postings),
            "median": None if median is None else round(median),
            "p75": None if p75 is None else round(p75),
            "above_median": above_median,
            "above_p75": above_p75,
        })
    return pd.DataFrame(rows, index=list(categories), dtype=object)
