"""Wrong badge codes slow down the kiosk device that typed them, never the hall.

Why this shape:

- A kiosk device is a kiosk account *and* a random device id kept in a long-lived signed
  cookie (set when the kiosk page first opens), so kiosks sharing one account count
  apart, and one person's mistakes never hold up the next kiosk.
- Before a code is looked up, the device's delay is checked: a device under delay is
  answered "please wait N seconds" without the code being tried, so guessing from one
  device is slow (2 free mistakes, then 5, 10, 20, 40 s, at most 60 s per try).
- A valid badge is never refused because someone *else* mistyped: the per-code
  protection applies only to attempts at a code that fail. A wrong code is counted
  against the badge it nearly matches (at most 2 characters different: a typo or a
  guess at a half-known badge), or against itself; once a code has failed often, across
  any devices, a device that fails at it again gets the code's whole delay at once. The
  right code typed in full is looked up first and always accepted.
- A device's count starts again after a successful sign-in or after a quiet
  `KIOSK_FAILURE_WINDOW_MINUTES`; organizers clear a device's delay at the recording
  desk (audited).

The state lives in the database (`login_throttles`, keys ``kiosk-device:…`` and
``kiosk-code:…``), changed only by atomic UPDATEs, so every gunicorn worker and
concurrent kiosks on SQLite or PostgreSQL count the same failures.
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app, request
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.exc import IntegrityError

from app.audit import log_event
from models import FairParticipant, LoginThrottle, Role, StaffUser, db, utcnow

DEVICE_COOKIE = "qibu_kiosk_device"
DEVICE_COOKIE_DAYS = 400  # browsers keep a cookie at most about 400 days
DEVICE_PREFIX = "kiosk-device:"
CODE_PREFIX = "kiosk-code:"
NEAR_MISS_CHARACTERS = 2
# the one device of an account that badges sent without a device cookie count against
NO_COOKIE_DEVICE = "no-cookie"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt="kiosk-device")


def new_device_id() -> str:
    return secrets.token_urlsafe(12)


def device_id_from_cookie() -> str | None:
    """The device id of this browser's signed cookie, or None if absent or forged."""
    value = request.cookies.get(DEVICE_COOKIE)
    if not value:
        return None
    try:
        device_id = _serializer().loads(value)
    except BadSignature:
        return None
    return device_id if isinstance(device_id, str) and 8 <= len(device_id) <= 32 else None


def set_device_cookie(response, device_id: str):
    """Keep the device id in a long-lived signed cookie, sent only to the kiosk pages."""
    response.set_cookie(
        DEVICE_COOKIE, _serializer().dumps(device_id), max_age=DEVICE_COOKIE_DAYS * 86400,
        path="/kiosk", httponly=True, samesite="Lax",
        secure=current_app.config.get("SESSION_COOKIE_SECURE", False))
    return response


def device_key(kiosk_user: StaffUser, device_id: str) -> str:
    return f"{DEVICE_PREFIX}{kiosk_user.id}:{device_id}"


def code_key(fair_id: int, code: str) -> str:
    """The code's key: a keyed hash, so guessed codes are not kept in clear."""
    digest = hmac.new(current_app.secret_key.encode(), f"{fair_id}:{code}".encode(),
                      hashlib.sha256).hexdigest()[:24]
    return f"{CODE_PREFIX}{fair_id}:{digest}"


def device_delay(failures: int) -> int:
    """Seconds a device waits after its `failures`-th wrong code in a row."""
    free = current_app.config["KIOSK_FREE_TRIES"]
    if failures <= free:
        return 0
    return min(current_app.config["KIOSK_MAX_DELAY_SECONDS"],
               current_app.config["KIOSK_FIRST_DELAY_SECONDS"] * 2 ** (failures - free - 1))


def code_delay(failures: int) -> int:
    """Seconds a code is protected after its `failures`-th failed attempt (any device)."""
    limit = current_app.config["KIOSK_CODE_MAX_FAILURES"]
    if failures < limit:
        return 0
    return min(current_app.config["KIOSK_CODE_MAX_DELAY_SECONDS"],
               current_app.config["KIOSK_FIRST_DELAY_SECONDS"] * 2 ** (failures - limit + 1))


def seconds_left(key: str, now: datetime) -> int:
    """Whole seconds until `key` may try again (0: now)."""
    until = db.session.scalar(sa.select(LoginThrottle.locked_until)
                              .where(LoginThrottle.key == key))
    return _seconds_until(until, now)


