"""Outcomes by channel (就业渠道): placements, people placed, retention and time to a first job.

Pure pandas: DataFrames in, published tables out; no Flask, no database. The cohort of a
report is the people due for release in one fixed half-year (:mod:`app.reports.periods`),
as in the demand summary, so that two reports of different half-years count different
people and one facility's report is audited with every facility's and the city's of the
same half-year (:func:`app.reports.suppression.publish_facility_tables`). Their jobs are
counted whenever they started, by the channel each was found through.

Every count of people goes through :func:`app.reports.suppression.suppress_small_counts`
(counts 0–4 show as ``"<5"``; a further count is withheld, ``"x"``, wherever a hidden one
could be worked out from a total or another table). Each table adds up to its total, one
row per channel, because every person is counted once:

- ``placements``: jobs (a person may hold an additional job), by the job's channel;
- ``people``: people placed, by the channel of their first job (earliest start);
- ``followed_<m>``: people whose first job's follow-up at `m` months is recorded, by the
  channel of that job; each channel's group is then split into still employed / no longer
  employed, published as its own table whose total is the group (as the gap report's pay
  check splits a group), and the retention share is shown only where it follows from
  shown cells;
- ``reached``: people the channel's own activity reached (registered at a fair, referred,
  attended a practice day, completed a course, given start-up guidance); a person may
  count in several rows, so there is no total.

Each table is audited with what the earlier ones tell a reader about its cells (people
placed ≤ placements, people followed ≤ people placed: the `upper` bounds). The median
number of days from the expected release date to the first job's start is shown only
where the channel's count of people placed is.

Frames (one row each):

- placements: :data:`PLACEMENT_COLUMNS`, every placement of the cohort's people;
- follow-ups: :data:`FOLLOW_UP_COLUMNS`, the recorded (done) follow-ups of those placements;
- reached: :data:`REACHED_COLUMNS`, a person reached by a channel's activity.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from app.reports.periods import ReleasePeriod, allowed_periods
from app.reports.suppression import (
    NOT_SHOWN,
    THRESHOLD,
    FacilityTooSmall,
    Published,
    cell_ranges,
    publish_facility_tables,
    suppress_small_counts,
)

__all__ = [
    "EMPLOYED",
    "FOLLOW_UP_COLUMNS",
    "NOT_EMPLOYED",
    "PLACEMENT_COLUMNS",
    "REACHED_COLUMNS",
    "ChannelOutcomes",
    "Retention",
    "first_jobs",
    "outcome_counts",
    "outcome_periods",
    "publish_outcomes",
]

PLACEMENT_COLUMNS = ("placement_id", "seeker_id", "facility_id", "channel", "start_date",
                     "release_date", "released")
FOLLOW_UP_COLUMNS = ("placement_id", "month", "still_employed")
REACHED_COLUMNS = ("seeker_id", "facility_id", "channel")
EMPLOYED = "employed"
NOT_EMPLOYED = "not_employed"


def outcome_periods(today) -> list[ReleasePeriod]:
    """The half-years outcomes are counted for, oldest first: those the reports offer, up
    to the one holding `today` (later ones have nobody released yet)."""
    latest = ReleasePeriod.containing(today)
    return [period for period in allowed_periods(today) if period <= latest]


# --------------------------------------------------------------------------- counting


def first_jobs(placements: pd.DataFrame) -> pd.DataFrame:
    """Each person's first job: the earliest start date, then the first recorded."""
    ordered = placements.sort_values(["seeker_id", "start_date", "placement_id"],
                                     kind="stable")
    return ordered.drop_duplicates("seeker_id", keep="first").reset_index(drop=True)


def _by_channel(values: pd.Series, channels: Sequence[str]) -> pd.Series:
    counts = values.astype(object).value_counts()
    stray = sorted(set(counts.index) - set(channels), key=str)
    if stray:
        raise ValueError(f"channels outside the table's rows: {stray}")
    return counts.reindex(list(channels), fill_value=0).astype("int64")


