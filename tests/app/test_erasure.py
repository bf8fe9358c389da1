"""Early erasure on request (PIPL art. 47): one person anonymised now, as retention would."""

import html
from datetime import timedelta

import pandas as pd
import pytest
import sqlalchemy as sa

from app import create_app
from app.auth.second_factor import REAUTH_KEY
from app.clock import local_today
from app.config import TestingConfig
from app.crypto import keyed_hash
from app.fairs import recording
from app.fairs.placements import record_placement
from app.fairs.report import category_figures, fair_figures
from app.reports.queries import due_seekers
from models import (
    AuditEvent,
    Base,
    FairStatus,
    FollowUp,
    Interest,
    InterestStage,
    Placement,
    Role,
    Seeker,
    Survey,
    db,
    utcnow,
)
from tests.app.test_privacy_crawl import (  # noqa: F401 (world is a fixture)
    CANARIES,
    CANARY_ID,
    CANARY_NAME,
    _text_of,
    _urls,
    world,
)
from tests.factories import PASSWORD

NAME, ID_NUMBER, HEALTH, NOTE = "抹除测试人", "11010519491231002X", "抹除健康备注", "抹除面谈备注"


@pytest.fixture
def person(make):
    """A person with every kind of personal data, their facility's staff and an admin."""
    facility = make.facility()
    seeker = make.seeker(facility_id=facility.id, name=NAME, hukou_shanghai=True,
                         consent_share=True, consent_contact=True,
                         riasec_scores=[5.0] * 6, riasec_code="RIA",
                         riasec_taken_at=utcnow())
    seeker.set_id_number(ID_NUMBER)
    make.survey(seeker, skills_text="会开叉车", health_limits=HEALTH)
    fair = make.fair(facility_id=facility.id, status=FairStatus.OPEN)
    opening = make.opening()
    db.session.add(Interest(seeker_id=seeker.id, opening_id=opening.id, fair_id=fair.id,
                            stage=InterestStage.INTERESTED, note=NOTE))
    users = {
        "own": make.user(Role.BUREAU, username="own-staff", facility_id=facility.id),
        "other": make.user(Role.BUREAU, username="other-staff"),
        "admin": make.user(Role.ADMIN, username="erasing-admin"),
    }
    db.session.commit()
    return {"seeker": seeker, "users": users, "fair": fair, "opening": opening}


def _login(client, username, language="en"):
    client.set_cookie("qibu_lang", language)
    assert client.post("/login", data={"username": username, "password": PASSWORD}
                       ).status_code == 302


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _reloaded(seeker_id) -> Seeker:
    db.session.expire_all()
    return db.session.get(Seeker, seeker_id)


def test_own_staff_erase_after_typing_the_code_and_see_the_anonymised_record(
        client, person):
    seeker = person["seeker"]
    _login(client, "own-staff")
    page = _text(client.get(f"/bureau/seekers/{seeker.code}"))
    assert NAME in page and f"/bureau/seekers/{seeker.code}/erase" in page

    page = _text(client.get(f"/bureau/seekers/{seeker.code}/erase"))
    assert "Type the person's code to confirm" in page
    assert "staff notes on their interests, intents and follow-ups: 1" in page
    assert NAME not in page  # the confirmation page names the person by code only

    wrong = client.post(f"/bureau/seekers/{seeker.code}/erase",
                        data={"reason": "person_request", "code": "QB999999"})
    assert wrong.status_code == 422
    assert "That is not this person's code; nothing was erased." in _text(wrong)
    assert _reloaded(seeker.id).name == NAME

    done = client.post(f"/bureau/seekers/{seeker.code}/erase",
                       data={"reason": "person_request", "code": f" {seeker.code.lower()} "},
                       follow_redirects=True)
    page = _text(done)
    assert done.request.path == f"/bureau/seekers/{seeker.code}"
    assert f"The personal data of {seeker.code} was erased." in page
    assert "The personal data of this person was erased on" in page
    assert NAME not in page and HEALTH not in page and "************002X" not in page
    assert "Erase this person's data" not in page

    erased = _reloaded(seeker.id)
    assert (erased.name, erased.name_key, erased.id_number_hash, erased.id_number_last4,
            erased.gender, erased.birth_year, erased.hukou_shanghai) == \
        ("—", None, None, None, None, None, False)
    assert (erased.riasec_scores, erased.riasec_code, erased.riasec_taken_at) == \
        (None, None, None)
    assert (erased.consent_share, erased.consent_contact) == (False, False)
    assert erased.anonymised_at is not None
    survey = db.session.scalar(sa.select(Survey).where(Survey.seeker_id == seeker.id))
    assert (survey.skills_text, survey.health_limits) == ("", "")
    assert "health_limits" not in survey.answers and survey.categories == ["logistics"]
    interest = db.session.scalar(sa.select(Interest).where(Interest.seeker_id == seeker.id))
    assert interest.note == "" and interest.stage is InterestStage.INTERESTED

    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "seeker_erased"))
    assert (event.actor_name, event.target_type, event.target_id) == \
        ("own-staff", "Seeker", str(seeker.id))
    assert event.detail == {"code": seeker.code, "reason": "person_request",
                            "notes_blanked": 1}
    # a second erasure is refused, saying why
    again = _text(client.get(f"/bureau/seekers/{seeker.code}/erase"))
    assert "The personal data of this person was erased on" in again
    refused = client.post(f"/bureau/seekers/{seeker.code}/erase",
                          data={"reason": "person_request", "code": seeker.code})
    assert refused.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id))
                             .where(AuditEvent.action == "seeker_erased")) == 1


