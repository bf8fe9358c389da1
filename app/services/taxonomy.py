"""Reference tables read from seed_data/ for the matcher and the self-test."""

from functools import lru_cache
from pathlib import Path

import pandas as pd
from flask import current_app


@lru_cache(maxsize=4)
def _riasec_table(path: str) -> pd.DataFrame:
    return pd.read_csv(path, dtype={"code": str}).set_index("code")


def category_riasec_table() -> pd.DataFrame:
    """Each category's mean O*NET interest scores (R, I, A, S, E, C), indexed by code."""
    return _riasec_table(str(Path(current_app.config["SEED_DIR"]) / "category_riasec.csv"))
