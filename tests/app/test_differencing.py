"""Summaries that cannot be differenced: every pair of allowed queries over the demo data.

The assessment took `/reports/summary.csv` for two windows one day apart and read, in the
10 cells that differed by 1, the first choice, pay band and wanted districts of the one
person released on the extra day. Reports now cover fixed half-years only
(app.reports.periods). The property: for every pair of queries a reader may make (every
offered half-year × all facilities or one facility), and every cell both publish as a
number, the people counted in one and not in the other are none or at least 5, so the
difference of two published numbers never stands for 1 to 4 people. Hidden cells are
covered too: a cell hidden in one query and shown in another that counts the same people
plus a few is caught the same way (the few are the difference of two shown numbers
elsewhere) and each table's own totals must not pin a hidden count.
"""

import itertools
from datetime import timedelta

import pandas as pd
import pytest
import sqlalchemy as sa

from app.clock import local_today
from app.reports import queries
from app.reports.forms import ReportWindow
from app.reports.periods import allowed_periods
from app.reports.summary import release_months, seeker_counts, summarise_seekers
from app.reports.suppression import THRESHOLD, FacilityTooSmall, exposed_cells
from models import Facility, Role, Seeker, SeekerStatus, db

TODAY = local_today()


@pytest.fixture
def demo(app, runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    return list(db.session.scalars(sa.select(Facility).order_by(Facility.code)))


def _members(seekers: pd.DataFrame, months, categories, districts) -> dict:
    """(table, row) → the ids of the seekers counted in that cell."""
    cells: dict[tuple[str, str], set] = {}
    for position in range(len(seekers)):
        one = seekers.iloc[[position]]
        counted = seeker_counts(one, categories=categories, districts=districts,
                                months=months)
        for table, counts in counted.items():
            for key in counts.index[counts.to_numpy() > 0]:
                cells.setdefault((table, key), set()).add(int(one["seeker_id"].iloc[0]))
    return cells


def _queries(facilities):
    """Every allowed query with what it publishes and whom each published number counts."""
    categories, districts = queries.category_codes(), queries.district_codes()
    found = []
    for period in allowed_periods(TODAY):
        seekers = queries.due_seekers(period.first, period.last)
        members = _members(seekers, release_months(period.first, period.last), categories,
                           districts)
        for facility in (None, *facilities):
            window = ReportWindow(period, facility)
            try:
                summary = queries.seeker_summary(window)
            except FacilityTooSmall:
                continue  # refused: nothing is published
            scope = set(seekers["seeker_id"] if facility is None else
                        seekers.loc[seekers["facility_id"] == facility.id, "seeker_id"])
            shown = {}
            if not isinstance(summary.seekers, str):
                shown["seekers", ""] = (summary.seekers, scope)
            for table, published in summary.tables.items():
                if published.additive:
                    assert exposed_cells(published) == [], (window.audit_detail(), table)
                for key, value in published.cells.items():
                    if not isinstance(value, str):
                        people = members.get((table, key), set()) & scope
                        assert value == len(people) >= THRESHOLD
                        shown[table, key] = (value, people)
                if published.additive and not isinstance(published.total, str):
                    shown[table, "total"] = (published.total, scope)
            found.append((window.audit_detail(), shown))
    return found


def _differences(found) -> tuple[list, int]:
    """The cells two queries both show whose people differ by 1 to 4; and the pairs compared."""
    bad, compared = [], 0
    for (first, a), (second, b) in itertools.combinations(found, 2):
        for cell in a.keys() & b.keys():
            (value_a, people_a), (value_b, people_b) = a[cell], b[cell]
            nested = people_a <= people_b or people_b <= people_a
            if (1 <= len(people_a ^ people_b) < THRESHOLD
                    or nested and 1 <= abs(value_a - value_b) < THRESHOLD):
                bad.append((cell, first, second, value_a, value_b))
            compared += 1
    return bad, compared


def test_no_two_allowed_queries_differ_by_one_to_four_people_in_any_cell(demo):
    found = _queries(demo)
    assert len(found) >= len(allowed_periods(TODAY))  # every half-year, all facilities
    with_people = [q for q in found if q[1].get(("seekers", ""), (0,))[0]]
    assert len(with_people) >= 3, "the demo data should fill several half-years"
    assert any(q[0]["facility"] for q in with_people), "and some one-facility queries"
    bad, compared = _differences(found)
    assert bad == []
    assert compared > 300


def test_the_check_finds_the_assessments_difference_in_day_windows(demo):
    """The same check on the old day-granular windows finds the person released on one day."""
    categories, districts = queries.category_codes(), queries.district_codes()
    end = TODAY + timedelta(days=192)
    days = pd.Series(list(db.session.scalars(
        sa.select(Seeker.expected_release_date).where(Seeker.status != SeekerStatus.PLACED))))
    per_day = days.value_counts()
    day = min(d for d, n in per_day.items() if 1 <= n < THRESHOLD and TODAY < d < end)
    found = []
    for start in (day, day + timedelta(days=1)):
        seekers = queries.due_seekers(start, end)
        months = release_months(start, end)
        members = _members(seekers, months, categories, districts)
        summary = summarise_seekers(seekers, categories=categories, districts=districts,
                                    months=months)
        scope = set(seekers["seeker_id"])
        shown = {(table, key): (value, members.get((table, key), set()) & scope)
                 for table, published in summary.tables.items()
                 for key, value in published.cells.items() if not isinstance(value, str)}
        shown["seekers", ""] = (summary.seekers, scope)
        found.append(({"date_from": start.isoformat()}, shown))
    bad, _ = _differences(found)
    assert bad, "day windows one day apart should show the released person"
    assert ("seekers", "") in {cell for cell, *_ in bad}


def test_the_assessments_windows_one_day_apart_give_the_same_csv(demo, client, auth, make):
    account = make.user(Role.EMPLOYMENT)
    db.session.commit()
    auth.login(account.username)
    end = (TODAY + timedelta(days=192)).isoformat()
    bodies = []
    for start in (TODAY + timedelta(days=11), TODAY + timedelta(days=12)):
        for to in (end, (TODAY + timedelta(days=191)).isoformat()):
            response = client.get(f"/reports/summary.csv?date_from={start.isoformat()}"
                                  f"&date_to={to}")
            assert response.status_code == 200
            bodies.append(response.data)
            for facility in demo:
                response = client.get(f"/reports/summary.csv?date_from={start.isoformat()}"
                                      f"&date_to={to}&facility={facility.code}")
                assert response.status_code in (200, 400)
                bodies.append(response.data)
    assert len(set(bodies)) == len(demo) + 1
