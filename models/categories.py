"""Categories staff set for openings, kept as training data for the title classifier."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from models.db import Base, utcnow


class CategoryCorrection(Base):
    """A category staff gave a job title where the classifier was wrong or unsure.

    Recorded whenever staff set an opening's category (the opening form, an import
    preview, the confirmation queue) and it differs from the classifier's top suggestion
    or confirms one below the confirmation threshold. ``suggested`` and ``confidence``
    are what the classifier said then; ``source`` is 'form', 'import' or 'queue'.
    ``learned_at`` is set when `qibu match fit-categories` first fits the classifier
    with the row: the app suggests with the corrections learned so far, so a new
    correction never makes a page wait for a refit.
    """

    __tablename__ = "category_corrections"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(120))
    category_code: Mapped[str] = mapped_column(sa.ForeignKey("job_categories.code"))
    suggested: Mapped[str | None] = mapped_column(sa.String(32))
    confidence: Mapped[float | None]
    source: Mapped[str] = mapped_column(sa.String(16))
    opening_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("openings.id", ondelete="SET NULL"))
    user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("staff_users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    learned_at: Mapped[datetime | None] = mapped_column(index=True)

    def __repr__(self) -> str:
        return f"<CategoryCorrection {self.title} -> {self.category_code}>"
