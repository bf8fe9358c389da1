"""Logging in and out, password changes, and the access rules."""

from app.auth.routes import bp

__all__ = ["bp"]
