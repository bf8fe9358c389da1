"""Form submissions saved once: each state-changing form carries a one-time key."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from models.db import Base, utcnow


class FormSubmission(Base):
    """A form that was sent and saved: its one-time key and the page showing its result.

    The row is written in the same transaction as what the form saved, so a key is spent
    exactly when the form's result exists; a second request with the key is a repeat
    (a double click, a resent page) and is shown the first result instead.
    """

    __tablename__ = "form_submissions"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(64), unique=True)
    user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("staff_users.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # where the saved result is shown (a path on this site), for a repeat to land there
    result_location: Mapped[str | None] = mapped_column(sa.String(500))