def outcome_counts(placements: pd.DataFrame, follow_ups: pd.DataFrame, reached: pd.DataFrame,
                   *, channels: Sequence[str], months: Sequence[int]) -> dict[str, pd.Series]:
    """Count every table of the report (rows: `channels`).

    Besides the tables named in the module's description, ``employed_<m>`` holds the
    people of ``followed_<m>`` still employed at the follow-up.
    """
    first = first_jobs(placements)
    counts = {
        "placements": _by_channel(placements["channel"], channels),
        "people": _by_channel(first["channel"], channels),
    }
    done = follow_ups.merge(first[["placement_id", "channel"]], on="placement_id")
    for month in months:
        at = done[done["month"] == month]
        counts[f"followed_{month}"] = _by_channel(at["channel"], channels)
        counts[f"employed_{month}"] = _by_channel(
            at.loc[at["still_employed"].astype(bool), "channel"], channels)
    unique = reached.drop_duplicates(["seeker_id", "channel"])
    counts["reached"] = _by_channel(unique["channel"], channels)
    return counts


def _days_to_first_job(placements: pd.DataFrame) -> pd.DataFrame:
    """Days from the expected release date to the first job's start, for people released.

    A first job starting before the expected release date (the date moved) counts as 0.
    """
    first = first_jobs(placements)
    first = first[first["released"].astype(bool) & first["release_date"].notna()]
    days = [max(0, (start - release).days)
            for start, release in zip(first["start_date"], first["release_date"], strict=True)]
    return pd.DataFrame({"channel": first["channel"].to_numpy(), "days": days})


# --------------------------------------------------------------------------- publishing


@dataclass(frozen=True)
class Retention:
    """The people followed up at one month, by channel, and each channel's split.

    ``splits[channel]`` is the group split into still employed / no longer employed
    (rows :data:`EMPLOYED`, :data:`NOT_EMPLOYED`), or None where the group is not shown as
    a number.
    """

    followed: Published | None
    splits: Mapping[str, Published | None]

    def employed(self, channel: str):
        """The count still employed as published (a count or a marker), or ``"—"`` where
        the group is not split."""
        split = self.splits.get(channel)
        return NOT_SHOWN if split is None else split.cells[EMPLOYED]

    def _employed_known(self, channel: str) -> int | None:
        """The count still employed where it is shown or follows from shown cells (the
        group less those no longer employed, which may be 0), else None."""
        split = self.splits.get(channel)
        if split is None:
            return None
        employed, not_employed = split.cells[EMPLOYED], split.cells[NOT_EMPLOYED]
        if not isinstance(employed, str):
            return int(employed)
        if not isinstance(not_employed, str):
            return int(self.followed.cells[channel]) - int(not_employed)
        return None

    def share(self, channel: str) -> float | str:
        """The share still employed, or ``"—"`` where it does not follow from shown cells."""
        employed = self._employed_known(channel)
        if employed is None:
            return NOT_SHOWN
        return employed / int(self.followed.cells[channel])

    def total_share(self) -> float | str:
        """The share over every channel: shown only when each channel's follows from shown
        cells, as then it adds up what is shown and tells nothing more."""
        if self.followed is None or isinstance(self.followed.total, str):
            return NOT_SHOWN
        known = [self._employed_known(channel) for channel in self.followed.cells.index]
        total = int(self.followed.total)
        if None in known or not total:
            return NOT_SHOWN
        return sum(known) / total

    def total_employed(self):
        """The count still employed over every channel: shown only when each channel's
        count is shown."""
        if self.followed is None:
            return NOT_SHOWN
        counts = [self.employed(channel) for channel in self.followed.cells.index]
        if any(isinstance(value, str) for value in counts):
            return NOT_SHOWN
        return sum(int(value) for value in counts)


@dataclass(frozen=True)
class ChannelOutcomes:
    """One half-year's published outcomes by channel, for all facilities or one.

    A table is None when it cannot be shown for this facility (``unavailable`` names it);
    ``median_days`` holds, per channel and for ``"total"``, the median days from release
    to the first job, or ``"—"`` where the count of people placed is not shown.
    """

    channels: tuple[str, ...]
    months: tuple[int, ...]
    placements: Published
    people: Published | None
    retention: Mapping[int, Retention]
    reached: Published | None
    median_days: Mapping[str, float | str]
    unavailable: frozenset[str] = field(default_factory=frozenset)


