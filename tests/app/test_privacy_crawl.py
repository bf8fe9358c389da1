"""Field-level privacy, proven: canary values never reach anyone but their facility's staff.

A fake person with a canary name, ID number, health note and facility is planted in a
full demo database; then every page and export is requested as every role, with URL
parameters pointing at the canary's own records. Only bureau staff of the canary's
facility and admins may ever see the name, ID number or notes, or see the person's
facility together with anything that identifies the person (their pseudonymous code or
badge). A facility's name alone is not personal data: organizers plan fairs there. The
community social worker the canary is handed to may see their name (they follow the
person in person), never the ID number, health notes or facility; another social worker
sees nothing of them.
"""

import io
import re
import zipfile
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.aftercare import operations as aftercare
from app.clock import local_today
from app.fairs.operations import add_participants
from app.fairs.placements import place_seeker
from app.services.fair_plan import plan_fair_recommendations
from models import (
    AftercareCheck,
    Course,
    CourseEnrolment,
    CourseSession,
    Facility,
    Fair,
    FairParticipant,
    FairStatus,
    GuidanceKind,
    Interest,
    InterestStage,
    Opening,
    PlacementChannel,
    PracticeBooking,
    PracticeDay,
    Referral,
    ReferralRequest,
    Role,
    StartupCase,
    StartupGuidance,
    db,
)
from tests.app.test_jobs import downloaded

CANARY_NAME = "金丝雀测试人"
CANARY_GIVEN = "丝雀测试人"
CANARY_ID = "11010519491231002X"
CANARY_FACILITY = "金丝雀戒毒所"


def _text_of(response) -> str:
    """What a person could read in a response: HTML/JSON/CSV text, PDF or XLSX content."""
    data = response.get_data()
    kind = response.mimetype or ""
    if kind == "application/pdf":
        from pypdf import PdfReader

        return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    if data[:2] == b"PK":  # xlsx (zip of XML)
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "\n".join(archive.read(name).decode("utf-8", "replace")
                             for name in archive.namelist() if name.endswith(".xml"))
    return data.decode("utf-8", "replace")


@pytest.fixture
def world(app, runner, make):
    """The demo data plus a canary person in a canary facility, at a planned open fair."""
    runner.invoke(args=["seed-demo"])
    facility = make.facility(code="CANARY", name_zh=CANARY_FACILITY, name_en=CANARY_FACILITY)
    canary = make.seeker(facility_id=facility.id, name=CANARY_NAME, consent_share=True)
    canary.set_id_number(CANARY_ID)
    make.survey(canary, categories=["logistics"], salary_min=4000,
                skills_text="会开叉车", health_limits="金丝雀健康备注")
    fair = make.fair(facility_id=facility.id, code="CANARY-FAIR", name_zh="金丝雀招聘会")
    employer_fair = db.session.scalar(sa.select(Fair).where(Fair.status == FairStatus.PLANNING))
    for booth in employer_fair.booths[:5]:
        stand = make.booth(fair, booth.employer, booth.booth)
        for offer in booth.openings:
            make.offer(fair, stand, offer.opening)
    add_participants(fair, [canary])
    fair.open()
    plan_fair_recommendations(fair)
    participant = db.session.scalar(sa.select(FairParticipant).where(
        FairParticipant.fair_id == fair.id))
    opening = db.session.scalar(sa.select(Opening).where(Opening.category_code == "logistics"))
    db.session.add(Interest(seeker_id=canary.id, opening_id=opening.id, fair_id=fair.id,
                            stage=InterestStage.INTENT))
    users = {
        "admin": make.user(Role.ADMIN, username="c-admin"),
        "own_bureau": make.user(Role.BUREAU, username="c-own", facility_id=facility.id),
        "other_bureau": make.user(Role.BUREAU, username="c-other",
                                  facility_id=db.session.scalar(
                                      sa.select(Facility.id).where(Facility.code != "CANARY"))),
        "employment": make.user(Role.EMPLOYMENT, username="c-employment"),
        "organizer": make.user(Role.ORGANIZER, username="c-organizer"),
        "kiosk": make.user(Role.KIOSK, username="c-kiosk", fair_id=fair.id),
        # community social workers: one the canary is handed to, one they are not
        "own_social_worker": make.user(Role.SOCIAL_WORKER, username="c-own-worker"),
        "social_worker": make.user(Role.SOCIAL_WORKER, username="c-worker"),
    }
    # after release: handed over (aftercare checks), in a job (follow-ups), and a request
    # for a new referral
    today = local_today()
    aftercare.release_seeker(canary, today - timedelta(days=45), users["own_bureau"], today)
    handover = aftercare.hand_over(canary, users["own_social_worker"], True, "想做仓储",
                                   users["own_bureau"], today)
    placement = place_seeker(canary.id, today - timedelta(days=40), 5000, opening_id=opening.id,
                             channel=PlacementChannel.REFERRAL, today=today)
    request = ReferralRequest(seeker_id=canary.id, asked_on=today, note="闵行的仓储工作")
    db.session.add(request)
    # the year-round mechanism's records of the canary: a referral to another opening, a
    # practice day booked, a course enrolled on, start-up guidance
    other = db.session.scalar(sa.select(Opening).where(Opening.id != opening.id)
                              .order_by(Opening.id))
    referral = Referral(seeker_id=canary.id, opening_id=other.id,
                        referred_on=today - timedelta(days=3))
    day = PracticeDay(employer_id=opening.employer_id, opening_id=opening.id,
                      held_on=today + timedelta(days=3), place="测试仓库", capacity=3, booked=1)
    course = Course(facility_id=facility.id, name="金丝雀叉车班", category_code="forklift",
                    certificate_code="forklift", seats=10, enrolled=1,
                    starts_on=today - timedelta(days=2), ends_on=today + timedelta(days=20))
    case = StartupCase(seeker_id=canary.id, opened_on=today - timedelta(days=10))
    db.session.add_all([referral, day, course, case])
    db.session.flush()
    booking = PracticeBooking(practice_day_id=day.id, seeker_id=canary.id)
    enrolment = CourseEnrolment(course_id=course.id, seeker_id=canary.id,
                                enrolled_on=today - timedelta(days=1))
    session = CourseSession(course_id=course.id, held_on=today + timedelta(days=5),
                            topic="叉车安全")
    case.entries.append(StartupGuidance(kind=GuidanceKind.ONE_TO_ONE,
                                        held_on=today - timedelta(days=5), topic="早餐摊选址"))
    db.session.add_all([booking, enrolment, session])
    db.session.commit()
    records = {
        "handover_id": str(handover.id), "placement_id": str(placement.id),
        "follow_up_id": str(placement.follow_ups[0].id), "request_id": str(request.id),
        "check_id": str(db.session.scalar(sa.select(AftercareCheck.id).where(
            AftercareCheck.handover_id == handover.id, AftercareCheck.month == 1))),
        "referral_id": str(referral.id), "day_id": str(day.id), "booking_id": str(booking.id),
        "course_id": str(course.id), "enrolment_id": str(enrolment.id),
        "session_id": str(session.id), "case_id": str(case.id),
    }
    return {"canary": canary, "fair": fair, "facility": facility, "opening": opening,
            "participant": participant, "users": users, "records": records}


