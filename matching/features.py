"""Pairwise features and hard filters, computed as array operations over seekers × openings.

Every feature is a function of a few seeker attributes and a few opening attributes. The
opening side is grouped into *facets* whose attributes the features read together:

* category: category preference, taxonomy closeness and RIASEC congruence;
* requirements (shift, education and experience required, certificates, environments):
  education, experience, certificate and shift features and all three hard filters;
* place (district, accommodation): commute, nearby, chosen district and housing gap;
* pay (base monthly pay range): pay against floor and hope.

The rules themselves (what meets a floor, what is near home, which shift a seeker can
work, …) are written once in :mod:`matching.rules`; the formulas here turn the facts they
return into feature values, and the reasons read the same facts.

Openings that share a facet value share its feature values, so a block of seekers is
scored by computing each facet's small (distinct values × seekers) table once, adding the
tables of category and requirements (the *job*) and of place and pay (the *spot*) for the
combinations that occur, and gathering those two tables for every opening; the
skills-text similarity is one sparse product per block. The same formulas evaluate single
pairs (:func:`pair_features`), which training and the reasons use, so a pair scores the
same whichever way it is computed.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

from . import rules
from .contract import validate_openings, validate_seekers
from .reference import (
    NIGHT_SHIFT_ENVIRONMENT,
    SHIFTS,
    Geography,
    Taxonomy,
    load_geography,
    load_taxonomy,
)

__all__ = [
    "FEATURES",
    "PreparedOpenings",
    "SeekerArrays",
    "encode_seekers",
    "pair_features",
    "prepare_openings",
]

#: The pairwise features, in the column order of a feature matrix.
FEATURES: tuple[str, ...] = (
    "category_preference",
    "category_related",
    "pay_floor",
    "pay_hoped",
    "commute",
    "nearby",
    "in_chosen_districts",
    "housing_gap",
    "education",
    "experience",
    "certificates",
    "skills",
    "riasec",
    "shift",
)
FEATURE_INDEX = {name: i for i, name in enumerate(FEATURES)}

#: Commute decays as exp(-km / COMMUTE_SCALE_KM): 0.51 at 10 km, 0.26 at 20 km.
COMMUTE_SCALE_KM = 15.0
#: Commute value for a seeker whose home district is unknown (about a 10 km trip).
COMMUTE_UNKNOWN = 0.5

#: The text vectorizer: character n-grams work for Chinese without word segmentation.
#: Unigrams are left out: single characters (工, 作, 员) are shared by nearly every
#: posting, add little evidence and make every seeker × opening product dense.
TEXT_NGRAMS = (2, 3)
#: Boilerplate n-grams (五险一金, 包吃包住) found in more than this share of the postings
#: are dropped, once there are enough postings for shares to mean something.
TEXT_MAX_SHARE = 0.25
TEXT_MIN_POSTINGS_FOR_MAX_SHARE = 200

_ONE = np.uint64(1)


def normalize_text(text: str) -> str:
    """Fold full-width forms and case so '３Ｄ打印' and '3d打印' share n-grams."""
    return unicodedata.normalize("NFKC", text).lower()


def _bit_masks(
    lists: pd.Series, index: dict[str, int], frame_name: str, column: str
) -> np.ndarray:
    masks = np.zeros(len(lists), dtype=np.uint64)
    for row, codes in enumerate(lists):
        mask = 0
        for code in codes:
            try:
                mask |= 1 << index[code]
            except KeyError:
                raise ValueError(
                    f"{frame_name}: column {column!r} holds unknown code {code!r}"
                ) from None
        masks[row] = mask
    return masks


def _codes(values: pd.Series, index: dict[str, int], frame_name: str, column: str) -> np.ndarray:
    out = np.empty(len(values), dtype=np.int64)
    for row, code in enumerate(values):
        if code is None:
            out[row] = -1
            continue
        try:
            out[row] = index[code]
        except KeyError:
            raise ValueError(
                f"{frame_name}: column {column!r} holds unknown code {code!r}"
            ) from None
    return out


def _covered(held: np.ndarray, taxonomy: Taxonomy) -> np.ndarray:
    """Add to each mask the certificates its certificates also satisfy (B2 ⇒ C1)."""
    out = held.copy()
    for bit, covers in enumerate(taxonomy.covers):
        has = (held >> np.uint64(bit)) & _ONE
        out |= np.where(has == 1, covers, np.uint64(0))
    return out


def _unique_rows(columns: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Return (first row of each distinct key, key index of every row)."""
    if len(columns[0]) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    keys = np.column_stack([np.asarray(c).astype(np.int64, copy=False) for c in columns])
    _, first, inverse = np.unique(keys, axis=0, return_index=True, return_inverse=True)
    return first, inverse.reshape(-1)


