"""The scorer: a scikit-learn estimator holding one weight per pairwise feature.

The score of a seeker–opening pair is ``sigmoid(intercept + Σ weight_f × feature_f)``,
read as the chance that the seeker takes an interest in the opening. ``Matcher`` starts
from expert-set weights (:data:`DEFAULT_WEIGHTS`, see the README for the reasoning) and
:meth:`Matcher.fit` replaces them with a logistic regression on recorded outcomes, so
every weight stays one readable number.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import check_is_fitted, validate_data

from .features import (
    FEATURES,
    PreparedOpenings,
    SeekerArrays,
    encode_seekers,
    feature_matrix,
    prepare_openings,
)

__all__ = [
    "DEFAULT_INTERCEPT",
    "DEFAULT_WEIGHTS",
    "MODEL_FORMAT",
    "OUTCOME_LEVELS",
    "Matcher",
    "default_matcher",
    "fit_matcher",
    "training_pairs",
]

MODEL_FORMAT = "qibu-matcher/1"

#: Expert weights per feature (see matching/README.md, "Default weights and why").
DEFAULT_WEIGHTS: dict[str, float] = {
    "category_preference": 3.0,
    "category_related": 1.5,
    "pay_floor": 1.5,
    "pay_hoped": 1.0,
    "commute": 1.0,
    "nearby": 0.5,
    "in_chosen_districts": 0.5,
    "housing_gap": -1.5,
    "education": 0.75,
    "experience": 0.5,
    "certificates": 0.75,
    "skills": 2.0,
    "riasec": 0.75,
    "shift": 0.25,
}
DEFAULT_INTERCEPT = -7.0
EXPERT_VERSION = "expert-1"

#: Outcome labels a recorded pair can carry, with their relevance level.
OUTCOME_LEVELS: dict[str, int] = {"none": 0, "interest": 1, "intent": 2, "hire": 3}


def _utc_now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _to_json(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, dict):
        return {str(k): _to_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_to_json(v) for v in value]
    return value


class Matcher(ClassifierMixin, BaseEstimator):
    """Logistic scorer of seeker–opening pairs over interpretable features.

    ``fit`` takes a pairwise feature matrix (one row per recorded pair, columns in
    :data:`~matching.features.FEATURES` order; see :func:`training_pairs`) and binary
    labels (1 = the seeker showed interest or better). A fresh ``Matcher()`` is unfitted;
    :func:`default_matcher` returns one carrying the expert weights.

    Parameters
    ----------
    C : float, default=1.0
        Inverse L2 regularization strength of the logistic regression.
    class_weight : dict, "balanced" or None, default=None
        Passed to :class:`~sklearn.linear_model.LogisticRegression`.
    max_iter : int, default=1000
        Iterations of the lbfgs solver.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,)
        One weight per feature.
    intercept_ : float
    classes_ : ndarray of shape (2,)
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only when fitted on a DataFrame.
    version_ : str
        ``"expert-1"`` for the default weights, else ``"<UTC date>-<weights hash>"``.
    training_ : dict
        What the weights were learned from: ``source``, ``n_pairs``, ``date``,
        ``label_counts`` and, from :func:`fit_matcher`, ``outcome_counts``.
    """

    def __init__(self, C: float = 1.0, class_weight: Any = None, max_iter: int = 1000):
        self.C = C
        self.class_weight = class_weight
        self.max_iter = max_iter

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        return tags

    def fit(self, X, y, sample_weight=None) -> Matcher:
        """Learn one weight per feature by logistic regression.

        Parameters
        ----------
        X : array-like of shape (n_pairs, n_features)
            Pairwise features.
        y : array-like of shape (n_pairs,)
            Two classes; the larger one (e.g. 1 or True) is "interest or better".
        sample_weight : array-like of shape (n_pairs,), optional
            E.g. heavier for a hire than for a mere interest.

        Returns
        -------
        self : Matcher
        """
        X, y = validate_data(self, X, y, dtype=np.float64)
        check_classification_targets(y)
        target = type_of_target(y, input_name="y", raise_unknown=True)
        if target != "binary":
            raise ValueError(
                f"Only binary classification is supported. The type of the target is {target}."
            )
        classes = np.unique(y)
        if len(classes) != 2:
            raise ValueError(
                f"Matcher needs exactly two classes (no outcome, outcome); got {len(classes)} "
                "class(es)"
            )
        model = LogisticRegression(C=self.C, class_weight=self.class_weight,
                                   max_iter=self.max_iter)
        model.fit(X, y, sample_weight=sample_weight)
        self.classes_ = model.classes_
        self.coef_ = model.coef_.reshape(-1).copy()
        self.intercept_ = float(model.intercept_[0])
        self.n_iter_ = model.n_iter_.copy()
        counts = {_to_json(c): int(np.sum(y == c)) for c in self.classes_}
        self.training_ = {
            "source": "fit",
            "n_pairs": int(X.shape[0]),
            "date": _utc_now(),
            "label_counts": counts,
        }
        self.version_ = self._make_version(self.training_["date"])
        return self

    def _make_version(self, date: str) -> str:
        digest = hashlib.sha256(
            json.dumps([self.coef_.round(10).tolist(), round(self.intercept_, 10)]).encode()
        ).hexdigest()[:8]
        return f"{date[:10]}-{digest}"

    def decision_function(self, X) -> np.ndarray:
        """Return the linear score (log-odds of interest) of each pair."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float64)
        return X @ self.coef_ + self.intercept_

    def predict_proba(self, X) -> np.ndarray:
        """Return (P(no outcome), P(outcome)) for each pair."""
        p = expit(self.decision_function(X))
        return np.column_stack([1.0 - p, p])

    def predict(self, X) -> np.ndarray:
        """Return the more likely class of each pair."""
        decision = self.decision_function(X)
        return self.classes_[(decision > 0).astype(int)]

    @property
    def weights(self) -> dict[str, float]:
        """The weights by feature name (requires a model over ``FEATURES``)."""
        check_is_fitted(self)
        self._check_features()
        return {name: float(w) for name, w in zip(FEATURES, self.coef_, strict=True)}

    def _check_features(self) -> None:
        if self.n_features_in_ != len(FEATURES):
            raise ValueError(
                f"this Matcher was fitted on {self.n_features_in_} features, not the "
                f"{len(FEATURES)} pairwise features {FEATURES}"
            )

    @classmethod
    def from_weights(
        cls,
        weights: dict[str, float],
        intercept: float,
        version: str | None = None,
        training: dict | None = None,
        **params: Any,
    ) -> Matcher:
        """Build a ready Matcher from weights by feature name (missing names weigh 0).

        Parameters
        ----------
        weights : dict of str to float
        intercept : float
        version : str, optional
        training : dict, optional
            Stored as ``training_``; defaults to ``{"source": "weights"}``.
        **params
            Estimator parameters (``C``, ...), used if it is refitted.

        Returns
        -------
        Matcher
        """
        unknown = set(weights) - set(FEATURES)
        if unknown:
            raise ValueError(f"unknown features in weights: {sorted(unknown)}")
        model = cls(**params)
        model.coef_ = np.array([float(weights.get(f, 0.0)) for f in FEATURES])
        model.intercept_ = float(intercept)
        model.classes_ = np.array([0, 1])
        model.n_features_in_ = len(FEATURES)
        model.training_ = dict(training or {"source": "weights"})
        model.version_ = version or model._make_version(_utc_now())
        return model

    def save(self, path: str | Path) -> None:
        """Write the weights, version and training record as JSON.

        Parameters
        ----------
        path : str or Path
        """
        Path(path).write_text(json.dumps(self.to_document(), ensure_ascii=False, indent=2)
                              + "\n", encoding="utf-8")

    def to_document(self) -> dict:
        """The weights, version and training record as plain JSON data.

        Returns
        -------
        dict
        """
        check_is_fitted(self)
        names = getattr(self, "feature_names_in_", None)
        return {
            "format": MODEL_FORMAT,
            "version": self.version_,
            "features": [str(n) for n in names] if names is not None else None,
            "coef": self.coef_.tolist(),
            "intercept": self.intercept_,
            "classes": _to_json(self.classes_.tolist()),
            "params": _to_json(self.get_params()),
            "training": _to_json(self.training_),
        }

    @classmethod
    def load(cls, path: str | Path) -> Matcher:
        """Read a Matcher written by :meth:`save`.

        Parameters
        ----------
        path : str or Path

        Returns
        -------
        Matcher

        Raises
        ------
        ValueError
            If the file is not a Qibu matcher of this format.
        """
        document = json.loads(Path(path).read_text(encoding="utf-8"))
        try:
            return cls.from_document(document)
        except ValueError:
            raise ValueError(f"{path}: not a {MODEL_FORMAT} model file") from None

    @classmethod
    def from_document(cls, document: dict) -> Matcher:
        """Make a Matcher from the data :meth:`to_document` gave.

        Parameters
        ----------
        document : dict

        Returns
        -------
        Matcher

        Raises
        ------
        ValueError
            If it is not a Qibu matcher of this format.
        """
        if not isinstance(document, dict) or document.get("format") != MODEL_FORMAT:
            raise ValueError(f"not a {MODEL_FORMAT} model")
        model = cls(**document.get("params", {}))
        model.coef_ = np.asarray(document["coef"], dtype=float)
        model.intercept_ = float(document["intercept"])
        model.classes_ = np.asarray(document["classes"])
        model.n_features_in_ = len(model.coef_)
        if document.get("features") is not None:
            model.feature_names_in_ = np.asarray(document["features"], dtype=object)
        model.version_ = str(document["version"])
        model.training_ = dict(document.get("training") or {})
        return model


