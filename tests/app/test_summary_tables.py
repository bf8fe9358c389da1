"""The demand summary's pure side: counting, small-count suppression and its audit, exports.

The suppression tests do not trust the module's own audit: `possible_tables` enumerates,
as a reader with the published tables in hand could, every table consistent with them,
and the tests assert that no hidden count from 1 to 4 (nor a group of "<5" cells) has
only one possible value.
"""

import io
import itertools
import random
from datetime import date

import numpy as np
import pandas as pd
import pytest

from app.reports.summary import (
    ANYWHERE,
    NO_CHOICE,
    UNKNOWN,
    latest_surveys,
    pay_band,
    release_months,
    seeker_counts,
    summarise_seekers,
)
from app.reports.suppression import (
    SMALL,
    WITHHELD,
    FacilityTooSmall,
    Published,
    cell_ranges,
    exposed_cells,
    publish_facility_tables,
    suppress_small_counts,
)
from app.reports.suppression import Parent as _Parent
from app.spreadsheets import tables_to_csv, tables_to_xlsx

CATEGORIES = ["logistics", "security", "kitchen", "workshop"]
DISTRICTS = ["310112", "310115"]
MONTHS = ["2026-07", "2026-08"]


def seekers_frame(rows) -> pd.DataFrame:
    """Seekers from (facility, month, categories, lowest pay, hoped pay, home, districts)."""
    records = []
    for n, (facility, month, categories, low, hoped, home, districts) in enumerate(rows):
        records.append({
            "seeker_id": n + 1, "facility_id": facility,
            "release_date": date(2026, month, 15), "categories": list(categories),
            "salary_min": low, "salary_hoped": hoped, "home_district": home,
            "districts": list(districts),
        })
    return pd.DataFrame(records)


def counts(values, keys="abcdefghij") -> pd.Series:
    return pd.Series(values, index=list(keys[: len(values)]), dtype="int64")


# --------------------------------------------------------------------------- a reader


def _options(value, cap, upper):
    if value == SMALL:
        return range(0, int(min(4, upper)) + 1)
    if value == WITHHELD:
        return range(5, int(min(cap, upper)) + 1)
    return [int(value)]


def possible_tables(published: Published, cap: int, upper=None) -> list[tuple]:
    """Every table a reader would find consistent with a published one (brute force)."""
    bounds = [np.inf] * len(published.cells) if upper is None else list(upper)
    options = [_options(v, cap, u) for v, u in zip(published.cells, bounds, strict=True)]
    tables = []
    for combo in itertools.product(*options):
        total = sum(combo)
        if published.total == SMALL and total >= 5:
            continue
        if published.total == WITHHELD and total < 5:
            continue
        if isinstance(published.total, int) and total != published.total:
            continue
        tables.append(combo)
    return tables


def recomputed(published: Published, true_counts: pd.Series, tables) -> list[str]:
    """What a reader can work out exactly that suppression meant to hide."""
    problems = []
    assert tuple(true_counts) in tables  # the reader's view is consistent with the truth
    hidden = [i for i, v in enumerate(published.cells) if isinstance(v, str)]
    for i in hidden:
        if 1 <= true_counts.iloc[i] <= 4 and len({t[i] for t in tables}) == 1:
            problems.append(f"cell {published.cells.index[i]} = {true_counts.iloc[i]}")
    small = [i for i in hidden if published.cells.iloc[i] == SMALL]
    group = int(true_counts.iloc[small].sum())
    if 1 <= group <= 4 and len({sum(t[i] for i in small) for t in tables}) == 1:
        problems.append(f"the <5 cells together = {group}")
    return problems


# --------------------------------------------------------------------------- inputs


@pytest.mark.parametrize(("amount", "band"), [
    (0, "<4000"), (3999, "<4000"), (4000, "4000-4999"), (4999.5, "4000-4999"),
    (5000, "5000-5999"), (6500, "6000-6999"), (7999, "7000-7999"), (8000, "8000-9999"),
    (9999, "8000-9999"), (10000, ">=10000"), (35000, ">=10000"), (None, UNKNOWN),
    (float("nan"), UNKNOWN), (pd.NA, UNKNOWN),
])
def test_pay_bands(amount, band):
    assert pay_band(amount) == band


def test_release_months_cover_the_window():
    assert release_months(date(2026, 11, 28), date(2027, 2, 1)) == [
        "2026-11", "2026-12", "2027-01", "2027-02"]
    assert release_months(date(2026, 7, 1), date(2026, 7, 31)) == ["2026-07"]


