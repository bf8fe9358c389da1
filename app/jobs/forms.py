"""The jobs' buttons (CSRF-protected)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField
from wtforms.validators import InputRequired, NumberRange


class JobActionForm(FlaskForm):
    """Cancel, retry or start a job."""


class CityRankingForm(FlaskForm):
    """Start a city-wide ranking now (the scheduler starts one each night)."""

    months = IntegerField(
        _l("Due for release within (months)"), default=6,
        validators=[InputRequired(_l("Enter a number of months from 1 to 24.")),
                    NumberRange(1, 24, _l("Enter a number of months from 1 to 24."))])
