"""Small-count suppression: the one engine for every count of people that leaves the bureau.

The demand summary and the gap report (:mod:`app.reports.summary`), the facility bulletin's
demand order, the fair report, the fair page and the API's fair statistics all publish
their counts of people through :func:`suppress_small_counts`, so every output hides the
same way: counts from 0 to 4 show as ``"<5"``, and further counts are withheld (``"x"``)
wherever a hidden one could be worked out from a total or from another table.

Pure pandas and scipy: no Flask, no database.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

__all__ = [
    "NOT_SHOWN",
    "SMALL",
    "THRESHOLD",
    "WITHHELD",
    "FacilityTooSmall",
    "Parent",
    "Published",
    "cell_ranges",
    "exposed_cells",
    "publish_facility_tables",
    "suppress_small_counts",
]

THRESHOLD = 5
SMALL = f"<{THRESHOLD}"  # a count from 0 to 4
WITHHELD = "x"  # a count of 5 or more, withheld so that a count under 5 cannot be worked out
NOT_SHOWN = "—"  # a share or derived figure over a suppressed group


class FacilityTooSmall(ValueError):
    """One facility's summary would show, or let a reader work out, a group under 5."""

    def __init__(self, reason: str):
        super().__init__(reason)
        # "facility": too few seekers there; "rest": too few elsewhere; "table": a table
        # cannot be published without revealing one
        self.reason = reason


@dataclass(frozen=True)
class Published:
    """A count table as it may be shown: the only form in which counts leave this module.

    ``cells`` holds, per row key, the count (5 or more), ``"<5"`` (0 to 4) or ``"x"``
    (withheld); ``total`` the margin the cells add up to (a count, ``"<5"`` or ``"x"``), or
    None when they do not add up to a count of people (a seeker may name three categories).
    ``upper`` holds what a reader knows from other tables about each cell's largest value
    (e.g. a first-choice count is at most the any-choice count); the audit uses it.
    """

    cells: pd.Series
    total: int | str | None = None
    upper: pd.Series | None = field(default=None, compare=False)
    threshold: int = THRESHOLD

    @property
    def small(self) -> str:
        return f"<{self.threshold}"

    @property
    def shown(self) -> pd.Series:
        """True for the cells shown as a number."""
        return self.cells.map(lambda v: not isinstance(v, str)).astype(bool)

    @property
    def additive(self) -> bool:
        return self.total is not None


def _as_upper(upper, index) -> np.ndarray:
    if upper is None:
        return np.full(len(index), np.inf)
    return pd.Series(upper, dtype="float64").reindex(index).fillna(np.inf).to_numpy()


def _marker_bounds(published: Published) -> tuple[np.ndarray, np.ndarray]:
    """What the markers alone say: a shown count is itself, "<5" is 0–4, "x" is 5 or more."""
    cells = published.cells
    lo = np.zeros(len(cells))
    hi = np.full(len(cells), np.inf)
    for i, value in enumerate(cells):
        if value == published.small:
            hi[i] = published.threshold - 1
        elif value == WITHHELD:
            lo[i] = published.threshold
        else:
            lo[i] = hi[i] = float(value)
    hi = np.minimum(hi, _as_upper(published.upper, cells.index))
    return lo, hi


def _project_sum(lo: np.ndarray, hi: np.ndarray, low: float,
                 high: float) -> tuple[np.ndarray, np.ndarray]:
    """Narrow each variable's range given that together they add up to `low`…`high`."""
    finite = np.isfinite(hi)
    n_infinite = int((~finite).sum())
    others_hi = np.where(
        (n_infinite - (~finite).astype(int)) > 0, np.inf,
        hi[finite].sum() - np.where(finite, hi, 0.0),
    )
    others_lo = lo.sum() - lo
    return np.maximum(lo, low - others_hi), np.minimum(hi, high - others_lo)


def _total_range(total, threshold: int) -> tuple[float, float] | None:
    """What a shown total says about the sum of the cells: a count, "<5" or "x"."""
    if _is_count(total):
        return float(total), float(total)
    if total == f"<{threshold}":
        return 0.0, float(threshold - 1)
    if total == WITHHELD:
        return float(threshold), np.inf
    return None


