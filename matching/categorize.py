"""Suggest a job category for an opening's title with a character n-gram text classifier.

The classifier is a scikit-learn pipeline: TF-IDF over Chinese character 1- to 3-grams
and a multinomial logistic regression, whose probabilities are the confidence staff see
next to the suggestion. It learns from ``seed_data/category_training.csv`` (columns
``text`` and ``category``: CSCO 2022 occupation names, aliases and definitions and real
job titles, each mapped to one of Qibu's category codes).

Below :data:`CONFIRM_BELOW` a suggestion is only a suggestion: staff confirm the
category before it is applied. :func:`evaluate_heldout_titles` measures the classifier
on real posting titles it never saw and shows how the threshold was chosen (see
``matching/README.md``).

Fitting takes a few seconds, so it happens once: :func:`load_category_classifier`
keeps the fitted pipeline in memory and, given a cache directory, on disk under a name
that carries the training file's hash and the scikit-learn version; it refits only when
either changes.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import tempfile
import unicodedata
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

# scikit-learn and joblib are imported where a classifier is built or loaded: importing
# them costs seconds, and a command such as `qibu --help` never needs them.
if TYPE_CHECKING:
    from sklearn.pipeline import Pipeline

__all__ = [
    "CACHE_DIR_ENV",
    "CONFIDENCE_STEPS",
    "CONFIRM_BELOW",
    "DEFAULT_TRAINING_PATH",
    "build_category_pipeline",
    "evaluate_category_classifier",
    "evaluate_heldout_titles",
    "fit_category_classifier",
    "load_category_classifier",
    "normalize_title",
    "read_category_heldout",
    "read_category_training",
    "suggest_categories",
    "training_file_digest",
]

DEFAULT_TRAINING_PATH = (
    Path(__file__).resolve().parent.parent / "seed_data" / "category_training.csv"
)
CACHE_DIR_ENV = "QIBU_CACHE_DIR"

# A suggestion less confident than this is never applied without a person choosing the
# category. On the held-out real posting titles (both halves of the 51job titles in
# turn, 308 titles), every suggestion at 0.65 or above was right and about three in
# four titles reached it; at 0.60 one in 247 was wrong (see matching/README.md).
CONFIRM_BELOW = 0.65
CONFIDENCE_STEPS = tuple(round(0.3 + 0.05 * step, 2) for step in range(13))
_CACHE_PREFIX = "category_classifier"

_BRACKETED = re.compile(r"\([^()]*\)|\[[^\[\]]*\]|【[^【】]*】")
_SPACES = re.compile(r"\s+")


def normalize_title(text: object) -> str:
    """Return a title as the classifier reads it.

    Full-width characters become half-width, letters lower case, and bracketed notes
    such as '(双休)' or '【急聘】' are dropped when something remains without them.

    Parameters
    ----------
    text : object
        A job title, occupation name or definition.

    Returns
    -------
    str
    """
    if text is None or (isinstance(text, float) and np.isnan(text)):
        return ""
    normalized = unicodedata.normalize("NFKC", str(text)).lower()
    without_notes = _BRACKETED.sub(" ", normalized)
    if without_notes.strip():
        normalized = without_notes
    return _SPACES.sub(" ", normalized).strip()


def build_category_pipeline(random_state: int = 0) -> Pipeline:
    """Return the unfitted title classifier.

    A multinomial logistic regression gives usable probabilities without a separate
    calibration step, which would need more examples per category than the rarest
    categories have.

    Parameters
    ----------
    random_state : int, default=0
        Seed of the solver, for repeatable fits.

    Returns
    -------
    sklearn.pipeline.Pipeline
    """
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

    return Pipeline(
        [
            (
                "tfidf",
                TfidfVectorizer(
                    analyzer="char_wb",
                    ngram_range=(1, 3),
                    sublinear_tf=True,
                    preprocessor=normalize_title,
                ),
            ),
            (
                "classifier",
                LogisticRegression(
                    C=20.0, class_weight="balanced", max_iter=5000, random_state=random_state
                ),
            ),
        ]
    )


def read_category_training(path: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """Read and check a training file with columns ``text`` and ``category``.

    Parameters
    ----------
    path : path-like, optional
        Defaults to ``seed_data/category_training.csv``.

    Returns
    -------
    pandas.DataFrame
        Non-blank, de-duplicated ``text`` and ``category`` rows (other columns kept).

    Raises
    ------
    ValueError
        If a column is missing or fewer than two categories remain.
    """
    frame = pd.read_csv(path or DEFAULT_TRAINING_PATH, dtype=str, keep_default_na=False)
    return _checked_training_frame(frame)


def _checked_training_frame(frame: pd.DataFrame) -> pd.DataFrame:
    missing = {"text", "category"} - set(frame.columns)
    if missing:
        raise ValueError(f"category training data lacks columns {sorted(missing)}")
    frame = frame.assign(
        text=frame["text"].astype("str").str.strip(),
        category=frame["category"].astype("str").str.strip(),
    )
    frame = frame[(frame["text"] != "") & (frame["category"] != "")]
    frame = frame.drop_duplicates(subset=["text", "category"]).reset_index(drop=True)
    if frame["category"].nunique() < 2:
        raise ValueError("category training data needs at least two categories")
    return frame


def fit_category_classifier(training_frame: pd.DataFrame, random_state: int = 0) -> Pipeline:
    """Fit the title classifier on a frame with columns ``text`` and ``category``.

    Parameters
    ----------
    training_frame : pandas.DataFrame
    random_state : int, default=0

    Returns
    -------
    sklearn.pipeline.Pipeline
        The fitted pipeline.
    """
    frame = _checked_training_frame(training_frame)
    pipeline = build_category_pipeline(random_state=random_state)
    return pipeline.fit(frame["text"].tolist(), frame["category"].to_numpy(dtype=object))


def training_file_digest(path: str | os.PathLike[str]) -> str:
    """Return the SHA-256 hex digest of a training file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def _cache_dir(cache_path: str | os.PathLike[str] | None) -> Path | None:
    if cache_path is not None:
        return Path(cache_path)
    from_environment = os.environ.get(CACHE_DIR_ENV)
    return Path(from_environment) if from_environment else None


