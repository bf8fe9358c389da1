"""Targeted referrals (issue 18, deliverable 1): a consenting person referred to an open
opening from their recommendations or the opening's ranked seekers, the employer's answers,
an offer turned into a placement with follow-ups, the "open too long" flag, and social
workers' requests answered with a referral. Privacy: bureau staff see their own facility's
people only; employment staff see codes only."""

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from app import create_app
from app.clock import local_today
from app.config import TestingConfig
from app.referrals import operations
from app.submissions import new_submission_key
from models import (
    AuditEvent,
    Course,
    EmployerStatus,
    FollowUp,
    Opening,
    OpeningStatus,
    Placement,
    PlacementChannel,
    PracticeBooking,
    PracticeDay,
    Referral,
    ReferralRequest,
    ReferralRequestStatus,
    ReferralSource,
    ReferralStatus,
    Role,
    Seeker,
    SeekerCertificate,
    SeekerStatus,
    StateError,
    db,
)
from models.placements import add_months


@pytest.fixture
def scene(make):
    """A clerk's consenting seeker who wants logistics work, an open logistics opening at
    a verified employer, an employment officer and an administrator."""
    facility = make.facility(name_zh="青浦强制隔离戒毒所", name_en="Qingpu facility")
    clerk = make.user(Role.BUREAU, username="clerk", facility_id=facility.id)
    seeker = make.seeker(facility_id=facility.id, name="赵六", consent_share=True,
                         facility_ref="QP-2612-10")
    seeker.set_id_number("310115198801011234")
    make.survey(seeker, categories=["logistics"], salary_min=5500, salary_hoped=7000,
                home_district="310115", shifts=["day"], certificates=[])
    employer = make.employer(name="上海顺达物流有限公司")
    opening = make.opening(employer_id=employer.id, title="仓库理货员",
                           category_code="logistics", pay_min=6000, pay_max=8000,
                           district="310115", headcount=5)
    make.user(Role.EMPLOYMENT, username="centre")
    make.user(Role.ADMIN, username="boss")
    db.session.commit()
    return {"clerk": clerk, "seeker": seeker, "opening": opening, "facility": facility,
            "employer": employer}


def _login(client, auth, username):
    auth.login(username)
    client.get("/lang/en")


def _refer(client, seeker, opening, source="recommendation", **extra):
    return client.post("/referrals/new", data={
        "code": seeker.code, "opening_id": opening.id, "source": source, **extra},
        follow_redirects=True)


def _referrals():
    return db.session.scalars(sa.select(Referral).order_by(Referral.id)).all()


def _make_referral(scene, days_ago=0, **kwargs) -> Referral:
    referral = Referral(seeker_id=scene["seeker"].id, opening_id=scene["opening"].id,
                        referred_on=local_today() - timedelta(days=days_ago), **kwargs)
    db.session.add(referral)
    db.session.commit()
    return referral


# making a referral


def test_bureau_refers_from_the_persons_recommendations(client, auth, scene):
    seeker, opening = scene["seeker"], scene["opening"]
    _login(client, auth, "clerk")
    page = client.get(f"/bureau/seekers/{seeker.code}").get_data(as_text=True)
    assert f'id="refer-{opening.id}"' in page
    response = _refer(client, seeker, opening)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f"Referral recorded: {seeker.code} to 仓库理货员." in page
    assert "赵六" in page  # the clerk's own facility's person
    assert "referred, no answer yet" in page
    assert "from the person's recommended openings" in page
    (referral,) = _referrals()
    assert (referral.source, referral.status) == (ReferralSource.RECOMMENDATION,
                                                  ReferralStatus.OPEN)
    assert referral.referred_on == local_today()
    assert referral.referred_by_id == scene["clerk"].id
    # the person's page now links the referral instead of offering the button again
    page = client.get(f"/bureau/seekers/{seeker.code}").get_data(as_text=True)
    assert f'id="refer-{opening.id}"' not in page
    assert f"/referrals/{referral.id}" in page
    actions = set(db.session.scalars(sa.select(AuditEvent.action)))
    assert {"referral_made", "referral_viewed"} <= actions


