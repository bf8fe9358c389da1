"""The reports' window: release dates from/to and, for the demand summary, one facility."""

import calendar
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _

from app.value_messages import value_error_message
from models import Facility
from surveys.values import ValueParseError, parse_date

DEFAULT_MONTHS = 6
MAX_MONTHS = 24


def add_months(day: date, months: int) -> date:
    """The same day `months` later (the month's last day when it is shorter)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class ReportWindow:
    """Seekers due for release from `date_from` to `date_to` (inclusive); maybe one facility."""

    date_from: date
    date_to: date
    facility: Facility | None = None

    def url_args(self) -> dict:
        args = {"date_from": self.date_from.isoformat(), "date_to": self.date_to.isoformat()}
        if self.facility is not None:
            args["facility"] = self.facility.code
        return args

    def audit_detail(self) -> dict:
        return {"date_from": self.date_from.isoformat(), "date_to": self.date_to.isoformat(),
                "facility": self.facility.code if self.facility else None}

    def file_stem(self, name: str) -> str:
        parts = [name, self.date_from.isoformat(), self.date_to.isoformat()]
        if self.facility is not None:
            parts.append(self.facility.code)
        return "-".join(parts)


def window_from_args(
    args: Mapping[str, str], facilities: Sequence[Facility] = (), *, today: date | None = None,
) -> tuple[ReportWindow, dict[str, str]]:
    """Read the window from query arguments; blank dates default to today → 6 months on.

    Returns the window (defaults where a value was unreadable) and the errors by field.
    """
    today = today or date.today()
    errors: dict[str, str] = {}
    dates = {}
    for name, default in (("date_from", today),
                          ("date_to", add_months(today, DEFAULT_MONTHS))):
        try:
            dates[name] = parse_date(args.get(name)) or default
        except ValueParseError as error:
            errors[name] = value_error_message(error)
            dates[name] = default
    if not errors and dates["date_from"] > dates["date_to"]:
        errors["date_to"] = _("The end of the window must not be before its start.")
    elif not errors and dates["date_to"] > add_months(dates["date_from"], MAX_MONTHS):
        errors["date_to"] = _("Choose a window of at most %(n)s months.", n=MAX_MONTHS)
    facility = None
    code = (args.get("facility") or "").strip()
    if code:
        facility = next((f for f in facilities if f.code == code), None)
        if facility is None:
            errors["facility"] = _("Choose a facility from the list.")
    return ReportWindow(dates["date_from"], dates["date_to"], facility), errors
