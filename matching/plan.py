"""Capacity-aware recommendations for a fair: who is sent to which booth.

Naive top-k sends every participant to the same popular openings: a booth with two jobs
gets forty people while others sit idle. :func:`plan_fair` instead chooses the set of
(seeker, opening) recommendations that maximizes the total score — the expected number
of interests — plus a bonus for each participant's first few options (and again for
those in a chosen category whose pay reaches their floor), such that each participant
gets at most ``per_seeker`` recommendations and no opening more than
``load_factor × headcount`` participants.

That is a maximum-weight bipartite b-matching with concave per-seeker bonuses, a min-cost
flow problem. Its linear
program is totally unimodular (the constraint matrix is the incidence matrix of a
bipartite graph), so a basic optimal solution of the LP, which HiGHS returns through
:func:`scipy.optimize.linprog`, is integral: the LP solves it exactly. To keep the LP
small it starts from each seeker's best candidates and adds pairs by column generation:
a left-out pair could improve the plan only if its score exceeds the sum of the duals of
its seeker's and its opening's constraints, so the loop adds every such pair and stops
when none is left, which proves the plan optimal over all feasible pairs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, linprog, milp
from scipy.special import expit

try:  # SciPy's own HiGHS bindings allow warm starts between column-generation rounds.
    from scipy.optimize._highspy import _core as _highs_core
except ImportError:  # pragma: no cover - SciPy < 1.15
    _highs_core = None

from .estimator import Matcher, resolve_model
from .features import (
    PreparedOpenings,
    SeekerArrays,
    encode_seekers,
    feature_matrix,
    prepare_openings,
    score_block,
)
from .ranking import block_bounds, map_blocks, rank_openings, top_k_per_column
from .reasons import explain
from .reference import Geography, Taxonomy

__all__ = ["gini", "plan_fair", "plan_report"]

#: Keep all scores in memory up to this many pairs (float32) instead of recomputing them
#: in every column-generation round.
FULL_MATRIX_CELLS = 25_000_000
#: Reduced-cost tolerance of the optimality check (HiGHS solves to about 1e-7).
DUAL_TOLERANCE = 1e-6
MAX_ROUNDS = 50


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


class _LinprogLP:
    """The plan's LP, re-solved from scratch by ``linprog`` (HiGHS) in every round.

    Columns: one ``x`` in [0, 1] per candidate pair, then, with a coverage bonus, two
    ``t`` in [0, min_options] per seeker. Rows: each seeker's ``Σ x ≤ per_seeker``, each
    opening's ``Σ x ≤ cap``, and per seeker ``t_any − Σ x ≤ 0`` and
    ``t_good − Σ x over good pairs ≤ 0``. It is a flow network (a seeker's units pass a
    side node whose first ``min_options`` units earn the bonus, and its good units a
    second one), so its basic solutions are integral.
    """

    def __init__(self, n_seekers: int, per_seeker: int, caps: np.ndarray, bonus: float,
                 min_options: int):
        self.n_seekers = n_seekers
        self.n_open = len(caps)
        self.bonus = bonus
        self.min_options = min_options
        self.covered = bonus > 0 and min_options > 0
        self.n_side = 2 * n_seekers if self.covered else 0
        self.bounds = np.concatenate([np.full(n_seekers, per_seeker, dtype=float),
                                      caps.astype(float), np.zeros(self.n_side)])
        self.si = np.zeros(0, dtype=np.int64)
        self.oj = np.zeros(0, dtype=np.int64)
        self.good = np.zeros(0, dtype=bool)
        self.prob = np.zeros(0)

    def add(self, si: np.ndarray, oj: np.ndarray, prob: np.ndarray, good: np.ndarray) -> None:
        self.si = np.concatenate([self.si, si])
        self.oj = np.concatenate([self.oj, oj])
        self.prob = np.concatenate([self.prob, prob])
        self.good = np.concatenate([self.good, good])

    def _entries(self, si, oj, good) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(column-major entry counts, row indices, values) of new pair columns."""
        n_s, side = self.n_seekers, self.n_seekers + self.n_open
        rows = [si, n_s + oj]
        vals = [np.ones(len(si)), np.ones(len(si))]
        if self.covered:
            rows += [side + si, np.where(good, side + n_s + si, -1)]
            vals += [-np.ones(len(si)), -np.ones(len(si))]
        rows_m = np.column_stack(rows)
        vals_m = np.column_stack(vals)
        keep = rows_m >= 0
        return keep.sum(axis=1), rows_m[keep], vals_m[keep]

    def _columns(self) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray]:
        """Constraint matrix, objective and upper bounds of all columns."""
        n_edges = len(self.prob)
        counts, rows, vals = self._entries(self.si, self.oj, self.good)
        cols = np.repeat(np.arange(n_edges), counts)
        cost, upper = [self.prob], [np.ones(n_edges)]
        if self.covered:
            side = self.n_seekers + self.n_open
            rows = np.concatenate([rows, side + np.arange(self.n_side)])
            cols = np.concatenate([cols, n_edges + np.arange(self.n_side)])
            vals = np.concatenate([vals, np.ones(self.n_side)])
            cost.append(np.full(self.n_side, self.bonus))
            upper.append(np.full(self.n_side, float(self.min_options)))
        matrix = sp.csr_matrix((vals, (rows, cols)),
                               shape=(len(self.bounds), n_edges + self.n_side))
        return matrix, np.concatenate(cost), np.concatenate(upper)

    def _split(self, duals: np.ndarray) -> tuple[np.ndarray, ...]:
        n_s, n_o = self.n_seekers, self.n_open
        zeros = np.zeros(n_s)
        w_any = duals[n_s + n_o:2 * n_s + n_o] if self.covered else zeros
        w_good = duals[2 * n_s + n_o:] if self.covered else zeros
        return duals[:n_s], duals[n_s:n_s + n_o], w_any, w_good

    def solve(self) -> tuple[np.ndarray, tuple[np.ndarray, ...]]:
        matrix, cost, upper = self._columns()
        result = linprog(-cost, A_ub=matrix, b_ub=self.bounds,
                         bounds=np.column_stack([np.zeros(len(cost)), upper]), method="highs")
        if result.status != 0:
            raise RuntimeError(f"plan_fair: the LP solver failed: {result.message}")
        return result.x[: len(self.prob)], self._split(-result.ineqlin.marginals)

    def exact(self) -> np.ndarray:
        """Solve the same problem as an integer program (a safety net, never needed)."""
        matrix, cost, upper = self._columns()
        result = milp(-cost, constraints=LinearConstraint(matrix, -np.inf, self.bounds),
                      integrality=np.ones(len(cost)), bounds=Bounds(0, upper))
        return result.x[: len(self.prob)]


