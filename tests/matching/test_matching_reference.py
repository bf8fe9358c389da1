"""Reference data: taxonomy closeness, legal requirements, licences, geography."""

from __future__ import annotations

import numpy as np
import pytest

from matching import load_geography, load_taxonomy
from matching.reference import DEFAULT_SEED_DIR

from .matching_factories import KM_AB, KM_AC


def test_closeness_from_shared_csco_groups(taxonomy):
    index = taxonomy.category_index
    closeness = taxonomy.closeness
    assert closeness[index["logistics"], index["logistics"]] == 1.0
    assert closeness[index["logistics"], index["delivery"]] == pytest.approx(1 / 3)
    assert closeness[index["sales"], index["retail"]] == pytest.approx(2 / 3)
    assert closeness[index["sales"], index["logistics"]] == 0.0  # only major group 4
    assert closeness[index["driver"], index["forklift"]] == pytest.approx(1 / 3)  # 6-30
    np.testing.assert_array_equal(closeness, closeness.T)


def test_legal_requirements_and_licences(taxonomy):
    bit = {code: 1 << i for i, code in enumerate(taxonomy.certificates)}
    legal = dict(zip(taxonomy.categories, taxonomy.legal_masks.tolist(), strict=True))
    assert legal["forklift"] == bit["forklift"]
    assert legal["kitchen"] == bit["health_cert"]
    assert legal["logistics"] == 0
    covers = dict(zip(taxonomy.certificates, taxonomy.covers.tolist(), strict=True))
    assert covers["driving_a2"] == bit["driving_a2"] | bit["driving_b2"] | bit["driving_c1"]
    assert covers["driving_c1"] == bit["driving_c1"]
    assert taxonomy.licence_categories.tolist() == [c == "driver" for c in taxonomy.categories]


def test_geography_distances_and_symmetric_neighbours(geography):
    a, b, c = (geography.index[x] for x in ("310101", "310104", "310105"))
    assert geography.km[a, b] == pytest.approx(KM_AB, rel=1e-9)
    assert geography.km[a, c] == pytest.approx(KM_AC, rel=1e-9)
    assert geography.km[a, a] == 0.0
    assert geography.neighbours[a, b] and geography.neighbours[b, a]
    assert not geography.neighbours[a, a]
    assert np.isnan(geography.km[-1]).all()  # the row of an unknown home district


@pytest.mark.skipif(not (DEFAULT_SEED_DIR / "categories.csv").exists(),
                    reason="seed_data/ not built")
def test_the_seed_files_load():
    taxonomy = load_taxonomy()
    geography = load_geography()
    assert len(taxonomy.categories) == 30
    assert "forklift" in taxonomy.certificates
    assert taxonomy.riasec.shape == (30, 6)
    assert len(geography.adcodes) == 16
    pudong, huangpu = geography.index["310115"], geography.index["310101"]
    assert geography.neighbours[pudong, huangpu]
    assert 3 < geography.km[pudong, huangpu] < 10
    assert load_taxonomy() is taxonomy  # cached
