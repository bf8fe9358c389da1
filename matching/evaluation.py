"""Measure rankings against recorded outcomes, for the matcher and simple baselines."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer

from .estimator import OUTCOME_LEVELS, Matcher, _outcome_levels
from .features import PreparedOpenings, SeekerArrays, encode_seekers, prepare_openings
from .plan import gini
from .ranking import block_bounds, rank_openings, top_k_per_column

__all__ = [
    "BASELINES",
    "evaluate",
    "evaluate_baselines",
    "rank_by_category",
    "rank_by_popularity",
    "rank_by_tfidf",
    "rank_randomly",
    "split_outcomes",
]

METRICS = ("ndcg", "recall", "map", "coverage", "congestion")


def evaluate(
    ranking: pd.DataFrame,
    outcomes: pd.DataFrame,
    k: int = 10,
    openings: pd.Series | list | None = None,
) -> dict[str, float]:
    """Score a ranking against recorded outcomes.

    Parameters
    ----------
    ranking : DataFrame
        ``seeker_id, opening_id`` and ``rank`` (1 = best; without it, row order within a
        seeker is the rank). Only ranks ≤ k count.
    outcomes : DataFrame
        ``seeker_id, opening_id, outcome`` with outcome ``"none"``, ``"interest"``,
        ``"intent"`` or ``"hire"`` (relevance 0, 1, 2, 3; several rows for one pair: the
        highest counts).
    k : int, default=10
    openings : sequence of str, optional
        Opening ids that could have been recommended, for coverage and congestion;
        defaults to those named in ``ranking`` or ``outcomes``.

    Returns
    -------
    dict
        Averaged over the seekers with at least one relevant outcome (a seeker missing
        from the ranking scores 0):

        - ``ndcg``: normalized discounted cumulative gain at k, gain ``2**relevance - 1``
          discounted by ``log2(rank + 1)``, divided by the gain of the ideal order;
        - ``recall``: share of the seeker's relevant openings found in the top k;
        - ``map``: mean average precision at k, the mean over the relevant openings in the
          top k of the precision up to each of them, divided by
          ``min(k, number relevant)``;

        and over the whole ranking:

        - ``coverage``: share of the openings that appear in at least one top k;
        - ``congestion``: Gini coefficient of the number of top-k appearances per opening
          (0 = recommendations spread evenly, near 1 = all on a few openings).
    """
    if k <= 0:
        raise ValueError(f"k must be ≥ 1, got {k}")
    for column in ("seeker_id", "opening_id"):
        if column not in ranking.columns:
            raise ValueError(f"ranking: missing column {column!r}")
    top = pd.DataFrame({
        "seeker_id": ranking["seeker_id"].astype(object).to_numpy(),
        "opening_id": ranking["opening_id"].astype(object).to_numpy(),
    })
    if "rank" in ranking.columns:
        top["rank"] = ranking["rank"].to_numpy(dtype=np.int64)
    else:
        top["rank"] = top.groupby("seeker_id", sort=False).cumcount() + 1
    top = top[top["rank"] <= k]

    levels = _outcome_levels(outcomes)
    relevant = levels[levels["level"] > 0]
    seekers = pd.Index(relevant["seeker_id"].unique())
    result = dict.fromkeys(METRICS, 0.0)
    if len(seekers):
        hits = top.merge(relevant, on=["seeker_id", "opening_id"], how="inner")
        gain = 2.0 ** hits["level"].to_numpy() - 1.0
        hits["dcg"] = gain / np.log2(hits["rank"].to_numpy() + 1.0)
        dcg = hits.groupby("seeker_id")["dcg"].sum().reindex(seekers, fill_value=0.0)

        ideal = relevant.sort_values(["seeker_id", "level"], ascending=[True, False]).copy()
        ideal["position"] = ideal.groupby("seeker_id").cumcount() + 1
        ideal = ideal[ideal["position"] <= k]
        ideal["dcg"] = (2.0 ** ideal["level"] - 1.0) / np.log2(ideal["position"] + 1.0)
        idcg = ideal.groupby("seeker_id")["dcg"].sum().reindex(seekers)
        result["ndcg"] = float((dcg / idcg).mean())

        n_relevant = relevant.groupby("seeker_id").size().reindex(seekers)
        found = hits.groupby("seeker_id").size().reindex(seekers, fill_value=0)
        result["recall"] = float((found / n_relevant).mean())

        hits = hits.sort_values(["seeker_id", "rank"])
        hits["hit_number"] = hits.groupby("seeker_id").cumcount() + 1
        hits["precision"] = hits["hit_number"] / hits["rank"]
        ap = hits.groupby("seeker_id")["precision"].sum().reindex(seekers, fill_value=0.0)
        result["map"] = float((ap / np.minimum(n_relevant, k)).mean())

    if openings is None:
        universe = pd.Index(pd.concat([top["opening_id"], levels["opening_id"]]).unique())
    else:
        universe = pd.Index(pd.Series(list(openings), dtype=object).unique())
    if len(universe):
        counts = top["opening_id"].value_counts().reindex(universe, fill_value=0)
        result["coverage"] = float((counts > 0).mean())
        result["congestion"] = gini(counts.to_numpy())
    return result


def split_outcomes(
    outcomes: pd.DataFrame, test_size: float = 0.3, seed: int = 0
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split outcomes by seeker into a training and a held-out part.

    Parameters
    ----------
    outcomes : DataFrame
        With a ``seeker_id`` column.
    test_size : float, default=0.3
        Share of seekers held out.
    seed : int, default=0

    Returns
    -------
    train, test : DataFrame
        No seeker is in both.
    """
    if not 0 < test_size < 1:
        raise ValueError(f"test_size must be in (0, 1), got {test_size}")
    ids = pd.Series(outcomes["seeker_id"].astype(object).unique())
    rng = np.random.default_rng(seed)
    n_test = max(1, int(round(test_size * len(ids)))) if len(ids) else 0
    test_ids = set(rng.permutation(ids.to_numpy())[:n_test].tolist())
    in_test = outcomes["seeker_id"].isin(test_ids).to_numpy()
    return outcomes[~in_test].reset_index(drop=True), outcomes[in_test].reset_index(drop=True)