def test_latest_survey_per_seeker():
    surveys = pd.DataFrame({
        "survey_id": [1, 2, 3, 4, 5],
        "seeker_id": [10, 10, 11, 11, 12],
        "surveyed_on": [date(2026, 1, 5), date(2026, 3, 1), date(2026, 2, 1),
                        date(2026, 2, 1), date(2025, 12, 1)],
        "salary_min": [4000, 5000, 6000, 6500, 7000],
    })
    latest = latest_surveys(surveys).set_index("seeker_id")
    assert latest["survey_id"].to_dict() == {10: 2, 11: 4, 12: 5}


def test_seeker_counts_of_a_hand_built_window():
    frame = seekers_frame([
        (1, 7, ["logistics", "security"], 5000, 6500, "310115", ["310115"]),
        (1, 7, ["logistics"], 6000, None, "310112", []),
        (2, 8, ["security", "logistics", "kitchen"], None, 10500, None, ["310112", "310115"]),
        (2, 8, [], 3500, 3900, "310115", []),
    ])
    c = seeker_counts(frame, categories=CATEGORIES, districts=DISTRICTS, months=MONTHS)
    assert c["first_choice"].to_dict() == {"logistics": 2, "security": 1, "kitchen": 0,
                                           "workshop": 0, NO_CHOICE: 1}
    assert c["any_choice"].to_dict() == {"logistics": 3, "security": 2, "kitchen": 1,
                                         "workshop": 0}
    assert c["hoped_pay"][["6000-6999", ">=10000", "<4000", UNKNOWN]].tolist() == [1, 1, 1, 1]
    assert c["lowest_pay"][["5000-5999", "6000-6999", "<4000", UNKNOWN]].tolist() == [1, 1, 1, 1]
    assert c["release_month"].to_dict() == {"2026-07": 2, "2026-08": 2}
    assert c["preferred_district"].to_dict() == {"310112": 1, "310115": 2, ANYWHERE: 2}
    assert c["home_district"].to_dict() == {"310112": 1, "310115": 2, UNKNOWN: 1}
    for name in ("first_choice", "hoped_pay", "lowest_pay", "release_month", "home_district"):
        assert c[name].sum() == len(frame)  # each seeker in exactly one row


def test_a_value_outside_the_rows_is_refused_not_dropped():
    frame = seekers_frame([(1, 7, ["astronaut"], 5000, 6000, "310115", [])])
    with pytest.raises(ValueError, match="astronaut"):
        seeker_counts(frame, categories=CATEGORIES, districts=DISTRICTS, months=MONTHS)


# --------------------------------------------------------------------------- suppression


def test_counts_under_five_including_zero_show_as_small():
    published = suppress_small_counts(counts([0, 1, 4, 5, 12]))
    assert published.cells.tolist() == [SMALL, SMALL, SMALL, 5, 12]
    assert published.total is None  # a table without margin gets no secondary suppression


def test_one_small_cell_takes_the_smallest_shown_cell_with_it():
    published = suppress_small_counts(counts([3, 7, 12, 20]), additive=True)
    assert published.cells.tolist() == [SMALL, WITHHELD, 12, 20]
    assert published.total == 42
    ranges = cell_ranges(published)
    assert ranges.loc["a"].tolist() == [0, 4] and ranges.loc["b"].tolist() == [6, 10]


def test_a_small_group_of_hidden_cells_is_protected_too():
    # "<5" cells 2 and 0 would add up to 42 - 9 - 31 = 2: withhold the 9 as well
    published = suppress_small_counts(counts([2, 0, 9, 31]), additive=True)
    assert published.cells.tolist() == [SMALL, SMALL, WITHHELD, 31]


def test_zero_hidden_cells_that_add_up_to_zero_may_stay():
    # a reader learns the "<5" cells are 0: a zero identifies nobody
    published = suppress_small_counts(counts([0, 0, 9, 31]), additive=True)
    assert published.cells.tolist() == [SMALL, SMALL, 9, 31]


def test_when_no_cell_is_left_to_withhold_the_total_is_withheld():
    published = suppress_small_counts(counts([4, 4]), additive=True)
    assert published.cells.tolist() == [SMALL, SMALL] and published.total == WITHHELD