def test_employment_refers_from_the_openings_ranked_seekers(client, auth, scene):
    seeker, opening = scene["seeker"], scene["opening"]
    _login(client, auth, "centre")
    page = client.get(f"/employment/openings/{opening.id}").get_data(as_text=True)
    assert f'href="/referrals/openings/{opening.id}/seekers"' in page
    page = client.get(f"/referrals/openings/{opening.id}/seekers").get_data(as_text=True)
    row = page.split(f'id="candidate-{seeker.code}"')[1].split("</tr>")[0]
    assert "5,500 yuan/month" in row
    assert 'class="pro"' in row  # the reasons of the fit
    assert f'id="refer-{seeker.code}"' in row
    page = _refer(client, seeker, opening, source="opening").get_data(as_text=True)
    assert f"Referral recorded: {seeker.code} to 仓库理货员." in page
    (referral,) = _referrals()
    assert referral.source is ReferralSource.OPENING
    page = client.get(f"/referrals/openings/{opening.id}/seekers").get_data(as_text=True)
    assert f'id="refer-{seeker.code}"' not in page
    assert "referred, no answer yet" in page


def test_employment_staff_never_see_name_id_or_facility(client, auth, scene):
    seeker = scene["seeker"]
    referral = _make_referral(scene)
    _login(client, auth, "centre")
    pages = [client.get(path).get_data(as_text=True) for path in (
        "/referrals/", f"/referrals/{referral.id}",
        f"/referrals/openings/{scene['opening'].id}/seekers")]
    for page in pages:
        assert seeker.code in page
        for secret in ("赵六", "1234", "QP-2612-10", "青浦强制隔离戒毒所", "Qingpu facility"):
            assert secret not in page
    # the bureau sees who it is, on its own facility's referrals
    auth.logout()
    _login(client, auth, "clerk")
    page = client.get("/referrals/").get_data(as_text=True)
    assert "赵六" in page and seeker.code in page


def test_a_person_without_consent_cannot_be_referred(client, auth, scene, make):
    shy = make.seeker(facility_id=scene["facility"].id, name="钱七", consent_share=False)
    make.survey(shy, categories=["logistics"], salary_min=5000)
    db.session.commit()
    _login(client, auth, "clerk")
    page = client.get(f"/bureau/seekers/{shy.code}").get_data(as_text=True)
    assert f'id="refer-{scene["opening"].id}"' not in page
    assert "A referral needs the person's consent" in page
    page = _refer(client, shy, scene["opening"]).get_data(as_text=True)
    assert (f"{shy.code} has not agreed to share a pseudonymous profile with employers, so "
            "they cannot be referred. Record their consent on their page first.") in page
    assert _referrals() == []


def test_an_opening_job_seekers_may_not_see_cannot_get_a_referral(client, auth, scene):
    scene["employer"].status = EmployerStatus.UNVERIFIED
    db.session.commit()
    _login(client, auth, "centre")
    page = _refer(client, scene["seeker"], scene["opening"], "opening").get_data(as_text=True)
    assert "This opening is not open to job seekers" in page
    scene["employer"].status = EmployerStatus.VERIFIED
    scene["opening"].status = OpeningStatus.CLOSED
    db.session.commit()
    page = _refer(client, scene["seeker"], scene["opening"], "opening").get_data(as_text=True)
    assert "This opening is not open to job seekers" in page
    assert _referrals() == []


def test_a_person_with_a_current_job_is_not_referred(client, auth, scene, make):
    other = make.opening(employer_id=scene["employer"].id, title="叉车司机")
    db.session.add(Placement(seeker_id=scene["seeker"].id, opening_id=other.id,
                             channel=PlacementChannel.FAIR,
                             start_date=local_today() - timedelta(days=10)))
    db.session.commit()
    _login(client, auth, "clerk")
    page = _refer(client, scene["seeker"], scene["opening"]).get_data(as_text=True)
    assert (f"{scene['seeker'].code} already has a current job from Qibu: 叉车司机, since "
            f"{local_today() - timedelta(days=10)}. If that job has ended") in page
    assert _referrals() == []


