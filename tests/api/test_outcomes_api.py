"""/api/v1/outcomes: outcomes by channel per half-year of release, small counts suppressed.

The city is the one of tests/app/test_outcomes.py (its description gives the numbers).
"""

from datetime import timedelta

import jsonschema_rs
import pytest

from app.api.openapi import openapi_document
from app.clock import local_today
from app.fairs.placements import place_seeker, record_follow_up
from app.reports.outcomes import outcome_periods
from app.reports.suppression import SMALL, WITHHELD
from models import ApiToken, FollowUpReason, PlacementChannel, Role, SeekerStatus, db
from tests.app.test_outcomes import PERIOD, build_city


@pytest.fixture
def bearer(app):
    row, token = ApiToken.issue("outcomes-tests")
    db.session.add(row)
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def _validate(answer: dict) -> None:
    """The answer follows the OpenAPI document's schema (which forbids other fields)."""
    document = openapi_document()
    schema = {**document["paths"]["/outcomes"]["get"]["responses"]["200"]["content"]
              ["application/json"]["schema"], "components": document["components"]}
    jsonschema_rs.Draft202012Validator(schema).validate(answer)


def test_channels_side_by_side_with_small_counts_hidden(client, make, bearer):
    build_city(make)
    response = client.get(f"/api/v1/outcomes?period={PERIOD.key}", headers=bearer)
    assert response.status_code == 200 and response.mimetype == "application/json"
    answer = response.get_json()
    _validate(answer)
    (period,) = answer["periods"]
    assert (period["period"], period["released_from"], period["released_to"]) == (
        PERIOD.key, PERIOD.first.isoformat(), PERIOD.last.isoformat())
    channels = {c["channel"]: c for c in period["channels"]}
    assert list(channels) == [c.value for c in PlacementChannel]
    referral, fair = channels["referral"], channels["fair"]
    assert (referral["placements"], referral["people_placed"],
            referral["median_days_to_first_job"], referral["people_reached"]) == (
        16, 16, 20.0, 16)
    assert referral["retention"]["1"] == {"followed_up": 16, "still_employed": 11,
                                          "share": 0.6875}
    assert referral["retention"]["12"] == {"followed_up": SMALL, "still_employed": None,
                                           "share": None}
    assert (fair["placements"], fair["median_days_to_first_job"], fair["people_reached"]) == (
        8, 40.0, 10)
    assert fair["retention"]["1"] == {"followed_up": 8, "still_employed": 8, "share": 1.0}
    # 3 practice placements: hidden, and not to be had from the total (self-found withheld)
    practice, self_found = channels["practice"], channels["self_found"]
    assert (practice["placements"], practice["people_placed"]) == (SMALL, SMALL)
    assert practice["median_days_to_first_job"] is None
    assert (self_found["placements"], self_found["people_placed"]) == (WITHHELD, WITHHELD)
    assert self_found["people_reached"] is None  # a channel with no activity of its own
    total = period["total"]
    assert (total["placements"], total["people_placed"], total["median_days_to_first_job"]) == (
        34, 33, 20.0)
    assert total["retention"]["1"] == {"followed_up": 24, "still_employed": None,
                                       "share": None}
    for channel in channels.values():
        for key in ("placements", "people_placed", "people_reached"):
            value = channel[key]
            assert value in (SMALL, WITHHELD, None) or value >= 5, (channel["channel"], key)


def test_every_offered_half_year_oldest_first(client, make, bearer):
    build_city(make)
    answer = client.get("/api/v1/outcomes", headers=bearer).get_json()
    _validate(answer)
    assert [p["period"] for p in answer["periods"]] == [
        p.key for p in outcome_periods(local_today())]
    earlier = next(p for p in answer["periods"] if p["period"] == PERIOD.shifted(-1).key)
    # the one person due for release in the half-year before is hidden there
    assert earlier["total"]["placements"] == SMALL


@pytest.mark.parametrize(("query", "message"), [
    ("period=2026-H3", "period must match ^[0-9]{4}-H[12]$."),
    ("facility=FA", "Unknown parameter 'facility'; see /api/openapi.json."),
])
def test_bad_parameters_get_a_json_400(client, bearer, query, message):
    response = client.get(f"/api/v1/outcomes?{query}", headers=bearer)
    assert response.status_code == 400
    assert response.get_json()["message"].startswith(message)


def test_a_half_year_not_offered_is_a_json_404(client, bearer):
    response = client.get("/api/v1/outcomes?period=1999-H1", headers=bearer)
    assert response.status_code == 404
    offered = ", ".join(p.key for p in outcome_periods(local_today()))
    assert response.get_json() == {
        "error": "not_found",
        "message": f"No outcomes for period 1999-H1: the half-years offered are {offered}."}


def test_no_token_no_outcomes(client):
    assert client.get("/api/v1/outcomes").status_code == 401


def test_the_fair_report_and_its_statistics_follow_up_at_12_months(client, make, auth,
                                                                   bearer):
    """Follow-ups run at 1, 3, 6 and 12 months: the fair's report and statistics show 12."""
    held = local_today() - timedelta(days=400)
    fair = make.fair(held_on=held)
    opening = make.opening(headcount=None)
    for n in range(10):
        person = make.seeker(expected_release_date=held, status=SeekerStatus.RELEASED)
        placement = place_seeker(person.id, held, 6000, channel=PlacementChannel.FAIR,
                                 opening_id=opening.id, fair_id=fair.id)
        year = next(f for f in placement.follow_ups if f.month == 12)
        record_follow_up(year, held + timedelta(days=370), n < 5,
                         None if n < 5 else FollowUpReason.PAY)
    organizer = make.user(Role.ORGANIZER, organizes=[fair])
    db.session.commit()
    stats = client.get(f"/api/v1/fairs/{fair.code}/statistics", headers=bearer).get_json()
    assert set(stats["retention"]) == {"1", "3", "6", "12"}
    assert stats["retention"]["12"] == 0.5  # 5 of 10 (5 of 7 would say that 2 left)
    assert (stats["people"]["followed_12"], stats["people"]["employed_12"]) == (10, 5)
    assert stats["people"]["followed_6"] == SMALL
    auth.login(organizer.username)
    client.get("/lang/en")
    page = client.get(f"/fairs/report?fair={fair.id}").get_data(as_text=True)
    assert ("<td>People still employed after 12 months (of the people followed up)</td>"
            "<td>5 / 10 (50.0%)</td>") in page