def _money_key(values: np.ndarray) -> np.ndarray:
    return np.where(np.isnan(values), -1, np.round(values * 100)).astype(np.int64)


@dataclass(eq=False)
class PreparedOpenings:
    """Openings encoded once for scoring: facet tables and the fitted text vectorizer.

    Build it with :func:`prepare_openings` when the openings change (a fair is set up, a
    posting is imported) and pass it to every ranking call instead of the frame; nothing
    in it is refitted per call.

    Attributes
    ----------
    frame : DataFrame
        The validated contract columns of the openings.
    ids : ndarray of str
        ``opening_id`` per row.
    taxonomy, geography : Taxonomy, Geography
        The reference data the codes were checked against.
    vectorizer : TfidfVectorizer or None
        Fitted on the openings' title and description; None if they have no text.
    text : csr_matrix of shape (n_openings, n_terms) or None
        L2-normalized TF-IDF rows of the openings.
    category, requirement_idx, place_idx, pay_idx : ndarray of int
        Facet value of each opening; ``requirement``, ``place`` and ``pay`` hold the
        attributes of each distinct facet value.
    job_idx, spot_idx : ndarray of int
        Index of each opening's (category, requirement) and (place, pay) combination;
        ``job`` and ``spot`` hold the facet values of each combination.
    """

    frame: pd.DataFrame
    ids: np.ndarray
    taxonomy: Taxonomy
    geography: Geography
    vectorizer: TfidfVectorizer | None
    text: sp.csr_matrix | None
    text_t: sp.csr_matrix | None
    category: np.ndarray
    district: np.ndarray
    accommodation: np.ndarray
    shift: np.ndarray
    education_min: np.ndarray
    experience_min: np.ndarray
    required: np.ndarray
    legal: np.ndarray
    any_licence: np.ndarray
    environments: np.ndarray
    pay_bottom: np.ndarray
    pay_top: np.ndarray
    pay_months: np.ndarray
    pay_period: np.ndarray
    headcount: np.ndarray
    requirement_idx: np.ndarray
    requirement: dict[str, np.ndarray]
    place_idx: np.ndarray
    place: dict[str, np.ndarray]
    pay_idx: np.ndarray
    pay: dict[str, np.ndarray]
    job_idx: np.ndarray
    job: dict[str, np.ndarray]
    spot_idx: np.ndarray
    spot: dict[str, np.ndarray]

    def __len__(self) -> int:
        return len(self.ids)