def test_a_total_under_five_shows_as_small():
    published = suppress_small_counts(counts([1, 2, 0]), additive=True)
    assert published.cells.tolist() == [SMALL, SMALL, SMALL] and published.total == SMALL


def test_an_upper_bound_from_another_table_is_allowed_for():
    # the any-choice table says b is at most 5, so withholding b alone would not hide a
    plain = suppress_small_counts(counts([3, 5, 20, 30]), additive=True)
    assert plain.cells.tolist() == [SMALL, WITHHELD, 20, 30]
    bounded = suppress_small_counts(counts([3, 5, 20, 30]), additive=True,
                                    upper=counts([9, 5, 40, 40]))
    assert bounded.cells.tolist() == [SMALL, WITHHELD, WITHHELD, 30]
    assert exposed_cells(Published(plain.cells, plain.total, counts([9, 5, 40, 40]))) == ["a"]
    assert recomputed(bounded, counts([3, 5, 20, 30]),
                      possible_tables(bounded, 58, [9, 5, 40, 40])) == []
    # without the third withheld cell, the reader knows the "<5" cell is 3
    assert recomputed(Published(plain.cells, plain.total), counts([3, 5, 20, 30]),
                      possible_tables(plain, 58, [9, 5, 40, 40])) == ["cell a = 3",
                                                                       "the <5 cells together = 3"]


@pytest.mark.parametrize("seed", range(4))
def test_no_margin_lets_a_suppressed_count_be_recomputed(seed):
    rng = random.Random(seed)
    for _ in range(150):
        true = counts([rng.choice([0, 0, 1, 2, 3, 4, 5, 6, 7, 9, 12]) for _ in
                       range(rng.randint(2, 5))])
        upper = None
        if rng.random() < 0.4:  # sometimes an any-choice table bounds the cells
            any_choice = true + pd.Series([rng.choice([0, 0, 1, 3]) for _ in true],
                                          index=true.index)
            upper = any_choice.where(any_choice >= 5, 4)  # as the any-choice table shows it
        published = suppress_small_counts(true, additive=True, upper=upper)
        tables = possible_tables(published, int(true.sum()),
                                 None if upper is None else upper.tolist())
        assert recomputed(published, true, tables) == [], (true.tolist(), published.cells)


def _linked_tables(facility: Published, everyone: Published, cap: int):
    return [(f, a)
            for f in possible_tables(facility, cap, everyone_upper(everyone))
            for a in possible_tables(everyone, cap)
            if all(x <= y for x, y in zip(f, a, strict=True))]


def everyone_upper(everyone: Published) -> list:
    return [4 if v == SMALL else (np.inf if v == WITHHELD else v) for v in everyone.cells]


@pytest.mark.parametrize("seed", range(3))
def test_a_facility_table_read_against_the_city_reveals_no_small_count(seed):
    rng = random.Random(100 + seed)
    checked = 0
    while checked < 60:
        k = rng.randint(2, 4)
        mine = counts([rng.choice([0, 0, 1, 2, 3, 4, 5, 6, 8]) for _ in range(k)])
        rest = counts([rng.choice([0, 0, 1, 2, 3, 4, 5, 7]) for _ in range(k)])
        everyone = mine + rest
        if mine.sum() < 5 or 0 < rest.sum() < 5:
            continue  # such a facility view is refused (see summarise_seekers)
        checked += 1
        city = suppress_small_counts(everyone, additive=True)
        try:
            facility = suppress_small_counts(mine, additive=True,
                                             parent=_Parent(city, everyone))
        except FacilityTooSmall as refused:
            assert refused.reason == "table"
            continue
        tables = _linked_tables(facility, city, int(everyone.sum()))
        assert (tuple(mine), tuple(everyone)) in tables
        for i in range(k):
            for name, true, values in (
                ("facility", mine.iloc[i], {f[i] for f, _ in tables}),
                ("city", everyone.iloc[i], {a[i] for _, a in tables}),
                ("rest", rest.iloc[i], {a[i] - f[i] for f, a in tables}),
            ):
                assert not (1 <= true <= 4 and len(values) == 1), (
                    name, i, mine.tolist(), rest.tolist(), facility.cells.tolist(),
                    city.cells.tolist())