def load_category_classifier(
    path: str | os.PathLike[str] | None = None,
    cache_path: str | os.PathLike[str] | None = None,
    extra_training: pd.DataFrame | None = None,
) -> Pipeline:
    """Return the fitted title classifier, fitting it only on first use.

    The pipeline is kept in memory per training file and extra rows (refreshed if either
    changes) and, when a cache directory is given or ``QIBU_CACHE_DIR`` is set, stored
    there as ``category_classifier-<sha256 of the training>-sklearn<version>.joblib``
    and reused by later processes. The cache directory must be writable only by the app:
    the cached model is a pickle.

    Parameters
    ----------
    path : path-like, optional
        Training CSV; defaults to ``seed_data/category_training.csv``.
    cache_path : path-like, optional
        Directory for the on-disk cache, for example the app's instance folder. Without
        it (and without ``QIBU_CACHE_DIR``) the model is cached in memory only.
    extra_training : pandas.DataFrame, optional
        More rows to learn from, with columns ``text`` and ``category`` (for example the
        categories staff gave titles the classifier got wrong), appended to the file's.

    Returns
    -------
    sklearn.pipeline.Pipeline
    """
    training_path = Path(path or DEFAULT_TRAINING_PATH).resolve()
    cache_dir = _cache_dir(cache_path)
    stat = training_path.stat()
    extra: tuple[tuple[str, str], ...] = ()
    if extra_training is not None and len(extra_training):
        checked = extra_training[["text", "category"]].astype(str)
        extra = tuple(sorted(set(checked.itertuples(index=False, name=None))))
    return _load_cached_classifier(
        str(training_path),
        None if cache_dir is None else str(cache_dir.resolve()),
        (stat.st_mtime_ns, stat.st_size),
        extra,
    )


def _training_frame(training_path: str, extra: tuple[tuple[str, str], ...]) -> pd.DataFrame:
    frame = read_category_training(training_path)
    if not extra:
        return frame
    rows = pd.DataFrame(list(extra), columns=["text", "category"])
    # an extra row says what a text is: the file's rows for the same text give way
    kept = frame[~frame["text"].isin(set(rows["text"]))]
    return pd.concat([kept[["text", "category"]], rows], ignore_index=True)


