"""Attendance: the desk, the kiosk and any record mark a participant as attending, once;
the dashboard and the report show registered, attended, people with an intent and the
intent rate over attendees and over registered (issue 16, deliverable 4)."""

import re

import pytest
import sqlalchemy as sa

from app.fairs import recording
from app.fairs.report import published_report
from models import AuditEvent, FairParticipant, InterestStage, Role, db


@pytest.fixture
def fair_day(make):
    fair = make.fair()
    employer = make.employer(name="上海顺达物流有限公司")
    booth = make.booth(fair, employer, "A01")
    opening = make.opening(employer_id=employer.id, title="理货员")
    make.offer(fair, booth, opening)
    people = [make.participant(fair, make.seeker(facility_id=fair.facility_id),
                               badge_code=f"K7M9XQ2P{letter}") for letter in "BCDE"]
    make.user(Role.ORGANIZER, username="org")
    make.user(Role.KIOSK, username="kiosk1", fair_id=fair.id)
    fair.open()
    db.session.commit()
    return {"fair": fair, "opening": opening, "people": people}


def _check_ins(participant_id=None) -> list[dict]:
    query = sa.select(AuditEvent.detail).where(AuditEvent.action == "checked_in")
    details = db.session.scalars(query.order_by(AuditEvent.id)).all()
    return [d for d in details if participant_id is None or d["participant"] == participant_id]


def _attended(participant) -> bool:
    return db.session.scalar(sa.select(FairParticipant.checked_in_at)
                             .where(FairParticipant.id == participant.id)) is not None


def test_kiosk_sign_in_marks_attendance_once(client, auth, fair_day):
    first, second = fair_day["people"][:2]
    auth.login("kiosk1")
    client.post("/kiosk/badge", data={"code": "K7M-9XQ-2PB"})
    client.post("/kiosk/finish")
    client.post("/kiosk/badge", data={"code": "K7M9XQ2PB"})  # the same person again
    assert _attended(first) and not _attended(second)
    assert _check_ins() == [{"participant": first.id, "via": "kiosk"}]


def test_kiosk_sign_in_after_the_fair_closed_marks_no_attendance(client, auth, fair_day):
    fair_day["fair"].close()
    db.session.commit()
    auth.login("kiosk1")
    client.post("/kiosk/badge", data={"code": "K7M9XQ2PB"})
    assert not _attended(fair_day["people"][0])
    assert _check_ins() == []


def test_a_record_at_a_booth_marks_attendance_once_and_check_in_then_says_already(
        client, auth, fair_day):
    fair, opening, person = fair_day["fair"], fair_day["opening"], fair_day["people"][0]
    auth.login("org")
    client.get("/lang/en")
    client.post(f"/fairs/{fair.id}/desk/badge", data={"badge": "K7M9XQ2PB"})
    assert not _attended(person)  # finding a badge is not attending
    for stage in ("interested", "intent"):
        client.post(f"/fairs/{fair.id}/desk/record",
                    data={"opening_id": opening.id, "stage": stage})
    assert _attended(person)
    page = client.post(f"/fairs/{fair.id}/desk/badge",
                       data={"badge": "K7M9XQ2PB", "check_in": "1"},
                       follow_redirects=True).get_data(as_text=True)
    assert "Already checked in." in page
    assert _check_ins() == [{"participant": person.id, "via": "staff"}]


def test_kiosk_interest_marks_attendance(app, fair_day):
    """An interest from the kiosk marks the person as attending (no ghost interests)."""
    fair, opening, person = fair_day["fair"], fair_day["opening"], fair_day["people"][1]
    recording.record_stage(fair, person, opening.id, InterestStage.INTERESTED, source="kiosk")
    db.session.commit()
    assert _attended(person)
    assert _check_ins(person.id) == [{"participant": person.id, "via": "kiosk"}]


def test_marking_attendance_twice_writes_and_audits_once(app, fair_day):
    fair, person = fair_day["fair"], fair_day["people"][0]
    assert recording.mark_attended(fair, person, via="desk") is True
    first_time = person.checked_in_at
    assert recording.mark_attended(fair, person, via="kiosk") is False
    assert recording.check_in(fair, person) is False
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(FairParticipant, person.id).checked_in_at == first_time
    assert len(_check_ins()) == 1


def test_a_correction_after_close_dates_the_attendance_at_the_close(app, fair_day):
    fair, opening, person = fair_day["fair"], fair_day["opening"], fair_day["people"][2]
    fair.close()
    db.session.commit()
    recording.record_stage(fair, person, opening.id, InterestStage.INTENT, correction=True)
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(FairParticipant, person.id).checked_in_at == fair.closed_at


