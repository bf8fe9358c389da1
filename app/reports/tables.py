"""Label the published report tables in the user's language, for the pages, charts and exports.

The numbers come from app.reports.summary and app.reports.gap already suppressed; this module
only names rows and columns, so the page, its bar charts, the XLSX and the CSV show the same
values.
"""

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.labels import category_name, district_name
from app.reports.gap import GapReport
from app.reports.summary import ANYWHERE, NO_CHOICE, UNKNOWN, SeekerSummary
from app.reports.suppression import NOT_SHOWN, SMALL, WITHHELD, Published

PAY_BAND_LABELS = {
    "<4000": _l("under 4,000"),
    "4000-4999": "4,000–4,999",
    "5000-5999": "5,000–5,999",
    "6000-6999": "6,000–6,999",
    "7000-7999": "7,000–7,999",
    "8000-9999": "8,000–9,999",
    ">=10000": _l("10,000 or more"),
    UNKNOWN: _l("not given"),
}


@dataclass
class Column:
    key: str
    title: str
    kind: str = "seekers"  # seekers | places | pay | share
    chart: bool = False


@dataclass
class ReportTable:
    """One table of a report: rows of display values, an optional total row, a help text."""

    key: str
    title: str
    columns: list[Column]
    rows: list[dict]  # "key", "label" and one value per column key
    total: dict | None = None
    help: str = ""
    label_title: str = field(default_factory=lambda: _("Row"))
    sheet: str = ""  # a short name for the spreadsheet tab (at most 31 characters)

    @property
    def chart_columns(self) -> list[Column]:
        return [c for c in self.columns if c.chart]

    def chart_scale(self) -> float:
        """The largest charted number (bars are drawn as a share of it)."""
        values = [row[c.key] for row in self.rows for c in self.chart_columns]
        numbers = [float(v) for v in values if _is_number(v) and v > 0]
        return max(numbers, default=0.0)

    def bar(self, row: dict, column: Column) -> float | None:
        """The bar's length in percent of the chart, or None when the value is not shown."""
        value, scale = row[column.key], self.chart_scale()
        if not _is_number(value) or scale <= 0:
            return None
        return round(100.0 * max(float(value), 0.0) / scale, 2)

    def frame(self, label_title: str | None = None) -> pd.DataFrame:
        """The table for an export: a code column, the row label, then the value columns."""
        records = [*self.rows, *([self.total] if self.total else [])]
        data = {_("Code"): [r.get("key", "") for r in records],
                label_title or self.label_title: [str(r["label"]) for r in records]}
        for column in self.columns:
            data[column.title] = [export_value(r.get(column.key), column.kind) for r in records]
        return pd.DataFrame(data, dtype=object)


def _is_number(value) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)


def export_value(value, kind: str):
    """A value as it goes into a spreadsheet: numbers stay numbers, markers stay text."""
    if value is None:
        return None
    if kind == "share" and _is_number(value):
        return round(float(value), 4)
    if _is_number(value):
        return int(value)
    return str(value)


def display_value(value, kind: str) -> str:
    """A value as the page shows it."""
    if value is None:
        return ""
    if kind == "share" and _is_number(value):
        return f"{100 * float(value):.0f}%"
    if _is_number(value):
        return f"{int(value):,}"
    return str(value)


def category_label(code: str) -> str:
    return _("No category given") if code == NO_CHOICE else category_name(code)


def district_label(code: str) -> str:
    if code == ANYWHERE:
        return _("Anywhere (no preference)")
    if code == UNKNOWN:
        return _("not given")
    return district_name(code)


def pay_band_label(code: str) -> str:
    return str(PAY_BAND_LABELS[code])


def legend() -> list[tuple[str, str]]:
    """What the markers mean, for the pages and the exports."""
    return [
        (SMALL, _("fewer than 5 seekers (0 to 4)")),
        (WITHHELD, _("5 or more, withheld so that a count under 5 cannot be worked out from "
                     "the total")),
        (NOT_SHOWN, _("not shown: it would reveal a group of fewer than 5 seekers")),
    ]


# --------------------------------------------------------------------------- summary


def _seeker_table(key, title, published: Published, label, *, label_title, sheet,
                  help_text="") -> ReportTable:
    rows = [{"key": k, "label": label(k), "seekers": v} for k, v in published.cells.items()]
    total = None
    if published.additive:
        total = {"key": "", "label": _("Total"), "seekers": published.total}
    return ReportTable(key, title, [Column("seekers", _("Seekers"), chart=True)],
                       rows, total, help_text, label_title, sheet)


