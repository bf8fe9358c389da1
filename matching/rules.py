"""The matching rules, each written once: per-pair facts as array operations.

Every rule that decides whether an opening suits a seeker — the pay floor, the hoped-for
pay, the place (home district, distance, chosen districts, housing), the shift, the
certificates and licences, the avoid-list and education — is a function here that takes
broadcastable arrays and returns the facts of each pair. The features
(:mod:`matching.features`), the fair plan (:mod:`matching.plan`) and the reasons
(:mod:`matching.reasons`) read these facts, and the web layer and the API call
:func:`pay_at_least` for their pay filters, so a rule means the same everywhere.

Pay is the opening's *base monthly* pay (a bonus month is not spread over the year):
``pay_min``/``pay_max`` in yuan a month, NaN when not stated. A seeker's lowest
acceptable pay is their *floor*; an opening's pay is its *range*; they never share a name.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "FAR_KM",
    "NEAR_KM",
    "PAY_FLOOR_VALUE",
    "PayFloor",
    "PayHope",
    "education_gap",
    "environment_passes",
    "in_chosen_districts",
    "licence_passes",
    "near_home",
    "pay_at_least",
    "pay_bounds",
    "pay_floor",
    "pay_hope",
    "pay_hope_ratio",
    "pay_reaches_floor",
    "shift_listed",
]

#: A job counts as near home when the district centres are at most this far apart (km)
#: (or it is in the home district). Centre to centre: Minhang–Xuhui is 10 km, Pudong–
#: Huangpu 6 km, Minhang–Songjiang 17 km; Qingpu–Jinshan, neighbours on the map, are
#: 50 km apart and no longer count. 18 km is the smallest limit at which `qibu match
#: evaluate` on the demo outcomes did not drop below the old "neighbouring district" rule
#: (10–16 km lost nDCG and MAP with the expert weights).
NEAR_KM = 18.0
#: Farther than this (km) is worth a caveat.
FAR_KM = 25.0


class PayFloor:
    """How an opening's base monthly pay stands against a seeker's floor (int8 codes)."""

    #: The opening states no pay ('面议').
    PAY_UNKNOWN = 0
    #: The seeker gave no floor.
    NO_FLOOR = 1
    #: Even the top of the range is below the floor.
    BELOW = 2
    #: The top reaches the floor, the bottom does not (or is not stated).
    PARTLY = 3
    #: The bottom of the range reaches the floor.
    MEETS = 4


#: The ``pay_floor`` feature of each :class:`PayFloor` code: unknown pay or no floor is
#: neutral (0.5), as is a range that only partly reaches the floor.
PAY_FLOOR_VALUE = np.array([0.5, 0.5, 0.0, 0.5, 1.0])


class PayHope:
    """How an opening's pay stands against the pay a seeker hopes for (int8 codes)."""

    UNKNOWN = 0
    BELOW = 1
    #: The top of the range reaches the hope, the bottom does not.
    CAN_REACH = 2
    #: The bottom of the range reaches the hope.
    REACHES = 3


# int8 scalars, so that the code arrays stay one byte a pair
_I8 = tuple(np.int8(i) for i in range(5))


