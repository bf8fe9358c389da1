"""Outcomes by channel (/reports/outcomes) on a hand-built city, as staff read it.

The half-year is the last whole one (the page's default); everyone counted is due for
release on RELEASE, inside it. Facility A ("FA"):
    10 × a directed referral, starting 20 days after release; at 1 month 5 still employed,
         5 no longer; the first of them also takes a self-found additional job (day 60)
     8 × a job fair, day 40; at 1 month all 8 still employed; 2 more registered for the fair
         without a job
     6 × a job found by themselves (no opening, no fair: a job title), day 10
     3 × job practice, day 15 (a small count: it must not show, nor follow from a total)
Facility B ("FB"): 6 × a directed referral, day 30; at 1 month all 6 still employed.
Not counted: a person referred and placed who is due for release in the half-year before,
and one with no release date.

So, for all facilities: placements 16 referral + 8 fair + 7 self-found + 3 practice = 34;
people placed (by their first job) 16 + 8 + 6 + 3 = 33; the 3 of practice show as "<5",
and the self-found 7 (6 people) is withheld ("x") so that 34 − 16 − 8 cannot give 3 back.
Median days to the first job: referral 20 (ten at 20, six at 30), fair 40, all 20.
Retention at 1 month: referral 11 of 16 (69%), fair 8 of 8 (100%).
"""

import html
import io
import itertools
import re
from datetime import timedelta

import pandas as pd
import pytest
import sqlalchemy as sa

from app.clock import local_today
from app.fairs.placements import place_seeker, record_follow_up
from app.reports import queries
from app.reports.forms import ReportWindow
from app.reports.outcomes import first_jobs, outcome_periods
from app.reports.periods import ReleasePeriod
from app.reports.suppression import (
    SMALL,
    THRESHOLD,
    WITHHELD,
    FacilityTooSmall,
    exposed_cells,
)
from models import (
    AuditEvent,
    FollowUpReason,
    PlacementChannel,
    Referral,
    Role,
    SeekerStatus,
    db,
)

PERIOD = ReleasePeriod.containing(local_today()).shifted(-1)
RELEASE = PERIOD.first + timedelta(days=59)
FAIR, REFERRAL, PRACTICE = "Job fair", "Directed referral", "Job practice"
TRAINING, SELF_FOUND, ALL = "Skills training", "Found by themselves", "All channels"


def _person(make, facility, release=RELEASE, **kwargs):
    return make.seeker(facility_id=facility.id, expected_release_date=release,
                       status=SeekerStatus.RELEASED, **kwargs)


def _place(person, channel, days, *, opening=None, title=None, fair=None, reason=None,
           release=RELEASE):
    return place_seeker(person.id, release + timedelta(days=days), 6000, channel=channel,
                        opening_id=opening.id if opening else None, job_title=title,
                        fair_id=fair.id if fair else None, additional_job_reason=reason)


def _follow_up(placement, employed: bool):
    month_one = next(f for f in placement.follow_ups if f.month == 1)
    record_follow_up(month_one, placement.start_date + timedelta(days=35), employed,
                     None if employed else FollowUpReason.RESIGNED)


