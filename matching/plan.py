"""Capacity-aware recommendations for a fair: who is sent to which booth.

Naive top-k sends every participant to the same popular openings: a booth with two jobs
gets forty people while others sit idle. :func:`plan_fair` instead chooses the set of
(seeker, opening) recommendations that maximizes the total score — the expected number
of interests — such that each participant gets at most ``per_seeker`` recommendations and
no opening more than ``load_factor × headcount`` participants.

That is a maximum-weight bipartite b-matching, a min-cost flow problem. Its linear
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
from .features import PreparedOpenings, SeekerArrays, encode_seekers, prepare_openings, score_block
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
    """The b-matching LP, re-solved from scratch by ``linprog`` (HiGHS) in every round."""

    def __init__(self, n_seekers: int, per_seeker: int, caps: np.ndarray):
        self.n_seekers = n_seekers
        self.bounds = np.concatenate([np.full(n_seekers, per_seeker, dtype=float),
                                      caps.astype(float)])
        self.si = np.zeros(0, dtype=np.int64)
        self.oj = np.zeros(0, dtype=np.int64)
        self.prob = np.zeros(0)

    def add(self, si: np.ndarray, oj: np.ndarray, prob: np.ndarray) -> None:
        self.si = np.concatenate([self.si, si])
        self.oj = np.concatenate([self.oj, oj])
        self.prob = np.concatenate([self.prob, prob])

    def _matrix(self) -> sp.csr_matrix:
        n_edges = len(self.prob)
        rows = np.concatenate([self.si, self.n_seekers + self.oj])
        cols = np.concatenate([np.arange(n_edges), np.arange(n_edges)])
        return sp.csr_matrix((np.ones(2 * n_edges), (rows, cols)),
                             shape=(len(self.bounds), n_edges))

    def solve(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        result = linprog(-self.prob, A_ub=self._matrix(), b_ub=self.bounds, bounds=(0, 1),
                         method="highs")
        if result.status != 0:
            raise RuntimeError(f"plan_fair: the LP solver failed: {result.message}")
        duals = -result.ineqlin.marginals
        return result.x, duals[: self.n_seekers], duals[self.n_seekers:]


class _WarmLP(_LinprogLP):
    """The same LP kept inside one HiGHS instance, so that each round starts from the
    previous optimal basis and only pivots in the added pairs.

    Uses SciPy's bundled HiGHS bindings (``scipy.optimize._highspy``, SciPy ≥ 1.15); where
    they are missing, :class:`_LinprogLP` gives the same plan more slowly.
    """

    def __init__(self, n_seekers: int, per_seeker: int, caps: np.ndarray):
        super().__init__(n_seekers, per_seeker, caps)
        self.highs = _highs_core._Highs()
        self.highs.setOptionValue("output_flag", False)
        n_rows = len(self.bounds)
        empty_int = np.zeros(0, dtype=np.int32)
        self.highs.addRows(n_rows, np.full(n_rows, -self.highs.getInfinity()), self.bounds,
                           0, empty_int, empty_int, np.zeros(0))
        self.highs.changeObjectiveSense(_highs_core.ObjSense.kMaximize)

    def add(self, si: np.ndarray, oj: np.ndarray, prob: np.ndarray) -> None:
        super().add(si, oj, prob)
        k = len(prob)
        index = np.empty(2 * k, dtype=np.int32)
        index[0::2] = si
        index[1::2] = self.n_seekers + oj
        self.highs.addCols(k, prob, np.zeros(k), np.ones(k), 2 * k,
                           np.arange(0, 2 * k, 2, dtype=np.int32), index, np.ones(2 * k))

    def solve(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        self.highs.run()
        status = self.highs.getModelStatus()
        if status != _highs_core.HighsModelStatus.kOptimal:
            raise RuntimeError(
                f"plan_fair: the LP solver failed: {self.highs.modelStatusToString(status)}"
            )
        solution = self.highs.getSolution()
        duals = np.asarray(solution.row_dual)
        return (np.asarray(solution.col_value), duals[: self.n_seekers],
                duals[self.n_seekers:])


def _integral(lp: _LinprogLP, x: np.ndarray) -> np.ndarray:
    """Return the 0/1 plan of an LP solution (a vertex is integral; stay exact if not)."""
    if np.abs(x - np.round(x)).max(initial=0.0) > 1e-6:  # pragma: no cover - not a vertex
        exact = milp(-lp.prob, constraints=LinearConstraint(lp._matrix(), -np.inf, lp.bounds),
                     integrality=np.ones(len(lp.prob)), bounds=Bounds(0, 1))
        x = exact.x
    return x > 0.5


def _new_lp(n_seekers: int, per_seeker: int, caps: np.ndarray) -> _LinprogLP:
    if _highs_core is not None:
        return _WarmLP(n_seekers, per_seeker, caps)
    return _LinprogLP(n_seekers, per_seeker, caps)  # pragma: no cover - old SciPy


def plan_fair(
    seekers: pd.DataFrame | SeekerArrays,
    openings: pd.DataFrame | PreparedOpenings,
    per_seeker: int = 5,
    load_factor: float = 3,
    model: Matcher | None = None,
    *,
    reasons: bool = True,
    candidates: int | None = None,
    taxonomy: Taxonomy | None = None,
    geography: Geography | None = None,
    block_size: int | None = None,
    n_jobs: int | None = None,
) -> pd.DataFrame:
    """Plan each participant's recommendations under booth capacity, maximizing total score.

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
    candidates : int, optional
        Pairs per seeker in the first LP (default ``max(3 × per_seeker, 15)``); more are
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
    prepared = prepare_openings(openings, taxonomy=taxonomy, geography=geography)
    encoded = encode_seekers(seekers, prepared)
    weights, intercept = resolve_model(model)
    caps = load_caps(prepared, load_factor)
    n_seekers, n_open = len(encoded), len(prepared)
    closed = caps <= 0
    m = candidates or max(3 * per_seeker, 15)
    bounds = block_bounds(n_seekers, n_open, block_size)
    keep_all = n_seekers * n_open <= FULL_MATRIX_CELLS
    stored: dict[int, np.ndarray] = {}

    def block_logits(lo: int, hi: int) -> np.ndarray:
        if lo in stored:
            return stored[lo]
        scores = score_block(encoded, prepared, lo, hi, weights, intercept)
        scores[closed] = -np.inf
        return scores

    def first_candidates(lo: int, hi: int) -> tuple[int, np.ndarray, tuple[np.ndarray, ...]]:
        scores = block_logits(lo, hi)
        cols, rows, rank = top_k_per_column(scores, m)
        return lo, scores, (cols + lo, rows, scores[rows, cols], rank)

    parts = []
    for lo, scores, part in map_blocks(first_candidates, bounds, n_jobs):
        if keep_all:
            stored[lo] = scores
        parts.append(part)
    si, oj, logit, rank = (
        np.concatenate([p[i] for p in parts]) if parts else np.zeros(0, dtype=np.int64)
        for i in range(4)
    )
    logit = logit.astype(np.float64)

    chosen = rank < per_seeker
    loads = np.bincount(oj[chosen], minlength=n_open)
    # Each seeker's own best per_seeker openings bound any plan from above: if they fit
    # under every cap, they are the optimal plan and no LP is needed.
    if (loads > caps).any():
        lp = _new_lp(n_seekers, per_seeker, caps)
        lp.add(si, oj, expit(logit))
        for _ in range(MAX_ROUNDS):
            x, u, v = lp.solve()
            new_s, new_o, new_logit = _improving_pairs(
                block_logits, bounds, lp.si, lp.oj, u, v, m, n_jobs
            )
            if not len(new_s):
                break
            lp.add(new_s, new_o, expit(new_logit))
            logit = np.concatenate([logit, new_logit])
        else:  # pragma: no cover - every round adds pairs and the pairs are finite
            raise RuntimeError("plan_fair: column generation did not converge")
        chosen = _integral(lp, x)
        si, oj = lp.si, lp.oj
    si, oj, logit = si[chosen], oj[chosen], logit[chosen]
    order = np.lexsort((oj, -logit, si))
    si, oj, logit = si[order], oj[order], logit[order]
    frame = pd.DataFrame({
        "seeker_id": encoded.ids[si],
        "opening_id": prepared.ids[oj],
        "score": expit(logit),
    })
    explained = explain(encoded, prepared, si, oj, weights) if reasons else [[] for _ in si]
    frame["reasons"] = pd.Series(explained, dtype=object, index=frame.index)
    return frame


