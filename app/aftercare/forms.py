"""Forms of release, hand-over and follow-up after release."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, Length, NumberRange, Optional, ValidationError

from app.submissions import OnceForm
from models import PlacementKind
from surveys.questionnaire import OptionalDateField, WholeNumberField

DATE_FORMAT_MESSAGE = _l("Enter the date as year-month-day, for example 2026-07-15.")
YES_NO = [SelectChoice("yes", _l("yes")), SelectChoice("no", _l("no"))]


class ReleaseForm(OnceForm):
    released_on = OptionalDateField(
        _l("Release date"), validators=[DataRequired(_l("Enter the day the person left."))],
        invalid_value_message=DATE_FORMAT_MESSAGE)
    submit = SubmitField(_l("Record release"))


class HandoverForm(OnceForm):
    # any id is let through: the hand-over's own rule answers one that is not an active
    # social worker's with what to do
    social_worker_id = SelectField(_l("Community social worker"), coerce=int,
                                   validate_choice=False, validators=[Optional()])
    consent = BooleanField(_l("The person agreed to be handed to this social worker"))
    note = TextAreaField(
        _l("What the follow-up needs to know"),
        description=_l("Job-relevant only: the work the person wants, where, what helps. "
                       "No rehabilitation history, no health details."),
        validators=[Optional(), Length(max=2000, message=_l(
            "Say it in at most 2,000 characters."))])
    submit = SubmitField(_l("Hand over"))

    def set_workers(self, workers) -> None:
        self.social_worker_id.choices = [SelectChoice(0, "—")] + [
            SelectChoice(w.id, f"{w.display_name} ({w.username})") for w in workers]


class CheckForm(OnceForm):
    done_on = OptionalDateField(
        _l("Date of the check"), validators=[DataRequired(_l("Enter the date."))],
        invalid_value_message=DATE_FORMAT_MESSAGE)
    reached = RadioField(
        _l("Reached the person"), choices=YES_NO, validate_choice=False,
        validators=[DataRequired(_l("Say whether you reached the person.")),
                    AnyOf(("yes", "no"), _l("Say whether you reached the person."))])
    # no Optional(): it would stop the chain before validate_working asks for an answer
    working = RadioField(_l("Working (any job)"), choices=YES_NO, validate_choice=False)
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000, message=_l(
        "Say it in at most 2,000 characters."))])
    submit = SubmitField(_l("Save check"))

    def validate_working(self, field):
        if self.reached.data == "yes" and field.data not in ("yes", "no"):
            raise ValidationError(_l("Say whether the person is working."))


class OwnJobForm(OnceForm):
    kind = RadioField(
        _l("Kind of work"), default=PlacementKind.JOB.value, validate_choice=False,
        choices=[SelectChoice(PlacementKind.JOB.value, _l("a job they found themselves")),
                 SelectChoice(PlacementKind.SELF_EMPLOYMENT.value, _l("their own business"))],
        validators=[AnyOf([k.value for k in PlacementKind], _l("Choose the kind of work."))])
    job_title = StringField(
        _l("What the work is"), description=_l("For example “warehouse picker”."),
        validators=[DataRequired(_l("Say what the work is.")), Length(max=120)])
    category_code = SelectField(_l("Job category"), validators=[Optional()])
    start_date = OptionalDateField(
        _l("Start date"), validators=[DataRequired(_l("Enter the first day of work."))],
        invalid_value_message=DATE_FORMAT_MESSAGE)
    monthly_pay = WholeNumberField(_l("Monthly pay (yuan)"), validators=[
        Optional(), NumberRange(500, 200000, _l("Enter a monthly pay from 500 to 200,000."))])
    additional_job_reason = StringField(
        _l("Additional job: reason"),
        description=_l("Only when the person keeps another current job from Qibu: say why "
                       "they take this one as well."),
        validators=[Optional(), Length(max=1000, message=_l(
            "Say why in at most 1,000 characters."))])
    submit = SubmitField(_l("Record job"))

    def set_categories(self, choices) -> None:
        self.category_code.choices = [SelectChoice("", "—")] + [
            SelectChoice(code, name) for code, name in choices]


class ReferralRequestForm(OnceForm):
    note = TextAreaField(
        _l("What kind of work, and where"),
        description=_l("Job-relevant only, for example “warehouse or delivery work in "
                       "Minhang, day shifts”. No rehabilitation history."),
        validators=[DataRequired(_l("Say what kind of work the person looks for, and "
                                    "where.")),
                    Length(max=500, message=_l("Say it in at most 500 characters."))])
    submit = SubmitField(_l("Ask for a referral"))
