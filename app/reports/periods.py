"""The fixed periods the reports publish: calendar half-years of expected release dates.

Two summaries of day-granular windows one day apart differ by the people released on that
day, and their difference tells a reader that person's answers. So nothing that leaves the
bureau is counted over a window the reader chooses: a report covers exactly one half-year
(1 January – 30 June, or 1 July – 31 December), and a requested range is snapped to the
half-year it overlaps most, which the page then says. Half-years never overlap, so two
allowed summaries either count different people altogether or are one facility's and all
facilities' of the same half-year, which the suppression engine audits together
(:func:`app.reports.suppression.publish_facility_tables`).

Pure: no Flask, no database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

__all__ = ["PERIODS_BACK", "PERIODS_AHEAD", "ReleasePeriod", "allowed_periods",
           "default_period", "snap_to_period"]

# The half-years offered: two years back (people released and still looking) and two
# years ahead of the one holding today.
PERIODS_BACK = 4
PERIODS_AHEAD = 4

_KEY = re.compile(r"^(\d{4})-H([12])$")


@dataclass(frozen=True, order=True)
class ReleasePeriod:
    """One calendar half-year of expected release dates, e.g. ``2027-H1``."""

    year: int
    half: int  # 1: January–June, 2: July–December

    @classmethod
    def containing(cls, day: date) -> ReleasePeriod:
        return cls(day.year, 1 if day.month <= 6 else 2)

    @classmethod
    def parse(cls, text: str) -> ReleasePeriod:
        """Read a key such as ``2027-H1``; raise ValueError for anything else."""
        match = _KEY.match((text or "").strip().upper())
        if match is None:
            raise ValueError(text)
        return cls(int(match.group(1)), int(match.group(2)))

    @property
    def key(self) -> str:
        return f"{self.year:04d}-H{self.half}"

    @property
    def first(self) -> date:
        return date(self.year, 1 if self.half == 1 else 7, 1)

    @property
    def last(self) -> date:
        return date(self.year, 6, 30) if self.half == 1 else date(self.year, 12, 31)

    def shifted(self, n: int) -> ReleasePeriod:
        """The half-year `n` half-years later (earlier when negative)."""
        index = self.year * 2 + (self.half - 1) + n
        return ReleasePeriod(index // 2, index % 2 + 1)

    def overlap_days(self, start: date, end: date) -> int:
        return max(0, (min(end, self.last) - max(start, self.first)).days + 1)

    def __str__(self) -> str:
        return self.key


def allowed_periods(today: date) -> list[ReleasePeriod]:
    """The half-years a report may cover, oldest first."""
    current = ReleasePeriod.containing(today)
    return [current.shifted(n) for n in range(-PERIODS_BACK, PERIODS_AHEAD + 1)]


def default_period(today: date) -> ReleasePeriod:
    """The half-year holding most of the coming six months (the date three months on)."""
    return ReleasePeriod.containing(today + timedelta(days=91))


def snap_to_period(start: date, end: date) -> ReleasePeriod:
    """The half-year a range from `start` to `end` overlaps most (the earlier on a tie)."""
    first = ReleasePeriod.containing(start)
    candidates = [first]
    while candidates[-1].last < end:
        candidates.append(candidates[-1].shifted(1))
    return max(candidates, key=lambda p: (p.overlap_days(start, end), -p.year, -p.half))