def build_city(make) -> dict:
    """The hand-built city of the module's description."""
    a = make.facility(code="FA", name_en="Facility A", name_zh="甲戒毒所")
    b = make.facility(code="FB", name_en="Facility B", name_zh="乙戒毒所")
    opening = make.opening(headcount=None)
    fair = make.fair(facility_id=a.id, held_on=RELEASE)
    for n in range(10):
        person = _person(make, a)
        db.session.add(Referral(seeker_id=person.id, opening_id=opening.id,
                                referred_on=RELEASE))
        placement = _place(person, PlacementChannel.REFERRAL, 20, opening=opening)
        _follow_up(placement, employed=n < 5)
        if n == 0:
            _place(person, PlacementChannel.SELF_FOUND, 60, title="夜班保安",
                   reason="晚上兼职")
    for _ in range(8):
        person = _person(make, a)
        make.participant(fair, person)
        _follow_up(_place(person, PlacementChannel.FAIR, 40, opening=opening, fair=fair),
                   employed=True)
    for _ in range(2):
        make.participant(fair, _person(make, a))
    for _ in range(6):
        _place(_person(make, a), PlacementChannel.SELF_FOUND, 10, title="外卖骑手")
    for _ in range(3):
        _place(_person(make, a), PlacementChannel.PRACTICE, 15, opening=opening)
    for _ in range(6):
        person = _person(make, b)
        db.session.add(Referral(seeker_id=person.id, opening_id=opening.id,
                                referred_on=RELEASE))
        _follow_up(_place(person, PlacementChannel.REFERRAL, 30, opening=opening),
                   employed=True)
    # not in the half-year's cohort
    earlier = PERIOD.shifted(-1).first + timedelta(days=10)
    _place(_person(make, a, release=earlier), PlacementChannel.REFERRAL, 5, opening=opening,
           release=earlier)
    _place(_person(make, a, release=None), PlacementChannel.SELF_FOUND, 0, title="保洁",
           release=RELEASE)
    db.session.commit()
    return {"a": a, "b": b}


@pytest.fixture
def city(make):
    return build_city(make)


@pytest.fixture
def staff(make, auth, client):
    def login(role=Role.EMPLOYMENT, **kwargs):
        account = make.user(role, **kwargs)
        db.session.commit()
        auth.login(account.username)
        client.get("/lang/en")
        return account
    return login


def table_rows(page: str, key: str) -> dict[str, list[str]]:
    """The rows of a report table as the user reads them: label → shown values."""
    section = re.search(rf'<section class="report-table" id="{key}">(.*?)</section>', page,
                        re.S)
    assert section, key
    rows = {}
    for tr in re.findall(r"<tr>(.*?)</tr>", section.group(1), re.S):
        label = re.search(r'<th scope="row">(.*?)</th>', tr, re.S)
        if label:
            cells = re.findall(r'<td class="num">(.*?)</td>', tr, re.S)
            rows[html.unescape(label.group(1).strip())] = [html.unescape(c.strip())
                                                           for c in cells]
    return rows


def _other_channels() -> list[str]:
    """Rows of channels with no placement in the city (e.g. training; start-ups if any)."""
    from flask_babel import force_locale

    from app.reports.outcome_tables import channel_label
    named = {"fair", "referral", "practice", "self_found", "training"}
    with force_locale("en"):  # the page is read in English
        return [str(channel_label(c.value)) for c in PlacementChannel if c.value not in named]


# --------------------------------------------------------------------------- the page


def test_channels_side_by_side_with_small_counts_hidden(client, city, staff):
    staff()
    page = client.get("/reports/outcomes").get_data(as_text=True)
    assert f'value="{PERIOD.key}" selected' in page  # the last whole half-year
    assert "34</strong> placements of people due for release" in page
    rows = table_rows(page, "channels")
    # placements, people placed (first job), median days to the first job, people reached
    assert rows[REFERRAL] == ["16", "16", "20", "16"]
    assert rows[FAIR] == ["8", "8", "40", "10"]
    assert rows[PRACTICE] == [SMALL, SMALL, "—", SMALL]
    assert rows[SELF_FOUND] == [WITHHELD, WITHHELD, "—", ""]
    assert rows[TRAINING] == [SMALL, SMALL, "—", SMALL]
    for label in _other_channels():
        assert rows[label][:3] == [SMALL, SMALL, "—"]
    assert rows[ALL] == ["34", "33", "20", ""]
    # the 3 practice placements cannot be worked out from the total
    shown = sum(int(r[0]) for label, r in rows.items() if label != ALL and r[0].isdigit())
    assert shown == 24 and 34 - shown == 10  # the hidden cells add up to 10, not to 3

    retention = table_rows(page, "retention")
    # followed up and share still employed at 1, 3, 6 and 12 months
    assert retention[REFERRAL][:2] == ["16", "69%"]
    assert retention[FAIR][:2] == ["8", "100%"]
    assert retention[PRACTICE][:2] == [SMALL, "—"]
    assert retention[REFERRAL][2:] == [SMALL, "—"] * 3  # nobody followed up later yet
    # over all channels only where every channel's share is shown
    assert retention[ALL][:2] == ["24", "—"]


