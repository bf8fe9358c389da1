"""The career-interest self-test (职业倾向自测): its items, scoring, and the categories that fit.

The self-test is orientation, never screening: it helps a seeker who is unsure of a
direction find one, and its result is a suggestion the seeker may ignore. It must never be
used to select, rank or exclude a person, and the app says so next to every result (the
wording is ``notice`` in ``seed_data/selftest/selftest.json``).

Forty-eight activities, eight for each RIASEC type (R realistic, I investigative,
A artistic, S social, E enterprising, C conventional), are each answered on a five-point
scale from 1 (很不喜欢, strongly dislike) to 5 (很喜欢, strongly like). The items are in
``seed_data/selftest/items.csv``; see ``ATTRIBUTION.md`` there for their origin.
"""

import csv
import functools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from numbers import Integral
from pathlib import Path

import numpy as np
import pandas as pd
from flask_babel import lazy_gettext as _l

from surveys.questionnaire import localized

SELFTEST_DIR = Path(__file__).resolve().parent.parent / "seed_data" / "selftest"

RIASEC = ("R", "I", "A", "S", "E", "C")
SCALE_MIN, SCALE_MAX = 1, 5
# The inline icons the kiosk knows how to draw; every item names one of them.
SELFTEST_ICONS = frozenset(
    {"wrench", "hammer", "gear", "magnifier", "leaf", "flask", "palette", "music", "pen",
     "camera", "people", "heart", "chat", "briefcase", "cart", "megaphone", "table",
     "calculator", "clipboard"}
)


@dataclass(frozen=True)
class SelfTestItem:
    """One activity of the self-test."""

    item_id: str
    type: str
    text_zh: str
    text_en: str
    icon: str

    def text(self, locale: str) -> str:
        return localized({"zh": self.text_zh, "en": self.text_en}, locale)


@dataclass(frozen=True)
class SelfTestResult:
    """A scored self-test: orientation for the seeker, never a screening result.

    ``scores`` maps each RIASEC type to its mean answer rescaled to 0–1, (mean − 1) / 4;
    ``raw`` to the sum of its answers; ``code`` is the three types with the highest
    scores, highest first, ties going to the type earlier in R, I, A, S, E, C order.
    """

    scores: dict[str, float]
    raw: dict[str, int]
    code: str
    answered: int


class SelfTestAnswerError(ValueError):
    """Answers that cannot be scored; `key` says why, `message` says what to do."""

    def __init__(self, key: str, message, item_ids: Sequence[str] = ()):
        super().__init__(str(message))
        self.key = key
        self.message = message
        self.item_ids = tuple(item_ids)

    def user_message(self) -> str:
        """Return the message in the current locale."""
        return str(self.message)


@functools.cache
def load_selftest_items(directory: Path = SELFTEST_DIR) -> tuple[SelfTestItem, ...]:
    """Load the self-test items in the order they are asked."""
    with open(Path(directory) / "items.csv", encoding="utf-8", newline="") as f:
        return tuple(SelfTestItem(**row) for row in csv.DictReader(f))


def load_selftest_definition(directory: Path = SELFTEST_DIR) -> dict:
    """Load the answer scale, the six type names and the orientation notice."""
    return json.loads((Path(directory) / "selftest.json").read_text(encoding="utf-8"))


def riasec_code(scores: Mapping[str, float]) -> str:
    """Return the three types with the highest scores, ties in R, I, A, S, E, C order."""
    ranked = sorted(RIASEC, key=lambda t: (-scores[t], RIASEC.index(t)))
    return "".join(ranked[:3])


