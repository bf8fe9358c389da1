"""Forms for running a course: a session, enrolment, attendance, completion and its
correction, withdrawal."""

import re

from flask_babel import lazy_gettext as _l
from wtforms import SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.submissions import OnceForm
from surveys.questionnaire import OptionalDateField

DATE_MESSAGE = _l("Write the date as 2026-07-15 or 2026年7月15日.")


class SessionForm(OnceForm):
    held_on = OptionalDateField(
        _l("Date"), validators=[DataRequired(_l("Enter the session's date, e.g. 2026-12-15."))],
        invalid_value_message=DATE_MESSAGE)
    topic = StringField(_l("Topic"), validators=[
        DataRequired(_l("Say what the session covers.")),
        Length(max=200, message=_l("Use at most 200 characters."))])
    place = StringField(_l("Place"), validators=[
        Optional(), Length(max=120, message=_l("Use at most 120 characters."))])
    submit = SubmitField(_l("Add session"))


class EnrolForm(OnceForm):
    seeker_ids = SelectMultipleField(_l("People of the facility not enrolled yet"), coerce=int,
                                     validate_choice=False)
    codes = StringField(_l("Or type their codes"), validators=[Optional(), Length(max=2000)],
                        description=_l("Codes such as QB7K3M9X, separated by spaces or "
                                       "commas."))
    submit = SubmitField(_l("Enrol"))

    def typed_codes(self) -> list[str]:
        return [code for code in re.split(r"[\s,，、;；]+", self.codes.data or "") if code]


class CompleteForm(OnceForm):
    completed_on = OptionalDateField(
        _l("Completed on"),
        validators=[DataRequired(_l("Enter the day the person completed the course."))],
        invalid_value_message=DATE_MESSAGE)
    submit = SubmitField(_l("Record completion"))


class UndoCompletionForm(OnceForm):
    reason = TextAreaField(_l("Why is the completion taken back?"), validators=[
        DataRequired(_l("Say why the completion is taken back.")),
        Length(max=500, message=_l("Use at most 500 characters."))])
    submit = SubmitField(_l("Undo completion"))


class ActionForm(OnceForm):
    """A button that changes something (attendance, withdrawal, removing a session),
    saved once."""