class _WarmLP(_LinprogLP):
    """The same LP kept inside one HiGHS instance, so that each round starts from the
    previous optimal basis and only pivots in the added pairs.

    Uses SciPy's bundled HiGHS bindings (``scipy.optimize._highspy``, SciPy ≥ 1.15); where
    they are missing, :class:`_LinprogLP` gives the same plan more slowly.
    """

    def __init__(self, n_seekers: int, per_seeker: int, caps: np.ndarray, bonus: float,
                 min_options: int):
        super().__init__(n_seekers, per_seeker, caps, bonus, min_options)
        self.highs = _highs_core._Highs()
        self.highs.setOptionValue("output_flag", False)
        n_rows = len(self.bounds)
        empty_int = np.zeros(0, dtype=np.int32)
        self.highs.addRows(n_rows, np.full(n_rows, -self.highs.getInfinity()), self.bounds,
                           0, empty_int, empty_int, np.zeros(0))
        self.highs.changeObjectiveSense(_highs_core.ObjSense.kMaximize)
        if self.covered:
            side = n_seekers + self.n_open
            self.highs.addCols(
                self.n_side, np.full(self.n_side, bonus), np.zeros(self.n_side),
                np.full(self.n_side, float(min_options)), self.n_side,
                np.arange(self.n_side, dtype=np.int32),
                (side + np.arange(self.n_side)).astype(np.int32), np.ones(self.n_side),
            )

    def add(self, si: np.ndarray, oj: np.ndarray, prob: np.ndarray, good: np.ndarray) -> None:
        super().add(si, oj, prob, good)
        counts, rows, vals = self._entries(si, oj, good)
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int32)
        self.highs.addCols(len(prob), prob, np.zeros(len(prob)), np.ones(len(prob)),
                           len(rows), starts, rows.astype(np.int32), vals)

    def solve(self) -> tuple[np.ndarray, tuple[np.ndarray, ...]]:
        self.highs.run()
        status = self.highs.getModelStatus()
        if status != _highs_core.HighsModelStatus.kOptimal:
            raise RuntimeError(
                f"plan_fair: the LP solver failed: {self.highs.modelStatusToString(status)}"
            )
        solution = self.highs.getSolution()
        x = np.asarray(solution.col_value)[self.n_side:]
        return x, self._split(np.asarray(solution.row_dual))


