"""Start-up guidance forms, and the words for guidance kinds and outcomes."""

import re

from flask_babel import lazy_gettext as _l
from wtforms import RadioField, SelectField, SelectMultipleField, StringField, widgets
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from app.i18n import locale_code
from app.startup.operations import active_services
from app.submissions import OnceForm
from models import GuidanceKind, StartupOutcome
from surveys.questionnaire import OptionalDateField, WholeNumberField

KIND_LABELS = {
    GuidanceKind.SESSION: _l("group session"),
    GuidanceKind.ONE_TO_ONE: _l("one-to-one"),
}
OUTCOME_LABELS = {
    StartupOutcome.OPEN: _l("in guidance"),
    StartupOutcome.BUSINESS_REGISTERED: _l("business registered"),
    StartupOutcome.LOAN_APPLIED: _l("loan applied"),
    StartupOutcome.DROPPED: _l("dropped"),
}
DATE_MESSAGE = _l("Enter the date as year-month-day, for example 2026-07-15.")


def _date_field(label, required_message):
    return OptionalDateField(label, validators=[DataRequired(required_message)],
                             invalid_value_message=DATE_MESSAGE)


def _service_choices() -> list[SelectChoice]:
    locale = locale_code()
    return [SelectChoice("", _l("no referral"))] + [
        SelectChoice(str(s.id), s.name(locale)) for s in active_services()]


class OpenCaseForm(OnceForm):
    code = StringField(_l("Code"), validators=[
        DataRequired(_l("Enter the person's code.")), Length(max=12)])
    opened_on = _date_field(_l("Guidance began on"), _l("Enter the date."))


class _GuidanceFields(OnceForm):
    held_on = _date_field(_l("Date"), _l("Enter the date."))
    topic = StringField(_l("Topic"), validators=[
        DataRequired(_l("Say what the guidance was about.")),
        Length(max=200, message=_l("Use at most 200 characters."))])
    adviser = StringField(_l("Adviser"), validators=[
        Optional(), Length(max=120, message=_l("Use at most 120 characters."))])
    next_step = StringField(_l("Next step"), validators=[
        Optional(), Length(max=300, message=_l("Use at most 300 characters."))])
    service_id = SelectField(_l("Referred to a start-up service"), validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.service_id.choices = _service_choices()


class GuidanceForm(_GuidanceFields):
    kind = RadioField(_l("Kind"), choices=[SelectChoice(k.value, label)
                                           for k, label in KIND_LABELS.items()],
                      default=GuidanceKind.ONE_TO_ONE.value,
                      validators=[DataRequired(_l("Choose the kind of guidance."))])


class MultiCheckbox(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class GroupSessionForm(_GuidanceFields):
    seeker_ids = MultiCheckbox(_l("People who took part"), coerce=int, validate_choice=False)
    codes = StringField(_l("Or type their codes"), validators=[Optional(), Length(max=2000)],
                        description=_l("Codes such as QB7K3M9X, separated by spaces or "
                                       "commas."))

    def typed_codes(self) -> list[str]:
        return [code.upper() for code in re.split(r"[\s,，、;；]+", self.codes.data or "")
                if code]


class OutcomeForm(OnceForm):
    outcome = RadioField(_l("Outcome"), choices=[
        SelectChoice(o.value, OUTCOME_LABELS[o]) for o in (
            StartupOutcome.BUSINESS_REGISTERED, StartupOutcome.LOAN_APPLIED,
            StartupOutcome.DROPPED)],
        validators=[DataRequired(_l("Choose how the start-up guidance ended."))])
    outcome_on = _date_field(_l("Date of the outcome"), _l("Enter the date."))
    business = StringField(
        _l("What the business does"),
        description=_l("For a registered business, for example “breakfast stall” or "
                       "“home repairs”; its first day counts as a self-employment "
                       "placement."),
        validators=[Optional(), Length(max=120, message=_l("Use at most 120 characters."))])
    monthly_income = WholeNumberField(_l("Monthly income (yuan), if known"), validators=[
        Optional(), NumberRange(500, 200000, _l("Enter a monthly income from 500 to 200,000, or "
                                               "leave it blank."))])
    additional_job_reason = StringField(
        _l("Additional job: reason"),
        description=_l("Only when the person keeps another current job from Qibu: say why "
                       "they take this one as well."),
        validators=[Optional(), Length(max=1000, message=_l(
            "Say why in at most 1,000 characters."))])

    def validate_business(self, field):
        if self.outcome.data == StartupOutcome.BUSINESS_REGISTERED.value and \
                not (field.data or "").strip():
            raise ValidationError(_l("Say what the business does (for example “breakfast "
                                     "stall”)."))
