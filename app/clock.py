"""Qibu's one idea of "today": the date in its time zone (Shanghai by default,
``QIBU_TIMEZONE``), whatever zone the server's clock is set to.

Every rule about dates — "not in the future", "due", "overdue", this week's bulletin,
the report's periods — asks `local_today()`, never ``date.today()``: between 16:00 and
24:00 UTC the two disagree by a day, and a page that mixes them tells a person that
today's date is in the future.

A run that must see one day from start to end (the test suite, which may cross midnight
half-way) pins the date with `pin_today`.
"""

from datetime import date, datetime, tzinfo
from zoneinfo import ZoneInfo

from flask import has_app_context
from flask_babel import get_timezone

from app.config import Config

_pinned: date | None = None


def local_zone() -> tzinfo:
    """The zone dates are read in: the app's configured one, or the default outside it."""
    if has_app_context():
        return get_timezone()
    return ZoneInfo(Config.BABEL_DEFAULT_TIMEZONE)


def local_today() -> date:
    """Today in Qibu's time zone (or the pinned day)."""
    if _pinned is not None:
        return _pinned
    return datetime.now(local_zone()).date()


def pin_today(day: date | None) -> None:
    """Make `local_today` answer `day` until unpinned with ``None``."""
    global _pinned
    _pinned = day
