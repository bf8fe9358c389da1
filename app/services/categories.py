"""Suggest a job category from an opening's title with the cached classifier, and keep
the categories staff set where it was wrong or unsure as training data."""

from pathlib import Path

import pandas as pd
import sqlalchemy as sa
from flask import current_app

from matching.categorize import CONFIRM_BELOW, load_category_classifier, suggest_categories
from models import CategoryCorrection, db, utcnow


def training_file() -> Path:
    """The classifier's training file (CATEGORY_TRAINING_FILE, else the seed data's)."""
    configured = current_app.config.get("CATEGORY_TRAINING_FILE")
    return Path(configured or Path(current_app.config["SEED_DIR"]) / "category_training.csv")


def learned_corrections() -> pd.DataFrame:
    """Staff corrections already learned by `qibu match fit-categories`, as training rows
    (``text``, ``category``): the latest category staff gave each title."""
    rows = db.session.execute(
        sa.select(CategoryCorrection.title, CategoryCorrection.category_code)
        .where(CategoryCorrection.learned_at.is_not(None))
        .order_by(CategoryCorrection.id)
    ).all()
    latest = {title.strip(): category for title, category in rows if title.strip()}
    return pd.DataFrame(list(latest.items()), columns=["text", "category"])


def category_classifier():
    """The fitted classifier: the training file plus the staff corrections learned so
    far, fitted once for each and cached on disk."""
    return load_category_classifier(
        path=training_file(), cache_path=current_app.config["CACHE_DIR"],
        extra_training=learned_corrections(),
    )


def learn_corrections() -> tuple[object, int]:
    """Mark every staff correction not learned yet as learned and fit the classifier
    with them (flush only; the caller commits). Return the classifier and how many
    corrections were new."""
    new = db.session.execute(
        sa.update(CategoryCorrection).where(CategoryCorrection.learned_at.is_(None))
        .values(learned_at=utcnow())
    ).rowcount
    db.session.flush()
    return category_classifier(), new


def suggest_category(title: str) -> tuple[str | None, float]:
    """Return the most likely category code for a title and its confidence (0–1)."""
    title = (title or "").strip()
    if not title:
        return None, 0.0
    row = suggest_categories([title], model=category_classifier()).iloc[0]
    return str(row["category"]), float(row["confidence"])


def needs_confirmation(confidence: float | None) -> bool:
    """Whether a suggestion this confident must be confirmed by staff before it is applied."""
    return confidence is None or confidence < CONFIRM_BELOW


def record_category_choice(
    title: str, category: str, *, source: str, user=None, opening_id: int | None = None,
    suggestion: tuple[str | None, float] | None = None,
) -> CategoryCorrection | None:
    """Keep a category staff set for `title` as training data when it differs from the
    classifier's top suggestion or confirms one below the confirmation threshold.

    ``suggestion`` is the classifier's (category, confidence) when the caller has it;
    ``source`` is 'form', 'import' or 'queue'. Adds the row (no flush); returns it, or
    None when the classifier was right and sure.
    """
    title = (title or "").strip()
    if not title or not category:
        return None
    suggested, confidence = suggestion if suggestion is not None else suggest_category(title)
    if suggested == category and not needs_confirmation(confidence):
        return None
    correction = CategoryCorrection(
        title=title[:120], category_code=category, suggested=suggested,
        confidence=None if confidence is None else round(float(confidence), 3),
        source=source, user_id=getattr(user, "id", None),
        opening_id=opening_id,
    )
    db.session.add(correction)
    return correction
