"""Reasons and caveats for recommended pairs, as structured codes with parameters.

A reason is a dict such as ``{"code": "first_choice", "category": "logistics"}``; a caveat
carries ``"caveat": True`` as well, e.g. ``{"code": "missing_certificate", "certificate":
"forklift", "caveat": True}``. The app words them in Chinese or English; the codes and
their parameters are listed in matching/README.md. Each result gets its (at most three)
strongest positive reasons, strongest first, then every caveat.

A reason explains the features: it fires on the facts of :mod:`matching.rules` that the
features were computed from (:func:`matching.features.pair_facts`), never on a second
derivation of its own. Pay reasons give the base monthly pay with the months paid a year
and the period the pay was stated in, so the wording can add the yearly figure and the
assumption of a converted day or hour rate.
"""

from __future__ import annotations

import math

import numpy as np

from .features import (
    FEATURE_INDEX,
    FEATURES,
    PreparedOpenings,
    SeekerArrays,
    _pairs_arrays,
)
from .reference import SHIFTS
from .rules import FAR_KM, NEAR_KM, PayFloor, PayHope

__all__ = ["FAR_KM", "MAX_POSITIVE_REASONS", "NEAR_KM", "REASON_CODES", "explain"]

MAX_POSITIVE_REASONS = 3
#: Skills-text similarity and RIASEC correlation worth mentioning.
SKILLS_REASON_MIN = 0.2
RIASEC_REASON_MIN = 0.5
RELATED_REASON_MIN = 1 / 3 - 1e-9

#: Every code with its parameters (caveats marked); the README explains each.
REASON_CODES: dict[str, tuple[str, ...]] = {
    "first_choice": ("category",),
    "chosen_category": ("category", "choice"),
    "related_category": ("category", "chosen"),
    "pay_meets_floor": ("min", "max", "months", "period", "floor"),
    "pay_meets_hope": ("min", "max", "months", "period", "hoped"),
    "pay_can_reach_hope": ("min", "max", "months", "period", "hoped"),
    "same_district": ("district",),
    "near_home": ("district", "km", "limit"),
    "far_with_housing": ("km",),
    "housing_provided": (),
    "in_chosen_districts": ("district",),
    "meets_education": ("required",),
    "has_experience": ("years", "required"),
    "has_certificates": ("certificates",),
    "skills_match": ("similarity",),
    "interest_fit": ("holland", "r"),
    "shift_ok": ("shift",),
    # caveats
    "missing_certificate": ("certificate",),
    "pay_unknown": (),
    "pay_partly_below_floor": ("min", "max", "months", "period", "floor"),
    "pay_below_floor": ("min", "max", "months", "period", "floor"),
    "no_housing": (),
    "far": ("district", "km"),
    "outside_chosen_districts": ("district", "chosen"),
    "education_below": ("required", "has"),
    "experience_below": ("required", "has"),
}

# Lowest and highest value of each feature, to measure how far a value lifted the score.
_RANGE = dict.fromkeys(FEATURES, (0.0, 1.0))
_RANGE["pay_hoped"] = (-1.0, 0.5)
_RANGE["riasec"] = (-1.0, 1.0)


def _money(value: float) -> int | float | None:
    if value is None or math.isnan(value):
        return None
    return int(value) if float(value).is_integer() else round(float(value), 2)


def _years(value: float) -> int | float:
    return int(value) if float(value).is_integer() else round(float(value), 1)


def _converted(values: np.ndarray, convert) -> list:
    """``[convert(v) for v in values]``, converting each distinct value once."""
    distinct, position = np.unique(values, return_inverse=True)
    converted = [convert(v) for v in distinct.tolist()]
    return [converted[p] for p in position.reshape(-1).tolist()]


def _bits(mask: int, codes: tuple[str, ...]) -> list[str]:
    return [code for i, code in enumerate(codes) if (mask >> i) & 1]


