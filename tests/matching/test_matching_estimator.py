"""Matcher: scikit-learn conventions, learning from outcomes, saving and loading."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.utils.estimator_checks import parametrize_with_checks

from matching import (
    DEFAULT_INTERCEPT,
    DEFAULT_WEIGHTS,
    FEATURES,
    Matcher,
    default_matcher,
    fit_matcher,
    rank_openings,
    training_pairs,
)

from .matching_factories import C, opening, openings, seeker, seekers

# Checks Matcher cannot meet, each explained in matching/README.md.
EXPECTED_FAILED_CHECKS: dict[str, str] = {}


@parametrize_with_checks([Matcher()], expected_failed_checks=lambda e: EXPECTED_FAILED_CHECKS)
def test_sklearn_conventions(estimator, check):
    check(estimator)


def test_default_matcher_carries_the_expert_weights():
    model = default_matcher()
    assert model.weights == DEFAULT_WEIGHTS
    assert model.intercept_ == DEFAULT_INTERCEPT
    assert model.version_ == "expert-1"
    assert model.training_ == {"source": "expert"}
    X = np.zeros((1, len(FEATURES)))
    X[0, FEATURES.index("category_preference")] = 1.0
    expected = 1 / (1 + np.exp(-(DEFAULT_WEIGHTS["category_preference"] + DEFAULT_INTERCEPT)))
    assert model.predict_proba(X)[0, 1] == pytest.approx(expected)


def test_an_unfitted_matcher_refuses_to_score():
    with pytest.raises(NotFittedError):
        Matcher().decision_function(np.zeros((1, len(FEATURES))))


def test_a_matcher_over_other_features_cannot_rank(prepare):
    model = Matcher().fit(np.array([[0.0], [1.0], [0.2], [0.9]]), [0, 1, 0, 1])
    with pytest.raises(ValueError, match="fitted on 1 features"):
        rank_openings(seekers(seeker()), prepare(openings(opening())), model=model)


def test_one_class_is_refused():
    with pytest.raises(ValueError, match="two classes"):
        Matcher().fit(np.zeros((3, 2)), [1, 1, 1])


@pytest.fixture
def outcomes_case(prepare):
    """Seekers who take interest in near, first-choice openings and not in far ones."""
    rng = np.random.default_rng(3)
    jobs = openings(*[
        opening(category=["logistics", "delivery", "sales"][i % 3],
                district=["310101", "310105"][i % 2])
        for i in range(12)
    ])
    people = seekers(*[
        seeker(categories=[["logistics", "delivery", "sales"][i % 3]]) for i in range(30)
    ])
    prepared = prepare(jobs)
    rows = []
    for s in range(30):
        for o in range(12):
            likes = jobs.loc[o, "category"] == people.loc[s, "categories"][0]
            near = jobs.loc[o, "district"] == "310101"
            p = 0.8 if likes and near else 0.3 if likes else 0.05
            label = "interest" if rng.random() < p else "none"
            if label == "interest" and rng.random() < 0.3:
                label = "hire"
            rows.append((f"s{s + 1}", f"o{o + 1}", label))
    outcomes = pd.DataFrame(rows, columns=["seeker_id", "opening_id", "outcome"])
    return people, prepared, outcomes


def test_training_pairs_label_and_weigh_outcomes(outcomes_case):
    people, prepared, outcomes = outcomes_case
    X, y, weight, info = training_pairs(people, prepared, outcomes, negatives_per_positive=0)
    assert list(X.columns) == list(FEATURES)
    assert len(X) == len(outcomes)
    assert y.sum() == (outcomes["outcome"] != "none").sum()
    assert set(weight[y == 1]) <= {1.0, 3.0}  # interest 1, hire 3
    assert info["outcome_counts"]["hire"] == (outcomes["outcome"] == "hire").sum()
    with pytest.raises(ValueError, match="unknown label 'maybe'"):
        training_pairs(people, prepared, outcomes.assign(outcome="maybe"))


def test_fit_matcher_learns_what_the_outcomes_show(outcomes_case):
    people, prepared, outcomes = outcomes_case
    model = fit_matcher(people, prepared, outcomes)
    weights = model.weights
    assert weights["category_preference"] > 0.5
    assert weights["commute"] > 0
    training = model.training_
    assert training["source"] == "fit"
    assert training["n_pairs"] == len(outcomes) + training["sampled_negatives"]
    assert training["outcome_counts"]["interest"] > 0
    assert training["positive"] == "interest"
    assert set(training["label_counts"]) == {0, 1}


def test_save_and_load_round_trip(tmp_path, outcomes_case):
    people, prepared, outcomes = outcomes_case
    model = fit_matcher(people, prepared, outcomes, C=0.5)
    path = tmp_path / "matcher.json"
    model.save(path)
    document = json.loads(path.read_text(encoding="utf-8"))
    assert document["format"] == "qibu-matcher/1"
    assert document["features"] == list(FEATURES)
    loaded = Matcher.load(path)
    assert loaded.version_ == model.version_
    assert loaded.training_ == json.loads(json.dumps(model.training_))
    assert loaded.get_params()["C"] == 0.5
    np.testing.assert_array_equal(loaded.coef_, model.coef_)
    ranked = rank_openings(people.iloc[:3], prepared, model=model)
    pd.testing.assert_frame_equal(rank_openings(people.iloc[:3], prepared, model=loaded), ranked)


def test_load_refuses_other_files(tmp_path):
    path = tmp_path / "other.json"
    path.write_text('{"format": "something-else"}', encoding="utf-8")
    with pytest.raises(ValueError, match="not a qibu-matcher/1 model file"):
        Matcher.load(path)


def test_from_weights_refuses_unknown_features():
    with pytest.raises(ValueError, match="unknown features"):
        Matcher.from_weights({"gender": 1.0}, 0.0)


def test_outcomes_change_the_ranking(prepare):
    """Seekers here pick far openings over near ones: the learned weights follow them."""
    jobs = openings(*[opening(district=["310101", "310105"][i % 2]) for i in range(10)])
    people = seekers(*[seeker() for _ in range(20)])
    outcomes = pd.DataFrame(
        [(f"s{s + 1}", f"o{o + 1}", "interest" if o % 2 else "none")
         for s in range(20) for o in range(10)],
        columns=["seeker_id", "opening_id", "outcome"],
    )
    prepared = prepare(jobs)
    model = fit_matcher(people, prepared, outcomes, negatives_per_positive=0)
    top = rank_openings(people.iloc[:1], prepared, k=1, model=model, reasons=False)
    assert prepared.frame.set_index("opening_id").loc[top["opening_id"].iloc[0],
                                                       "district"] == C
