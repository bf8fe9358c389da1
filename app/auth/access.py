"""Deny-by-default access rules: every endpoint declares the roles it allows."""

from flask import abort, current_app, g, redirect, request, url_for
from flask_login import current_user

from models import Role

PUBLIC = frozenset({"public"})
# pages an administrator can reach before enrolling the required second factor
ENROLMENT_ENDPOINTS = frozenset({"auth.second_factor_setup", "auth.logout"})
# pages an account with a temporary password can reach before choosing its own
PASSWORD_CHANGE_ENDPOINTS = frozenset({"auth.change_password", "auth.logout"})
STAFF_ROLES = frozenset({Role.ADMIN, Role.BUREAU, Role.EMPLOYMENT, Role.ORGANIZER,
                         Role.SOCIAL_WORKER})
ALL_ROLES = STAFF_ROLES | {Role.KIOSK}
KIOSK_ONLY = frozenset({Role.KIOSK})


def allow(*roles: Role):
    """Let only the given roles reach this view."""
    allowed = frozenset(roles)
    unknown = [r for r in allowed if not isinstance(r, Role)]
    if unknown or not allowed:
        raise ValueError(f"allow() needs Role members, got {roles!r}")

    def decorate(view):
        view.allowed_roles = allowed
        return view

    return decorate


def public(view):
    """Let anybody reach this view (login page, health check, language switch)."""
    view.allowed_roles = PUBLIC
    return view


def rule_for(endpoint: str):
    """Return the allowed roles of an endpoint, PUBLIC, or None when it declares none."""
    if endpoint == "static":
        return PUBLIC
    view = current_app.view_functions.get(endpoint)
    return getattr(view, "allowed_roles", None)


def _enforce():
    endpoint = request.endpoint
    if endpoint is None:
        return None  # routing will answer 404 or 405
    rule = rule_for(endpoint)
    if rule is None:
        current_app.logger.error("endpoint %s declares no access rule; denied", endpoint)
        abort(403)
    if rule is PUBLIC:
        return None
    if not current_user.is_authenticated:
        if rule == KIOSK_ONLY:
            # a kiosk device whose sign-in ended (retired, or its cookies cleared): the
            # screen asks for a new kiosk sign-in code, not for a staff password
            return redirect(url_for("kiosk.enrol"))
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    if current_user.role not in rule:
        _record_refusal(endpoint)
        abort(403)
    if current_user.must_change_password:
        if endpoint not in PASSWORD_CHANGE_ENDPOINTS:
            return redirect(url_for("auth.change_password"))
    elif endpoint not in ENROLMENT_ENDPOINTS:
        from app.auth.second_factor import must_enrol

        if must_enrol(current_user):
            return redirect(url_for("auth.second_factor_setup"))
    if current_user.role is not Role.KIOSK:
        g.personal_data = True
    return None


def _record_refusal(endpoint: str) -> None:
    """A signed-in account sent to a page its role may not open: kept in the audit trail
    (the administrators' "refused accesses"), committed before the 403 is answered."""
    from app.audit import log_event
    from models import db

    log_event("access_refused", reason="role", endpoint=endpoint, path=request.path)
    db.session.commit()


def init_app(app):
    app.before_request(_enforce)


def role_required_home(user) -> str:
    """The endpoint each role lands on after login."""
    return {
        Role.ADMIN: "admin.dashboard",
        Role.BUREAU: "main.bureau_home",
        Role.EMPLOYMENT: "main.employment_home",
        Role.ORGANIZER: "main.organizer_home",
        Role.KIOSK: "kiosk.start",
        Role.SOCIAL_WORKER: "aftercare.home",
    }[user.role]


__all__ = ["ALL_ROLES", "PUBLIC", "STAFF_ROLES", "allow", "public", "role_required_home"]