@functools.lru_cache(maxsize=4)
def _load_cached_classifier(
    training_path: str, cache_dir: str | None, file_stamp: tuple[int, int],
    extra: tuple[tuple[str, str], ...] = (),
) -> Pipeline:
    # file_stamp is only part of the key: a changed file is read and hashed again.
    import joblib
    import sklearn
    from sklearn.pipeline import Pipeline

    if cache_dir is None:
        return fit_category_classifier(_training_frame(training_path, extra))

    digest = training_file_digest(training_path)
    if extra:  # without extra rows the name stays the file's alone, as before
        rows = "\n".join(f"{text}\t{category}" for text, category in extra)
        digest = hashlib.sha256(f"{digest}\n{rows}".encode()).hexdigest()
    directory = Path(cache_dir)
    cache_file = directory / f"{_CACHE_PREFIX}-{digest[:32]}-sklearn{sklearn.__version__}.joblib"
    if cache_file.exists():
        try:
            model = joblib.load(cache_file)
        except Exception:  # noqa: BLE001 - a damaged cache is refitted, never fatal
            model = None
        if isinstance(model, Pipeline):
            return model

    model = fit_category_classifier(_training_frame(training_path, extra))
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob(f"{_CACHE_PREFIX}-*.joblib"):
        stale.unlink(missing_ok=True)
    # Write then rename, so a concurrent reader never sees half a file.
    with tempfile.NamedTemporaryFile(dir=directory, suffix=".tmp", delete=False) as handle:
        joblib.dump(model, handle)
    os.replace(handle.name, cache_file)
    return model


def suggest_categories(
    titles: Iterable[object] | str, model: Pipeline | None = None
) -> pd.DataFrame:
    """Suggest a category for each job title, with the classifier's confidence.

    Parameters
    ----------
    titles : iterable of str, or str
        Job titles as written, e.g. ``['叉车司机', '电话客服专员']``. A Series keeps its
        index in the result.
    model : sklearn.pipeline.Pipeline, optional
        A fitted pipeline; defaults to :func:`load_category_classifier`.

    Returns
    -------
    pandas.DataFrame
        Columns ``title`` (as given), ``category`` (a category code; missing for a blank
        title) and ``confidence`` (the probability of that category, 0-1; NaN for a blank
        title).
    """
    if isinstance(titles, str):
        titles = [titles]
    index = titles.index if isinstance(titles, pd.Series) else None
    title_list = list(titles)
    if model is None:
        model = load_category_classifier()

    normalized = [normalize_title(title) for title in title_list]
    present = np.array([bool(text) for text in normalized], dtype=bool)
    categories = np.full(len(title_list), None, dtype=object)
    confidence = np.full(len(title_list), np.nan)
    if present.any():
        probabilities = model.predict_proba([text for text in normalized if text])
        best = probabilities.argmax(axis=1)
        categories[present] = np.asarray(model.classes_, dtype=object)[best]
        confidence[present] = probabilities[np.arange(len(best)), best]
    return pd.DataFrame(
        {
            "title": pd.Series(title_list, dtype=object),
            "category": pd.Series(list(categories)),
            "confidence": confidence,
        }
    ).set_axis(index if index is not None else pd.RangeIndex(len(title_list)))


def _is_alias_like(text: str) -> bool:
    """Tell a name, alias or title from a CSCO definition sentence."""
    return len(text) <= 20 and not text.endswith("。") and "，" not in text


def evaluate_category_classifier(
    training_frame: pd.DataFrame, test_size: float = 0.2, random_state: int = 0
) -> dict[str, float | int]:
    """Hold out part of the aliases, fit on the rest and return the held-out accuracy.

    Held-out rows are drawn per category from rows whose ``source`` column is
    ``'alias'`` when the frame has one, else from the short rows (names, aliases and
    titles rather than definition sentences); every category keeps at least one
    training row, and a held-out text never appears in training.

    Parameters
    ----------
    training_frame : pandas.DataFrame
        Columns ``text``, ``category`` and optionally ``source``.
    test_size : float, default=0.2
        Share of each category's aliases to hold out.
    random_state : int, default=0

    Returns
    -------
    dict
        ``accuracy`` (share of held-out aliases given their own category), ``n_train``
        and ``n_test``.
    """
    if not 0 < test_size < 1:
        raise ValueError("test_size must be between 0 and 1")
    frame = _checked_training_frame(training_frame)
    if "source" in frame.columns:
        candidates = frame["source"].astype("str").str.strip().eq("alias").to_numpy()
    else:
        candidates = frame["text"].map(_is_alias_like).to_numpy(dtype=bool)

    rng = np.random.default_rng(random_state)
    held_out = np.zeros(len(frame), dtype=bool)
    for _, positions in frame.groupby("category", sort=True).indices.items():
        alias_positions = positions[candidates[positions]]
        n_test = min(round(test_size * len(alias_positions)), len(positions) - 1)
        if n_test > 0:
            held_out[rng.choice(alias_positions, size=n_test, replace=False)] = True

    test = frame[held_out]
    test_texts = set(test["text"].map(normalize_title))
    train = frame[~held_out & ~frame["text"].map(normalize_title).isin(test_texts).to_numpy()]
    if test.empty:
        raise ValueError("no aliases to hold out; give more rows or a larger test_size")
    model = fit_category_classifier(train, random_state=random_state)
    predicted = model.predict(test["text"].tolist())
    accuracy = float(np.mean(predicted == test["category"].to_numpy(dtype=object)))
    return {"accuracy": accuracy, "n_train": len(train), "n_test": len(test)}


