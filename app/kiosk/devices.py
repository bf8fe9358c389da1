"""A fair's kiosk devices, run by its organizers: register, sign in, move, retire.

A kiosk device is a kiosk account (`StaffUser` with the kiosk role, bound to one fair)
whose password nobody knows. The organizer registers it and gets a one-time sign-in code
(also as a link and a QR code); typed on the device at ``/kiosk/enrol``, the code signs
that browser in as the kiosk, and the code is spent. A device whose browser lost its
sign-in gets a new code; moving a device to another fair keeps its sign-in; retiring it
ends its sign-in at once.
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from app.audit import log_event
from app.auth.operations import revoke_sessions
from app.auth.passwords import hash_password
from models import (
    Fair,
    FairStatus,
    KioskEnrolment,
    LoginSession,
    Role,
    StaffUser,
    StateError,
    db,
    utcnow,
)

# the badge alphabet: no 0/O, 1/I/L, so a code read aloud or off a screen is typed right
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8
CODE_VALID = timedelta(minutes=30)
LABEL_MAX = 60


def _code_hash(code: str) -> str:
    """Keyed hash of a sign-in code: a copy of the table does not give the codes away."""
    key = current_app.secret_key.encode() if isinstance(current_app.secret_key, str) \
        else current_app.secret_key
    return hmac.new(key, b"kiosk-enrol:" + code.encode(), hashlib.sha256).hexdigest()


def normalize_code(text: str) -> str:
    """The code as typed, without dashes, spaces or case; '' when it cannot be a code."""
    plain = "".join(ch for ch in (text or "").upper() if ch.isalnum())
    if len(plain) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in plain):
        return ""
    return plain


def format_code(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def fair_kiosk(fair: Fair, kiosk_id: int) -> StaffUser | None:
    """The kiosk device `kiosk_id` if it is bound to this fair."""
    kiosk = db.session.get(StaffUser, kiosk_id)
    if kiosk is None or kiosk.role is not Role.KIOSK or kiosk.fair_id != fair.id:
        return None
    return kiosk


def _require_fair_takes_kiosks(fair: Fair) -> None:
    if fair.status is FairStatus.CLOSED:
        raise StateError(_l("This fair is closed; kiosks can be registered for or moved to "
                            "a fair in planning or open only."))


def register_kiosk(fair: Fair, label: str, by: StaffUser) -> tuple[StaffUser, str]:
    """Register a new kiosk device for the fair; return it and its one-time sign-in code."""
    _require_fair_takes_kiosks(fair)
    label = " ".join((label or "").split())[:LABEL_MAX]
    if not label:
        count = db.session.scalar(sa.select(sa.func.count(StaffUser.id)).where(
            StaffUser.role == Role.KIOSK, StaffUser.fair_id == fair.id))
        label = str(_l("Kiosk %(n)s", n=count + 1))
    kiosk = StaffUser(username=f"kiosk-{secrets.token_hex(6)}", display_name=label,
                      password_hash=hash_password(secrets.token_urlsafe(32)))
    kiosk.assign_role(Role.KIOSK, fair_id=fair.id)
    db.session.add(kiosk)
    db.session.flush()
    log_event("kiosk_registered", kiosk, actor=by, fair=fair.id)
    return kiosk, issue_code(kiosk, by)


def issue_code(kiosk: StaffUser, by: StaffUser) -> str:
    """A new one-time sign-in code for the device; codes issued before are spent."""
    if not kiosk.active:
        raise StateError(_l("This kiosk has been retired; register a new one instead."))
    now = utcnow()
    db.session.execute(
        sa.update(KioskEnrolment)
        .where(KioskEnrolment.kiosk_id == kiosk.id, KioskEnrolment.used_at.is_(None))
        .values(expires_at=now)
    )
    for _attempt in range(5):
        code = _new_code()
        try:
            with db.session.begin_nested():
                db.session.add(KioskEnrolment(kiosk_id=kiosk.id, code_hash=_code_hash(code),
                                              created_by_id=by.id, created_at=now,
                                              expires_at=now + CODE_VALID))
        except IntegrityError:  # pragma: no cover - a repeat among 31**8 codes
            continue
        log_event("kiosk_code_issued", kiosk, actor=by, fair=kiosk.fair_id)
        return code
    raise RuntimeError("no free kiosk sign-in code")  # pragma: no cover


def enrol_device(code: str) -> StaffUser | None:
    """Spend a sign-in code typed on a device: the kiosk it signs in, or None.

    Spending is one conditional UPDATE, so a code typed on two devices at once signs in
    only one of them."""
    plain = normalize_code(code)
    if not plain:
        return None
    now = utcnow()
    enrolment = db.session.scalar(sa.select(KioskEnrolment).where(
        KioskEnrolment.code_hash == _code_hash(plain)))
    if enrolment is None or not enrolment.usable(now):
        return None
    spent = db.session.execute(
        sa.update(KioskEnrolment)
        .where(KioskEnrolment.id == enrolment.id, KioskEnrolment.used_at.is_(None))
        .values(used_at=now).execution_options(synchronize_session=False)
    )
    kiosk = enrolment.kiosk
    if not spent.rowcount or not kiosk.active or kiosk.role is not Role.KIOSK:
        return None
    # one browser per device: a sign-in made before on another browser ends
    revoke_sessions(kiosk)
    log_event("kiosk_enrolled", kiosk, fair=kiosk.fair_id, actor=kiosk)
    return kiosk


def move_kiosk(kiosk: StaffUser, fair: Fair, by: StaffUser) -> None:
    """Point the device at another fair; it keeps its sign-in and shows that fair next."""
    if not kiosk.active:
        raise StateError(_l("This kiosk has been retired; register a new one instead."))
    _require_fair_takes_kiosks(fair)
    if kiosk.fair_id == fair.id:
        return
    previous = kiosk.fair_id
    kiosk.assign_role(Role.KIOSK, fair_id=fair.id)
    log_event("kiosk_moved", kiosk, actor=by, from_fair=previous, to_fair=fair.id)


def retire_kiosk(kiosk: StaffUser, by: StaffUser) -> None:
    """Take the device out of service: its sign-in and any unspent code end now."""
    if not kiosk.active:
        return
    kiosk.disable()
    revoke_sessions(kiosk)
    db.session.execute(
        sa.update(KioskEnrolment)
        .where(KioskEnrolment.kiosk_id == kiosk.id, KioskEnrolment.used_at.is_(None))
        .values(expires_at=utcnow())
    )
    log_event("kiosk_retired", kiosk, actor=by, fair=kiosk.fair_id)


@dataclass(frozen=True)
class KioskRow:
    """One device as the organizer's list shows it."""

    kiosk: StaffUser
    signed_in: bool
    last_activity: datetime | None
    code_pending_until: datetime | None


