"""Forms of the referral pages; each is saved once (OnceForm), so a double click saves once."""

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, Length, NumberRange, Optional

from app.submissions import OnceForm
from models import DeclineReason, ReferralSource, ReferralStatus
from surveys.questionnaire import OptionalDateField, WholeNumberField

DATE_FORMAT_MESSAGE = _l("Enter the date as year-month-day, for example 2026-07-15.")

DECLINE_REASON_LABELS = {
    DeclineReason.SKILLS: _l("skills do not fit"),
    DeclineReason.DISTANCE: _l("too far"),
    DeclineReason.PAY: _l("pay"),
    DeclineReason.RECORD: _l("rehabilitation record"),
    DeclineReason.NO_SHOW: _l("did not come"),
    DeclineReason.OTHER: _l("other"),
}

STATUS_LABELS = {
    ReferralStatus.OPEN: _l("referred, no answer yet"),
    ReferralStatus.INTERVIEW: _l("invited to interview"),
    ReferralStatus.OFFERED: _l("offered"),
    ReferralStatus.PLACED: _l("hired"),
    ReferralStatus.DECLINED: _l("declined"),
    ReferralStatus.WITHDRAWN: _l("withdrawn"),
}

SOURCE_LABELS = {
    ReferralSource.RECOMMENDATION: _l("from the person's recommended openings"),
    ReferralSource.OPENING: _l("from the opening's ranked job seekers"),
    ReferralSource.PRACTICE: _l("after a job-practice day"),
    ReferralSource.REQUEST: _l("asked for by a community social worker"),
}

MONTHLY_PAY = [Optional(), NumberRange(500, 200000, _l("Enter a monthly pay from 500 to "
                                                         "200,000."))]


class ReferForm(OnceForm):
    """Refer one person (by code) to one opening; the Refer buttons send it."""

    code = HiddenField(validators=[DataRequired()])
    opening_id = HiddenField(validators=[DataRequired()])
    source = HiddenField(validators=[AnyOf([s.value for s in ReferralSource])],
                         default=ReferralSource.RECOMMENDATION.value)
    request_id = HiddenField(validators=[Optional()])


class InterviewForm(OnceForm):
    interview_on = OptionalDateField(
        _l("Interview date"), validators=[DataRequired(_l("Enter the day of the interview."))],
        invalid_value_message=DATE_FORMAT_MESSAGE)


class OfferForm(OnceForm):
    offered_on = OptionalDateField(
        _l("Offer date"), validators=[DataRequired(_l("Enter the day of the offer."))],
        invalid_value_message=DATE_FORMAT_MESSAGE)
    offered_pay = WholeNumberField(_l("Monthly pay offered (yuan)"), validators=MONTHLY_PAY)


class DeclineForm(OnceForm):
    declined_on = OptionalDateField(
        _l("Date"), validators=[DataRequired(_l("Enter the date."))],
        invalid_value_message=DATE_FORMAT_MESSAGE)
    # no default: staff choose; an empty choice is refused by the model's rule
    reason = SelectField(_l("Why it did not go on"), validate_choice=False,
                         validators=[Optional()])
    note = StringField(_l("Note"), validators=[Optional(), Length(
        max=1000, message=_l("Write at most 1,000 characters."))])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.reason.choices = [SelectChoice("", "—")] + [
            SelectChoice(r.value, label) for r, label in DECLINE_REASON_LABELS.items()]

    def decline_reason(self) -> DeclineReason | None:
        try:
            return DeclineReason(self.reason.data) if self.reason.data else None
        except ValueError:
            return None


class WithdrawForm(OnceForm):
    pass


class HireForm(OnceForm):
    start_date = OptionalDateField(
        _l("Start date"), validators=[DataRequired(_l("Enter the first day of work."))],
        invalid_value_message=DATE_FORMAT_MESSAGE)
    monthly_pay = WholeNumberField(_l("Monthly pay (yuan)"), validators=MONTHLY_PAY)
    additional_job_reason = StringField(
        _l("Additional job: reason"),
        description=_l("Only when the person keeps another current job from Qibu: say why "
                       "they take this one as well."),
        validators=[Optional(), Length(max=1000, message=_l(
            "Say why in at most 1,000 characters."))])