def explain(
    seekers: SeekerArrays,
    prepared: PreparedOpenings,
    si: np.ndarray,
    oj: np.ndarray,
    weights: np.ndarray,
    max_positive: int = MAX_POSITIVE_REASONS,
) -> list[list[dict]]:
    """Return the reasons and caveats of each (seeker, opening) index pair.

    Parameters
    ----------
    seekers : SeekerArrays
    prepared : PreparedOpenings
    si, oj : ndarray of int
        Row positions of the seekers and openings of each pair.
    weights : ndarray of shape (n_features,)
        The model's weights: a reason is ranked by how much its feature lifted the score
        above the feature's worst value, and a feature with no lift gives no reason.
    max_positive : int, default=3
        Positive reasons kept per pair; caveats are always all kept.

    Returns
    -------
    list of list of dict
        Positive reasons first, strongest first (ties in the order of
        ``REASON_CODES``), then the caveats in the order of ``REASON_CODES``.
    """
    si = np.asarray(si, dtype=np.int64)
    oj = np.asarray(oj, dtype=np.int64)
    n = len(si)
    if n == 0:
        return []
    arrays = _pairs_arrays(seekers, prepared, si, oj, facts=True)
    values = {k: np.asarray(v, dtype=float).reshape(-1) for k, v in arrays["values"].items()}
    facts = arrays["facts"]
    km = np.asarray(arrays["km"], dtype=float).reshape(-1)
    lift = {}
    for name in FEATURES:
        w = float(weights[FEATURE_INDEX[name]])
        lo, hi = _RANGE[name]
        lift[name] = w * values[name] - min(w * lo, w * hi)

    taxonomy, geography = prepared.taxonomy, prepared.geography
    category = prepared.category[oj]
    district = prepared.district[oj]
    housed = facts["housed"]
    floor, hoped = seekers.floor[si], seekers.hoped[si]
    bottom, top = prepared.pay_bottom[oj], prepared.pay_top[oj]
    edu, edu_min = seekers.education[si], prepared.education_min[oj]
    exp, exp_min = seekers.experience[si], prepared.experience_min[oj]
    required = prepared.required[oj]
    held = seekers.held[si]
    shift = prepared.shift[oj]
    pref = values["category_preference"]
    known_km = ~np.isnan(km)
    pay_floor, pay_hope = facts["pay_floor"], facts["pay_hope"]
    same = ~housed & facts["same_district"]
    near = ~housed & ~same & facts["near_home"]
    with np.errstate(invalid="ignore"):
        far = ~housed & ~same & ~near & known_km & (km > FAR_KM)
    chose_districts = seekers.districts[si] != 0
    in_chosen = facts["in_chosen_districts"]
    education_gap = facts["education_gap"]
    listed_held = (required & held) != 0
    listed_missing = required & ~held & ~prepared.legal[oj]
    place_lift = lift["commute"] + lift["nearby"]

    # Python lists: element access is several times faster than on NumPy arrays. Money and
    # years repeat a lot across pairs, so each distinct value is converted once.
    cat_code = [taxonomy.categories[c] for c in category.tolist()]
    adcode = [geography.adcodes[d] for d in district.tolist()]
    km_l, pref_l = km.tolist(), pref.tolist()
    bottom_l, top_l, floor_l, hoped_l = (_converted(x, _money)
                                         for x in (bottom, top, floor, hoped))
    months_l = prepared.pay_months[oj].tolist()
    period_l = prepared.pay_period[oj].tolist()
    # each distinct set of chosen districts is listed once (the lists are shared)
    chosen_l = _converted(seekers.districts[si], lambda m: _bits(int(m), geography.adcodes))
    exp_l, exp_min_l = _converted(exp, _years), _converted(exp_min, _years)
    edu_l, edu_min_l = edu.tolist(), edu_min.tolist()
    skills_l, riasec_l = values["skills"].tolist(), values["riasec"].tolist()
    shift_l = shift.tolist()
    required_l, held_l = required.tolist(), held.tolist()
    seeker_l = si.tolist()
    chosen_lists = seekers.frame["categories"].tolist()

    def nearest_choice(i: int) -> str:
        closeness = taxonomy.closeness[category[i]]
        index = taxonomy.category_index
        return max(chosen_lists[seeker_l[i]], key=lambda c: closeness[index[c]])

    # code: (fires, lift, the reason of pair i)
    positive = {
        "first_choice": (pref >= 1.0, lift["category_preference"],
                         lambda i: {"code": "first_choice", "category": cat_code[i]}),
        "chosen_category": ((pref > 0) & (pref < 1.0), lift["category_preference"],
                            lambda i: {"code": "chosen_category", "category": cat_code[i],
                                       "choice": round(1 / pref_l[i])}),
        "related_category": ((pref == 0) & (values["category_related"] >= RELATED_REASON_MIN),
                             lift["category_related"],
                             lambda i: {"code": "related_category", "category": cat_code[i],
                                        "chosen": nearest_choice(i)}),
        "pay_meets_floor": (pay_floor == PayFloor.MEETS, lift["pay_floor"],
                            lambda i: {"code": "pay_meets_floor", "min": bottom_l[i],
                                       "max": top_l[i], "months": months_l[i],
                                       "period": period_l[i], "floor": floor_l[i]}),
        "pay_meets_hope": (pay_hope == PayHope.REACHES, lift["pay_hoped"],
                           lambda i: {"code": "pay_meets_hope", "min": bottom_l[i],
                                      "max": top_l[i], "months": months_l[i],
                                      "period": period_l[i], "hoped": hoped_l[i]}),
        "pay_can_reach_hope": (pay_hope == PayHope.CAN_REACH, lift["pay_hoped"],
                               lambda i: {"code": "pay_can_reach_hope", "min": bottom_l[i],
                                          "max": top_l[i], "months": months_l[i],
                                          "period": period_l[i], "hoped": hoped_l[i]}),
        "far_with_housing": (housed & known_km & (km > NEAR_KM), place_lift,
                             lambda i: {"code": "far_with_housing", "km": round(km_l[i])}),
        "housing_provided": (housed & ~(known_km & (km > NEAR_KM)), place_lift,
                             lambda i: {"code": "housing_provided"}),
        "same_district": (same, place_lift,
                          lambda i: {"code": "same_district", "district": adcode[i]}),
        "near_home": (near, place_lift,
                      lambda i: {"code": "near_home", "district": adcode[i],
                                 "km": round(km_l[i]), "limit": round(NEAR_KM)}),
        "in_chosen_districts": (chose_districts & in_chosen, lift["in_chosen_districts"],
                                lambda i: {"code": "in_chosen_districts",
                                           "district": adcode[i]}),
        "has_certificates": (listed_held, lift["certificates"],
                             lambda i: {"code": "has_certificates",
                                        "certificates": _bits(required_l[i] & held_l[i],
                                                              taxonomy.certificates)}),
        "skills_match": (values["skills"] >= SKILLS_REASON_MIN, lift["skills"],
                         lambda i: {"code": "skills_match",
                                    "similarity": round(skills_l[i], 2)}),
        "interest_fit": (values["riasec"] >= RIASEC_REASON_MIN, lift["riasec"],
                         lambda i: {"code": "interest_fit",
                                    "holland": taxonomy.holland[cat_code[i]],
                                    "r": round(riasec_l[i], 2)}),
        "has_experience": ((exp_min > 0) & (exp >= exp_min), lift["experience"],
                           lambda i: {"code": "has_experience", "years": exp_l[i],
                                      "required": exp_min_l[i]}),
        "meets_education": ((edu_min > 0) & (education_gap <= 0), lift["education"],
                            lambda i: {"code": "meets_education", "required": edu_min_l[i]}),
        "shift_ok": (facts["shift_listed"], lift["shift"],
                     lambda i: {"code": "shift_ok", "shift": SHIFTS[shift_l[i]]}),
    }
    caveat = {
        "pay_unknown": (pay_floor == PayFloor.PAY_UNKNOWN,
                        lambda i: {"code": "pay_unknown", "caveat": True}),
        "pay_partly_below_floor": (pay_floor == PayFloor.PARTLY, lambda i: {
            "code": "pay_partly_below_floor", "min": bottom_l[i], "max": top_l[i],
            "months": months_l[i], "period": period_l[i], "floor": floor_l[i],
            "caveat": True}),
        "pay_below_floor": (pay_floor == PayFloor.BELOW, lambda i: {
            "code": "pay_below_floor", "min": bottom_l[i], "max": top_l[i],
            "months": months_l[i], "period": period_l[i], "floor": floor_l[i],
            "caveat": True}),
        "no_housing": (values["housing_gap"] == 1.0,
                       lambda i: {"code": "no_housing", "caveat": True}),
        "far": (far, lambda i: {"code": "far", "district": adcode[i], "km": round(km_l[i]),
                                "caveat": True}),
        "outside_chosen_districts": (chose_districts & ~in_chosen, lambda i: {
            "code": "outside_chosen_districts", "district": adcode[i],
            "chosen": chosen_l[i], "caveat": True}),
        "education_below": (education_gap > 0, lambda i: {
            "code": "education_below", "required": edu_min_l[i], "has": edu_l[i],
            "caveat": True}),
        "experience_below": ((exp_min > 0) & (exp < exp_min), lambda i: {
            "code": "experience_below", "required": exp_min_l[i], "has": exp_l[i],
            "caveat": True}),
    }

    codes = list(positive)
    strength = np.full((n, len(codes)), -np.inf)
    for column, code in enumerate(codes):
        fires, gain, _ = positive[code]
        strength[:, column] = np.where(fires & (gain > 1e-9), gain, -np.inf)
    keep = min(max_positive, len(codes))
    best = np.argsort(-strength, axis=1, kind="stable")[:, :keep]
    best_strength = np.take_along_axis(strength, best, axis=1)

    out: list[list[dict]] = [[] for _ in range(n)]
    for position in range(keep):
        chosen = np.where(best_strength[:, position] > -np.inf, best[:, position], -1)
        for column, code in enumerate(codes):
            build = positive[code][2]
            for i in np.flatnonzero(chosen == column).tolist():
                out[i].append(build(i))
    for i in np.flatnonzero(listed_missing != 0).tolist():
        for cert in _bits(int(listed_missing[i]), taxonomy.certificates):
            out[i].append({"code": "missing_certificate", "certificate": cert, "caveat": True})
    for fires, build in caveat.values():
        for i in np.flatnonzero(fires).tolist():
            out[i].append(build(i))
    return out
