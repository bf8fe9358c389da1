"""Qibu's web application: create_app() builds it from a config class.

The factory lives in app/factory.py and is imported on first call, so a command that
does not build the app (`qibu --help`) does not pay for Flask's extensions, SQLAlchemy
and the models.
"""

from pathlib import Path

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "models" / "migrations"


def create_app(config=None, **overrides):
    """Build the app from a config class (default: chosen by QIBU_ENV) plus overrides."""
    from app.factory import create_app as build

    return build(config, **overrides)
