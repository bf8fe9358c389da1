"""Early erasure on request (PIPL art. 47): anonymise one person now, as retention would.

A person may ask the bureau to erase their personal data before the retention period
ends. `erase_seeker` anonymises them exactly as `qibu purge` does
(`app.retention.anonymise_person`) and audits it under the pseudonymous code only.

It is refused in two cases, each with a message that says what to do:

* the person's data is already erased;
* a follow-up of their job is due and not yet recorded. The follow-up is part of the
  support they were promised and of the retention-in-work figures; the person is usually
  there when they ask, so staff record it first (or record that the person could not be
  reached) and then erase. Follow-ups not yet due stay scheduled under the code and are
  recorded in their time (by then usually as "could not be reached").
"""

from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, ValidationError

from app.audit import log_event
from app.clock import local_today
from app.retention import anonymise_person, blank_notes
from models import FollowUp, Placement, Seeker, StaffUser, StateError, db

REASONS = {
    "person_request": _l("The person asked for their data to be erased"),
    "consent_withdrawn": _l("The person withdrew their consent and asked for erasure"),
    "registered_in_error": _l("Registered by mistake (wrong or duplicate person)"),
}


class ErasureForm(FlaskForm):
    """Confirm an erasure by typing the person's pseudonymous code."""

    reason = SelectField(_l("Reason for the erasure"),
                         choices=[SelectChoice(k, v) for k, v in REASONS.items()],
                         validators=[DataRequired()])
    code = StringField(
        _l("Type the person's code to confirm"),
        validators=[DataRequired(_l("Type the person's code."))],
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
    submit = SubmitField(_l("Erase this person's data"))

    def __init__(self, expected_code: str, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._expected = expected_code

    def validate_code(self, field):
        if "".join((field.data or "").split()).upper() != self._expected.upper():
            raise ValidationError(_l("That is not this person's code; nothing was erased."))


def due_follow_ups(seeker: Seeker, today: date | None = None) -> int:
    """How many follow-ups of the person's placements are due and not yet recorded."""
    return db.session.scalar(
        sa.select(sa.func.count(FollowUp.id))
        .join(Placement, Placement.id == FollowUp.placement_id)
        .where(Placement.seeker_id == seeker.id, FollowUp.done_on.is_(None),
               FollowUp.due_on <= (today or local_today()))
    )


def erasure_refusal(seeker: Seeker, today: date | None = None) -> StateError | None:
    """Why this person's data cannot be erased now, or None."""
    if seeker.anonymised_at is not None:
        return StateError(_l("This person's personal data has already been erased."))
    due = due_follow_ups(seeker, today)
    if due:
        return StateError(_l(
            "A follow-up of this person's job is due and not yet recorded (%(n)s in all). "
            "Ask an organizer to record it first, or to record that the person could not "
            "be reached; then erase their data."), n=due)
    return None


def erasure_summary(seeker: Seeker) -> dict:
    """What an erasure of this person touches, for the confirmation page (counts only)."""
    return {"surveys": len(seeker.surveys),
            "notes": blank_notes([seeker.id], dry_run=True),
            "consents": int(seeker.consent_share) + int(seeker.consent_contact)}


def erase_seeker(seeker: Seeker, actor: StaffUser, reason: str) -> int:
    """Anonymise one person now, on their request; return how many notes were blanked.

    Flushes and audits (the code and the reason only), never commits.

    Raises
    ------
    StateError
        When the erasure is refused (see `erasure_refusal`).
    """
    if reason not in REASONS:
        raise ValueError(reason)
    refusal = erasure_refusal(seeker)
    if refusal is not None:
        raise refusal
    notes = anonymise_person(seeker)
    log_event("seeker_erased", seeker, actor=actor, code=seeker.code, reason=reason,
              notes_blanked=notes)
    return notes
