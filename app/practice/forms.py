"""Forms for job practice: a practice day, a booking, attendance and the assessment."""

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from app.labels import category_choices
from app.opening_labels import opening_label
from app.submissions import OnceForm
from models import Employer, Opening, OpeningStatus, db
from surveys.questionnaire import OptionalDateField, WholeNumberField

YES_NO = [SelectChoice("", "—"), SelectChoice("yes", _l("yes")), SelectChoice("no", _l("no"))]


def _int_or_none(value):
    return int(value) if value not in (None, "", "None") else None


class PracticeDayForm(OnceForm):
    """A practice day: which employer, for which opening or category, when, where, how many."""

    # any id may be sent: the operation refuses an unverified employer or another
    # employer's opening with the reason, not as "not a valid choice"
    employer_id = SelectField(_l("Employer"), coerce=_int_or_none, validate_choice=False,
                              validators=[DataRequired(_l("Choose the employer."))],
                              description=_l("Verified employers only."))
    opening_id = SelectField(_l("Opening"), coerce=_int_or_none, validate_choice=False,
                             validators=[Optional()],
                             description=_l("The opening the person tries out; leave empty "
                                            "for a day that shows a kind of work."))
    category_code = SelectField(_l("Job category"), validators=[Optional()],
                                validate_choice=False,
                                description=_l("For a day with no opening: the kind of work."))
    held_on = OptionalDateField(
        _l("Date"), validators=[DataRequired(_l("Enter the day, e.g. 2026-12-15."))],
        invalid_value_message=_l("Enter the date as year-month-day, for example 2026-12-15."))
    place = StringField(_l("Place"), validators=[
        DataRequired(_l("Enter where the person goes, e.g. the address of the workshop.")),
        Length(max=200, message=_l("Use at most 200 characters."))])
    capacity = WholeNumberField(_l("Places"), validators=[
        DataRequired(_l("Enter how many people the employer takes that day.")),
        NumberRange(1, 200, _l("Enter from 1 to 200 places."))])
    tasks = TextAreaField(_l("What the person will do"), validators=[
        DataRequired(_l("Say what the person will do that day, e.g. sort parcels with a "
                        "team leader.")),
        Length(max=2000, message=_l("Use at most 2,000 characters."))])
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        employers = db.session.scalars(
            sa.select(Employer).where(Employer.verified).order_by(Employer.name)).all()
        self.employer_id.choices = [SelectChoice("", "—")] + [
            SelectChoice(e.id, e.name) for e in employers]
        openings = db.session.scalars(
            sa.select(Opening).join(Opening.employer)
            .where(Employer.verified, Opening.status == OpeningStatus.OPEN)
            .order_by(Employer.name, Opening.title, Opening.id)).all()
        self.opening_id.choices = [SelectChoice("", "—")] + [
            SelectChoice(o.id, f"{o.employer.name} · {opening_label(o)}") for o in openings]
        self.category_code.choices = [SelectChoice("", "—")] + [
            SelectChoice(code, name) for code, name in category_choices()]

    def data_for_day(self) -> dict:
        return {"employer_id": self.employer_id.data, "opening_id": self.opening_id.data,
                "category_code": self.category_code.data or None,
                "held_on": self.held_on.data, "place": self.place.data.strip(),
                "capacity": self.capacity.data, "tasks": self.tasks.data.strip()}


class BookingForm(OnceForm):
    code = StringField(_l("Job seeker's code"), validators=[
        DataRequired(_l("Enter the code of the person to book.")), Length(max=32)])
    submit = SubmitField(_l("Book"))


class AttendanceForm(OnceForm):
    attended = SelectField(_l("Attendance"), choices=[
        SelectChoice("", "—"), SelectChoice("yes", _l("attended")),
        SelectChoice("no", _l("did not come"))],
        validators=[DataRequired(_l("Choose whether the person came."))])
    submit = SubmitField(_l("Record attendance"))


class AssessmentForm(OnceForm):
    """The employer's short assessment: three yes/no answers (none preset) and a note."""

    punctual = SelectField(_l("Punctual"), choices=YES_NO, validators=[
        DataRequired(_l("Answer each question yes or no."))])
    able = SelectField(_l("Able to do the work"), choices=YES_NO, validators=[
        DataRequired(_l("Answer each question yes or no."))])
    would_hire = SelectField(_l("Would hire"), choices=YES_NO, validators=[
        DataRequired(_l("Answer each question yes or no."))])
    note = TextAreaField(_l("Note"), validators=[
        Optional(), Length(max=500, message=_l("Use at most 500 characters."))])
    submit = SubmitField(_l("Save the assessment"))

    def answers(self) -> dict:
        return {"punctual": self.punctual.data == "yes", "able": self.able.data == "yes",
                "would_hire": self.would_hire.data == "yes",
                "note": (self.note.data or "").strip()}


class ActionForm(FlaskForm):
    """A CSRF-protected button."""


class OnceActionForm(OnceForm):
    """A CSRF-protected button that saves once."""
