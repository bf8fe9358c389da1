"""The capacity-aware fair plan: caps, exactness, and what it buys over naive top-k."""

from __future__ import annotations

from itertools import combinations, product
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.special import expit

import matching.plan as plan_module
from matching import (
    DEFAULT_INTERCEPT,
    DEFAULT_WEIGHTS,
    FEATURES,
    options_per_seeker,
    pair_features,
    plan_fair,
    plan_report,
    prepare_openings,
    rank_openings,
)
from matching.plan import gini

from .matching_factories import A, B, C, D, opening, openings, seeker, seekers

CATEGORIES = ["logistics", "delivery", "sales", "retail", "kitchen"]


def random_fair(n_seekers: int, n_openings: int, seed: int) -> tuple[pd.DataFrame, ...]:
    rng = np.random.default_rng(seed)
    jobs = openings(*[
        opening(
            category=str(rng.choice(CATEGORIES)),
            district=str(rng.choice([A, B, C, D])),
            pay_min=float(rng.integers(8, 14) * 500),
            pay_max=float(rng.integers(14, 20) * 500),
            accommodation=bool(rng.random() < 0.4),
            shift=str(rng.choice(["day", "night", "rotating"], p=[0.7, 0.1, 0.2])),
            headcount=int(rng.integers(1, 4)),
            title=str(rng.choice(["仓库管理员", "快递员", "销售代表", "收银员", "帮厨"])),
        )
        for _ in range(n_openings)
    ])
    people = seekers(*[
        seeker(
            categories=list(rng.choice(CATEGORIES, size=int(rng.integers(1, 3)), replace=False)),
            home_district=str(rng.choice([A, B, C, D])),
            salary_min=float(rng.integers(8, 14) * 500),
            needs_accommodation=bool(rng.random() < 0.3),
            shifts=[["day"], ["day", "rotating"], []][int(rng.integers(0, 3))],
            certificates=["health_cert"] if rng.random() < 0.3 else [],
        )
        for _ in range(n_seekers)
    ])
    return people, jobs


def objective(plan, people, prepared, bonus, min_options=3) -> float:
    """Total score plus the bonus for each seeker's first options and first good options."""
    good = pd.Series(good_pairs(people, prepared, plan), index=plan.index)
    n_good = good.groupby(plan["seeker_id"]).sum()
    n_any = plan.groupby("seeker_id").size()
    covered = np.minimum(n_good, min_options).sum() + np.minimum(n_any, min_options).sum()
    return plan["score"].sum() + bonus * covered


def good_pairs(people, prepared, pairs) -> np.ndarray:
    """Pairs whose category the seeker chose and whose pay reaches the seeker's floor."""
    frame = prepared.frame.set_index("opening_id")
    wanted = people.set_index("seeker_id")
    good = []
    for seeker_id, opening_id in zip(pairs["seeker_id"], pairs["opening_id"], strict=True):
        job, person = frame.loc[opening_id], wanted.loc[seeker_id]
        top = job["pay_max"] if not np.isnan(job["pay_max"]) else job["pay_min"]
        pay_ok = not np.isnan(top) and (np.isnan(person["salary_min"])
                                        or top >= person["salary_min"])
        good.append(job["category"] in person["categories"] and pay_ok)
    return np.array(good, dtype=bool)