def _upper(published: Published | None) -> pd.Series | None:
    return None if published is None else cell_ranges(published)["hi"]


def _table_order(months: Sequence[int]) -> list[str]:
    return ["placements", "people", *(f"followed_{m}" for m in months), "reached"]


def _bounding(name: str) -> str | None:
    """The table whose published cells bound this one's (each cell at most that cell)."""
    if name == "people":
        return "placements"
    if name.startswith("followed_"):
        return "people"
    return None


def _split_counts(counts: Mapping[str, pd.Series], month: int, channel: str) -> pd.Series:
    employed = int(counts[f"employed_{month}"][channel])
    followed = int(counts[f"followed_{month}"][channel])
    return pd.Series([employed, followed - employed], index=[EMPLOYED, NOT_EMPLOYED],
                     dtype="int64")


def _medians(days: pd.DataFrame, people: Published | None,
             channels: Sequence[str]) -> dict[str, float | str]:
    medians: dict[str, float | str] = {}
    for channel in channels:
        shown = people is not None and not isinstance(people.cells[channel], str)
        values = days.loc[days["channel"] == channel, "days"]
        medians[channel] = float(np.median(values)) if shown and len(values) else NOT_SHOWN
    shown = people is not None and not isinstance(people.total, str)
    medians["total"] = float(np.median(days["days"])) if shown and len(days) else NOT_SHOWN
    return medians


def _publish_city(counts: Mapping[str, pd.Series], days: pd.DataFrame, channels, months,
                  threshold: int) -> tuple[ChannelOutcomes, dict[str, Published]]:
    tables: dict[str, Published] = {}
    for name in _table_order(months):
        bound = _bounding(name)
        tables[name] = suppress_small_counts(
            counts[name], threshold, additive=name != "reached",
            upper=_upper(tables[bound]) if bound else None)
    retention = {}
    for month in months:
        followed = tables[f"followed_{month}"]
        splits = {}
        for channel in channels:
            splits[channel] = None
            if not isinstance(followed.cells[channel], str):
                split = suppress_small_counts(_split_counts(counts, month, channel),
                                              threshold, additive=True)
                splits[channel] = split if not isinstance(split.total, str) else None
        retention[month] = Retention(followed, splits)
    outcomes = ChannelOutcomes(tuple(channels), tuple(months), tables["placements"],
                               tables["people"], retention, tables["reached"],
                               _medians(days, tables["people"], channels))
    return outcomes, tables


def _facility_totals_hidden(counts: Mapping[object, pd.Series], city_total: int,
                            threshold: int) -> dict[object, str]:
    """The facilities whose total of a table may not be shown, with the reason.

    The facilities' totals add up to the city's, so they are published as one table: a
    facility's total under the threshold is hidden ("facility"), and one withheld so that
    another's cannot be worked out is hidden too ("rest").
    """
    ids = list(counts)
    sizes = pd.Series([int(counts[f].sum()) for f in ids], index=ids, dtype="int64")
    numbers = suppress_small_counts(sizes, threshold, additive=True)
    if city_total < threshold or isinstance(numbers.total, str):
        return dict.fromkeys(ids, "table")
    return {f: "facility" if sizes[f] < threshold else "rest"
            for f in ids if isinstance(numbers.cells[f], str)}


