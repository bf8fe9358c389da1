"""Each person's one timeline (issue 18, deliverable 5): every kind of event from admission
to the last aftercare check, in date order, with the next action due; bureau staff of
another facility get a 404, recorded in the audit trail."""

from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from app.aftercare import operations
from app.aftercare.timeline import FOLLOW_UP, FULL, KINDS, timeline_for
from app.clock import local_today
from app.fairs.placements import place_seeker
from models import (
    AftercareCheck,
    AuditEvent,
    BookingStatus,
    Course,
    CourseEnrolment,
    CourseSession,
    DeclineReason,
    EnrolmentStatus,
    GuidanceKind,
    Interest,
    InterestStage,
    PlacementChannel,
    PracticeBooking,
    PracticeDay,
    Referral,
    ReferralRequest,
    ReferralStatus,
    Role,
    SeekerCertificate,
    StartupCase,
    StartupGuidance,
    db,
)
from models.placements import add_months


@pytest.fixture
def person(app, make):
    """A person with an event of every kind, released 120 days ago and handed over."""
    today = local_today()
    day = lambda n: today - timedelta(days=n)  # noqa: E731
    facility = make.facility(name_zh="时间线戒毒所", name_en="Timeline Facility")
    seeker = make.seeker(facility_id=facility.id, name="时间线测试人", consent_share=True,
                         admitted_on=day(400))
    seeker.set_id_number("11010519491231002X")
    make.survey(seeker, categories=["logistics"], surveyed_on=day(300),
                health_limits="腰伤不能久站", skills_text="会开叉车")
    seeker.riasec_code = "RIA"
    seeker.riasec_taken_at = datetime(*day(290).timetuple()[:3], 4, 0)
    course = Course(facility_id=facility.id, name="叉车操作培训", starts_on=day(285),
                    certificate_code="forklift", enrolled=1)
    db.session.add(course)
    db.session.flush()
    db.session.add(CourseEnrolment(course_id=course.id, seeker_id=seeker.id,
                                   enrolled_on=day(280), status=EnrolmentStatus.COMPLETED,
                                   completed_on=day(250)))
    db.session.add(SeekerCertificate(seeker_id=seeker.id, certificate_code="forklift",
                                     earned_on=day(250), course_id=course.id))
    second = Course(facility_id=facility.id, name="电工入门", enrolled=1)
    db.session.add(second)
    db.session.flush()
    db.session.add(CourseEnrolment(course_id=second.id, seeker_id=seeker.id,
                                   enrolled_on=day(2)))
    db.session.add(CourseSession(course_id=second.id, held_on=today + timedelta(days=5),
                                 topic="安全用电"))
    fair = make.fair(facility_id=facility.id, held_on=day(200), name_zh="时间线招聘会")
    make.participant(fair, seeker)
    employer = make.employer(name="上海顺达物流有限公司")
    opening = make.opening(employer_id=employer.id, title="理货员")
    db.session.add(Interest(seeker_id=seeker.id, opening_id=opening.id, fair_id=fair.id,
                            stage=InterestStage.INTENT,
                            created_at=datetime(*day(200).timetuple()[:3], 3, 0),
                            updated_at=datetime(*day(200).timetuple()[:3], 3, 0)))
    practice = PracticeDay(employer_id=employer.id, opening_id=opening.id, held_on=day(180),
                           place="闵行仓库", capacity=3, booked=1)
    upcoming = PracticeDay(employer_id=employer.id, category_code="logistics",
                           held_on=today + timedelta(days=3), place="嘉定仓库", capacity=3,
                           booked=1)
    db.session.add_all([practice, upcoming])
    db.session.flush()
    db.session.add(PracticeBooking(practice_day_id=practice.id, seeker_id=seeker.id,
                                   status=BookingStatus.ATTENDED, punctual=True, able=True,
                                   would_hire=True, assessed_at=datetime.now(),
                                   created_at=datetime(*day(190).timetuple()[:3], 3, 0)))
    db.session.add(PracticeBooking(practice_day_id=upcoming.id, seeker_id=seeker.id,
                                   created_at=datetime(*day(1).timetuple()[:3], 3, 0)))
    case = StartupCase(seeker_id=seeker.id, opened_on=day(170))
    case.entries.append(StartupGuidance(kind=GuidanceKind.ONE_TO_ONE, held_on=day(160),
                                        topic="早餐摊选址", adviser="李老师",
                                        next_step="看两个摊位"))
    db.session.add(case)
    db.session.add(Referral(seeker_id=seeker.id, opening_id=opening.id, referred_on=day(150),
                            status=ReferralStatus.DECLINED, decline_reason=DeclineReason.PAY,
                            declined_on=day(140)))
    worker = make.user(Role.SOCIAL_WORKER, username="sw-time", display_name="张社工")
    bureau = make.user(Role.BUREAU, username="own-time", facility_id=facility.id)
    operations.release_seeker(seeker, day(120), bureau, today)
    handover = operations.hand_over(seeker, worker, True, "想做仓储", bureau, day(118))
    check = db.session.scalar(sa.select(AftercareCheck).where(AftercareCheck.month == 1))
    check.record(day(85), True, False, today)
    placement = place_seeker(seeker.id, day(100), 5200, channel=PlacementChannel.SELF_FOUND,
                             job_title="快递分拣", today=today)
    placement.follow_ups[0].record(day(65), True, None, today=today)
    db.session.add(ReferralRequest(seeker_id=seeker.id, asked_on=day(5),
                                   note="浦东的仓储工作"))
    db.session.commit()
    return {"seeker": seeker, "today": today, "handover": handover, "bureau": bureau,
            "worker": worker, "day": day, "placement": placement}


