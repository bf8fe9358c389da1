"""Reference data the matcher needs: the job taxonomy and Shanghai's district geography.

Both are read from the CSV files in ``seed_data/`` (see :func:`load_taxonomy` and
:func:`load_geography`) or built from frames passed in (``from_frames``), so tests and
other deployments can supply their own. Codes are those of the project's fixed
vocabulary; the matcher never invents one.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = [
    "DEFAULT_SEED_DIR",
    "Geography",
    "PAY_PERIODS",
    "SHIFTS",
    "Taxonomy",
    "load_geography",
    "load_taxonomy",
]

DEFAULT_SEED_DIR = Path(__file__).resolve().parent.parent / "seed_data"

SHIFTS = ("day", "night", "rotating")
#: The periods an opening's pay can be stated in (it is kept as base pay a month).
PAY_PERIODS = ("month", "year", "week", "day", "hour")
RIASEC_LETTERS = ("R", "I", "A", "S", "E", "C")

# A driver's opening names the licence it needs in its own ``certificates_required``;
# the category rule (driving without a licence is illegal) makes that licence a hard
# requirement. An opening of such a category that names no licence needs any licence.
LICENCE_CATEGORIES = frozenset({"driver"})
# A higher licence class permits driving what a lower one does (A2 ⊃ B2 ⊃ C1).
DEFAULT_CERTIFICATE_COVERS = {
    "driving_a2": ("driving_b2", "driving_c1"),
    "driving_b2": ("driving_c1",),
}
DRIVING_LICENCES = ("driving_c1", "driving_b2", "driving_a2")

# A night shift is late-night work: a seeker who avoids ``late_night`` cannot work it.
NIGHT_SHIFT_ENVIRONMENT = "late_night"

_MAX_BITS = 64


def _split_codes(value: object) -> list[str]:
    """Split a ';'-joined cell into stripped codes; empty, NaN or '(none)' give []."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return []
    text = str(value).strip()
    if not text or text == "(none)":
        return []
    return [part.strip() for part in text.split(";") if part.strip()]


def _csco_closeness(codes_a: list[str], codes_b: list[str]) -> float:
    """Closeness of two categories from the deepest CSCO group they share.

    CSCO codes have four levels (major-medium-minor-detail, e.g. ``4-02-06-01``). Sharing
    only the major group (4, "service workers"; 6, "production workers") says almost
    nothing, so closeness counts from the medium class: medium 1/3, minor 2/3, same
    occupation 1.
    """
    best = 0
    for a in codes_a:
        pa = a.split("-")
        for b in codes_b:
            pb = b.split("-")
            shared = 0
            for x, y in zip(pa, pb, strict=False):
                if x != y:
                    break
                shared += 1
            best = max(best, shared)
    return max(0, min(best, 4) - 1) / 3.0


def _letters_profile(letters: str) -> np.ndarray:
    """Turn a 1–3 letter Holland code into a 1–7 profile (fallback without O*NET means)."""
    profile = np.full(6, 2.0)
    for position, letter in enumerate(letters[:3]):
        profile[RIASEC_LETTERS.index(letter)] = 7.0 - 1.5 * position
    return profile