def pay_bounds(pay_min: np.ndarray, pay_max: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return (bottom, top) of each pay range in base yuan a month.

    The bottom is the stated lowest pay (NaN for '5000以下' or unknown pay). The top is the
    stated highest, or the lowest when no highest is stated ('6000以上' promises 6,000);
    NaN when no pay is stated.
    """
    bottom = np.asarray(pay_min, dtype=float)
    high = np.asarray(pay_max, dtype=float)
    top = np.where(np.isnan(high), bottom, high)
    return bottom, top


def pay_floor(bottom: np.ndarray, top: np.ndarray, floor: np.ndarray) -> np.ndarray:
    """Return the :class:`PayFloor` code of each pair (arrays broadcast)."""
    with np.errstate(invalid="ignore"):
        code = np.where(bottom >= floor, _I8[PayFloor.MEETS],
                        np.where(top >= floor, _I8[PayFloor.PARTLY], _I8[PayFloor.BELOW]))
        code = np.where(np.isnan(floor), _I8[PayFloor.NO_FLOOR], code)
        return np.where(np.isnan(top), _I8[PayFloor.PAY_UNKNOWN], code)


def pay_reaches_floor(top: np.ndarray, floor: np.ndarray) -> np.ndarray:
    """The pay is stated and reaches the floor at least at the top of its range (or there is
    no floor): :func:`pay_floor` is ``NO_FLOOR``, ``PARTLY`` or ``MEETS``. The fair plan's
    "good" options; cheaper than the codes on whole (openings × seekers) blocks."""
    with np.errstate(invalid="ignore"):
        return ~np.isnan(top) & (np.isnan(floor) | (top >= floor))


def pay_at_least(pay_min, pay_max, amount: float) -> np.ndarray:
    """Openings whose pay is at least ``amount`` a month: the bottom of the range reaches it.

    What a pay filter ("薪资不低于 8,000") means: a 5,500–11,000 job does not pass 8,000,
    and neither does one that states no pay or no lowest pay.
    """
    bottom, top = pay_bounds(np.asarray(pay_min, dtype=float), np.asarray(pay_max, dtype=float))
    return pay_floor(bottom, top, np.float64(amount)) == PayFloor.MEETS


def pay_hope(bottom: np.ndarray, top: np.ndarray, hoped: np.ndarray) -> np.ndarray:
    """Return the :class:`PayHope` code of each pair (arrays broadcast)."""
    with np.errstate(invalid="ignore"):
        code = np.where(bottom >= hoped, _I8[PayHope.REACHES],
                        np.where(top >= hoped, _I8[PayHope.CAN_REACH], _I8[PayHope.BELOW]))
        unknown = np.isnan(hoped) | ~(hoped > 0) | np.isnan(top)
    return np.where(unknown, _I8[PayHope.UNKNOWN], code)


def pay_hope_ratio(top: np.ndarray, hoped: np.ndarray) -> np.ndarray:
    """How far the top of the range is above (+) or below (−) the hope, in [−1, 0.5].

    0 when the hope or the pay is unknown.
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        known = ~np.isnan(hoped) & (hoped > 0) & ~np.isnan(top)
        ratio = np.clip((top - hoped) / np.where(known, hoped, 1.0), -1.0, 0.5)
    return np.where(known, ratio, 0.0)


def near_home(km: np.ndarray, home: np.ndarray, district: np.ndarray) -> np.ndarray:
    """In the home district, or at most ``NEAR_KM`` from it (False if home is unknown)."""
    with np.errstate(invalid="ignore"):
        return (home == district) | (km <= NEAR_KM)


def in_chosen_districts(chosen: np.ndarray, district: np.ndarray) -> np.ndarray:
    """The district is one the seeker chose, or they chose none (bit masks of districts)."""
    one = np.uint64(1)
    return (chosen == 0) | (((chosen >> district.astype(np.uint64)) & one) == 1)


def shift_listed(can_work: np.ndarray, shift: np.ndarray) -> np.ndarray:
    """The opening's shift is one the seeker said they can work (bit masks of shifts)."""
    return (can_work & (np.uint64(1) << shift.astype(np.uint64))) != 0


def licence_passes(
    held: np.ndarray, legal: np.ndarray, any_licence: np.ndarray, licence_mask: int
) -> np.ndarray:
    """Every legally required certificate is held, and some driving licence where one is
    required without naming which (bit masks; ``held`` includes what held ones cover)."""
    return ((legal & ~held) == 0) & (~any_licence | ((held & np.uint64(licence_mask)) != 0))


def environment_passes(avoid: np.ndarray, environments: np.ndarray) -> np.ndarray:
    """None of the opening's working environments is on the seeker's avoid-list."""
    return (avoid & environments) == 0


def education_gap(required: np.ndarray, has: np.ndarray) -> np.ndarray:
    """Levels of education the seeker lacks for the opening (≤ 0: they meet it)."""
    return required - has
