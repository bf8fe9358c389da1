"""The weekly job bulletin (岗位信息周刊): one numbered issue per facility per ISO week."""

import re
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.db import Base, utcnow
from models.errors import StateError
from models.facilities import Facility

_ISO_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


def iso_week_of(day: date) -> str:
    """The ISO week holding `day`, as 'YYYY-Www' (e.g. '2026-W48')."""
    year, week, _weekday = day.isocalendar()
    return f"{year:04d}-W{week:02d}"


def week_monday(week: str) -> date:
    """The Monday of an ISO week 'YYYY-Www'; a malformed or impossible week is a StateError."""
    match = _ISO_WEEK.match(str(week or "").strip())
    if match is None:
        raise StateError(_l("Write the week as year, W and week number, e.g. 2026-W48."))
    year, number = int(match.group(1)), int(match.group(2))
    try:
        monday = date.fromisocalendar(year, number, 1)
    except ValueError:
        raise StateError(_l("The year %(year)s has no week %(week)s."),
                         year=year, week=number) from None
    return monday


class Bulletin(Base):
    """One issue of a facility's weekly job bulletin, as it was printed.

    `opening_ids` keeps the openings in printed order and `category_order` the order of
    the categories (the facility's demand when the issue was made), so a past issue shows
    the same openings in the same order however demand and openings change later.
    """

    __tablename__ = "bulletins"
    __table_args__ = (
        sa.UniqueConstraint("facility_id", "week"),
        sa.UniqueConstraint("facility_id", "number"),
        sa.CheckConstraint("number > 0", name="number_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    facility_id: Mapped[int] = mapped_column(sa.ForeignKey("facilities.id"), index=True)
    week: Mapped[str] = mapped_column(sa.String(8))
    number: Mapped[int]
    generated_at: Mapped[datetime] = mapped_column(default=utcnow)
    generated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id"))
    opening_ids: Mapped[list[int]] = mapped_column(sa.JSON, default=list)
    new_opening_ids: Mapped[list[int]] = mapped_column(sa.JSON, default=list)
    category_order: Mapped[list[str]] = mapped_column(sa.JSON, default=list)

    facility: Mapped[Facility] = relationship()

    @property
    def monday(self) -> date:
        return week_monday(self.week)

    @property
    def sunday(self) -> date:
        return self.monday + timedelta(days=6)

    def __repr__(self) -> str:
        return f"<Bulletin {self.facility_id} {self.week} no. {self.number}>"


class BulletinPdf(Base):
    """An issue's PDF, made once by the `bulletin_pdf` job and kept for every download.

    The printed issue is always in Chinese (whoever asks), so one PDF per issue.
    ``contents_digest`` fingerprints the words it printed: the issue's openings are fixed
    but an opening leaves it at once when its employer is suspended, and its wording or
    fair may change, so a PDF whose digest no longer matches is made again. It holds no
    personal data (openings and employers only).
    """

    __tablename__ = "bulletin_pdfs"

    bulletin_id: Mapped[int] = mapped_column(
        sa.ForeignKey("bulletins.id", ondelete="CASCADE"), primary_key=True)
    contents_digest: Mapped[str] = mapped_column(sa.String(64))
    # loaded when served: the link checks the digest first
    data: Mapped[bytes] = mapped_column(sa.LargeBinary, deferred=True)
    made_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<BulletinPdf {self.bulletin_id}>"
