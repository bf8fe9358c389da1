"""Forms that save once: a form sent twice is saved once, and the repeat sees the first result.

A double click, a page sent again after a slow answer, or two requests at the same moment
used to save twice (two people with two surveys) or answer 500. Now every form that
changes something carries a random one-time key: `OnceForm`'s hidden field, or
`submission_key_field()` in a form written by hand. When the form validates, `claim`
writes the key into `form_submissions` as the request's first write, in the same
transaction as what the form then saves, and the view says where the result is shown
(`record_result`) before it commits. A second request with the key finds the row, or, sent
at the same moment, waits on the unique key until the first request commits and then
fails to insert it; either way it is sent to the first result with "This was already
saved": never a second row, never a 500. When the save fails (a refusal, a database
error) the transaction rolls back with the key, so the form can be corrected and sent
again.

A key says when it was made (seconds, in hex, before the dot). `qibu purge` forgets spent
keys after QIBU_SUBMISSION_KEY_DAYS, so older keys are refused as out of date rather than
saved a second time; a form without a key (a page opened before this rule) is refused the
same way, and shown again with a fresh key so that one more click saves it. Only the test
suite may send forms without a key (SUBMISSION_KEYS_REQUIRED off, as CSRF is off there).

Different forms saving the same thing at once (two tabs registering one ID number) meet
the database's own unique constraints instead: `is_unique_violation` lets the views say
"already recorded", and app/errors.py answers any other such race with a 409 page.
"""

import re
import secrets
import time
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from markupsafe import Markup
from sqlalchemy.exc import IntegrityError
from wtforms import HiddenField

from app.auth.redirects import path_of_same_origin, safe_next
from models import FormSubmission, db, utcnow

KEY_FIELD = "submission_key"
_KEY = re.compile(r"([0-9a-f]{8,12})\.([A-Za-z0-9_-]{24})")
_CLOCK_SKEW = 24 * 3600  # seconds a key may seem to come from the future (another worker)


def new_submission_key() -> str:
    """A fresh one-time key: the time it was made, a dot and 144 random bits."""
    return f"{int(time.time()):x}.{secrets.token_urlsafe(18)}"


def key_is_current(key: str | None) -> bool:
    """Whether `key` is a well-formed key young enough that a repeat of it is still known."""
    match = _KEY.fullmatch(key or "")
    if match is None:
        return False
    age = time.time() - int(match.group(1), 16)
    return -_CLOCK_SKEW < age < current_app.config["SUBMISSION_KEY_DAYS"] * 24 * 3600


class AlreadySaved(Exception):
    """The form was sent before and saved; `location` shows what it saved (None: unknown
    to this user)."""

    def __init__(self, location: str | None):
        super().__init__(location)
        self.location = location


def _user_id() -> int | None:
    return current_user.id if current_user.is_authenticated else None


def _refuse_repeat(key: str) -> None:
    first = db.session.scalar(sa.select(FormSubmission).where(FormSubmission.key == key))
    if first is not None:
        raise AlreadySaved(first.result_location if first.user_id == _user_id() else None)


def claim(key: str | None) -> bool:
    """Spend a form's one-time key, as the first write of the transaction that saves it.

    Return False when the form carries no usable key (missing, malformed or out of date):
    it must be sent again with a fresh one. Raise `AlreadySaved` when the key was spent
    before, or by another request at this moment (this one waits until that one ends).
    """
    if not key and not current_app.config["SUBMISSION_KEYS_REQUIRED"]:
        return True
    if not key_is_current(key):
        return False
    claimed = g.get("form_submission")
    if claimed is not None and claimed.key == key:  # validated twice in one request
        return True
    _refuse_repeat(key)
    submission = FormSubmission(key=key, user_id=_user_id())
    db.session.add(submission)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        _refuse_repeat(key)
        raise
    g.form_submission = submission
    return True


def record_result(location: str) -> None:
    """Say where the saved result is shown (a path on this site), before the commit, so a
    repeat of this form lands there."""
    submission = g.get("form_submission")
    if submission is not None:
        submission.result_location = location[:500]


def refuse_stale_form() -> None:
    """Tell the user the form was not saved because it carried no usable key."""
    flash(_("This form was opened too long ago, or before Qibu was updated, to be saved "
            "safely. Nothing was saved: check it and save it again."), "error")


class OnceForm(FlaskForm):
    """A form that is saved once: its hidden one-time key is spent when it validates."""

    submission_key = HiddenField(default=new_submission_key)

    def validate_on_submit(self, extra_validators=None) -> bool:
        if not super().validate_on_submit(extra_validators=extra_validators):
            return False
        # raw_data is what the browser sent; without it the field holds a fresh default
        sent = (self.submission_key.raw_data or [None])[0]
        if claim(sent):
            return True
        self.submission_key.data = new_submission_key()  # shown again, ready to save
        refuse_stale_form()
        return False


def submission_key_field() -> Markup:
    """The hidden one-time key input, for a form written by hand in a template."""
    return Markup('<input type="hidden" name="{}" value="{}">').format(
        KEY_FIELD, new_submission_key())


def is_unique_violation(error: IntegrityError) -> bool:
    """Whether the database refused a row because a unique key already has it, i.e. the
    same thing was saved first by someone else (most often at the same moment)."""
    sqlstate = getattr(error.orig, "sqlstate", None)  # psycopg
    if sqlstate is not None:
        return sqlstate == "23505"
    return str(error.orig).startswith("UNIQUE constraint failed")  # sqlite3


def refuse_duplicate(error: IntegrityError, message: str) -> None:
    """Answer a unique violation (see `is_unique_violation`) by rolling back and saying
    `message`; any other integrity error is raised again."""
    if not is_unique_violation(error):
        raise error
    db.session.rollback()
    flash(message, "error")


def forget_submission_keys(now: datetime | None = None, *, dry_run: bool = False) -> int:
    """Delete spent keys older than SUBMISSION_KEY_DAYS (such keys are refused anyway);
    return how many."""
    cutoff = (now or utcnow()) - timedelta(days=current_app.config["SUBMISSION_KEY_DAYS"])
    old = FormSubmission.created_at < cutoff
    if dry_run:
        return db.session.scalar(sa.select(sa.func.count(FormSubmission.id)).where(old))
    return db.session.execute(
        sa.delete(FormSubmission).where(old).execution_options(synchronize_session=False)
    ).rowcount


def init_app(app) -> None:
    app.add_template_global(submission_key_field)

    @app.errorhandler(AlreadySaved)
    def already_saved(error):
        db.session.rollback()
        flash(_("This was already saved; it was not saved a second time."), "info")
        return redirect(safe_next(error.location)
                        or path_of_same_origin(request.referrer, request.host)
                        or url_for("main.index"))
