"""The input contract: missing columns, wrong types, unknown codes, extra columns."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from matching import (
    OPENING_COLUMNS,
    SEEKER_COLUMNS,
    encode_seekers,
    validate_openings,
    validate_seekers,
)

from .matching_factories import opening, openings, seeker, seekers


@pytest.mark.parametrize("column", list(SEEKER_COLUMNS))
def test_a_missing_seeker_column_is_named(column):
    with pytest.raises(ValueError, match=f"missing column '{column}'"):
        validate_seekers(seekers(seeker()).drop(columns=[column]))


@pytest.mark.parametrize("column", list(OPENING_COLUMNS))
def test_a_missing_opening_column_is_named(column):
    with pytest.raises(ValueError, match=f"missing column '{column}'"):
        validate_openings(openings(opening()).drop(columns=[column]))


@pytest.mark.parametrize(
    ("column", "bad"),
    [
        ("seeker_id", 17),
        ("categories", "logistics;sales"),
        ("salary_min", "5000"),
        ("salary_hoped", True),
        ("home_district", 310101),
        ("districts", None),
        ("needs_accommodation", 1),
        ("shifts", ["evening"]),
        ("education", 7),
        ("education", 2.5),
        ("experience_years", -1.0),
        ("certificates", [1]),
        ("skills_text", 3.0),
        ("riasec", [1.0, 2.0]),
        ("avoid", "bar"),
    ],
)
def test_a_wrong_seeker_value_names_its_column(column, bad):
    rows = seekers(seeker(), seeker())
    rows[column] = pd.Series([rows[column].iloc[0], bad], dtype=object)
    with pytest.raises(ValueError, match=f"'{column}'"):
        validate_seekers(rows)


@pytest.mark.parametrize(
    ("column", "bad"),
    [
        ("opening_id", None),
        ("category", 5),
        ("pay_max", "8千"),
        ("pay_months", 0),
        ("pay_period", "fortnight"),
        ("accommodation", "yes"),
        ("shift", "evening"),
        ("education_min", -1),
        ("headcount", 1.5),
        ("certificates_required", "forklift"),
        ("environments", [None]),
    ],
)
def test_a_wrong_opening_value_names_its_column(column, bad):
    rows = openings(opening(), opening())
    rows[column] = pd.Series([rows[column].iloc[0], bad], dtype=object)
    with pytest.raises(ValueError, match=f"'{column}'"):
        validate_openings(rows)


def test_duplicate_ids_are_refused():
    with pytest.raises(ValueError, match="duplicate id 's1'"):
        validate_seekers(seekers(seeker(seeker_id="s1"), seeker(seeker_id="s1")))


def test_unknown_codes_name_their_column(prepare):
    prepared = prepare(openings(opening()))
    for column, value in [("categories", ["astronaut"]), ("home_district", "999999"),
                          ("certificates", ["pilot"]), ("avoid", ["casino"]),
                          ("districts", ["1"])]:
        with pytest.raises(ValueError, match=f"'{column}' holds unknown code"):
            encode_seekers(seekers(seeker(**{column: value})), prepared)
    with pytest.raises(ValueError, match="'category' holds unknown code"):
        prepare(openings(opening(category="astronaut")))


def test_extra_columns_are_dropped_and_types_normalized():
    rows = seekers(seeker(salary_min=np.nan, riasec=(1, 2, 3, 4, 5, 6),
                          categories=np.array(["sales"]), skills_text=None))
    rows["name"] = "张三"
    checked = validate_seekers(rows)
    assert list(checked.columns) == list(SEEKER_COLUMNS)
    assert np.isnan(checked["salary_min"].iloc[0])
    assert checked["riasec"].iloc[0] == [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    assert checked["categories"].iloc[0] == ["sales"]
    assert checked["skills_text"].iloc[0] == ""


def test_numbers_may_come_as_decimals_and_nullable_columns():
    from decimal import Decimal

    rows = openings(opening(), opening())
    rows["pay_min"] = pd.Series([Decimal("6000"), None], dtype=object)
    rows["headcount"] = pd.array([3, 4], dtype="Int64")
    checked = validate_openings(rows)
    assert checked["pay_min"].iloc[0] == 6000.0
    assert np.isnan(checked["pay_min"].iloc[1])
    assert checked["headcount"].tolist() == [3, 4]


def test_not_a_frame():
    with pytest.raises(ValueError, match="must be a pandas DataFrame"):
        validate_seekers([seeker()])


def test_matching_imports_no_part_of_the_app():
    import ast
    import sys
    from pathlib import Path

    import matching

    allowed = {"numpy", "pandas", "scipy", "highspy", "sklearn", "joblib", "matching"}
    for path in Path(matching.__file__).parent.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                assert top in allowed or top in sys.stdlib_module_names, (path.name, name)
