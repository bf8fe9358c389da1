"""The recording desk on a tablet: a tap comes back to its row, an organizer corrects a
stage (a mistaken 'declined' too, after close too) audited with the old and new stage, and
closed-fair actions say why they are refused (issue 16, deliverable 6)."""

import html
import re

import pytest
import sqlalchemy as sa

from app.fairs import recording
from models import AuditEvent, FairParticipant, Interest, InterestStage, Role, db

BADGE = "K7M9XQ2PB"


@pytest.fixture
def desk(make):
    fair = make.fair()
    employer = make.employer(name="上海顺达物流有限公司")
    booth = make.booth(fair, employer, "A01")
    opening = make.opening(employer_id=employer.id, title="理货员")
    second = make.opening(employer_id=employer.id, title="叉车司机")
    make.offer(fair, booth, opening)
    make.offer(fair, booth, second)
    seeker = make.seeker(facility_id=fair.facility_id)
    participant = make.participant(fair, seeker, badge_code=BADGE)
    make.user(Role.ORGANIZER, username="org")
    make.user(Role.ADMIN, username="boss")
    fair.open()
    db.session.commit()
    return {"fair": fair, "opening": opening, "second": second, "participant": participant}


def _at_desk(client, auth, fair, username="org"):
    auth.login(username)
    client.get("/lang/en")
    client.post(f"/fairs/{fair.id}/desk/badge", data={"badge": BADGE})


def _text(response) -> str:
    """The page as a reader sees its text (entities such as &#39; read as characters)."""
    return html.unescape(response.get_data(as_text=True))


def _stage(opening) -> InterestStage | None:
    return db.session.scalar(sa.select(Interest.stage).where(Interest.opening_id == opening.id))


def _row(page: str, opening) -> str:
    """The HTML of the desk's row for an opening."""
    match = re.search(rf'<div class="desk-row[^"]*" id="opening-{opening.id}".*?(?=<div class='
                      rf'"desk-row|</section>)', page, re.S)
    assert match, f"no row for opening {opening.id}"
    return match.group(0)


def _close(fair):
    fair.close()
    db.session.commit()


def test_a_tap_comes_back_to_its_row_with_the_message_and_undo_there(client, auth, desk):
    fair, second = desk["fair"], desk["second"]
    _at_desk(client, auth, fair)
    response = client.post(f"/fairs/{fair.id}/desk/record",
                           data={"opening_id": second.id, "stage": "interviewed"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/fairs/{fair.id}/desk#opening-{second.id}")
    page = _text(client.get(response.headers["Location"]))
    row = _row(page, second)
    assert "Recorded: interviewed." in row and "↶ Undo" in row
    assert "Recorded: interviewed." not in _row(page, desk["opening"])
    assert page.count("Recorded: interviewed.") == 1  # not at the top as well
    # shown once: the next look at the desk has no message
    again = _text(client.get(f"/fairs/{fair.id}/desk"))
    assert "Recorded: interviewed." not in again
    # the undo on the row takes the page back to the row
    response = client.post(f"/fairs/{fair.id}/desk/undo")
    assert response.headers["Location"].endswith(f"#opening-{second.id}")
    assert _stage(second) is None


def test_organizer_corrects_a_mistaken_declined_during_the_fair(client, auth, desk):
    fair, opening = desk["fair"], desk["opening"]
    _at_desk(client, auth, fair)
    client.post(f"/fairs/{fair.id}/desk/record",
                data={"opening_id": opening.id, "stage": "declined"})
    page = _text(client.post(f"/fairs/{fair.id}/desk/record",
                       data={"opening_id": opening.id, "stage": "intent"},
                       follow_redirects=True))
    assert "This was recorded as declined, so nothing changed." in page
    assert "an organizer can correct it with “Correct” on the opening's row." in page
    assert _stage(opening) is InterestStage.DECLINED
    assert '<summary>Correct</summary>' in _row(page, opening)

    response = client.post(f"/fairs/{fair.id}/desk/correct",
                           data={"opening_id": opening.id, "stage": "intent",
                                 "reason": "tapped the wrong button"})
    assert response.headers["Location"].endswith(f"#opening-{opening.id}")
    page = _text(client.get(response.headers["Location"]))
    assert "Corrected: declined → preliminary intent." in _row(page, opening)
    assert _stage(opening) is InterestStage.INTENT
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "correction"))
    assert event.actor_name == "org" and event.target_type == "Fair"
    assert event.detail["previous"] == "declined" and event.detail["stage"] == "intent"
    assert event.detail["reason"] == "tapped the wrong button"
    assert event.detail["opening"] == opening.id


def test_a_correction_can_move_a_stage_back(client, auth, desk):
    fair, opening = desk["fair"], desk["opening"]
    recording.record_stage(fair, desk["participant"], opening.id, InterestStage.INTENT)
    db.session.commit()
    _at_desk(client, auth, fair)
    client.post(f"/fairs/{fair.id}/desk/correct",
                data={"opening_id": opening.id, "stage": "interested"})
    assert _stage(opening) is InterestStage.INTERESTED
    detail = db.session.scalar(sa.select(AuditEvent.detail)
                               .where(AuditEvent.action == "correction"))
    assert (detail["previous"], detail["stage"]) == ("intent", "interested")


def test_only_an_organizer_corrects(client, auth, desk):
    fair, opening = desk["fair"], desk["opening"]
    _at_desk(client, auth, fair, username="boss")
    page = _text(client.get(f"/fairs/{fair.id}/desk"))
    assert "<summary>Correct</summary>" not in page
    response = client.post(f"/fairs/{fair.id}/desk/correct",
                           data={"opening_id": opening.id, "stage": "intent"})
    assert response.status_code == 403
    assert _stage(opening) is None


