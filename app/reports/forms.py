"""The reports' period (one fixed half-year of release dates) and, for the summary, one facility.

A report is asked for by ``period=2027-H1``. Links and bookmarks from before the fixed
periods ask with ``date_from``/``date_to``: that range is snapped to the half-year it
overlaps most and the page says so (:mod:`app.reports.periods`).
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _

from app.clock import local_today
from app.reports.periods import (
    ReleasePeriod,
    allowed_periods,
    default_period,
    snap_to_period,
)
from app.value_messages import value_error_message
from models import Facility
from surveys.values import ValueParseError, parse_date


def period_label(period: ReleasePeriod) -> str:
    """A half-year as the user reads it, e.g. "2027, January to June"."""
    if period.half == 1:
        return _("%(year)s, January to June", year=period.year)
    return _("%(year)s, July to December", year=period.year)


@dataclass(frozen=True)
class ReportWindow:
    """Seekers due for release in one half-year; maybe one facility.

    `requested` is the date range asked for when it was snapped to the half-year.
    """

    period: ReleasePeriod
    facility: Facility | None = None
    requested: tuple[date, date] | None = None

    @property
    def date_from(self) -> date:
        return self.period.first

    @property
    def date_to(self) -> date:
        return self.period.last

    @property
    def label(self) -> str:
        return period_label(self.period)

    def snapped_message(self) -> str | None:
        """What the page says when a requested range was replaced by its half-year."""
        if self.requested is None:
            return None
        return _("Reports cover whole half-years of release dates only, so that two reports "
                 "cannot be compared to single out a person: %(start)s to %(end)s is shown "
                 "as %(period)s (%(first)s to %(last)s).",
                 start=self.requested[0].isoformat(), end=self.requested[1].isoformat(),
                 period=self.label, first=self.date_from.isoformat(),
                 last=self.date_to.isoformat())

    def url_args(self) -> dict:
        args = {"period": self.period.key}
        if self.facility is not None:
            args["facility"] = self.facility.code
        return args

    def audit_detail(self) -> dict:
        return {"period": self.period.key, "date_from": self.date_from.isoformat(),
                "date_to": self.date_to.isoformat(),
                "facility": self.facility.code if self.facility else None}

    def file_stem(self, name: str) -> str:
        parts = [name, self.period.key]
        if self.facility is not None:
            parts.append(self.facility.code)
        return "-".join(parts)


def _requested_range(args: Mapping[str, str],
                     errors: dict[str, str]) -> tuple[date, date] | None:
    """The legacy ``date_from``/``date_to`` range, if one was asked for (errors by field)."""
    dates: dict[str, date | None] = {}
    for name in ("date_from", "date_to"):
        try:
            dates[name] = parse_date(args.get(name))
        except ValueParseError as error:
            errors[name] = value_error_message(error)
            dates[name] = None
    start, end = dates["date_from"], dates["date_to"]
    if errors or (start is None and end is None):
        return None
    start = start or ReleasePeriod.containing(end).first
    end = end or ReleasePeriod.containing(start).last
    if start > end:
        errors["date_to"] = _("The end of the window must not be before its start.")
        return None
    return start, end


def window_from_args(
    args: Mapping[str, str], facilities: Sequence[Facility] = (), *, today: date | None = None,
) -> tuple[ReportWindow, dict[str, str]]:
    """Read the half-year (or a range to snap) and the facility from query arguments.

    Returns the window (the default half-year where a value was unusable) and the errors
    by field.
    """
    today = today or local_today()
    allowed = allowed_periods(today)
    errors: dict[str, str] = {}
    period, requested = default_period(today), None
    text = (args.get("period") or "").strip()
    if text:
        try:
            period = ReleasePeriod.parse(text)
        except ValueError:
            errors["period"] = _("Choose a half-year from the list.")
    else:
        requested = _requested_range(args, errors)
        if requested is not None:
            period = snap_to_period(*requested)
            if (period.first, period.last) == requested:
                requested = None  # exactly a half-year: nothing was changed
    if not errors and period not in allowed:
        errors["period"] = _(
            "Reports cover the half-years from %(first)s to %(last)s only. Choose one from "
            "the list.", first=period_label(allowed[0]), last=period_label(allowed[-1]))
        period, requested = default_period(today), None
    facility = None
    code = (args.get("facility") or "").strip()
    if code:
        facility = next((f for f in facilities if f.code == code), None)
        if facility is None:
            errors["facility"] = _("Choose a facility from the list.")
    return ReportWindow(period, facility, requested), errors