def _ranking_frame(
    encoded: SeekerArrays, prepared: PreparedOpenings, parts: list[tuple[np.ndarray, ...]]
) -> pd.DataFrame:
    """Collect (seeker positions, opening positions, rank from 0) into a ranking frame."""
    empty = np.zeros(0, dtype=np.int64)
    si, oj, rank = (np.concatenate([p[i] for p in parts]) if parts else empty for i in range(3))
    return pd.DataFrame({
        "seeker_id": encoded.ids[si],
        "opening_id": prepared.ids[oj],
        "rank": rank.astype(np.int64) + 1,
    })


def rank_randomly(
    seekers: pd.DataFrame | SeekerArrays,
    openings: pd.DataFrame | PreparedOpenings,
    k: int = 10,
    seed: int = 0,
) -> pd.DataFrame:
    """Baseline: k openings per seeker drawn uniformly at random (no filters)."""
    prepared = prepare_openings(openings)
    encoded = encode_seekers(seekers, prepared)
    rng = np.random.default_rng(seed)
    parts = []
    for lo, hi in block_bounds(len(encoded), len(prepared), None):
        noise = rng.random((len(prepared), hi - lo))
        cols, rows, rank = top_k_per_column(noise, k)
        parts.append((cols + lo, rows, rank))
    return _ranking_frame(encoded, prepared, parts)


def rank_by_popularity(
    seekers: pd.DataFrame | SeekerArrays,
    openings: pd.DataFrame | PreparedOpenings,
    outcomes: pd.DataFrame,
    k: int = 10,
) -> pd.DataFrame:
    """Baseline: the same k openings for everyone, those with most recorded positive
    outcomes (summed relevance) first, then the largest headcount."""
    prepared = prepare_openings(openings)
    encoded = encode_seekers(seekers, prepared)
    levels = _outcome_levels(outcomes)
    popularity = levels.groupby("opening_id")["level"].sum().reindex(
        pd.Index(prepared.ids), fill_value=0
    ).to_numpy(dtype=float)
    order = np.lexsort((np.arange(len(prepared)), -prepared.headcount, -popularity))[:k]
    n = len(encoded)
    return pd.DataFrame({
        "seeker_id": np.repeat(encoded.ids, len(order)),
        "opening_id": np.tile(prepared.ids[order], n),
        "rank": np.tile(np.arange(1, len(order) + 1), n),
    })


