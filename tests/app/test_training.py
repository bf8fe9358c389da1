"""Training that unlocks jobs (issue 18, deliverable 3): a course's sessions, enrolment with
seats held under concurrency, attendance, completion that adds the course's certificate to
the person's (so openings that need it are recommended at once), its audited correction,
and what each course would add on the training-gap page."""

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app import create_app
from app.clock import local_today
from app.config import TestingConfig
from app.services.matching import ranked_openings_for
from app.training import operations
from models import (
    AuditEvent,
    Course,
    CourseEnrolment,
    CourseSession,
    EnrolmentStatus,
    Role,
    Seeker,
    SeekerCertificate,
    SeekerStatus,
    SessionAttendance,
    StateError,
    db,
)

TODAY = local_today()


def _audited(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def _english(client):
    client.get("/lang/en").close()


def _page(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def place(make):
    """A facility with a bureau account, a forklift course of 3 seats, and one person
    who wants forklift work and holds no certificate."""
    facility = make.facility(code="SH-T1")
    make.user(Role.BUREAU, username="tb", facility_id=facility.id)
    course = Course(facility_id=facility.id, name="叉车司机培训班", certificate_code="forklift",
                    category_code="forklift", seats=3)
    db.session.add(course)
    person = make.seeker(facility_id=facility.id, name="王小明")
    make.survey(person, categories=["forklift"])
    db.session.commit()
    return {"facility": facility, "course": course, "person": person}


def _login(client, auth, username="tb"):
    assert auth.login(username).status_code == 302
    _english(client)


def _enrol(client, course, *people, codes=""):
    return client.post(f"/training/courses/{course.id}/enrol",
                       data={"seeker_ids": [p.id for p in people], "codes": codes},
                       follow_redirects=True)


def _enrolment(course, person) -> CourseEnrolment:
    return db.session.scalar(sa.select(CourseEnrolment).where(
        CourseEnrolment.course_id == course.id, CourseEnrolment.seeker_id == person.id))


def _complete(client, enrolment, on=TODAY):
    return client.post(f"/training/enrolments/{enrolment.id}/complete",
                       data={"completed_on": on.isoformat()}, follow_redirects=True)


def _ranked_ids(person) -> list[int]:
    return [r["opening"].id for r in ranked_openings_for(db.session.get(Seeker, person.id))]


# --------------------------------------------------------------------------- done when


def test_completing_a_course_that_grants_a_certificate_changes_the_persons_ranked_openings(
        client, auth, make, place):
    """The issue's "Done when": an opening that needs the certificate, and fits the person
    otherwise, is recommended as soon as the course is completed on the page."""
    course, person = place["course"], place["person"]
    licensed = make.opening(title="持证叉车司机", category_code="forklift",
                            certificates_required=["forklift"])
    # fits and needs no certificate (a forklift job needs one by law)
    make.opening(title="仓库理货员", category_code="logistics")
    person.latest_survey.set_categories(["forklift", "logistics"])
    db.session.commit()
    _login(client, auth)

    before = _page(client.get(f"/bureau/seekers/{person.code}"))
    assert "仓库理货员" in before            # the page does recommend what fits
    assert "持证叉车司机" not in before
    assert licensed.id not in _ranked_ids(person)

    _enrol(client, course, person)
    enrolment = _enrolment(course, person)
    completed_on = TODAY - timedelta(days=1)
    page = _page(_complete(client, enrolment, completed_on))
    assert f"{person.code} completed the course; the certificate is added" in page

    # at once: the openings prepared for ranking were cached before and still are
    assert licensed.id in _ranked_ids(person)
    after = _page(client.get(f"/bureau/seekers/{person.code}"))
    assert "持证叉车司机" in after.split("Recommended openings")[1]
    assert (f"Forklift licence (N1) (earned {completed_on.isoformat()} through course "
            f"叉车司机培训班)") in after
    earned = db.session.scalar(sa.select(SeekerCertificate))
    assert (earned.seeker_id, earned.certificate_code, earned.earned_on, earned.course_id) == (
        person.id, "forklift", completed_on, course.id)


# --------------------------------------------------------------------------- sessions


def test_sessions_are_added_and_removed_within_the_course_dates(client, auth, place):
    course = place["course"]
    course.schedule(TODAY - timedelta(days=10), TODAY + timedelta(days=20))
    db.session.commit()
    _login(client, auth)
    url = f"/training/courses/{course.id}/sessions"
    page = _page(client.post(url, data={"held_on": (TODAY - timedelta(days=3)).isoformat(),
                                        "topic": "安全操作规程", "place": "二楼教室"},
                             follow_redirects=True))
    assert f"Session of {(TODAY - timedelta(days=3)).isoformat()} added." in page
    assert "安全操作规程" in page and "二楼教室" in page

    late = TODAY + timedelta(days=30)
    response = client.post(url, data={"held_on": late.isoformat(), "topic": "实操考核"})
    assert response.status_code == 400
    assert (f"The course ends on {course.ends_on.isoformat()}: a session cannot be held "
            "after that.") in _page(response)
    assert db.session.scalar(sa.select(sa.func.count(CourseSession.id))) == 1

    session = db.session.scalar(sa.select(CourseSession))
    page = _page(client.post(f"/training/sessions/{session.id}/remove", follow_redirects=True))
    assert "removed" in page and "安全操作规程" not in page
    assert db.session.scalar(sa.select(sa.func.count(CourseSession.id))) == 0
    assert [e.detail["course_id"] for e in _audited("course_session_removed")] == [course.id]


# --------------------------------------------------------------------------- enrolment


def test_people_are_enrolled_from_the_list_or_by_code_and_seats_are_counted(
        client, auth, make, place):
    course, person = place["course"], place["person"]
    second = make.seeker(facility_id=place["facility"].id, name="李四")
    stranger = make.seeker(facility_id=make.facility().id, name="外所人员")
    db.session.commit()
    _login(client, auth)

    page = _page(client.get(f"/training/courses/{course.id}"))
    picker = page.split('id="enrol"')[1]
    assert person.code in picker and second.code in picker and "王小明" in picker
    assert stranger.code not in page and "外所人员" not in page

    page = _page(_enrol(client, course, person, codes=second.code.lower()))
    assert f"Enrolled: {person.code}、{second.code}." in page
    assert "2 / 3" in page and "1 seats left" in page
    db.session.refresh(course)
    assert course.enrolled == 2
    picker = page.split('id="enrol"')[1]
    assert person.code not in picker and second.code not in picker

    # another facility's person is "not found", and nothing is saved
    page = _page(_enrol(client, course, codes=stranger.code))
    assert f"No person of this facility has the code {stranger.code}" in page
    assert db.session.scalar(sa.select(sa.func.count(CourseEnrolment.id))) == 2
    assert [e.detail["seeker"] for e in _audited("course_enrolled")] == [person.code,
                                                                          second.code]


def test_a_full_course_refuses_saying_so_and_a_withdrawal_frees_the_seat(
        client, auth, make, place):
    course = place["course"]
    people = [place["person"]] + [make.seeker(facility_id=place["facility"].id)
                                  for _ in range(3)]
    db.session.commit()
    _login(client, auth)
    _enrol(client, course, *people[:2])

    page = _page(_enrol(client, course, *people[2:]))
    assert ("Only 1 of the 3 seats of 叉车司机培训班 are left and 2 people were chosen. "
            "Nobody was enrolled; choose at most 1.") in page
    _enrol(client, course, people[2])
    page = _page(_enrol(client, course, people[3]))
    assert ("叉车司机培训班 is full: all 3 seats are taken. Nobody was enrolled; withdraw "
            "someone or add seats to the course first.") in page
    assert "Every seat is taken" in page
    assert _enrolment(course, people[3]) is None

    page = _page(client.post(f"/training/enrolments/{_enrolment(course, people[0]).id}"
                             "/withdraw", follow_redirects=True))
    assert f"{people[0].code} withdrew from the course; the seat is free." in page
    page = _page(_enrol(client, course, people[3]))
    assert f"Enrolled: {people[3].code}." in page
    # and the one who withdrew may come back when a seat is free again
    client.post(f"/training/enrolments/{_enrolment(course, people[1]).id}/withdraw")
    page = _page(_enrol(client, course, people[0]))
    assert f"Enrolled: {people[0].code}." in page
    db.session.refresh(course)
    assert course.enrolled == 3
    assert db.session.scalar(sa.select(sa.func.count(CourseEnrolment.id)).where(
        CourseEnrolment.status == EnrolmentStatus.ENROLLED)) == 3


def test_simultaneous_enrolments_take_exactly_the_seats(app, make, database_url):
    """Ten workers enrol ten people at the same moment on a course of four seats."""
    facility = make.facility()
    course = Course(facility_id=facility.id, name="电工班", certificate_code="electrician",
                    seats=4)
    db.session.add(course)
    people = [make.seeker(facility_id=facility.id) for _ in range(10)]
    db.session.commit()
    course_id, person_ids = course.id, [p.id for p in people]
    outcomes, errors = [], []
    barrier = threading.Barrier(len(person_ids))

    def worker(person_id, worker_app):
        with worker_app.app_context():
            course = db.session.get(Course, course_id)
            person = db.session.get(Seeker, person_id)
            barrier.wait()
            try:
                operations.enrol_people(course, [person])
                db.session.commit()
                outcomes.append("enrolled")
            except operations.CourseFull as error:
                db.session.rollback()
                outcomes.append(str(error))
            except Exception as error:  # noqa: BLE001 (collected and asserted)
                db.session.rollback()
                errors.append(repr(error))
            db.session.remove()
            db.engine.dispose()

    apps = [create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=database_url)
            for _ in person_ids]
    threads = [threading.Thread(target=worker, args=pair)
               for pair in zip(person_ids, apps, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert outcomes.count("enrolled") == 4
    assert all(o.startswith("电工班") for o in outcomes if o != "enrolled"), outcomes
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count(CourseEnrolment.id))) == 4
    assert db.session.get(Course, course_id).enrolled == 4


# --------------------------------------------------------------------------- attendance


def test_attendance_grid_ticks_who_was_present_at_sessions_held(client, auth, make, place):
    course, person = place["course"], place["person"]
    other = make.seeker(facility_id=place["facility"].id)
    held = CourseSession(course_id=course.id, held_on=TODAY - timedelta(days=2),
                         topic="理论课")
    coming = CourseSession(course_id=course.id, held_on=TODAY + timedelta(days=5),
                           topic="实操课")
    db.session.add_all([held, coming])
    db.session.commit()
    _login(client, auth)
    _enrol(client, course, person, other)
    mine, theirs = _enrolment(course, person), _enrolment(course, other)

    page = _page(client.get(f"/training/courses/{course.id}"))
    grid = page.split('id="attendance"')[1]
    assert f'name="present-{mine.id}-{held.id}"' in grid
    assert f'name="present-{mine.id}-{coming.id}"' not in grid  # not held yet

    page = _page(client.post(f"/training/courses/{course.id}/attendance",
                             data={f"present-{mine.id}-{held.id}": "1",
                                   f"present-{mine.id}-{coming.id}": "1"},
                             follow_redirects=True))
    assert "Attendance saved (2 marks changed)." in page
    marks = {(a.enrolment_id, a.session_id): a.present
             for a in db.session.scalars(sa.select(SessionAttendance))}
    assert marks == {(mine.id, held.id): True, (theirs.id, held.id): False}
    rows = page.split('id="people"')[1]
    assert rows.split(f'id="enrolment-{mine.id}"')[1].split("</tr>")[0].count("1 / 1") == 1
    assert "0 / 1" in rows.split(f'id="enrolment-{theirs.id}"')[1].split("</tr>")[0]
    assert f'name="present-{mine.id}-{held.id}" value="1" checked' in page


# --------------------------------------------------------------------------- completion


def test_completion_is_refused_in_the_future_and_an_earlier_certificate_is_kept(
        client, auth, make, place):
    course, person = place["course"], place["person"]
    earlier = Course(facility_id=place["facility"].id, name="叉车班（第一期）",
                     certificate_code="forklift")
    db.session.add(earlier)
    db.session.commit()
    _login(client, auth)
    _enrol(client, course, person)
    _enrol(client, earlier, person)

    page = _page(_complete(client, _enrolment(course, person), TODAY + timedelta(days=1)))
    assert f"The completion date {(TODAY + timedelta(days=1)).isoformat()} is in the future" \
        in page
    assert db.session.scalar(sa.select(SeekerCertificate)) is None

    first_day = TODAY - timedelta(days=40)
    _complete(client, _enrolment(earlier, person), first_day)
    page = _page(_complete(client, _enrolment(course, person), TODAY))
    assert f"{person.code} completed the course." in page
    earned = db.session.scalars(sa.select(SeekerCertificate)).all()
    assert [(c.course_id, c.earned_on) for c in earned] == [(earlier.id, first_day)]
    assert [e.detail["certificate_added"] for e in _audited("course_completed")] == [True,
                                                                                     False]


def test_a_certificate_named_in_the_survey_is_recorded_again_when_earned(make, place):
    person = place["person"]
    make.survey(person, categories=["forklift"], certificates=["forklift"],
                surveyed_on=TODAY)
    db.session.commit()
    (enrolment,) = operations.enrol_people(place["course"], [person])
    certificate = operations.complete_enrolment(enrolment, TODAY)
    assert (certificate.certificate_code, certificate.earned_on) == ("forklift", TODAY)
    assert db.session.get(Seeker, person.id).certificates_held() == ["forklift"]


def test_undoing_a_completion_is_an_audited_correction_that_removes_its_certificate(
        client, auth, make, place):
    course, person = place["course"], place["person"]
    licensed = make.opening(title="持证叉车司机", category_code="forklift",
                            certificates_required=["forklift"])
    db.session.commit()
    _login(client, auth)
    _enrol(client, course, person)
    enrolment = _enrolment(course, person)
    _complete(client, enrolment)
    assert licensed.id in _ranked_ids(person)
    page = _page(client.get(f"/training/courses/{course.id}"))
    assert f"completed on {TODAY.isoformat()}" in page
    assert "Withdraw" not in page.split(f'id="enrolment-{enrolment.id}"')[1].split("</tr>")[0]

    url = f"/training/enrolments/{enrolment.id}/undo"
    page = _page(client.get(url))
    assert "Take the completion back only to correct a mistake." in page
    response = client.post(url, data={"reason": "  "})
    assert "Say why the completion is taken back." in _page(response)
    assert db.session.scalar(sa.select(SeekerCertificate)) is not None

    page = _page(client.post(url, data={"reason": "录错了人"}, follow_redirects=True))
    assert "is taken back and recorded as a correction. The certificate it added is " \
        "removed." in page
    assert db.session.scalar(sa.select(SeekerCertificate)) is None
    db.session.refresh(enrolment)
    assert (enrolment.status, enrolment.completed_on) == (EnrolmentStatus.ENROLLED, None)
    (event,) = _audited("course_completion_undone")
    assert event.detail["reason"] == "录错了人"
    assert event.detail["certificate_removed"] == "forklift"
    assert event.detail["completed_on"] == TODAY.isoformat()
    assert licensed.id not in _ranked_ids(person)
    assert "持证叉车司机" not in _page(client.get(f"/bureau/seekers/{person.code}"))


def test_undoing_one_completion_keeps_the_certificate_another_course_gave(make, place):
    course, person = place["course"], place["person"]
    second = Course(facility_id=place["facility"].id, name="叉车复训班",
                    certificate_code="forklift")
    db.session.add(second)
    db.session.flush()
    (first,) = operations.enrol_people(course, [person])
    (again,) = operations.enrol_people(second, [person])
    operations.complete_enrolment(first, TODAY - timedelta(days=30))
    operations.complete_enrolment(again, TODAY - timedelta(days=2))
    assert operations.undo_completion(first, "第一期没有考试") is False
    (kept,) = db.session.scalars(sa.select(SeekerCertificate)).all()
    assert (kept.course_id, kept.earned_on) == (second.id, TODAY - timedelta(days=2))
    with pytest.raises(StateError):
        operations.undo_completion(first, "again")


# --------------------------------------------------------------------------- pages and scope


def test_training_overview_shows_sessions_seats_and_completions(client, auth, make, place):
    course, person = place["course"], place["person"]
    db.session.add(CourseSession(course_id=course.id, held_on=TODAY, topic="开班"))
    other = make.facility(code="SH-T9")
    db.session.add(Course(facility_id=other.id, name="别所的厨师班", seats=9))
    db.session.commit()
    (enrolment,) = operations.enrol_people(course, [person])
    operations.complete_enrolment(enrolment, TODAY)
    db.session.commit()
    _login(client, auth)
    page = _page(client.get("/training/"))
    row = page.split(f'id="course-{course.id}"')[1].split("</tr>")[0]
    assert "开班" in row and f"/training/courses/{course.id}" in row
    assert '<td class="num enrolled">1 / 3</td>' in row
    assert '<td class="num completed">1</td>' in row
    assert "别所的厨师班" not in page
    assert person.code not in page  # counts only

    make.user(Role.ADMIN, username="root")
    db.session.commit()
    auth.logout()
    _login(client, auth, "root")
    page = _page(client.get("/training/"))
    assert "叉车司机培训班" in page and "别所的厨师班" in page
    assert f"/training/courses/{course.id}" not in page
    assert client.get(f"/training/courses/{course.id}").status_code == 403


def test_another_facilitys_course_is_a_404_and_audited(client, auth, make, place):
    course, person = place["course"], place["person"]
    (enrolment,) = operations.enrol_people(course, [person])
    session = CourseSession(course_id=course.id, held_on=TODAY, topic="开班")
    db.session.add(session)
    make.user(Role.BUREAU, username="elsewhere", facility_id=make.facility().id)
    db.session.commit()
    _login(client, auth, "elsewhere")
    for method, url in [
        ("GET", f"/training/courses/{course.id}"),
        ("POST", f"/training/courses/{course.id}/enrol"),
        ("POST", f"/training/courses/{course.id}/sessions"),
        ("POST", f"/training/courses/{course.id}/attendance"),
        ("POST", f"/training/sessions/{session.id}/remove"),
        ("POST", f"/training/enrolments/{enrolment.id}/complete"),
        ("POST", f"/training/enrolments/{enrolment.id}/withdraw"),
        ("GET", f"/training/enrolments/{enrolment.id}/undo"),
    ]:
        response = client.open(url, method=method, data={"completed_on": TODAY.isoformat()})
        assert response.status_code == 404, url
        assert person.code not in _page(response)
    assert len(_audited("access_refused")) == 8
    db.session.refresh(enrolment)
    assert enrolment.status is EnrolmentStatus.ENROLLED
    assert db.session.scalar(sa.select(SeekerCertificate)) is None


def test_the_course_page_is_audited_and_not_cached(client, auth, place):
    _login(client, auth)
    response = client.get(f"/training/courses/{place['course'].id}")
    assert response.headers["Cache-Control"] == "no-store"
    assert [e.target_id for e in _audited("course_enrolments_viewed")] == [
        str(place["course"].id)]


def test_a_course_people_were_enrolled_on_cannot_be_deleted(client, auth, place):
    course = place["course"]
    operations.enrol_people(course, [place["person"]])
    db.session.commit()
    _login(client, auth)
    page = _page(client.post(f"/corner/courses/{course.id}/delete", follow_redirects=True))
    assert "1 people were enrolled on 叉车司机培训班: it cannot be deleted." in page
    assert db.session.get(Course, course.id) is not None


# --------------------------------------------------------------------------- the gap page


def test_gap_page_shows_what_each_course_would_add(client, auth, make, place):
    """Per course: the people (not holding it, not placed) for whom the certificate would
    add at least one opening, and the openings it would add."""
    facility, course, person = place["facility"], place["course"], place["person"]
    holds = make.seeker(facility_id=facility.id)
    make.survey(holds, categories=["forklift"], certificates=["forklift"])
    earned = make.seeker(facility_id=facility.id)
    make.survey(earned, categories=["forklift"])
    db.session.add(SeekerCertificate(seeker_id=earned.id, certificate_code="forklift",
                                     earned_on=TODAY))
    placed = make.seeker(facility_id=facility.id, status=SeekerStatus.PLACED)
    make.survey(placed, categories=["forklift"])
    logistics = make.seeker(facility_id=facility.id)
    make.survey(logistics, categories=["forklift", "logistics"])
    employer = make.employer()
    unlocked = [make.opening(employer_id=employer.id, title=title, category_code="forklift",
                             certificates_required=["forklift"])
                for title in ("持证叉车司机", "叉车夜班")]
    # listed but not required by law: already recommended, with a caveat (adds nothing)
    make.opening(employer_id=employer.id, category_code="logistics",
                 certificates_required=["forklift"])
    welding = Course(facility_id=facility.id, name="焊工班", certificate_code="welder")
    db.session.add_all([welding, Course(facility_id=facility.id, name="礼仪班")])
    db.session.commit()
    operations.enrol_people(course, [person])
    db.session.commit()
    _login(client, auth)

    page = _page(client.get("/corner/courses/gap"))
    assert "What each course would add" in page
    row = page.split(f'id="reach-{course.id}"')[1].split("</tr>")[0]
    cells = [cell.split("</td>")[0] for cell in row.split('<td class="num">')[1:]]
    assert cells == ["2", "2", "1 / 3"]  # the person and `logistics`; both openings
    assert f"/training/courses/{course.id}" in row
    row = page.split(f'id="reach-{welding.id}"')[1].split("</tr>")[0]
    assert [cell.split("</td>")[0] for cell in row.split('<td class="num">')[1:]] == [
        "0", "0", "0 / —"]
    assert "礼仪班" not in page.split("What each course would add")[1]
    # the people counted are the ones whose ranking the certificate changes
    for opening in unlocked:
        assert opening.id not in _ranked_ids(person) and opening.id in _ranked_ids(holds)


def test_a_kiosk_visit_under_way_shows_an_opening_the_new_certificate_opens(
        client, auth, make):
    """The kiosk keeps a visit's "more that fit" between pages: a certificate earned
    meanwhile ranks them again."""
    from app.services.fair_plan import plan_fair_recommendations

    fair = make.fair()
    employer = make.employer()
    booth = make.booth(fair, employer, "C03")
    licensed = make.opening(employer_id=employer.id, title="持证叉车司机",
                            category_code="forklift", certificates_required=["forklift"])
    make.offer(fair, booth, licensed)
    person = make.seeker(facility_id=fair.facility_id)
    make.survey(person, categories=["forklift"])
    make.participant(fair, person, badge_code="K7M9XQ2PC")
    course = Course(facility_id=fair.facility_id, name="叉车班", certificate_code="forklift")
    db.session.add(course)
    make.user(Role.KIOSK, username="kiosk9", fair_id=fair.id)
    fair.open()
    plan_fair_recommendations(fair)
    db.session.commit()
    auth.login("kiosk9")
    client.post("/kiosk/badge", data={"code": "K7M9XQ2PC"})
    assert f'id="opening-{licensed.id}"' not in _page(client.get("/kiosk/options"))

    (enrolment,) = operations.enrol_people(course, [person])
    operations.complete_enrolment(enrolment, TODAY)
    db.session.commit()
    assert f'id="opening-{licensed.id}"' in _page(client.get("/kiosk/options"))