def test_a_facility_hides_what_the_city_hides_and_small_differences():
    everyone = counts([3, 9, 20, 30])
    mine = counts([0, 6, 18, 15])  # rest of the city: 3, 3, 2, 15
    city = suppress_small_counts(everyone, additive=True)
    assert city.cells.tolist() == [SMALL, WITHHELD, 20, 30]
    facility = suppress_small_counts(mine, additive=True, parent=_Parent(city, everyone))
    # b hidden in the city; c's rest is 2; a is small; d = 15 and its rest 15 may show
    assert facility.cells.tolist() == [SMALL, WITHHELD, WITHHELD, 15]


# --------------------------------------------------------------------------- the summary


def _window(n_logistics=7, n_security=6, n_kitchen=2, facility=1):
    rows = [(facility, 7, ["logistics", "security"], 6000, 7000, "310115", ["310115"])
            for _ in range(n_logistics)]
    rows += [(facility, 8, ["security"], 5000, 6000, "310112", []) for _ in range(n_security)]
    rows += [(facility, 8, ["kitchen"], 8000, 9000, "310115", ["310112"])
             for _ in range(n_kitchen)]
    return seekers_frame(rows)


def summarise(frame, **kwargs):
    return summarise_seekers(frame, categories=CATEGORIES, districts=DISTRICTS, months=MONTHS,
                             **kwargs)


def test_summary_of_a_hand_built_window():
    summary = summarise(_window())
    assert summary.seekers == 15
    first = summary["first_choice"]
    # kitchen's 2 would be 15 - 7 - 6 = 2: security is withheld with it
    assert first.cells.to_dict() == {"logistics": 7, "security": WITHHELD, "kitchen": SMALL,
                                     "workshop": SMALL, NO_CHOICE: SMALL}
    assert first.total == 15
    assert summary["any_choice"].cells.to_dict() == {"logistics": 7, "security": 13,
                                                     "kitchen": SMALL, "workshop": SMALL}
    assert summary["release_month"].cells.to_dict() == {"2026-07": 7, "2026-08": 8}
    assert summary["hoped_pay"].cells[["6000-6999", "7000-7999", "8000-9999"]].tolist() == [
        WITHHELD, 7, SMALL]
    assert summary["preferred_district"].cells.to_dict() == {"310112": SMALL, "310115": 7,
                                                             ANYWHERE: 6}
    assert summary["preferred_district"].total is None


def test_a_window_with_fewer_than_five_seekers_shows_nothing():
    summary = summarise(_window(2, 1, 1))
    assert summary.seekers == SMALL
    for published in summary.tables.values():
        assert all(v == SMALL for v in published.cells)
        assert published.total in (None, SMALL)


def test_a_withheld_total_is_withheld_in_every_table():
    # two months of exactly 4 releases each: the total 8 would pin both at 4
    frame = _window(4, 4, 0)
    summary = summarise(frame)
    assert summary["release_month"].cells.tolist() == [SMALL, SMALL]
    assert summary.seekers == WITHHELD
    for name, published in summary.tables.items():
        assert published.total in (None, WITHHELD), name


def test_one_facility_needs_five_seekers_there_and_five_or_none_elsewhere():
    frame = pd.concat([_window(7, 6, 2, facility=1), _window(2, 0, 0, facility=2)])
    frame["seeker_id"] = range(len(frame))
    with pytest.raises(FacilityTooSmall) as small:
        summarise(frame, facility_id=2)
    assert small.value.reason == "facility"
    with pytest.raises(FacilityTooSmall) as rest:
        summarise(frame, facility_id=1)  # the other facility's 2 would be 17 - 15
    assert rest.value.reason == "rest"


def test_facilities_whose_numbers_pin_each_other_are_refused_without_saying_why():
    # 4, 4 and 4 of 12: "all have fewer than 5" would make each exactly 4
    frame = pd.concat([_window(2, 1, 1, facility=1), _window(2, 2, 0, facility=2),
                       _window(3, 1, 0, facility=3)])
    frame["seeker_id"] = range(len(frame))
    assert summarise(frame).seekers == 12
    for facility in (1, 2, 3):
        with pytest.raises(FacilityTooSmall) as refused:
            summarise(frame, facility_id=facility)
        assert refused.value.reason == "table"


def test_one_facility_is_published_against_the_city():
    frame = pd.concat([_window(7, 6, 2, facility=1), _window(5, 3, 0, facility=2)])
    frame["seeker_id"] = range(len(frame))
    city = summarise(frame)
    mine = summarise(frame, facility_id=1)
    assert (city.seekers, mine.seekers) == (23, 15)
    for name, published in mine.tables.items():
        parent = city[name]
        hidden_in_city = ~parent.shown
        assert not (published.shown & hidden_in_city).any(), name
        # no difference of two shown cells is a count from 1 to 4
        both = published.shown & parent.shown
        differences = parent.cells[both].astype(int) - published.cells[both].astype(int)
        assert not differences.between(1, 4).any(), (name, differences)