def test_another_facilitys_bureau_staff_get_404(client, auth, scene, make):
    make.user(Role.BUREAU, username="elsewhere")  # a facility of its own
    referral = _make_referral(scene)
    _login(client, auth, "elsewhere")
    assert client.get(f"/referrals/{referral.id}").status_code == 404
    assert client.post(f"/referrals/{referral.id}/withdraw").status_code == 404
    assert _refer(client, scene["seeker"], scene["opening"]).status_code == 404
    page = client.get("/referrals/").get_data(as_text=True)
    assert scene["seeker"].code not in page and "赵六" not in page
    refusals = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == "access_refused")).all()
    assert len(refusals) == 3
    assert db.session.get(Referral, referral.id).status is ReferralStatus.OPEN
    assert len(_referrals()) == 1


def test_a_double_click_makes_one_referral(client, auth, scene):
    seeker, opening = scene["seeker"], scene["opening"]
    _login(client, auth, "clerk")
    key = new_submission_key()
    first = _refer(client, seeker, opening, submission_key=key).get_data(as_text=True)
    second = _refer(client, seeker, opening, submission_key=key)
    assert "Referral recorded" in first
    (referral,) = _referrals()
    assert second.request.path == f"/referrals/{referral.id}"
    assert "This was already saved; it was not saved a second time." in \
        second.get_data(as_text=True)
    # the same button sent again from a page opened twice: refused, showing the first
    again = _refer(client, seeker, opening)
    assert again.request.path == f"/referrals/{referral.id}"
    assert (f"{seeker.code} already has an active referral to this opening, made on "
            f"{referral.referred_on}; nothing new was saved.") in again.get_data(as_text=True)
    assert len(_referrals()) == 1


# the employer's answers and the hire


def test_interview_offer_and_hire_make_a_placement_with_follow_ups(client, auth, scene):
    seeker, opening = scene["seeker"], scene["opening"]
    today = local_today()
    referral = _make_referral(scene, days_ago=40)
    _login(client, auth, "centre")
    base = f"/referrals/{referral.id}"
    page = client.post(f"{base}/interview", data={
        "interview_on": str(today - timedelta(days=35))}, follow_redirects=True)
    page = page.get_data(as_text=True)
    assert "Interview recorded." in page and "invited to interview" in page
    assert f'id="interview-on">{today - timedelta(days=35)}<' in page
    page = client.post(f"{base}/offer", data={
        "offered_on": str(today - timedelta(days=30)), "offered_pay": "6800"},
        follow_redirects=True).get_data(as_text=True)
    assert "Offer recorded." in page and "6,800 yuan/month" in page
    assert 'id="record-hire"' in page
    start = today - timedelta(days=20)
    page = client.post(f"{base}/hire", data={"start_date": str(start), "monthly_pay": "6800"},
                       follow_redirects=True).get_data(as_text=True)
    assert "Hire recorded; follow-ups are scheduled at 1, 3, 6 and 12 months." in page
    assert f"hired from {start}" in page
    for month in (1, 3, 6, 12):
        assert f'id="follow-up-{month}"' in page
    placement = db.session.scalar(sa.select(Placement))
    assert placement.channel is PlacementChannel.REFERRAL
    assert (placement.referral_id, placement.opening_id, placement.fair_id) == \
        (referral.id, opening.id, None)
    assert placement.monthly_pay == 6800
    assert [(f.month, f.due_on) for f in placement.follow_ups] == \
        [(m, add_months(start, m)) for m in (1, 3, 6, 12)]
    assert db.session.get(Referral, referral.id).status is ReferralStatus.PLACED
    assert db.session.get(Opening, opening.id).filled == 1
    assert db.session.get(Seeker, seeker.id).status.value == "placed"
    # the hire sent again is refused, and the place is taken once
    page = client.post(f"{base}/hire", data={"start_date": str(start)},
                       follow_redirects=True).get_data(as_text=True)
    assert "This hire is already recorded." in page
    assert db.session.get(Opening, opening.id).filled == 1
    # the follow-ups of a placement outside any fair reach the follow-up to-do list
    auth.logout()
    _login(client, auth, "boss")
    page = client.get("/follow-ups?days=400").get_data(as_text=True)
    assert page.count(seeker.code) == 4
    first = db.session.scalar(sa.select(FollowUp).where(FollowUp.month == 1))
    assert f"/follow-ups/{first.id}" in page