def test_one_facility_is_published_with_the_others(client, city, staff):
    staff()
    page = client.get("/reports/outcomes?facility=FB").get_data(as_text=True)
    rows = table_rows(page, "channels")
    assert rows[REFERRAL][:3] == ["6", "6", "30"]
    assert rows[ALL][:2] == ["6", "6"]
    assert table_rows(page, "retention")[REFERRAL][:2] == ["6", "100%"]
    page = client.get("/reports/outcomes?facility=FA").get_data(as_text=True)
    rows = table_rows(page, "channels")
    assert rows[FAIR][:3] == ["8", "8", "40"] and rows[PRACTICE][0] == SMALL
    assert rows[ALL][:2] == ["28", "27"]
    # A's 10 referrals and B's 6 both show (the city's 16 less either leaves 5 or more)
    assert rows[REFERRAL] == ["10", "10", "20", "10"]
    assert rows[SELF_FOUND][:2] == [WITHHELD, WITHHELD]
    assert table_rows(page, "retention")[REFERRAL][:2] == ["10", "50%"]
    values = [v for r in rows.values() for v in r[:2]]
    assert not [v for v in values if v.isdigit() and int(v) < 5]


def test_bureau_staff_choose_their_own_facility_only(client, city, staff):
    staff(Role.BUREAU, facility_id=city["b"].id)
    page = client.get("/reports/outcomes").get_data(as_text=True)
    assert "Facility B" in page and "Facility A" not in page
    assert table_rows(page, "channels")[REFERRAL][0] == "6"  # theirs by default
    refused = client.get("/reports/outcomes?facility=FA").get_data(as_text=True)
    assert "Choose a facility from the list." in refused
    assert 'class="report-table"' not in refused and "Facility A" not in refused
    assert client.get("/reports/outcomes.csv?facility=FA").status_code == 400
    every = client.get("/reports/outcomes?facility=").get_data(as_text=True)
    assert table_rows(every, "channels")[ALL][0] == "34"


def test_a_facility_with_too_few_placements_is_refused(client, city, staff, make):
    empty = make.facility(code="FC", name_en="Facility C")
    db.session.commit()
    staff(Role.BUREAU, facility_id=empty.id)
    page = client.get("/reports/outcomes").get_data(as_text=True)
    assert "This facility has fewer than 5 placements" in page
    assert 'class="report-table"' not in page


def test_a_half_year_not_offered_is_explained(client, city, staff):
    staff()
    later = ReleasePeriod.containing(local_today()).shifted(1).key
    page = client.get(f"/reports/outcomes?period={later}").get_data(as_text=True)
    assert "Outcomes are counted for half-years up to the current one." in page
    response = client.get(f"/reports/outcomes.xlsx?period={later}")
    assert response.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(
        AuditEvent.action == "outcomes_exported")) == 0


# --------------------------------------------------------------------------- exports


