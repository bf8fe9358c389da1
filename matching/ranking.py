"""Rank openings for seekers and seekers for openings, block by block."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import expit

from .estimator import Matcher, resolve_model
from .features import (
    PreparedOpenings,
    SeekerArrays,
    encode_seekers,
    prepare_openings,
    score_block,
)
from .reasons import explain
from .reference import Geography, Taxonomy

__all__ = ["rank_openings", "rank_seekers"]

#: Scores computed per block: about 4 MB of float32, small enough to stay in cache.
BLOCK_CELLS = 1 << 20
#: A column with more candidates than this after the cheap bound takes the exact path.
_CANDIDATE_LIMIT = 4096

RANKING_COLUMNS = ["seeker_id", "opening_id", "rank", "score", "reasons"]


def block_bounds(n_seekers: int, n_openings: int, block_size: int | None) -> list[tuple[int, int]]:
    """Split seekers into blocks of ``block_size`` (default: about ``BLOCK_CELLS`` pairs)."""
    if block_size is None:
        block_size = max(16, min(4096, BLOCK_CELLS // max(n_openings, 1)))
    return [(lo, min(lo + block_size, n_seekers)) for lo in range(0, n_seekers, block_size)]


def map_blocks(
    function: Callable[[int, int], Any], bounds: list[tuple[int, int]], n_jobs: int | None
) -> Iterator[Any]:
    """Apply ``function(lo, hi)`` to every block, in order, on up to ``n_jobs`` threads.

    NumPy and SciPy release the GIL in the array kernels that dominate a block, so
    threads share the work without copying the prepared openings.
    """
    workers = min(n_jobs or os.cpu_count() or 1, len(bounds))
    if workers <= 1:
        for lo, hi in bounds:
            yield function(lo, hi)
        return
    with ThreadPoolExecutor(max_workers=workers) as pool:
        # Bounded look-ahead keeps at most 2 × workers blocks in memory.
        pending = []
        for lo, hi in bounds:
            pending.append(pool.submit(function, lo, hi))
            if len(pending) >= 2 * workers:
                yield pending.pop(0).result()
        for future in pending:
            yield future.result()


def top_k_per_column(scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Select the k best finite rows of every column, ties going to the lower row.

    Parameters
    ----------
    scores : ndarray of shape (n_rows, n_columns)
        ``-inf`` marks rows that must never be selected.
    k : int

    Returns
    -------
    columns, rows, rank : ndarray of int
        Sorted by column, then by rank (0 = best).
    """
    n_rows, n_cols = scores.shape
    k = min(k, n_rows)
    empty = np.zeros(0, dtype=np.int64)
    if k <= 0 or n_cols == 0:
        return empty, empty, empty
    finite = scores > -np.inf
    if n_rows >= 2 * k:
        # The worst of k segment maxima is a lower bound of the k-th best value: each
        # segment holds a distinct value at least that high. It discards nearly every row
        # in a handful of passes, far cheaper than a partition per column.
        seg = n_rows // k
        bound = scores[: k * seg].reshape(k, seg, n_cols).max(axis=1).min(axis=0)
        mask = finite & (scores >= bound)
    else:
        mask = finite
    counts = mask.sum(axis=0)
    heavy = np.flatnonzero(counts > max(_CANDIDATE_LIMIT, 8 * k))
    if len(heavy):
        # Many ties above the bound: select exactly with a partition, lowest rows first
        # among values equal to the k-th.
        sub = scores[:, heavy]
        kth = np.partition(sub, n_rows - k, axis=0)[n_rows - k]
        greater = sub > kth
        equal = (sub == kth) & (sub > -np.inf)
        need = k - greater.sum(axis=0)
        mask[:, heavy] = greater | (equal & (np.cumsum(equal, axis=0) <= need))
    rows, cols = np.nonzero(mask)
    vals = scores[rows, cols]
    order = np.lexsort((rows, -vals, cols))
    rows, cols = rows[order], cols[order]
    starts = np.searchsorted(cols, np.arange(n_cols))
    rank = np.arange(len(cols)) - starts[cols]
    keep = rank < k
    return cols[keep], rows[keep], rank[keep]


def _resolve_inputs(
    seekers: pd.DataFrame | SeekerArrays,
    openings: pd.DataFrame | PreparedOpenings,
    taxonomy: Taxonomy | None,
    geography: Geography | None,
) -> tuple[SeekerArrays, PreparedOpenings]:
    prepared = prepare_openings(openings, taxonomy=taxonomy, geography=geography)
    return encode_seekers(seekers, prepared), prepared