def prepare_openings(
    openings: pd.DataFrame | PreparedOpenings,
    taxonomy: Taxonomy | None = None,
    geography: Geography | None = None,
    text: bool = True,
) -> PreparedOpenings:
    """Validate and encode openings once, fitting the skills-text vectorizer on them.

    Parameters
    ----------
    openings : DataFrame or PreparedOpenings
        Openings with the contract columns (see ``OPENING_COLUMNS``). A
        ``PreparedOpenings`` is returned unchanged.
    taxonomy : Taxonomy, optional
        Defaults to :func:`~matching.reference.load_taxonomy` on ``seed_data/``.
    geography : Geography, optional
        Defaults to :func:`~matching.reference.load_geography` on ``seed_data/``.
    text : bool, default=True
        Fit the skills-text vectorizer; without it ``vectorizer`` and ``text`` are None
        and the ``skills`` feature is 0 (for questions about requirements alone).

    Returns
    -------
    PreparedOpenings

    Raises
    ------
    ValueError
        If a contract column is missing, has the wrong type, or holds a code that is not
        in the taxonomy or the geography.
    """
    if isinstance(openings, PreparedOpenings):
        return openings
    taxonomy = taxonomy if taxonomy is not None else load_taxonomy()
    geography = geography if geography is not None else load_geography()
    frame = validate_openings(openings)
    name = "openings"

    category = _codes(frame["category"], taxonomy.category_index, name, "category")
    district = _codes(frame["district"], geography.index, name, "district")
    shift = np.array([SHIFTS.index(s) for s in frame["shift"]], dtype=np.int64)
    accommodation = frame["accommodation"].to_numpy(dtype=bool)
    education_min = frame["education_min"].to_numpy(dtype=np.int64)
    experience_min = frame["experience_min"].to_numpy(dtype=float)
    required = _bit_masks(
        frame["certificates_required"], taxonomy.certificate_index, name, "certificates_required"
    )
    environments = _bit_masks(
        frame["environments"], taxonomy.environment_index, name, "environments"
    )
    if NIGHT_SHIFT_ENVIRONMENT in taxonomy.environment_index:
        night_bit = _ONE << np.uint64(taxonomy.environment_index[NIGHT_SHIFT_ENVIRONMENT])
        environments = np.where(shift == SHIFTS.index("night"), environments | night_bit,
                                environments)
    licence_mask = np.uint64(taxonomy.licence_mask)
    licence_category = taxonomy.licence_categories[category] if len(category) else np.zeros(
        0, dtype=bool
    )
    listed_licences = required & licence_mask
    legal = taxonomy.legal_masks[category] if len(category) else np.zeros(0, dtype=np.uint64)
    legal = legal | np.where(licence_category, listed_licences, np.uint64(0))
    any_licence = licence_category & (listed_licences == 0)

    pay_bottom, pay_top = rules.pay_bounds(frame["pay_min"].to_numpy(dtype=float),
                                           frame["pay_max"].to_numpy(dtype=float))

    requirement_first, requirement_idx = _unique_rows([
        shift, education_min, _money_key(experience_min), required.view(np.int64),
        legal.view(np.int64), any_licence, environments.view(np.int64),
    ])
    place_first, place_idx = _unique_rows([district, accommodation])
    pay_first, pay_idx = _unique_rows([_money_key(pay_bottom), _money_key(pay_top)])
    job_first, job_idx = _unique_rows([category, requirement_idx])
    spot_first, spot_idx = _unique_rows([place_idx, pay_idx])

    vectorizer, text_matrix = None, None
    if text:
        texts = [normalize_text(f"{t} {d}")
                 for t, d in zip(frame["title"], frame["description"], strict=True)]
        vectorizer, text_matrix = _fit_text(texts)
    return PreparedOpenings(
        frame=frame,
        ids=frame["opening_id"].to_numpy(dtype=object),
        taxonomy=taxonomy,
        geography=geography,
        vectorizer=vectorizer,
        text=text_matrix,
        text_t=text_matrix.T.tocsr() if text_matrix is not None else None,
        category=category,
        district=district,
        accommodation=accommodation,
        shift=shift,
        education_min=education_min,
        experience_min=experience_min,
        required=required,
        legal=legal,
        any_licence=any_licence,
        environments=environments,
        pay_bottom=pay_bottom,
        pay_top=pay_top,
        pay_months=frame["pay_months"].to_numpy(dtype=np.int64),
        pay_period=frame["pay_period"].to_numpy(dtype=object),
        headcount=frame["headcount"].to_numpy(dtype=np.int64),
        requirement_idx=requirement_idx,
        requirement={
            "shift": shift[requirement_first],
            "education_min": education_min[requirement_first],
            "experience_min": experience_min[requirement_first],
            "required": required[requirement_first],
            "legal": legal[requirement_first],
            "any_licence": any_licence[requirement_first],
            "environments": environments[requirement_first],
        },
        place_idx=place_idx,
        place={"district": district[place_first], "accommodation": accommodation[place_first]},
        pay_idx=pay_idx,
        pay={"bottom": pay_bottom[pay_first], "top": pay_top[pay_first]},
        job_idx=job_idx,
        job={"category": category[job_first], "requirement": requirement_idx[job_first]},
        spot_idx=spot_idx,
        spot={"place": place_idx[spot_first], "pay": pay_idx[spot_first]},
    )


