"""Name the published outcomes by channel in the user's language, for the page and the exports.

The numbers come from :mod:`app.reports.outcomes` already suppressed; this module only
labels channels and columns, so the page, the XLSX and the CSV show the same values.
"""

import math

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.reports.outcomes import ChannelOutcomes
from app.reports.suppression import NOT_SHOWN, Published
from app.reports.tables import Column, ReportTable

CHANNEL_LABELS = {
    "fair": _l("Job fair"),
    "referral": _l("Directed referral"),
    "practice": _l("Job practice"),
    "training": _l("Skills training"),
    "self_found": _l("Found by themselves"),
    "startup": _l("Start-up (self-employment)"),
}

# what "people reached" means for each channel that has an activity of its own
REACHED_LABELS = {
    "fair": _l("registered for a fair"),
    "referral": _l("referred to an opening"),
    "practice": _l("attended a practice day"),
    "training": _l("completed a course"),
    "startup": _l("given start-up guidance"),
}


def channel_label(channel: str) -> str:
    return str(CHANNEL_LABELS.get(channel, channel))


def whole_days(value):
    """A median number of days as a whole number (half a day rounds up), or its marker."""
    if isinstance(value, str):
        return value
    return int(math.floor(float(value) + 0.5))


def _cell(table: Published | None, channel: str):
    return NOT_SHOWN if table is None else table.cells[channel]


def _total(table: Published | None):
    return NOT_SHOWN if table is None else table.total


def channel_table(outcomes: ChannelOutcomes) -> ReportTable:
    """Placements, people placed, days to a first job and people reached, by channel."""
    rows = []
    for channel in outcomes.channels:
        reached = _cell(outcomes.reached, channel) if channel in REACHED_LABELS else None
        rows.append({
            "key": channel, "label": channel_label(channel),
            "placements": outcomes.placements.cells[channel],
            "people": _cell(outcomes.people, channel),
            "days": whole_days(outcomes.median_days[channel]),
            "reached": reached,
        })
    total = {"key": "", "label": _("All channels"), "placements": outcomes.placements.total,
             "people": _total(outcomes.people),
             "days": whole_days(outcomes.median_days["total"]), "reached": None}
    return ReportTable(
        "channels", _("Placements by channel"),
        [Column("placements", _("Placements (jobs)"), chart=True),
         Column("people", _("People placed (by their first job)"), chart=True),
         Column("days", _("Median days from release to first job"), "pay"),
         Column("reached", _("People the channel reached"))],
        rows, total,
        _("Placements count jobs (a person may hold an additional job), each under the "
          "channel it was found through. People placed count each person once, under the "
          "channel of their first job. Days run from the expected release date to the "
          "first job's start (a job that started before it counts as 0), shown only where "
          "the number of people is. People reached: registered for a fair, referred to an "
          "opening, attended a practice day, completed a course or given start-up "
          "guidance; a person may count under several channels, so there is no total."),
        _("Channel"), _("By channel"))


def retention_table(outcomes: ChannelOutcomes, *, with_employed: bool = False) -> ReportTable:
    """People followed up at each month and the share still employed, by channel."""
    columns = []
    for month in outcomes.months:
        columns.append(Column(f"followed_{month}",
                              _("Followed up at %(n)s months", n=month)))
        if with_employed:
            columns.append(Column(f"employed_{month}",
                                  _("Still employed at %(n)s months", n=month)))
        columns.append(Column(f"share_{month}",
                              _("Share still employed at %(n)s months", n=month), "share"))
    rows = []
    for channel in outcomes.channels:
        row = {"key": channel, "label": channel_label(channel)}
        for month in outcomes.months:
            retention = outcomes.retention[month]
            row[f"followed_{month}"] = _cell(retention.followed, channel)
            row[f"employed_{month}"] = retention.employed(channel)
            row[f"share_{month}"] = retention.share(channel)
        rows.append(row)
    total = {"key": "", "label": _("All channels")}
    for month in outcomes.months:
        retention = outcomes.retention[month]
        total[f"followed_{month}"] = _total(retention.followed)
        total[f"share_{month}"] = retention.total_share()
        total[f"employed_{month}"] = retention.total_employed()
    return ReportTable(
        "retention", _("Still employed after 1, 3, 6 and 12 months"), columns, rows, total,
        _("Of the people whose first job came through the channel and whose follow-up of "
          "that job at the month is recorded, the share still employed. A share shows "
          "\u201c—\u201d where it would reveal a group of fewer than 5 people: those still "
          "employed and those no longer employed must both be shown, or follow from shown "
          "numbers. The share over all channels is shown only where every channel's is."),
        _("Channel"), _("Retention"))


def outcome_tables(outcomes: ChannelOutcomes, *, export: bool = False) -> list[ReportTable]:
    """The report's tables; an export also lists the people still employed."""
    return [channel_table(outcomes), retention_table(outcomes, with_employed=export)]