def rank_by_category(
    seekers: pd.DataFrame | SeekerArrays,
    openings: pd.DataFrame | PreparedOpenings,
    k: int = 10,
    seed: int = 0,
) -> pd.DataFrame:
    """Baseline: openings of the seeker's first chosen category, then the second, …;
    random order within a category and among the rest (no filters)."""
    prepared = prepare_openings(openings)
    encoded = encode_seekers(seekers, prepared)
    rng = np.random.default_rng(seed)
    parts = []
    for lo, hi in block_bounds(len(encoded), len(prepared), None):
        preference = encoded.preference[lo:hi][:, prepared.category].T
        # Preferences are 1, 1/2, 1/3, …: a tie-breaking noise below 1e-3 keeps their order.
        noise = rng.random((len(prepared), hi - lo)) * 1e-3
        cols, rows, rank = top_k_per_column(preference + noise, k)
        parts.append((cols + lo, rows, rank))
    return _ranking_frame(encoded, prepared, parts)


def rank_by_tfidf(
    seekers: pd.DataFrame | SeekerArrays,
    openings: pd.DataFrame | PreparedOpenings,
    k: int = 10,
) -> pd.DataFrame:
    """Baseline: plain TF-IDF cosine of the seeker's skills text against the opening's
    title and description (character 1–3-grams, no filters), as common open-source
    resume-to-job matchers do."""
    prepared = prepare_openings(openings)
    encoded = encode_seekers(seekers, prepared)
    opening_text = (prepared.frame["title"] + " " + prepared.frame["description"]).tolist()
    seeker_text = encoded.frame["skills_text"].tolist()
    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), dtype=np.float32)
    try:
        opening_matrix = vectorizer.fit_transform(opening_text)
    except ValueError:  # no text at all: every cosine is 0
        return rank_randomly(encoded, prepared, k=k)
    seeker_matrix = vectorizer.transform(seeker_text)
    parts = []
    for lo, hi in block_bounds(len(encoded), len(prepared), None):
        cosine = (opening_matrix @ seeker_matrix[lo:hi].T).toarray()
        cols, rows, rank = top_k_per_column(cosine, k)
        parts.append((cols + lo, rows, rank))
    return _ranking_frame(encoded, prepared, parts)


BASELINES = ("random", "most_popular", "category_only", "tfidf_cosine")


def evaluate_baselines(
    seekers: pd.DataFrame | SeekerArrays,
    openings: pd.DataFrame | PreparedOpenings,
    outcomes: pd.DataFrame,
    k: int = 10,
    model: Matcher | None = None,
    train_outcomes: pd.DataFrame | None = None,
    seed: int = 0,
) -> pd.DataFrame:
    """Evaluate the matcher and the baselines on the same outcomes (``qibu match evaluate``).

    Parameters
    ----------
    seekers, openings : DataFrame or encoded
        Everyone who could be ranked and everything that could be recommended.
    outcomes : DataFrame
        The outcomes to evaluate on (see :func:`evaluate`); use held-out ones
        (:func:`split_outcomes`) when the model or popularity was learned from outcomes.
    k : int, default=10
    model : Matcher, optional
        The matcher to evaluate; defaults to the expert weights.
    train_outcomes : DataFrame, optional
        Outcomes the popularity baseline may learn from; defaults to ``outcomes``
        (optimistic for that baseline).
    seed : int, default=0
        Seed of the random and category baselines.

    Returns
    -------
    DataFrame
        One row per method (``matcher``, ``random``, ``most_popular``, ``category_only``,
        ``tfidf_cosine``), one column per metric of :func:`evaluate`, plus ``seekers``
        (seekers with a relevant outcome).
    """
    prepared = prepare_openings(openings)
    encoded = encode_seekers(seekers, prepared)
    rankings = {
        "matcher": rank_openings(encoded, prepared, k=k, model=model, reasons=False),
        "random": rank_randomly(encoded, prepared, k=k, seed=seed),
        "most_popular": rank_by_popularity(
            encoded, prepared, train_outcomes if train_outcomes is not None else outcomes, k=k
        ),
        "category_only": rank_by_category(encoded, prepared, k=k, seed=seed),
        "tfidf_cosine": rank_by_tfidf(encoded, prepared, k=k),
    }
    levels = _outcome_levels(outcomes)
    n_relevant = int(levels.loc[levels["level"] >= OUTCOME_LEVELS["interest"],
                                "seeker_id"].nunique())
    table = pd.DataFrame(
        {name: evaluate(r, outcomes, k=k, openings=prepared.ids) for name, r in rankings.items()}
    ).T
    table.index.name = "method"
    table["seekers"] = n_relevant
    return table
