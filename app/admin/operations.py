"""Create and change staff accounts."""

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app.audit import log_event
from app.auth.operations import clear_login_delay, revoke_sessions, set_password
from app.auth.passwords import hash_password, password_problem, temporary_password
from models import Role, StaffUser, StateError, db


def create_user(
    username: str,
    password: str,
    role: Role,
    *,
    display_name: str = "",
    facility_id: int | None = None,
    fair_id: int | None = None,
    check_policy: bool = True,
) -> StaffUser:
    """Create an account after checking the name is free and the password acceptable."""
    username = username.strip()
    exists = db.session.scalar(
        sa.select(StaffUser.id).where(sa.func.lower(StaffUser.username) == username.lower())
    )
    if exists:
        raise StateError(_l("The user name %(name)s is taken; choose another."), name=username)
    if check_policy:
        problem = password_problem(password, username)
        if problem:
            raise StateError(problem)
    user = StaffUser(
        username=username,
        display_name=display_name or username,
        password_hash=hash_password(password),
    )
    user.assign_role(role, facility_id=facility_id, fair_id=fair_id)
    db.session.add(user)
    db.session.flush()
    log_event("user_created", user, role=role.value)
    return user


def change_role(user: StaffUser, role: Role, facility_id=None, fair_id=None) -> None:
    """Give a user another role or scope; their open sessions end."""
    before = (user.role.value, user.facility_id, user.fair_id)
    user.assign_role(role, facility_id=facility_id, fair_id=fair_id)
    after = (user.role.value, user.facility_id, user.fair_id)
    if before != after:
        revoke_sessions(user)
        log_event("role_changed", user, before=list(before), after=list(after))


def set_active(user: StaffUser, active: bool, acting_user: StaffUser) -> None:
    """Enable or disable an account; disabling ends its sessions at once."""
    if not active and user.id == acting_user.id:
        raise StateError(_l("You cannot disable your own account."))
    if active:
        user.enable()
    else:
        user.disable()
        revoke_sessions(user)
    log_event("user_enabled" if active else "user_disabled", user)


def _password_can_be_set(user: StaffUser) -> None:
    if user.role is Role.KIOSK:
        raise StateError(_l("A kiosk signs in with a code from its fair's Kiosks page, "
                            "not with a password."))


def _turn_off_second_factor(user: StaffUser) -> None:
    user.totp_enabled = False
    user.totp_secret = None
    user.totp_last_step = None


def reset_password(user: StaffUser, acting_user: StaffUser | None, *,
                   clear_second_factor: bool = False, via: str = "admin") -> str:
    """Give `user` a temporary password and return it (to be shown once): it must be
    replaced at the next login; the account's sessions and login delays end. With
    `clear_second_factor`, the authenticator app (lost with a phone) is forgotten too."""
    _password_can_be_set(user)
    if acting_user is not None and user.id == acting_user.id:
        raise StateError(_l("Change your own password on the Password page."))
    temporary = temporary_password()
    set_password(user, temporary, temporary=True)
    if clear_second_factor:
        _turn_off_second_factor(user)
    revoke_sessions(user)
    delay = clear_login_delay(user)
    log_event("password_reset", user, actor=acting_user, via=via,
              second_factor_cleared=clear_second_factor,
              failures_cleared=delay.failures if delay else 0)
    return temporary


def replace_password(user: StaffUser, password: str, *, clear_second_factor: bool = False,
                     via: str = "shell") -> None:
    """Set a password chosen by whoever runs the shell command (checked against the
    policy); the account's sessions and login delays end."""
    _password_can_be_set(user)
    problem = password_problem(password, user.username)
    if problem:
        raise StateError(problem)
    set_password(user, password)
    if clear_second_factor:
        _turn_off_second_factor(user)
    revoke_sessions(user)
    delay = clear_login_delay(user)
    log_event("password_set", user, via=via, second_factor_cleared=clear_second_factor,
              failures_cleared=delay.failures if delay else 0)


def clear_delay(user: StaffUser) -> bool:
    """Let the account try to log in again at once from anywhere; audited. False when
    it had no failed attempts."""
    delay = clear_login_delay(user)
    if delay is None:
        return False
    log_event("login_delay_cleared", user, failures=delay.failures, seconds_left=delay.seconds)
    return True
