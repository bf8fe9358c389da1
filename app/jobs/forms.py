"""The jobs' buttons (CSRF-protected)."""

from flask_wtf import FlaskForm


class JobActionForm(FlaskForm):
    """Cancel, retry or start a job."""