def _fit_text(texts: list[str]) -> tuple[TfidfVectorizer | None, sp.csr_matrix | None]:
    max_df: float | int = 1.0
    if len(texts) >= TEXT_MIN_POSTINGS_FOR_MAX_SHARE:
        max_df = int(TEXT_MAX_SHARE * len(texts))
    vectorizer = TfidfVectorizer(
        analyzer="char_wb",
        ngram_range=TEXT_NGRAMS,
        lowercase=False,
        sublinear_tf=True,
        max_df=max_df,
        dtype=np.float32,
    )
    if not any(len(t.strip()) >= TEXT_NGRAMS[0] for t in texts):
        return None, None
    matrix = vectorizer.fit_transform(texts).tocsr()
    return vectorizer, matrix


@dataclass(eq=False)
class SeekerArrays:
    """Seekers encoded for scoring against one :class:`PreparedOpenings`.

    ``preference``, ``related`` and ``riasec`` are (n_seekers, n_categories) tables of
    the category features; the rest are one value or bit mask per seeker.
    """

    frame: pd.DataFrame
    ids: np.ndarray
    preference: np.ndarray
    related: np.ndarray
    riasec: np.ndarray
    home: np.ndarray
    districts: np.ndarray
    needs_accommodation: np.ndarray
    shifts: np.ndarray
    education: np.ndarray
    experience: np.ndarray
    held: np.ndarray
    avoid: np.ndarray
    floor: np.ndarray
    hoped: np.ndarray
    text: sp.csr_matrix | None

    def __len__(self) -> int:
        return len(self.ids)


def encode_seekers(
    seekers: pd.DataFrame | SeekerArrays, prepared: PreparedOpenings
) -> SeekerArrays:
    """Validate and encode seekers against prepared openings (their taxonomy and text).

    Parameters
    ----------
    seekers : DataFrame or SeekerArrays
        Seekers with the contract columns (see ``SEEKER_COLUMNS``); a ``SeekerArrays``
        is returned unchanged.
    prepared : PreparedOpenings
        Supplies the taxonomy, the geography and the fitted text vectorizer.

    Returns
    -------
    SeekerArrays

    Raises
    ------
    ValueError
        If a contract column is missing, has the wrong type or holds an unknown code.
    """
    if isinstance(seekers, SeekerArrays):
        return seekers
    taxonomy, geography = prepared.taxonomy, prepared.geography
    frame = validate_seekers(seekers)
    name = "seekers"
    n, n_cat = len(frame), len(taxonomy.categories)

    preference = np.zeros((n, n_cat), dtype=np.float32)
    related = np.zeros((n, n_cat), dtype=np.float32)
    closeness = taxonomy.closeness.astype(np.float32)
    for row, codes in enumerate(frame["categories"]):
        for rank, code in enumerate(codes):
            try:
                column = taxonomy.category_index[code]
            except KeyError:
                raise ValueError(
                    f"{name}: column 'categories' holds unknown code {code!r}"
                ) from None
            if preference[row, column] == 0:
                preference[row, column] = 1.0 / (rank + 1)
            np.maximum(related[row], closeness[column], out=related[row])

    riasec = np.zeros((n, n_cat), dtype=np.float32)
    profiles = [(row, p) for row, p in enumerate(frame["riasec"]) if p is not None]
    if profiles and n_cat:
        rows = np.array([r for r, _ in profiles])
        x = np.array([p for _, p in profiles], dtype=float)
        x = x - x.mean(axis=1, keepdims=True)
        x_norm = np.linalg.norm(x, axis=1, keepdims=True)
        y = taxonomy.riasec - taxonomy.riasec.mean(axis=1, keepdims=True)
        y_norm = np.linalg.norm(y, axis=1, keepdims=True)
        x = np.divide(x, x_norm, out=np.zeros_like(x), where=x_norm > 0)
        y = np.divide(y, y_norm, out=np.zeros_like(y), where=y_norm > 0)
        riasec[rows] = np.clip(x @ y.T, -1.0, 1.0)

    held = _covered(
        _bit_masks(frame["certificates"], taxonomy.certificate_index, name, "certificates"),
        taxonomy,
    )
    shift_index = {s: i for i, s in enumerate(SHIFTS)}
    text = None
    if prepared.vectorizer is not None and n == 0:
        text = sp.csr_matrix((0, len(prepared.vectorizer.vocabulary_)), dtype=np.float32)
    elif prepared.vectorizer is not None:
        text = prepared.vectorizer.transform(
            [normalize_text(t) for t in frame["skills_text"]]
        ).tocsr()
    return SeekerArrays(
        frame=frame,
        ids=frame["seeker_id"].to_numpy(dtype=object),
        preference=preference,
        related=related,
        riasec=riasec,
        home=_codes(frame["home_district"], geography.index, name, "home_district"),
        districts=_bit_masks(frame["districts"], geography.index, name, "districts"),
        needs_accommodation=frame["needs_accommodation"].to_numpy(dtype=bool),
        shifts=_bit_masks(frame["shifts"], shift_index, name, "shifts"),
        education=frame["education"].to_numpy(dtype=np.int64),
        experience=frame["experience_years"].to_numpy(dtype=float),
        held=held,
        avoid=_bit_masks(frame["avoid"], taxonomy.environment_index, name, "avoid"),
        floor=frame["salary_min"].to_numpy(dtype=float),
        hoped=frame["salary_hoped"].to_numpy(dtype=float),
        text=text,
    )