@dataclass(frozen=True, eq=False)
class Taxonomy:
    """Job categories, certificates and environment tags with the matcher's derived tables.

    Build one with :func:`load_taxonomy` or :meth:`Taxonomy.from_frames`.

    Attributes
    ----------
    categories : tuple of str
        Category codes in file order; ``category_index`` maps a code to its row.
    csco : dict of str to tuple of str
        CSCO codes or prefixes per category.
    holland : dict of str to str
        The 1–3 letter Holland (RIASEC) code per category.
    closeness : ndarray of shape (n_categories, n_categories)
        Taxonomy closeness in [0, 1] from the deepest shared CSCO group (1 on the
        diagonal).
    riasec : ndarray of shape (n_categories, 6)
        Mean O*NET interest scores (1–7) per category, in R, I, A, S, E, C order.
    certificates : tuple of str
        Certificate codes; bit ``i`` of a certificate mask is ``certificates[i]``.
    legal_masks : ndarray of uint64, shape (n_categories,)
        Certificates the law requires for each category, as bit masks.
    covers : ndarray of uint64, shape (n_certificates,)
        For each certificate, the mask of certificates holding it satisfies (itself
        included): a B2 driving licence also covers C1.
    licence_mask : int
        Mask of the driving licences.
    licence_categories : ndarray of bool, shape (n_categories,)
        Categories whose openings legally need the driving licence they list.
    environments : tuple of str
        Environment tags; bit ``i`` of an environment mask is ``environments[i]``.
    """

    categories: tuple[str, ...]
    csco: dict[str, tuple[str, ...]]
    holland: dict[str, str]
    closeness: np.ndarray
    riasec: np.ndarray
    certificates: tuple[str, ...]
    legal_masks: np.ndarray
    covers: np.ndarray
    licence_mask: int
    licence_categories: np.ndarray
    environments: tuple[str, ...]
    category_index: dict[str, int] = field(repr=False)
    certificate_index: dict[str, int] = field(repr=False)
    environment_index: dict[str, int] = field(repr=False)

    @classmethod
    def from_frames(
        cls,
        categories: pd.DataFrame,
        certificates: pd.DataFrame,
        environments: pd.DataFrame,
        category_riasec: pd.DataFrame | None = None,
        certificate_covers: dict[str, tuple[str, ...]] | None = None,
        licence_categories: frozenset[str] = LICENCE_CATEGORIES,
    ) -> Taxonomy:
        """Build the taxonomy from the frames of the seed files.

        Parameters
        ----------
        categories : DataFrame
            Columns ``code``, ``csco_codes`` (';'-joined) and ``riasec`` (1–3 letters).
        certificates : DataFrame
            Columns ``code`` and ``legally_required_for`` (';'-joined category codes).
        environments : DataFrame
            Column ``tag``.
        category_riasec : DataFrame, optional
            Columns ``code, R, I, A, S, E, C`` (mean scores 1–7). A category missing here
            gets a profile from its Holland letters.
        certificate_covers : dict, optional
            Certificate → certificates it also satisfies; defaults to the driving-licence
            classes (A2 ⊃ B2 ⊃ C1). Codes not in ``certificates`` are ignored.
        licence_categories : frozenset of str
            Categories whose openings legally need the driving licence they list.

        Returns
        -------
        Taxonomy
        """
        codes = tuple(str(c) for c in categories["code"])
        if len(set(codes)) != len(codes):
            raise ValueError("categories: duplicate code")
        category_index = {c: i for i, c in enumerate(codes)}
        csco = {
            str(row.code): tuple(_split_codes(row.csco_codes))
            for row in categories.itertuples(index=False)
        }
        holland = {
            str(row.code): str(row.riasec).strip().upper() if isinstance(row.riasec, str) else ""
            for row in categories.itertuples(index=False)
        }
        n = len(codes)
        closeness = np.eye(n)
        for i in range(n):
            for j in range(i + 1, n):
                closeness[i, j] = closeness[j, i] = _csco_closeness(
                    list(csco[codes[i]]), list(csco[codes[j]])
                )

        riasec = np.vstack([_letters_profile(holland[c]) for c in codes]) if n else np.zeros((0, 6))
        if category_riasec is not None:
            for row in category_riasec.itertuples(index=False):
                code = str(row.code)
                if code not in category_index:
                    raise ValueError(f"category_riasec: unknown category {code!r}")
                riasec[category_index[code]] = [float(getattr(row, x)) for x in RIASEC_LETTERS]

        cert_codes = tuple(str(c) for c in certificates["code"])
        env_tags = tuple(str(t) for t in environments["tag"])
        for name, values in (("certificates", cert_codes), ("environments", env_tags)):
            if len(values) > _MAX_BITS:
                raise ValueError(f"{name}: at most {_MAX_BITS} codes are supported")
            if len(set(values)) != len(values):
                raise ValueError(f"{name}: duplicate code")
        certificate_index = {c: i for i, c in enumerate(cert_codes)}

        legal = np.zeros(n, dtype=np.uint64)
        for row in certificates.itertuples(index=False):
            bit = np.uint64(1) << np.uint64(certificate_index[str(row.code)])
            for category in _split_codes(row.legally_required_for):
                if category not in category_index:
                    raise ValueError(
                        f"certificates: legally_required_for names unknown category {category!r}"
                    )
                legal[category_index[category]] |= bit

        covers = np.array(
            [np.uint64(1) << np.uint64(i) for i in range(len(cert_codes))], dtype=np.uint64
        )
        for holder, covered in (certificate_covers or DEFAULT_CERTIFICATE_COVERS).items():
            if holder not in certificate_index:
                continue
            for code in covered:
                if code in certificate_index:
                    covers[certificate_index[holder]] |= np.uint64(1) << np.uint64(
                        certificate_index[code]
                    )
        licence_mask = 0
        for code in DRIVING_LICENCES:
            if code in certificate_index:
                licence_mask |= 1 << certificate_index[code]

        return cls(
            categories=codes,
            csco=csco,
            holland=holland,
            closeness=closeness,
            riasec=riasec,
            certificates=cert_codes,
            legal_masks=legal,
            covers=covers,
            licence_mask=licence_mask,
            licence_categories=np.array([c in licence_categories for c in codes], dtype=bool),
            environments=env_tags,
            category_index=category_index,
            certificate_index=certificate_index,
            environment_index={t: i for i, t in enumerate(env_tags)},
        )


