"""Forms for planning fairs."""

from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp, ValidationError

from app.employment.forms import MultiCheckbox
from app.i18n import locale_code
from models import Employer, Facility, db
from surveys.questionnaire import OptionalDateField, WholeNumberField


class FairForm(FlaskForm):
    code = StringField(_l("Code"), validators=[
        DataRequired(_l("Give the fair a short code, e.g. SH-QP-2026-06.")),
        Regexp(r"^[A-Za-z0-9-]{3,32}$",
               message=_l("Use 3 to 32 letters, digits and dashes.")),
    ])
    name_zh = StringField(_l("Name in Chinese"), validators=[
        DataRequired(_l("Enter the fair's name.")), Length(max=120)])
    name_en = StringField(_l("Name in English"), validators=[Optional(), Length(max=200)])
    facility_id = SelectField(_l("Facility"), coerce=int)
    held_on = OptionalDateField(
        _l("Date"), validators=[DataRequired(_l("Enter the fair day, e.g. 2026-06-26."))],
        invalid_value_message=_l("Enter the date as year-month-day, for example 2026-07-15."),
    )
    venue = StringField(_l("Venue"), validators=[Optional(), Length(max=120)])
    submit = SubmitField(_l("Create fair"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.facility_id.choices = [
            SelectChoice(f.id, f.name(locale_code()))
            for f in db.session.scalars(sa.select(Facility).order_by(Facility.code))
        ]

    def validate_held_on(self, field):
        if field.data and field.data < date.today():
            raise ValidationError(_l("The fair day cannot be in the past."))


class InviteForm(FlaskForm):
    employer_id = SelectField(_l("Employer"), coerce=int)
    booth = StringField(_l("Booth"), validators=[
        Optional(),
        Regexp(r"^[A-Za-z0-9-]{1,8}$", message=_l("Use up to 8 letters and digits, e.g. A01.")),
    ])
    submit = SubmitField(_l("Invite"))

    def __init__(self, fair, *args, **kwargs):
        super().__init__(*args, **kwargs)
        invited = {fe.employer_id for fe in fair.booths}
        # only verified employers meet job seekers
        self.employer_id.choices = [
            SelectChoice(e.id, e.name)
            for e in db.session.scalars(
                sa.select(Employer).where(Employer.verified).order_by(Employer.name))
            if e.id not in invited
        ]


class OfferedOpeningsForm(FlaskForm):
    openings = MultiCheckbox(_l("Openings offered at the fair"), coerce=int)
    submit = SubmitField(_l("Save"))


class ParticipantsForm(FlaskForm):
    months = WholeNumberField(
        _l("Due for release within (months after the fair)"), default=6,
        validators=[DataRequired(_l("Enter a number of months.")),
                    NumberRange(1, 24, _l("Enter 1 to 24 months."))],
    )
    submit = SubmitField(_l("Add everyone due"))


class ActionForm(FlaskForm):
    """A CSRF-protected button."""
