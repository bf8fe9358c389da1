"""Capacity-aware recommendations for a fair: who is sent to which booth.

Naive top-k sends every participant to the same popular openings: a booth with two jobs
gets forty people while others sit idle. :func:`plan_fair` instead chooses the set of
(seeker, opening) recommendations that maximizes the total score — the expected number
of interests — plus a bonus for each participant's first few options (and again for
those in a chosen category whose pay reaches their floor), such that each participant
gets at most ``per_seeker`` recommendations and no opening more than
``load_factor × headcount`` participants.

That is a maximum-weight bipartite b-matching with concave per-seeker bonuses, a min-cost
flow problem. Its linear program is totally unimodular (the constraint matrix is that of
a flow network), so a basic optimal solution of the LP, which HiGHS's dual simplex returns,
is integral: the LP solves the problem exactly. The LP is kept small in three ways, none
of which changes the optimum:

- column generation: it starts from each seeker's best candidates, and after each solve
  adds the left-out pairs whose score exceeds the duals of their seeker's and opening's
  rows (their reduced cost is positive); when no pair is left the duals are feasible for
  the full problem, which proves the plan optimal over all feasible pairs;
- an opening's capacity row enters only when the LP holds more of its pairs than its cap
  (until then no solution can break it);
- a seeker's coverage-bonus rows enter only when the solution does not earn the bonus in
  full (until then the LP counts it as earned: an overestimate of every plan, so a plan
  that earns it is optimal).
"""

from __future__ import annotations

import highspy
import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, linprog, milp
from scipy.special import expit

from . import rules
from .estimator import Matcher, resolve_model
from .features import (
    PreparedOpenings,
    SeekerArrays,
    encode_seekers,
    prepare_openings,
    score_block,
)
from .ranking import block_bounds, map_blocks, rank_openings, top_k_per_column
from .reasons import explain
from .reference import Geography, Taxonomy

__all__ = ["gini", "plan_fair", "plan_report"]

#: Keep all scores in memory up to this many pairs (9 bytes each: float32 logit and
#: probability, bool "good") instead of recomputing them in every column-generation round.
FULL_MATRIX_CELLS = 25_000_000
#: Reduced-cost tolerance of the optimality check (HiGHS solves to about 1e-7).
DUAL_TOLERANCE = 1e-6
#: A safety net only: every round adds pairs or coverage rows, of which there are finitely
#: many (a few rounds are usual).
MAX_ROUNDS = 1000
#: Improving pairs added per seeker and round: more rounds of fewer pairs keep the LP
#: smaller, and each round's warm start is cheap.
PAIRS_PER_ROUND = 4
#: Pairs are screened in float32 against the duals lowered by this much, far more than
#: float32 rounding, and only then checked exactly.
SCREEN_MARGIN = 1e-5
#: Re-solve each round warm in one HiGHS instance (``highspy``, the official bindings);
#: False re-solves from scratch with ``linprog`` (same plan, slower; tests compare them).
WARM_START = True


def gini(counts: np.ndarray) -> float:
    """Gini coefficient of non-negative counts: 0 when equal, → 1 when all on one."""
    x = np.sort(np.asarray(counts, dtype=float))
    n, total = len(x), x.sum()
    if n == 0 or total == 0:
        return 0.0
    return float(np.sum((2 * np.arange(1, n + 1) - n - 1) * x) / (n * total))


def load_caps(prepared: PreparedOpenings, load_factor: float) -> np.ndarray:
    """Most participants each opening may be recommended to: ⌊load_factor × headcount⌋."""
    if load_factor < 0:
        raise ValueError(f"load_factor must be ≥ 0, got {load_factor}")
    return np.floor(load_factor * prepared.headcount + 1e-9).astype(np.int64)