def best_objective(people, prepared, per_seeker, load_factor, bonus, min_options=3) -> float:
    """The optimum by an independent exact solver: a MILP over every feasible pair."""
    pairs = pair_features(people, prepared)
    pairs = pairs[pairs["feasible"]].reset_index(drop=True)
    score = expit(pairs[list(FEATURES)].to_numpy() @ np.array(
        [DEFAULT_WEIGHTS[f] for f in FEATURES]) + DEFAULT_INTERCEPT)
    si = pd.Index(people["seeker_id"]).get_indexer(pairs["seeker_id"])
    oj = pd.Index(prepared.ids).get_indexer(pairs["opening_id"])
    good = np.flatnonzero(good_pairs(people, prepared, pairs))
    n_s, n_o, n_e = len(people), len(prepared), len(score)
    edges = np.arange(n_e)
    # Columns: pairs, then per seeker t_any ≤ its pairs and t_good ≤ its good pairs, each
    # at most min_options and each unit worth the bonus.
    any_row, good_row = n_s + n_o, 2 * n_s + n_o
    rows = np.concatenate([si, n_s + oj, any_row + si, good_row + si[good],
                           any_row + np.arange(2 * n_s)])
    cols = np.concatenate([edges, edges, edges, good, n_e + np.arange(2 * n_s)])
    vals = np.concatenate([np.ones(2 * n_e), -np.ones(n_e + len(good)), np.ones(2 * n_s)])
    A_ = sp.csr_matrix((vals, (rows, cols)), shape=(3 * n_s + n_o, n_e + 2 * n_s))
    caps = np.floor(load_factor * prepared.headcount)
    ub = np.concatenate([np.full(n_s, per_seeker), caps, np.zeros(2 * n_s)])
    cost = np.concatenate([score, np.full(2 * n_s, bonus)])
    upper = np.concatenate([np.ones(n_e), np.full(2 * n_s, min_options)])
    result = milp(-cost, constraints=LinearConstraint(A_, -np.inf, ub),
                  integrality=np.ones(n_e + 2 * n_s), bounds=Bounds(0, upper))
    return -result.fun


def check_limits(plan, people, prepared, per_seeker, load_factor):
    per_opening = plan["opening_id"].value_counts()
    caps = pd.Series(np.floor(load_factor * prepared.headcount), index=prepared.ids)
    assert (per_opening <= caps[per_opening.index]).all()
    assert plan["seeker_id"].value_counts().max() <= per_seeker
    assert not plan.duplicated(["seeker_id", "opening_id"]).any()
    features = pair_features(people, prepared, plan[["seeker_id", "opening_id"]])
    assert features["feasible"].all()


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize(("per_seeker", "load_factor"), [(3, 1.0), (5, 3.0), (2, 0.5)])
@pytest.mark.parametrize("bonus", [0.0, 1.0, 0.05])
def test_the_plan_respects_every_limit_and_is_optimal(prepare, seed, per_seeker, load_factor,
                                                       bonus):
    people, jobs = random_fair(40, 25, seed)
    prepared = prepare(jobs)
    plan = plan_fair(people, prepared, per_seeker=per_seeker, load_factor=load_factor,
                     coverage_bonus=bonus, candidates=per_seeker + 1)
    check_limits(plan, people, prepared, per_seeker, load_factor)
    assert objective(plan, people, prepared, bonus) == pytest.approx(
        best_objective(people, prepared, per_seeker, load_factor, bonus), rel=1e-6)


def brute_force_objective(people, prepared, per_seeker, load_factor, bonus,
                          min_options=3) -> float:
    """The optimum by enumerating every plan: no LP, no flow, only the definition."""
    pairs = pair_features(people, prepared)
    score = expit(pairs[list(FEATURES)].to_numpy() @ np.array(
        [DEFAULT_WEIGHTS[f] for f in FEATURES]) + DEFAULT_INTERCEPT)
    good = good_pairs(people, prepared, pairs)
    caps = dict(zip(prepared.ids, np.floor(load_factor * prepared.headcount), strict=True))
    options = []
    for seeker_id in people["seeker_id"]:
        mine = np.flatnonzero((pairs["seeker_id"] == seeker_id) & pairs["feasible"])
        subsets = [c for r in range(per_seeker + 1) for c in combinations(mine, r)]
        options.append([
            (score[list(c)].sum() + bonus * (min(len(c), min_options)
                                             + min(int(good[list(c)].sum()), min_options)),
             [pairs["opening_id"][i] for i in c])
            for c in subsets
        ])
    best = -np.inf
    for plan in product(*options):
        load = pd.Series([o for _, chosen in plan for o in chosen]).value_counts()
        if all(load.get(o, 0) <= cap for o, cap in caps.items()):
            best = max(best, sum(value for value, _ in plan))
    return best


@pytest.mark.parametrize("seed", [3, 4, 5, 6])
@pytest.mark.parametrize("bonus", [0.0, 1.0])
def test_the_plan_matches_enumerating_every_plan(prepare, seed, bonus):
    people, jobs = random_fair(4, 4, seed)
    prepared = prepare(jobs.assign(headcount=1))
    plan = plan_fair(people, prepared, per_seeker=2, load_factor=2, coverage_bonus=bonus,
                     min_options=1, candidates=1, reasons=False)
    check_limits(plan, people, prepared, 2, 2)
    assert objective(plan, people, prepared, bonus, min_options=1) == pytest.approx(
        brute_force_objective(people, prepared, 2, 2, bonus, min_options=1), rel=1e-6)