def cell_ranges(published: Published) -> pd.DataFrame:
    """Work out, as a reader could, the range of values each cell may have.

    A reader knows the shown counts, the markers (``"<5"`` is 0–4, ``"x"`` is at least the
    threshold), the upper bounds from other tables, and what the total says: the hidden
    cells add up to the total minus the shown cells (or, for a ``"<5"`` or ``"x"`` total,
    to a sum in that range). For one sum over boxed integers this range is exact: every
    value in it is possible.
    Returns a frame with columns ``lo`` and ``hi`` (``inf`` when unbounded).
    """
    lo, hi = _marker_bounds(published)
    total = _total_range(published.total, published.threshold)
    if total is not None:
        hidden = ~published.shown.to_numpy()
        shown_sum = lo[~hidden].sum()
        lo_h, hi_h = _project_sum(lo[hidden], hi[hidden], total[0] - shown_sum,
                                  total[1] - shown_sum)
        lo, hi = lo.copy(), hi.copy()
        lo[hidden], hi[hidden] = lo_h, hi_h
    return pd.DataFrame({"lo": lo, "hi": hi}, index=published.cells.index)


def _pinned_small(lo, hi, threshold) -> np.ndarray:
    return (lo == hi) & (lo >= 1) & (lo < threshold)


def exposed_cells(published: Published) -> list:
    """The hidden cells a reader can work out exactly as a count from 1 to threshold − 1."""
    ranges = cell_ranges(published)
    hidden = ~published.shown.to_numpy()
    pinned = hidden & _pinned_small(ranges["lo"].to_numpy(), ranges["hi"].to_numpy(),
                                    published.threshold)
    return list(published.cells.index[pinned])


def _hidden_sum(published: Published) -> int | None:
    """What the hidden cells add up to, when the total lets a reader work it out."""
    if not _is_count(published.total):
        return None
    shown = published.cells[published.shown]
    return int(published.total) - int(sum(int(v) for v in shown))


def _display(counts: pd.Series, small: pd.Series, withheld: pd.Series, marker: str) -> pd.Series:
    values = [marker if s else (WITHHELD if w else int(v))
              for v, s, w in zip(counts, small, withheld, strict=True)]
    return pd.Series(values, index=counts.index, dtype=object)


@dataclass(frozen=True)
class Parent:
    """The same table for all facilities, when a facility's own table is being published."""

    published: Published
    counts: pd.Series