def _integral(lp: _LinprogLP, x: np.ndarray) -> np.ndarray:
    """Return the 0/1 plan of an LP solution (a vertex is integral; stay exact if not)."""
    if np.abs(x - np.round(x)).max(initial=0.0) > 1e-6:  # pragma: no cover - not a vertex
        x = lp.exact()
    return x > 0.5


def _new_lp(n_seekers: int, per_seeker: int, caps: np.ndarray, bonus: float,
            min_options: int) -> _LinprogLP:
    if _highs_core is not None:
        return _WarmLP(n_seekers, per_seeker, caps, bonus, min_options)
    return _LinprogLP(n_seekers, per_seeker, caps, bonus, min_options)


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
        recommendations that meet one of their category choices and their pay floor.
        The default, more than any difference between two scores, makes the plan first
        give as many participants as possible that many real options and only then
        maximize the total score; 0 maximizes the total score alone.
    min_options : int, default=3
    candidates : int, optional
        Pairs per seeker in the first LP (default ``max(per_seeker + 3, 8)``); more are
        added while the optimality check finds improving pairs, so this changes speed,
        never the result.
    taxonomy, geography, block_size, n_jobs
        As in :func:`~matching.ranking.rank_openings`.

    Returns
    -------
    DataFrame
        ``seeker_id, opening_id, score, reasons``, only pairs that pass the hard filters,
        sorted by seeker (input order) and falling score. Among plans of equal total score
        any may be returned.
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
    closed = caps <= 0
    m = candidates or max(per_seeker + 3, 8)
    bounds = block_bounds(n_seekers, n_open, block_size)
    keep_all = n_seekers * n_open <= FULL_MATRIX_CELLS
    covered = coverage_bonus > 0 and min_options > 0
    stored: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    def block_values(lo: int, hi: int) -> tuple[np.ndarray, np.ndarray]:
        """(scores, good) of seekers lo:hi; unavailable pairs score 0 (−inf logit)."""
        if lo in stored:
            return stored[lo]
        logits = score_block(encoded, prepared, lo, hi, weights, intercept)
        logits[closed] = -np.inf
        good = _good_block(encoded, prepared, lo, hi) if covered else np.zeros((0, 0), bool)
        return expit(logits), good

    def first_candidates(lo: int, hi: int):
        prob, good = block_values(lo, hi)
        value = np.where(prob > 0, prob + coverage_bonus * good if covered else prob, -np.inf)
        # (Candidates only speed the LP up; which ones are picked never changes the plan.)
        cols, rows, rank = top_k_per_column(value, m)
        return lo, (prob, good), (cols + lo, rows, rank)

    parts = []
    for lo, values, part in map_blocks(first_candidates, bounds, n_jobs):
        if keep_all:
            stored[lo] = values
        parts.append(part)
    si, oj, rank = (np.concatenate([p[i] for p in parts]) if parts
                    else np.zeros(0, dtype=np.int64) for i in range(3))

    chosen = rank < per_seeker
    loads = np.bincount(oj[chosen], minlength=n_open)
    # Without the coverage bonus each seeker's own best per_seeker openings bound any plan
    # from above: if they fit under every cap, they are the optimal plan.
    if per_seeker > 0 and len(si) and (covered or (loads > caps).any()):
        lp = _new_lp(n_seekers, per_seeker, caps, coverage_bonus, min_options)
        lp.add(si, oj, *_pair_values(encoded, prepared, si, oj, weights, intercept))
        for _ in range(MAX_ROUNDS):
            x, duals = lp.solve()
            new_s, new_o = _improving_pairs(block_values, bounds, lp, duals, coverage_bonus,
                                            m, n_jobs)
            if not len(new_s):
                break
            lp.add(new_s, new_o,
                   *_pair_values(encoded, prepared, new_s, new_o, weights, intercept))
        else:  # pragma: no cover - every round adds pairs and the pairs are finite
            raise RuntimeError("plan_fair: column generation did not converge")
        chosen = _integral(lp, x)
        si, oj = lp.si, lp.oj
    elif per_seeker == 0:
        chosen[:] = False
    si, oj = si[chosen], oj[chosen]
    score = _pair_values(encoded, prepared, si, oj, weights, intercept)[0]
    order = np.lexsort((oj, -score, si))
    si, oj, score = si[order], oj[order], score[order]
    frame = pd.DataFrame({
        "seeker_id": encoded.ids[si],
        "opening_id": prepared.ids[oj],
        "score": score,
    })
    explained = explain(encoded, prepared, si, oj, weights) if reasons else [[] for _ in si]
    frame["reasons"] = pd.Series(explained, dtype=object, index=frame.index)
    return frame


