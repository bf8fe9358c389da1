"""The demand summary and the gap report as employment staff see them, on a hand-built city.

The period is the default half-year (the one holding the date three months on); "day n"
is n days after its first day. Facility A has 21 seekers due for release in it:
    8 × logistics then security, lowest pay 6000, hoped 7000, home and preferred Pudong
    6 × security,                lowest pay 5000, hoped 6500, home Minhang, any district
    7 × welder then workshop,    lowest pay 9000, hoped 10000, home Minhang, Minhang+Pudong
Not counted: a seeker due after the half-year, one already placed, one never surveyed.
Open openings (places = headcount − filled):
    logistics 10−2 = 8 at 6000–8000 in Pudong; logistics "several" at 5000–6000 in Minhang
    security 4 at 5000–5600 in Minhang; security 1 without pay or district
    workshop 6−1 = 5 at 7000–9000 in Minhang; (closed: security 20)
"""

import html
import io
import re
from datetime import timedelta

import pandas as pd
import pytest
import sqlalchemy as sa

from app.clock import local_today
from app.reports.periods import default_period
from app.reports.suppression import SMALL, WITHHELD
from models import AuditEvent, Role, SeekerStatus, db

TODAY = local_today()
PERIOD = default_period(TODAY)
START = PERIOD.first
DUE = START + timedelta(days=30)  # a release date inside the half-year
PUDONG, MINHANG = "310115", "310112"
LOGISTICS, SECURITY = "Logistics and warehouse operator", "Security guard"
WELDER, WORKSHOP = "Welder", "Workshop and assembly worker"


@pytest.fixture
def city(make):
    a = make.facility(code="FA", name_en="Facility A")
    people = []

    def add(n, days, categories, low, hoped, home, districts, facility=a, **seeker):
        for _ in range(n):
            person = make.seeker(facility_id=facility.id,
                                 expected_release_date=START + timedelta(days=days), **seeker)
            make.survey(person, categories, salary_min=low, salary_hoped=hoped,
                        home_district=home, districts=districts)
            people.append(person)
        return people[-1]

    resurveyed = add(8, 40, ("logistics", "security"), 6000, 7000, PUDONG, [PUDONG])
    # an older survey wanting kitchen work: only the latest survey counts
    make.survey(resurveyed, ("kitchen",), surveyed_on=TODAY - timedelta(days=200),
                salary_min=3000, salary_hoped=3500)
    add(6, 70, ("security",), 5000, 6500, MINHANG, [])
    add(7, 100, ("welder", "workshop"), 9000, 10000, MINHANG, [MINHANG, PUDONG])
    add(1, 200, ("kitchen",), 5000, 6000, PUDONG, [])  # after the half-year
    add(1, 50, ("kitchen",), 5000, 6000, PUDONG, [], status=SeekerStatus.PLACED)
    people.append(make.seeker(facility_id=a.id, name="未调查", code="QBNOSURV",
                              expected_release_date=START + timedelta(days=40)))

    make.opening(category_code="logistics", headcount=10, filled=2, pay_min=6000,
                 pay_max=8000, district=PUDONG)
    make.opening(category_code="logistics", headcount=None, pay_min=5000, pay_max=6000,
                 district=MINHANG)
    make.opening(category_code="security", headcount=4, pay_min=5000, pay_max=5600,
                 district=MINHANG)
    make.opening(category_code="security", headcount=1, pay_min=None, pay_max=None,
                 district=None)
    make.opening(category_code="workshop", headcount=6, filled=1, pay_min=7000,
                 pay_max=9000, district=MINHANG)
    make.opening(category_code="security", headcount=20, district=MINHANG).close()
    db.session.commit()
    return {"facility": a, "people": people}


@pytest.fixture
def staff(make, auth, client):
    def login(role=Role.EMPLOYMENT):
        account = make.user(role)
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


def months_of(days_and_counts) -> dict[str, int]:
    months: dict[str, int] = {}
    for days, n in days_and_counts:
        month = (START + timedelta(days=days)).strftime("%Y-%m")
        months[month] = months.get(month, 0) + n
    return months


# --------------------------------------------------------------------------- the summary


