"""The second factor (TOTP, RFC 6238) and recent re-authentication before exports.

A code is accepted once: the user's last accepted time step is kept
(`StaffUser.totp_last_step`) and a code of that step or an earlier one is refused, so a
code seen over a shoulder or replayed from a captured request does not log in again.
"""

import hmac
from datetime import UTC, datetime
from functools import wraps

import pyotp
import sqlalchemy as sa
from flask import current_app, redirect, request, session, url_for
from flask_login import current_user
from sqlalchemy.orm.attributes import set_committed_value

from app.crypto import decrypt_text, encrypt_text
from models import Role, StaffUser, db, utcnow

REAUTH_KEY = "qibu_reauth_at"
ISSUER = "Qibu"


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(user, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=ISSUER)


def store_secret(user, secret: str, accepted_step: int | None = None) -> None:
    """Give the user a new secret; `accepted_step` is the step of the code that proved it
    (no code of the old secret matters any more)."""
    user.totp_secret = encrypt_text(secret)
    user.totp_last_step = accepted_step


def matching_step(secret: str | None, code: str | None) -> int | None:
    """The time step (30 s) whose code for `secret` is `code`, allowing one step of clock
    drift either way; None when it matches none. Checks only, records nothing."""
    code = "".join(ch for ch in (code or "") if ch.isdigit())
    if not secret or len(code) != 6:
        return None
    totp = pyotp.TOTP(secret)
    now = totp.timecode(datetime.now(UTC))
    for step in (now, now - 1, now + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def verify(user, code: str) -> bool:
    """Accept a current code of the user's secret once: its time step must be later than
    the last one accepted, recorded by one conditional UPDATE so that two requests racing
    with the same code cannot both pass. The caller commits."""
    secret = decrypt_text(user.totp_secret) if user.totp_secret else None
    step = matching_step(secret, code)
    if step is None:
        return False
    accepted = db.session.execute(
        sa.update(StaffUser)
        .where(StaffUser.id == user.id,
               sa.or_(StaffUser.totp_last_step.is_(None), StaffUser.totp_last_step < step))
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    ).rowcount == 1
    if accepted:
        set_committed_value(user, "totp_last_step", step)
    return accepted


def needs_second_factor(user) -> bool:
    return bool(user.totp_enabled and user.totp_secret)


def must_enrol(user) -> bool:
    """Admins must use a second factor (QIBU_ADMIN_REQUIRES_TOTP)."""
    return (user.role is Role.ADMIN and current_app.config["ADMIN_REQUIRES_TOTP"]
            and not user.totp_enabled)


def mark_reauthenticated() -> None:
    session[REAUTH_KEY] = utcnow().isoformat()


def recently_authenticated() -> bool:
    stamp = session.get(REAUTH_KEY)
    if not stamp:
        return False
    age = (utcnow() - datetime.fromisoformat(stamp)).total_seconds()
    return age <= current_app.config["REAUTH_MINUTES"] * 60


def reauthentication_required(view):
    """Ask for the password again before an export when the last one is not recent."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        if current_user.is_authenticated and not recently_authenticated():
            return redirect(url_for("auth.confirm", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return wrapper