def test_a_hire_is_not_corrected_at_the_desk(client, auth, desk):
    fair, opening = desk["fair"], desk["opening"]
    _at_desk(client, auth, fair)
    page = _text(client.post(f"/fairs/{fair.id}/desk/correct",
                       data={"opening_id": opening.id, "stage": "hired"},
                       follow_redirects=True))
    assert "Hires are recorded as placements after the fair." in page
    assert _stage(opening) is None
    assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id))
                             .where(AuditEvent.action == "correction")) == 0


def test_check_in_after_close_says_why_and_checks_nobody_in(client, auth, desk):
    fair = desk["fair"]
    auth.login("org")
    client.get("/lang/en")
    _close(fair)
    page = _text(client.post(f"/fairs/{fair.id}/desk/badge", data={"badge": BADGE, "check_in": "1"},
                       follow_redirects=True))
    assert "The fair is closed, so check-in has ended; nobody was checked in." in page
    assert "You can still correct a stage: use “Correct” on the opening's row" in page
    assert "only an organizer" not in page.lower()
    assert db.session.scalar(sa.select(FairParticipant.checked_in_at)) is None
    assert "K7M-9XQ-2PB" in page  # the person is found, to correct their records
    assert ">Check in</button>" not in page


def test_record_after_close_says_why_and_where_corrections_are_made(client, auth, desk):
    fair, opening = desk["fair"], desk["opening"]
    _at_desk(client, auth, fair)
    _close(fair)
    page = _text(client.post(f"/fairs/{fair.id}/desk/record",
                       data={"opening_id": opening.id, "stage": "intent"},
                       follow_redirects=True))
    assert ("The fair is closed, so new records are no longer taken; nothing was recorded. "
            "You can still correct a stage: use “Correct” on the opening's row of this desk."
            ) in page
    assert "only an organizer" not in page.lower()
    assert _stage(opening) is None
    # the stage buttons give way to the correction, open on every row
    assert 'class="stage-buttons correct-form"' in _row(page, opening)
    assert "<details class=\"correct\" open>" in _row(page, opening)
    assert f'action="/fairs/{fair.id}/desk/record"' not in page


def test_organizer_corrects_and_undoes_after_close(client, auth, desk):
    fair, opening = desk["fair"], desk["opening"]
    _at_desk(client, auth, fair)
    client.post(f"/fairs/{fair.id}/desk/record",
                data={"opening_id": opening.id, "stage": "declined"})
    _close(fair)
    page = _text(client.post(f"/fairs/{fair.id}/desk/undo",
                       follow_redirects=True))
    assert "The last record was undone." in page
    assert "only an organizer" not in page.lower()
    assert _stage(opening) is None
    undone = db.session.scalar(sa.select(AuditEvent.detail)
                               .where(AuditEvent.action == "stage_undone"))
    assert undone["correction"] is True and undone["previous"] == "declined"

    page = _text(client.post(f"/fairs/{fair.id}/desk/correct",
                       data={"opening_id": opening.id, "stage": "intent"},
                       follow_redirects=True))
    assert "Corrected: recorded as preliminary intent." in page
    assert _stage(opening) is InterestStage.INTENT
    detail = db.session.scalar(sa.select(AuditEvent.detail)
                               .where(AuditEvent.action == "correction"))
    assert detail["previous"] is None and detail["stage"] == "intent"


def test_admin_after_close_is_told_an_organizer_corrects_on_the_desk(client, auth, desk):
    fair, opening = desk["fair"], desk["opening"]
    _at_desk(client, auth, fair, username="boss")
    client.post(f"/fairs/{fair.id}/desk/record",
                data={"opening_id": opening.id, "stage": "interested"})
    _close(fair)
    page = _text(client.post(f"/fairs/{fair.id}/desk/undo",
                       follow_redirects=True))
    assert ("The fair is closed, so the last record can no longer be undone; nothing "
            "changed. An organizer of the fair can correct a stage with “Correct” on the "
            "opening's row of this desk.") in page
    assert _stage(opening) is InterestStage.INTERESTED


def test_before_the_fair_opens_the_desk_says_when_recording_starts(client, auth, make):
    fair = make.fair()
    employer = make.employer()
    booth = make.booth(fair, employer, "A01")
    opening = make.opening(employer_id=employer.id)
    make.offer(fair, booth, opening)
    make.participant(fair, make.seeker(facility_id=fair.facility_id), badge_code=BADGE)
    make.user(Role.ORGANIZER, username="org")
    db.session.commit()
    auth.login("org")
    client.get("/lang/en")
    page = _text(client.post(f"/fairs/{fair.id}/desk/badge", data={"badge": BADGE, "check_in": "1"},
                       follow_redirects=True))
    assert "The fair has not opened yet: check-in starts when an organizer opens it" in page
    page = _text(client.post(f"/fairs/{fair.id}/desk/record",
                       data={"opening_id": opening.id, "stage": "intent"},
                       follow_redirects=True))
    assert "The fair has not opened yet: records start when an organizer opens it" in page
    assert db.session.scalar(sa.select(sa.func.count(Interest.id))) == 0


def test_staff_pages_fold_the_menu_behind_one_button_and_kiosks_have_none(client, auth,
                                                                         desk, make):
    _at_desk(client, auth, desk["fair"])
    page = _text(client.get(f"/fairs/{desk['fair'].id}/desk"))
    assert 'id="menu-toggle"' in page and 'for="menu-toggle"' in page
    assert 'id="main-menu"' in page
    make.user(Role.KIOSK, username="kiosk1", fair_id=desk["fair"].id)
    db.session.commit()
    auth.logout()
    auth.login("kiosk1")
    page = _text(client.get("/kiosk"))
    assert "menu-toggle" not in page
