"""Suggest a job category from an opening's title with the cached classifier."""

from pathlib import Path

from flask import current_app

from matching.categorize import load_category_classifier, suggest_categories


def category_classifier():
    """The fitted classifier: fitted once per training file and cached on disk."""
    return load_category_classifier(
        path=Path(current_app.config["SEED_DIR"]) / "category_training.csv",
        cache_path=current_app.config["CACHE_DIR"],
    )


def suggest_category(title: str) -> tuple[str | None, float]:
    """Return the most likely category code for a title and its confidence (0–1)."""
    title = (title or "").strip()
    if not title:
        return None, 0.0
    row = suggest_categories([title], model=category_classifier()).iloc[0]
    return str(row["category"]), float(row["confidence"])
