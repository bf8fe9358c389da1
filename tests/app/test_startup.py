"""Start-up guidance (issue 18, deliverable 4).

The city's start-up services are data (seed_data/startup_services.csv); bureau staff open
one case per person of their facility, record one-to-one guidance and group sessions
(one session for several people at once), refer people to a service, and record how it
ended: a registered business is a self-employment placement followed up at 1, 3, 6 and
12 months.
"""

import csv
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.clock import local_today
from app.startup.operations import load_startup_services
from models import (
    AuditEvent,
    FollowUp,
    GuidanceKind,
    Placement,
    PlacementChannel,
    PlacementKind,
    Role,
    SeekerStatus,
    StartupCase,
    StartupGuidance,
    StartupOutcome,
    StartupService,
    db,
)
from models.placements import add_months
from tests.conftest import SEED_DIR

ALREADY_SAVED = "This was already saved; it was not saved a second time."
_KEY = re.compile(r'name="submission_key"[^>]*value="([^"]*)"')


def _csv_rows():
    with (SEED_DIR / "startup_services.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _service(code) -> StartupService:
    return db.session.scalar(sa.select(StartupService).where(StartupService.code == code))


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


@pytest.fixture
def clerk(make, auth, client):
    user = make.user(Role.BUREAU, username="clerk")
    db.session.commit()
    auth.login("clerk")
    client.get("/lang/en")
    return user


@pytest.fixture
def today(app):
    return local_today()


def _people(make, clerk, n):
    return [make.seeker(facility_id=clerk.facility_id, name=f"创业者{i}") for i in range(n)]


def _open(client, seeker, on):
    return client.post("/startup/cases/new", data={"code": seeker.code, "opened_on": str(on)},
                       follow_redirects=True)


def _case_of(seeker) -> StartupCase:
    db.session.expire_all()
    return db.session.scalar(sa.select(StartupCase).where(StartupCase.seeker_id == seeker.id))


# the services, as data


def test_every_service_of_the_csv_is_listed_in_both_languages(client, clerk):
    rows = _csv_rows()
    assert len(rows) >= 6
    page = client.get("/startup/services").get_data(as_text=True)
    for row in rows:
        assert row["name_en"].replace("'", "&#39;") in page
        assert row["contact"].replace("'", "&#39;") in page
    assert "12333" in page
    client.get("/lang/zh_CN")
    page = client.get("/startup/services").get_data(as_text=True)
    assert all(row["name_zh"] in page for row in rows)
    assert "创业担保贷款" in page


def test_loading_the_services_again_changes_nothing_and_keeps_a_stopped_service(
        app, make, auth, client):
    before = _count(StartupService)
    assert before == len(_csv_rows())
    make.user(Role.ADMIN, username="boss")
    db.session.commit()
    auth.login("boss")
    client.get("/lang/en")
    nursery = _service("startup-nursery")
    try:
        page = client.post(f"/startup/services/{nursery.id}/active/0",
                           follow_redirects=True).get_data(as_text=True)
        assert "is no longer offered for new referrals" in page
        load_startup_services(SEED_DIR)
        db.session.commit()
        assert _count(StartupService) == before
        assert _service("startup-nursery").active is False
        # staff who refer people no longer see it
        clerk = make.user(Role.BUREAU, username="clerk")
        db.session.commit()
        auth.logout()
        auth.login("clerk")
        client.get("/lang/en")
        page = client.get("/startup/services").get_data(as_text=True)
        assert "Start-up nursery" not in page and "Start-up guaranteed loan" in page
        seeker = make.seeker(facility_id=clerk.facility_id)
        case_page = _open(client, seeker, local_today()).get_data(as_text=True)
        assert "Start-up guaranteed loan" in case_page  # offered in the referral choice
        assert "Start-up nursery" not in case_page
    finally:
        _service("startup-nursery").active = True
        db.session.commit()


def test_a_social_worker_reads_the_services(make, auth, client):
    make.user(Role.SOCIAL_WORKER, username="worker")
    db.session.commit()
    auth.login("worker")
    client.get("/lang/en")
    page = client.get("/startup/services").get_data(as_text=True)
    assert "Start-up guaranteed loan" in page and "stop offering" not in page
    assert client.get("/startup/").status_code == 403


# a case and its guidance


def test_open_a_case_and_record_one_to_one_guidance_with_a_referral(client, clerk, make,
                                                                   today):
    (seeker,) = _people(make, clerk, 1)
    seeker_page = client.get(f"/bureau/seekers/{seeker.code}").get_data(as_text=True)
    assert f'href="/startup/people/{seeker.code}"' in seeker_page
    page = client.get(f"/startup/people/{seeker.code}").get_data(as_text=True)
    assert "No start-up guidance recorded for this person yet." in page
    began = today - timedelta(days=20)
    page = _open(client, seeker, began).get_data(as_text=True)
    assert f"Start-up guidance opened for {seeker.code}." in page
    case = _case_of(seeker)
    assert case.opened_on == began and case.outcome is StartupOutcome.OPEN
    loan = _service("guaranteed-loan")
    response = client.post(f"/startup/cases/{case.id}/entries", data={
        "kind": "one_to_one", "held_on": str(today - timedelta(days=3)),
        "topic": "早餐摊的成本和定价", "adviser": "王老师",
        "next_step": "准备创业担保贷款材料", "service_id": str(loan.id)},
        follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.request.path == f"/startup/cases/{case.id}"
    assert "Guidance recorded." in page
    assert "早餐摊的成本和定价" in page and "王老师" in page and "one-to-one" in page
    assert "Start-up guaranteed loan" in page  # the referral, by the service's name
    (entry,) = db.session.scalars(sa.select(StartupGuidance)).all()
    assert (entry.kind, entry.service_id, entry.recorded_by_id) == (
        GuidanceKind.ONE_TO_ONE, loan.id, clerk.id)
    # the list shows the latest guidance and its next step
    page = client.get("/startup/").get_data(as_text=True)
    assert seeker.code in page and "准备创业担保贷款材料" in page and "in guidance" in page
    # the person's link now leads to the case
    assert client.get(f"/startup/people/{seeker.code}").headers["Location"] == \
        f"/startup/cases/{case.id}"
    actions = set(db.session.scalars(sa.select(AuditEvent.action)))
    assert {"startup_case_opened", "startup_case_viewed", "startup_guidance_recorded",
            "startup_cases_viewed"} <= actions


def test_a_second_case_for_the_same_person_leads_to_the_first(client, clerk, make, today):
    (seeker,) = _people(make, clerk, 1)
    _open(client, seeker, today)
    response = _open(client, seeker, today)
    assert f"{seeker.code} already has start-up guidance, begun on {today}." in \
        response.get_data(as_text=True)
    assert response.request.path == f"/startup/cases/{_case_of(seeker).id}"
    assert _count(StartupCase) == 1


def test_guidance_before_the_case_began_is_refused(client, clerk, make, today):
    (seeker,) = _people(make, clerk, 1)
    _open(client, seeker, today - timedelta(days=5))
    case = _case_of(seeker)
    early = today - timedelta(days=6)
    page = client.post(f"/startup/cases/{case.id}/entries", data={
        "kind": "one_to_one", "held_on": str(early), "topic": "想法"}).get_data(as_text=True)
    assert f"The date {early} is before the guidance began ({today - timedelta(days=5)})." \
        in page
    assert 'value="想法"' in page  # what was typed is still there
    assert _count(StartupGuidance) == 0


def test_a_group_session_for_three_people_records_three_entries(client, clerk, make, today):
    people = _people(make, clerk, 3)
    _open(client, people[0], today - timedelta(days=30))
    session_day = today - timedelta(days=2)
    page = client.get("/startup/sessions/new").get_data(as_text=True)
    assert all(p.code in page for p in people)
    response = client.post("/startup/sessions/new", data={
        "held_on": str(session_day), "topic": "创业政策讲座", "adviser": "区就业促进中心",
        "next_step": "想清楚做什么", "service_id": str(_service("hotline-12333").id),
        "seeker_ids": [str(people[0].id), str(people[1].id)], "codes": people[2].code},
        follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Group session recorded for 3 people." in page
    entries = db.session.scalars(sa.select(StartupGuidance).order_by(StartupGuidance.id)).all()
    assert len(entries) == 3
    assert {e.case.seeker_id for e in entries} == {p.id for p in people}
    assert {(e.kind, e.held_on, e.topic) for e in entries} == {
        (GuidanceKind.SESSION, session_day, "创业政策讲座")}
    # cases were opened from the session's date for the two who had none
    assert [_case_of(p).opened_on for p in people] == [
        today - timedelta(days=30), session_day, session_day]
    case_page = client.get(f"/startup/cases/{_case_of(people[2]).id}").get_data(as_text=True)
    assert "group session" in case_page and "12333 Shanghai human resources" in case_page


def test_a_group_session_with_another_facilitys_code_saves_nothing(client, clerk, make,
                                                                  today):
    (mine,) = _people(make, clerk, 1)
    stranger = make.seeker()
    db.session.commit()
    page = client.post("/startup/sessions/new", data={
        "held_on": str(today), "topic": "创业政策讲座", "seeker_ids": [str(mine.id)],
        "codes": stranger.code}).get_data(as_text=True)
    assert f"No person with the code {stranger.code} in your facility." in page
    assert _count(StartupCase) == 0 and _count(StartupGuidance) == 0
    refused = db.session.scalar(sa.select(AuditEvent).where(
        AuditEvent.action == "access_refused"))
    assert refused.target_id == str(stranger.id)


# outcomes


def test_a_registered_business_is_a_self_employment_placement_with_follow_ups(
        client, clerk, make, auth, today):
    (seeker,) = _people(make, clerk, 1)
    _open(client, seeker, today - timedelta(days=60))
    case = _case_of(seeker)
    registered = today - timedelta(days=10)
    response = client.post(f"/startup/cases/{case.id}/outcome", data={
        "outcome": "business_registered", "outcome_on": str(registered),
        "business": "社区早餐店", "monthly_income": "6000"}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Business registered: recorded as a self-employment placement; follow-ups are " \
           "scheduled at 1, 3, 6 and 12 months." in page
    assert "business registered" in page and "社区早餐店" in page
    assert f"Self-employment placement from {registered}." in page
    for months in (1, 3, 6, 12):
        assert f"{months} months {add_months(registered, months)}" in page
    (placement,) = db.session.scalars(sa.select(Placement)).all()
    assert (placement.seeker_id, placement.kind, placement.channel, placement.job_title,
            placement.start_date, placement.monthly_pay, placement.opening_id) == (
        seeker.id, PlacementKind.SELF_EMPLOYMENT, PlacementChannel.STARTUP, "社区早餐店",
        registered, 6000, None)
    assert [(f.month, f.due_on) for f in db.session.scalars(
        sa.select(FollowUp).order_by(FollowUp.month))] == [
        (m, add_months(registered, m)) for m in (1, 3, 6, 12)]
    db.session.expire_all()
    assert seeker.status is SeekerStatus.PLACED
    case = _case_of(seeker)
    assert (case.outcome, case.outcome_on, case.business) == (
        StartupOutcome.BUSINESS_REGISTERED, registered, "社区早餐店")
    # the case is ended: listed under "ended", not "in guidance"
    assert seeker.code not in client.get("/startup/?show=open").get_data(as_text=True)
    assert seeker.code in client.get("/startup/?show=ended").get_data(as_text=True)
    # the follow-ups are due like any placement's, named by the business
    make.user(Role.ORGANIZER, username="org")
    db.session.commit()
    auth.logout()
    auth.login("org")
    page = client.get("/follow-ups?days=400").get_data(as_text=True)
    assert page.count("社区早餐店") == 4 and seeker.code in page


def test_an_outcome_before_the_case_began_is_refused_saying_why(client, clerk, make, today):
    (seeker,) = _people(make, clerk, 1)
    began = today - timedelta(days=5)
    _open(client, seeker, began)
    case = _case_of(seeker)
    early = began - timedelta(days=1)
    page = client.post(f"/startup/cases/{case.id}/outcome", data={
        "outcome": "business_registered", "outcome_on": str(early),
        "business": "修鞋铺"}).get_data(as_text=True)
    assert f"The date {early} is before the guidance began ({began})." in page
    assert _count(Placement) == 0
    assert _case_of(seeker).outcome is StartupOutcome.OPEN
    db.session.expire_all()
    assert seeker.status is not SeekerStatus.PLACED


def test_a_registered_business_needs_to_say_what_it_does(client, clerk, make, today):
    (seeker,) = _people(make, clerk, 1)
    _open(client, seeker, today)
    page = client.post(f"/startup/cases/{_case_of(seeker).id}/outcome", data={
        "outcome": "business_registered", "outcome_on": str(today)}).get_data(as_text=True)
    assert "Say what the business does" in page
    assert _count(Placement) == 0


def test_a_loan_applied_then_dropped_makes_no_placement(client, clerk, make, today):
    (seeker,) = _people(make, clerk, 1)
    _open(client, seeker, today - timedelta(days=9))
    case = _case_of(seeker)
    page = client.post(f"/startup/cases/{case.id}/outcome", data={
        "outcome": "loan_applied", "outcome_on": str(today - timedelta(days=2))},
        follow_redirects=True).get_data(as_text=True)
    assert "Outcome recorded." in page and "loan applied" in page
    client.post(f"/startup/cases/{case.id}/outcome",
                data={"outcome": "dropped", "outcome_on": str(today)})
    assert _case_of(seeker).outcome is StartupOutcome.DROPPED
    assert _count(Placement) == 0


# facilities and double clicks


def test_another_facilitys_case_is_a_404_and_audited(client, clerk, make, today):
    stranger = make.seeker()
    case = StartupCase(seeker_id=stranger.id, opened_on=today)
    db.session.add(case)
    db.session.commit()
    assert client.get(f"/startup/cases/{case.id}").status_code == 404
    assert client.post(f"/startup/cases/{case.id}/entries", data={
        "kind": "one_to_one", "held_on": str(today), "topic": "x"}).status_code == 404
    assert client.post(f"/startup/cases/{case.id}/outcome", data={
        "outcome": "dropped", "outcome_on": str(today)}).status_code == 404
    assert client.get(f"/startup/people/{stranger.code}").status_code == 404
    assert stranger.code not in client.get("/startup/?show=all").get_data(as_text=True)
    assert _count(StartupGuidance) == 0
    assert _case_of(stranger).outcome is StartupOutcome.OPEN
    refusals = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == "access_refused")).all()
    assert {e.target_type for e in refusals} >= {"StartupCase", "Seeker"}


def test_guidance_sent_twice_is_saved_once(app, client, clerk, make, today):
    (seeker,) = _people(make, clerk, 1)
    _open(client, seeker, today)
    case = _case_of(seeker)
    app.config["SUBMISSION_KEYS_REQUIRED"] = True  # as in production
    page = client.get(f"/startup/cases/{case.id}").get_data(as_text=True)
    entry_form = page.split(f'action="/startup/cases/{case.id}/entries"')[1]
    key = _KEY.search(entry_form).group(1)
    data = {"kind": "one_to_one", "held_on": str(today), "topic": "营业执照怎么办",
            "submission_key": key}
    first = client.post(f"/startup/cases/{case.id}/entries", data=data)
    again = client.post(f"/startup/cases/{case.id}/entries", data=data, follow_redirects=True)
    assert first.status_code == 302
    assert ALREADY_SAVED in again.get_data(as_text=True)
    assert again.request.path == f"/startup/cases/{case.id}"
    assert _count(StartupGuidance) == 1


def test_a_group_session_sent_twice_is_saved_once(app, client, clerk, make, today):
    app.config["SUBMISSION_KEYS_REQUIRED"] = True  # as in production
    people = _people(make, clerk, 2)
    key = _KEY.search(client.get("/startup/sessions/new").get_data(as_text=True)).group(1)
    data = {"held_on": str(today), "topic": "创业政策讲座", "submission_key": key,
            "seeker_ids": [str(p.id) for p in people]}
    client.post("/startup/sessions/new", data=data)
    again = client.post("/startup/sessions/new", data=data, follow_redirects=True)
    assert ALREADY_SAVED in again.get_data(as_text=True)
    assert _count(StartupGuidance) == 2 and _count(StartupCase) == 2


def test_the_pages_read_in_chinese(client, clerk, make, today):
    client.get("/lang/zh_CN")
    first, second = _people(make, clerk, 2)
    assert "创业者0" in client.get(f"/startup/people/{first.code}").get_data(as_text=True)
    _open(client, first, today)
    case = _case_of(first)
    client.post(f"/startup/cases/{case.id}/entries", data={
        "kind": "session", "held_on": str(today), "topic": "开店选址",
        "service_id": str(_service("incubation-base").id)})
    page = client.get(f"/startup/cases/{case.id}").get_data(as_text=True)
    assert "开店选址" in page and "上海市创业孵化示范基地" in page and "创业担保贷款" in page
    page = client.get("/startup/").get_data(as_text=True)
    assert first.code in page and "开店选址" in page
    page = client.get("/startup/sessions/new").get_data(as_text=True)
    assert "创业者0" in page and "创业者1" in page