def suppress_small_counts(
    counts: pd.Series,
    threshold: int = THRESHOLD,
    *,
    additive: bool = False,
    upper: pd.Series | None = None,
    parent: Parent | None = None,
) -> Published:
    """Publish a table of counts of people so that no count under `threshold` can be known.

    The method (cell suppression with an audit), for every table that leaves the bureau:

    1. *Primary suppression.* Every count from 0 to ``threshold - 1`` shows as ``"<5"``.
       Zeros are hidden too: if they were shown, a reader would know every ``"<5"`` is at
       least 1, and six ``"<5"`` cells adding up to a total of 6 would each be 1.
    2. *Margins.* When the cells add up to a shown total (`additive`: each seeker in
       exactly one row), the hidden cells add up to the total minus the shown cells. So
       the table is audited as a reader would (:func:`cell_ranges`: markers, the total,
       and the `upper` bounds other tables give), and while a hidden cell can be worked
       out as a count from 1 to 4, or the ``"<5"`` cells together as a group of 1–4, the
       smallest count still shown is withheld as well (*secondary suppression*, shown as
       ``"x"``: 5 or more). If no count is left to withhold, the total is withheld
       (``"x"``); a total under the threshold shows as ``"<5"``. The caller then withholds
       that total wherever else it appears (see :func:`summarise_seekers`).
    3. *One facility.* With `parent` (the same table for all facilities, as published),
       a facility's cell is also withheld when the count in the rest of the city (all
       minus this facility) is 1–4, or when the all-facility cell is hidden, so the
       difference of the two tables never shows a count under 5; the audit then also
       covers the rest of the city and the all-facility table's hidden cells.

    A withheld count shows as ``"x"`` rather than ``"<5"`` because it is 5 or more; the
    audit treats ``"x"`` as "at least the threshold", so telling the markers apart gives a
    reader nothing the audit has not allowed for. Tables counting a seeker once per
    category or district named have no margin: only step 1 (and 3) applies to them.

    Comparing summaries is covered by what may be asked for, not by this function alone:
    the reports publish fixed, non-overlapping half-years of release dates only
    (:mod:`app.reports.periods`), so allowed summaries either count disjoint people or are
    facilities and all facilities of the same half-year, which step 3 and
    :func:`publish_facility_tables` audit together.

    Parameters
    ----------
    counts : non-negative counts of people, indexed by row key (rows in display order).
    threshold : the smallest count that may be shown.
    additive : the cells add up to a total that is shown with them.
    upper : a bound on each cell known from another shown table (NaN or missing: none).
    parent : the all-facility table, when publishing one facility's.
    """
    counts = pd.Series(counts).astype("int64")
    if (counts < 0).any():
        raise ValueError("counts must not be negative")
    marker = f"<{threshold}"
    small = counts < threshold
    withheld = pd.Series(False, index=counts.index)
    if parent is not None:
        parent_counts = parent.counts.reindex(counts.index).astype("int64")
        rest = parent_counts - counts
        if (rest < 0).any():
            raise ValueError("a facility's count exceeds the count for all facilities")
        withheld |= ~small & (rest > 0) & (rest < threshold)
        withheld |= ~small & ~parent.published.shown.reindex(counts.index)
        parent_hi = cell_ranges(parent.published)["hi"].to_numpy()
        upper = pd.Series(np.minimum(_as_upper(upper, counts.index), parent_hi),
                          index=counts.index)

    total = int(counts.sum())
    if not additive:
        return Published(_display(counts, small, withheld, marker), None, upper, threshold)
    if total < threshold:
        return Published(_display(counts, small, withheld, marker), marker, upper, threshold)

    shown_total: int | str = total
    while True:
        published = Published(_display(counts, small, withheld, marker), shown_total, upper,
                              threshold)
        if not _discloses(published, counts, parent):
            return published
        candidates = counts[~small & ~withheld & (counts > 0)]
        if candidates.empty:
            published = Published(published.cells, WITHHELD, upper, threshold)
            # with bounds from the city's table a facility's cells may still be pinned
            if parent is not None and _discloses_with_parent(published, counts, parent):
                raise FacilityTooSmall("table")
            return published
        # the smallest count still shown; ties go to the first row
        key = candidates.index[int(np.argmin(candidates.to_numpy()))]
        withheld[key] = True


def _is_count(value) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def _discloses(published: Published, counts: pd.Series, parent: Parent | None) -> bool:
    if parent is None:
        return bool(exposed_cells(published)) or _small_group_known(published)
    return _discloses_with_parent(published, counts, parent)


def _small_group_known(published: Published) -> bool:
    """Whether the "<5" cells together can be worked out as a group of 1 to threshold − 1.

    They add up to the total minus the shown cells minus the withheld cells; the withheld
    cells' ranges (at least the threshold, at most their upper bounds) bound that sum.
    """
    hidden_sum = _hidden_sum(published)
    if hidden_sum is None:
        return False
    lo, hi = _marker_bounds(published)
    small = (published.cells == published.small).to_numpy()
    withheld = (published.cells == WITHHELD).to_numpy()
    low = max(lo[small].sum(), hidden_sum - hi[withheld].sum())
    high = min(hi[small].sum(), hidden_sum - lo[withheld].sum())
    return bool(low == high and 0 < low < published.threshold)


