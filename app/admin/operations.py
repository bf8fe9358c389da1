"""Create and change staff accounts."""

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app.audit import log_event
from app.auth.operations import revoke_sessions
from app.auth.passwords import hash_password, password_problem
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