# ---------------------------------------------------------------- the feature formulas
# Each takes seeker indices ``s`` and facet indices ``j`` that broadcast against each
# other: (n,) and (n,) for pairs, or (1, B) and (U, 1) for a facet table.


def category_values(
    seekers: SeekerArrays, s: np.ndarray, category: np.ndarray
) -> dict[str, np.ndarray]:
    """Evaluate category preference, taxonomy closeness and RIASEC congruence."""
    return {
        "category_preference": seekers.preference[s, category],
        "category_related": seekers.related[s, category],
        "riasec": seekers.riasec[s, category],
    }


def requirement_values(
    seekers: SeekerArrays, s: np.ndarray, prepared: PreparedOpenings, r: np.ndarray
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Evaluate the requirement features and the three hard filters.

    Returns
    -------
    features : dict of str to ndarray
        ``education``, ``experience``, ``certificates``, ``shift``.
    passes : dict of str to ndarray of bool
        ``environment`` (no avoided environment), ``certificate`` (every legally
        required certificate held), ``shift`` (a shift the seeker can work).
    """
    req = prepared.requirement
    values: dict[str, np.ndarray] = {}
    gap = rules.education_gap(req["education_min"][r], seekers.education[s])
    values["education"] = np.where(gap <= 0, 1.0, np.maximum(0.0, 1.0 - 0.5 * gap))
    needed = req["experience_min"][r]
    safe = np.where(needed > 0, needed, 1.0)
    values["experience"] = np.where(
        needed > 0, np.minimum(1.0, seekers.experience[s] / safe), 1.0
    )
    values["certificates"], certificate_passes = certificate_values(seekers.held[s], prepared, r)
    can_work = seekers.shifts[s]
    listed = rules.shift_listed(can_work, req["shift"][r])
    values["shift"] = np.where(can_work == 0, 0.5, np.where(listed, 1.0, 0.0))

    passes = {
        "environment": rules.environment_passes(seekers.avoid[s], req["environments"][r]),
        "certificate": certificate_passes,
        "shift": (can_work == 0) | listed,
    }
    return values, passes


def certificate_values(
    held: np.ndarray, prepared: PreparedOpenings, r: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Evaluate the ``certificates`` feature and the certificate filter.

    Parameters
    ----------
    held : ndarray of uint64
        Certificates held (bit masks, with what each also covers), broadcast against `r`.
    r : ndarray of int
        Requirement facet index of each opening.

    Returns
    -------
    share : ndarray
        Share of the opening's listed certificates held (1 when none is listed).
    passes : ndarray of bool
        Every legally required certificate held (for drivers, the listed licence).
    """
    req = prepared.requirement
    required = req["required"][r]
    n_required = np.bitwise_count(required).astype(np.float32)
    n_held = np.bitwise_count(required & held).astype(np.float32)
    share = np.where(n_required > 0, n_held / np.maximum(n_required, 1.0), 1.0)
    passes = rules.licence_passes(held, req["legal"][r], req["any_licence"][r],
                                  prepared.taxonomy.licence_mask)
    return share, passes


def place_values(
    seekers: SeekerArrays, s: np.ndarray, prepared: PreparedOpenings, p: np.ndarray
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Evaluate commute, nearby, chosen-district and housing-gap features.

    ``nearby`` is 1 when housing is provided to a seeker who needs it or the job is near
    home (:func:`matching.rules.near_home`: the home district, or district centres at
    most ``rules.NEAR_KM`` apart).

    Returns
    -------
    features : dict of str to ndarray
    km : ndarray
        Centroid distance in km (NaN if the home district is unknown).
    """
    geography = prepared.geography
    district = prepared.place["district"][p]
    provided = prepared.place["accommodation"][p]
    home = seekers.home[s]
    needs = seekers.needs_accommodation[s]
    km = geography.km[home, district]
    housed = needs & provided
    decay = np.exp(-np.nan_to_num(km, nan=0.0) / COMMUTE_SCALE_KM)
    commute = np.where(housed, 1.0, np.where(np.isnan(km), COMMUTE_UNKNOWN, decay))
    in_chosen = rules.in_chosen_districts(seekers.districts[s], district)
    values = {
        "commute": commute,
        "nearby": (housed | rules.near_home(km, home, district)).astype(np.float32),
        "in_chosen_districts": in_chosen.astype(np.float32),
        "housing_gap": (needs & ~provided).astype(np.float32),
    }
    return values, km


def pay_values(
    seekers: SeekerArrays, s: np.ndarray, prepared: PreparedOpenings, q: np.ndarray
) -> dict[str, np.ndarray]:
    """Evaluate base monthly pay against the seeker's floor and hoped-for pay.

    ``pay_floor`` is ``rules.PAY_FLOOR_VALUE`` of the :func:`matching.rules.pay_floor`
    code; ``pay_hoped`` is :func:`matching.rules.pay_hope_ratio`.
    """
    top = prepared.pay["top"][q]
    floor = rules.pay_floor(prepared.pay["bottom"][q], top, seekers.floor[s])
    return {"pay_floor": rules.PAY_FLOOR_VALUE[floor],
            "pay_hoped": rules.pay_hope_ratio(top, seekers.hoped[s])}


def skills_values(
    seekers: SeekerArrays, si: np.ndarray, prepared: PreparedOpenings, oj: np.ndarray
) -> np.ndarray:
    """Cosine similarity of the seeker's skills text and the opening's title+description."""
    if seekers.text is None or prepared.text is None or len(si) == 0:
        return np.zeros(len(si), dtype=np.float32)
    product = seekers.text[si].multiply(prepared.text[oj])
    return np.asarray(product.sum(axis=1), dtype=np.float32).reshape(-1)


def pair_facts(
    seekers: SeekerArrays, prepared: PreparedOpenings, si: np.ndarray, oj: np.ndarray,
    km: np.ndarray,
) -> dict[str, np.ndarray]:
    """The rules' facts of index pairs (:mod:`matching.rules`), which the reasons word.

    Returns
    -------
    dict of str to ndarray
        ``pay_floor`` and ``pay_hope`` (``rules.PayFloor``/``rules.PayHope`` codes),
        ``same_district``, ``near_home``, ``housed`` (housing provided to a seeker who
        needs it), ``in_chosen_districts``, ``shift_listed`` and ``education_gap``.
    """
    bottom, top = prepared.pay_bottom[oj], prepared.pay_top[oj]
    home, district = seekers.home[si], prepared.district[oj]
    return {
        "pay_floor": rules.pay_floor(bottom, top, seekers.floor[si]),
        "pay_hope": rules.pay_hope(bottom, top, seekers.hoped[si]),
        "same_district": home == district,
        "near_home": rules.near_home(km, home, district),
        "housed": seekers.needs_accommodation[si] & prepared.accommodation[oj],
        "in_chosen_districts": rules.in_chosen_districts(seekers.districts[si], district),
        "shift_listed": rules.shift_listed(seekers.shifts[si], prepared.shift[oj]),
        "education_gap": rules.education_gap(prepared.education_min[oj],
                                             seekers.education[si]),
    }


def _pairs_arrays(
    seekers: SeekerArrays, prepared: PreparedOpenings, si: np.ndarray, oj: np.ndarray,
    facts: bool = False,
) -> dict[str, Any]:
    category = category_values(seekers, si, prepared.category[oj])
    requirement, passes = requirement_values(seekers, si, prepared, prepared.requirement_idx[oj])
    place, km = place_values(seekers, si, prepared, prepared.place_idx[oj])
    pay = pay_values(seekers, si, prepared, prepared.pay_idx[oj])
    values = {**category, **requirement, **place, **pay,
              "skills": skills_values(seekers, si, prepared, oj)}
    out = {"values": values, "passes": passes, "km": km}
    if facts:
        out["facts"] = pair_facts(seekers, prepared, si, oj, km)
    return out


def feature_matrix(
    seekers: SeekerArrays, prepared: PreparedOpenings, si: np.ndarray, oj: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (features in ``FEATURES`` order, feasible mask, km) for index pairs."""
    arrays = _pairs_arrays(seekers, prepared, si, oj)
    values = arrays["values"]
    X = np.column_stack([np.asarray(values[f], dtype=float).reshape(-1) for f in FEATURES]) if len(
        si
    ) else np.zeros((0, len(FEATURES)))
    passes = arrays["passes"]
    feasible = passes["environment"] & passes["certificate"] & passes["shift"]
    return X, np.asarray(feasible, dtype=bool).reshape(-1), np.asarray(arrays["km"])


def pair_features(
    seekers: pd.DataFrame | SeekerArrays,
    openings: pd.DataFrame | PreparedOpenings,
    pairs: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Compute the pairwise features and filter results for given seeker–opening pairs.

    Parameters
    ----------
    seekers : DataFrame or SeekerArrays
        Seekers with the contract columns.
    openings : DataFrame or PreparedOpenings
        Openings with the contract columns, or prepared openings.
    pairs : DataFrame, optional
        Columns ``seeker_id`` and ``opening_id``; every combination if omitted.

    Returns
    -------
    DataFrame
        ``seeker_id``, ``opening_id``, one column per name in ``FEATURES``, ``feasible``
        and, for infeasible pairs, ``filtered_by``: ``"environment"``,
        ``"certificate"`` or ``"shift"`` (the first filter that failed), else None.
    """
    prepared = prepare_openings(openings)
    encoded = encode_seekers(seekers, prepared)
    si, oj = _pair_indices(encoded, prepared, pairs)
    arrays = _pairs_arrays(encoded, prepared, si, oj)
    out = pd.DataFrame({"seeker_id": encoded.ids[si], "opening_id": prepared.ids[oj]})
    for name in FEATURES:
        out[name] = np.asarray(arrays["values"][name], dtype=float).reshape(-1)
    passes = arrays["passes"]
    filtered_by = np.full(len(si), None, dtype=object)
    for name in ("shift", "certificate", "environment"):
        filtered_by[~np.asarray(passes[name], dtype=bool)] = name
    out["feasible"] = pd.isna(filtered_by)
    out["filtered_by"] = pd.Series(filtered_by, dtype=object, index=out.index)
    return out


def _pair_indices(
    seekers: SeekerArrays, prepared: PreparedOpenings, pairs: pd.DataFrame | None
) -> tuple[np.ndarray, np.ndarray]:
    if pairs is None:
        si, oj = np.meshgrid(np.arange(len(seekers)), np.arange(len(prepared)), indexing="ij")
        return si.reshape(-1), oj.reshape(-1)
    for column in ("seeker_id", "opening_id"):
        if column not in pairs.columns:
            raise ValueError(f"pairs: missing column {column!r}")
    seeker_pos = pd.Index(seekers.ids).get_indexer(pairs["seeker_id"].astype(object))
    opening_pos = pd.Index(prepared.ids).get_indexer(pairs["opening_id"].astype(object))
    if (seeker_pos < 0).any():
        unknown = pairs["seeker_id"].to_numpy()[seeker_pos < 0][0]
        raise ValueError(f"pairs: column 'seeker_id' holds unknown id {unknown!r}")
    if (opening_pos < 0).any():
        unknown = pairs["opening_id"].to_numpy()[opening_pos < 0][0]
        raise ValueError(f"pairs: column 'opening_id' holds unknown id {unknown!r}")
    return seeker_pos.astype(np.int64), opening_pos.astype(np.int64)


# ------------------------------------------------------------------- block scoring


def _weighted_table(
    values: dict[str, np.ndarray], w: dict[str, float], shape: tuple[int, int], start: float
) -> np.ndarray:
    table = np.full(shape, start, dtype=np.float32)
    for name, value in values.items():
        if w[name]:
            table += np.float32(w[name]) * value
    return table


def score_block(
    seekers: SeekerArrays,
    prepared: PreparedOpenings,
    lo: int,
    hi: int,
    weights: np.ndarray,
    intercept: float,
) -> np.ndarray:
    """Score seekers ``lo:hi`` against every opening (the linear score, before sigmoid).

    Returns
    -------
    ndarray of float32, shape (n_openings, hi - lo)
        Openings are rows, so that gathering facet tables copies contiguous rows.
        Pairs a hard filter removes are ``-inf``.
    """
    w = {name: float(weights[i]) for i, name in enumerate(FEATURES)}
    n_block = hi - lo
    s = np.arange(lo, hi)[None, :]

    # Category facet: the seekers' own (n_categories) tables, transposed.
    category_table = (
        np.float32(w["category_preference"]) * seekers.preference[lo:hi]
        + np.float32(w["category_related"]) * seekers.related[lo:hi]
        + np.float32(w["riasec"]) * seekers.riasec[lo:hi]
    ).T + np.float32(intercept)
    category_table = np.ascontiguousarray(category_table)

    r = np.arange(len(prepared.requirement["shift"]))[:, None]
    values, passes = requirement_values(seekers, s, prepared, r)
    requirement_table = _weighted_table(values, w, (r.shape[0], n_block), 0.0)
    feasible = passes["environment"] & passes["certificate"] & passes["shift"]
    requirement_table[~feasible] = -np.inf

    p = np.arange(len(prepared.place["district"]))[:, None]
    values, _ = place_values(seekers, s, prepared, p)
    place_table = _weighted_table(values, w, (p.shape[0], n_block), 0.0)

    q = np.arange(len(prepared.pay["bottom"]))[:, None]
    pay_table = _weighted_table(pay_values(seekers, s, prepared, q), w, (q.shape[0], n_block),
                                0.0)

    job_table = np.take(category_table, prepared.job["category"], axis=0)
    job_table += np.take(requirement_table, prepared.job["requirement"], axis=0)
    spot_table = np.take(place_table, prepared.spot["place"], axis=0)
    spot_table += np.take(pay_table, prepared.spot["pay"], axis=0)

    scores = np.take(job_table, prepared.job_idx, axis=0)
    scores += np.take(spot_table, prepared.spot_idx, axis=0)

    if w["skills"] and seekers.text is not None and prepared.text is not None:
        product = (prepared.text @ seekers.text[lo:hi].T).tocsr()
        if product.nnz:
            rows = np.repeat(
                np.arange(product.shape[0], dtype=np.int64), np.diff(product.indptr)
            )
            flat = scores.reshape(-1)
            flat[rows * n_block + product.indices] += np.float32(w["skills"]) * product.data
    return scores