def _seconds_until(until: datetime | None, now: datetime) -> int:
    if until is None or until <= now:
        return 0
    return max(1, int(-(-(until - now).total_seconds() // 1)))  # rounded up


def _count_failure(key: str, now: datetime) -> int:
    """Add one failure to `key` atomically and return the new count."""
    window = timedelta(minutes=current_app.config["KIOSK_FAILURE_WINDOW_MINUTES"])
    # a quiet window starts the count again (window_started_at: the last failure)
    db.session.execute(
        sa.update(LoginThrottle)
        .where(LoginThrottle.key == key, LoginThrottle.window_started_at < now - window,
               sa.or_(LoginThrottle.locked_until.is_(None), LoginThrottle.locked_until <= now))
        .values(failures=0))
    failures = db.session.scalar(
        sa.update(LoginThrottle).where(LoginThrottle.key == key)
        .values(failures=LoginThrottle.failures + 1, window_started_at=now)
        .returning(LoginThrottle.failures))
    if failures is None:
        try:
            with db.session.begin_nested():
                db.session.add(LoginThrottle(key=key, failures=1, window_started_at=now))
            failures = 1
        except IntegrityError:  # another kiosk added it first
            failures = db.session.scalar(
                sa.update(LoginThrottle).where(LoginThrottle.key == key)
                .values(failures=LoginThrottle.failures + 1, window_started_at=now)
                .returning(LoginThrottle.failures))
    return failures


def _hold_until(key: str, until: datetime) -> None:
    """Make `key` wait at least until `until` (a later wait already set stays)."""
    db.session.execute(
        sa.update(LoginThrottle)
        .where(LoginThrottle.key == key,
               sa.or_(LoginThrottle.locked_until.is_(None), LoginThrottle.locked_until < until))
        .values(locked_until=until))


def _nearest_badge(fair_id: int, code: str) -> str | None:
    """The fair's badge code that `code` misses by at most NEAR_MISS_CHARACTERS, if any.

    Read only after a failure, so a correct sign-in costs nothing more."""
    best, best_distance = None, NEAR_MISS_CHARACTERS + 1
    for badge in db.session.scalars(sa.select(FairParticipant.badge_code)
                                    .where(FairParticipant.fair_id == fair_id)):
        if len(badge) != len(code):
            continue
        distance = sum(a != b for a, b in zip(badge, code, strict=True))
        if distance < best_distance:
            best, best_distance = badge, distance
    return best


def check_device(kiosk_user: StaffUser, device_id: str, now: datetime) -> int:
    """Seconds this device must still wait before a code is tried (0: try now)."""
    return seconds_left(device_key(kiosk_user, device_id), now)


def record_wrong_code(fair_id: int, kiosk_user: StaffUser, device_id: str, code: str,
                      now: datetime) -> int:
    """Count a wrong code against the device and the code it aimed at; return the seconds
    the device must now wait."""
    device = device_key(kiosk_user, device_id)
    delay = device_delay(_count_failure(device, now))
    if delay:
        _hold_until(device, now + timedelta(seconds=delay))
    target = _nearest_badge(fair_id, code) or code
    if target:
        aimed = code_key(fair_id, target[:16])
        code_wait = seconds_left(aimed, now)
        if code_wait:
            # a protected code: the device that failed at it waits as long as the code
            _hold_until(device, now + timedelta(seconds=code_wait))
        delay = code_delay(_count_failure(aimed, now))
        if delay:
            _hold_until(aimed, now + timedelta(seconds=delay))
    return seconds_left(device, now)


def record_success(kiosk_user: StaffUser, device_id: str) -> None:
    """Someone signed in on this device: the next person starts with a clean count."""
    db.session.execute(sa.update(LoginThrottle)
                       .where(LoginThrottle.key == device_key(kiosk_user, device_id))
                       .values(failures=0, locked_until=None))


@dataclass(frozen=True)
class DelayedDevice:
    """A kiosk device under delay, as the recording desk lists it."""

    key: str
    kiosk_name: str
    device_label: str
    failures: int
    seconds: int


def delayed_devices(fair_id: int, now: datetime | None = None) -> list[DelayedDevice]:
    """The fair's kiosk devices that must wait now, longest wait first."""
    now = now or utcnow()
    kiosks = {user.id: user for user in db.session.scalars(
        sa.select(StaffUser).where(StaffUser.role == Role.KIOSK, StaffUser.fair_id == fair_id))}
    if not kiosks:
        return []
    rows = db.session.execute(
        sa.select(LoginThrottle.key, LoginThrottle.failures, LoginThrottle.locked_until)
        .where(LoginThrottle.key.like(f"{DEVICE_PREFIX}%"), LoginThrottle.locked_until > now)
    ).all()
    devices = []
    for key, failures, until in rows:
        user_id, _sep, device_id = key.removeprefix(DEVICE_PREFIX).partition(":")
        user = kiosks.get(int(user_id)) if user_id.isdigit() else None
        if user is None:
            continue
        devices.append(DelayedDevice(key=key, kiosk_name=user.display_name or user.username,
                                     device_label=device_id[:6], failures=failures,
                                     seconds=_seconds_until(until, now)))
    return sorted(devices, key=lambda device: -device.seconds)


def clear_device_delay(fair, key: str) -> bool:
    """Let a kiosk device of this fair try again at once; audited. False if not found."""
    device = next((d for d in delayed_devices(fair.id) if d.key == key), None)
    if device is None:
        return False
    db.session.execute(sa.update(LoginThrottle).where(LoginThrottle.key == key)
                       .values(failures=0, locked_until=None))
    log_event("kiosk_delay_cleared", fair, kiosk=device.kiosk_name, device=device.device_label,
              failures=device.failures, seconds_left=device.seconds)
    return True