def _improving_pairs(block_logits, bounds, si, oj, u, v, m, n_jobs):
    """Pairs outside the LP whose reduced cost is positive, at most ``m`` per seeker.

    With seeker duals ``u`` and opening duals ``v`` of the LP optimum, a left-out pair
    (s, o) can raise the total only if ``score − u[s] − v[o] > 0``; if no pair does, the
    duals are feasible for the whole problem and the plan is optimal.
    """
    in_lp = sp.csc_matrix((np.ones(len(si), dtype=bool), (oj, si)), shape=(len(v), len(u)))

    def block(lo: int, hi: int) -> tuple[np.ndarray, ...]:
        logits = block_logits(lo, hi)
        reduced = expit(logits) - v[:, None] - u[None, lo:hi]
        reduced[~(logits > -np.inf)] = -np.inf
        reduced[in_lp[:, lo:hi].toarray()] = -np.inf
        reduced[reduced <= DUAL_TOLERANCE] = -np.inf
        cols, rows, _ = top_k_per_column(reduced, m)
        return cols + lo, rows, logits[rows, cols].astype(np.float64)

    parts = list(map_blocks(block, bounds, n_jobs))
    empty = np.zeros(0, dtype=np.int64)
    return tuple(np.concatenate([p[i] for p in parts]) if parts else empty for i in range(3))


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