def default_matcher() -> Matcher:
    """Return a Matcher carrying the expert weights (:data:`DEFAULT_WEIGHTS`)."""
    return Matcher.from_weights(
        DEFAULT_WEIGHTS,
        DEFAULT_INTERCEPT,
        version=EXPERT_VERSION,
        training={"source": "expert"},
    )


def resolve_model(model: Matcher | None) -> tuple[np.ndarray, float]:
    """Return (weights in FEATURES order, intercept) of a model or the default one."""
    model = default_matcher() if model is None else model
    check_is_fitted(model)
    model._check_features()
    names = getattr(model, "feature_names_in_", None)
    if names is not None and list(names) != list(FEATURES):
        raise ValueError(f"model features {list(names)} are not {list(FEATURES)}")
    return np.asarray(model.coef_, dtype=float), float(model.intercept_)


def _outcome_levels(outcomes: pd.DataFrame) -> pd.DataFrame:
    for column in ("seeker_id", "opening_id", "outcome"):
        if column not in outcomes.columns:
            raise ValueError(f"outcomes: missing column {column!r}")
    labels = outcomes["outcome"].astype(object)
    unknown = sorted(set(labels) - set(OUTCOME_LEVELS), key=str)
    if unknown:
        raise ValueError(
            f"outcomes: column 'outcome' holds unknown label {unknown[0]!r}; "
            f"use one of {list(OUTCOME_LEVELS)}"
        )
    frame = pd.DataFrame({
        "seeker_id": outcomes["seeker_id"].astype(object),
        "opening_id": outcomes["opening_id"].astype(object),
        "level": labels.map(OUTCOME_LEVELS).astype(int),
    })
    # Several events for one pair (interest, then intent): the furthest one counts.
    return frame.groupby(["seeker_id", "opening_id"], as_index=False, sort=False)["level"].max()