def _discloses_with_parent(published: Published, counts: pd.Series, parent: Parent) -> bool:
    """Audit a facility's table together with the all-facility table it is read against.

    The two tables are linked cell by cell (facility ≤ all facilities) and by both totals,
    so per-cell ranges are not enough: the facility's hidden cells in a group cannot add up
    to more than the group's hidden all-facility cells. The linked system is a
    transportation problem (its matrix is totally unimodular), so linear programming gives
    each count's exact integer range; a count is exposed when its smallest and largest
    possible values are both its true value. The counts protected are the hidden ones
    from 1 to threshold − 1 in this table, in the all-facility table and in the rest of
    the city (all minus this facility).
    """
    threshold = published.threshold
    index = published.cells.index
    mine = counts.to_numpy().astype(float)
    everyone = parent.counts.reindex(index).to_numpy().astype(float)
    f_lo, f_hi = _marker_bounds(published)
    a_ranges = cell_ranges(parent.published)
    a_lo, a_hi = a_ranges["lo"].to_numpy(), a_ranges["hi"].to_numpy()
    f_hidden = ~published.shown.to_numpy()
    a_hidden = ~parent.published.shown.reindex(index).to_numpy()
    if _small_group_known(published):
        return True
    both_totals = _is_count(published.total) and _is_count(parent.published.total)
    if both_totals and 0 < (everyone - mine)[f_hidden].sum() < threshold:
        return True  # the rest of the city's hidden cells add up to a small group

    f_vars, a_vars = np.flatnonzero(f_hidden), np.flatnonzero(a_hidden)
    column = {("f", i): k for k, i in enumerate(f_vars)}
    column |= {("a", i): len(f_vars) + k for k, i in enumerate(a_vars)}
    n = len(column)
    if n == 0:
        return False

    def row(terms: dict) -> np.ndarray:
        vector = np.zeros(n)
        for key, weight in terms.items():
            vector[column[key]] = weight
        return vector

    def finite(value):
        return None if np.isinf(value) else value

    bounds = [(f_lo[i], finite(f_hi[i])) for i in f_vars]
    bounds += [(a_lo[i], finite(a_hi[i])) for i in a_vars]
    # a facility's count is at most the count for all facilities (known, or a variable)
    a_ub = [row({("f", i): 1, ("a", i): -1}) if ("a", i) in column else row({("f", i): 1})
            for i in f_vars]
    b_ub = [0.0 if ("a", i) in column else everyone[i] for i in f_vars]
    a_eq, b_eq = [], []
    for side, table, values, variables, hidden in (
            ("f", published, mine, f_vars, f_hidden),
            ("a", parent.published, everyone, a_vars, a_hidden)):
        total = _total_range(table.total, threshold)
        if total is None or not len(variables):
            continue
        shown_sum = values[~hidden].sum()
        low, high = total[0] - shown_sum, total[1] - shown_sum
        if low == high:
            a_eq.append(row({(side, i): 1 for i in variables}))
            b_eq.append(low)
        else:  # "<5" or "x": the hidden cells add up to a sum in a range
            a_ub.append(row({(side, i): -1 for i in variables}))
            b_ub.append(-low)
            if np.isfinite(high):
                a_ub.append(row({(side, i): 1 for i in variables}))
                b_ub.append(high)
    problem = {"A_ub": np.array(a_ub), "b_ub": b_ub, "A_eq": np.array(a_eq) if a_eq else None,
               "b_eq": b_eq or None, "bounds": bounds}

    protected = []  # (linear form, its true value)
    for i in f_vars:
        if 0 < mine[i] < threshold:
            protected.append((row({("f", i): 1}), mine[i]))
        if 0 < everyone[i] - mine[i] < threshold:  # the rest of the city's count
            if ("a", i) in column:
                protected.append((row({("a", i): 1, ("f", i): -1}), everyone[i] - mine[i]))
            else:
                protected.append((row({("f", i): 1}), mine[i]))
    for i in a_vars:
        if 0 < everyone[i] < threshold:
            protected.append((row({("a", i): 1}), everyone[i]))
    # and the "<5" cells of each table taken together
    for side, table, values, variables in (("f", published, mine, f_vars),
                                           ("a", parent.published, everyone, a_vars)):
        small = [i for i in variables if table.cells.iloc[i] == table.small]
        if small and 0 < values[small].sum() < threshold:
            protected.append((row({(side, i): 1 for i in small}), values[small].sum()))
    return any(_only_value(form, value, problem) for form, value in protected)


