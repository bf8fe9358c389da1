"""Column mappings people confirmed for their spreadsheets, offered again next time."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from models.db import Base, utcnow


class ImportMapping(Base):
    """How one staff member's files of one layout are read: which column holds what.

    ``layout`` identifies the file's header row (its headers in order, normalised, hashed);
    ``mapping`` is ``{file column index: column key}`` as the user confirmed it, an empty
    key for a column left out. It holds headers' positions only, never cell values.
    """

    __tablename__ = "import_mappings"
    __table_args__ = (sa.UniqueConstraint("user_id", "kind", "layout"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("staff_users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    layout: Mapped[str] = mapped_column(sa.String(64))
    mapping: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        return f"<ImportMapping {self.kind} user={self.user_id} {self.layout[:8]}>"
