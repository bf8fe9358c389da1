"""Log in and out with server-side sessions, and throttle failed logins in the database."""

import functools
import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app, session
from flask_login import login_user, logout_user
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from app.audit import client_address, log_event
from app.auth.passwords import (
    DUMMY_PASSWORD,
    hash_password,
    needs_rehash,
    verify_password,
)
from models import LoginSession, LoginThrottle, Role, StaffUser, db, utcnow

SESSION_KEY = "qibu_sid"
LAST_SEEN_RESOLUTION = timedelta(seconds=60)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def throttle_keys(username: str) -> list[str]:
    return [f"user:{username.strip().lower()[:100]}", f"ip:{client_address()}"]


def locked_for(keys: list[str]):
    """Return the remaining lock time if any key is locked, else None."""
    now = utcnow()
    locks = db.session.scalars(
        sa.select(LoginThrottle.locked_until).where(
            LoginThrottle.key.in_(keys), LoginThrottle.locked_until > now
        )
    ).all()
    return max(locks) - now if locks else None


def count_failure(keys: list[str], *, limit: int | None = None,
                  window: timedelta | None = None) -> None:
    """Count one failure against each key, atomically, locking it at the limit."""
    now = utcnow()
    window = window or timedelta(minutes=current_app.config["LOGIN_LOCK_MINUTES"])
    limit = limit or current_app.config["LOGIN_MAX_FAILURES"]
    for key in keys:
        # start a new window when the old one has expired
        db.session.execute(
            sa.update(LoginThrottle)
            .where(LoginThrottle.key == key, LoginThrottle.window_started_at < now - window)
            .values(failures=0, window_started_at=now, locked_until=None)
        )
        result = db.session.execute(
            sa.update(LoginThrottle)
            .where(LoginThrottle.key == key)
            .values(failures=LoginThrottle.failures + 1)
        )
        if result.rowcount == 0:
            try:
                with db.session.begin_nested():
                    db.session.add(LoginThrottle(key=key, failures=1, window_started_at=now))
            except IntegrityError:
                db.session.execute(
                    sa.update(LoginThrottle)
                    .where(LoginThrottle.key == key)
                    .values(failures=LoginThrottle.failures + 1)
                )
        db.session.execute(
            sa.update(LoginThrottle)
            .where(LoginThrottle.key == key, LoginThrottle.failures >= limit)
            .values(locked_until=now + window)
        )


def clear_failures(username: str) -> None:
    key = throttle_keys(username)[0]
    db.session.execute(sa.delete(LoginThrottle).where(LoginThrottle.key == key))


def authenticate(username: str, password: str) -> StaffUser | None:
    """Return the active user with these credentials, or None (same cost either way)."""
    user = db.session.scalar(
        sa.select(StaffUser).where(sa.func.lower(StaffUser.username) == username.strip().lower())
    )
    if user is None:
        verify_password(hash_password(DUMMY_PASSWORD), password)
        return None
    if not verify_password(user.password_hash, password) or not user.active:
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def start_session(user: StaffUser) -> None:
    """Log the user in with a fresh session identifier (the old session is discarded)."""
    language = session.get("lang")
    session.clear()
    if language:
        session["lang"] = language
    token = secrets.token_urlsafe(32)
    db.session.add(
        LoginSession(token_hash=_token_hash(token), user_id=user.id, ip=client_address())
    )
    user.last_login_at = utcnow()
    session[SESSION_KEY] = token
    session.permanent = True
    login_user(user)
    log_event("login", user, actor=user)


def end_session() -> None:
    """Revoke the server-side session and clear the cookie."""
    token = session.get(SESSION_KEY)
    if token:
        login = db.session.scalar(
            sa.select(LoginSession).where(LoginSession.token_hash == _token_hash(token))
        )
        if login is not None:
            login.revoke()
    logout_user()
    session.clear()


def revoke_sessions(user: StaffUser) -> None:
    """Revoke every open session of a user (disabled account, changed role or password)."""
    db.session.execute(
        sa.update(LoginSession)
        .where(LoginSession.user_id == user.id, LoginSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


@functools.cache
def _session_with_user():
    """The login session of a token with its user, in one query built once (it runs on
    every request, and building it costs more than running it)."""
    return (sa.select(LoginSession)
            .where(LoginSession.token_hash == sa.bindparam("token_hash", type_=sa.String))
            .options(joinedload(LoginSession.user, innerjoin=True)))


def load_session_user(user_id: str) -> StaffUser | None:
    """Flask-Login's user loader: only a live, unexpired server-side session counts."""
    token = session.get(SESSION_KEY)
    if not token or not str(user_id).isdigit():
        return None
    login = db.session.scalar(_session_with_user(), {"token_hash": _token_hash(token)})
    if login is None or login.revoked_at is not None or login.user_id != int(user_id):
        return None
    now = utcnow()
    # a kiosk is a device in the hall: its login stays; the visitor's visit times out instead
    is_kiosk = login.user.role is Role.KIOSK
    if not is_kiosk and now - login.last_seen_at > current_app.config["IDLE_TIMEOUT"]:
        login.revoke()
        db.session.commit()
        session["expired"] = True
        return None
    user = login.user
    if not user.active:
        return None
    if now - login.last_seen_at > LAST_SEEN_RESOLUTION:
        login.last_seen_at = now
        db.session.commit()
    return user