def training_pairs(
    seekers: pd.DataFrame | SeekerArrays,
    openings: pd.DataFrame | PreparedOpenings,
    outcomes: pd.DataFrame,
    positive: str = "interest",
    negatives_per_positive: float = 3.0,
    weight_by_level: bool = True,
    seed: int = 0,
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, dict]:
    """Build the feature matrix and labels of recorded outcomes for :meth:`Matcher.fit`.

    Parameters
    ----------
    seekers, openings : DataFrame or encoded
        The people and openings the outcomes refer to (contract columns).
    outcomes : DataFrame
        ``seeker_id``, ``opening_id`` and ``outcome``, one of ``"none"`` (shown, no
        interest), ``"interest"``, ``"intent"``, ``"hire"``. Pairs with unknown ids are
        dropped.
    positive : str, default="interest"
        The lowest outcome that counts as a positive label.
    negatives_per_positive : float, default=3.0
        Feasible pairs without any record, sampled among the seekers with outcomes, per
        positive pair (a fair records interests far more often than non-interests).
    weight_by_level : bool, default=True
        Weigh a positive by its level (interest 1, intent 2, hire 3).
    seed : int, default=0
        Seed of the negative sampling.

    Returns
    -------
    X : DataFrame of shape (n_pairs, n_features)
    y : ndarray of int
    sample_weight : ndarray of float
    info : dict
        ``outcome_counts`` (recorded pairs per outcome) and ``sampled_negatives``.
    """
    if positive not in OUTCOME_LEVELS or OUTCOME_LEVELS[positive] == 0:
        raise ValueError(f"positive must be one of interest, intent, hire; got {positive!r}")
    prepared = prepare_openings(openings)
    encoded = encode_seekers(seekers, prepared)
    levels = _outcome_levels(outcomes)
    si = pd.Index(encoded.ids).get_indexer(levels["seeker_id"])
    oj = pd.Index(prepared.ids).get_indexer(levels["opening_id"])
    known = (si >= 0) & (oj >= 0)
    si, oj, level = si[known], oj[known], levels["level"].to_numpy()[known]

    rng = np.random.default_rng(seed)
    n_positive = int((level >= OUTCOME_LEVELS[positive]).sum())
    n_sample = int(round(negatives_per_positive * n_positive))
    sampled_s = np.zeros(0, dtype=np.int64)
    sampled_o = np.zeros(0, dtype=np.int64)
    if n_sample and len(prepared):
        recorded = set(zip(si.tolist(), oj.tolist(), strict=True))
        pool = np.unique(si)
        draw_s = rng.choice(pool, size=n_sample * 3)
        draw_o = rng.integers(0, len(prepared), size=n_sample * 3)
        _, feasible, _ = feature_matrix(encoded, prepared, draw_s, draw_o)
        chosen: list[tuple[int, int]] = []
        seen: set[tuple[int, int]] = set()
        for pair, ok in zip(zip(draw_s.tolist(), draw_o.tolist(), strict=True), feasible,
                            strict=True):
            if ok and pair not in recorded and pair not in seen:
                seen.add(pair)
                chosen.append(pair)
                if len(chosen) == n_sample:
                    break
        if chosen:
            sampled_s, sampled_o = (np.array(x, dtype=np.int64) for x in zip(*chosen,
                                                                             strict=True))
    all_s = np.concatenate([si, sampled_s])
    all_o = np.concatenate([oj, sampled_o])
    all_level = np.concatenate([level, np.zeros(len(sampled_s), dtype=int)])
    X, _, _ = feature_matrix(encoded, prepared, all_s, all_o)
    y = (all_level >= OUTCOME_LEVELS[positive]).astype(int)
    weight = np.ones(len(y))
    if weight_by_level:
        weight = np.where(y == 1, np.maximum(all_level, 1), 1).astype(float)
    names = {v: k for k, v in OUTCOME_LEVELS.items()}
    counts = {names[v]: int((level == v).sum()) for v in sorted(names)}
    info = {"outcome_counts": counts, "sampled_negatives": int(len(sampled_s))}
    return pd.DataFrame(X, columns=list(FEATURES)), y, weight, info


def fit_matcher(
    seekers: pd.DataFrame | SeekerArrays,
    openings: pd.DataFrame | PreparedOpenings,
    outcomes: pd.DataFrame,
    positive: str = "interest",
    negatives_per_positive: float = 3.0,
    seed: int = 0,
    **params: Any,
) -> Matcher:
    """Fit a Matcher on recorded outcomes (what ``qibu match train`` runs).

    Parameters
    ----------
    seekers, openings, outcomes, positive, negatives_per_positive, seed
        See :func:`training_pairs`.
    **params
        Matcher parameters (``C``, ``class_weight``, ``max_iter``).

    Returns
    -------
    Matcher
        Fitted, with ``training_`` recording the pairs, outcome counts and date.
    """
    X, y, weight, info = training_pairs(
        seekers, openings, outcomes, positive=positive,
        negatives_per_positive=negatives_per_positive, seed=seed,
    )
    model = Matcher(**params).fit(X, y, sample_weight=weight)
    model.training_.update(info)
    model.training_["positive"] = positive
    return model