def fair_kiosks(fair: Fair) -> list[KioskRow]:
    """The fair's kiosk devices, in service first, with their last activity (3 queries)."""
    kiosks = db.session.scalars(
        sa.select(StaffUser).where(StaffUser.role == Role.KIOSK, StaffUser.fair_id == fair.id)
        .order_by(StaffUser.active.desc(), StaffUser.created_at, StaffUser.id)).all()
    ids = [kiosk.id for kiosk in kiosks]
    if not ids:
        return []
    live = dict(db.session.execute(
        sa.select(LoginSession.user_id, sa.func.max(LoginSession.last_seen_at))
        .where(LoginSession.user_id.in_(ids), LoginSession.revoked_at.is_(None))
        .group_by(LoginSession.user_id)).all())
    seen = dict(db.session.execute(
        sa.select(LoginSession.user_id, sa.func.max(LoginSession.last_seen_at))
        .where(LoginSession.user_id.in_(ids)).group_by(LoginSession.user_id)).all())
    now = utcnow()
    pending = dict(db.session.execute(
        sa.select(KioskEnrolment.kiosk_id, sa.func.max(KioskEnrolment.expires_at))
        .where(KioskEnrolment.kiosk_id.in_(ids), KioskEnrolment.used_at.is_(None),
               KioskEnrolment.expires_at > now)
        .group_by(KioskEnrolment.kiosk_id)).all())
    return [KioskRow(kiosk, kiosk.active and kiosk.id in live, seen.get(kiosk.id),
                     pending.get(kiosk.id) if kiosk.active else None)
            for kiosk in kiosks]


def fairs_to_move_to(current: Fair, among=sa.true()) -> list[Fair]:
    """The fairs a device of `current` can be moved to: planning or open, of the fairs
    `among` (a clause on Fair: the organizer's own) lets through, latest first."""
    return db.session.scalars(
        sa.select(Fair).where(Fair.status != FairStatus.CLOSED, Fair.id != current.id, among)
        .order_by(Fair.held_on.desc(), Fair.id.desc())).all()
