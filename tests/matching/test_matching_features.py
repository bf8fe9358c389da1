"""Every pairwise feature and hard filter on hand-computed cases."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from matching import FEATURES, pair_features

from .matching_factories import KM_AB, KM_AC, A, B, C, opening, openings, seeker, seekers


def column(frame, name):
    return frame[name].to_numpy().tolist()


def test_category_preference_is_reciprocal_rank_of_the_choice(features):
    result = features(
        seeker(categories=["sales", "logistics", "kitchen"], certificates=["health_cert"]),
        opening(category="sales"),
        opening(category="logistics"),
        opening(category="kitchen"),
        opening(category="delivery"),
    )
    assert column(result, "category_preference") == pytest.approx([1.0, 0.5, 1 / 3, 0.0])


def test_category_related_counts_shared_csco_groups_below_the_major_group(features):
    result = features(
        seeker(categories=["logistics"]),
        opening(category="logistics"),  # itself: 1
        opening(category="delivery"),  # 4-02-06 vs 4-02-07-08: medium class 4-02 → 1/3
        opening(category="forklift", certificates_required=[]),  # 4-… vs 6-…: 0
        opening(category="sales"),  # 4-02 vs 4-01: major group only → 0
    )
    assert column(result, "category_related")[:2] == pytest.approx([1.0, 1 / 3])
    result = features(
        seeker(categories=["sales"]),
        opening(category="retail"),  # 4-01-02-01 vs 4-01-02-03: minor group → 2/3
        opening(category="driver"),  # shares no group below the major group
    )
    assert column(result, "category_related") == pytest.approx([2 / 3, 0.0])


def test_category_related_takes_the_closest_choice(features):
    result = features(seeker(categories=["sales", "logistics"]), opening(category="retail"))
    assert column(result, "category_related") == pytest.approx([2 / 3])


def test_pay_floor_levels(features):
    result = features(
        seeker(salary_min=5000.0),
        opening(pay_min=6000.0, pay_max=8000.0),  # whole range above floor
        opening(pay_min=4000.0, pay_max=6000.0),  # range reaches the floor
        opening(pay_min=3000.0, pay_max=4500.0),  # below
        opening(pay_min=np.nan, pay_max=np.nan),  # 面议: unknown
        opening(pay_min=np.nan, pay_max=5500.0),  # "5500以下": reaches the floor only partly
        opening(pay_min=5000.0, pay_max=5000.0),  # exactly the floor
    )
    assert column(result, "pay_floor") == pytest.approx([1.0, 0.5, 0.0, 0.5, 0.5, 1.0])
    unknown_floor = features(seeker(salary_min=np.nan), opening())
    assert column(unknown_floor, "pay_floor") == pytest.approx([0.5])


def test_pay_hoped_is_the_relative_gap_of_the_top_of_the_range(features):
    result = features(
        seeker(salary_hoped=7000.0),
        opening(pay_min=6000.0, pay_max=8000.0),
        opening(pay_min=9000.0, pay_max=14000.0),
        opening(pay_min=3000.0, pay_max=3000.0),
        opening(pay_min=np.nan, pay_max=np.nan),
        opening(pay_min=7000.0, pay_max=np.nan),
    )
    assert column(result, "pay_hoped") == pytest.approx(
        [1000 / 7000, 0.5, -4000 / 7000, 0.0, 0.0]
    )
    assert column(features(seeker(salary_hoped=np.nan), opening()), "pay_hoped") == [0.0]


def test_commute_decays_with_haversine_distance(features):
    result = features(
        seeker(home_district=A),
        opening(district=A),
        opening(district=B),
        opening(district=C),
    )
    expected = [1.0, math.exp(-KM_AB / 15), math.exp(-KM_AC / 15)]
    assert column(result, "commute") == pytest.approx(expected, rel=1e-6)
    assert 9.53 < KM_AB < 9.54  # 0.1° of longitude at 31°N


def test_housing_offsets_distance_only_for_seekers_who_need_it(features):
    far_with_housing = opening(district=C, accommodation=True)
    needs = features(seeker(home_district=A, needs_accommodation=True), far_with_housing)
    assert column(needs, "commute") == [1.0]
    assert column(needs, "nearby") == [1.0]
    assert column(needs, "housing_gap") == [0.0]
    does_not = features(seeker(home_district=A, needs_accommodation=False), far_with_housing)
    assert column(does_not, "commute") == pytest.approx([math.exp(-KM_AC / 15)])
    assert column(does_not, "nearby") == [0.0]


def test_unknown_home_district_is_neutral(features):
    result = features(seeker(home_district=None), opening(district=A), opening(district=C))
    assert column(result, "commute") == [0.5, 0.5]
    assert column(result, "nearby") == [0.0, 0.0]


def test_nearby_means_same_or_neighbouring_district(features):
    result = features(
        seeker(home_district=A),
        opening(district=A),
        opening(district=B),  # listed as A's neighbour
        opening(district=C),
    )
    assert column(result, "nearby") == [1.0, 1.0, 0.0]
    # The relation is symmetric although only A lists B.
    assert column(features(seeker(home_district=B), opening(district=A)), "nearby") == [1.0]


def test_in_chosen_districts(features):
    anywhere = features(seeker(districts=[]), opening(district=C))
    assert column(anywhere, "in_chosen_districts") == [1.0]
    chosen = features(seeker(districts=[A, B]), opening(district=B), opening(district=C))
    assert column(chosen, "in_chosen_districts") == [1.0, 0.0]


def test_housing_gap(features):
    result = features(
        seeker(needs_accommodation=True),
        opening(accommodation=False),
        opening(accommodation=True),
    )
    assert column(result, "housing_gap") == [1.0, 0.0]
    assert column(features(seeker(), opening(accommodation=False)), "housing_gap") == [0.0]


def test_education_loses_half_per_missing_level(features):
    result = features(
        seeker(education=2),
        opening(education_min=0),
        opening(education_min=2),
        opening(education_min=3),
        opening(education_min=4),
        opening(education_min=6),
    )
    assert column(result, "education") == [1.0, 1.0, 0.5, 0.0, 0.0]


def test_experience_is_the_share_of_the_years_asked(features):
    result = features(
        seeker(experience_years=1.0),
        opening(experience_min=0.0),
        opening(experience_min=2.0),
        opening(experience_min=1.0),
        opening(experience_min=4.0),
    )
    assert column(result, "experience") == [1.0, 0.5, 1.0, 0.25]
    unknown = features(seeker(experience_years=np.nan), opening(experience_min=2.0))
    assert column(unknown, "experience") == [0.0]


def test_certificates_is_the_share_of_listed_certificates_held(features):
    result = features(
        seeker(certificates=["chef"]),
        opening(certificates_required=[]),
        opening(certificates_required=["chef"]),
        opening(certificates_required=["chef", "driving_c1"]),
        opening(certificates_required=["driving_c1"]),
    )
    assert column(result, "certificates") == [1.0, 1.0, 0.5, 0.0]


def test_a_higher_driving_licence_covers_a_lower_one(features):
    result = features(
        seeker(certificates=["driving_a2"]),
        opening(certificates_required=["driving_c1"]),
        opening(certificates_required=["driving_b2"]),
    )
    assert column(result, "certificates") == [1.0, 1.0]
    lower = features(seeker(certificates=["driving_c1"]),
                     opening(certificates_required=["driving_b2"]))
    assert column(lower, "certificates") == [0.0]


def test_skills_is_the_tfidf_cosine_of_the_texts(prepare):
    frame = openings(
        opening(title="forklift", description="driver"),
        opening(title="bun", description="cup"),
        opening(title="welder", description="steel"),
    )
    prepared = prepare(frame)
    result = pair_features(
        seekers(seeker(skills_text="forklift driver"), seeker(skills_text="Forklift")),
        prepared,
    )
    same, unrelated = result["skills"].iloc[:2]
    assert same == pytest.approx(1.0, abs=1e-6)
    assert unrelated == 0.0
    partly = result["skills"].iloc[3]  # "forklift" alone: half of the first opening's text
    assert 0.3 < partly < 1.0


def test_skills_ngrams_work_for_chinese_without_segmentation(prepare):
    prepared = prepare(openings(
        opening(title="叉车司机", description="仓库装卸"),
        opening(title="收银员", description="超市收银"),
    ))
    result = pair_features(seekers(seeker(skills_text="会开叉车")), prepared)
    assert result["skills"].iloc[0] > 0.1
    assert result["skills"].iloc[1] == 0.0


def test_riasec_is_the_pearson_correlation_with_the_category_profile(features):
    # logistics' profile in the test data is R=7 and 1 elsewhere.
    result = features(
        seeker(riasec=[5.0, 1.0, 1.0, 1.0, 1.0, 1.0]),
        opening(category="logistics"),
    )
    assert column(result, "riasec") == pytest.approx([1.0])
    # Centred seeker (−2/3, 10/3, −2/3 ×4) · centred category (5, −1 ×5) = −4, norms
    # √(40/3) and √30, so r = −4 / 20 = −0.2.
    other = features(seeker(riasec=[1.0, 5.0, 1.0, 1.0, 1.0, 1.0]), opening(category="logistics"))
    assert column(other, "riasec") == pytest.approx([-0.2])
    assert column(features(seeker(riasec=None), opening()), "riasec") == [0.0]
    flat = features(seeker(riasec=[3.0] * 6), opening())
    assert column(flat, "riasec") == [0.0]


def test_shift(features):
    result = features(seeker(shifts=["day", "rotating"]), opening(shift="day"),
                      opening(shift="rotating"))
    assert column(result, "shift") == [1.0, 1.0]
    assert column(features(seeker(shifts=[]), opening(shift="night")), "shift") == [0.5]


# ------------------------------------------------------------------------------ filters


def test_avoided_environment_filters(features):
    result = features(
        seeker(avoid=["bar"]),
        opening(environments=["bar"]),
        opening(environments=["pharmacy"]),
        opening(environments=[]),
    )
    assert column(result, "feasible") == [False, True, True]
    assert column(result, "filtered_by") == ["environment", None, None]


def test_night_shift_is_late_night_work(features):
    result = features(seeker(avoid=["late_night"], shifts=[]), opening(shift="night"),
                      opening(shift="rotating"))
    assert column(result, "filtered_by") == ["environment", None]


def test_missing_legally_required_certificate_filters(features):
    result = features(
        seeker(certificates=[]),
        opening(category="forklift"),  # forklift licence required by law
        opening(category="kitchen"),  # health certificate required by law
        opening(category="logistics", certificates_required=["forklift"]),  # employer's wish
    )
    assert column(result, "filtered_by") == ["certificate", "certificate", None]
    holder = features(seeker(certificates=["forklift", "health_cert"]),
                      opening(category="forklift"), opening(category="kitchen"))
    assert column(holder, "feasible") == [True, True]


def test_a_driver_needs_the_licence_the_opening_lists_or_a_higher_one(features):
    truck = opening(category="driver", certificates_required=["driving_b2"])
    any_car = opening(category="driver", certificates_required=[])
    assert column(features(seeker(certificates=["driving_c1"]), truck, any_car),
                  "filtered_by") == ["certificate", None]
    assert column(features(seeker(certificates=["driving_a2"]), truck), "feasible") == [True]
    assert column(features(seeker(certificates=[]), any_car), "filtered_by") == ["certificate"]


def test_a_licence_outside_the_driver_category_is_only_a_wish(features):
    result = features(seeker(certificates=[]),
                      opening(category="delivery", certificates_required=["driving_c1"]))
    assert column(result, "feasible") == [True]
    assert column(result, "certificates") == [0.0]


def test_a_shift_the_seeker_cannot_work_filters(features):
    result = features(seeker(shifts=["day"]), opening(shift="night"), opening(shift="day"))
    assert column(result, "filtered_by") == ["shift", None]
    anything = features(seeker(shifts=[]), opening(shift="night"))
    assert column(anything, "feasible") == [True]


def test_pair_features_for_chosen_pairs(prepare):
    prepared = prepare(openings(opening(), opening(district=C)))
    people = seekers(seeker(), seeker(home_district=C))
    pairs = pd.DataFrame({"seeker_id": ["s2", "s1"], "opening_id": ["o2", "o2"]})
    result = pair_features(people, prepared, pairs)
    assert result[["seeker_id", "opening_id"]].values.tolist() == [["s2", "o2"], ["s1", "o2"]]
    assert column(result, "nearby") == [1.0, 0.0]
    assert list(result.columns[2:2 + len(FEATURES)]) == list(FEATURES)
    with pytest.raises(ValueError, match="seeker_id"):
        pair_features(people, prepared, pd.DataFrame({"seeker_id": ["x"], "opening_id": ["o1"]}))


def test_the_plans_good_pay_is_the_floor_rules_reaching_codes():
    from matching import rules

    bottom = np.array([6000.0, 4000.0, 3000.0, np.nan, np.nan, 5000.0])
    top = np.array([8000.0, 6000.0, 4500.0, np.nan, 5500.0, 5000.0])
    for floor in (5000.0, np.nan):
        codes = rules.pay_floor(bottom, top, np.full(6, floor))
        reaching = np.isin(codes, [rules.PayFloor.NO_FLOOR, rules.PayFloor.PARTLY,
                                   rules.PayFloor.MEETS])
        assert (rules.pay_reaches_floor(top, np.full(6, floor)) == reaching).all()


def test_pay_at_least_means_the_bottom_of_the_range():
    from matching import pay_at_least

    keep = pay_at_least([5500, 8000, np.nan, 9000], [11000, 9000, 12000, np.nan], 8000)
    assert keep.tolist() == [False, True, False, True]
