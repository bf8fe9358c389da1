"""The audit trail: who did what to which record, when (UTC) and from where.

Entries are never changed or deleted through the ORM: not object by object, and not by
UPDATE or DELETE statements run through a session. The one exception is
`forget_addresses`, which retention (`qibu purge`) uses to blank the client address of
entries older than the address retention period; the entries themselves stay.
"""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.db import Base, utcnow


class AuditEvent(Base):
    """One audited action. Rows are written once and never changed."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id"), index=True)
    actor_name: Mapped[str] = mapped_column(sa.String(40), default="")
    actor_role: Mapped[str] = mapped_column(sa.String(16), default="")
    action: Mapped[str] = mapped_column(sa.String(40), index=True)
    target_type: Mapped[str] = mapped_column(sa.String(32), default="")
    target_id: Mapped[str] = mapped_column(sa.String(40), default="")
    ip: Mapped[str] = mapped_column(sa.String(45), default="")
    detail: Mapped[dict] = mapped_column(sa.JSON, default=dict)


@event.listens_for(AuditEvent, "before_update")
def _refuse_audit_update(mapper, connection, target):
    raise RuntimeError("audit events are append-only")


@event.listens_for(AuditEvent, "before_delete")
def _refuse_audit_delete(mapper, connection, target):
    raise RuntimeError("audit events are append-only")


# set only by forget_addresses: the one bulk change the audit trail allows
_ADDRESS_PURGE = "qibu_audit_address_purge"


@event.listens_for(Session, "do_orm_execute")
def _refuse_audit_statements(state):
    if not (state.is_update or state.is_delete):
        return
    if getattr(state.statement, "table", None) is None or \
            state.statement.table.name != AuditEvent.__tablename__:
        return
    if state.is_update and state.execution_options.get(_ADDRESS_PURGE):
        return
    raise RuntimeError("audit events are append-only")


def forget_addresses(session: Session, before: datetime, *, dry_run: bool = False) -> int:
    """Blank the client address of audit events older than `before`; return how many.

    The events stay (who, what, which record, when); only the address goes, once the
    address retention period is over.
    """
    old = (AuditEvent.at < before, AuditEvent.ip != "")
    if dry_run:
        return session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(*old))
    result = session.execute(
        sa.update(AuditEvent).where(*old).values(ip="")
        .execution_options(synchronize_session=False, **{_ADDRESS_PURGE: True})
    )
    return result.rowcount
