"""Forms of the information corner: a bulletin week, and a skills course."""

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from app.i18n import locale_code
from app.submissions import OnceForm
from models import Certificate, Course, Facility, JobCategory, StateError, db, week_monday
from surveys.questionnaire import OptionalDateField, WholeNumberField


class BulletinForm(FlaskForm):
    week = StringField(
        _l("Week"), validators=[DataRequired(_l("Choose the week of the issue."))],
        description=_l("The ISO week, e.g. 2026-W48: one issue per facility per week."),
        render_kw={"type": "week", "placeholder": "2026-W48"},
    )
    submit = SubmitField(_l("Make this week's issue"))

    def validate_week(self, field):
        try:
            week_monday(field.data)
        except StateError as error:
            raise ValidationError(error.user_message()) from None


class ActionForm(FlaskForm):
    """An empty form: a CSRF-protected button."""


DATE_MESSAGE = _l("Write the date as 2026-07-15 or 2026年7月15日.")


class CourseForm(OnceForm):
    facility_id = SelectField(_l("Facility"), coerce=int)
    name = StringField(_l("Course name"), validators=[
        DataRequired(_l("Enter the course's name.")), Length(max=120)])
    category_code = SelectField(
        _l("Job category"), validators=[Optional()],
        description=_l("The kind of work the course prepares for, if any."))
    certificate_code = SelectField(
        _l("Certificate awarded"), validators=[Optional()],
        description=_l("Seekers' pages link this course where an opening asks for this "
                       "certificate."))
    starts_on = OptionalDateField(_l("Starts on"), invalid_value_message=DATE_MESSAGE)
    ends_on = OptionalDateField(_l("Ends on"), invalid_value_message=DATE_MESSAGE)
    seats = WholeNumberField(_l("Seats"), validators=[
        Optional(), NumberRange(1, 1000, _l("Enter a number of seats from 1 to 1,000."))])
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=2000)],
                          description=_l("Who may join, where it is held, how to sign up."))
    submit = SubmitField(_l("Save course"))

    def __init__(self, *args, facilities: list[Facility], course: Course | None = None,
                 **kwargs):
        super().__init__(*args, **kwargs)
        self._course = course
        locale = locale_code()
        self.facility_id.choices = [SelectChoice(f.id, f.name(locale)) for f in facilities]
        self.category_code.choices = [SelectChoice("", "—")] + [
            SelectChoice(c.code, c.name(locale))
            for c in db.session.scalars(sa.select(JobCategory).order_by(JobCategory.position))
        ]
        self.certificate_code.choices = [SelectChoice("", "—")] + [
            SelectChoice(c.code, c.name(locale))
            for c in db.session.scalars(sa.select(Certificate).order_by(Certificate.code))
        ]

    def validate_ends_on(self, field):
        if field.data and self.starts_on.data and field.data < self.starts_on.data:
            raise ValidationError(_l("A course cannot end before it starts."))

    def validate_name(self, field):
        query = sa.select(Course.id).where(Course.facility_id == self.facility_id.data,
                                           Course.name == (field.data or "").strip())
        if self._course is not None:
            query = query.where(Course.id != self._course.id)
        if db.session.scalar(query) is not None:
            raise ValidationError(_l("This facility already has a course with this name."))

    def course_data(self) -> dict:
        return {name: self[name].data for name in (
            "name", "category_code", "certificate_code", "starts_on", "ends_on", "seats",
            "notes")}
