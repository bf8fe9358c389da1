"""Fixtures of the matcher's tests: the small reference data of matching_factories."""

from __future__ import annotations

import pandas as pd
import pytest

from matching import Geography, Taxonomy, pair_features, prepare_openings

from .matching_factories import (
    CATEGORIES,
    CATEGORY_RIASEC,
    CERTIFICATES,
    DISTRICTS,
    ENVIRONMENTS,
    openings,
    seekers,
)


@pytest.fixture(scope="session")
def taxonomy() -> Taxonomy:
    return Taxonomy.from_frames(CATEGORIES, CERTIFICATES, ENVIRONMENTS, CATEGORY_RIASEC)


@pytest.fixture(scope="session")
def geography() -> Geography:
    return Geography.from_frame(DISTRICTS)


@pytest.fixture
def prepare(taxonomy, geography):
    """prepare_openings on the test reference data."""

    def _prepare(openings: pd.DataFrame):
        return prepare_openings(openings, taxonomy=taxonomy, geography=geography)

    return _prepare


@pytest.fixture
def features(prepare):
    """Pairwise features of one seeker against the given openings, one row per opening."""
    def _features(seeker_row: dict, *opening_rows: dict) -> pd.DataFrame:
        return pair_features(seekers(seeker_row), prepare(openings(*opening_rows)))

    return _features