def _publish_facilities(by_facility: Mapping[object, Mapping[str, pd.Series]],
                        city_counts: Mapping[str, pd.Series],
                        city_tables: Mapping[str, Published], months, threshold: int):
    """Each facility's tables, published together with every other facility's and the
    city's; (tables by facility and name, refusals by facility and name)."""
    ids = list(by_facility)
    tables: dict[object, dict[str, Published]] = {f: {} for f in ids}
    refused: dict[object, dict[str, str]] = {f: {} for f in ids}
    for name in _table_order(months):
        counts = {f: by_facility[f][name] for f in ids}
        additive = name != "reached"
        city_total = int(city_counts[name].sum())
        if additive and city_total < threshold:
            # every facility's count is under the city's "<5": all show as "<5"
            small = city_tables[name].small
            for f in ids:
                if "placements" in refused[f] or name == "placements":
                    refused[f][name] = "facility"
                else:
                    tables[f][name] = Published(
                        pd.Series(small, index=city_counts[name].index, dtype=object),
                        small, threshold=threshold)
            continue
        out: dict[object, str] = {f: "table" for f in ids if "placements" in refused[f]}
        if additive:
            hidden = _facility_totals_hidden(counts, city_total, threshold)
            out |= {f: reason for f, reason in hidden.items() if f not in out}
        bound = _bounding(name)
        upper = {f: _upper(tables[f].get(bound)) for f in ids} if bound else None
        published, withheld = publish_facility_tables(
            counts, city_counts[name], city_tables[name], additive=additive, upper=upper,
            withheld=set(out), threshold=threshold)
        for f in ids:
            if f in published:
                tables[f][name] = published[f]
            else:
                refused[f][name] = out.get(f, "table")
        assert not set(published) & set(out) and set(withheld) | set(published) == set(ids)
    return tables, refused


def _facility_retention(by_facility, city_counts, city: ChannelOutcomes, tables, channels,
                        months, threshold) -> dict[object, dict[int, Retention]]:
    ids = list(by_facility)
    retention: dict[object, dict[int, Retention]] = {f: {} for f in ids}
    for month in months:
        name = f"followed_{month}"
        splits: dict[object, dict[str, Published | None]] = {f: {} for f in ids}
        for channel in channels:
            city_split = city.retention[month].splits[channel]
            shown = {f for f in ids if name in tables[f]
                     and not isinstance(tables[f][name].cells[channel], str)}
            published = {}
            if city_split is not None and shown:
                counts = {f: _split_counts(by_facility[f], month, channel) for f in ids}
                published, _ = publish_facility_tables(
                    counts, _split_counts(city_counts, month, channel), city_split,
                    additive=True, withheld=set(ids) - shown, threshold=threshold)
            for f in ids:
                split = published.get(f)
                splits[f][channel] = (split if split is not None
                                      and not isinstance(split.total, str) else None)
        for f in ids:
            retention[f][month] = Retention(tables[f].get(name), splits[f])
    return retention


def publish_outcomes(
    placements: pd.DataFrame, follow_ups: pd.DataFrame, reached: pd.DataFrame, *,
    channels: Sequence[str], months: Sequence[int], facility_id=None,
    facilities: Sequence = (), threshold: int = THRESHOLD,
) -> ChannelOutcomes:
    """Publish one half-year's outcomes by channel, for all facilities or for one.

    The frames hold every facility's rows. One facility's tables are published together
    with every facility's (`facilities`: their ids, with those in the frames) and the
    city's; :class:`FacilityTooSmall` is raised when its placements cannot be shown. Any
    later table that cannot be shown for the facility is None and named in
    ``unavailable``.
    """
    channels, months = tuple(channels), tuple(months)
    shape = {"channels": channels, "months": months}
    counts = outcome_counts(placements, follow_ups, reached, **shape)
    days = _days_to_first_job(placements)
    city, city_tables = _publish_city(counts, days, channels, months, threshold)
    if facility_id is None:
        return city
    ids = sorted({int(f) for f in [*facilities, facility_id, *placements["facility_id"],
                                   *reached["facility_id"]]})
    by_facility = {}
    for f in ids:
        mine = placements[placements["facility_id"] == f]
        by_facility[f] = outcome_counts(
            mine, follow_ups[follow_ups["placement_id"].isin(mine["placement_id"])],
            reached[reached["facility_id"] == f], **shape)
    tables, refused = _publish_facilities(by_facility, counts, city_tables, months, threshold)
    facility_id = int(facility_id)
    if "placements" in refused[facility_id]:
        raise FacilityTooSmall(refused[facility_id]["placements"])
    retention = _facility_retention(by_facility, counts, city, tables, channels, months,
                                    threshold)[facility_id]
    mine = tables[facility_id]
    own_days = _days_to_first_job(placements[placements["facility_id"] == facility_id])
    return ChannelOutcomes(
        channels, months, mine["placements"], mine.get("people"), retention,
        mine.get("reached"), _medians(own_days, mine.get("people"), channels),
        frozenset(refused[facility_id]))