class _PlanLP:
    """The plan's LP over a growing set of pair columns, re-solved by ``linprog`` (HiGHS).

    The full problem has one ``x`` in [0, 1] per feasible pair and these rows: each
    seeker's ``Σ x ≤ per_seeker``; each opening's ``Σ x ≤ cap``; and, with a coverage
    bonus and k = min(min_options, per_seeker), per seeker a good hub ``t_good − Σ x over
    good pairs ≤ 0`` with ``t_good`` in [0, k] earning the bonus, and the seeker row as
    ``Σ x + z_plain + z_short = per_seeker`` with ``z_plain`` in [0, per_seeker − k] and
    ``z_short`` in [0, k] costing the bonus (so the first k recommendations earn it). It
    is a flow network (source → seeker → [good hub] → opening → sink), so its basic
    solutions are integral; dropping rows and columns keeps it one.

    Most of those rows never matter, so the LP starts without them and is exact all the
    same:

    - an opening's row is added once the LP holds more than ``cap`` of its pairs (before,
      no solution can break it);
    - a seeker's coverage rows are added when the solution gives them fewer than k
      (good) options. Until then the LP counts their bonus as earned in full, which
      overestimates every plan; a plan that earns it in full is therefore optimal.
    """

    def __init__(self, n_seekers: int, per_seeker: int, caps: np.ndarray, bonus: float,
                 min_options: int):
        self.n_seekers, self.per_seeker, self.caps = n_seekers, per_seeker, caps
        self.bonus = bonus
        self.k = min(min_options, per_seeker)
        self.covered = bonus > 0 and self.k > 0
        self.open_row = np.full(len(caps), -1, dtype=np.int64)
        self.good_row = np.full(n_seekers, -1, dtype=np.int64)
        self.short = np.zeros(n_seekers, dtype=bool)
        self.row_lower = np.zeros(0)
        self.row_upper = np.zeros(0)
        self.cost = np.zeros(0)
        self.upper = np.zeros(0)
        self.entries: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self.pair_col = np.zeros(0, dtype=np.int64)
        self.si = np.zeros(0, dtype=np.int64)
        self.oj = np.zeros(0, dtype=np.int64)
        self.good = np.zeros(0, dtype=bool)
        self.prob = np.zeros(0)
        none = np.zeros(0, dtype=np.int64)
        self._add_rows(np.full(n_seekers, -np.inf), np.full(n_seekers, float(per_seeker)),
                       none, none, np.zeros(0))

    # Primitive changes; the warm subclass mirrors them into its HiGHS instance.

    def _add_rows(self, lower, upper, row, col, value) -> int:
        """Add rows with entries (row among the new ones, existing column, value)."""
        first = len(self.row_upper)
        self.row_lower = np.concatenate([self.row_lower, lower])
        self.row_upper = np.concatenate([self.row_upper, upper])
        self.entries.append((first + row, col, value))
        return first

    def _add_cols(self, cost, upper, col, row, value) -> int:
        """Add [0, upper] columns with entries (column among the new ones, row, value)."""
        first = len(self.cost)
        self.cost = np.concatenate([self.cost, cost])
        self.upper = np.concatenate([self.upper, upper])
        self.entries.append((row, first + col, value))
        return first

    def _fix_row(self, rows: np.ndarray, value: float) -> None:
        self.row_lower[rows] = value
        self.row_upper[rows] = value

    # The model.

    def add_pairs(self, si, oj, prob, good) -> None:
        """Add pair columns, and the rows of openings that may now overflow."""
        n = len(si)
        row_o, row_g = self.open_row[oj], np.where(good, self.good_row[si], -1)
        rows = np.column_stack([si, row_o, row_g])
        vals = np.column_stack([np.ones(n), np.ones(n), -np.ones(n)])
        keep = rows >= 0
        col = np.broadcast_to(np.arange(n)[:, None], rows.shape)[keep]
        first = self._add_cols(prob, np.ones(n), col, rows[keep], vals[keep])
        self.pair_col = np.concatenate([self.pair_col, first + np.arange(n)])
        self.si = np.concatenate([self.si, si])
        self.oj = np.concatenate([self.oj, oj])
        self.prob = np.concatenate([self.prob, prob])
        self.good = np.concatenate([self.good, good])
        count = np.bincount(self.oj, minlength=len(self.caps))
        new = np.flatnonzero((self.open_row < 0) & (count > self.caps))
        if len(new):
            self.open_row[new] = len(self.row_upper) + np.arange(len(new))
            pairs = np.flatnonzero(np.isin(self.oj, new))
            self._add_rows(np.full(len(new), -np.inf), self.caps[new].astype(float),
                           self.open_row[self.oj[pairs]] - self.open_row[new[0]],
                           self.pair_col[pairs], np.ones(len(pairs)))

    def cover(self, seekers: np.ndarray, good: bool) -> None:
        """Model the coverage bonus of these seekers exactly (their good options if
        ``good``, else all their options)."""
        n, k = len(seekers), float(self.k)
        if not n:
            return
        if good:
            self.good_row[seekers] = len(self.row_upper) + np.arange(n)
            pairs = np.flatnonzero(self.good & (self.good_row[self.si] >= 0)
                                   & np.isin(self.si, seekers))
            first = self._add_rows(np.full(n, -np.inf), np.zeros(n),
                                   self.good_row[self.si[pairs]] - self.good_row[seekers[0]],
                                   self.pair_col[pairs], -np.ones(len(pairs)))
            self._add_cols(np.full(n, self.bonus), np.full(n, k), np.arange(n),
                           first + np.arange(n), np.ones(n))
        else:
            self.short[seekers] = True
            self._fix_row(seekers, float(self.per_seeker))
            self._add_cols(np.tile([0.0, -self.bonus], n),
                           np.tile([self.per_seeker - k, k], n), np.arange(2 * n),
                           np.repeat(seekers, 2), np.ones(2 * n))

    def shortfalls(self, x: np.ndarray, has_good: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Seekers whose bonus the LP counted in full but the solution does not earn:
        (fewer than k good options, fewer than k options)."""
        if not self.covered:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty
        chosen = x > 0.5
        n_any = np.bincount(self.si[chosen], minlength=self.n_seekers)
        n_good = np.bincount(self.si[chosen & self.good], minlength=self.n_seekers)
        return (np.flatnonzero(has_good & (self.good_row < 0) & (n_good < self.k)),
                np.flatnonzero(~self.short & (n_any < self.k)))

    def _duals(self, row_dual: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(seeker, opening, good-hub) duals; 0 for rows not in the LP."""
        def pick(rows):
            return np.where(rows >= 0, row_dual[np.maximum(rows, 0)], 0.0)
        return row_dual[:self.n_seekers], pick(self.open_row), pick(self.good_row)

    def _matrix(self) -> sp.csr_matrix:
        rows, cols, vals = (np.concatenate([e[i] for e in self.entries]) for i in range(3))
        return sp.csr_matrix((vals, (rows, cols)), shape=(len(self.row_upper), len(self.cost)))

    def solve(self) -> tuple[np.ndarray, tuple[np.ndarray, ...]]:
        """Return the pairs' values and the duals of an optimal vertex."""
        matrix = self._matrix()
        equal = np.isfinite(self.row_lower)
        result = linprog(
            -self.cost,
            A_ub=matrix[~equal] if not equal.all() else None,
            b_ub=self.row_upper[~equal] if not equal.all() else None,
            A_eq=matrix[equal] if equal.any() else None,
            b_eq=self.row_upper[equal] if equal.any() else None,
            bounds=np.column_stack([np.zeros(len(self.cost)), self.upper]),
            method="highs-ds", options=_SOLVER_OPTIONS,
        )
        if result.status != 0:
            raise RuntimeError(f"plan_fair: the LP solver failed: {result.message}")
        row_dual = np.zeros(len(self.row_upper))
        row_dual[~equal] = -result.ineqlin.marginals
        row_dual[equal] = -result.eqlin.marginals
        return result.x[self.pair_col], self._duals(row_dual)

    def exact(self) -> np.ndarray:
        """Solve the same problem as an integer program (a safety net, never needed)."""
        result = milp(-self.cost,
                      constraints=LinearConstraint(self._matrix(), self.row_lower,
                                                   self.row_upper),
                      integrality=np.ones(len(self.cost)), bounds=Bounds(0, self.upper))
        return result.x[self.pair_col]


#: Dual simplex with devex pricing and no presolve: about half the time of HiGHS's
#: defaults on these network LPs (steepest edge costs more per pivot than it saves, and
#: presolve finds little to remove).
_SOLVER_OPTIONS = {"presolve": False, "simplex_dual_edge_weight_strategy": "devex"}


class _QuietHighs(highspy.Highs):
    """``highspy.Highs`` without output and without Python callbacks.

    Its constructor enables callbacks before any option can be set, which prints HiGHS's
    banner on stdout (once per process): output is turned off first. The plan uses no
    callback, and without one HiGHS solves a few per cent faster, so they are disabled.
    """

    def __init__(self):
        super().__init__()
        self.disableCallbacks()

    def enableCallbacks(self):
        self.setOptionValue("output_flag", False)
        super().enableCallbacks()


class _WarmLP(_PlanLP):
    """The same LP kept inside one HiGHS instance, so that each round starts from the
    previous optimal basis and only pivots in what changed.

    Uses ``highspy``, HiGHS's official Python bindings (the same solver as SciPy's
    ``linprog``, with its public incremental API).
    """

    def __init__(self, *args):
        highs = self.highs = _QuietHighs()
        highs.setOptionValue("output_flag", False)
        highs.setOptionValue("presolve", "off")
        highs.setOptionValue("simplex_dual_edge_weight_strategy", 1)  # devex
        highs.changeObjectiveSense(highspy.ObjSense.kMaximize)
        super().__init__(*args)

    def _add_rows(self, lower, upper, row, col, value) -> int:
        first = super()._add_rows(lower, upper, row, col, value)
        order = np.argsort(row, kind="stable")
        starts = np.searchsorted(row[order], np.arange(len(upper)))
        self.highs.addRows(len(upper), lower, upper, len(order), starts.astype(np.int32),
                           col[order].astype(np.int32), value[order])
        return first

    def _add_cols(self, cost, upper, col, row, value) -> int:
        first = super()._add_cols(cost, upper, col, row, value)
        order = np.argsort(col, kind="stable")
        starts = np.searchsorted(col[order], np.arange(len(cost)))
        self.highs.addCols(len(cost), cost, np.zeros(len(cost)), upper, len(order),
                           starts.astype(np.int32), row[order].astype(np.int32),
                           value[order])
        return first

    def _fix_row(self, rows: np.ndarray, value: float) -> None:
        super()._fix_row(rows, value)
        for row in rows.tolist():
            self.highs.changeRowBounds(row, value, value)

    def solve(self) -> tuple[np.ndarray, tuple[np.ndarray, ...]]:
        self.highs.run()
        status = self.highs.getModelStatus()
        if status != highspy.HighsModelStatus.kOptimal:
            raise RuntimeError(
                f"plan_fair: the LP solver failed: {self.highs.modelStatusToString(status)}"
            )
        solution = self.highs.getSolution()
        x = np.asarray(solution.col_value)[self.pair_col]
        return x, self._duals(np.asarray(solution.row_dual))


def _integral(lp: _PlanLP, x: np.ndarray) -> np.ndarray:
    """Return the 0/1 plan of an LP solution (a vertex is integral; stay exact if not)."""
    if np.abs(x - np.round(x)).max(initial=0.0) > 1e-6:  # pragma: no cover - not a vertex
        x = lp.exact()
    return x > 0.5


def _new_lp(n_seekers: int, per_seeker: int, caps: np.ndarray, bonus: float,
            min_options: int) -> _PlanLP:
    if WARM_START:
        return _WarmLP(n_seekers, per_seeker, caps, bonus, min_options)
    return _PlanLP(n_seekers, per_seeker, caps, bonus, min_options)


class _PairScores:
    """Every (opening, seeker) pair's logit, probability and "good" flag, block by block.

    Up to ``FULL_MATRIX_CELLS`` pairs the blocks are computed once and kept; beyond that
    each column-generation round scores them again (bounded memory).
    """

    def __init__(self, encoded, prepared, weights, intercept, closed, covered, keep):
        self.encoded, self.prepared = encoded, prepared
        self.weights, self.intercept = weights, intercept
        self.closed, self.covered = closed, covered
        self.stored: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] | None = (
            {} if keep else None)

    def block(self, lo: int, hi: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(logit, float32 probability, good) of seekers lo:hi; unavailable pairs have
        logit and probability −inf."""
        if self.stored is not None and lo in self.stored:
            return self.stored[lo]
        logit = score_block(self.encoded, self.prepared, lo, hi, self.weights, self.intercept)
        logit[self.closed] = -np.inf
        good = (_good_block(self.encoded, self.prepared, lo, hi) if self.covered
                else np.zeros(logit.shape, dtype=bool))
        # 1 / (1 + e^−x) in float32 is several times faster than scipy's expit here; it
        # only screens pairs, so its last-bit error does not matter.
        with np.errstate(over="ignore"):
            prob = np.exp(-logit)
        prob += np.float32(1)
        np.reciprocal(prob, out=prob)
        prob[np.isneginf(logit)] = -np.inf
        values = logit, prob, good
        if self.stored is not None:
            self.stored[lo] = values
        return values


def _exact_prob(logit: np.ndarray) -> np.ndarray:
    """The score as :func:`rank_openings` reports it: the sigmoid of the float32 logit in
    float64 (the float32 probabilities only screen pairs)."""
    return expit(logit.astype(np.float64))


def plan_fair(
    seekers: pd.DataFrame | SeekerArrays,
    openings: pd.DataFrame | PreparedOpenings,
    per_seeker: int = 5,
    load_factor: float = 3,
    model: Matcher | None = None,
    *,
    reasons: bool = True,
    coverage_bonus: float = 1.0,
    min_options: int = 3,
    candidates: int | None = None,
    taxonomy: Taxonomy | None = None,
    geography: Geography | None = None,
    block_size: int | None = None,
    n_jobs: int | None = None,
) -> pd.DataFrame:
    """Plan each participant's recommendations under booth capacity, exactly optimally.

    Parameters
    ----------
    seekers : DataFrame or SeekerArrays
        The fair's participants (contract columns).
    openings : DataFrame or PreparedOpenings
        The fair's openings.
    per_seeker : int, default=5
        Most recommendations per participant.
    load_factor : float, default=3
        An opening is recommended to at most ``⌊load_factor × headcount⌋`` participants.
    model : Matcher, optional
        Defaults to the expert weights.
    reasons : bool, default=True
        Compute the ``reasons`` column.
    coverage_bonus : float, default=1.0
        Added to the objective for each of a participant's first ``min_options``
        recommendations, and again for each of their first ``min_options`` that meet one
        of their category choices and their pay floor. The default, more than any
        difference between two scores, makes the plan first give as many participants as
        possible that many (real) options and only then maximize the total score; 0
        maximizes the total score alone.
    min_options : int, default=3
    candidates : int, optional
        Pairs per seeker in the first LP (default ``max(per_seeker + 3, 8)``, never fewer
        than ``per_seeker``); each round then adds up to ``PAIRS_PER_ROUND`` improving
        pairs per seeker until the optimality check finds none, so this changes speed,
        never the result.
    taxonomy, geography, block_size, n_jobs
        As in :func:`~matching.ranking.rank_openings`.

    Returns
    -------
    DataFrame
        ``seeker_id, opening_id, score, reasons``, only pairs that pass the hard filters,
        sorted by seeker (input order) and falling score; ``score`` is the same number
        :func:`~matching.ranking.rank_openings` gives the pair. Among plans of equal total
        score any may be returned.
    """
    if per_seeker < 0:
        raise ValueError(f"per_seeker must be ≥ 0, got {per_seeker}")
    if coverage_bonus < 0 or min_options < 0:
        raise ValueError("coverage_bonus and min_options must be ≥ 0")
    prepared = prepare_openings(openings, taxonomy=taxonomy, geography=geography)
    encoded = encode_seekers(seekers, prepared)
    weights, intercept = resolve_model(model)
    caps = load_caps(prepared, load_factor)
    n_seekers, n_open = len(encoded), len(prepared)
    m = max(candidates or max(per_seeker + 3, 8), per_seeker)
    bounds = block_bounds(n_seekers, n_open, block_size)
    covered = coverage_bonus > 0 and min_options > 0
    scores = _PairScores(encoded, prepared, weights, intercept, caps <= 0, covered,
                         keep=n_seekers * n_open <= FULL_MATRIX_CELLS)

    def first_candidates(lo: int, hi: int):
        logit, prob, good = scores.block(lo, hi)
        value = prob + np.float32(coverage_bonus) * good if covered else prob
        # (Candidates only speed the LP up; which ones are picked never changes the plan.)
        cols, rows, rank = top_k_per_column(value, m)
        has_good = (good & (prob > -np.inf)).any(axis=0)
        return (cols + lo, rows, rank, _exact_prob(logit[rows, cols]), good[rows, cols],
                has_good)

    parts = list(map_blocks(first_candidates, bounds, n_jobs)) if per_seeker > 0 else []
    empty = np.zeros(0, dtype=np.int64)
    si, oj, rank = (np.concatenate([p[i] for p in parts]) if parts else empty
                    for i in range(3))
    prob = np.concatenate([p[3] for p in parts]) if parts else np.zeros(0)
    good = np.concatenate([p[4] for p in parts]) if parts else np.zeros(0, dtype=bool)

    chosen = rank < per_seeker
    loads = np.bincount(oj[chosen], minlength=n_open)
    # Without the coverage bonus each seeker's own best per_seeker openings bound any plan
    # from above: if they fit under every cap, they are the optimal plan.
    if len(si) and (covered or (loads > caps).any()):
        has_good = np.concatenate([p[5] for p in parts])
        lp = _new_lp(n_seekers, per_seeker, caps, coverage_bonus, min_options)
        lp.add_pairs(si, oj, prob, good)
        if lp.covered:
            # Seekers who cannot reach min_options (good) options among their best
            # candidates are unlikely to reach it at all: model their bonus from the start.
            n_cand = np.bincount(si, minlength=n_seekers)
            n_good = np.bincount(si[good], minlength=n_seekers)
            lp.cover(np.flatnonzero(has_good & (n_good < lp.k)), good=True)
            lp.cover(np.flatnonzero(n_cand < lp.k), good=False)
        for _ in range(MAX_ROUNDS):
            x, duals = lp.solve()
            short_good, short_any = lp.shortfalls(x, has_good)
            new = _improving_pairs(scores, bounds, lp, duals, PAIRS_PER_ROUND, n_jobs)
            if not (len(short_good) or len(short_any) or len(new[0])):
                break
            lp.cover(short_good, good=True)
            lp.cover(short_any, good=False)
            lp.add_pairs(*new)
        else:  # pragma: no cover - every round adds pairs or rows, and both are finite
            raise RuntimeError("plan_fair: column generation did not converge")
        chosen = _integral(lp, x)
        si, oj, prob = lp.si, lp.oj, lp.prob
    si, oj, score = si[chosen], oj[chosen], prob[chosen]
    order = np.lexsort((oj, -score, si))
    si, oj, score = si[order], oj[order], score[order]
    frame = pd.DataFrame({
        "seeker_id": encoded.ids[si],
        "opening_id": prepared.ids[oj],
        "score": score,
    })
    explained = (explain(encoded, prepared, si, oj, weights) if reasons
                 else [[] for _ in range(len(si))])
    frame["reasons"] = pd.Series(explained, dtype=object, index=frame.index)
    return frame


def _good_block(
    encoded: SeekerArrays, prepared: PreparedOpenings, lo: int, hi: int
) -> np.ndarray:
    """(n_openings, hi - lo) mask of options that meet a category choice and the floor."""
    chosen = encoded.preference[lo:hi].T[prepared.category] > 0
    return chosen & rules.pay_reaches_floor(prepared.pay_top[:, None], encoded.floor[None, lo:hi])


def _improving_pairs(scores, bounds, lp, duals, m, n_jobs):
    """Pairs outside the LP whose reduced cost is positive, at most ``m`` per seeker.

    With the LP optimum's duals ``u`` (seeker rows), ``v`` (opening rows) and ``w``
    (good rows), a left-out pair (s, o) could raise the objective only if
    ``score − u[s] − v[o] + w[s] × good > 0``; if no pair does, the duals are feasible
    for the whole problem and the plan is optimal. Every pair is screened in float32
    against duals lowered by ``SCREEN_MARGIN`` (far more than float32 rounding) and each
    seeker's best ``m`` survivors are confirmed in float64 (``> DUAL_TOLERANCE``); when
    nothing is confirmed, no left-out pair can gain more than the tolerance plus float32
    rounding (≈ 1e-6).

    Returns
    -------
    si, oj, prob, good : ndarray
    """
    u, v, w = duals
    u32 = (u - SCREEN_MARGIN).astype(np.float32)
    v32, w32 = v.astype(np.float32), w.astype(np.float32)
    empty = np.zeros(0, dtype=np.int64)

    def block(lo: int, hi: int) -> tuple[np.ndarray, ...]:
        logit, prob, good = scores.block(lo, hi)
        reduced = prob - v32[:, None]
        reduced -= u32[None, lo:hi]
        earning = np.flatnonzero(w32[lo:hi] > 0) if lp.covered else empty
        if len(earning):
            reduced[:, earning] += good[:, earning] * w32[lo + earning]
        inside = (lp.si >= lo) & (lp.si < hi)
        reduced[lp.oj[inside], lp.si[inside] - lo] = -np.inf
        # Only seekers with some positive entry need a closer look (after the first
        # rounds, few). Their best m entries are the candidates; non-positive ones drop.
        cols = np.flatnonzero(reduced.max(axis=0, initial=-np.inf) > 0)
        if not len(cols):
            return empty, empty, np.zeros(0), np.zeros(0, dtype=bool)
        if 2 * len(cols) < reduced.shape[1]:
            reduced = reduced[:, cols]
        else:
            cols = np.arange(reduced.shape[1])
        picked, rows, _ = top_k_per_column(reduced, m)
        positive = reduced[rows, picked] > 0
        cols, rows = cols[picked[positive]], rows[positive]
        pair_logit, pair_good = logit[rows, cols], good[rows, cols]
        cols += lo
        pair_prob = _exact_prob(pair_logit)
        exact = pair_prob - u[cols] - v[rows] + np.where(pair_good, w[cols], 0.0)
        keep = exact > DUAL_TOLERANCE
        return cols[keep], rows[keep], pair_prob[keep], pair_good[keep]

    parts = list(map_blocks(block, bounds, n_jobs))
    return tuple(np.concatenate([p[i] for p in parts]) for i in range(4))


def _meets_choice_and_floor(
    encoded: SeekerArrays, prepared: PreparedOpenings, si: np.ndarray, oj: np.ndarray
) -> np.ndarray:
    chosen = encoded.preference[si, prepared.category[oj]] > 0
    return chosen & rules.pay_reaches_floor(prepared.pay_top[oj], encoded.floor[si])


def _locate(
    frame: pd.DataFrame, encoded: SeekerArrays, prepared: PreparedOpenings
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    si = pd.Index(encoded.ids).get_indexer(frame["seeker_id"].astype(object))
    oj = pd.Index(prepared.ids).get_indexer(frame["opening_id"].astype(object))
    if (si < 0).any() or (oj < 0).any():
        raise ValueError("plan_report: the recommendations name unknown seekers or openings")
    return si, oj, frame["score"].to_numpy(dtype=float)


def _option_flags(
    si: np.ndarray,
    oj: np.ndarray,
    score: np.ndarray,
    encoded: SeekerArrays,
    prepared: PreparedOpenings,
    caps: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Per recommendation: whether it meets the seeker's choice and floor, and whether
    it is within its opening's cap."""
    meets = _meets_choice_and_floor(encoded, prepared, si, oj)
    # Within an opening, the best-scoring recommendations up to its cap are real options;
    # the rest would queue at a booth that cannot see them all.
    order = np.lexsort((si, -score, oj))
    position = np.empty(len(oj), dtype=np.int64)
    sorted_oj = oj[order]
    starts = np.searchsorted(sorted_oj, np.arange(len(prepared)))
    position[order] = np.arange(len(oj)) - starts[sorted_oj]
    return meets, position < caps[oj]


def options_per_seeker(
    plan: pd.DataFrame,
    seekers: pd.DataFrame | SeekerArrays,
    openings: pd.DataFrame | PreparedOpenings,
    load_factor: float = 3,
) -> pd.Series:
    """Count each seeker's real options in a plan, as ``share_3_options`` counts them.

    Parameters
    ----------
    plan : DataFrame
        :func:`plan_fair` output (``seeker_id, opening_id, score``).
    seekers, openings, load_factor
        As given to :func:`plan_fair`.

    Returns
    -------
    Series
        Indexed by seeker id (every seeker, none left out), the number of recommendations
        whose category is one of the seeker's choices, whose pay reaches their floor and
        which are among their opening's ``⌊load_factor × headcount⌋`` best-scoring ones.
    """
    prepared = prepare_openings(openings)
    encoded = encode_seekers(seekers, prepared)
    si, oj, score = _locate(plan, encoded, prepared)
    meets, within_cap = _option_flags(si, oj, score, encoded, prepared,
                                      load_caps(prepared, load_factor))
    counts = np.bincount(si[meets & within_cap], minlength=len(encoded))
    return pd.Series(counts, index=pd.Index(encoded.ids, name="seeker_id"), name="options")


def _recommendation_stats(
    frame: pd.DataFrame,
    encoded: SeekerArrays,
    prepared: PreparedOpenings,
    caps: np.ndarray,
) -> dict[str, float]:
    si, oj, score = _locate(frame, encoded, prepared)
    n_seekers, n_open = len(encoded), len(prepared)
    meets, within_cap = _option_flags(si, oj, score, encoded, prepared, caps)
    options = np.bincount(si[meets & within_cap], minlength=n_seekers)
    options_uncapped = np.bincount(si[meets], minlength=n_seekers)
    per_seeker = np.bincount(si, minlength=n_seekers)
    per_opening = np.bincount(oj, minlength=n_open)
    share = (lambda x: float(np.mean(x))) if n_seekers else (lambda x: 0.0)
    return {
        "participants": float(n_seekers),
        "share_3_options": share(options >= 3),
        "share_3_options_uncapped": share(options_uncapped >= 3),
        "share_without_recommendation": share(per_seeker == 0),
        "recommendations": float(len(frame)),
        "max_per_opening": float(per_opening.max(initial=0)),
        "gini_per_opening": gini(per_opening),
        "openings_over_cap": float(np.sum(per_opening > caps)),
        "mean_score": float(score.mean()) if len(score) else 0.0,
        "total_score": float(score.sum()),
    }


def plan_report(
    plan: pd.DataFrame,
    seekers: pd.DataFrame | SeekerArrays,
    openings: pd.DataFrame | PreparedOpenings,
    per_seeker: int = 5,
    load_factor: float = 3,
    model: Matcher | None = None,
    naive: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Compare a fair plan with naive top-k recommendations.

    Parameters
    ----------
    plan : DataFrame
        :func:`plan_fair` output (``seeker_id, opening_id, score``).
    seekers, openings, per_seeker, load_factor, model
        As given to :func:`plan_fair`.
    naive : DataFrame, optional
        Naive top-k (``rank_openings(..., k=per_seeker)``); computed if omitted.

    Returns
    -------
    DataFrame
        Index: the metrics below; columns ``plan`` and ``naive_top_k``.

        - ``share_3_options``: share of participants with at least 3 recommendations
          whose category is one of their choices and whose pay reaches their floor (or
          they gave none; unknown pay never counts), counting a recommendation only if it
          is among its opening's ``⌊load_factor × headcount⌋`` best-scoring ones;
        - ``share_3_options_uncapped``: the same without the capacity rule;
        - ``share_without_recommendation``, ``recommendations``;
        - ``max_per_opening``, ``gini_per_opening`` (over all openings, zeros included),
          ``openings_over_cap``;
        - ``mean_score``, ``total_score`` (the expected number of interests).
    """
    prepared = prepare_openings(openings)
    encoded = encode_seekers(seekers, prepared)
    caps = load_caps(prepared, load_factor)
    if naive is None:
        naive = rank_openings(encoded, prepared, k=per_seeker, model=model, reasons=False)
    return pd.DataFrame({
        "plan": _recommendation_stats(plan, encoded, prepared, caps),
        "naive_top_k": _recommendation_stats(naive, encoded, prepared, caps),
    })
