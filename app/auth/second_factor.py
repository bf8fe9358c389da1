"""The second factor (TOTP, RFC 6238) and recent re-authentication before exports."""

from datetime import datetime
from functools import wraps

import pyotp
from flask import current_app, redirect, request, session, url_for
from flask_login import current_user

from app.crypto import decrypt_text, encrypt_text
from models import Role, utcnow

REAUTH_KEY = "qibu_reauth_at"
ISSUER = "Qibu"


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(user, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=ISSUER)


def store_secret(user, secret: str) -> None:
    user.totp_secret = encrypt_text(secret)


def verify(user, code: str) -> bool:
    """Check a 6-digit code against the user's secret (one step of clock drift allowed)."""
    secret = decrypt_text(user.totp_secret) if user.totp_secret else None
    code = "".join(ch for ch in (code or "") if ch.isdigit())
    return bool(secret and len(code) == 6 and pyotp.TOTP(secret).verify(code, valid_window=1))


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