def test_other_facilitys_staff_get_404_and_erase_nothing(client, person):
    seeker = person["seeker"]
    _login(client, "other-staff")
    assert client.get(f"/bureau/seekers/{seeker.code}/erase").status_code == 404
    response = client.post(f"/bureau/seekers/{seeker.code}/erase",
                           data={"reason": "person_request", "code": seeker.code})
    assert response.status_code == 404
    assert _reloaded(seeker.id).name == NAME
    # and the code look-up leads them to the same 404
    found = client.get(f"/bureau/erasure?code={seeker.code}", follow_redirects=True)
    assert found.status_code == 404


@pytest.mark.parametrize("role", [Role.EMPLOYMENT, Role.ORGANIZER, Role.KIOSK])
def test_other_roles_are_refused(client, make, auth, person, role):
    account = make.user(role)
    db.session.commit()
    auth.login(account.username)
    seeker = person["seeker"]
    assert client.post(f"/bureau/seekers/{seeker.code}/erase",
                       data={"reason": "person_request", "code": seeker.code}
                       ).status_code == 403
    assert _reloaded(seeker.id).name == NAME


def test_an_admin_finds_the_person_by_code_and_erases(client, person):
    seeker = person["seeker"]
    _login(client, "erasing-admin")
    found = client.get(f"/bureau/erasure?code={seeker.code.lower()}")
    assert found.headers["Location"] == f"/bureau/seekers/{seeker.code}/erase"
    done = client.post(f"/bureau/seekers/{seeker.code}/erase",
                       data={"reason": "registered_in_error", "code": seeker.code},
                       follow_redirects=True)
    assert done.request.path == f"/bureau/seekers/{seeker.code}/erase"
    assert "The personal data of this person was erased on" in _text(done)
    assert _reloaded(seeker.id).anonymised_at is not None
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "seeker_erased"))
    assert event.actor_role == "admin" and event.detail["reason"] == "registered_in_error"


def test_erasure_needs_a_recent_password(client, person):
    seeker = person["seeker"]
    _login(client, "own-staff")
    with client.session_transaction() as session:
        session[REAUTH_KEY] = (utcnow() - timedelta(hours=2)).isoformat()
    page = client.get(f"/bureau/seekers/{seeker.code}/erase")
    assert page.status_code == 302 and page.headers["Location"].startswith("/account/confirm")
    response = client.post(f"/bureau/seekers/{seeker.code}/erase",
                           data={"reason": "person_request", "code": seeker.code})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/account/confirm")
    assert _reloaded(seeker.id).name == NAME
    confirmed = client.post(response.headers["Location"], data={"password": PASSWORD})
    assert confirmed.headers["Location"] == f"/bureau/seekers/{seeker.code}/erase"
    assert client.post(f"/bureau/seekers/{seeker.code}/erase",
                       data={"reason": "person_request", "code": seeker.code}
                       ).status_code == 302
    assert _reloaded(seeker.id).name == "—"


def test_refused_while_a_follow_up_is_due_until_it_is_recorded(client, person):
    seeker, fair, opening = person["seeker"], person["fair"], person["opening"]
    interest = db.session.scalar(sa.select(Interest).where(Interest.seeker_id == seeker.id))
    interest.stage = InterestStage.INTENT
    fair.held_on = local_today() - timedelta(days=50)
    placement = record_placement(interest, local_today() - timedelta(days=40), 6000)
    db.session.commit()
    assert fair.id == placement.fair_id and opening.id == placement.opening_id
    _login(client, "own-staff")
    page = _text(client.get(f"/bureau/seekers/{seeker.code}/erase"))
    message = ("A follow-up of this person's job is due and not yet recorded (1 in all). "
               "Ask an organizer to record it first")
    assert message in page and 'name="code"' not in page
    refused = client.post(f"/bureau/seekers/{seeker.code}/erase",
                          data={"reason": "person_request", "code": seeker.code})
    assert refused.status_code == 422 and message in _text(refused)
    assert _reloaded(seeker.id).name == NAME

    due = db.session.scalar(sa.select(FollowUp).where(FollowUp.month == 1))
    due.record(local_today(), True, None, today=local_today())
    due.note = "一个月回访：" + NOTE
    db.session.commit()
    assert client.post(f"/bureau/seekers/{seeker.code}/erase",
                       data={"reason": "person_request", "code": seeker.code}
                       ).status_code == 302
    db.session.expire_all()
    notes = db.session.scalars(sa.select(FollowUp.note)).all()
    assert notes == ["", "", "", ""]  # the follow-ups at 1, 3, 6 and 12 months
    assert db.session.get(FollowUp, due.id).still_employed is True  # the outcome stays


