"""Reference tables from seed_data/: districts, job categories, certificates, environments."""

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from models.db import Base


class LocalizedName:
    """Mixin for rows that carry a Chinese and an English name."""

    name_zh: Mapped[str]
    name_en: Mapped[str]

    def name(self, locale: str = "zh_CN") -> str:
        """Return the name in the given locale (Chinese unless English is asked for)."""
        return self.name_en if str(locale).startswith("en") else self.name_zh


class District(LocalizedName, Base):
    """One of Shanghai's 16 districts, identified by its adcode."""

    __tablename__ = "districts"

    adcode: Mapped[str] = mapped_column(sa.String(6), primary_key=True)
    name_zh: Mapped[str] = mapped_column(sa.String(20))
    name_en: Mapped[str] = mapped_column(sa.String(40))
    lon: Mapped[float]
    lat: Mapped[float]
    neighbours: Mapped[list[str]] = mapped_column(sa.JSON, default=list)


class JobCategory(LocalizedName, Base):
    """A category of work fit for Qibu's job seekers, mapped to CSCO 2022 codes."""

    __tablename__ = "job_categories"

    code: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    name_zh: Mapped[str] = mapped_column(sa.String(40))
    name_en: Mapped[str] = mapped_column(sa.String(80))
    csco_codes: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    riasec: Mapped[str] = mapped_column(sa.String(3))
    position: Mapped[int] = mapped_column(default=0)


class Certificate(LocalizedName, Base):
    """A certificate or licence; some are legally required for some categories."""

    __tablename__ = "certificates"

    code: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    name_zh: Mapped[str] = mapped_column(sa.String(40))
    name_en: Mapped[str] = mapped_column(sa.String(80))
    legally_required_for: Mapped[list[str]] = mapped_column(sa.JSON, default=list)


class Environment(LocalizedName, Base):
    """A work environment a seeker may ask to avoid (a hard filter employers never see)."""

    __tablename__ = "environments"

    tag: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    name_zh: Mapped[str] = mapped_column(sa.String(40))
    name_en: Mapped[str] = mapped_column(sa.String(80))