def test_summary_shows_the_windows_demand(client, city, staff):
    staff()
    page = client.get("/reports/summary").get_data(as_text=True)
    assert "21</strong> surveyed seekers due for release" in page
    first = table_rows(page, "first_choice")
    assert first[LOGISTICS] == ["8"] and first[SECURITY] == ["6"] and first[WELDER] == ["7"]
    assert first["Cook and kitchen helper"] == [SMALL]  # the old survey does not count
    assert first["No category given"] == [SMALL] and first["Total"] == ["21"]
    anyc = table_rows(page, "any_choice")
    assert (anyc[SECURITY], anyc[WORKSHOP], anyc[LOGISTICS]) == (["14"], ["7"], ["8"])
    assert "Total" not in anyc  # a seeker counts once per category named
    pay = table_rows(page, "hoped_pay")
    assert (pay["6,000–6,999"], pay["7,000–7,999"], pay["10,000 or more"]) == (
        ["6"], ["8"], ["7"])
    assert pay["not given"] == [SMALL] and pay["Total"] == ["21"]
    months = table_rows(page, "release_month")
    for month, n in months_of([(40, 8), (70, 6), (100, 7)]).items():
        assert months[month] == [str(n)]
    districts = table_rows(page, "preferred_district")
    assert districts["Pudong New Area"] == ["15"] and districts["Minhang"] == ["7"]
    assert districts["Anywhere (no preference)"] == ["6"] and districts["Xuhui"] == [SMALL]
    # the bars: one per shown count (not for totals), none for a hidden one
    shown = sum(1 for key in ("first_choice", "any_choice", "hoped_pay", "release_month",
                              "preferred_district")
                for label, values in table_rows(page, key).items()
                if values[0].isdigit() and label != "Total")
    assert page.count('class="bar bar-1"') == shown
    section = re.search(r'id="first_choice">.*?</section>', page, re.S).group(0)
    widths = re.findall(r'<rect class="bar bar-1" x="0" y="1" width="([\d.]+)"', section)
    assert widths == ["100.0", "75.0", "87.5"]  # logistics 8, security 6, welder 7 of 8


def test_summary_withholds_a_second_count_when_one_small_count_could_be_worked_out(
        client, city, staff, make):
    for _ in range(2):  # two kitchen seekers: 2 = 23 - 8 - 6 - 7 would show through
        person = make.seeker(facility_id=city["facility"].id, expected_release_date=DUE)
        make.survey(person, ("kitchen",))
    staff()
    first = table_rows(client.get("/reports/summary").get_data(as_text=True), "first_choice")
    shown = {label: values[0] for label, values in first.items()}
    assert shown["Cook and kitchen helper"] == SMALL
    assert shown["Total"] == "23"
    assert WITHHELD in shown.values()
    # nothing shown lets the reader get the kitchen count back
    numbers = [int(v) for k, v in shown.items() if v.isdigit() and k != "Total"]
    assert 23 - sum(numbers) >= 5 + 2


def test_summary_for_one_facility_needs_five_there_and_five_or_none_elsewhere(
        client, city, staff, make):
    b = make.facility(code="FB", name_en="Facility B")
    for _ in range(3):
        make.survey(make.seeker(facility_id=b.id, expected_release_date=DUE), ("security",))
    db.session.commit()
    staff()
    page = client.get("/reports/summary?facility=FB").get_data(as_text=True)
    assert "This facility has fewer than 5 seekers due for release in this half-year" in page
    assert 'id="first_choice"' not in page
    page = client.get("/reports/summary?facility=FA").get_data(as_text=True)
    assert "The other facilities together have fewer than 5 seekers" in page
    for _ in range(3):
        make.survey(make.seeker(facility_id=b.id, expected_release_date=DUE), ("logistics",))
    db.session.commit()
    page = client.get("/reports/summary?facility=FA").get_data(as_text=True)
    assert "21</strong> surveyed seekers" in page
    first = table_rows(page, "first_choice")
    # FB's 3 security and 3 logistics: FA's 6 and 8 would show them by difference
    assert first[SECURITY] != ["6"] and first[LOGISTICS] != ["8"]
    assert first[WELDER] == ["7"]


def test_summary_window_errors_are_explained(client, city, staff):
    staff()
    page = client.get("/reports/summary?date_from=2027-03-01&date_to=2027-01-01").get_data(
        as_text=True)
    assert "The end of the window must not be before its start." in page
    page = client.get("/reports/summary?date_from=2026年13月").get_data(as_text=True)
    assert "does not exist" in page
    page = client.get("/reports/summary?facility=NOPE").get_data(as_text=True)
    assert "Choose a facility from the list." in page
    page = client.get("/reports/summary?period=2027-Q3").get_data(as_text=True)
    assert "Choose a half-year from the list." in page
    far = PERIOD.shifted(20).key
    page = client.get(f"/reports/summary?period={far}").get_data(as_text=True)
    assert "Reports cover the half-years from" in page and 'id="first_choice"' not in page


