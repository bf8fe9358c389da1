"""The audit trail: who did what to which record, when (UTC) and from where."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapped, mapped_column

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