def crowded_fair(prepare):
    """Twenty people whose only well-paid chosen openings are three small booths, so that
    most of them cannot get three good options however the plan is made."""
    good_ones = [opening(pay_min=9000.0, pay_max=9500.0, headcount=1)
                 for _ in range(3)]
    others = [opening(category="sales", district=B, headcount=5, pay_min=5000.0,
                      pay_max=6000.0) for _ in range(6)]
    people = seekers(*[seeker(salary_min=8000.0, categories=["logistics", "sales"])
                       for _ in range(20)])
    return people, prepare(openings(*good_ones, *others))


def test_coverage_rows_added_on_demand_keep_the_plan_optimal(prepare, monkeypatch):
    people, prepared = crowded_fair(prepare)
    covered = []
    cover = plan_module._PlanLP.cover

    def spy(lp, who, good):
        covered.append((len(who), good))
        cover(lp, who, good)

    monkeypatch.setattr(plan_module._PlanLP, "cover", spy)
    plan = plan_fair(people, prepared, per_seeker=4, load_factor=3, reasons=False)
    check_limits(plan, people, prepared, 4, 3)
    # Everyone starts with three good candidates, so their good options are first assumed
    # and then modelled once the LP finds it cannot give them all.
    assert covered[0] == (0, True)
    assert any(n > 0 and good for n, good in covered[1:])
    assert objective(plan, people, prepared, 1.0) == pytest.approx(
        best_objective(people, prepared, 4, 3, 1.0), rel=1e-6)
    # Nine recommendations fit in the three booths (cap 3 each).
    assert (plan["opening_id"].isin(["o1", "o2", "o3"])).sum() == 9


@pytest.mark.parametrize("bonus", [0.0, 1.0])
def test_scores_recomputed_block_by_block_give_the_same_optimum(prepare, monkeypatch, bonus):
    people, jobs = random_fair(40, 25, 8)
    prepared = prepare(jobs)
    kept = plan_fair(people, prepared, per_seeker=3, load_factor=1, coverage_bonus=bonus,
                     reasons=False)
    monkeypatch.setattr(plan_module, "FULL_MATRIX_CELLS", 0)
    blocks = plan_fair(people, prepared, per_seeker=3, load_factor=1, coverage_bonus=bonus,
                       reasons=False, block_size=7, candidates=4)
    check_limits(blocks, people, prepared, 3, 1)
    assert objective(blocks, people, prepared, bonus) == pytest.approx(
        best_objective(people, prepared, 3, 1, bonus), rel=1e-6)
    assert objective(blocks, people, prepared, bonus) == pytest.approx(
        objective(kept, people, prepared, bonus), rel=1e-12)


def test_plan_scores_are_the_ranking_scores(prepare):
    people, jobs = random_fair(30, 20, 9)
    prepared = prepare(jobs)
    plan = plan_fair(people, prepared, per_seeker=3, load_factor=1, reasons=False)
    ranking = rank_openings(people, prepared, k=len(jobs), reasons=False)
    merged = plan.merge(ranking, on=["seeker_id", "opening_id"], suffixes=("", "_ranked"))
    assert len(merged) == len(plan)
    assert (merged["score"] == merged["score_ranked"]).all()


@pytest.mark.parametrize("fair", ["random", "crowded"])
def test_the_cold_lp_gives_the_same_plan_value(prepare, monkeypatch, fair):
    if fair == "random":
        people, jobs = random_fair(40, 25, 5)
        prepared = prepare(jobs)
    else:
        people, prepared = crowded_fair(prepare)
    warm = plan_fair(people, prepared, per_seeker=3, load_factor=1, reasons=False)
    monkeypatch.setattr(plan_module, "WARM_START", False)
    cold = plan_fair(people, prepared, per_seeker=3, load_factor=1, reasons=False)
    assert objective(cold, people, prepared, 1.0) == pytest.approx(
        objective(warm, people, prepared, 1.0), rel=1e-9)
    check_limits(cold, people, prepared, 3, 1)


