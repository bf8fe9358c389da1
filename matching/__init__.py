"""Qibu's matcher: DataFrames of seekers and openings in, ranked and planned pairs out.

Pure numpy, pandas, SciPy and scikit-learn: nothing here imports Flask, SQLAlchemy or the
rest of Qibu. ``app/services/matching.py`` turns database rows into the frames described
in ``matching/README.md`` (and in :data:`SEEKER_COLUMNS`, :data:`OPENING_COLUMNS`).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

# Names are imported from their submodule on first use (PEP 562): most of the matcher
# needs scikit-learn and SciPy, seconds to import, which a command such as `qibu --help`
# or a page that never ranks should not pay for.
_SUBMODULE = {
    "suggest_categories": "categorize",
    "certificate_gains": "certificates",
    **dict.fromkeys(
        ("OPENING_COLUMNS", "SEEKER_COLUMNS", "validate_openings", "validate_seekers"),
        "contract",
    ),
    **dict.fromkeys(
        ("DEFAULT_INTERCEPT", "DEFAULT_WEIGHTS", "OUTCOME_LEVELS", "Matcher",
         "default_matcher", "fit_matcher", "training_pairs"),
        "estimator",
    ),
    **dict.fromkeys(("evaluate", "evaluate_baselines", "split_outcomes"), "evaluation"),
    **dict.fromkeys(
        ("FEATURES", "PreparedOpenings", "encode_seekers", "pair_features", "prepare_openings"),
        "features",
    ),
    **dict.fromkeys(("options_per_seeker", "plan_fair", "plan_report"), "plan"),
    **dict.fromkeys(("rank_openings", "rank_seekers"), "ranking"),
    "REASON_CODES": "reasons",
    **dict.fromkeys(("Geography", "Taxonomy", "load_geography", "load_taxonomy"), "reference"),
    "pay_at_least": "rules",
}

if TYPE_CHECKING:
    from .categorize import suggest_categories
    from .certificates import certificate_gains
    from .contract import OPENING_COLUMNS, SEEKER_COLUMNS, validate_openings, validate_seekers
    from .estimator import (
        DEFAULT_INTERCEPT,
        DEFAULT_WEIGHTS,
        OUTCOME_LEVELS,
        Matcher,
        default_matcher,
        fit_matcher,
        training_pairs,
    )
    from .evaluation import evaluate, evaluate_baselines, split_outcomes
    from .features import (
        FEATURES,
        PreparedOpenings,
        encode_seekers,
        pair_features,
        prepare_openings,
    )
    from .plan import options_per_seeker, plan_fair, plan_report
    from .ranking import rank_openings, rank_seekers
    from .reasons import REASON_CODES
    from .reference import Geography, Taxonomy, load_geography, load_taxonomy
    from .rules import pay_at_least


def __getattr__(name: str):
    try:
        submodule = _SUBMODULE[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    value = getattr(importlib.import_module(f".{submodule}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


__all__ = [
    "DEFAULT_INTERCEPT",
    "DEFAULT_WEIGHTS",
    "FEATURES",
    "OPENING_COLUMNS",
    "OUTCOME_LEVELS",
    "REASON_CODES",
    "SEEKER_COLUMNS",
    "Geography",
    "Matcher",
    "PreparedOpenings",
    "Taxonomy",
    "certificate_gains",
    "default_matcher",
    "encode_seekers",
    "evaluate",
    "evaluate_baselines",
    "fit_matcher",
    "load_geography",
    "load_taxonomy",
    "options_per_seeker",
    "pair_features",
    "pay_at_least",
    "plan_fair",
    "plan_report",
    "prepare_openings",
    "rank_openings",
    "rank_seekers",
    "split_outcomes",
    "suggest_categories",
    "training_pairs",
    "validate_openings",
    "validate_seekers",
]