def _hire(client, auth, referral, start):
    referral.make_offer(start - timedelta(days=2))
    db.session.commit()
    _login(client, auth, "centre")
    page = client.post(f"/referrals/{referral.id}/hire", data={"start_date": str(start)},
                       follow_redirects=True).get_data(as_text=True)
    assert "Hire recorded" in page, page
    return db.session.scalar(sa.select(Placement).where(Placement.referral_id == referral.id))


def test_a_hire_counts_under_the_channel_that_opened_the_job(client, auth, scene, make):
    """A referral after job practice is the practice channel's hire; one into an opening
    that asks for a certificate earned on a Qibu course is training's; else referral's."""
    seeker, opening = scene["seeker"], scene["opening"]
    start = local_today() - timedelta(days=3)
    # a certificate the opening asks for, earned on a course (not named in the survey)
    opening.certificates_required = ["forklift"]
    course = Course(facility_id=scene["facility"].id, name="叉车司机培训班",
                    certificate_code="forklift")
    db.session.add(course)
    db.session.flush()
    seeker.earned_certificates.append(SeekerCertificate(
        certificate_code="forklift", earned_on=start - timedelta(days=30), course_id=course.id))
    db.session.commit()
    placement = _hire(client, auth, _make_referral(scene, days_ago=10), start)
    assert placement.channel is PlacementChannel.TRAINING
    # the same opening for someone who named the certificate in their survey: referral
    db.session.delete(placement)
    seeker.latest_survey.certificates = ["forklift"]
    db.session.get(Referral, placement.referral_id).status = ReferralStatus.WITHDRAWN
    db.session.get(Opening, opening.id).filled = 0
    seeker.status = SeekerStatus.IN_FACILITY
    db.session.commit()
    placement = _hire(client, auth, _make_referral(scene, days_ago=10), start)
    assert placement.channel is PlacementChannel.REFERRAL
    # after a practice day at the employer: practice
    db.session.delete(placement)
    db.session.get(Referral, placement.referral_id).status = ReferralStatus.WITHDRAWN
    seeker.status = SeekerStatus.IN_FACILITY
    day = PracticeDay(employer_id=scene["employer"].id, opening_id=opening.id,
                      held_on=start - timedelta(days=20), place="仓库", capacity=3, booked=1)
    db.session.add(day)
    db.session.flush()
    booking = PracticeBooking(practice_day_id=day.id, seeker_id=seeker.id)
    db.session.add(booking)
    db.session.commit()
    placement = _hire(client, auth, _make_referral(scene, days_ago=10,
                                                   practice_booking_id=booking.id), start)
    assert placement.channel is PlacementChannel.PRACTICE


def test_a_start_date_before_the_referral_is_refused(client, auth, scene):
    referral = _make_referral(scene, days_ago=10)
    referral.make_offer(local_today() - timedelta(days=5))
    db.session.commit()
    _login(client, auth, "centre")
    early = local_today() - timedelta(days=11)
    page = client.post(f"/referrals/{referral.id}/hire", data={"start_date": str(early)},
                       follow_redirects=True).get_data(as_text=True)
    assert f"The start date {early} is before the referral of {referral.referred_on}" in page
    assert db.session.scalar(sa.select(sa.func.count(Placement.id))) == 0
    assert db.session.get(Opening, scene["opening"].id).filled == 0


def test_an_answer_before_the_referral_shows_the_models_message(client, auth, scene):
    referral = _make_referral(scene, days_ago=3)
    _login(client, auth, "centre")
    early = local_today() - timedelta(days=5)
    page = client.post(f"/referrals/{referral.id}/interview", data={"interview_on": str(early)},
                       follow_redirects=True).get_data(as_text=True)
    assert f"The interview date {early} is before the referral of {referral.referred_on}" \
        in page
    assert db.session.get(Referral, referral.id).status is ReferralStatus.OPEN


def test_a_decline_needs_a_reason(client, auth, scene):
    referral = _make_referral(scene)
    _login(client, auth, "centre")
    page = client.post(f"/referrals/{referral.id}/decline", data={
        "declined_on": str(local_today()), "reason": "", "note": "没来面试"},
        follow_redirects=True).get_data(as_text=True)
    assert "Choose why the referral did not go on." in page
    assert db.session.get(Referral, referral.id).status is ReferralStatus.OPEN
    page = client.post(f"/referrals/{referral.id}/decline", data={
        "declined_on": str(local_today()), "reason": "distance", "note": "通勤两小时"},
        follow_redirects=True).get_data(as_text=True)
    assert "Decline recorded." in page
    assert "too far" in page and "通勤两小时" in page
    declined = db.session.get(Referral, referral.id)
    assert (declined.status.value, declined.decline_reason.value) == ("declined", "distance")
    assert 'id="record-offer"' not in page  # ended: no more answers