def test_without_congestion_the_plan_is_naive_top_k(prepare):
    people, jobs = random_fair(10, 30, 7)
    prepared = prepare(jobs.assign(headcount=50))
    plan = plan_fair(people, prepared, per_seeker=3, load_factor=3, reasons=False,
                     coverage_bonus=0)
    naive = rank_openings(people, prepared, k=3, reasons=False)
    assert sorted(zip(plan.seeker_id, plan.opening_id, strict=True)) == sorted(
        zip(naive.seeker_id, naive.opening_id, strict=True))


def congested_fair(prepare):
    """Thirty people who all want logistics; one opening outshines the other ten, and naive
    top-k sends everyone to the same five."""
    star = opening(pay_min=9000.0, pay_max=12000.0, headcount=1)
    others = [opening(district=B, headcount=3, pay_min=6000.0, pay_max=7000.0)
              for _ in range(10)]
    extra = [opening(category="sales", headcount=4) for _ in range(4)]
    jobs = openings(star, *others, *extra)
    people = seekers(*[seeker(salary_hoped=9000.0, salary_min=5500.0) for _ in range(30)])
    return people, prepare(jobs)


def test_the_plan_beats_naive_top_k_on_a_congested_fair(prepare):
    people, prepared = congested_fair(prepare)
    plan = plan_fair(people, prepared, per_seeker=5, load_factor=3)
    report = plan_report(plan, people, prepared, per_seeker=5, load_factor=3)
    assert report.loc["openings_over_cap", "plan"] == 0
    assert report.loc["openings_over_cap", "naive_top_k"] > 0
    assert report.loc["max_per_opening", "naive_top_k"] == 30
    assert (plan["opening_id"] == "o1").sum() == 3  # the star's cap: 3 × headcount 1
    check_limits(plan, people, prepared, 5, 3)
    # Naive: o2–o5 are everyone's, but only their 9 best-scoring takers (s1–s9) count.
    assert report.loc["share_3_options", "naive_top_k"] == pytest.approx(9 / 30)
    assert report.loc["share_3_options_uncapped", "naive_top_k"] == 1.0
    assert report.loc["share_3_options", "plan"] == 1.0
    assert report.loc["gini_per_opening", "plan"] < report.loc["gini_per_opening", "naive_top_k"]
    assert report.loc["share_without_recommendation", "plan"] == 0


def test_report_values_on_a_hand_made_case(prepare):
    people, prepared = congested_fair(prepare)
    plan = pd.DataFrame({
        "seeker_id": ["s1", "s1", "s1", "s2"],
        "opening_id": ["o2", "o3", "o12", "o2"],
        "score": [0.5, 0.7, 0.3, 0.9],
    })
    report = plan_report(plan, people.iloc[:2], prepared, per_seeker=3, load_factor=0.5,
                         naive=plan)
    column = report["plan"]
    # s1 has two logistics options (o2, o3) whose pay reaches 5,500 and one sales option.
    assert column["share_3_options_uncapped"] == 0.0
    assert column["max_per_opening"] == 2
    assert column["openings_over_cap"] == 1  # o2: cap ⌊0.5 × 3⌋ = 1, two recommendations
    assert column["mean_score"] == pytest.approx(0.6)
    assert column["total_score"] == pytest.approx(2.4)
    counts = np.zeros(15)
    counts[[1, 2, 11]] = [2, 1, 1]
    assert column["gini_per_opening"] == pytest.approx(gini(counts))



def test_options_per_seeker_counts_as_the_report_does(prepare):
    people, prepared = congested_fair(prepare)
    plan = pd.DataFrame({
        "seeker_id": ["s1", "s1", "s1", "s2"],
        "opening_id": ["o2", "o3", "o12", "o2"],
        "score": [0.5, 0.7, 0.3, 0.9],
    })
    # o12 is sales, which nobody chose; with load factor 0.5, o2 (cap 1) counts for its
    # best-scoring taker s2 only
    tight = options_per_seeker(plan, people.iloc[:3], prepared, load_factor=0.5)
    assert tight.to_dict() == {"s1": 1, "s2": 1, "s3": 0}
    roomy = options_per_seeker(plan, people.iloc[:3], prepared, load_factor=3)
    assert roomy.to_dict() == {"s1": 2, "s2": 1, "s3": 0}
    report = plan_report(plan, people.iloc[:3], prepared, per_seeker=3, load_factor=3,
                         naive=plan)
    assert report.loc["share_3_options", "plan"] == np.mean(roomy >= 3)

