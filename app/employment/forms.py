"""Employer and opening forms; messy values are checked by surveys.values."""


import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    FloatField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    widgets,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from app.clock import local_today
from app.i18n import locale_code
from app.submissions import OnceForm
from app.value_messages import value_error_message
from models import Certificate, District, Employer, Environment, JobCategory, Shift, db
from surveys.questionnaire import WholeNumberField
from surveys.values import ValueParseError, validate_mobile, validate_uscc

EDUCATION_LABELS = [
    (0, _l("no requirement")), (1, _l("primary school")), (2, _l("junior middle school")),
    (3, _l("senior high or secondary vocational")), (4, _l("junior college")),
    (5, _l("bachelor")), (6, _l("postgraduate")),
]
SHIFT_LABELS = {Shift.DAY: _l("day shift"), Shift.NIGHT: _l("night shift"),
                Shift.ROTATING: _l("rotating shifts")}


class MultiCheckbox(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def _district_choices(blank=True):
    locale = locale_code()
    rows = db.session.scalars(sa.select(District).order_by(District.adcode))
    return ([SelectChoice("", "—")] if blank else []) + [
        SelectChoice(d.adcode, d.name(locale)) for d in rows
    ]


class EmployerForm(OnceForm):
    name = StringField(_l("Name"), validators=[
        DataRequired(_l("Enter the employer's registered name.")), Length(max=120)])
    uscc = StringField(
        _l("Unified social credit code"),
        description=_l("18 characters, as on the business licence."),
    )
    industry = StringField(_l("Industry"), validators=[Optional(), Length(max=60)])
    district = SelectField(_l("District"), validators=[Optional()])
    address = StringField(_l("Address"), validators=[Optional(), Length(max=200)])
    contact_person = StringField(_l("Contact person"), validators=[Optional(), Length(max=60)])
    contact_phone = StringField(_l("Contact phone"), validators=[Optional()])
    contact_shareable = BooleanField(
        _l("The employer agrees that job seekers may see its contact details")
    )
    pledge_date = DateField(
        _l("Fair-chance pledge signed on"), validators=[Optional()],
        description=_l("The date the employer pledged not to discriminate against people "
                       "who have completed rehabilitation."),
    )
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Save employer"))

    def __init__(self, *args, employer: Employer | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self._employer = employer
        self.district.choices = _district_choices()

    def validate_uscc(self, field):
        if not (field.data or "").strip():
            if self._employer is not None and self._employer.uscc:
                raise ValidationError(_l("A verified employer keeps its credit code."))
            return
        check_credit_code(field, self._employer)

    def validate_contact_phone(self, field):
        if (field.data or "").strip():
            check_phone(field)


def check_credit_code(field, employer: Employer | None) -> None:
    """Canonicalise a typed credit code; refuse an invalid one or another employer's."""
    try:
        field.data = validate_uscc(field.data)
    except ValueParseError as error:
        raise ValidationError(value_error_message(error)) from None
    query = sa.select(Employer).where(Employer.uscc == field.data)
    if employer is not None:
        query = query.where(Employer.id != employer.id)
    other = db.session.scalar(query)
    if other is not None:
        raise ValidationError(
            _l("%(name)s is already registered with this code.", name=other.name)
        )


def check_phone(field) -> None:
    try:
        field.data = validate_mobile(field.data)
    except ValueParseError as error:
        raise ValidationError(value_error_message(error)) from None


class OpeningForm(OnceForm):
    title = StringField(_l("Job title"), validators=[
        DataRequired(_l("Enter the job title as the employer calls it.")), Length(max=120)])
    category_code = SelectField(
        _l("Job category"),
        description=_l("Suggested from the title; change it if it is wrong."),
        validators=[DataRequired(_l("Choose the job category."))],
    )
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=4000)])
    pay_min = WholeNumberField(_l("Base pay from (yuan/month)"), validators=[
        Optional(), NumberRange(500, 200000, _l("Enter a monthly pay from 500 to 200,000."))])
    pay_max = WholeNumberField(_l("Base pay up to (yuan/month)"), validators=[
        Optional(), NumberRange(500, 200000, _l("Enter a monthly pay from 500 to 200,000."))])
    pay_months = WholeNumberField(
        _l("Months paid a year"), default=12,
        description=_l("12 unless the employer pays extra months: 13薪 is 13. The pay above "
                       "is one month's base pay, without the extra months."),
        validators=[Optional(), NumberRange(12, 24, _l("Enter from 12 to 24 months."))])
    district = SelectField(_l("District"), validators=[
        DataRequired(_l("Choose the district where the work is."))])
    accommodation = BooleanField(_l("Accommodation provided"))
    shift = SelectField(_l("Shift"))
    education_min = SelectField(_l("Minimum education"), coerce=int)
    experience_min = FloatField(_l("Years of experience required"), default=0, validators=[
        Optional(), NumberRange(0, 40, _l("Enter a number of years from 0 to 40."))])
    certificates_required = MultiCheckbox(_l("Certificates required"))
    environments = MultiCheckbox(
        _l("Work environment"),
        description=_l("Tick what applies, so that people who asked to avoid it are not "
                       "recommended this opening."),
    )
    headcount = WholeNumberField(
        _l("Headcount"),
        description=_l("Leave empty if the number is open (招若干人)."),
        validators=[Optional(), NumberRange(1, 10000, _l("Enter a headcount from 1 to 10,000."))],
    )
    submit = SubmitField(_l("Save opening"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        locale = locale_code()
        self.category_code.choices = [SelectChoice("", "—")] + [
            SelectChoice(c.code, c.name(locale))
            for c in db.session.scalars(sa.select(JobCategory).order_by(JobCategory.position))
        ]
        self.district.choices = _district_choices()
        self.shift.choices = [SelectChoice(s.value, label) for s, label in SHIFT_LABELS.items()]
        self.education_min.choices = [SelectChoice(v, label) for v, label in EDUCATION_LABELS]
        self.certificates_required.choices = [
            SelectChoice(c.code, c.name(locale)) for c in db.session.scalars(sa.select(Certificate))
        ]
        self.environments.choices = [
            SelectChoice(e.tag, e.name(locale)) for e in db.session.scalars(sa.select(Environment))
        ]

    def validate_pay_max(self, field):
        if field.data is not None and self.pay_min.data is not None \
                and field.data < self.pay_min.data:
            raise ValidationError(_l("The upper pay must not be below the lower pay."))

    def opening_data(self) -> dict:
        return {
            "title": self.title.data.strip(), "category_code": self.category_code.data,
            "description": self.description.data or "", "pay_min": self.pay_min.data,
            "pay_max": self.pay_max.data, "pay_months": self.pay_months.data or 12,
            "pay_period": "month", "district": self.district.data,
            "accommodation": bool(self.accommodation.data), "shift": Shift(self.shift.data),
            "education_min": self.education_min.data,
            "experience_min": float(self.experience_min.data or 0),
            "certificates_required": list(self.certificates_required.data or []),
            "environments": list(self.environments.data or []),
            "headcount": self.headcount.data,
        }


class VerifyEmployerForm(FlaskForm):
    """What employment staff check and record before an employer's openings reach seekers."""

    uscc = StringField(
        _l("Unified social credit code"),
        description=_l("18 characters, as on the business licence; both check characters "
                       "are checked."),
    )
    contact_person = StringField(_l("Contact person"), validators=[
        DataRequired(_l("Enter the employer's contact person.")), Length(max=60)])
    contact_phone = StringField(_l("Contact phone"), validators=[
        DataRequired(_l("Enter the contact person's phone."))])
    pledge_date = DateField(
        _l("Fair-chance pledge signed on"),
        validators=[DataRequired(_l("Enter the date the fair-chance pledge was signed."))],
        description=_l("The date the employer pledged not to discriminate against people "
                       "who have completed rehabilitation."),
    )
    pledge_signed_by = StringField(
        _l("Pledge signed by"),
        validators=[DataRequired(_l("Enter who signed the fair-chance pledge for the "
                                    "employer.")), Length(max=60)],
        description=_l("Name and position of the person who signed for the employer."),
    )
    licence_checked = BooleanField(
        _l("I compared the name and the credit code with the business licence"),
        validators=[DataRequired(_l("Compare the name and the credit code with the business "
                                    "licence, then tick the box."))],
    )
    submit = SubmitField(_l("Verify employer"))

    def __init__(self, *args, employer: Employer, **kwargs):
        super().__init__(*args, **kwargs)
        self._employer = employer

    def validate_uscc(self, field):
        if not (field.data or "").strip():
            raise ValidationError(_l("Enter the unified social credit code."))
        check_credit_code(field, self._employer)

    def validate_contact_phone(self, field):
        check_phone(field)

    def validate_pledge_date(self, field):
        if field.data is not None and field.data > local_today():
            raise ValidationError(_l("The pledge date cannot be in the future."))

    def verification_data(self) -> dict:
        return {"uscc": self.uscc.data, "contact_person": self.contact_person.data.strip(),
                "contact_phone": self.contact_phone.data,
                "pledge_date": self.pledge_date.data,
                "pledge_signed_by": self.pledge_signed_by.data.strip()}


class SuspendEmployerForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason"),
        description=_l("E.g. a complaint from a job seeker, or the fair-chance pledge broken. "
                       "Its openings leave every page, sheet and bulletin for job seekers at "
                       "once."),
        validators=[DataRequired(_l("Give the reason for the suspension.")),
                    Length(max=2000)],
    )
    submit = SubmitField(_l("Suspend employer"))


class ActionForm(FlaskForm):
    """An empty form: a CSRF-protected button."""
