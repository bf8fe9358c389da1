"""Forms for planning fairs."""


import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp, ValidationError

from app.clock import local_today
from app.employment.forms import MultiCheckbox
from app.i18n import locale_code
from app.submissions import OnceForm
from models import Facility, db
from surveys.questionnaire import OptionalDateField, WholeNumberField


class FairForm(OnceForm):
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
        if field.data and field.data < local_today():
            raise ValidationError(_l("The fair day cannot be in the past."))


class InviteForm(OnceForm):
    """Invite many verified employers at once: ticked in the list or pasted as a list.

    The ticked ids are checked by the operation (verified, not yet invited), not against
    the list shown, which a filter may have narrowed since the page was made.
    """

    employer_ids = MultiCheckbox(_l("Employers to invite"), coerce=int, validate_choice=False)
    names = TextAreaField(
        _l("Or paste employers' names or credit codes"),
        description=_l("One a line, e.g. a column copied from a spreadsheet."),
        validators=[Optional(), Length(max=20000, message=_l(
            "Paste at most 20,000 characters at a time."))])
    submit = SubmitField(_l("Invite the chosen employers"))

    def __init__(self, candidates=(), *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.employer_ids.choices = [SelectChoice(e.id, e.name) for e, _ in candidates]


class BoothCodeForm(FlaskForm):
    booth = StringField(_l("Booth code"), validators=[
        DataRequired(_l("Enter the booth's code, e.g. A01.")),
        Regexp(r"^\s*[A-Za-z0-9-]{1,8}\s*$",
               message=_l("Use up to 8 letters and digits, e.g. A01.")),
    ])
    submit = SubmitField(_l("Rename booth"))


class PlanForm(FlaskForm):
    """Make the pre-fair plan; replacing it while the fair is open must be confirmed."""

    understood = BooleanField(_l(
        "I understand: the new plan replaces the recommendations on the sheets, the "
        "shortlists and the kiosks; interests already recorded are kept."))


class OfferedOpeningsForm(FlaskForm):
    openings = MultiCheckbox(_l("Openings offered at the fair"), coerce=int)
    submit = SubmitField(_l("Save"))


class ParticipantsForm(OnceForm):
    months = WholeNumberField(
        _l("Due for release within (months after the fair)"), default=6,
        validators=[DataRequired(_l("Enter a number of months.")),
                    NumberRange(1, 24, _l("Enter 1 to 24 months."))],
    )
    submit = SubmitField(_l("Add everyone due"))


class ActionForm(FlaskForm):
    """A CSRF-protected button."""


class KioskForm(OnceForm):
    """Register a kiosk device for a fair."""

    label = StringField(_l("Name of the device"), validators=[
        Optional(), Length(max=60, message=_l("Use at most 60 characters."))],
        description=_l("Where it stands, e.g. 大厅左侧 1号机. Left empty: Kiosk 1, 2, …"))
    submit = SubmitField(_l("Register a kiosk"))


class MoveKioskForm(FlaskForm):
    """Point a kiosk device at another fair."""

    # any fair may be sent: one closed since the page was drawn is refused with the
    # reason (app.kiosk.devices.move_kiosk), not as "not a valid choice"
    fair_id = SelectField(_l("Move to fair"), coerce=int, validate_choice=False, validators=[
        DataRequired(_l("Choose the fair this kiosk should show."))])
    submit = SubmitField(_l("Move"))

    def __init__(self, fairs, *args, **kwargs):
        super().__init__(*args, **kwargs)
        locale = locale_code()
        self.fair_id.choices = [(fair.id, f"{fair.name(locale)} · {fair.held_on.isoformat()}")
                                for fair in fairs]
