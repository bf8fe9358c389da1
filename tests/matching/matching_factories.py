"""Small hand-made reference data and row factories for the matcher's tests.

The taxonomy and geography here are tiny on purpose: every expected value in the tests
can be worked out by hand from them.
"""

from __future__ import annotations

import math

import pandas as pd

CATEGORIES = pd.DataFrame(
    [
        ("logistics", "4-02-06", "CR"),
        ("delivery", "4-02-07-08", "CR"),
        ("driver", "4-02-02-01;6-30-01-00", "RC"),
        ("forklift", "6-30-05-01", "R"),
        ("kitchen", "4-03-02-01", "RC"),
        ("sales", "4-01-02-01", "EC"),
        ("retail", "4-01-02-03", "CE"),
    ],
    columns=["code", "csco_codes", "riasec"],
)
CATEGORY_RIASEC = pd.DataFrame(
    [
        ("logistics", 7, 1, 1, 1, 1, 1),
        ("delivery", 5, 1, 1, 2, 2, 5),
        ("driver", 7, 1, 1, 2, 2, 4),
        ("forklift", 7, 2, 1, 1, 1, 4),
        ("kitchen", 6, 1, 2, 2, 2, 4),
        ("sales", 2, 2, 2, 3, 6, 5),
        ("retail", 3, 1, 1, 3, 5, 6),
    ],
    columns=["code", "R", "I", "A", "S", "E", "C"],
)
CERTIFICATES = pd.DataFrame(
    [
        ("forklift", "forklift"),
        ("health_cert", "kitchen"),
        ("driving_c1", ""),
        ("driving_b2", ""),
        ("driving_a2", ""),
        ("chef", ""),
    ],
    columns=["code", "legally_required_for"],
)
ENVIRONMENTS = pd.DataFrame({"tag": ["bar", "late_night", "pharmacy"]})

# Four districts on a small grid near Shanghai: B is 0.1° east of A (a neighbour), C is
# 0.5° east of A (not a neighbour), D 0.2° north of A.
DISTRICTS = pd.DataFrame(
    [
        ("310101", 121.0, 31.0, "310104"),
        ("310104", 121.1, 31.0, ""),
        ("310105", 121.5, 31.0, ""),
        ("310106", 121.0, 31.2, ""),
    ],
    columns=["adcode", "lon", "lat", "neighbours"],
)
A, B, C, D = "310101", "310104", "310105", "310106"


def haversine_km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance, written out independently of the code under test."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(h))


KM_AB = haversine_km(121.0, 31.0, 121.1, 31.0)  # ≈ 9.53 km
KM_AC = haversine_km(121.0, 31.0, 121.5, 31.0)  # ≈ 47.7 km


def seeker(**overrides) -> dict:
    """One seeker row with plain defaults; override what the test is about."""
    row = {
        "categories": ["logistics"],
        "salary_min": 5000.0,
        "salary_hoped": 7000.0,
        "home_district": A,
        "districts": [],
        "needs_accommodation": False,
        "shifts": ["day"],
        "education": 3,
        "experience_years": 2.0,
        "certificates": [],
        "skills_text": "仓库管理",
        "riasec": None,
        "avoid": [],
    }
    row.update(overrides)
    return row


def opening(**overrides) -> dict:
    """One opening row with plain defaults; override what the test is about."""
    row = {
        "employer_id": "e1",
        "category": "logistics",
        "title": "仓库管理员",
        "description": "负责收货上架",
        "pay_min": 6000.0,
        "pay_max": 8000.0,
        "pay_months": 12,
        "pay_period": "month",
        "district": A,
        "accommodation": False,
        "shift": "day",
        "education_min": 2,
        "experience_min": 0.0,
        "certificates_required": [],
        "headcount": 2,
        "environments": [],
    }
    row.update(overrides)
    return row


def seekers(*rows: dict) -> pd.DataFrame:
    """A seekers frame; rows without a ``seeker_id`` are numbered s1, s2, …"""
    return pd.DataFrame([{"seeker_id": f"s{i + 1}", **r} for i, r in enumerate(rows)])


def openings(*rows: dict) -> pd.DataFrame:
    """An openings frame; rows without an ``opening_id`` are numbered o1, o2, …"""
    return pd.DataFrame([{"opening_id": f"o{i + 1}", **r} for i, r in enumerate(rows)])
