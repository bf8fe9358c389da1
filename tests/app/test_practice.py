"""Job practice (岗位实操, issue 18 deliverable 2).

Employment staff record the days employers offer; bureau staff book their own facility's
consenting people, one place each, never past the day's capacity (also when bookings
arrive at the same moment); employment staff see codes only; attendance is recorded on
or after the day, then the employer's assessment, which the matcher learns from and
which can lead to a referral.
"""

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app import create_app
from app.clock import local_today
from app.config import TestingConfig
from app.practice import operations
from app.services.matching import recorded_outcomes
from models import (
    AuditEvent,
    BookingStatus,
    PracticeBooking,
    PracticeDay,
    PracticeDayStatus,
    Referral,
    ReferralSource,
    ReferralStatus,
    Role,
    StaffUser,
    StateError,
    db,
)

TODAY = local_today()
NEXT_WEEK = TODAY + timedelta(days=7)


@pytest.fixture
def scene(make):
    """A verified employer with an opening; a facility with a clerk and three consenting
    people; employment staff; another facility with its clerk and one person."""
    employer = make.employer(name="上海顺达物流有限公司")
    opening = make.opening(employer_id=employer.id, title="理货员", headcount=5)
    facility = make.facility()
    make.user(Role.BUREAU, username="clerk", facility_id=facility.id)
    make.user(Role.EMPLOYMENT, username="centre")
    people = [make.seeker(facility_id=facility.id, name=name, consent_share=True)
              for name in ("张三丰", "李四海", "王五岳")]
    other_facility = make.facility()
    make.user(Role.BUREAU, username="other", facility_id=other_facility.id)
    stranger = make.seeker(facility_id=other_facility.id, name="赵六合", consent_share=True)
    db.session.commit()
    return {"employer": employer, "opening": opening, "people": people,
            "stranger": stranger, "facility": facility}


def _login(client, auth, username):
    auth.logout()
    auth.login(username)
    client.get("/lang/en")


def _day(make_scene, held_on=NEXT_WEEK, capacity=2, opening=True, **kwargs) -> PracticeDay:
    day = PracticeDay(employer_id=make_scene["employer"].id,
                      opening_id=make_scene["opening"].id if opening else None,
                      category_code="logistics", held_on=held_on, place="浦东新区物流园3号库",
                      tasks="跟班分拣包裹", capacity=capacity, booked=0, **kwargs)
    db.session.add(day)
    db.session.commit()
    return day


def _book(client, day, code):
    return client.post(f"/practice/days/{day.id}/bookings", data={"code": code},
                       follow_redirects=True)


def _page(response) -> str:
    return response.get_data(as_text=True)


# practice days


def test_employment_staff_offer_a_day_and_everyone_sees_its_places(client, auth, scene):
    _login(client, auth, "centre")
    page = _page(client.post("/practice/days/new", data={
        "employer_id": scene["employer"].id, "opening_id": scene["opening"].id,
        "held_on": NEXT_WEEK.isoformat(), "place": "浦东新区物流园3号库", "capacity": "4",
        "tasks": "跟班分拣包裹"}, follow_redirects=True))
    assert "Practice day saved." in page
    assert "跟班分拣包裹" in page and "浦东新区物流园3号库" in page
    day = db.session.scalar(sa.select(PracticeDay))
    assert (day.capacity, day.booked, day.opening_id, day.held_on) == (
        4, 0, scene["opening"].id, NEXT_WEEK)
    assert db.session.scalar(sa.select(AuditEvent.action).where(
        AuditEvent.target_type == "PracticeDay")) == "practice_day_created"
    _login(client, auth, "clerk")
    index = _page(client.get("/practice/"))
    row = index.split(f'data-day="{day.id}"')[1].split("</tr>")[0]
    assert "上海顺达物流有限公司" in row and "理货员" in row
    assert '<td class="num places-left">4</td>' in row


