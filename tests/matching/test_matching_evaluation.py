"""Evaluation metrics on a hand-computed ranking, and the baseline table."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from matching import evaluate, evaluate_baselines, split_outcomes
from matching.evaluation import rank_by_category, rank_by_popularity

from .matching_factories import opening, openings, seeker, seekers

RANKING = pd.DataFrame({
    "seeker_id": ["a", "a", "a", "b", "b", "b"],
    "opening_id": ["o1", "o2", "o3", "o1", "o4", "o2"],
    "rank": [1, 2, 3, 1, 2, 3],
})
OUTCOMES = pd.DataFrame({
    "seeker_id": ["a", "a", "a", "b", "c"],
    "opening_id": ["o2", "o3", "o1", "o5", "o1"],
    "outcome": ["interest", "hire", "none", "intent", "none"],
})


def test_metrics_on_a_hand_computed_case():
    result = evaluate(RANKING, OUTCOMES, k=3, openings=["o1", "o2", "o3", "o4", "o5"])
    # Seeker a: o2 (relevance 1) at rank 2, o3 (relevance 3) at rank 3.
    dcg = 1 / math.log2(3) + 7 / math.log2(4)
    idcg = 7 / math.log2(2) + 1 / math.log2(3)
    # Seeker b: o5 (intent) not ranked: 0 everywhere. Seeker c has no relevant outcome.
    assert result["ndcg"] == pytest.approx((dcg / idcg + 0) / 2)
    assert result["recall"] == pytest.approx((1.0 + 0.0) / 2)
    assert result["map"] == pytest.approx(((1 / 2 + 2 / 3) / 2 + 0) / 2)
    assert result["coverage"] == pytest.approx(4 / 5)  # o1–o4 shown, o5 never
    # Appearances per opening: o1 2, o2 2, o3 1, o4 1, o5 0.
    x = np.array([0, 1, 1, 2, 2])
    gini = np.sum((2 * np.arange(1, 6) - 6) * x) / (5 * x.sum())
    assert result["congestion"] == pytest.approx(gini)


def test_k_truncates_the_ranking():
    result = evaluate(RANKING, OUTCOMES, k=2, openings=["o1", "o2", "o3", "o4", "o5"])
    assert result["recall"] == pytest.approx((0.5 + 0.0) / 2)
    assert result["map"] == pytest.approx((0.5 / 2 + 0) / 2)
    assert result["coverage"] == pytest.approx(3 / 5)


def test_rank_order_is_used_without_a_rank_column():
    result = evaluate(RANKING.drop(columns="rank"), OUTCOMES, k=3)
    assert result == evaluate(RANKING, OUTCOMES, k=3)


def test_split_outcomes_keeps_each_seeker_on_one_side():
    train, test = split_outcomes(OUTCOMES, test_size=0.34, seed=1)
    assert set(train["seeker_id"]).isdisjoint(test["seeker_id"])
    assert len(train) + len(test) == len(OUTCOMES)


@pytest.fixture
def small_fair(prepare):
    jobs = openings(*[
        opening(category=c, district=d)
        for c in ("logistics", "delivery", "sales") for d in ("310101", "310105")
    ])
    people = seekers(*[seeker(categories=[c]) for c in ("logistics", "delivery", "sales")] * 4)
    outcomes = pd.DataFrame({
        "seeker_id": [f"s{i + 1}" for i in range(12)],
        "opening_id": [f"o{2 * (i % 3) + 1}" for i in range(12)],
        "outcome": ["interest"] * 12,
    })
    return people, prepare(jobs), outcomes


def test_category_baseline_follows_the_choices(small_fair):
    people, prepared, _ = small_fair
    ranking = rank_by_category(people, prepared, k=2)
    first = ranking[ranking["seeker_id"] == "s2"]
    assert set(first["opening_id"]) == {"o3", "o4"}  # both delivery openings


def test_popularity_baseline_is_the_same_for_everyone(small_fair):
    people, prepared, outcomes = small_fair
    ranking = rank_by_popularity(people, prepared, outcomes.iloc[:5], k=2)
    assert ranking.groupby("seeker_id")["opening_id"].apply(tuple).nunique() == 1


def test_the_baseline_table(small_fair):
    people, prepared, outcomes = small_fair
    table = evaluate_baselines(people, prepared, outcomes, k=2)
    assert list(table.index) == ["matcher", "random", "most_popular", "category_only",
                                 "tfidf_cosine"]
    assert list(table.columns) == ["ndcg", "recall", "map", "coverage", "congestion",
                                   "seekers"]
    assert table.loc["matcher", "recall"] == 1.0  # near first choices are all it needs
    assert table.loc["matcher", "ndcg"] >= table.loc["random", "ndcg"]
    assert (table["seekers"] == 12).all()
