"""Log in and out with server-side sessions, and slow down password guessing in the database.

A wrong password (at login, at the re-entry before exports, at a password change or a
second-factor change) counts against the account from this address, the account from
everywhere and this address; past a few failures each further attempt waits a growing
delay, which an administrator can clear. An attempt during the delay is refused without
the password being checked, and audited.
"""

import functools
import hashlib
import math
import secrets
from dataclasses import dataclass
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


@dataclass(frozen=True)
class ThrottleKey:
    """One counter of failed attempts, and how long each attempt after the free ones waits.

    After the `free`-th failure in a row the next attempt waits `first_delay` seconds
    (`LOGIN_FIRST_DELAY_SECONDS`, 2), after each further one twice as long, at most
    `max_delay`; a success clears the counter, and so does a quiet
    `LOGIN_FAILURE_MEMORY_HOURS`.
    """

    key: str
    free: int
    max_delay: int
    first_delay: int = 2

    def delay_after(self, failures: int) -> int:
        """Seconds the next attempt waits after the `failures`-th failure in a row."""
        if failures < self.free:
            return 0
        return min(self.max_delay, self.first_delay * 2 ** min(failures - self.free, 30))


def _rule(key: str, free: str, max_delay_seconds: int) -> ThrottleKey:
    config = current_app.config
    return ThrottleKey(key, config[free], max_delay_seconds, config["LOGIN_FIRST_DELAY_SECONDS"])


def _default_rule(key: str) -> ThrottleKey:
    return _rule(key, "LOGIN_MAX_FAILURES", current_app.config["LOGIN_MAX_DELAY_MINUTES"] * 60)


def _rules(keys) -> list[ThrottleKey]:
    return [key if isinstance(key, ThrottleKey) else _default_rule(key) for key in keys]


def _account(username: str) -> str:
    return f"user:{username.strip().lower()[:40]}"


def throttle_keys(username: str) -> list[ThrottleKey]:
    """The counters a password typed for `username` from this client goes against.

    The account from this address slows down quickly and for long; the account from every
    address only for a short while (so that someone guessing from elsewhere holds the
    real user up by seconds, never locks them out); the address over all accounts after
    many failures (one machine trying many accounts).
    """
    config = current_app.config
    account, address = _account(username), client_address()
    longest = config["LOGIN_MAX_DELAY_MINUTES"] * 60
    return [
        _rule(f"{account}@{address}", "LOGIN_MAX_FAILURES", longest),
        _rule(account, "LOGIN_ACCOUNT_MAX_FAILURES", config["LOGIN_ACCOUNT_MAX_DELAY_SECONDS"]),
        _rule(f"ip:{address}", "LOGIN_ADDRESS_MAX_FAILURES", longest),
    ]


def locked_for(keys) -> timedelta | None:
    """Return how long the next attempt must still wait if any key is delayed, else None."""
    now = utcnow()
    names = [rule.key for rule in _rules(keys)]
    waits = db.session.scalars(
        sa.select(LoginThrottle.locked_until).where(
            LoginThrottle.key.in_(names), LoginThrottle.locked_until > now
        )
    ).all()
    return max(waits) - now if waits else None


def _count(key: str, now) -> int:
    """Add one failure to `key` atomically and return the new count."""
    memory = timedelta(hours=current_app.config["LOGIN_FAILURE_MEMORY_HOURS"])
    # a quiet spell starts the count again (window_started_at: the last failure)
    db.session.execute(
        sa.update(LoginThrottle)
        .where(LoginThrottle.key == key, LoginThrottle.window_started_at < now - memory,
               sa.or_(LoginThrottle.locked_until.is_(None), LoginThrottle.locked_until <= now))
        .values(failures=0)
    )
    add_one = (sa.update(LoginThrottle).where(LoginThrottle.key == key)
               .values(failures=LoginThrottle.failures + 1, window_started_at=now)
               .returning(LoginThrottle.failures))
    failures = db.session.scalar(add_one)
    if failures is None:
        try:
            with db.session.begin_nested():
                db.session.add(LoginThrottle(key=key, failures=1, window_started_at=now))
            failures = 1
        except IntegrityError:  # another request added it first
            failures = db.session.scalar(add_one)
    return failures


def count_failure(keys) -> int:
    """Count one failure against each key (a `ThrottleKey`, or a name counted like a
    login from one address); return the seconds the next attempt must wait."""
    now = utcnow()
    longest = 0
    for rule in _rules(keys):
        delay = rule.delay_after(_count(rule.key, now))
        if delay:
            until = now + timedelta(seconds=delay)
            db.session.execute(
                sa.update(LoginThrottle)
                .where(LoginThrottle.key == rule.key,
                       sa.or_(LoginThrottle.locked_until.is_(None),
                              LoginThrottle.locked_until < until))
                .values(locked_until=until)
            )
            longest = max(longest, delay)
    return longest


def clear_failures(username: str) -> None:
    """A right password: this account's counts from this address and overall start again."""
    keys = [rule.key for rule in throttle_keys(username)[:2]]
    db.session.execute(sa.delete(LoginThrottle).where(LoginThrottle.key.in_(keys)))


def _account_keys(user: StaffUser):
    account = _account(user.username)
    return sa.or_(LoginThrottle.key == account,
                  LoginThrottle.key.startswith(f"{account}@", autoescape=True),
                  LoginThrottle.key == second_factor_key(user))


def second_factor_key(user: StaffUser) -> str:
    return f"totp:{user.id}"


@dataclass(frozen=True)
class LoginDelay:
    """An account's failed attempts (the most on any of its counters) and its wait."""

    failures: int
    seconds: int


def login_delay(user: StaffUser, now=None) -> LoginDelay | None:
    """The account's failed attempts and wait, or None when it has none."""
    now = now or utcnow()
    rows = db.session.execute(
        sa.select(LoginThrottle.failures, LoginThrottle.locked_until)
        .where(_account_keys(user), LoginThrottle.failures > 0)
    ).all()
    if not rows:
        return None
    until = max((row.locked_until for row in rows if row.locked_until), default=None)
    seconds = 0 if until is None or until <= now else math.ceil((until - now).total_seconds())
    return LoginDelay(failures=max(row.failures for row in rows), seconds=seconds)


def clear_login_delay(user: StaffUser) -> LoginDelay | None:
    """Let the account try again at once, from every address (audited by the caller)."""
    delay = login_delay(user)
    db.session.execute(sa.delete(LoginThrottle).where(_account_keys(user)))
    return delay


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


def set_password(user: StaffUser, password: str, *, temporary: bool = False) -> None:
    """Store a new password; a temporary one must be replaced before anything else."""
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    user.must_change_password = temporary


def change_password(user: StaffUser, new_password: str) -> None:
    """The user's own new password: their other sessions end, this one goes on under a
    fresh identifier."""
    set_password(user, new_password)
    log_event("password_changed", user)
    revoke_sessions(user)
    start_session(user)


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
