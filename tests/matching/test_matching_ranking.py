"""Ranking both ways, its reasons, and what must never change a score."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit

from matching import (
    DEFAULT_INTERCEPT,
    DEFAULT_WEIGHTS,
    FEATURES,
    REASON_CODES,
    Matcher,
    pair_features,
    rank_openings,
    rank_seekers,
)
from matching.features import score_block
from matching.ranking import top_k_per_column

from .matching_factories import KM_AC, C, D, opening, openings, seeker, seekers


def expert_score(features: pd.DataFrame) -> np.ndarray:
    linear = sum(DEFAULT_WEIGHTS[f] * features[f].to_numpy() for f in FEATURES)
    return expit(linear + DEFAULT_INTERCEPT)


@pytest.fixture
def fair(prepare):
    """Eight openings of varied fit and four seekers, on the test reference data."""
    jobs = openings(
        opening(),
        opening(category="delivery", pay_min=7000.0, pay_max=9000.0),
        opening(category="forklift"),  # needs a forklift licence
        opening(district=C, accommodation=True, title="叉车司机", description="仓库装卸"),
        opening(shift="night", environments=["late_night"]),
        opening(category="sales", environments=["pharmacy"]),
        opening(pay_min=3000.0, pay_max=4000.0),
        opening(category="kitchen", certificates_required=["health_cert", "chef"]),
    )
    people = seekers(
        seeker(),
        seeker(categories=["forklift", "logistics"], certificates=["forklift"],
               skills_text="开叉车", needs_accommodation=True),
        seeker(categories=["kitchen"], certificates=["health_cert"], avoid=["pharmacy"],
               shifts=[], home_district=None),
        seeker(categories=[], riasec=[6.0, 1.0, 1.0, 1.0, 1.0, 2.0], home_district=D),
    )
    return people, prepare(jobs)


def test_rank_openings_returns_the_k_best_feasible_by_score(fair):
    people, prepared = fair
    ranking = rank_openings(people, prepared, k=3)
    assert list(ranking.columns) == ["seeker_id", "opening_id", "rank", "score", "reasons"]
    assert ranking["seeker_id"].tolist() == ["s1"] * 3 + ["s2"] * 3 + ["s3"] * 3 + ["s4"] * 3
    assert ranking["rank"].tolist() == [1, 2, 3] * 4

    everything = pair_features(people, prepared)
    everything["score"] = expert_score(everything)
    for seeker_id, got in ranking.groupby("seeker_id", sort=False):
        mine = everything[(everything.seeker_id == seeker_id) & everything.feasible]
        best = mine.sort_values("score", ascending=False, kind="stable").head(3)
        assert got["opening_id"].tolist() == best["opening_id"].tolist()
        assert got["score"].to_numpy() == pytest.approx(best["score"].to_numpy(), rel=1e-5)


def test_filtered_openings_never_appear(fair):
    people, prepared = fair
    ranking = rank_openings(people, prepared, k=8)
    by_seeker = ranking.groupby("seeker_id")["opening_id"].apply(set)
    assert "o3" not in by_seeker["s1"]  # forklift licence missing
    assert "o5" not in by_seeker["s1"]  # night shift, seeker works days
    assert "o8" not in by_seeker["s1"]  # health certificate missing
    assert "o6" not in by_seeker["s3"]  # avoided pharmacy
    assert "o3" in by_seeker["s2"]
    assert len(ranking[ranking.seeker_id == "s1"]) == 5  # fewer than k pass the filters


def test_the_reasons_of_a_first_choice_far_away_with_housing(prepare):
    prepared = prepare(openings(opening(
        district=C, accommodation=True, pay_min=6000.0, pay_max=8000.0,
        certificates_required=["forklift"],
    )))
    ranking = rank_openings(
        seekers(seeker(categories=["logistics"], salary_min=5500.0, salary_hoped=9000.0,
                       needs_accommodation=True)),
        prepared,
    )
    reasons = ranking["reasons"].iloc[0]
    assert reasons == [
        {"code": "first_choice", "category": "logistics"},
        {"code": "pay_meets_floor", "min": 6000, "max": 8000, "months": 12,
         "period": "month", "floor": 5500},
        {"code": "far_with_housing", "km": round(KM_AC)},
        {"code": "missing_certificate", "certificate": "forklift", "caveat": True},
    ]


def test_reasons_are_known_codes_with_their_parameters(fair):
    people, prepared = fair
    ranking = rank_openings(people, prepared, k=8)
    for reasons in ranking["reasons"]:
        positive = [r for r in reasons if not r.get("caveat")]
        assert len(positive) <= 3
        caveats = reasons[len(positive):]
        assert all(r["caveat"] is True for r in caveats)
        for reason in reasons:
            params = set(reason) - {"code", "caveat"}
            assert params == set(REASON_CODES[reason["code"]]), reason


@pytest.mark.parametrize(
    ("seeker_row", "opening_row", "expected"),
    [
        (seeker(categories=["sales", "logistics"]), opening(),
         {"code": "chosen_category", "category": "logistics", "choice": 2}),
        (seeker(categories=["delivery"], salary_min=np.nan, salary_hoped=np.nan,
                home_district=None), opening(education_min=0),
         {"code": "related_category", "category": "logistics", "chosen": "delivery"}),
        (seeker(salary_min=7000.0), opening(),
         {"code": "pay_partly_below_floor", "min": 6000, "max": 8000, "months": 12,
          "period": "month", "floor": 7000, "caveat": True}),
        (seeker(salary_min=9000.0), opening(),
         {"code": "pay_below_floor", "min": 6000, "max": 8000, "months": 12,
          "period": "month", "floor": 9000, "caveat": True}),
        (seeker(), opening(pay_min=np.nan, pay_max=np.nan),
         {"code": "pay_unknown", "caveat": True}),
        (seeker(), opening(district=C), {"code": "far", "district": C, "km": 48, "caveat": True}),
        (seeker(needs_accommodation=True), opening(),
         {"code": "no_housing", "caveat": True}),
        (seeker(districts=[D]), opening(),
         {"code": "outside_chosen_districts", "district": "310101", "chosen": [D],
          "caveat": True}),
        (seeker(education=1), opening(education_min=2),
         {"code": "education_below", "required": 2, "has": 1, "caveat": True}),
        (seeker(experience_years=0.5), opening(experience_min=2.0),
         {"code": "experience_below", "required": 2, "has": 0.5, "caveat": True}),
    ],
)
def test_each_reason_code_on_a_hand_made_pair(prepare, seeker_row, opening_row, expected):
    ranking = rank_openings(seekers(seeker_row), prepare(openings(opening_row)))
    assert expected in ranking["reasons"].iloc[0]


def test_positive_reasons_rank_by_how_much_they_lift_the_score(prepare):
    # A first choice lifts 3.0, pay over the floor 1.5, same district 1.5 (commute + nearby);
    # pay at the hoped level 1.0 comes fourth and is left out.
    ranking = rank_openings(seekers(seeker(salary_hoped=8000.0)), prepare(openings(opening())))
    codes = [r["code"] for r in ranking["reasons"].iloc[0]]
    assert codes == ["first_choice", "pay_meets_floor", "same_district"]


def test_rank_seekers_gives_the_same_scores_from_the_employer_side(fair):
    people, prepared = fair
    forward = rank_openings(people, prepared, k=8, reasons=False)
    backward = rank_seekers(prepared, people, k=4)
    assert list(backward.columns) == ["opening_id", "seeker_id", "rank", "score", "reasons"]
    merged = backward.merge(forward, on=["seeker_id", "opening_id"], suffixes=("", "_fwd"))
    assert len(merged) == len(backward)
    np.testing.assert_allclose(merged["score"], merged["score_fwd"], rtol=1e-6)
    for _, group in backward.groupby("opening_id"):
        assert group["score"].is_monotonic_decreasing
        assert group["rank"].tolist() == list(range(1, len(group) + 1))


def test_rank_seekers_merges_blocks_exactly(fair):
    people, prepared = fair
    whole = rank_seekers(prepared, people, k=2, reasons=False)
    blocked = rank_seekers(prepared, people, k=2, reasons=False, block_size=1)
    pd.testing.assert_frame_equal(whole, blocked)


def test_blocks_and_threads_do_not_change_the_result(fair):
    people, prepared = fair
    whole = rank_openings(people, prepared, k=4, n_jobs=1)
    blocked = rank_openings(people, prepared, k=4, block_size=1, n_jobs=2)
    pd.testing.assert_frame_equal(whole, blocked)


def test_block_scores_equal_pair_scores(fair):
    people, prepared = fair
    from matching.features import encode_seekers

    encoded = encode_seekers(people, prepared)
    weights = np.array([DEFAULT_WEIGHTS[f] for f in FEATURES])
    block = score_block(encoded, prepared, 0, len(encoded), weights, DEFAULT_INTERCEPT)
    pairs = pair_features(people, prepared)
    linear = pairs[list(FEATURES)].to_numpy() @ weights + DEFAULT_INTERCEPT
    expected = np.where(pairs["feasible"], linear, -np.inf).reshape(len(encoded), -1).T
    np.testing.assert_allclose(block, expected, rtol=1e-5)


def test_a_fitted_model_changes_the_order(fair):
    people, prepared = fair
    pay_only = Matcher.from_weights({"pay_floor": 5.0, "pay_hoped": 5.0}, -3.0)
    ranking = rank_openings(people, prepared, k=1, model=pay_only, reasons=False)
    assert ranking.set_index("seeker_id").loc["s1", "opening_id"] == "o2"  # best paid


def test_one_prepared_openings_serves_many_calls(fair):
    people, prepared = fair
    vectorizer = prepared.vectorizer
    first = rank_openings(people.iloc[:1], prepared)
    again = rank_openings(people.iloc[:1], prepared)
    assert prepared.vectorizer is vectorizer
    pd.testing.assert_frame_equal(first, again)


def test_empty_inputs(prepare, fair):
    people, prepared = fair
    empty = rank_openings(people.iloc[:0], prepared)
    assert list(empty.columns) == ["seeker_id", "opening_id", "rank", "score", "reasons"]
    assert len(empty) == 0
    assert len(rank_openings(people, prepared, k=0)) == 0
    with pytest.raises(ValueError, match="k must be"):
        rank_openings(people, prepared, k=-1)


PROTECTED = {
    "gender": ["M", "F", "M", "F"],
    "birth_year": [1980, 1999, 1975, 1990],
    "age": [46, 27, 51, 36],
    "facility": ["SH-QP", "SH-JD", "SH-QP", "SH-QP"],
    "hukou": ["上海", "安徽", "上海", "河南"],
    "hukou_shanghai": [True, False, True, False],
    "rehab_history": ["2 次", "1 次", "3 次", "1 次"],
    "release_in_days": [30, 90, 10, 200],
}


def test_protected_attributes_never_change_a_score(fair):
    people, prepared = fair
    plain = rank_openings(people, prepared, k=8)
    with_them = people.assign(**PROTECTED)
    changed = people.assign(**{k: list(reversed(v)) for k, v in PROTECTED.items()})
    for variant in (with_them, changed):
        pd.testing.assert_frame_equal(rank_openings(variant, prepared, k=8), plain)
    from matching import plan_fair

    pd.testing.assert_frame_equal(plan_fair(changed, prepared, per_seeker=2, load_factor=1),
                                  plan_fair(people, prepared, per_seeker=2, load_factor=1))


def test_top_k_ties_go_to_the_lower_row():
    scores = np.array([[1.0, -np.inf], [2.0, -np.inf], [2.0, 5.0], [0.5, -np.inf]],
                      dtype=np.float32)
    cols, rows, rank = top_k_per_column(scores, 2)
    assert cols.tolist() == [0, 0, 1]
    assert rows.tolist() == [1, 2, 2]
    assert rank.tolist() == [0, 1, 0]


def test_top_k_with_many_ties_takes_the_exact_path():
    scores = np.zeros((20_000, 3), dtype=np.float32)
    scores[7, 1] = 1.0
    cols, rows, _ = top_k_per_column(scores, 3)
    assert rows.tolist() == [0, 1, 2, 7, 0, 1, 0, 1, 2]
    assert cols.tolist() == [0, 0, 0, 1, 1, 1, 2, 2, 2]