def test_a_day_needs_a_verified_employer_and_its_own_opening_or_a_category(
        client, auth, scene, make):
    unverified = make.employer(name="未核实公司", verified=False)
    elsewhere = make.opening(title="叉车司机")
    db.session.commit()
    _login(client, auth, "centre")
    base = {"held_on": NEXT_WEEK.isoformat(), "place": "某地", "capacity": "2", "tasks": "试工"}
    page = _page(client.post("/practice/days/new", data={
        **base, "employer_id": unverified.id, "category_code": "logistics"}))
    assert "未核实公司 is not verified" in page
    assert "未核实公司" not in page.split('id="employer_id"')[1].split("</select>")[0]
    page = _page(client.post("/practice/days/new", data={
        **base, "employer_id": scene["employer"].id, "opening_id": elsewhere.id}))
    assert "That opening is not one of 上海顺达物流有限公司&#39;s" in page
    page = _page(client.post("/practice/days/new", data={
        **base, "employer_id": scene["employer"].id}))
    assert "Choose the opening the day is for, or a job category." in page
    page = _page(client.post("/practice/days/new", data={
        **base, "employer_id": scene["employer"].id, "category_code": "logistics",
        "held_on": (TODAY - timedelta(days=1)).isoformat()}))
    assert "is in the past" in page
    assert db.session.scalar(sa.select(sa.func.count(PracticeDay.id))) == 0


def test_places_cannot_drop_below_the_people_booked(client, auth, scene):
    day = _day(scene, capacity=3)
    _login(client, auth, "clerk")
    for person in scene["people"][:2]:
        _book(client, day, person.code)
    _login(client, auth, "centre")
    form = _page(client.get(f"/practice/days/{day.id}/edit"))
    assert "Change the practice day" in form and 'value="3"' in form
    assert "2 people are booked: the day needs at least as many places." in form
    data = {"employer_id": scene["employer"].id, "opening_id": scene["opening"].id,
            "held_on": NEXT_WEEK.isoformat(), "place": "新地址", "tasks": "跟班分拣包裹"}
    page = _page(client.post(f"/practice/days/{day.id}/edit", data={**data, "capacity": "1"}))
    assert "2 people are booked on this day: it needs at least 2 places." in page
    db.session.refresh(day)
    assert (day.capacity, day.place) == (3, "浦东新区物流园3号库")
    page = _page(client.post(f"/practice/days/{day.id}/edit", data={**data, "capacity": "2"},
                             follow_redirects=True))
    assert "Practice day saved." in page and "新地址" in page
    db.session.refresh(day)
    assert (day.capacity, day.booked, day.places_left) == (2, 2, 0)


def test_a_cancelled_day_keeps_its_bookings_visible_and_takes_no_more(client, auth, scene):
    day = _day(scene, capacity=3)
    first, second = scene["people"][:2]
    _login(client, auth, "clerk")
    _book(client, day, first.code)
    _login(client, auth, "centre")
    page = _page(client.post(f"/practice/days/{day.id}/cancel", follow_redirects=True))
    assert "Practice day cancelled; its bookings stay listed." in page
    assert first.code in page and "day cancelled" in page
    _login(client, auth, "clerk")
    page = _page(_book(client, day, second.code))
    assert "This practice day was cancelled; it takes no bookings." in page
    assert first.code in page and "张三丰" in page
    db.session.refresh(day)
    assert day.status is PracticeDayStatus.CANCELLED and day.booked == 1


# booking


def test_booking_fills_the_day_and_the_next_person_is_told_no_place_is_left(
        client, auth, scene):
    day = _day(scene, capacity=2)
    first, second, third = scene["people"]
    _login(client, auth, "clerk")
    page = _page(_book(client, day, first.code))
    assert f"{first.code} is booked on the practice day of {NEXT_WEEK.isoformat()}." in page
    assert '<strong class="places-left">1</strong>' in page
    _book(client, day, second.code.lower())  # codes are read whatever the case
    page = _page(_book(client, day, third.code))
    assert ("No place left: all 2 places of this practice day are booked. Choose another "
            "day, or ask the employer for more places.") in page
    assert '<strong class="places-left">0</strong>' in page
    db.session.refresh(day)
    assert day.booked == 2
    assert [b.seeker_id for b in day.bookings] == [first.id, second.id]


