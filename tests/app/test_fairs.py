"""Planning a fair: lifecycle, booths and openings, participants and badges."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.clock import local_today
from app.fairs.operations import BADGE_ALPHABET, BADGE_LENGTH
from models import AuditEvent, Fair, FairEmployer, FairParticipant, FairStatus, Role, db


@pytest.fixture
def organizer(make, client, auth):
    make.user(Role.ORGANIZER, username="org")
    db.session.commit()
    auth.login("org")
    client.get("/lang/en")


def test_create_open_and_close_a_fair(client, organizer, make):
    facility = make.facility()
    response = client.post("/fairs/new", data={
        "code": "SH-T-2026", "name_zh": "测试招聘会", "name_en": "Test fair",
        "facility_id": facility.id, "held_on": (local_today() + timedelta(days=20)).isoformat(),
        "venue": "礼堂"})
    assert response.status_code == 302
    fair = db.session.scalar(sa.select(Fair))
    assert fair.status is FairStatus.PLANNING
    client.post(f"/fairs/{fair.id}/open")
    db.session.refresh(fair)
    assert fair.status is FairStatus.OPEN
    client.post(f"/fairs/{fair.id}/close")
    page = client.post(f"/fairs/{fair.id}/open", follow_redirects=True).get_data(as_text=True)
    assert "Only a fair in planning can be opened." in page
    db.session.refresh(fair)
    assert fair.status is FairStatus.CLOSED
    actions = set(db.session.scalars(sa.select(AuditEvent.action)))
    assert {"fair_created", "fair_opened", "fair_closed"} <= actions


def test_fair_in_the_past_is_refused(client, organizer, make):
    facility = make.facility()
    page = client.post("/fairs/new", data={
        "code": "OLD", "name_zh": "旧", "facility_id": facility.id,
        "held_on": "2020-01-01"}).get_data(as_text=True)
    assert "cannot be in the past" in page
    assert db.session.scalar(sa.select(sa.func.count(Fair.id))) == 0


def test_invite_employers_with_unique_booths(client, organizer, make):
    fair = make.fair()
    first, second = make.employer(name="甲公司"), make.employer(name="乙公司")
    make.opening(employer_id=first.id, title="分拣员")
    client.post(f"/fairs/{fair.id}/booths", data={"employer_ids": [first.id]})
    client.post(f"/fairs/{fair.id}/booths", data={"employer_ids": [second.id]})
    booth = db.session.scalar(sa.select(FairEmployer).where(
        FairEmployer.employer_id == second.id))
    assert booth.booth == "A02"
    page = client.post(f"/fairs/{fair.id}/booths/{booth.id}/code",
                       data={"booth": "a01"}).get_data(as_text=True)
    assert "Booth A01 is already 甲公司&#39;s" in page
    listing = client.get(f"/fairs/{fair.id}/booths/print").get_data(as_text=True)
    assert "A01" in listing and "甲公司" in listing and "分拣员" in listing
    assert "A02" in listing and "乙公司" in listing


def test_add_participants_due_within_months_with_random_badges(client, organizer, make):
    fair = make.fair(held_on=local_today() + timedelta(days=10))
    due = [make.seeker(facility_id=fair.facility_id,
                       expected_release_date=local_today() + timedelta(days=30 * n))
           for n in (1, 2, 5)]
    make.seeker(facility_id=fair.facility_id,
                expected_release_date=local_today() + timedelta(days=400))
    make.seeker(expected_release_date=local_today() + timedelta(days=30))  # other facility
    client.post(f"/fairs/{fair.id}/participants", data={"months": "6"})
    participants = db.session.scalars(sa.select(FairParticipant)).all()
    assert sorted(p.seeker_id for p in participants) == sorted(s.id for s in due)
    codes = [p.badge_code for p in participants]
    assert len(set(codes)) == 3
    assert all(len(c) == BADGE_LENGTH and set(c) <= set(BADGE_ALPHABET) for c in codes)
    # adding again adds nobody twice
    client.post(f"/fairs/{fair.id}/participants", data={"months": "6"})
    assert db.session.scalar(sa.select(sa.func.count(FairParticipant.id))) == 3


def test_badges_are_printed_by_the_facilitys_bureau_staff_only(client, auth, make):
    fair = make.fair()
    seeker = make.seeker(facility_id=fair.facility_id, name="周小明")
    make.participant(fair, seeker, badge_code="K7M9XQ2PB")
    make.user(Role.BUREAU, username="own", facility_id=fair.facility_id)
    make.user(Role.BUREAU, username="other")
    make.user(Role.ORGANIZER, username="org")
    db.session.commit()
    auth.login("own")
    page = client.get(f"/fairs/{fair.id}/badges").get_data(as_text=True)
    assert "小明" in page and "K7M-9XQ-2PB" in page and "<svg" in page
    assert "周小明" not in page  # given name only
    auth.logout()
    auth.login("other")
    assert client.get(f"/fairs/{fair.id}/badges").status_code == 404
    auth.logout()
    auth.login("org")
    assert client.get(f"/fairs/{fair.id}/badges").status_code == 403
    overview = client.get(f"/fairs/{fair.id}").get_data(as_text=True)
    assert "小明" not in overview


def test_badge_codes_are_not_sequential(app, make):
    from app.fairs.operations import new_badge_code

    codes = [new_badge_code() for _ in range(200)]
    assert len(set(codes)) == 200
    assert not any(re.fullmatch(r"0*1", c) for c in codes)
    # no two consecutive codes share a 6-character prefix (they are not counters)
    assert all(a[:6] != b[:6] for a, b in zip(codes, codes[1:], strict=False))


def test_plan_sheets_and_shortlists_on_the_demo_fair(app, runner, client, auth):
    """The demo fair: plan under capacity, print sheets and pseudonymous shortlists."""
    from models import FairRecommendation, Seeker

    runner.invoke(args=["seed-demo"])
    fair = db.session.scalar(sa.select(Fair).where(Fair.status == FairStatus.PLANNING))
    auth.login("organizer", "qibu-organizer-demo")
    client.get("/lang/en")
    client.post(f"/fairs/{fair.id}/participants", data={"months": "6"})
    # the plan is a job: its page says what was made and leads back to the fair
    job_page = client.post(f"/fairs/{fair.id}/plan", follow_redirects=True).get_data(
        as_text=True)
    assert "Plan made:" in job_page and f'href="/fairs/{fair.id}"' in job_page
    page = client.get(f"/fairs/{fair.id}").get_data(as_text=True)
    assert "Participants with at least 3 fitting options" in page
    db.session.refresh(fair)
    report = fair.plan_report
    assert report["share_3_options"]["plan"] > report["share_3_options"]["naive_top_k"]
    assert report["openings_over_cap"]["plan"] == 0
    recs = db.session.scalars(sa.select(FairRecommendation)).all()
    per_participant = {}
    for rec in recs:
        per_participant[rec.participant_id] = per_participant.get(rec.participant_id, 0) + 1
        cap = 3 * (rec.opening.headcount or 3)
        load = sum(1 for r in recs if r.opening_id == rec.opening_id)
        assert load <= cap
    assert max(per_participant.values()) <= 5

    shortlist = client.get(f"/fairs/{fair.id}/shortlists").get_data(as_text=True)
    names = set(db.session.scalars(sa.select(Seeker.name)))
    assert not any(name in shortlist for name in names)
    refusing = db.session.scalars(sa.select(Seeker).where(Seeker.consent_share.is_(False))).all()
    assert not any(s.code in shortlist for s in refusing)
    facility_names = [fair.facility.name_zh, fair.facility.name_en]
    assert not any(name in shortlist for name in facility_names)

    auth.logout()
    auth.login("bureau", "qibu-bureau-demo")
    client.get("/lang/en")
    sheets = client.get(f"/fairs/{fair.id}/sheets").get_data(as_text=True)
    assert "Booth" in sheets and "Your first choice" in sheets