def _only_value(form: np.ndarray, value: float, problem: dict) -> bool:
    """Whether the linear form can only take `value` (exact: the LP's vertices are integral)."""
    from scipy.optimize import linprog

    for sign in (1.0, -1.0):
        result = linprog(sign * form, method="highs", **problem)
        if result.status == 3:  # unbounded: the form can be larger or smaller
            return False
        if result.status != 0:
            raise RuntimeError(f"suppression audit failed: {result.message}")
        if abs(sign * result.fun - value) > 1e-6:
            return False
    return True




# --------------------------------------------------------------------------- every facility


def publish_facility_tables(
    counts: Mapping[object, pd.Series],
    everyone: pd.Series,
    city: Published,
    *,
    additive: bool,
    upper: Mapping[object, pd.Series] | None = None,
    withheld: set | frozenset = frozenset(),
    threshold: int = THRESHOLD,
) -> tuple[dict[object, Published], set]:
    """Publish one table for each facility so that all of them together with the city's
    reveal no count under the threshold.

    Each facility's table is first published against the city's (`parent`, step 3 of
    :func:`suppress_small_counts`), which is safe for one facility and the city read
    together. A reader may also hold every other facility's table of the same half-year:
    the facilities' cells add up to the city's, column by column. So the tables are then
    audited as one system (:func:`_joint_disclosure`: every facility's hidden cells, the
    city's hidden cells and the cells of the facilities not published, linked by the
    column sums and each table's total), and while any count from 1 to threshold − 1 can
    be worked out, the smallest count still shown in the same column (else row, else
    anywhere) is withheld too. A facility whose table cannot be published is returned in
    the refused set, and the audit starts again without it.

    Parameters
    ----------
    counts : each facility's counts, indexed like `everyone`.
    everyone : the counts for all facilities (the facilities in `counts` and any others).
    city : `everyone` as published.
    additive : the cells add up to a total shown with them.
    upper : per facility, a bound on each cell known from another table.
    withheld : the facilities whose summaries are not published at all.
    """
    upper = upper or {}
    everyone = everyone.astype("int64")
    refused: set = set(withheld)
    published: dict[object, Published] = {}
    for key, mine in counts.items():
        if key in refused:
            continue
        try:
            table = suppress_small_counts(mine, threshold, additive=additive,
                                          upper=upper.get(key), parent=Parent(city, everyone))
        except FacilityTooSmall:
            refused.add(key)
            continue
        if additive and not _is_count(table.total):
            refused.add(key)  # its total would differ from the one its page shows
            continue
        published[key] = table
    while True:
        pinned = _joint_disclosure(published, counts, everyone, city, additive)
        if pinned is None:
            return published, refused
        key, row = _next_to_withhold(published, pinned)
        if key is None:
            return {}, refused | set(published)  # nothing is left to withhold: publish none
        table = published[key]
        cells = table.cells.copy()
        cells[row] = WITHHELD
        published[key] = Published(cells, table.total, table.upper, table.threshold)


def _next_to_withhold(published: Mapping[object, Published], pinned: list[tuple]):
    """The smallest shown facility cell in a column, else a row, of the exposed form."""
    columns = {row for _, row in pinned}
    keys = {key for key, _ in pinned}
    for near in (lambda key, row: row in columns, lambda key, row: key in keys,
                 lambda key, row: True):
        best = None
        for key, table in published.items():
            for row, value in table.cells.items():
                if isinstance(value, str) or int(value) <= 0 or not near(key, row):
                    continue
                if best is None or int(value) < best[0]:
                    best = (int(value), key, row)
        if best is not None:
            return best[1], best[2]
    return None, None