def rank_openings(
    seekers: pd.DataFrame | SeekerArrays,
    openings: pd.DataFrame | PreparedOpenings,
    k: int = 10,
    model: Matcher | None = None,
    *,
    reasons: bool = True,
    taxonomy: Taxonomy | None = None,
    geography: Geography | None = None,
    block_size: int | None = None,
    n_jobs: int | None = None,
) -> pd.DataFrame:
    """Rank the best openings for each seeker, with reasons.

    Parameters
    ----------
    seekers : DataFrame or SeekerArrays
        Seekers with the contract columns (``SEEKER_COLUMNS``).
    openings : DataFrame or PreparedOpenings
        Openings with the contract columns, or :func:`prepare_openings` of them (reuse it
        across calls: the text vectorizer and the facet tables are then built once).
    k : int, default=10
        Openings per seeker. Fewer are returned where fewer pass the hard filters.
    model : Matcher, optional
        Defaults to :func:`default_matcher` (expert weights).
    reasons : bool, default=True
        Compute the ``reasons`` column (the scores are the same without it).
    taxonomy, geography : optional
        Reference data when ``openings`` is a frame; default to ``seed_data/``.
    block_size : int, optional
        Seekers scored together; memory grows with ``block_size × n_openings``.
    n_jobs : int, optional
        Threads; defaults to the number of CPUs.

    Returns
    -------
    DataFrame
        ``seeker_id, opening_id, rank, score, reasons``: ``rank`` 1 is best, ``score`` the
        model's probability of interest in (0, 1), ``reasons`` a list of reason dicts
        (see :func:`~matching.reasons.explain`). Seekers keep their input order.
    """
    if k < 0:
        raise ValueError(f"k must be ≥ 0, got {k}")
    encoded, prepared = _resolve_inputs(seekers, openings, taxonomy, geography)
    weights, intercept = resolve_model(model)
    bounds = block_bounds(len(encoded), len(prepared), block_size)

    def top_of_block(lo: int, hi: int) -> tuple[np.ndarray, ...]:
        scores = score_block(encoded, prepared, lo, hi, weights, intercept)
        cols, rows, rank = top_k_per_column(scores, k)
        return cols + lo, rows, rank, scores[rows, cols]

    parts = list(map_blocks(top_of_block, bounds, n_jobs))
    return _result_frame(parts, encoded, prepared, weights, reasons, seeker_first=True)


def _result_frame(
    parts: list[tuple[np.ndarray, ...]],
    encoded: SeekerArrays,
    prepared: PreparedOpenings,
    weights: np.ndarray,
    reasons: bool,
    seeker_first: bool,
) -> pd.DataFrame:
    if parts:
        si = np.concatenate([p[0] for p in parts])
        oj = np.concatenate([p[1] for p in parts])
        rank = np.concatenate([p[2] for p in parts])
        logit = np.concatenate([p[3] for p in parts]).astype(np.float64)
    else:
        si = oj = rank = np.zeros(0, dtype=np.int64)
        logit = np.zeros(0)
    columns: dict[str, Any] = {
        "seeker_id": encoded.ids[si],
        "opening_id": prepared.ids[oj],
        "rank": rank.astype(np.int64) + 1,
        "score": expit(logit),
    }
    if not seeker_first:
        columns = {"opening_id": columns["opening_id"], "seeker_id": columns["seeker_id"],
                   "rank": columns["rank"], "score": columns["score"]}
    frame = pd.DataFrame(columns)
    explained = explain(encoded, prepared, si, oj, weights) if reasons else [[] for _ in si]
    frame["reasons"] = pd.Series(explained, dtype=object, index=frame.index)
    return frame


def rank_seekers(
    openings: pd.DataFrame | PreparedOpenings,
    seekers: pd.DataFrame | SeekerArrays,
    k: int = 10,
    model: Matcher | None = None,
    *,
    reasons: bool = True,
    taxonomy: Taxonomy | None = None,
    geography: Geography | None = None,
    block_size: int | None = None,
    n_jobs: int | None = None,
) -> pd.DataFrame:
    """Rank the best seekers for each opening: the employer's side of the same scores.

    Parameters
    ----------
    openings, seekers, k, model, reasons, taxonomy, geography, block_size, n_jobs
        As in :func:`rank_openings`.

    Returns
    -------
    DataFrame
        ``opening_id, seeker_id, rank, score, reasons``; openings keep their input order.
        The app shows seekers to employers only as pseudonymous codes and only with
        consent; that is its job, not this function's.
    """
    if k < 0:
        raise ValueError(f"k must be ≥ 0, got {k}")
    encoded, prepared = _resolve_inputs(seekers, openings, taxonomy, geography)
    weights, intercept = resolve_model(model)
    bounds = block_bounds(len(encoded), len(prepared), block_size)
    n_open = len(prepared)
    best_s = np.full((n_open, 0), -1, dtype=np.int64)
    best_v = np.full((n_open, 0), -np.inf, dtype=np.float32)

    def block(lo: int, hi: int) -> tuple[int, np.ndarray]:
        return lo, score_block(encoded, prepared, lo, hi, weights, intercept)

    for lo, scores in map_blocks(block, bounds, n_jobs):
        # Merge the block into the running best k per opening; seekers in earlier blocks
        # come first, so ties keep going to the lower seeker position.
        values = np.concatenate([best_v, scores], axis=1)
        who = np.concatenate(
            [best_s, np.broadcast_to(np.arange(lo, lo + scores.shape[1]), scores.shape)], axis=1
        )
        cols, rows, _ = top_k_per_column(values.T, k)
        width = min(k, values.shape[1])
        counts = np.bincount(cols, minlength=n_open)
        best_s = np.full((n_open, width), -1, dtype=np.int64)
        best_v = np.full((n_open, width), -np.inf, dtype=np.float32)
        position = np.arange(len(cols)) - np.repeat(np.cumsum(counts) - counts, counts)
        best_s[cols, position] = who[cols, rows]
        best_v[cols, position] = values[cols, rows]
    opening_pos, slot = np.nonzero(best_s >= 0)
    parts = [(best_s[opening_pos, slot], opening_pos, slot, best_v[opening_pos, slot])]
    return _result_frame(parts, encoded, prepared, weights, reasons, seeker_first=False)