def test_cancelling_a_booking_gives_its_place_back(client, auth, scene):
    day = _day(scene, capacity=1)
    first, second = scene["people"][:2]
    _login(client, auth, "clerk")
    _book(client, day, first.code)
    booking = db.session.scalar(sa.select(PracticeBooking))
    page = _page(client.post(f"/practice/bookings/{booking.id}/cancel", follow_redirects=True))
    assert "Booking cancelled; its place is free again." in page
    assert "booking cancelled" in page
    page = _page(_book(client, day, second.code))
    assert f"{second.code} is booked" in page
    page = _page(_book(client, day, first.code))
    assert "No place left" in page
    db.session.refresh(day)
    assert day.booked == 1


def test_a_person_is_booked_once_a_date_and_only_with_consent(client, auth, scene, make):
    day = _day(scene, capacity=5)
    employer = make.employer(name="上海另一家公司")
    other_day = PracticeDay(employer_id=employer.id, category_code="logistics",
                            held_on=NEXT_WEEK, place="闵行", tasks="试工", capacity=3)
    db.session.add(other_day)
    no_consent = make.seeker(facility_id=scene["facility"].id, consent_share=False)
    db.session.commit()
    person = scene["people"][0]
    _login(client, auth, "clerk")
    _book(client, day, person.code)
    page = _page(_book(client, day, person.code))
    assert f"{person.code} is already booked on this practice day." in page
    page = _page(_book(client, other_day, person.code))
    assert (f"{person.code} is already booked on another practice day on "
            f"{NEXT_WEEK.isoformat()} (at 上海顺达物流有限公司).") in page
    page = _page(_book(client, day, no_consent.code))
    assert f"{no_consent.code} has not agreed to share their job profile" in page
    db.session.refresh(day)
    db.session.refresh(other_day)
    assert (day.booked, other_day.booked) == (1, 0)


def test_a_past_day_takes_no_bookings(client, auth, scene):
    day = _day(scene, held_on=TODAY - timedelta(days=1))
    _login(client, auth, "clerk")
    page = _page(_book(client, day, scene["people"][0].code))
    assert "This practice day is over; it takes no more bookings." in page
    assert db.session.scalar(sa.select(sa.func.count(PracticeBooking.id))) == 0


def test_another_facilitys_person_cannot_be_booked(client, auth, scene):
    day = _day(scene)
    _login(client, auth, "clerk")
    response = _book(client, day, scene["stranger"].code)
    assert response.status_code == 404
    assert "赵六合" not in _page(response)
    assert db.session.scalar(sa.select(sa.func.count(PracticeBooking.id))) == 0
    refusal = db.session.scalar(sa.select(AuditEvent).where(
        AuditEvent.action == "access_refused"))
    assert refusal.target_id == str(scene["stranger"].id)
    assert refusal.detail["reason"] == "other_facility"


def test_employment_staff_never_see_names_and_bureau_staff_only_their_own(
        client, auth, scene):
    day = _day(scene, capacity=3)
    first, second = scene["people"][:2]
    _login(client, auth, "clerk")
    _book(client, day, first.code)
    _book(client, day, second.code)
    page = _page(client.get(f"/practice/days/{day.id}"))
    assert "张三丰" in page and "李四海" in page
    _login(client, auth, "centre")
    page = _page(client.get(f"/practice/days/{day.id}"))
    assert first.code in page and second.code in page
    assert "张三丰" not in page and "李四海" not in page
    second.consent_share = False  # withdrawn since: employment staff lose the code too
    db.session.commit()
    page = _page(client.get(f"/practice/days/{day.id}"))
    assert first.code in page and second.code not in page and "consent withdrawn" in page
    _login(client, auth, "other")
    page = _page(client.get(f"/practice/days/{day.id}"))
    assert first.code not in page and "张三丰" not in page
    assert "Nobody is booked yet." in page
    booking = db.session.scalar(sa.select(PracticeBooking))
    response = client.post(f"/practice/bookings/{booking.id}/cancel")
    assert response.status_code == 404
    db.session.refresh(booking)
    assert booking.status is BookingStatus.BOOKED
    views = db.session.scalars(sa.select(AuditEvent.detail).where(
        AuditEvent.action == "practice_day_viewed").order_by(AuditEvent.id)).all()
    assert views[-3:] == [{"bookings": 2, "names": True}, {"bookings": 2, "names": False},
                          {"bookings": 2, "names": False}]