def test_a_day_granular_window_is_snapped_to_its_half_year_and_said_so(client, city, staff):
    """The assessment's reproduction: two windows one day apart give the same summary."""
    staff()
    start = START + timedelta(days=40)  # the day the 8 logistics seekers are due
    end = PERIOD.last + timedelta(days=20)
    pages = [client.get(f"/reports/summary?date_from={day.isoformat()}"
                        f"&date_to={end.isoformat()}").get_data(as_text=True)
             for day in (start, start + timedelta(days=1))]
    assert f"{start.isoformat()} to {end.isoformat()} is shown as" in pages[0]
    assert f"({PERIOD.first.isoformat()} to {PERIOD.last.isoformat()})" in pages[0]
    for key in ("first_choice", "any_choice", "hoped_pay", "release_month",
                "preferred_district"):
        assert table_rows(pages[0], key) == table_rows(pages[1], key), key
    assert table_rows(pages[0], "first_choice")[LOGISTICS] == ["8"]  # they are counted
    csvs = [client.get(f"/reports/summary.csv?date_from={day.isoformat()}"
                       f"&date_to={end.isoformat()}") for day in (start, start + timedelta(1))]
    assert csvs[0].status_code == 200 and csvs[0].data == csvs[1].data
    assert f"qibu-demand-summary-{PERIOD.key}.csv" in csvs[0].headers["Content-Disposition"]
    # a whole half-year asked by its dates is no snapping
    page = client.get(f"/reports/summary?date_from={PERIOD.first.isoformat()}"
                      f"&date_to={PERIOD.last.isoformat()}").get_data(as_text=True)
    assert "is shown as" not in page


def test_a_period_with_fewer_than_five_seekers_shows_no_number(client, city, staff):
    staff()
    later = PERIOD.shifted(1).key  # only the seeker due after the half-year
    page = client.get(f"/reports/summary?period={later}").get_data(as_text=True)
    assert "Too few seekers in this half-year" in page
    for key in ("first_choice", "hoped_pay", "release_month"):
        assert {v[0] for v in table_rows(page, key).values()} == {SMALL}


def test_summary_contains_no_seeker_code_or_name(client, city, staff):
    staff()
    responses = [client.get(url) for url in
                 ("/reports/summary", "/reports/summary.xlsx", "/reports/summary.csv",
                  "/reports/gap", "/reports/gap.xlsx")]
    texts = [r.get_data(as_text=True) for r in responses[::3]]
    texts.append(responses[2].data.decode("utf-8-sig"))
    for response in (responses[1], responses[4]):
        book = pd.read_excel(io.BytesIO(response.data), sheet_name=None, dtype=str)
        texts.append(" ".join(" ".join(sheet.fillna("").to_numpy().ravel())
                              for sheet in book.values()))
    for person in city["people"]:
        for text in texts:
            assert person.code not in text and person.name not in text
    for text in texts[2:]:  # the exports name no facility (the page's chooser does)
        assert "Facility A" not in text and "FA" not in text.split()


# --------------------------------------------------------------------------- exports


def _seeker_numbers(frame: pd.DataFrame, columns) -> list:
    values = [v for c in columns for v in frame[c].tolist() if not pd.isna(v)]
    for v in values:
        assert v in (SMALL, WITHHELD) or int(v) >= 5, v  # zeros show as "<5" too
    return values


def test_summary_xlsx_downloads_is_audited_and_has_no_count_under_five(client, city, staff):
    account = staff()
    response = client.get("/reports/summary.xlsx")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    start, end = PERIOD.first.isoformat(), PERIOD.last.isoformat()
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="qibu-demand-summary-{PERIOD.key}.xlsx"')
    book = pd.read_excel(io.BytesIO(response.data), sheet_name=None, dtype=object)
    assert list(book) == ["About", "First choice", "Any choice", "Hoped-for pay",
                          "Release month", "Preferred district"]
    for name, sheet in list(book.items())[1:]:
        assert _seeker_numbers(sheet, ["Seekers"]), name
    first = book["First choice"].set_index("Category")["Seekers"]
    assert (first[LOGISTICS], first[SECURITY], first[WELDER], first["Total"]) == (8, 6, 7, 21)
    assert first["Cook and kitchen helper"] == SMALL
    event = db.session.scalar(sa.select(AuditEvent).where(
        AuditEvent.action == "demand_summary_exported"))
    assert event.actor_id == account.id
    assert event.detail == {"format": "xlsx", "seekers": "21", "period": PERIOD.key,
                            "date_from": start, "date_to": end, "facility": None}