def test_every_kind_of_event_in_date_order_with_the_next_due_action(person):
    seeker, today, day = person["seeker"], person["today"], person["day"]
    timeline = timeline_for(seeker, FULL, today)
    kinds = {event.kind for event in timeline.events}
    assert kinds == set(KINDS)
    days = [event.on for event in timeline.events]
    assert days == sorted(days)
    assert days[0] == day(400)  # admission
    # the month-3 aftercare check (release + 3 months) is the earliest action due
    release = day(120)
    assert timeline.next_due.kind == "aftercare_check"
    assert timeline.next_due.on == add_months(release, 3)
    assert timeline.next_due.overdue(today)
    due = [(item.kind, item.on) for item in timeline.due]
    assert ("follow_up", add_months(day(100), 3)) in due
    assert ("practice", today + timedelta(days=3)) in due
    assert ("course", today + timedelta(days=5)) in due
    assert ("referral_request", day(5) + timedelta(days=14)) in due
    assert [item.on for item in timeline.due] == sorted(item.on for item in timeline.due)


def test_the_timeline_page_lists_the_events_in_date_order(client, auth, person):
    client.get("/lang/en")
    auth.login("own-time")
    page = client.get(f"/aftercare/people/{person['seeker'].code}/timeline").get_data(
        as_text=True)
    markers = ["Admitted to Timeline Facility", "Job-intention survey", "腰伤不能久站",
               "interest code RIA", "Enrolled on the course 叉车操作培训",
               "Completed the course 叉车操作培训", "Registered for the job fair",
               "preliminary employment intention, 理货员", "Job practice attended",
               "Start-up guidance: 早餐摊选址", "Referred to 理货员",
               "Referral did not go on (pay)", "Released from Timeline Facility",
               "Handed over to the community social worker 张社工", "Started work: 快递分拣",
               "Aftercare check after 1 months: reached, not working",
               "Follow-up after 1 months: still employed",
               "Asked the employment centre for a new referral: 浦东的仓储工作"]
    positions = [page.find(marker) for marker in markers]
    assert -1 not in positions, [m for m, p in zip(markers, positions, strict=True) if p < 0]
    record = page[page.index("Whole-process record</h2>"):]
    # in the record, each event comes after the one before it in time
    order = [record.find(m) for m in markers if m not in ("腰伤不能久站",)]
    assert order == sorted(order)
    next_due = page[page.index("Next action due"):page.index("Whole-process record</h2>")]
    assert f"{add_months(person['day'](120), 3)}</strong> · Aftercare check after 3 months" \
        in next_due
    assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(
        AuditEvent.action == "timeline_viewed",
        AuditEvent.target_id == str(person["seeker"].id))) == 1


def test_the_social_workers_timeline_leaves_out_what_follow_up_does_not_need(person):
    timeline = timeline_for(person["seeker"], FOLLOW_UP, person["today"])
    texts = " ".join(str(event.text) for event in timeline.events)
    assert "admitted" not in {event.kind for event in timeline.events}
    for hidden in ("时间线戒毒所", "Timeline Facility", "腰伤不能久站", "会开叉车",
                   "时间线招聘会"):
        assert hidden not in texts
    assert "快递分拣" in texts and "张社工" in texts


def test_bureau_staff_of_another_facility_get_a_404_recorded(client, auth, make, person):
    make.user(Role.BUREAU, username="other-time")
    db.session.commit()
    auth.login("other-time")
    code = person["seeker"].code
    for url in (f"/aftercare/people/{code}/timeline", f"/aftercare/people/{code}"):
        response = client.get(url)
        assert response.status_code == 404
        assert "时间线测试人" not in response.get_data(as_text=True)
    refusals = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == "access_refused")).all()
    assert len(refusals) == 2
    assert {r.detail["reason"] for r in refusals} == {"other_facility"}
    assert {r.target_id for r in refusals} == {str(person["seeker"].id)}


def test_bureau_staff_record_the_day_of_admission(client, auth, make):
    bureau = make.user(Role.BUREAU, username="desk")
    seeker = make.seeker(facility_id=bureau.facility_id, name="进所测试人")
    db.session.commit()
    client.get("/lang/en")
    auth.login("desk")
    url = f"/bureau/seekers/{seeker.code}/edit"
    assert "Admitted to the facility on" in client.get(url).get_data(as_text=True)
    tomorrow = local_today() + timedelta(days=1)
    page = client.post(url, data={"name": "进所测试人", "admitted_on": tomorrow.isoformat()})
    assert "The day of admission cannot be in the future." in page.get_data(as_text=True)
    admitted = local_today() - timedelta(days=200)
    assert client.post(url, data={"name": "进所测试人",
                                  "admitted_on": admitted.isoformat()}).status_code == 302
    assert db.session.get(type(seeker), seeker.id).admitted_on == admitted
    page = client.get(f"/aftercare/people/{seeker.code}/timeline").get_data(as_text=True)
    assert f"<td>{admitted}</td><td>Admitted to" in page