# --------------------------------------------------------------------------- exports


def _frames(summary) -> dict[str, pd.DataFrame]:
    return {name: pd.DataFrame({"code": list(p.cells.index), "seekers": list(p.cells)},
                               dtype=object)
            for name, p in summary.tables.items()}


def _numbers(values) -> list:
    return [v for v in values if isinstance(v, (int, float, np.integer, np.floating))
            and not pd.isna(v)]


def test_the_xlsx_export_has_no_count_under_five():
    """Zeros are not shown either: they appear as "<5" (see suppress_small_counts)."""
    frames = _frames(summarise(_window()))
    book = pd.read_excel(io.BytesIO(tables_to_xlsx(frames)), sheet_name=None, dtype=object)
    assert list(book) == list(frames)
    for name, sheet in book.items():
        numbers = _numbers(sheet["seekers"])
        assert numbers and all(n >= 5 for n in numbers), (name, numbers)
        assert set(sheet["seekers"]) - set(numbers) <= {SMALL, WITHHELD}
    assert book["first_choice"]["seekers"].tolist() == [7, WITHHELD, SMALL, SMALL, SMALL]


def test_the_csv_export_has_one_table_column_and_no_count_under_five():
    frames = _frames(summarise(_window()))
    data = tables_to_csv(frames)
    assert data.startswith("\ufeff".encode())  # Excel reads the BOM as UTF-8
    table = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype=str)
    assert list(table.columns) == ["table", "code", "seekers"]
    assert table["table"].unique().tolist() == list(frames)
    for value in table["seekers"]:
        assert value in (SMALL, WITHHELD) or int(value) >= 5, value
    logistics = table[(table["table"] == "first_choice") & (table["code"] == "logistics")]
    assert logistics["seekers"].tolist() == ["7"]




def _consistent(published: Published, values) -> bool:
    """Whether a table of true values could have been published as `published`."""
    for shown, value in zip(published.cells, values, strict=True):
        if (shown == SMALL and value >= 5) or (shown == WITHHELD and value < 5):
            return False
        if not isinstance(shown, str) and int(shown) != value:
            return False
    total = sum(values)
    if published.total == SMALL:
        return total < 5
    if published.total == WITHHELD:
        return total >= 5
    return published.total is None or total == published.total


@pytest.mark.parametrize(("seed", "n_facilities"), [(0, 2), (1, 2), (2, 3)])
def test_every_facility_table_read_together_with_the_city_reveals_no_small_count(
        seed, n_facilities):
    """A reader holding every facility's table and the city's (not only one pair)."""
    rng = random.Random(300 + seed)
    published_cases = 0
    for _ in range(150 if n_facilities == 2 else 60):
        k = rng.randint(2, 3 if n_facilities == 2 else 2)
        mine = {f: counts([rng.choice([0, 0, 1, 2, 3, 4, 5, 6, 8]) for _ in range(k)])
                for f in range(n_facilities)}
        if any(m.sum() < 5 for m in mine.values()):
            continue  # such a facility is refused by its number alone
        everyone = sum(mine.values())
        city = suppress_small_counts(everyone, additive=True)
        tables, refused = publish_facility_tables(mine, everyone, city, additive=True)
        assert set(tables) | refused == set(mine)
        if refused:
            continue
        published_cases += 1
        cap = int(everyone.sum())
        options = [possible_tables(tables[f], cap, everyone_upper(city)) for f in mine]
        worlds = [combo for combo in itertools.product(*options)
                  if _consistent(city, [sum(column) for column in zip(*combo, strict=True)])]
        assert tuple(tuple(m) for m in mine.values()) in worlds
        for f, table in tables.items():
            for i in range(k):
                true = mine[f].iloc[i]
                if isinstance(table.cells.iloc[i], str) and 1 <= true <= 4:
                    assert len({w[f][i] for w in worlds}) > 1, (f, i, mine, tables)
        for i in range(k):
            if isinstance(city.cells.iloc[i], str) and 1 <= everyone.iloc[i] <= 4:
                assert len({sum(t[i] for t in w) for w in worlds}) > 1
    assert published_cases >= 10