def _urls(app, world) -> list[str]:
    """Every GET route, its parameters filled with the canary's records."""
    canary, fair = world["canary"], world["fair"]
    values = {
        "code": canary.code, "fair_id": str(fair.id), "opening_id": str(world["opening"].id),
        "employer_id": str(world["opening"].employer_id), "survey_id":
        str(canary.surveys[0].id), "booth_id": str(fair.booths[0].id) if fair.booths else "1",
        "user_id": "1", "filename": "css/qibu.css",
        **world["records"],
    }
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in ("static", "i18n.switch_language",
                                                           "auth.logout"):
            continue
        names = re.findall(r"<(?:[^:>]+:)?([^>]+)>", rule.rule)
        if any(name not in values for name in names):
            continue
        path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", lambda m: values[m.group(1)], rule.rule)
        urls.append(path)
        if rule.endpoint == "after.fair_report_xlsx":
            urls.append(f"{path}?fair={fair.id}")
    return sorted(set(urls))


CANARIES = (CANARY_NAME, CANARY_GIVEN, CANARY_ID, CANARY_ID[:14], "金丝雀健康备注")


def test_canary_values_reach_only_their_facilitys_staff_and_admins(app, world):
    allowed_to_see = {"admin", "own_bureau"}
    urls = _urls(app, world)
    assert len(urls) > 30
    leaks = []
    seen_by_own_staff = seen_by_own_worker = False
    for role, user in world["users"].items():
        client = app.test_client()
        assert client.post("/login", data={"username": user.username,
                                           "password": "correct-horse-battery"}
                           ).status_code == 302
        if role == "kiosk":
            client.post("/kiosk/badge", data={"code": world["participant"].badge_code})
        for url in urls:
            # a PDF made by a job: what its page's download button fetches
            response = downloaded(client, url) if url.endswith(".pdf") else client.get(url)
            if response.status_code != 200:
                continue
            text = _text_of(response)
            found = [c for c in CANARIES if c in text]
            person = (world["canary"].code, world["participant"].badge_code)
            if CANARY_FACILITY in text and any(mark in text for mark in person):
                found.append(CANARY_FACILITY)
            # the kiosk greets the person at the screen by given name only (their own visit)
            if role == "kiosk" and found == [CANARY_GIVEN]:
                continue
            # the social worker the canary is handed to follows them in person: the name,
            # never the ID number, health notes or facility
            if role == "own_social_worker" and set(found) == {CANARY_NAME, CANARY_GIVEN}:
                seen_by_own_worker = True
                continue
            if found and role not in allowed_to_see:
                leaks.append((role, url, found))
            if found and role == "own_bureau":
                seen_by_own_staff = True
    assert leaks == [], "\n".join(map(str, leaks))
    assert seen_by_own_staff  # the crawl really reaches the canary's pages
    assert seen_by_own_worker  # and the social worker's pages of the canary