def test_csv_export_is_audited_and_shows_what_the_page_shows(client, city, staff):
    account = staff()
    response = client.get(f"/reports/outcomes.csv?period={PERIOD.key}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="qibu-outcomes-{PERIOD.key}.csv"')
    table = pd.read_csv(io.BytesIO(response.data), encoding="utf-8-sig", dtype=str)
    channels = table[table["Table"] == "Placements by channel"].set_index("Code")
    assert channels.loc["referral", "Placements (jobs)"] == "16"
    assert channels.loc["practice", "Placements (jobs)"] == SMALL
    assert channels.loc["self_found", "People placed (by their first job)"] == WITHHELD
    retention = table[table["Table"] == "Still employed after 1, 3, 6 and 12 months"]
    referral = retention.set_index("Code").loc["referral"]
    assert (referral["Followed up at 1 months"], referral["Still employed at 1 months"],
            referral["Share still employed at 1 months"]) == ("16", "11", "0.6875")
    event = db.session.scalar(sa.select(AuditEvent).where(
        AuditEvent.action == "outcomes_exported"))
    assert event.actor_id == account.id
    assert event.detail == {"format": "csv", "placements": "34", "period": PERIOD.key,
                            "date_from": PERIOD.first.isoformat(),
                            "date_to": PERIOD.last.isoformat(), "facility": None}


def test_xlsx_export_of_one_facility(client, city, staff):
    staff()
    response = client.get(f"/reports/outcomes.xlsx?period={PERIOD.key}&facility=FB")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="qibu-outcomes-{PERIOD.key}-FB.xlsx"')
    book = pd.read_excel(io.BytesIO(response.data), sheet_name=None, dtype=object)
    assert list(book) == ["About", "By channel", "Retention"]
    about = book["About"].set_index("Item")["Value"]
    assert about["Facilities"] == "Facility B" and about["Placements"] == "6"
    by_channel = book["By channel"].set_index("Code")
    assert by_channel.loc["referral", "Placements (jobs)"] == 6
    event = db.session.scalar(sa.select(AuditEvent).where(
        AuditEvent.action == "outcomes_exported"))
    assert event.detail["facility"] == "FB" and event.detail["format"] == "xlsx"



# --------------------------------------------------------------------------- differencing


def _members(placements, follow_ups, scope) -> dict:
    """(table, channel) → who is counted there (placements: jobs; else people)."""
    mine = placements[placements["facility_id"].isin(scope)]
    first = first_jobs(mine)
    cells: dict = {}
    for row in mine.itertuples():
        cells.setdefault(("placements", row.channel), set()).add(row.placement_id)
        cells.setdefault(("placements", "total"), set()).add(row.placement_id)
    for row in first.itertuples():
        cells.setdefault(("people", row.channel), set()).add(row.seeker_id)
        cells.setdefault(("people", "total"), set()).add(row.seeker_id)
    done = follow_ups.merge(first[["placement_id", "seeker_id", "channel"]], on="placement_id")
    for row in done.itertuples():
        for key in (row.channel, "total"):
            cells.setdefault((f"followed_{row.month}", key), set()).add(row.seeker_id)
    return cells


def test_no_two_allowed_outcome_reports_differ_by_one_to_four(city):
    """Every offered half-year × all facilities and each facility: where two reports both
    show a number for the same cell over nested groups, they differ by 0 or 5 or more; and
    no table's total lets a hidden count be worked out."""
    facilities = [city["a"], city["b"]]
    found = []
    for period in outcome_periods(local_today()):
        placements, follow_ups, reached = queries.outcome_frames(period.first, period.last)
        for facility in (None, *facilities):
            try:
                result = queries.outcomes(ReportWindow(period, facility))
            except FacilityTooSmall:
                continue
            scope = [f.id for f in facilities] if facility is None else [facility.id]
            members = _members(placements, follow_ups, scope)
            tables = {"placements": result.placements, "people": result.people,
                      **{f"followed_{m}": r.followed for m, r in result.retention.items()}}
            shown = {}
            for name, table in tables.items():
                if table is None:
                    continue
                assert exposed_cells(table) == [], (period.key, facility, name)
                cells = {**table.cells.to_dict(), "total": table.total}
                for key, value in cells.items():
                    if not isinstance(value, str):
                        people = members.get((name, key), set())
                        assert value == len(people) and (value == 0 or value >= 5)
                        shown[name, key] = (value, people)
            found.append(((period.key, facility), shown))
    assert len(found) >= 3
    bad = []
    for (first, a), (second, b) in itertools.combinations(found, 2):
        for cell in a.keys() & b.keys():
            (_, people_a), (_, people_b) = a[cell], b[cell]
            nested = people_a <= people_b or people_b <= people_a
            if nested and 1 <= len(people_a ^ people_b) < THRESHOLD:
                bad.append((cell, first, second))
    assert bad == []