def test_erasure_requires_the_csrf_token(database_url, app, person):
    seeker = person["seeker"]
    csrf_app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=database_url,
                          WTF_CSRF_ENABLED=True)
    client = csrf_app.test_client()

    def token(path):
        page = _text(client.get(path))
        return page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]

    client.post("/login", data={"username": "own-staff", "password": PASSWORD,
                                "csrf_token": token("/login")})
    path = f"/bureau/seekers/{seeker.code}/erase"
    form_token = token(path)
    refused = client.post(path, data={"reason": "person_request", "code": seeker.code})
    assert refused.status_code == 400
    with csrf_app.app_context():
        assert db.session.get(Seeker, seeker.id).name == NAME
        db.session.remove()
    done = client.post(path, data={"reason": "person_request", "code": seeker.code,
                                   "csrf_token": form_token})
    assert done.status_code == 302
    with csrf_app.app_context():
        assert db.session.get(Seeker, seeker.id).name == "—"
        db.session.remove()
        db.engine.dispose()


def _figures(fair):
    return fair_figures(fair), category_figures(fair)


def _placements_by_channel() -> dict:
    return dict(db.session.execute(sa.select(Placement.channel, sa.func.count(Placement.id))
                                   .group_by(Placement.channel)).all())


def _database_text() -> str:
    """Every stored value of every table, as text (names stay encrypted here)."""
    with db.engine.connect() as connection:
        return "\n".join(str(tuple(row)) for table in Base.metadata.sorted_tables
                         for row in connection.execute(table.select()))


def test_erasure_removes_the_canary_everywhere_and_keeps_the_aggregates(
        app, world):  # noqa: F811 (the privacy crawl's fixture)
    canary, fair = world["canary"], world["fair"]
    interest = db.session.scalar(sa.select(Interest).where(Interest.seeker_id == canary.id))
    interest.note = "金丝雀健康备注"  # a note naming a health detail, as staff should not
    # the crawl below signs in at the kiosk, which marks attendance: mark it beforehand,
    # so the figures compared are changed by the erasure alone
    recording.mark_attended(fair, world["participant"], via="kiosk")
    db.session.commit()
    figures, categories = _figures(fair)
    window = (local_today() - timedelta(days=400), local_today() + timedelta(days=400))
    demand = due_seekers(*window)
    # the canary was released and placed (the crawl's world): counted among placements,
    # no longer in the demand for jobs
    assert canary.id not in set(demand["seeker_id"])
    placements = _placements_by_channel()
    assert db.session.scalar(sa.select(sa.func.count(Placement.id))
                             .where(Placement.seeker_id == canary.id)) == 1
    for follow_up in db.session.scalars(
            sa.select(FollowUp).join(Placement).where(Placement.seeker_id == canary.id,
                                                     FollowUp.done_on.is_(None))):
        # the erasure waits for due follow-ups (tested above): record them first
        follow_up.record(local_today(), True, None, today=local_today())
    db.session.commit()
    stored = _database_text()
    assert keyed_hash(CANARY_ID) in stored and "金丝雀健康备注" in stored

    client = app.test_client()
    client.post("/login", data={"username": "c-own", "password": PASSWORD})
    assert client.post(f"/bureau/seekers/{canary.code}/erase",
                       data={"reason": "person_request", "code": canary.code}
                       ).status_code == 302

    # nobody, not even the person's own facility's staff or an admin, sees a canary again
    seen, reached = [], set()
    for role, user in world["users"].items():
        client = app.test_client()
        client.post("/login", data={"username": user.username, "password": PASSWORD})
        if role == "kiosk":
            client.post("/kiosk/badge", data={"code": world["participant"].badge_code})
        for url in _urls(app, world):
            response = client.get(url)
            if response.status_code == 200:
                reached.add((role, url))
                text = _text_of(response)
                seen += [(role, url, c) for c in CANARIES if c in text]
    assert seen == []
    assert ("own_bureau", f"/bureau/seekers/{canary.code}") in reached
    assert ("admin", f"/bureau/seekers/{canary.code}/erase") in reached
    stored = _database_text()
    assert "金丝雀健康备注" not in stored and keyed_hash(CANARY_ID) not in stored
    assert keyed_hash(CANARY_NAME) not in stored
    db.session.expire_all()
    assert db.session.get(Seeker, canary.id).name == "—"

    # the fair's figures and the demand summary's input are what they were
    after_figures, after_categories = _figures(fair)
    assert after_figures == figures
    pd.testing.assert_frame_equal(after_categories, categories)
    pd.testing.assert_frame_equal(due_seekers(*window), demand)
    assert _placements_by_channel() == placements