def test_summary_csv_is_one_file_with_a_table_column(client, city, staff):
    staff()
    response = client.get("/reports/summary.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    table = pd.read_csv(io.BytesIO(response.data), encoding="utf-8-sig", dtype=str)
    assert list(table.columns) == ["Table", "Code", "Row", "Seekers"]
    assert table["Table"].unique().tolist() == [
        "First choice of job category", "Any choice of job category", "Hoped-for monthly pay",
        "Month of release", "Preferred district"]
    _seeker_numbers(table, ["Seekers"])
    pudong = table[(table["Table"] == "Preferred district") & (table["Code"] == PUDONG)]
    assert pudong["Seekers"].tolist() == ["15"]
    event = db.session.scalar(sa.select(AuditEvent).where(
        AuditEvent.action == "demand_summary_exported"))
    assert event.detail["format"] == "csv"


def test_a_refused_export_writes_nothing_and_says_why(client, city, staff, make):
    staff()
    response = client.get("/reports/summary.csv?date_from=2027-03-01&date_to=2027-01-01")
    assert response.status_code == 400 and response.mimetype == "text/plain"
    assert "The end of the window must not be before its start." in response.get_data(
        as_text=True)
    response = client.get(f"/reports/summary.csv?period={PERIOD.shifted(-20).key}")
    assert response.status_code == 400
    assert "Reports cover the half-years from" in response.get_data(as_text=True)
    response = client.get("/reports/gap.xlsx?period=2027-13")
    assert response.status_code == 400
    assert "Choose a half-year from the list." in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(
        AuditEvent.action.like("%exported"))) == 0


# --------------------------------------------------------------------------- the gap report


def test_gap_report_numbers_of_the_hand_built_case(client, city, staff):
    staff()
    page = client.get("/reports/gap").get_data(as_text=True)
    assert "21</strong> surveyed seekers" in page
    assert "18</strong> open places" in page  # 8 + 4 + 1 + 5; the closed 20 do not count
    assert "1</strong> openings with headcount" in page
    # columns: first choice, any choice, places, several, shortfall
    by_category = table_rows(page, "by_category")
    assert by_category[LOGISTICS] == ["8", "8", "8", "1", "0"]
    assert by_category[SECURITY] == ["6", "14", "5", "0", "1"]
    assert by_category[WELDER] == ["7", "7", "0", "0", "7"]
    assert by_category[WORKSHOP] == [SMALL, "7", "5", "0", "—"]
    # ranked: welder short 7, security short 1; logistics (0) and workshop (<5) are not
    recruit = table_rows(page, "recruit")
    assert list(recruit) == [WELDER, SECURITY]
    assert recruit[WELDER] == ["7", "0", "0", "7"] and recruit[SECURITY] == ["6", "5", "0", "1"]
    # columns: preferring, living there, places, several
    by_district = table_rows(page, "by_district")
    assert by_district["Pudong New Area"] == ["15", "8", "8", "0"]
    assert by_district["Minhang"] == ["7", "13", "9", "1"]
    assert by_district["Anywhere (no preference)"] == ["6", "", "", ""]
    assert by_district["not given"] == ["", SMALL, "1", "0"]
    # columns: lowest acceptable, hoped-for, places, several (posting pay = midpoint)
    by_pay = table_rows(page, "by_pay")
    assert by_pay["5,000–5,999"] == ["6", SMALL, "4", "1"]  # security 5300, logistics 5500
    assert by_pay["6,000–6,999"] == ["8", "6", "0", "0"]
    assert by_pay["7,000–7,999"] == [SMALL, "8", "8", "0"]  # logistics 7000
    assert by_pay["8,000–9,999"] == ["7", SMALL, "5", "0"]  # workshop 8000
    assert by_pay["not given"] == [SMALL, SMALL, "1", "0"]
    # seekers, postings with pay, median, 75th percentile, share above each
    pay_check = table_rows(page, "pay_check")
    # logistics postings 7000 and 5500: median 6250, p75 6625; nobody asks above 6000
    assert pay_check[LOGISTICS] == ["8", "2", "6,250", "6,625", "0%", "0%"]
    # security: one posting with pay (5300); the 8 logistics-first seekers ask 6000
    assert pay_check[SECURITY] == ["14", "1", "5,300", "5,300", "57%", "57%"]
    assert pay_check[WORKSHOP] == ["7", "1", "8,000", "8,000", "100%", "100%"]
    assert pay_check[WELDER] == ["7", "0", "", "", "—", "—"]
    assert pay_check["Cleaner"] == [SMALL, "0", "", "", "—", "—"]


