"""Column mappings people confirmed for their spreadsheets, offered again next time."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from models.db import Base, EncryptedLongText, utcnow


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


class ImportUpload(Base):
    """A spreadsheet uploaded for import, kept until it is confirmed, cancelled or expires.

    Every web host reads it here (no host keeps it in a local folder). ``data`` is the
    file and ``result`` the checked preview (the engine's JSON): both hold personal data
    and are stored encrypted (bytes given by the app; models import nothing of ours), as
    is ``meta`` (its owner, file name and format, as JSON). Rows older than the keeping
    time (QIBU_IMPORT_KEEP_HOURS) are deleted by the next upload and by ``qibu purge``.
    """

    __tablename__ = "import_uploads"

    token: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    meta: Mapped[str] = mapped_column(EncryptedLongText())
    # loaded when asked for: the pages read the metadata of an upload on every request
    data: Mapped[bytes] = mapped_column(sa.LargeBinary, deferred=True)
    result: Mapped[bytes | None] = mapped_column(sa.LargeBinary, deferred=True)
    stored_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    def __repr__(self) -> str:
        return f"<ImportUpload {self.kind} {self.token[:6]}…>"