def test_bureau_staff_see_the_referral_read_only_and_may_withdraw(client, auth, scene):
    referral = _make_referral(scene)
    _login(client, auth, "clerk")
    page = client.get(f"/referrals/{referral.id}").get_data(as_text=True)
    assert "赵六" in page
    assert 'id="record-offer"' not in page and 'id="record-interview"' not in page
    assert client.post(f"/referrals/{referral.id}/offer",
                       data={"offered_on": str(local_today())}).status_code == 403
    page = client.post(f"/referrals/{referral.id}/withdraw",
                       follow_redirects=True).get_data(as_text=True)
    assert "Referral withdrawn." in page and "withdrawn" in page
    assert db.session.get(Referral, referral.id).status is ReferralStatus.WITHDRAWN
    # a new referral of the pair may now be made
    page = _refer(client, scene["seeker"], scene["opening"]).get_data(as_text=True)
    assert "Referral recorded" in page
    assert len(_referrals()) == 2


# the list


def test_referrals_open_too_long_are_flagged_and_listed_first(client, auth, scene, make):
    other = make.opening(employer_id=scene["employer"].id, title="叉车司机")
    third = make.opening(employer_id=scene["employer"].id, title="包装工")
    db.session.commit()
    fresh = _make_referral(scene, days_ago=2)
    boundary = Referral(seeker_id=scene["seeker"].id, opening_id=third.id,
                        referred_on=local_today() - timedelta(days=14))
    stale = Referral(seeker_id=scene["seeker"].id, opening_id=other.id,
                     referred_on=local_today() - timedelta(days=15))
    db.session.add_all([boundary, stale])
    db.session.commit()
    _login(client, auth, "centre")
    page = client.get("/referrals/").get_data(as_text=True)
    rows = page.split('<tr id="referral-')[1:]
    assert [int(row.split('"')[0]) for row in rows][0] == stale.id
    assert 'class="overdue stale"' in rows[0] and "open too long" in rows[0]
    assert '<td class="days-since">15</td>' in rows[0]
    assert "open too long" not in "".join(rows[1:])
    assert "Referrals with no news for more than 14 days: 1." in page
    page = client.get("/referrals/?status=stale").get_data(as_text=True)
    assert f'id="referral-{stale.id}"' in page
    assert f'id="referral-{fresh.id}"' not in page and f'id="referral-{boundary.id}"' not in page
    page = client.get(f"/referrals/{stale.id}").get_data(as_text=True)
    assert "No news for more than 14 days" in page
    # an answer from the employer makes it fresh again
    client.post(f"/referrals/{stale.id}/interview",
                data={"interview_on": str(local_today() + timedelta(days=3))})
    page = client.get("/referrals/?status=stale").get_data(as_text=True)
    assert f'id="referral-{stale.id}"' not in page


def test_the_list_filters_by_status(client, auth, scene):
    referral = _make_referral(scene)
    _login(client, auth, "centre")
    assert f'id="referral-{referral.id}"' in client.get(
        "/referrals/?status=open").get_data(as_text=True)
    assert f'id="referral-{referral.id}"' not in client.get(
        "/referrals/?status=declined").get_data(as_text=True)


# concurrency: the partial unique index


def test_the_partial_index_allows_one_active_referral_per_pair(scene):
    _make_referral(scene)
    db.session.add(Referral(seeker_id=scene["seeker"].id, opening_id=scene["opening"].id,
                            referred_on=local_today()))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    # an ended referral does not count
    (first,) = _referrals()
    first.withdraw()
    db.session.add(Referral(seeker_id=scene["seeker"].id, opening_id=scene["opening"].id,
                            referred_on=local_today()))
    db.session.commit()
    assert len(_referrals()) == 2