def _stat(page: str, label: str) -> str:
    """The bold figure of the dashboard tile whose text starts with `label`."""
    match = re.search(r"<li[^>]*><strong>([^<]*)</strong>\s*" + re.escape(label), page)
    assert match, label
    return match.group(1)


def test_dashboard_shows_registered_attended_intents_and_both_rates(client, auth, fair_day,
                                                                     make):
    fair, opening, people = fair_day["fair"], fair_day["opening"], fair_day["people"]
    recording.check_in(fair, people[0])
    recording.record_stage(fair, people[1], opening.id, InterestStage.INTENT)
    db.session.commit()
    auth.login("org")
    client.get("/lang/en")
    page = client.get(f"/fairs/{fair.id}/dashboard").get_data(as_text=True)
    assert _stat(page, "registered participants") == "4"
    assert _stat(page, "attended") == "2"
    assert _stat(page, "people with an intent") == "1"
    assert _stat(page, "intent rate over attendees") == "50.0%"
    assert "1 of 2 people who attended have at least one intent" in page
    assert _stat(page, "intent rate over registered") == "25.0%"
    assert "1 of 4 registered participants have at least one intent" in page
    assert _stat(page, "people placed") == "0"
    data = client.get(f"/fairs/{fair.id}/dashboard.json").get_json()
    assert data["participants"] == 4 and data["attended"] == 2
    assert data["intent_rate_attended"] == 0.5 and data["intent_rate"] == 0.25


def test_dashboard_of_a_fair_nobody_attended_shows_dashes(client, auth, fair_day, make):
    empty = make.fair()
    make.participant(empty, make.seeker(facility_id=empty.facility_id))
    db.session.commit()
    auth.login("org")
    client.get("/lang/en")
    page = client.get(f"/fairs/{empty.id}/dashboard").get_data(as_text=True)
    assert _stat(page, "registered participants") == "1"
    assert _stat(page, "attended") == "0"
    assert _stat(page, "intent rate over attendees") == "—"
    assert _stat(page, "intent rate over registered") == "0.0%"
    nobody = make.fair()
    db.session.commit()
    page = client.get(f"/fairs/{nobody.id}/dashboard").get_data(as_text=True)
    assert _stat(page, "intent rate over registered") == "—"
    data = client.get(f"/fairs/{nobody.id}/dashboard.json").get_json()
    assert data["intent_rate"] is None and data["intent_rate_attended"] is None


def test_report_shows_attended_and_the_intent_rate_over_both(client, auth, make):
    fair = make.fair()
    employer = make.employer(name="上海顺达物流有限公司")
    booth = make.booth(fair, employer, "A01")
    opening = make.opening(employer_id=employer.id, title="理货员", headcount=50)
    make.offer(fair, booth, opening)
    people = [make.participant(fair, make.seeker(facility_id=fair.facility_id))
              for _ in range(20)]
    make.user(Role.ORGANIZER, username="org")
    fair.open()
    for person in people[:6]:
        recording.record_stage(fair, person, opening.id, InterestStage.INTENT)
    for person in people[6:10]:
        recording.check_in(fair, person)
    fair.close()
    db.session.commit()

    figures = published_report(fair)["figures"]
    assert (figures["participants"], figures["attended"], figures["people_with_intent"]) == \
        (20, 10, 6)
    assert figures["intent_rate_attended"] == pytest.approx(0.6)
    assert figures["intent_rate"] == pytest.approx(0.3)

    auth.login("org")
    client.get("/lang/en")
    page = client.get(f"/fairs/report?fair={fair.id}").get_data(as_text=True)
    rows = dict(re.findall(r"<tr[^>]*><td>([^<]+)</td><td>(?:<strong>)?([^<]*)", page))
    assert rows["Registered participants"] == "20"
    assert rows["Attended (checked in, signed in at a kiosk or recorded at a booth)"] == "10"
    assert rows["Participants with an intent"] == "6"
    assert rows["Intent rate over attendees"] == "60.0%"
    assert rows["Intent rate over registered participants"] == "30.0%"


def test_report_hides_the_rate_over_attendees_when_attendance_is_under_five(app, make):
    fair = make.fair()
    people = [make.participant(fair, make.seeker(facility_id=fair.facility_id))
              for _ in range(8)]
    fair.open()
    for person in people[:3]:
        recording.check_in(fair, person)
    db.session.commit()
    figures = published_report(fair)["figures"]
    assert figures["participants"] == 8 and figures["attended"] == "<5"
    assert figures["intent_rate_attended"] is None