def _joint_disclosure(published: Mapping[object, Published], counts: Mapping[object, pd.Series],
                      everyone: pd.Series, city: Published, additive: bool) -> list | None:
    """The first count under the threshold that every facility's table and the city's
    together pin down, as the (facility, row) cells of the form; None when there is none.

    Variables: each published facility's hidden cells, the city's hidden cells, and per
    row the facilities not published taken together ("others"). Constraints: each
    column's cells add up to the city's cell; each table's hidden cells add up to what its
    total leaves (a count, or a range for "<5" and "x"); markers and known upper bounds
    bound each cell. The matrix is a network matrix, so linear programming gives each
    form's exact integer range.
    """
    threshold = city.threshold
    index = everyone.index
    rows = list(index)
    keys = list(published)
    others = {key: c for key, c in counts.items() if key not in published}
    other_true = (sum((c.reindex(index).astype("int64") for c in others.values()),
                      pd.Series(0, index=index, dtype="int64")) if others else None)
    variables: dict[tuple, int] = {}
    bounds = []

    def add(name, lo, hi):
        variables[name] = len(bounds)
        bounds.append((float(lo), None if np.isinf(hi) else float(hi)))

    truth = {}
    for key in keys:
        table = published[key]
        lo, hi = _marker_bounds(table)
        for i, row in enumerate(rows):
            if isinstance(table.cells[row], str):
                add((key, row), lo[i], hi[i])
                truth[(key, row)] = int(counts[key][row])
    city_ranges = cell_ranges(city)
    for row in rows:
        if isinstance(city.cells[row], str):
            add(("city", row), city_ranges.at[row, "lo"], city_ranges.at[row, "hi"])
            truth[("city", row)] = int(everyone[row])
        if other_true is not None:
            add(("others", row), 0, city_ranges.at[row, "hi"])
            truth[("others", row)] = int(other_true[row])
    n = len(bounds)

    def form(terms: Mapping[tuple, float]) -> tuple[np.ndarray, float]:
        """A linear form over the variables, and the constant part of the cells it names."""
        vector, constant = np.zeros(n), 0.0
        for (key, row), weight in terms.items():
            if (key, row) in variables:
                vector[variables[(key, row)]] += weight
            elif key == "city":
                constant += weight * int(city.cells[row])
            else:
                constant += weight * int(published[key].cells[row])
        return vector, constant

    a_eq, b_eq, a_ub, b_ub = [], [], [], []
    for row in rows:  # the facilities' cells add up to the city's
        terms = {(key, row): 1.0 for key in keys}
        if other_true is not None:
            terms[("others", row)] = 1.0
        terms[("city", row)] = terms.get(("city", row), 0.0) - 1.0
        vector, constant = form(terms)
        a_eq.append(vector)
        b_eq.append(-constant)
    if additive:
        for key, table in [*((k, published[k]) for k in keys), ("city", city)]:
            total = _total_range(table.total, threshold)
            if total is None:
                continue
            vector, constant = form({(key, row): 1.0 for row in rows})
            low, high = total[0] - constant, total[1] - constant
            if low == high:
                a_eq.append(vector)
                b_eq.append(low)
            else:
                a_ub.append(-vector)
                b_ub.append(-low)
                if np.isfinite(high):
                    a_ub.append(vector)
                    b_ub.append(high)

    protected = []  # (cells of the form with weights, true value)
    for name, value in truth.items():
        if 0 < value < threshold:
            protected.append(({name: 1.0}, value))
    for key in keys:  # the rest of the city, as read from one facility and the city
        for row in rows:
            rest = int(everyone[row]) - int(counts[key][row])
            if 0 < rest < threshold:
                protected.append(({("city", row): 1.0, (key, row): -1.0}, rest))
        small = [row for row in rows if published[key].cells[row] == published[key].small]
        group = int(counts[key][small].sum()) if small else 0
        if 0 < group < threshold:
            protected.append(({(key, row): 1.0 for row in small}, group))
    problem = {"A_ub": np.array(a_ub) if a_ub else None, "b_ub": b_ub or None,
               "A_eq": np.array(a_eq), "b_eq": b_eq, "bounds": bounds}
    for terms, value in protected:
        vector, constant = form(terms)
        if not vector.any():
            exposed = abs(constant - value) < 1e-9
        else:
            exposed = _only_value(vector, value - constant, problem)
        if exposed:
            return [(key, row) for key, row in terms if key not in ("city", "others")] or [
                (key, row) for key in keys for (_, row) in terms]
    return None