# bookings at the same moment


def test_concurrent_bookings_never_overfill_a_day(app, make, scene, database_url):
    """8 workers, each with its own app and database session, book 8 different people
    onto a day of 3 places at the same moment: exactly 3 are booked."""
    capacity, workers = 3, 8
    day = _day(scene, capacity=capacity)
    people = [make.seeker(facility_id=scene["facility"].id, consent_share=True)
              for _ in range(workers)]
    clerk = db.session.scalar(sa.select(StaffUser).where(StaffUser.username == "clerk"))
    db.session.commit()
    day_id, clerk_id = day.id, clerk.id
    outcomes, errors = [], []
    barrier = threading.Barrier(workers)

    def worker(seeker_id, worker_app):
        with worker_app.app_context():
            from models import Seeker

            seeker = db.session.get(Seeker, seeker_id)
            target = db.session.get(PracticeDay, day_id)
            by = db.session.get(StaffUser, clerk_id)
            db.session.commit()  # no read transaction held while waiting
            barrier.wait()
            try:
                operations.book_seeker(target, seeker, by, today=TODAY)
                db.session.commit()
                outcomes.append("booked")
            except StateError as error:
                db.session.rollback()
                outcomes.append(str(error))
            except Exception as error:  # noqa: BLE001 (collected and asserted)
                db.session.rollback()
                errors.append(repr(error))
            db.session.remove()
            db.engine.dispose()

    apps = [create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=database_url)
            for _ in people]
    threads = [threading.Thread(target=worker, args=(person.id, worker_app))
               for person, worker_app in zip(people, apps, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert outcomes.count("booked") == capacity
    refusals = [o for o in outcomes if o != "booked"]
    assert len(refusals) == workers - capacity
    assert set(refusals) == {str(StateError(operations.NO_PLACE_LEFT, capacity=capacity))}
    db.session.expire_all()
    assert db.session.get(PracticeDay, day_id).booked == capacity
    assert db.session.scalar(sa.select(sa.func.count(PracticeBooking.id))) == capacity


# attendance and assessment


def _booked_today(client, auth, scene, opening=True):
    """A practice day today with the first person booked, as employment staff."""
    day = _day(scene, held_on=TODAY, opening=opening)
    _login(client, auth, "clerk")
    _book(client, day, scene["people"][0].code)
    _login(client, auth, "centre")
    return day, db.session.scalar(sa.select(PracticeBooking))


def _assess(client, booking, punctual="yes", able="yes", would_hire="yes", note="手脚麻利"):
    return _page(client.post(f"/practice/bookings/{booking.id}/assessment", data={
        "punctual": punctual, "able": able, "would_hire": would_hire, "note": note},
        follow_redirects=True))


def test_attendance_before_the_day_is_refused_saying_when(client, auth, scene):
    day = _day(scene)
    _login(client, auth, "clerk")
    _book(client, day, scene["people"][0].code)
    booking = db.session.scalar(sa.select(PracticeBooking))
    _login(client, auth, "centre")
    page = _page(client.get(f"/practice/days/{day.id}"))
    assert f"Attendance from {NEXT_WEEK.isoformat()}" in page
    page = _page(client.post(f"/practice/bookings/{booking.id}/attendance",
                             data={"attended": "yes"}, follow_redirects=True))
    assert ("The practice day has not happened yet; record attendance on or after "
            f"{NEXT_WEEK.isoformat()}.") in page
    db.session.refresh(booking)
    assert booking.status is BookingStatus.BOOKED


def test_attendance_then_the_employers_assessment(client, auth, scene):
    _day_, booking = _booked_today(client, auth, scene)
    page = _assess(client, booking)
    assert "Record that the person attended before the assessment." in page
    page = _page(client.post(f"/practice/bookings/{booking.id}/attendance",
                             data={"attended": "yes"}, follow_redirects=True))
    assert "Attendance recorded." in page
    page = _page(client.post(f"/practice/bookings/{booking.id}/assessment", data={
        "punctual": "yes", "able": "yes"}, follow_redirects=True))
    assert "Answer each question yes or no." in page
    page = _assess(client, booking)
    assert "Assessment saved." in page
    assert "punctual: yes · able: yes · would hire: yes" in " ".join(page.split())
    assert "手脚麻利" in page and "good practice day" in page
    db.session.refresh(booking)
    assert booking.status is BookingStatus.ATTENDED and booking.good_assessment
    actions = db.session.scalars(sa.select(AuditEvent.action).where(
        AuditEvent.target_type == "PracticeBooking").order_by(AuditEvent.id)).all()
    assert actions == ["practice_booked", "practice_attendance_recorded", "practice_assessed"]


def test_a_practice_assessment_alone_is_something_match_train_learns_from(
        app, client, auth, scene, make, tmp_path):
    app.config["CACHE_DIR"] = str(tmp_path / "cache")  # the trained model stays here
    for person in scene["people"]:
        make.survey(person, categories=["logistics"])
    for title in ("叉车司机", "仓库保安", "分拣员"):
        make.opening(employer_id=scene["employer"].id, title=title)
    db.session.commit()
    runner = app.test_cli_runner()
    assert "nothing to learn from" in runner.invoke(args=["match", "train"]).output
    _day_, booking = _booked_today(client, auth, scene)
    client.post(f"/practice/bookings/{booking.id}/attendance", data={"attended": "yes"})
    _assess(client, booking)
    assert recorded_outcomes().to_dict("records") == [
        {"seeker_id": str(booking.seeker_id), "opening_id": str(scene["opening"].id),
         "outcome": "intent"}]
    result = runner.invoke(args=["match", "train"])
    assert result.exit_code == 0, result.output
    assert "nothing to learn from" not in result.output
    assert '"intent": 1' in result.output


def test_a_day_for_a_category_only_teaches_the_matcher_nothing(client, auth, scene):
    _day_, booking = _booked_today(client, auth, scene, opening=False)
    client.post(f"/practice/bookings/{booking.id}/attendance", data={"attended": "yes"})
    page = _assess(client, booking)
    assert "good practice day" in page
    assert "Refer to this opening" not in page
    assert recorded_outcomes().empty


# practice → referral


def test_a_good_practice_day_leads_to_a_referral_to_its_opening(client, auth, scene):
    _day_, booking = _booked_today(client, auth, scene)
    client.post(f"/practice/bookings/{booking.id}/attendance", data={"attended": "yes"})
    page = _assess(client, booking)
    assert "Refer to this opening" in page
    page = _page(client.post(f"/practice/bookings/{booking.id}/refer", follow_redirects=True))
    code = scene["people"][0].code
    assert f"{code} is referred to the opening 理货员." in page
    assert f"referred on {TODAY.isoformat()}" in page
    assert "Refer to this opening" not in page
    referral = db.session.scalar(sa.select(Referral))
    assert (referral.seeker_id, referral.opening_id, referral.source, referral.status,
            referral.practice_booking_id, referral.referred_on) == (
        booking.seeker_id, scene["opening"].id, ReferralSource.PRACTICE,
        ReferralStatus.OPEN, booking.id, TODAY)
    page = _page(client.post(f"/practice/bookings/{booking.id}/refer", follow_redirects=True))
    assert f"{code} already has an active referral to this opening" in page
    assert db.session.scalar(sa.select(sa.func.count(Referral.id))) == 1
    # the facility's clerk sees it too
    _login(client, auth, "clerk")
    assert f"referred on {TODAY.isoformat()}" in _page(client.get(f"/practice/days/{_day_.id}"))


def test_a_practice_day_that_went_badly_leads_to_no_referral(client, auth, scene):
    _day_, booking = _booked_today(client, auth, scene)
    client.post(f"/practice/bookings/{booking.id}/attendance", data={"attended": "yes"})
    page = _assess(client, booking, would_hire="no")
    assert "would hire: no" in page and "Refer to this opening" not in page
    page = _page(client.post(f"/practice/bookings/{booking.id}/refer", follow_redirects=True))
    assert "Only a person who attended a practice day at an opening" in page
    assert db.session.scalar(sa.select(sa.func.count(Referral.id))) == 0
    assert recorded_outcomes()["outcome"].tolist() == ["none"]