def read_category_heldout(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a held-out file of real job titles with columns ``title`` and ``category``.

    Parameters
    ----------
    path : path-like

    Returns
    -------
    pandas.DataFrame
        Non-blank ``title`` and ``category`` rows (other columns kept).

    Raises
    ------
    ValueError
        If a column is missing.
    """
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = {"title", "category"} - set(frame.columns)
    if missing:
        raise ValueError(f"held-out titles lack columns {sorted(missing)}")
    frame = frame.assign(
        title=frame["title"].str.strip(), category=frame["category"].str.strip()
    )
    return frame[(frame["title"] != "") & (frame["category"] != "")].reset_index(drop=True)


def evaluate_heldout_titles(
    model: Pipeline,
    heldout: pd.DataFrame,
    thresholds: Iterable[float] = CONFIDENCE_STEPS,
    top_confusions: int = 10,
) -> dict[str, object]:
    """Measure a fitted classifier on labelled titles it was not trained on.

    Titles whose category the model does not know are counted and left out.

    Parameters
    ----------
    model : sklearn.pipeline.Pipeline
        A fitted pipeline with ``predict_proba``.
    heldout : pandas.DataFrame
        Columns ``title`` and ``category``.
    thresholds : iterable of float, default=CONFIDENCE_STEPS
        Confidence levels for the threshold table.
    top_confusions : int, default=10
        How many (true, suggested) pairs to list, most frequent first.

    Returns
    -------
    dict
        ``n`` (titles measured), ``n_uncovered``, ``top1`` and ``top3`` (accuracy),
        ``confusions`` (DataFrame: ``category``, ``suggested``, ``count``, ``examples``),
        ``thresholds`` (DataFrame: ``threshold``, ``n_above``, ``share_above``,
        ``accuracy_above``, ``accuracy_below``), ``per_category`` (DataFrame indexed by
        category: ``n`` and ``top1``, most titles first) and ``predictions`` (the measured
        titles with ``suggested``, ``confidence`` and ``correct``).
    """
    classes = np.asarray(model.classes_, dtype=object)
    covered = heldout["category"].isin(set(classes)).to_numpy()
    frame = heldout[covered].reset_index(drop=True)
    if frame.empty:
        raise ValueError("no held-out title has a category the classifier knows")
    probabilities = model.predict_proba([normalize_title(title) for title in frame["title"]])
    ranked = np.argsort(-probabilities, axis=1, kind="stable")
    truth = frame["category"].to_numpy(dtype=object)
    suggested = classes[ranked[:, 0]]
    confidence = probabilities[np.arange(len(frame)), ranked[:, 0]]
    correct = suggested == truth
    in_top3 = (classes[ranked[:, :3]] == truth[:, None]).any(axis=1)

    predictions = frame.assign(suggested=suggested, confidence=confidence, correct=correct)
    wrong = predictions[~correct]
    confusions = (
        wrong.groupby(["category", "suggested"], sort=False)["title"]
        .agg(count="size", examples=lambda titles: "、".join(titles.head(3)))
        .reset_index()
        .sort_values(["count", "category", "suggested"], ascending=[False, True, True])
        .head(top_confusions)
        .reset_index(drop=True)
    )
    per_category = (
        predictions.groupby("category")["correct"]
        .agg(n="size", top1="mean")
        .sort_values(["n"], ascending=False, kind="stable")
    )
    rows = []
    for threshold in thresholds:
        above = confidence >= threshold
        rows.append({
            "threshold": float(threshold),
            "n_above": int(above.sum()),
            "share_above": float(above.mean()),
            "accuracy_above": float(correct[above].mean()) if above.any() else np.nan,
            "accuracy_below": float(correct[~above].mean()) if (~above).any() else np.nan,
        })
    return {
        "n": len(frame),
        "n_uncovered": int((~covered).sum()),
        "top1": float(correct.mean()),
        "top3": float(in_top3.mean()),
        "confusions": confusions,
        "thresholds": pd.DataFrame(rows),
        "per_category": per_category,
        "predictions": predictions,
    }