def score_selftest(
    answers: Mapping[str, int], items: Sequence[SelfTestItem] | None = None
) -> SelfTestResult:
    """Score a complete self-test: one answer from 1 to 5 for every item.

    Raises `SelfTestAnswerError` (key ``selftest.unknown_item``, ``selftest.out_of_range``
    or ``selftest.incomplete``) when an answer names no item, is not a whole number from 1
    to 5, or when an item is unanswered.
    """
    items = load_selftest_items() if items is None else items
    item_types = {item.item_id: item.type for item in items}
    unknown = sorted(set(answers) - set(item_types))
    if unknown:
        raise SelfTestAnswerError(
            "selftest.unknown_item",
            _l("The self-test has no statement %(items)s; check the statement numbers.",
               items=", ".join(unknown)),
            unknown,
        )
    bad = [
        item_id for item_id, value in answers.items()
        if isinstance(value, bool) or not isinstance(value, Integral)
        or not SCALE_MIN <= value <= SCALE_MAX
    ]
    if bad:
        raise SelfTestAnswerError(
            "selftest.out_of_range",
            _l("Answer each statement with a whole number from 1 to 5; check %(items)s.",
               items=", ".join(bad)),
            bad,
        )
    missing = [item_id for item_id in item_types if item_id not in answers]
    if missing:
        raise SelfTestAnswerError(
            "selftest.incomplete",
            _l("Answer every statement before scoring; still unanswered: %(items)s.",
               items=", ".join(missing)),
            missing,
        )
    raw = dict.fromkeys(RIASEC, 0)
    counts = dict.fromkeys(RIASEC, 0)
    for item_id, value in answers.items():
        raw[item_types[item_id]] += int(value)
        counts[item_types[item_id]] += 1
    scores = {
        t: (raw[t] / counts[t] - SCALE_MIN) / (SCALE_MAX - SCALE_MIN) for t in RIASEC
    }
    return SelfTestResult(scores=scores, raw=raw, code=riasec_code(scores), answered=len(answers))


def scores_as_vector(result: SelfTestResult) -> list[float]:
    """Return the six scores in R, I, A, S, E, C order, as the matcher takes them."""
    return [result.scores[t] for t in RIASEC]


def best_fitting_categories(
    result: SelfTestResult,
    category_riasec: pd.DataFrame | Mapping[str, Sequence[float]],
    n: int = 5,
    min_fit: float = 0.0,
) -> pd.DataFrame:
    """Rank job categories by how well their interest profile fits the seeker's.

    Orientation, never screening: the list suggests directions to look at; it does not
    say what a person can or may do.

    Parameters
    ----------
    result
        The seeker's scored self-test.
    category_riasec
        Each category's six RIASEC scores (e.g. O*NET means on the 1–7 scale of its closest
        occupations): a DataFrame with columns R, I, A, S, E, C indexed by category code
        (or with a ``code`` column), as in ``seed_data/category_riasec.csv``, or a dict
        category code → six scores in R, I, A, S, E, C order.
    n
        At most how many categories to return.
    min_fit
        Leave out categories whose fit is not above this: with the default 0, a category
        whose profile runs against the seeker's is never suggested, however few remain.

    Returns
    -------
    pandas.DataFrame
        Columns ``category``, ``fit``, ``riasec_code`` and ``shared_letters``, best fit
        first. ``fit`` is the Pearson correlation between the seeker's six scores and the
        category's (the cosine of both profiles after centring each on its own mean), from
        −1 to 1: it compares the shape of the profiles, so the two scales need not match.
        Ties (fit rounded to 6 decimals) go to the category whose three-letter code shares
        more letters with the seeker's, then to the category code in alphabetical order.
        Empty when the seeker's six scores are all equal: such answers point nowhere.
    """
    table = _category_table(category_riasec)
    columns = ["category", "fit", "riasec_code", "shared_letters"]
    person = np.asarray(scores_as_vector(result), dtype=float)
    person = person - person.mean()
    if not np.any(person):
        return pd.DataFrame(columns=columns)
    profiles = table.to_numpy(dtype=float)
    profiles = profiles - profiles.mean(axis=1, keepdims=True)
    norms = np.linalg.norm(profiles, axis=1) * np.linalg.norm(person)
    # A flat category profile fits nobody in particular: its fit is 0, not NaN.
    fit = np.divide(profiles @ person, norms, out=np.zeros(len(table)), where=norms > 0)
    codes = [riasec_code(dict(zip(RIASEC, row, strict=True))) for row in profiles]
    ranking = pd.DataFrame({
        "category": table.index.astype(str),
        "fit": fit.round(6),
        "riasec_code": codes,
        "shared_letters": [len(set(code) & set(result.code)) for code in codes],
    })
    ranking = ranking[ranking["fit"] > min_fit].sort_values(
        ["fit", "shared_letters", "category"], ascending=[False, False, True]
    )
    return ranking.head(n).reset_index(drop=True)


def _category_table(category_riasec) -> pd.DataFrame:
    if isinstance(category_riasec, pd.DataFrame):
        table = category_riasec
        if "code" in table.columns:
            table = table.set_index("code")
    else:
        table = pd.DataFrame.from_dict(
            {code: list(scores) for code, scores in category_riasec.items()},
            orient="index",
            columns=list(RIASEC),
        )
    missing = [t for t in RIASEC if t not in table.columns]
    if missing:
        raise ValueError(f"category RIASEC table lacks columns {missing}")
    return table[list(RIASEC)]