@dataclass(frozen=True, eq=False)
class Geography:
    """Districts with centroid distances and the neighbour relation.

    Build one with :func:`load_geography` or :meth:`Geography.from_frame`.

    Attributes
    ----------
    adcodes : tuple of str
        District adcodes in file order; ``index`` maps an adcode to its row.
    km : ndarray of shape (n_districts + 1, n_districts)
        Great-circle (haversine) distance between district centroids in km. The extra
        last row is NaN: index -1 (an unknown home district) selects it.
    neighbours : ndarray of bool, shape (n_districts + 1, n_districts)
        True for neighbouring districts (symmetric; a district is not its own
        neighbour). The last row, for an unknown home, is False.
    """

    adcodes: tuple[str, ...]
    km: np.ndarray
    neighbours: np.ndarray
    index: dict[str, int] = field(repr=False)

    EARTH_RADIUS_KM = 6371.0

    @classmethod
    def from_frame(cls, districts: pd.DataFrame) -> Geography:
        """Build the geography from a frame with ``adcode, lon, lat, neighbours``.

        Parameters
        ----------
        districts : DataFrame
            One row per district; ``neighbours`` is ';'-joined adcodes and may be empty.
            The relation is made symmetric.

        Returns
        -------
        Geography
        """
        adcodes = tuple(str(a) for a in districts["adcode"])
        if len(set(adcodes)) != len(adcodes):
            raise ValueError("districts: duplicate adcode")
        if len(adcodes) > _MAX_BITS:
            raise ValueError(f"districts: at most {_MAX_BITS} districts are supported")
        index = {a: i for i, a in enumerate(adcodes)}
        lon = np.radians(districts["lon"].to_numpy(dtype=float))
        lat = np.radians(districts["lat"].to_numpy(dtype=float))
        dlat = lat[:, None] - lat[None, :]
        dlon = lon[:, None] - lon[None, :]
        h = np.sin(dlat / 2) ** 2 + np.cos(lat[:, None]) * np.cos(lat[None, :]) * np.sin(
            dlon / 2
        ) ** 2
        km = 2 * cls.EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))
        n = len(adcodes)
        near = np.zeros((n, n), dtype=bool)
        for i, value in enumerate(districts["neighbours"]):
            for code in _split_codes(value):
                if code not in index:
                    raise ValueError(f"districts: neighbours names unknown adcode {code!r}")
                near[i, index[code]] = near[index[code], i] = True
        np.fill_diagonal(near, False)
        return cls(
            adcodes=adcodes,
            km=np.vstack([km, np.full((1, n), np.nan)]),
            neighbours=np.vstack([near, np.zeros((1, n), dtype=bool)]),
            index=index,
        )


def _seed_path(seed_dir: str | Path | None) -> Path:
    return Path(seed_dir) if seed_dir is not None else DEFAULT_SEED_DIR


@functools.lru_cache(maxsize=8)
def _load_taxonomy_cached(seed_dir: Path) -> Taxonomy:
    read = functools.partial(pd.read_csv, dtype=str, keep_default_na=False)
    riasec_path = seed_dir / "category_riasec.csv"
    riasec = pd.read_csv(riasec_path, dtype={"code": str}) if riasec_path.exists() else None
    return Taxonomy.from_frames(
        categories=read(seed_dir / "categories.csv"),
        certificates=read(seed_dir / "certificates.csv"),
        environments=read(seed_dir / "environments.csv"),
        category_riasec=riasec,
    )


@functools.lru_cache(maxsize=8)
def _load_geography_cached(seed_dir: Path) -> Geography:
    frame = pd.read_csv(
        seed_dir / "districts.csv",
        dtype={"adcode": str, "neighbours": str},
        keep_default_na=False,
    )
    return Geography.from_frame(frame)


def load_taxonomy(seed_dir: str | Path | None = None) -> Taxonomy:
    """Load the job taxonomy from ``categories.csv``, ``category_riasec.csv``,
    ``certificates.csv`` and ``environments.csv``.

    Parameters
    ----------
    seed_dir : str or Path, optional
        Folder with the files; defaults to the repository's ``seed_data/``. The result is
        cached per folder.

    Returns
    -------
    Taxonomy
    """
    return _load_taxonomy_cached(_seed_path(seed_dir).resolve())


def load_geography(seed_dir: str | Path | None = None) -> Geography:
    """Load the district geography from ``districts.csv``.

    Parameters
    ----------
    seed_dir : str or Path, optional
        Folder with the file; defaults to the repository's ``seed_data/``. The result is
        cached per folder.

    Returns
    -------
    Geography
    """
    return _load_geography_cached(_seed_path(seed_dir).resolve())
