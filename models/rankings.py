"""Stored rankings: each person's best openings, computed city-wide each night (in blocks,
on however many workers exist) and again for one person when what the matcher reads of
them changes."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from models.db import Base, utcnow


class RankingRun(Base):
    """One city-wide ranking: who it covers (people due for release within
    ``horizon_months``, every facility), how many blocks it was cut into, how many are
    written. Each block is its own job and commits its people's rankings with the count;
    the last block to finish sets ``finished_at``."""

    __tablename__ = "ranking_runs"
    __table_args__ = (
        sa.CheckConstraint("blocks_done <= blocks_total", name="blocks_done_le_total"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    horizon_months: Mapped[int] = mapped_column()
    k: Mapped[int] = mapped_column()
    n_seekers: Mapped[int] = mapped_column(default=0)
    n_openings: Mapped[int] = mapped_column(default=0)
    blocks_total: Mapped[int] = mapped_column(default=0)
    blocks_done: Mapped[int] = mapped_column(default=0)
    started_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    finished_at: Mapped[datetime | None] = mapped_column()

    @property
    def finished(self) -> bool:
        return self.finished_at is not None

    def __repr__(self) -> str:
        return f"<RankingRun {self.id} {self.blocks_done}/{self.blocks_total}>"


class SeekerRanking(Base):
    """When a person's stored ranking was computed, from what and by which run.

    ``inputs_digest`` is a keyed digest of the person's matcher row (their latest
    survey, certificates, self-test): a ranking whose digest no longer matches is stale
    and never shown as current. ``model_version`` is the matcher that scored it.
    """

    __tablename__ = "seeker_rankings"

    seeker_id: Mapped[int] = mapped_column(
        sa.ForeignKey("seekers.id", ondelete="CASCADE"), primary_key=True)
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)
    inputs_digest: Mapped[str] = mapped_column(sa.String(64))
    model_version: Mapped[str] = mapped_column(sa.String(80))
    run_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("ranking_runs.id", ondelete="SET NULL"), index=True)


class RankedOpening(Base):
    """One opening in a person's stored ranking: its rank (1 = best), score and reasons
    (the matcher's reason codes and figures, no free text)."""

    __tablename__ = "ranked_openings"

    seeker_id: Mapped[int] = mapped_column(
        sa.ForeignKey("seeker_rankings.seeker_id", ondelete="CASCADE"), primary_key=True)
    rank: Mapped[int] = mapped_column(sa.SmallInteger, primary_key=True)
    opening_id: Mapped[int] = mapped_column(
        sa.ForeignKey("openings.id", ondelete="CASCADE"), index=True)
    score: Mapped[float] = mapped_column(sa.Float)
    reasons: Mapped[list] = mapped_column(sa.JSON, default=list)
