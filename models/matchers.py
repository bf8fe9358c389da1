"""Trained matchers, kept where every web host and worker finds the one in use."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from models.db import Base, utcnow


class MatcherModel(Base):
    """A matcher fitted by `qibu match train` (or its job): ``document`` is the matcher's
    weights, version and training record (`matching.Matcher.to_document`); at most one is
    ``active``, the one every host ranks with."""

    __tablename__ = "matcher_models"

    version: Mapped[str] = mapped_column(sa.String(80), primary_key=True)
    document: Mapped[dict] = mapped_column(sa.JSON)
    active: Mapped[bool] = mapped_column(default=False, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<MatcherModel {self.version}{' active' if self.active else ''}>"
