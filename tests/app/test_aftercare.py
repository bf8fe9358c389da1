"""Release, hand-over to a community social worker and follow-up after release (issue 18,
deliverable 5): consent and an active social worker are required; checks at 1, 3, 6 and
12 months; a social worker sees only the people handed to them, and only what follow-up
needs; to-do lists put what is overdue first."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.aftercare import operations
from app.clock import local_today
from app.fairs.placements import place_seeker
from models import (
    AftercareCheck,
    AuditEvent,
    BookingStatus,
    FollowUp,
    Handover,
    Placement,
    PlacementChannel,
    PracticeBooking,
    PracticeDay,
    Referral,
    ReferralRequest,
    ReferralRequestStatus,
    Role,
    SeekerStatus,
    StaffUser,
    StateError,
    db,
)
from models.placements import add_months

ID_NUMBER = "11010519491231002X"


@pytest.fixture
def town(app, make):
    """A facility with its bureau clerk, two social workers and a person released 20 days
    ago, not yet handed over."""
    today = local_today()
    facility = make.facility(name_zh="善后戒毒所", name_en="Aftercare Facility")
    seeker = make.seeker(facility_id=facility.id, name="回访测试人", consent_share=True,
                         expected_release_date=today - timedelta(days=20),
                         status=SeekerStatus.RELEASED)
    seeker.set_id_number(ID_NUMBER)
    make.survey(seeker, categories=["logistics"], health_limits="腰伤不能久站")
    clerk = make.user(Role.BUREAU, username="clerk", facility_id=facility.id)
    worker = make.user(Role.SOCIAL_WORKER, username="sw-wang", display_name="王社工")
    other = make.user(Role.SOCIAL_WORKER, username="sw-li", display_name="李社工")
    db.session.commit()
    return {"today": today, "facility": facility, "seeker": seeker, "clerk": clerk,
            "worker": worker, "other": other}


def _english(client):
    client.get("/lang/en").close()


def _hand_over(town, worker=None):
    handover = operations.hand_over(town["seeker"], worker or town["worker"], True,
                                    "想做仓储，闵行", town["clerk"], town["today"])
    db.session.commit()
    return handover


def test_a_social_worker_account_has_no_facility_and_lands_on_the_to_do_list(
        client, auth, make):
    account = make.user(Role.SOCIAL_WORKER, username="sw-new")
    db.session.commit()
    assert account.facility_id is None and account.fair_id is None
    response = auth.login("sw-new")
    assert response.headers["Location"] == "/aftercare/"
    assert client.get("/aftercare/").status_code == 200


def test_admin_creates_a_social_worker_account(client, auth, make):
    make.user(Role.ADMIN, username="boss")
    db.session.commit()
    auth.login("boss")
    response = client.post("/admin/users/new", data={
        "username": "zhang.sw", "display_name": "张社工", "password": "a-good-long-passphrase",
        "role": "social_worker", "facility_id": 0, "fair_id": 0})
    assert response.status_code == 302
    user = db.session.scalar(sa.select(StaffUser).where(StaffUser.username == "zhang.sw"))
    assert user.role is Role.SOCIAL_WORKER and user.facility_id is None


def test_hand_over_needs_consent_and_a_social_worker(client, auth, town):
    _english(client)
    auth.login("clerk")
    url = f"/aftercare/people/{town['seeker'].code}/handover"
    page = client.post(url, data={"social_worker_id": town["worker"].id, "note": "x"})
    assert page.status_code == 422
    assert "The person has not agreed to the hand-over" in page.get_data(as_text=True)
    page = client.post(url, data={"social_worker_id": 0, "consent": "y"})
    assert "Choose an active community social worker." in page.get_data(as_text=True)
    page = client.post(url, data={"social_worker_id": town["clerk"].id, "consent": "y"})
    assert "Choose an active community social worker." in page.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Handover.id))) == 0

    response = client.post(url, data={"social_worker_id": town["worker"].id, "consent": "y",
                                      "note": "想做仓储，闵行"})
    assert response.status_code == 302
    handover = db.session.scalar(sa.select(Handover))
    assert handover.social_worker_id == town["worker"].id and handover.note == "想做仓储，闵行"
    assert handover.consent_at is not None and handover.handed_on == town["today"]
    checks = db.session.scalars(sa.select(AftercareCheck).order_by(AftercareCheck.month)).all()
    release = town["seeker"].expected_release_date
    assert [(c.month, c.due_on) for c in checks] == [
        (m, add_months(release, m)) for m in (1, 3, 6, 12)]
    assert db.session.scalar(sa.select(AuditEvent.id).where(
        AuditEvent.action == "handover_created")) is not None


def test_hand_over_is_refused_before_the_release_is_recorded(make, town):
    seeker = make.seeker(facility_id=town["facility"].id)
    with pytest.raises(StateError):
        operations.hand_over(seeker, town["worker"], True, "", town["clerk"], town["today"])


def test_a_new_hand_over_ends_the_previous_one(town):
    today = town["today"]
    town["seeker"].expected_release_date = today - timedelta(days=45)
    first = _hand_over(town)
    check = db.session.scalar(sa.select(AftercareCheck).where(
        AftercareCheck.handover_id == first.id, AftercareCheck.month == 1))
    assert check.due_on < today
    check.record(today, True, True, today)
    db.session.commit()
    second = _hand_over(town, town["other"])
    assert first.ended_on == today and second.ended_on is None
    assert db.session.scalar(sa.select(sa.func.count(Handover.id)).where(
        Handover.ended_on.is_(None))) == 1
    # the month already checked is not asked again of the new social worker
    assert sorted(db.session.scalars(sa.select(AftercareCheck.month).where(
        AftercareCheck.handover_id == second.id))) == [3, 6, 12]


def test_release_is_recorded_and_a_future_date_refused(client, auth, make, town):
    _english(client)
    seeker = make.seeker(facility_id=town["facility"].id,
                         expected_release_date=town["today"] + timedelta(days=3))
    db.session.commit()
    auth.login("clerk")
    url = f"/aftercare/people/{seeker.code}/release"
    future = (town["today"] + timedelta(days=1)).isoformat()
    page = client.post(url, data={"released_on": future})
    assert "is in the future" in page.get_data(as_text=True)
    assert db.session.get(type(seeker), seeker.id).status is SeekerStatus.IN_FACILITY
    response = client.post(url, data={"released_on": town["today"].isoformat()})
    assert response.status_code == 302
    seeker = db.session.get(type(seeker), seeker.id)
    assert seeker.status is SeekerStatus.RELEASED
    assert seeker.expected_release_date == town["today"]


def test_a_social_worker_sees_only_the_people_handed_to_them(client, auth, town):
    handover = _hand_over(town)
    code = town["seeker"].code
    auth.login("sw-li")
    assert "回访测试人" not in client.get("/aftercare/").get_data(as_text=True)
    check = db.session.scalar(sa.select(AftercareCheck).where(
        AftercareCheck.handover_id == handover.id, AftercareCheck.month == 1))
    for url in (f"/aftercare/people/{code}", f"/aftercare/people/{code}/timeline",
                f"/aftercare/people/{code}/job", f"/aftercare/people/{code}/referral-request",
                f"/aftercare/checks/{check.id}"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "回访测试人" not in response.get_data(as_text=True)
    refusals = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == "access_refused")).all()
    assert len(refusals) == 5
    assert {r.detail["reason"] for r in refusals} == {"not_handed_over"}
    auth.logout()

    auth.login("sw-wang")
    home = client.get("/aftercare/").get_data(as_text=True)
    assert "回访测试人" in home and code in home
    assert client.get(f"/aftercare/people/{code}").status_code == 200
    assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(
        AuditEvent.action == "aftercare_person_viewed")) == 1


def test_a_handed_over_person_leaves_the_list_of_their_previous_social_worker(
        client, auth, town):
    _hand_over(town)
    _hand_over(town, town["other"])
    auth.login("sw-wang")
    assert "回访测试人" not in client.get("/aftercare/").get_data(as_text=True)
    assert client.get(f"/aftercare/people/{town['seeker'].code}").status_code == 404


def test_the_reduced_timeline_hides_facility_id_and_health(client, auth, town):
    _hand_over(town)
    auth.login("sw-wang")
    code = town["seeker"].code
    for lang in ("en", "zh"):
        client.get(f"/lang/{lang}").close()
        for url in (f"/aftercare/people/{code}", f"/aftercare/people/{code}/timeline",
                    "/aftercare/"):
            page = client.get(url).get_data(as_text=True)
            assert "回访测试人" in page  # the social worker follows the person in person
            for hidden in ("善后戒毒所", "Aftercare Facility", ID_NUMBER, ID_NUMBER[-4:],
                           "腰伤不能久站"):
                assert hidden not in page, (url, hidden)
    auth.logout()
    auth.login("clerk")
    client.get("/lang/en").close()
    page = client.get(f"/aftercare/people/{code}/timeline").get_data(as_text=True)
    assert "Released from Aftercare Facility" in page and "腰伤不能久站" in page


def test_a_social_workers_to_do_list_puts_overdue_first(client, auth, make, town):
    today = town["today"]
    handover = _hand_over(town)
    # a second person, handed over and in a job whose 1-month follow-up is due in a week
    second = make.seeker(facility_id=town["facility"].id, name="第二人",
                         expected_release_date=today - timedelta(days=10),
                         status=SeekerStatus.RELEASED)
    operations.hand_over(second, town["worker"], True, "", town["clerk"], today)
    place_seeker(second.id, today - timedelta(days=23), 5000,
                 channel=PlacementChannel.SELF_FOUND, job_title="保洁员", today=today)
    # the first person's 1-month check is overdue
    first_check = db.session.scalar(sa.select(AftercareCheck).where(
        AftercareCheck.handover_id == handover.id, AftercareCheck.month == 1))
    first_check.due_on = today - timedelta(days=3)
    db.session.commit()
    _english(client)
    auth.login("sw-wang")
    page = client.get("/aftercare/").get_data(as_text=True)
    overdue = page[page.index("Overdue ("):page.index("Due soon (")]
    soon = page[page.index("Due soon ("):page.index("People handed to you")]
    assert "Overdue (1)" in page
    assert "回访测试人" in overdue and "Aftercare check after 1 months" in overdue
    assert "第二人" in soon and "Follow-up after 1 months: 保洁员" in soon


def test_a_social_worker_records_a_check_and_a_follow_up(client, auth, town):
    today = town["today"]
    handover = _hand_over(town)
    placement = place_seeker(town["seeker"].id, today - timedelta(days=15), 5000,
                             channel=PlacementChannel.SELF_FOUND, job_title="保洁员",
                             today=today)
    db.session.commit()
    check = db.session.scalar(sa.select(AftercareCheck).where(
        AftercareCheck.handover_id == handover.id, AftercareCheck.month == 1))
    follow_up = placement.follow_ups[0]
    _english(client)
    auth.login("sw-wang")
    page = client.post(f"/aftercare/checks/{check.id}",
                       data={"done_on": today.isoformat(), "reached": "yes"})
    assert "Say whether the person is working." in page.get_data(as_text=True)
    response = client.post(f"/aftercare/checks/{check.id}", data={
        "done_on": today.isoformat(), "reached": "yes", "working": "yes", "note": "在做保洁"})
    assert response.status_code == 302
    check = db.session.get(AftercareCheck, check.id)
    assert (check.done_on, check.reached, check.working, check.note) == (
        today, True, True, "在做保洁")
    response = client.post(f"/aftercare/follow-ups/{follow_up.id}", data={
        "done_on": today.isoformat(), "still_employed": "no", "reason": "pay"})
    assert response.status_code == 302
    follow_up = db.session.get(FollowUp, follow_up.id)
    assert follow_up.still_employed is False and follow_up.done_on == today
    page = client.get(f"/aftercare/people/{town['seeker'].code}").get_data(as_text=True)
    assert "Aftercare check after 1 months: reached, working" in page
    assert "Follow-up after 1 months: no longer employed, pay" in page
    actions = {e.action for e in db.session.scalars(sa.select(AuditEvent))}
    assert {"aftercare_check_recorded", "follow_up_recorded"} <= actions


def test_a_self_found_job_becomes_a_placement_with_follow_ups(client, auth, town):
    _hand_over(town)
    start = town["today"] - timedelta(days=3)
    auth.login("sw-wang")
    response = client.post(f"/aftercare/people/{town['seeker'].code}/job", data={
        "kind": "job", "job_title": "快递分拣员", "category_code": "logistics",
        "start_date": start.isoformat(), "monthly_pay": "5500"})
    assert response.status_code == 302
    placement = db.session.scalar(sa.select(Placement))
    assert placement.channel is PlacementChannel.SELF_FOUND
    assert (placement.job_title, placement.category_code, placement.monthly_pay,
            placement.opening_id) == ("快递分拣员", "logistics", 5500, None)
    assert [(f.month, f.due_on) for f in placement.follow_ups] == [
        (m, add_months(start, m)) for m in (1, 3, 6, 12)]
    assert db.session.get(type(town["seeker"]), town["seeker"].id).status is \
        SeekerStatus.PLACED
    # the job's follow-ups are on the social worker's list
    page = client.get("/aftercare/").get_data(as_text=True)
    assert "快递分拣员" in page


def test_a_social_worker_asks_for_a_new_referral(client, auth, town):
    _hand_over(town)
    _english(client)
    auth.login("sw-wang")
    url = f"/aftercare/people/{town['seeker'].code}/referral-request"
    assert "What kind of work, and where" in client.get(url).get_data(as_text=True)
    response = client.post(url, data={"note": "闵行区的仓储或快递工作，白班"})
    assert response.status_code == 302
    request = db.session.scalar(sa.select(ReferralRequest))
    assert request.note == "闵行区的仓储或快递工作，白班"
    assert request.status is ReferralRequestStatus.OPEN
    assert request.asked_by_id == town["worker"].id and request.asked_on == town["today"]
    page = client.post(url, data={"note": "另一个请求"}).get_data(as_text=True)
    assert "is still waiting for the employment centre" in page
    assert db.session.scalar(sa.select(sa.func.count(ReferralRequest.id))) == 1


def test_the_bureau_to_do_list(client, auth, make, town):
    today = town["today"]
    facility = town["facility"]
    # released 20 days ago without hand-over: overdue; another due for release in 10 days
    leaving = make.seeker(facility_id=facility.id, name="十天后出所",
                          expected_release_date=today + timedelta(days=10))
    far = make.seeker(facility_id=facility.id, name="半年后出所",
                      expected_release_date=today + timedelta(days=180))
    employer = make.employer(name="上海顺达物流有限公司")
    opening = make.opening(employer_id=employer.id, title="理货员")
    stale = Referral(seeker_id=far.id, opening_id=opening.id,
                     referred_on=today - timedelta(days=30))
    day = PracticeDay(employer_id=employer.id, opening_id=opening.id,
                      held_on=today + timedelta(days=1), place="闵行仓库", capacity=2, booked=1)
    db.session.add_all([stale, day])
    db.session.flush()
    db.session.add(PracticeBooking(practice_day_id=day.id, seeker_id=leaving.id,
                                   status=BookingStatus.BOOKED))
    # another facility's person never shows
    make.seeker(name="别所的人", expected_release_date=today + timedelta(days=5))
    db.session.commit()
    _english(client)
    auth.login("clerk")
    page = client.get("/aftercare/").get_data(as_text=True)
    overdue = page[page.index("Overdue ("):page.index("Due soon (")]
    soon = page[page.index("Due soon ("):]
    assert "回访测试人" in overdue and "not handed over" in overdue
    assert "半年后出所" in overdue and "Referral open too long" in overdue
    assert "十天后出所" in soon and "record the release and hand over" in soon
    assert "Job practice on" in soon and "闵行仓库" in soon
    assert "别所的人" not in page
    # once handed over, the released person leaves the bureau's list
    _hand_over(town)
    page = client.get("/aftercare/").get_data(as_text=True)
    assert "回访测试人" not in page


def test_an_administrator_sees_every_facilitys_to_do_list(client, auth, make, town):
    place_seeker(town["seeker"].id, town["today"] - timedelta(days=25), 5000,
                 channel=PlacementChannel.SELF_FOUND, job_title="保洁员", today=town["today"])
    make.seeker(name="别所的人", expected_release_date=town["today"] + timedelta(days=5))
    make.user(Role.ADMIN, username="boss")
    db.session.commit()
    auth.login("boss")
    page = client.get("/aftercare/").get_data(as_text=True)
    assert "回访测试人" in page and "别所的人" in page
    follow_up = db.session.scalar(sa.select(FollowUp).where(FollowUp.month == 1))
    assert f"/aftercare/follow-ups/{follow_up.id}" in page
    assert client.get(f"/aftercare/follow-ups/{follow_up.id}").status_code == 200


def test_the_bureau_home_counts_what_is_due(client, auth, make, town):
    make.seeker(facility_id=town["facility"].id, name="十天后出所",
                expected_release_date=town["today"] + timedelta(days=10))
    db.session.commit()
    _english(client)
    auth.login("clerk")
    page = client.get("/bureau").get_data(as_text=True)
    assert "1 overdue, 1 due soon" in page