def test_a_race_past_the_check_shows_the_existing_referral(client, auth, scene, monkeypatch):
    """Two requests both find no active referral; the index refuses the second insert,
    and the page shows the referral the first one made."""
    first = _make_referral(scene)
    real = operations.active_referral
    calls = []

    def missed_once(seeker_id, opening_id):
        calls.append(1)
        return None if len(calls) == 1 else real(seeker_id, opening_id)

    monkeypatch.setattr(operations, "active_referral", missed_once)
    _login(client, auth, "clerk")
    response = _refer(client, scene["seeker"], scene["opening"])
    assert response.request.path == f"/referrals/{first.id}"
    assert "was referred to this opening by another request at the same moment" in \
        response.get_data(as_text=True)
    assert len(_referrals()) == 1


def test_concurrent_referrals_of_one_pair_make_one(app, scene, database_url):
    seeker_id, opening_id = scene["seeker"].id, scene["opening"].id
    workers = 6
    barrier = threading.Barrier(workers)
    outcomes, errors = [], []

    def worker(worker_app):
        with worker_app.app_context():
            seeker = db.session.get(Seeker, seeker_id)
            opening = db.session.get(Opening, opening_id)
            opening.employer  # noqa: B018 (loaded before the race)
            barrier.wait()
            try:
                operations.refer_seeker(seeker, opening, ReferralSource.OPENING, None)
                db.session.commit()
                outcomes.append("made")
            except operations.AlreadyReferred:
                db.session.rollback()
                outcomes.append("already")
            except IntegrityError:
                db.session.rollback()
                outcomes.append("index")
            except Exception as error:  # noqa: BLE001 (collected and asserted)
                db.session.rollback()
                errors.append(repr(error))
            db.session.remove()
            db.engine.dispose()

    apps = [create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=database_url)
            for _ in range(workers)]
    threads = [threading.Thread(target=worker, args=(a,)) for a in apps]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert outcomes.count("made") == 1
    assert len(outcomes) == workers
    db.session.expire_all()
    assert len(_referrals()) == 1


# social workers' requests


def test_a_social_workers_request_is_answered_with_a_referral(client, auth, scene, make):
    worker = make.user(Role.SOCIAL_WORKER, username="worker")
    asked = ReferralRequest(seeker_id=scene["seeker"].id, asked_by_id=worker.id,
                            asked_on=local_today() - timedelta(days=2),
                            note="仓库或物流，浦东，白班")
    db.session.add(asked)
    db.session.commit()
    _login(client, auth, "centre")
    page = client.get("/referrals/").get_data(as_text=True)
    section = page.split("Requests from social workers")[1].split("</table>")[0]
    assert scene["seeker"].code in section and "仓库或物流，浦东，白班" in section
    assert str(local_today() - timedelta(days=2)) in section
    assert "赵六" not in page
    page = client.get(f"/referrals/requests/{asked.id}").get_data(as_text=True)
    assert "仓库理货员" in page and f'id="refer-{scene["opening"].id}"' in page
    assert "赵六" not in page and "青浦" not in page
    page = _refer(client, scene["seeker"], scene["opening"], source="recommendation",
                  request_id=asked.id).get_data(as_text=True)
    assert "Referral recorded" in page
    assert "asked for by a community social worker" in page
    (referral,) = _referrals()
    assert referral.source is ReferralSource.REQUEST
    answered = db.session.get(ReferralRequest, asked.id)
    assert answered.status is ReferralRequestStatus.ANSWERED
    assert answered.referral_id == referral.id
    assert answered.answered_by_id is not None
    page = client.get("/referrals/").get_data(as_text=True)
    assert "Requests from social workers" not in page
    page = client.get(f"/referrals/requests/{asked.id}").get_data(as_text=True)
    assert "This request has already been answered." in page
    # bureau staff cannot answer requests
    auth.logout()
    _login(client, auth, "clerk")
    assert client.get(f"/referrals/requests/{asked.id}").status_code == 403


def test_referral_operations_refuse_with_state_errors(scene):
    seeker, opening = scene["seeker"], scene["opening"]
    seeker.consent_share = False
    with pytest.raises(StateError, match="未同意向用人单位提供化名资料"):
        operations.refer_seeker(seeker, opening, ReferralSource.OPENING, None)
    db.session.rollback()