def summary_tables(summary: SeekerSummary) -> list[ReportTable]:
    """The demand summary's tables (汇总反馈)."""
    return [
        _seeker_table("first_choice", _("First choice of job category"),
                      summary["first_choice"], category_label, label_title=_("Category"),
                      sheet=_("First choice"),
                      help_text=_("Each seeker once, by the category they want most.")),
        _seeker_table("any_choice", _("Any choice of job category"), summary["any_choice"],
                      category_label, label_title=_("Category"), sheet=_("Any choice"),
                      help_text=_("Seekers naming the category among their up to three "
                                  "choices; a seeker may count in three rows, so there is "
                                  "no total.")),
        _seeker_table("hoped_pay", _("Hoped-for monthly pay"), summary["hoped_pay"],
                      pay_band_label, label_title=_("Yuan a month"), sheet=_("Hoped-for pay"),
                      help_text=_("Each seeker once, by the monthly pay they hope for.")),
        _seeker_table("release_month", _("Month of release"), summary["release_month"],
                      str, label_title=_("Month"), sheet=_("Release month"),
                      help_text=_("Each seeker once, by the month they are due for release.")),
        _seeker_table("preferred_district", _("Preferred district"),
                      summary["preferred_district"], district_label,
                      label_title=_("District"), sheet=_("Preferred district"),
                      help_text=_("Seekers naming the district among the districts they "
                                  "would work in; seekers who named none count as "
                                  "\u201canywhere\u201d. A seeker may count in several "
                                  "rows, so there is no total.")),
    ]


# --------------------------------------------------------------------------- gap report


def _rows(frame: pd.DataFrame, label) -> list[dict]:
    return [{"key": key, "label": label(key),
             **{c: None if _is_missing(row[c]) else row[c] for c in frame.columns}}
            for key, row in frame.iterrows()]


def _is_missing(value) -> bool:
    return value is None or (isinstance(value, (float, np.floating)) and np.isnan(value))


def gap_tables(report: GapReport) -> list[ReportTable]:
    """The gap report's tables."""
    places = _("Open places")
    several = _("Openings with headcount \u201cseveral\u201d")
    return [
        ReportTable(
            "recruit", _("Categories to recruit employers for"),
            [Column("first_choice", _("Seekers (first choice)")),
             Column("places", places, "places"),
             Column("several", several, "places"),
             Column("shortfall", _("Shortfall"), "places", chart=True)],
            _rows(report.recruit, category_label),
            help=_("Categories where more seekers want the category most than there are "
                   "open places, the largest shortfall first. Shortfall = seekers whose "
                   "first choice it is − open places. Openings whose headcount is unknown "
                   "(\u201cseveral\u201d) are listed apart and not counted as places. "
                   "Categories with fewer than 5 seekers are not ranked."),
            label_title=_("Category"),
            sheet=_("Recruit for"),
        ),
        ReportTable(
            "by_category", _("Demand and open places by category"),
            [Column("first_choice", _("Seekers (first choice)"), chart=True),
             Column("any_choice", _("Seekers (any choice)")),
             Column("places", places, "places", chart=True),
             Column("several", several, "places"),
             Column("shortfall", _("Shortfall"), "places")],
            _rows(report.by_category, category_label),
            help=_("Open places = headcount − places filled, over open openings with a "
                   "known headcount. A negative shortfall means more places than seekers "
                   "wanting the category most."),
            label_title=_("Category"),
            sheet=_("By category"),
        ),
        ReportTable(
            "by_district", _("Demand and open places by district"),
            [Column("preferred", _("Seekers preferring the district"), chart=True),
             Column("home", _("Seekers living there")),
             Column("places", places, "places", chart=True),
             Column("several", several, "places")],
            _rows(report.by_district, district_label),
            help=_("Seekers may name several preferred districts; those who named none "
                   "count as \u201canywhere\u201d. Places are counted in the opening's "
                   "district."),
            label_title=_("District"),
            sheet=_("By district"),
        ),
        ReportTable(
            "by_pay", _("Demand and open places by monthly pay"),
            [Column("lowest_pay", _("Seekers by lowest acceptable pay"), chart=True),
             Column("hoped_pay", _("Seekers by hoped-for pay")),
             Column("places", places, "places", chart=True),
             Column("several", several, "places")],
            _rows(report.by_pay, pay_band_label),
            help=_("An opening's pay is the midpoint of its pay range (one bound alone "
                   "stands for the pay); openings without pay count as \u201cnot given\u201d."),
            label_title=_("Yuan a month"),
            sheet=_("By pay"),
        ),
        ReportTable(
            "pay_check", _("Pay reality check"),
            [Column("seekers", _("Seekers (any choice)")),
             Column("postings", _("Open postings with pay"), "places"),
             Column("median", _("Median posting pay"), "pay"),
             Column("p75", _("75th percentile"), "pay"),
             Column("above_median", _("Lowest acceptable pay above the median"), "share",
                    chart=True),
             Column("above_p75", _("Lowest acceptable pay above the 75th percentile"),
                    "share")],
            _rows(report.pay_check, category_label),
            help=_("For each category: of the seekers naming it among their choices, the "
                   "share whose lowest acceptable monthly pay is above the median, and above "
                   "the 75th percentile, of the open postings' pay in that category (a "
                   "posting's pay is the midpoint of its range). A high share means the "
                   "pay offered is below what these seekers will accept: recruit better-"
                   "paying employers or talk pay through with the seekers. Seekers who gave "
                   "no lowest pay count as not above. \u201c—\u201d: fewer than 5 seekers "
                   "or no postings with pay, or a share that would reveal fewer than 5 "
                   "seekers."),
            label_title=_("Category"),
            sheet=_("Pay check"),
        ),
    ]
