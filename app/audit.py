"""Write the audit trail: every view of personal data, export, import, login and role change."""

from flask import has_request_context, request
from flask_login import current_user

from models import AuditEvent, db


def client_address() -> str:
    """The client's address (the proxy's X-Forwarded-For is trusted only via ProxyFix)."""
    return (request.remote_addr or "")[:45] if has_request_context() else ""


def log_event(action: str, target=None, *, actor=None, **detail) -> AuditEvent:
    """Add an audit event for `action` on `target` by the current (or given) user; flush only."""
    if actor is None and has_request_context() and current_user.is_authenticated:
        actor = current_user
    event = AuditEvent(
        action=action,
        actor_id=getattr(actor, "id", None),
        actor_name=getattr(actor, "username", "") or "",
        actor_role=actor.role.value if actor is not None else "",
        target_type=type(target).__name__ if target is not None else "",
        target_id=str(getattr(target, "id", "") or "") if target is not None else "",
        ip=client_address(),
        detail=detail,
    )
    db.session.add(event)
    db.session.flush()
    return event
