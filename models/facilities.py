"""Rehabilitation facilities (戒毒所); bureau staff are scoped to one."""

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from models.db import Base
from models.reference import LocalizedName


class Facility(LocalizedName, Base):
    """A rehabilitation facility."""

    __tablename__ = "facilities"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(16), unique=True)
    name_zh: Mapped[str] = mapped_column(sa.String(60))
    name_en: Mapped[str] = mapped_column(sa.String(120))
    district: Mapped[str | None] = mapped_column(sa.ForeignKey("districts.adcode"))
    address: Mapped[str] = mapped_column(sa.String(200), default="")

    def __repr__(self) -> str:
        return f"<Facility {self.code}>"
