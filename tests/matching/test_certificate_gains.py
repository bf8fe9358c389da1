"""certificate_gains asks only the requirement part, once per distinct combination: the
counts are those of evaluating every pair's full features with and without each
certificate (the reference below, the computation it replaced)."""

import numpy as np
import pandas as pd
import pytest

import matching
from matching.certificates import GAIN_COLUMNS, certificate_gains
from tests.benchmarks.synthetic import make_openings, make_seekers


def reference_gains(seekers: pd.DataFrame, openings: pd.DataFrame, codes) -> pd.DataFrame:
    """The former computation: every (seeker, opening in a chosen category) pair's full
    ``pair_features`` frame, once as is and once per certificate added."""
    by_category: dict[str, list[str]] = {}
    for opening_id, category in zip(openings["opening_id"], openings["category"], strict=True):
        by_category.setdefault(category, []).append(opening_id)
    pairs = pd.DataFrame(
        [(seeker_id, opening_id)
         for seeker_id, categories in zip(seekers["seeker_id"], seekers["categories"],
                                          strict=True)
         for category in dict.fromkeys(categories)
         for opening_id in by_category.get(category, [])],
        columns=["seeker_id", "opening_id"], dtype=object)
    prepared = matching.prepare_openings(openings)
    before = matching.pair_features(seekers, prepared, pairs)
    feasible = before["feasible"].to_numpy(dtype=bool)
    held_share = before["certificates"].to_numpy(dtype=float)
    rows = {}
    for code in codes:
        with_code = seekers.assign(certificates=seekers["certificates"].map(
            lambda held, code=code: list(dict.fromkeys([*held, code]))))
        after = matching.pair_features(with_code, prepared, pairs)
        blocked = ~feasible & after["feasible"].to_numpy(dtype=bool)
        caveat = feasible & (after["certificates"].to_numpy(dtype=float) > held_share)
        hit = blocked | caveat
        rows[code] = [int(np.count_nonzero(blocked)), int(np.count_nonzero(caveat)),
                      pairs["seeker_id"][hit].nunique(), pairs["opening_id"][hit].nunique(),
                      pairs["seeker_id"][blocked].nunique(),
                      pairs["opening_id"][blocked].nunique()]
    return pd.DataFrame.from_dict(rows, orient="index", columns=list(GAIN_COLUMNS))


@pytest.mark.parametrize(("n_seekers", "n_openings", "seed"), [(120, 400, 0), (60, 900, 7)])
def test_gains_equal_the_full_pair_features_computation(n_seekers, n_openings, seed):
    seekers = make_seekers(n_seekers, seed=seed + 1)
    openings = make_openings(n_openings, seed=seed)
    codes = list(matching.load_taxonomy().certificates)
    expected = reference_gains(seekers, openings, codes)
    prepared = matching.prepare_openings(openings, text=False)
    got = certificate_gains(seekers, prepared, codes)
    assert got.index.tolist() == codes
    pd.testing.assert_frame_equal(got.reset_index(drop=True).astype("int64"),
                                  expected.reset_index(drop=True).astype("int64"))
    assert expected["blocked_pairs"].sum() > 0 and expected["caveat_pairs"].sum() > 0


def test_text_features_make_no_difference():
    seekers, openings = make_seekers(40, seed=3), make_openings(200, seed=4)
    codes = ["forklift", "driving_c1", "health_cert"]
    with_text = certificate_gains(seekers, matching.prepare_openings(openings), codes)
    without = certificate_gains(seekers, matching.prepare_openings(openings, text=False), codes)
    pd.testing.assert_frame_equal(with_text, without)


def test_no_chosen_category_counts_nothing():
    seekers = make_seekers(5, seed=2).assign(categories=[[]] * 5)
    got = certificate_gains(seekers, matching.prepare_openings(make_openings(30), text=False),
                            ["forklift"])
    assert got.loc["forklift"].tolist() == [0] * len(GAIN_COLUMNS)


def test_an_unknown_certificate_is_refused():
    prepared = matching.prepare_openings(make_openings(10), text=False)
    with pytest.raises(ValueError, match="unknown code 'pilot'"):
        certificate_gains(make_seekers(3), prepared, ["pilot"])
