"""Reasons and caveats for recommended pairs, as structured codes with parameters.

A reason is a dict such as ``{"code": "first_choice", "category": "logistics"}``; a caveat
carries ``"caveat": True`` as well, e.g. ``{"code": "missing_certificate", "certificate":
"forklift", "caveat": True}``. The app words them in Chinese or English; the codes and
their parameters are listed in matching/README.md. Each result gets its (at most three)
strongest positive reasons, strongest first, then every caveat.
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

__all__ = ["MAX_POSITIVE_REASONS", "REASON_CODES", "explain"]

MAX_POSITIVE_REASONS = 3

#: Distances (km) that make "near home" and "far" worth saying.
NEAR_KM = 10.0
FAR_KM = 25.0
#: Skills-text similarity and RIASEC correlation worth mentioning.
SKILLS_REASON_MIN = 0.2
RIASEC_REASON_MIN = 0.5
RELATED_REASON_MIN = 1 / 3 - 1e-9

#: Every code with its parameters (caveats marked); the README explains each.
REASON_CODES: dict[str, tuple[str, ...]] = {
    "first_choice": ("category",),
    "chosen_category": ("category", "choice"),
    "related_category": ("category", "chosen"),
    "pay_meets_floor": ("min", "max", "floor"),
    "pay_meets_hope": ("min", "max", "hoped"),
    "same_district": ("district",),
    "near_home": ("district", "km"),
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
    "pay_partly_below_floor": ("min", "max", "floor"),
    "pay_below_floor": ("min", "max", "floor"),
    "no_housing": (),
    "far": ("district", "km"),
    "outside_chosen_districts": ("district",),
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
    """
    si = np.asarray(si, dtype=np.int64)
    oj = np.asarray(oj, dtype=np.int64)
    if len(si) == 0:
        return []
    arrays = _pairs_arrays(seekers, prepared, si, oj)
    values = {k: np.asarray(v, dtype=float).reshape(-1) for k, v in arrays["values"].items()}
    km = np.asarray(arrays["km"], dtype=float).reshape(-1)

    lift = {}
    for name in FEATURES:
        w = float(weights[FEATURE_INDEX[name]])
        lo, hi = _RANGE[name]
        lift[name] = w * values[name] - min(w * lo, w * hi)

    taxonomy, geography = prepared.taxonomy, prepared.geography
    frame = seekers.frame
    chosen_lists = frame["categories"].tolist()
    opening_category = prepared.category[oj]
    district = prepared.district[oj]
    accommodation = prepared.accommodation[oj]
    home = seekers.home[si]
    needs = seekers.needs_accommodation[si]
    chosen_districts = seekers.districts[si]
    floor, hoped = seekers.floor[si], seekers.hoped[si]
    bottom, top = prepared.pay_bottom[oj], prepared.pay_top[oj]
    edu, edu_min = seekers.education[si], prepared.education_min[oj]
    exp, exp_min = seekers.experience[si], prepared.experience_min[oj]
    required = prepared.required[oj]
    held = seekers.held[si]
    legal = prepared.legal[oj]
    can_work = seekers.shifts[si]
    shift = prepared.shift[oj]

    out: list[list[dict]] = []
    for i in range(len(si)):
        positive: list[tuple[float, dict]] = []
        caveats: list[dict] = []
        category = taxonomy.categories[opening_category[i]]

        pref = values["category_preference"][i]
        if pref >= 1.0:
            positive.append((lift["category_preference"][i],
                             {"code": "first_choice", "category": category}))
        elif pref > 0:
            positive.append((lift["category_preference"][i],
                             {"code": "chosen_category", "category": category,
                              "choice": round(1.0 / pref)}))
        elif values["category_related"][i] >= RELATED_REASON_MIN:
            closeness = taxonomy.closeness[opening_category[i]]
            nearest = max(chosen_lists[si[i]], key=lambda c: closeness[taxonomy.category_index[c]])
            positive.append((lift["category_related"][i],
                             {"code": "related_category", "category": category,
                              "chosen": nearest}))

        b, t, f, h = bottom[i], top[i], floor[i], hoped[i]
        pay = {"min": _money(b), "max": _money(t)}
        if math.isnan(t):
            caveats.append({"code": "pay_unknown", "caveat": True})
        elif not math.isnan(f):
            if b >= f:
                positive.append((lift["pay_floor"][i],
                                 {"code": "pay_meets_floor", **pay, "floor": _money(f)}))
            elif t >= f:
                caveats.append({"code": "pay_partly_below_floor", **pay, "floor": _money(f),
                                "caveat": True})
            else:
                caveats.append({"code": "pay_below_floor", **pay, "floor": _money(f),
                                "caveat": True})
        if not math.isnan(t) and not math.isnan(h) and h > 0 and t >= h:
            positive.append((lift["pay_hoped"][i],
                             {"code": "pay_meets_hope", **pay, "hoped": _money(h)}))

        adcode = geography.adcodes[district[i]]
        place_lift = lift["commute"][i] + lift["nearby"][i]
        distance = None if math.isnan(km[i]) else round(float(km[i]))
        if needs[i] and accommodation[i]:
            if distance is not None and km[i] > NEAR_KM:
                positive.append((place_lift, {"code": "far_with_housing", "km": distance}))
            else:
                positive.append((place_lift, {"code": "housing_provided"}))
        elif home[i] == district[i]:
            positive.append((place_lift, {"code": "same_district", "district": adcode}))
        elif distance is not None and (geography.neighbours[home[i], district[i]]
                                       or km[i] <= NEAR_KM):
            positive.append((place_lift, {"code": "near_home", "district": adcode,
                                          "km": distance}))
        elif distance is not None and km[i] > FAR_KM:
            caveats.append({"code": "far", "district": adcode, "km": distance, "caveat": True})
        if needs[i] and not accommodation[i]:
            caveats.append({"code": "no_housing", "caveat": True})
        if chosen_districts[i]:
            if values["in_chosen_districts"][i] == 1.0:
                positive.append((lift["in_chosen_districts"][i],
                                 {"code": "in_chosen_districts", "district": adcode}))
            else:
                caveats.append({"code": "outside_chosen_districts", "district": adcode,
                                "caveat": True})

        if edu_min[i] > edu[i]:
            caveats.append({"code": "education_below", "required": int(edu_min[i]),
                            "has": int(edu[i]), "caveat": True})
        elif edu_min[i] > 0:
            positive.append((lift["education"][i],
                             {"code": "meets_education", "required": int(edu_min[i])}))
        if exp_min[i] > 0:
            if exp[i] >= exp_min[i]:
                positive.append((lift["experience"][i],
                                 {"code": "has_experience", "years": _years(exp[i]),
                                  "required": _years(exp_min[i])}))
            else:
                caveats.append({"code": "experience_below", "required": _years(exp_min[i]),
                                "has": _years(exp[i]), "caveat": True})

        listed = int(required[i])
        if listed:
            have = int(held[i])
            present = _bits(listed & have, taxonomy.certificates)
            if present:
                positive.append((lift["certificates"][i],
                                 {"code": "has_certificates", "certificates": present}))
            # A legally required certificate cannot be missing here: the filter removed
            # such pairs; what is left is the employer's wish, a caveat.
            for code in _bits(listed & ~have & ~int(legal[i]), taxonomy.certificates):
                caveats.append({"code": "missing_certificate", "certificate": code,
                                "caveat": True})

        if values["skills"][i] >= SKILLS_REASON_MIN:
            similarity = round(float(values["skills"][i]), 2)
            positive.append((lift["skills"][i],
                             {"code": "skills_match", "similarity": similarity}))
        if values["riasec"][i] >= RIASEC_REASON_MIN:
            positive.append((lift["riasec"][i],
                             {"code": "interest_fit", "holland": taxonomy.holland[category],
                              "r": round(float(values["riasec"][i]), 2)}))
        if can_work[i] and (int(can_work[i]) >> int(shift[i])) & 1:
            positive.append((lift["shift"][i], {"code": "shift_ok", "shift": SHIFTS[shift[i]]}))

        positive = [p for p in positive if p[0] > 1e-9]
        positive.sort(key=lambda p: -p[0])  # stable: ties keep the order above
        out.append([p[1] for p in positive[:max_positive]] + caveats)
    return out