def test_gap_shares_that_would_reveal_a_small_group_show_a_dash(client, city, staff, make):
    for _ in range(2):  # two more security seekers asking 5400, above the 5300 posting
        person = make.seeker(facility_id=city["facility"].id, expected_release_date=DUE)
        make.survey(person, ("security",), salary_min=5400, salary_hoped=6000)
    staff()
    pay_check = table_rows(client.get("/reports/gap").get_data(as_text=True), "pay_check")
    # 16 security seekers: 8 + 2 above 5300 and 6 not; shares stay exact multiples of 1/16
    assert pay_check[SECURITY][:2] == ["16", "1"]
    assert pay_check[SECURITY][4:] == ["62%", "62%"]
    for _ in range(2):
        person = make.seeker(facility_id=city["facility"].id, expected_release_date=DUE)
        make.survey(person, ("workshop",), salary_min=7500, salary_hoped=8000)
    pay_check = table_rows(client.get("/reports/gap").get_data(as_text=True), "pay_check")
    # workshop: 7 above 8000 and 2 not: "2 of 9 are not above" must not show
    assert pay_check[WORKSHOP][0] == "9"
    assert pay_check[WORKSHOP][4:] == ["—", "—"]


def test_gap_xlsx_downloads_is_audited_and_shows_seekers_only_as_allowed(client, city, staff):
    account = staff()
    response = client.get("/reports/gap.xlsx")
    assert response.status_code == 200
    assert 'filename="qibu-gap-report-' in response.headers["Content-Disposition"]
    book = pd.read_excel(io.BytesIO(response.data), sheet_name=None, dtype=object)
    assert list(book) == ["About", "Recruit for", "By category", "By district", "By pay",
                          "Pay check"]
    seeker_columns = {
        "Recruit for": ["Seekers (first choice)"],
        "By category": ["Seekers (first choice)", "Seekers (any choice)"],
        "By district": ["Seekers preferring the district", "Seekers living there"],
        "By pay": ["Seekers by lowest acceptable pay", "Seekers by hoped-for pay"],
        "Pay check": ["Seekers (any choice)"],
    }
    for name, columns in seeker_columns.items():
        assert _seeker_numbers(book[name], columns), name
    recruit = book["Recruit for"].set_index("Category")
    assert recruit["Shortfall"].to_dict() == {WELDER: 7, SECURITY: 1}
    check = book["Pay check"].set_index("Category")
    assert check.loc[SECURITY, "Lowest acceptable pay above the median"] == pytest.approx(
        8 / 14, abs=1e-4)
    assert check.loc[WELDER, "Lowest acceptable pay above the median"] == "—"
    event = db.session.scalar(sa.select(AuditEvent).where(
        AuditEvent.action == "gap_report_exported"))
    assert event.actor_id == account.id and event.detail["format"] == "xlsx"
    assert event.detail["seekers"] == "21" and event.detail["facility"] is None


# --------------------------------------------------------------------------- access


@pytest.mark.parametrize(("role", "summary", "gap"), [
    (Role.EMPLOYMENT, 200, 200), (Role.ADMIN, 200, 200), (Role.BUREAU, 200, 403),
    (Role.ORGANIZER, 403, 403), (Role.KIOSK, 403, 403),
])
def test_who_may_see_the_reports(client, city, staff, role, summary, gap):
    staff(role)
    for url in ("/reports/summary", "/reports/summary.xlsx", "/reports/summary.csv"):
        response = client.get(url)
        response.close()
        assert response.status_code == summary, url
    for url in ("/reports/gap", "/reports/gap.xlsx"):
        response = client.get(url)
        response.close()
        assert response.status_code == gap, url


@pytest.mark.parametrize(("role", "links"), [
    (Role.EMPLOYMENT, ["Demand summary", "Gap report"]),
    (Role.ADMIN, ["Demand summary", "Gap report"]),
    (Role.BUREAU, ["Demand summary"]),
])
def test_nav_links(client, staff, role, links):
    staff(role)
    page = client.get("/reports/summary").get_data(as_text=True)
    nav = re.search(r'<nav class="mainnav".*?</nav>', page, re.S).group(0)
    for link in ("Demand summary", "Gap report"):
        assert (link in nav) == (link in links)
