"""Seeker and survey forms; the survey part is built at run time from the questionnaire."""

import re

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from app.clock import local_today
from app.i18n import locale_code
from app.submissions import OnceForm
from app.value_messages import value_error_message
from models import Certificate, District, Environment, JobCategory, db
from surveys.questionnaire import (
    OptionalDateField,
    WholeNumberField,
    build_survey_form,
    load_questionnaire,
)
from surveys.selftest import load_selftest_definition, load_selftest_items
from surveys.values import ValueParseError, validate_resident_id

# a facility's own number for a person, as the survey import reads it
FACILITY_REF = re.compile(r"^[A-Z0-9][A-Z0-9-]{0,31}$")


class SeekerForm(FlaskForm):
    """The personal facts only bureau staff see; never used for matching."""

    name = StringField(
        _l("Name"),
        validators=[DataRequired(_l("Enter the person's name.")), Length(max=60)],
    )
    gender = SelectField(
        _l("Gender"),
        choices=[SelectChoice("", "—"), SelectChoice("M", _l("male")),
                 SelectChoice("F", _l("female"))],
        validators=[Optional()],
    )
    birth_year = WholeNumberField(
        _l("Year of birth"),
        validators=[Optional(), NumberRange(1940, 2010, _l("Enter a year from 1940 to 2010."))],
    )
    hukou_shanghai = BooleanField(_l("Shanghai hukou"))
    admitted_on = OptionalDateField(
        _l("Admitted to the facility on"),
        description=_l("Optional. The day the person entered the facility; their record "
                       "starts here."),
        validators=[Optional()],
        invalid_value_message=_l("Enter the date as year-month-day, for example 2026-07-15."))
    id_number = StringField(
        _l("ID number"),
        description=_l("Optional. Only a keyed hash and the last four characters are kept."),
        render_kw={"autocomplete": "off", "inputmode": "latin"},
    )

    facility_ref = StringField(
        _l("Facility reference"),
        description=_l("Optional. Your facility's own number for the person (up to 32 "
                       "letters, digits or -); seen by your facility's staff only, never by "
                       "employers. A spreadsheet import finds the person by it."),
        render_kw={"autocomplete": "off", "inputmode": "latin"},
    )

    def validate_facility_ref(self, field):
        ref = "".join((field.data or "").split()).upper()
        field.data = ref or None
        if ref and not FACILITY_REF.match(ref):
            raise ValidationError(_l("Use up to 32 letters, digits or “-”."))

    def validate_admitted_on(self, field):
        if field.data is not None and field.data > local_today():
            raise ValidationError(_l("The day of admission cannot be in the future."))

    def validate_id_number(self, field):
        if not (field.data or "").strip():
            field.data = None
            return
        try:
            field.data = validate_resident_id(field.data, today=local_today())
        except ValueParseError as error:
            raise ValidationError(value_error_message(error)) from None

    def personal_data(self) -> dict:
        return {
            "name": self.name.data.strip(),
            "gender": self.gender.data or None,
            "birth_year": self.birth_year.data,
            "hukou_shanghai": bool(self.hukou_shanghai.data),
            "admitted_on": self.admitted_on.data,
            "id_number": self.id_number.data or None,
            "facility_ref": self.facility_ref.data or None,
        }


class SurveyBase(OnceForm):
    submit = SubmitField(_l("Save survey"))


def survey_choices() -> dict:
    locale = locale_code()
    return {
        "categories": [
            (c.code, c.name(locale))
            for c in db.session.scalars(sa.select(JobCategory).order_by(JobCategory.position))
        ],
        "districts": [
            (d.adcode, d.name(locale))
            for d in db.session.scalars(sa.select(District).order_by(District.adcode))
        ],
        "certificates": [
            (c.code, c.name(locale))
            for c in db.session.scalars(sa.select(Certificate).order_by(Certificate.code))
        ],
        "environments": [
            (e.tag, e.name(locale))
            for e in db.session.scalars(sa.select(Environment).order_by(Environment.tag))
        ],
    }


def survey_form_class(previous: dict | None = None, with_seeker: bool = False):
    """The survey form of the latest questionnaire, optionally with the personal fields."""
    base = type("SeekerSurveyBase", (SeekerForm, SurveyBase), {}) if with_seeker else SurveyBase
    return build_survey_form(
        load_questionnaire(), survey_choices(), locale=locale_code(), previous=previous,
        base=base,
    )


def selftest_form_class(previous: dict | None = None):
    """A form with one 1–5 question per self-test item."""
    locale = locale_code()
    definition = load_selftest_definition()
    scale = [
        SelectChoice(str(point["value"]), point["label"]["en" if locale == "en" else "zh"])
        for point in definition["scale"]
    ]
    attrs = {}
    for item in load_selftest_items():
        attrs[item.item_id] = RadioField(
            item.text(locale), choices=scale,
            default=str((previous or {}).get(item.item_id, "")) or None,
            validators=[DataRequired(_l("Choose an answer for this statement."))],
        )
    attrs["submit"] = SubmitField(_l("Score the self-test"))
    return type("SelfTestForm", (FlaskForm,), attrs)
