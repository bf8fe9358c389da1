"""The input contract: the columns a seekers frame and an openings frame must have.

``app/services/matching.py`` is the only code that builds these frames from the database;
everything in ``matching/`` checks them here first. A missing column or a value of the
wrong type raises :class:`ValueError` naming the column; extra columns (names, gender,
birth year, facility, hukou, rehabilitation history, …) are dropped unread, so they can
never influence a score.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from decimal import Decimal

import numpy as np
import pandas as pd

from .reference import PAY_PERIODS, SHIFTS

__all__ = ["OPENING_COLUMNS", "SEEKER_COLUMNS", "validate_openings", "validate_seekers"]

# column → kind; the kinds are checked by the functions in _CHECKS below.
SEEKER_COLUMNS: dict[str, str] = {
    "seeker_id": "id",
    "categories": "codes",
    "salary_min": "money",
    "salary_hoped": "money",
    "home_district": "optional_code",
    "districts": "codes",
    "needs_accommodation": "bool",
    "shifts": "shifts",
    "education": "education",
    "experience_years": "years",
    "certificates": "codes",
    "skills_text": "text",
    "riasec": "riasec",
    "avoid": "codes",
}

OPENING_COLUMNS: dict[str, str] = {
    "opening_id": "id",
    "employer_id": "code",
    "category": "code",
    "title": "text",
    "description": "text",
    "pay_min": "money",
    "pay_max": "money",
    "pay_months": "months",
    "pay_period": "period",
    "district": "code",
    "accommodation": "bool",
    "shift": "shift",
    "education_min": "education",
    "experience_min": "years",
    "certificates_required": "codes",
    "headcount": "count",
    "environments": "codes",
}


def _is_missing(value: object) -> bool:
    if value is None or value is pd.NA:
        return True
    return isinstance(value, float) and math.isnan(value)


def _fail(frame_name: str, column: str, expected: str, value: object) -> ValueError:
    return ValueError(
        f"{frame_name}: column {column!r} must hold {expected}; got {value!r} "
        f"({type(value).__name__})"
    )


def _as_strings(series: pd.Series, frame_name: str, column: str, allow_missing: bool) -> list:
    values = series.tolist()
    for value in values:
        if isinstance(value, str):
            continue
        if allow_missing and _is_missing(value):
            continue
        raise _fail(frame_name, column, "strings", value)
    return [v if isinstance(v, str) else None for v in values]


def _check_id(series: pd.Series, frame_name: str, column: str) -> pd.Series:
    values = _as_strings(series, frame_name, column, allow_missing=False)
    if len(set(values)) != len(values):
        duplicated = series[series.duplicated()].iloc[0]
        raise ValueError(f"{frame_name}: column {column!r} has a duplicate id {duplicated!r}")
    return pd.Series(values, index=series.index, dtype=object)


def _check_code(series: pd.Series, frame_name: str, column: str) -> pd.Series:
    values = _as_strings(series, frame_name, column, allow_missing=False)
    return pd.Series(values, index=series.index, dtype=object)


def _check_optional_code(series: pd.Series, frame_name: str, column: str) -> pd.Series:
    values = _as_strings(series, frame_name, column, allow_missing=True)
    return pd.Series(values, index=series.index, dtype=object)


def _check_text(series: pd.Series, frame_name: str, column: str) -> pd.Series:
    values = _as_strings(series, frame_name, column, allow_missing=True)
    return pd.Series([v or "" for v in values], index=series.index, dtype=object)


def _numbers(series: pd.Series, frame_name: str, column: str, expected: str) -> np.ndarray:
    if pd.api.types.is_bool_dtype(series.dtype):
        raise _fail(frame_name, column, expected, series.iloc[0])
    if pd.api.types.is_numeric_dtype(series.dtype):
        return series.to_numpy(dtype=float, na_value=np.nan)
    out = np.empty(len(series))
    for i, value in enumerate(series.tolist()):
        if _is_missing(value):
            out[i] = np.nan
        elif isinstance(value, numbers.Real | Decimal) and not isinstance(value, bool):
            out[i] = float(value)
        else:
            raise _fail(frame_name, column, expected, value)
    return out


def _check_money(series: pd.Series, frame_name: str, column: str) -> pd.Series:
    values = _numbers(series, frame_name, column, "numbers (RMB/month, NaN if unknown)")
    bad = values < 0
    if bad.any():
        raise _fail(frame_name, column, "non-negative amounts", values[bad][0])
    return pd.Series(values, index=series.index)


def _check_years(series: pd.Series, frame_name: str, column: str) -> pd.Series:
    values = _numbers(series, frame_name, column, "numbers of years")
    bad = values < 0
    if bad.any():
        raise _fail(frame_name, column, "non-negative years", values[bad][0])
    # Unknown experience counts as none: nothing is claimed for the seeker.
    return pd.Series(np.nan_to_num(values, nan=0.0), index=series.index)


def _integers(series: pd.Series, frame_name: str, column: str, expected: str) -> np.ndarray:
    values = _numbers(series, frame_name, column, expected)
    bad = ~np.isfinite(values) | (values != np.round(values))
    if bad.any():
        raise _fail(frame_name, column, expected, values[bad][0])
    return values.astype(np.int64)


def _check_education(series: pd.Series, frame_name: str, column: str) -> pd.Series:
    values = _integers(series, frame_name, column, "education levels 0–6")
    bad = (values < 0) | (values > 6)
    if bad.any():
        raise _fail(frame_name, column, "education levels 0–6", int(values[bad][0]))
    return pd.Series(values, index=series.index)


def _check_count(series: pd.Series, frame_name: str, column: str) -> pd.Series:
    values = _integers(series, frame_name, column, "whole numbers ≥ 0")
    bad = values < 0
    if bad.any():
        raise _fail(frame_name, column, "whole numbers ≥ 0", int(values[bad][0]))
    return pd.Series(values, index=series.index)


def _check_bool(series: pd.Series, frame_name: str, column: str) -> pd.Series:
    if pd.api.types.is_bool_dtype(series.dtype) and not series.isna().any():
        return pd.Series(series.to_numpy(dtype=bool), index=series.index)
    values = series.tolist()
    for value in values:
        if not isinstance(value, bool | np.bool_):
            raise _fail(frame_name, column, "True or False", value)
    return pd.Series(np.array(values, dtype=bool), index=series.index)


def _as_list(value: object, frame_name: str, column: str) -> list:
    if isinstance(value, list | tuple | np.ndarray):
        return list(value)
    raise _fail(frame_name, column, "lists", value)


def _check_codes(series: pd.Series, frame_name: str, column: str) -> pd.Series:
    out = []
    for value in series.tolist():
        items = _as_list(value, frame_name, column)
        for item in items:
            if not isinstance(item, str):
                raise _fail(frame_name, column, "lists of code strings", value)
        out.append(items)
    return pd.Series(out, index=series.index, dtype=object)


def _check_shifts(series: pd.Series, frame_name: str, column: str) -> pd.Series:
    checked = _check_codes(series, frame_name, column)
    for items in checked:
        for item in items:
            if item not in SHIFTS:
                raise _fail(frame_name, column, f"lists of shifts {SHIFTS}", items)
    return checked


def _check_shift(series: pd.Series, frame_name: str, column: str) -> pd.Series:
    checked = _check_code(series, frame_name, column)
    for item in checked:
        if item not in SHIFTS:
            raise _fail(frame_name, column, f"one of {SHIFTS}", item)
    return checked


def _check_months(series: pd.Series, frame_name: str, column: str) -> pd.Series:
    values = _integers(series, frame_name, column, "months paid a year, 1–24")
    bad = (values < 1) | (values > 24)
    if bad.any():
        raise _fail(frame_name, column, "months paid a year, 1–24", int(values[bad][0]))
    return pd.Series(values, index=series.index)


def _check_period(series: pd.Series, frame_name: str, column: str) -> pd.Series:
    checked = _check_code(series, frame_name, column)
    for item in checked:
        if item not in PAY_PERIODS:
            raise _fail(frame_name, column, f"one of {PAY_PERIODS}", item)
    return checked


def _check_riasec(series: pd.Series, frame_name: str, column: str) -> pd.Series:
    out: list[list[float] | None] = []
    expected = "6 numbers (R, I, A, S, E, C) or None"
    for value in series.tolist():
        is_list = isinstance(value, list | tuple | np.ndarray)
        if value is None or (not is_list and _is_missing(value)):
            out.append(None)
            continue
        items = _as_list(value, frame_name, column)
        if len(items) != 6 or not all(
            isinstance(x, numbers.Real) and not isinstance(x, bool) and math.isfinite(x)
            for x in items
        ):
            raise _fail(frame_name, column, expected, value)
        out.append([float(x) for x in items])
    return pd.Series(out, index=series.index, dtype=object)


_CHECKS: dict[str, Callable[[pd.Series, str, str], pd.Series]] = {
    "id": _check_id,
    "code": _check_code,
    "optional_code": _check_optional_code,
    "text": _check_text,
    "money": _check_money,
    "years": _check_years,
    "education": _check_education,
    "count": _check_count,
    "bool": _check_bool,
    "codes": _check_codes,
    "shifts": _check_shifts,
    "shift": _check_shift,
    "riasec": _check_riasec,
    "months": _check_months,
    "period": _check_period,
}


def _validate(frame: pd.DataFrame, columns: dict[str, str], frame_name: str) -> pd.DataFrame:
    if not isinstance(frame, pd.DataFrame):
        raise ValueError(f"{frame_name} must be a pandas DataFrame, got {type(frame).__name__}")
    for column in columns:
        if column not in frame.columns:
            raise ValueError(f"{frame_name}: missing column {column!r}")
    checked = {
        column: _CHECKS[kind](frame[column], frame_name, column)
        for column, kind in columns.items()
    }
    return pd.DataFrame(checked).reset_index(drop=True)


def validate_seekers(seekers: pd.DataFrame) -> pd.DataFrame:
    """Check a seekers frame against the contract and return only its contract columns.

    Parameters
    ----------
    seekers : DataFrame
        One row per seeker with the columns of ``SEEKER_COLUMNS`` (see the README);
        other columns are ignored.

    Returns
    -------
    DataFrame
        The contract columns with normalized types (floats, ints, bools, Python lists,
        ``""`` for missing text) and a fresh ``RangeIndex``.

    Raises
    ------
    ValueError
        If a column is missing or holds a value of the wrong type; the message names the
        column.
    """
    return _validate(seekers, SEEKER_COLUMNS, "seekers")


def validate_openings(openings: pd.DataFrame) -> pd.DataFrame:
    """Check an openings frame against the contract and return only its contract columns.

    Parameters
    ----------
    openings : DataFrame
        One row per opening with the columns of ``OPENING_COLUMNS``; other columns are
        ignored.

    Returns
    -------
    DataFrame
        The contract columns with normalized types and a fresh ``RangeIndex``.

    Raises
    ------
    ValueError
        If a column is missing or holds a value of the wrong type; the message names the
        column.
    """
    return _validate(openings, OPENING_COLUMNS, "openings")