def test_gini():
    assert gini(np.array([1, 1, 1, 0])) == pytest.approx(0.25)
    assert gini(np.array([0, 0, 0])) == 0.0
    assert gini(np.array([5, 5])) == 0.0
    assert gini(np.array([0, 0, 0, 10])) == pytest.approx(0.75)


def test_closed_openings_and_no_slots(prepare):
    people, jobs = random_fair(8, 6, 1)
    prepared = prepare(jobs.assign(headcount=[0, 1, 1, 1, 1, 1]))
    plan = plan_fair(people, prepared, per_seeker=2, load_factor=1)
    assert "o1" not in set(plan["opening_id"])
    assert len(plan_fair(people, prepared, per_seeker=0)) == 0
    with pytest.raises(ValueError, match="per_seeker"):
        plan_fair(people, prepared, per_seeker=-1)


DEMO = Path(__file__).resolve().parents[2] / "seed_data" / "demo"


def _split(value: str) -> list[str]:
    return [part for part in value.split(";") if part]


def demo_frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Map the demo fair's CSV files to the matcher's contract."""
    read = {"dtype": str, "keep_default_na": False}
    people = pd.read_csv(DEMO / "seekers.csv", **read)
    surveys = pd.read_csv(DEMO / "surveys.csv", **read)
    surveys["age"] = surveys["surveyed_days_ago"].astype(int)
    latest = surveys.sort_values("age").drop_duplicates("seeker_code")
    merged = latest.merge(people, left_on="seeker_code", right_on="code",
                          suffixes=("", "_seeker"))
    money = lambda column: pd.to_numeric(column.replace("", np.nan))  # noqa: E731
    seekers_frame = pd.DataFrame({
        "seeker_id": merged["seeker_code"],
        "categories": merged["categories"].map(_split),
        "salary_min": money(merged["salary_min"]),
        "salary_hoped": money(merged["salary_hoped"]),
        "home_district": merged["home_district"].replace("", None),
        "districts": merged["districts"].map(_split),
        "needs_accommodation": merged["needs_accommodation"] == "1",
        "shifts": merged["shifts"].map(_split),
        "education": merged["education"].astype(int),
        "experience_years": merged["work_history"].map(
            lambda h: float(sum(int(job.split(":")[1]) for job in _split(h)))),
        "certificates": merged["certificates"].map(_split),
        "skills_text": merged["skills_text"],
        "riasec": merged["riasec"].map(lambda r: [float(x) for x in _split(r)] or None),
        "avoid": merged["avoid"].map(_split),
    })
    jobs = pd.read_csv(DEMO / "openings.csv", **read)
    openings_frame = pd.DataFrame({
        "opening_id": jobs["ref"],
        "employer_id": jobs["employer_uscc"],
        "category": jobs["category"],
        "title": jobs["title"],
        "description": jobs["description"],
        "pay_min": money(jobs["salary_min"]),
        "pay_max": money(jobs["salary_max"]),
        "pay_months": 12,
        "pay_period": "month",
        "district": jobs["district"],
        "accommodation": jobs["accommodation"] == "1",
        "shift": jobs["shift"],
        "education_min": jobs["education_min"].astype(int),
        "experience_min": jobs["experience_min"].astype(float),
        "certificates_required": jobs["certificates_required"].map(_split),
        "headcount": jobs["headcount"].astype(int),
        "environments": jobs["environments"].map(_split),
    })
    return seekers_frame, openings_frame


@pytest.mark.skipif(not (DEMO / "openings.csv").exists(), reason="no demo fair in seed_data")
def test_the_plan_beats_naive_top_k_on_the_demo_fair():
    people, jobs = demo_frames()
    prepared = prepare_openings(jobs)
    plan = plan_fair(people, prepared, per_seeker=5, load_factor=3)
    check_limits(plan, people, prepared, 5, 3)
    report = plan_report(plan, people, prepared, per_seeker=5, load_factor=3)
    assert report.loc["share_3_options", "plan"] > report.loc["share_3_options", "naive_top_k"]
    assert report.loc["openings_over_cap", "plan"] == 0
    assert report.loc["gini_per_opening", "plan"] < report.loc["gini_per_opening", "naive_top_k"]