def _good_block(
    encoded: SeekerArrays, prepared: PreparedOpenings, lo: int, hi: int
) -> np.ndarray:
    """(n_openings, hi - lo) mask of options that meet a category choice and the floor."""
    chosen = encoded.preference[lo:hi].T[prepared.category] > 0
    top = prepared.pay_top[:, None]
    floor = encoded.floor[None, lo:hi]
    with np.errstate(invalid="ignore"):
        return chosen & ~np.isnan(top) & (np.isnan(floor) | (top >= floor))


def _pair_values(encoded, prepared, si, oj, weights, intercept):
    """(score, good) of index pairs, scored exactly as the blocks score them."""
    X, _, _ = feature_matrix(encoded, prepared, si, oj)
    score = expit((X @ weights + intercept).astype(np.float32).astype(np.float64))
    return score, _meets_choice_and_floor(encoded, prepared, si, oj)


def _improving_pairs(block_values, bounds, lp, duals, bonus, m, n_jobs):
    """Pairs outside the LP whose reduced cost is positive, at most ``m`` per seeker.

    With the LP optimum's duals ``u`` (seeker rows), ``v`` (opening rows), ``w_any`` and
    ``w_good`` (coverage rows), a left-out pair (s, o) could raise the objective only if
    ``score − u[s] − v[o] + w_any[s] + w_good[s] × good > 0``; if no pair does, the duals
    are feasible for the whole problem and the plan is optimal.
    """
    u, v, w_any, w_good = duals
    in_lp = sp.csc_matrix((np.ones(len(lp.si), dtype=bool), (lp.oj, lp.si)),
                          shape=(len(v), len(u)))

    def block(lo: int, hi: int) -> tuple[np.ndarray, ...]:
        prob, good = block_values(lo, hi)
        reduced = prob - v[:, None] - u[None, lo:hi]
        if lp.covered:
            reduced += w_any[None, lo:hi] + good * w_good[None, lo:hi]
        reduced[prob <= 0] = -np.inf
        reduced[in_lp[:, lo:hi].toarray()] = -np.inf
        reduced[reduced <= DUAL_TOLERANCE] = -np.inf
        cols, rows, _ = top_k_per_column(reduced, m)
        return cols + lo, rows

    parts = list(map_blocks(block, bounds, n_jobs))
    empty = np.zeros(0, dtype=np.int64)
    return tuple(np.concatenate([p[i] for p in parts]) if parts else empty for i in range(2))


def _meets_choice_and_floor(
    encoded: SeekerArrays, prepared: PreparedOpenings, si: np.ndarray, oj: np.ndarray
) -> np.ndarray:
    chosen = encoded.preference[si, prepared.category[oj]] > 0
    floor, top = encoded.floor[si], prepared.pay_top[oj]
    with np.errstate(invalid="ignore"):
        pay_ok = ~np.isnan(top) & (np.isnan(floor) | (top >= floor))
    return chosen & pay_ok


def _recommendation_stats(
    frame: pd.DataFrame,
    encoded: SeekerArrays,
    prepared: PreparedOpenings,
    caps: np.ndarray,
) -> dict[str, float]:
    si = pd.Index(encoded.ids).get_indexer(frame["seeker_id"].astype(object))
    oj = pd.Index(prepared.ids).get_indexer(frame["opening_id"].astype(object))
    if (si < 0).any() or (oj < 0).any():
        raise ValueError("plan_report: the recommendations name unknown seekers or openings")
    score = frame["score"].to_numpy(dtype=float)
    n_seekers, n_open = len(encoded), len(prepared)
    meets = _meets_choice_and_floor(encoded, prepared, si, oj)
    # Within an opening, the best-scoring recommendations up to its cap are real options;
    # the rest would queue at a booth that cannot see them all.
    order = np.lexsort((si, -score, oj))
    position = np.empty(len(oj), dtype=np.int64)
    sorted_oj = oj[order]
    starts = np.searchsorted(sorted_oj, np.arange(n_open))
    position[order] = np.arange(len(oj)) - starts[sorted_oj]
    within_cap = position < caps[oj]
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
