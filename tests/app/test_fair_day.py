"""Fair day: check-in, one-tap stages, undo, and the live dashboard."""

import threading

import pytest
import sqlalchemy as sa

from app import create_app
from app.clock import local_today
from app.config import TestingConfig
from app.fairs import recording
from models import Fair, FairParticipant, Interest, InterestStage, Role, StateError, db


@pytest.fixture
def day(make):
    fair = make.fair()
    employer = make.employer(name="上海顺达物流有限公司")
    booth = make.booth(fair, employer, "A01")
    opening = make.opening(employer_id=employer.id, title="理货员")
    make.offer(fair, booth, opening)
    seeker = make.seeker(facility_id=fair.facility_id)
    participant = make.participant(fair, seeker, badge_code="K7M9XQ2PB")
    make.user(Role.ORGANIZER, username="org")
    fair.open()
    db.session.commit()
    return {"fair": fair, "opening": opening, "participant": participant, "seeker": seeker}


def _login(client, auth):
    auth.login("org")
    client.get("/lang/en")


def test_check_in_record_and_undo_at_the_desk(client, auth, day):
    _login(client, auth)
    fair, opening = day["fair"], day["opening"]
    page = client.post(f"/fairs/{fair.id}/desk/badge",
                       data={"badge": "k7m-9xq-2pb", "check_in": "1"},
                       follow_redirects=True).get_data(as_text=True)
    assert "Checked in." in page and "K7M-9XQ-2PB" in page
    db.session.refresh(day["participant"])
    assert day["participant"].checked_in_at is not None

    client.post(f"/fairs/{fair.id}/desk/record",
                data={"opening_id": opening.id, "stage": "interested"})
    page = client.post(f"/fairs/{fair.id}/desk/record",
                       data={"opening_id": opening.id, "stage": "intent", "note": "下周面试"},
                       follow_redirects=True).get_data(as_text=True)
    assert "Recorded: preliminary intent." in page
    interest = db.session.scalar(sa.select(Interest))
    assert interest.stage is InterestStage.INTENT and interest.note == "下周面试"
    page = client.post(f"/fairs/{fair.id}/desk/undo", follow_redirects=True).get_data(
        as_text=True)
    assert "The last record was undone." in page
    db.session.refresh(interest)
    assert interest.stage is InterestStage.INTERESTED
    dashboard = client.get(f"/fairs/{fair.id}/dashboard").get_data(as_text=True)
    assert "1 of 1 registered participants have at least one intent" not in dashboard
    assert "0 of 1 registered participants have at least one intent" in dashboard


def test_a_tap_from_the_desk_script_is_answered_with_the_row_alone(client, auth, day):
    """The desk page's script sends taps in the background: the answer is the opening's
    row (stage, message, undo), not the whole desk; where there is no row to give, where
    to go instead."""
    _login(client, auth)
    fair, opening = day["fair"], day["opening"]
    row = {"X-Qibu-Desk": "row"}
    # no person chosen yet: told to go to the desk, whose page says why
    answer = client.post(f"/fairs/{fair.id}/desk/record", headers=row,
                         data={"opening_id": opening.id, "stage": "interested"})
    assert answer.status_code == 204
    assert answer.headers["X-Qibu-Go"] == f"/fairs/{fair.id}/desk"
    assert "Scan or type a badge first." in client.get(answer.headers["X-Qibu-Go"]).get_data(
        as_text=True)

    client.post(f"/fairs/{fair.id}/desk/badge", data={"badge": "K7M9XQ2PB"})  # found only
    page = client.get(f"/fairs/{fair.id}/desk").get_data(as_text=True)
    assert '<span class="badge ok" id="checked-in" hidden>' in page
    answer = client.post(f"/fairs/{fair.id}/desk/record", headers=row,
                         data={"opening_id": opening.id, "stage": "interviewed"})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200 and answer.headers["X-Qibu-Row"] == f"opening-{opening.id}"
    assert answer.headers["X-Qibu-Undo"] == "1"
    # a stage recorded marks the person as come: the page is told, to show it at the top
    assert answer.headers["X-Qibu-Checked-In"] == "1"
    assert html.lstrip().startswith(f'<div class="desk-row" id="opening-{opening.id}"')
    assert '<span class="stage stage-interviewed">interviewed</span>' in html
    assert "Recorded: interviewed." in html and "↶ Undo" in html
    assert "Badge code" not in html  # the row alone
    # the message was shown with the row: the next whole desk does not say it again
    assert "Recorded: interviewed." not in client.get(f"/fairs/{fair.id}/desk").get_data(
        as_text=True)
    # a refused tap is said on the row too, and nothing changed
    answer = client.post(f"/fairs/{fair.id}/desk/record", headers=row,
                         data={"opening_id": opening.id, "stage": "interested"})
    assert "Already recorded as a later stage" in answer.get_data(as_text=True)
    answer = client.post(f"/fairs/{fair.id}/desk/undo", headers=row)
    html = answer.get_data(as_text=True)
    assert "The last record was undone." in html and answer.headers["X-Qibu-Undo"] == "0"
    assert 'class="stage stage-' not in html and "↶ Undo" not in html
    assert db.session.scalar(sa.select(sa.func.count(Interest.id))) == 0


def test_unknown_badge_gets_a_message(client, auth, day):
    _login(client, auth)
    page = client.post(f"/fairs/{day['fair'].id}/desk/badge", data={"badge": "AAAAAAAAA"},
                       follow_redirects=True).get_data(as_text=True)
    assert "No participant of this fair has that badge code" in page


def test_stages_never_move_backwards(app, day):
    fair, participant, opening = day["fair"], day["participant"], day["opening"]
    recording.record_stage(fair, participant, opening.id, InterestStage.INTENT)
    with pytest.raises(StateError):
        recording.record_stage(fair, participant, opening.id, InterestStage.INTERESTED)
    again = recording.record_stage(fair, participant, opening.id, InterestStage.INTENT)
    assert again.previous == again.stage == "intent"


def test_closed_fair_takes_corrections_only(app, day):
    fair, participant, opening = day["fair"], day["participant"], day["opening"]
    fair.close()
    db.session.commit()
    with pytest.raises(StateError):
        recording.record_stage(fair, participant, opening.id, InterestStage.INTENT)
    recording.record_stage(fair, participant, opening.id, InterestStage.INTENT, correction=True)
    assert db.session.scalar(sa.select(Interest.stage)) is InterestStage.INTENT


def test_many_tablets_at_once_lose_and_duplicate_nothing(app, make, database_url, day):
    """8 threads record 200 intents (25 each) for 100 people at 2 openings, with overlaps."""
    fair = day["fair"]
    employer = make.employer(name="第二公司")
    booth = make.booth(fair, employer, "A02")
    second = make.opening(employer_id=employer.id, title="普工")
    make.offer(fair, booth, second)
    openings = [day["opening"].id, second.id]
    people = [make.participant(fair, make.seeker(facility_id=fair.facility_id)).id
              for _ in range(100)]
    db.session.commit()
    fair_id = fair.id  # worker threads must not touch this thread's session
    jobs = [(people[i % 100], openings[i // 100]) for i in range(200)]
    errors = []

    def worker(part, worker_app):
        with worker_app.app_context():
            for participant_id, opening_id in part:
                for stage in (InterestStage.INTERESTED, InterestStage.INTENT):
                    try:
                        worker_fair = db.session.get(Fair, fair_id)
                        participant = db.session.get(FairParticipant, participant_id)
                        recording.record_stage(worker_fair, participant, opening_id, stage)
                        db.session.commit()
                    except StateError:
                        db.session.rollback()  # another tablet got further first: refused
                    except Exception as error:  # noqa: BLE001 (collected and asserted)
                        db.session.rollback()
                        errors.append(repr(error))
            db.session.remove()
            db.engine.dispose()

    # every job twice, by different threads, to provoke races on the same pair
    parts = [jobs[i::8] + jobs[(i + 1) % 8::8] for i in range(8)]
    # apps are built here: building them inside threads races on first imports
    apps = [create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=database_url) for _ in parts]
    threads = [threading.Thread(target=worker, args=(part, worker_app))
               for part, worker_app in zip(parts, apps, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    db.session.expire_all()
    stages = db.session.execute(sa.select(Interest.stage, sa.func.count())
                                .group_by(Interest.stage)).all()
    assert dict(stages) == {InterestStage.INTENT: 200}


def test_intent_becomes_a_placement_within_headcount_and_is_followed_up(client, auth, day, make):
    from datetime import timedelta

    from models import FollowUp, Opening, Placement, SeekerStatus
    from models.placements import add_months

    fair, participant, opening = day["fair"], day["participant"], day["opening"]
    fair.held_on = local_today() - timedelta(days=60)
    start = fair.held_on + timedelta(days=5)
    opening.headcount = 1
    other = make.participant(fair, make.seeker(facility_id=fair.facility_id))
    for p in (participant, other):
        recording.record_stage(fair, p, opening.id, InterestStage.INTENT)
    db.session.commit()
    first, second = db.session.scalars(sa.select(Interest).order_by(Interest.id)).all()
    _login(client, auth)
    client.post(f"/fairs/{fair.id}/placements",
                data={"interest_id": first.id, "start_date": start.strftime("%Y.%m.%d"),
                      "monthly_pay": "6500"})
    page = client.post(f"/fairs/{fair.id}/placements",
                       data={"interest_id": second.id, "start_date": start.isoformat()},
                       follow_redirects=True).get_data(as_text=True)
    assert "Every place of this opening is filled" in page
    assert db.session.scalar(sa.select(Opening.filled).where(Opening.id == opening.id)) == 1
    placement = db.session.scalar(sa.select(Placement))
    assert placement.start_date == start and placement.monthly_pay == 6500
    assert placement.seeker.status is SeekerStatus.PLACED
    assert [f.month for f in placement.follow_ups] == [1, 3, 6, 12]
    page = client.get("/follow-ups?days=365").get_data(as_text=True)
    assert placement.seeker.code in page and str(add_months(start, 1)) in page
    follow = placement.follow_ups[0]
    asked_on = (start + timedelta(days=35)).isoformat()
    page = client.post(f"/follow-ups/{follow.id}", data={"done_on": asked_on,
                                                          "still_employed": "no"},
                       follow_redirects=True).get_data(as_text=True)
    assert "Say why the person is no longer employed." in page
    client.post(f"/follow-ups/{follow.id}", data={"done_on": asked_on, "still_employed": "no",
                                                   "reason": "commute"})
    db.session.refresh(follow)
    assert follow.still_employed is False and follow.reason.value == "commute"
    assert db.session.scalar(sa.select(sa.func.count(FollowUp.id))
                             .where(FollowUp.done_on.is_not(None))) == 1


def test_fair_report_equals_a_count_from_the_database(app, runner, client, auth):
    """On the demo's past fair, every figure is what a direct count gives."""
    import io

    import openpyxl
    from flask_babel import force_locale

    from app.fairs.report import figure_labels
    from models import FairStatus, Placement

    runner.invoke(args=["seed-demo"])
    fair = db.session.scalar(sa.select(Fair).where(Fair.status == FairStatus.CLOSED))
    participants = db.session.scalar(sa.select(sa.func.count(FairParticipant.id))
                                     .where(FairParticipant.fair_id == fair.id))
    with_intent = db.session.scalar(
        sa.select(sa.func.count(sa.distinct(Interest.seeker_id))).where(
            Interest.fair_id == fair.id,
            Interest.stage.in_([InterestStage.INTENT, InterestStage.HIRED])))
    hires = db.session.scalar(sa.select(sa.func.count(Placement.id))
                              .where(Placement.fair_id == fair.id))
    auth.login("organizer", "qibu-organizer-demo")
    client.get("/lang/en")
    page = client.get(f"/fairs/report?fair={fair.id}").get_data(as_text=True)
    rate = f"{round(with_intent / participants * 100, 1)}%"
    assert f"<td>{participants}</td>" in page and rate in page
    assert f"<td>{hires}</td>" in page
    response = client.get(f"/fairs/report.xlsx?fair={fair.id}")
    sheet = openpyxl.load_workbook(io.BytesIO(response.data))["Summary"]
    values = {row[0].value: row[1].value for row in sheet.iter_rows(min_row=2)}
    with app.test_request_context(), force_locale("en"):
        label = figure_labels()  # the rows are named in the user's language
    assert values[label["participants"]] == participants
    assert values[label["people_with_intent"]] == with_intent
    assert values[label["placements"]] == hires
    for row in openpyxl.load_workbook(io.BytesIO(response.data))[fair.code].iter_rows(
            min_row=2):
        for cell in row[3:]:
            assert cell.value == "<5" or cell.value == "x" or cell.value >= 5


def test_concurrent_hires_never_exceed_the_headcount(app, make, database_url, day):
    """8 workers try to place 24 people in an opening with 5 places: exactly 5 succeed."""
    from datetime import timedelta

    from app.fairs import placements
    from models import Opening, Placement

    fair, opening = day["fair"], day["opening"]
    fair.held_on = local_today() - timedelta(days=30)
    start = fair.held_on + timedelta(days=7)
    opening.headcount = 5
    people = [make.participant(fair, make.seeker(facility_id=fair.facility_id))
              for _ in range(24)]
    for participant in people:
        recording.record_stage(fair, participant, opening.id, InterestStage.INTENT)
    db.session.commit()
    interest_ids = list(db.session.scalars(sa.select(Interest.id)))
    outcomes, errors = [], []

    def worker(ids, worker_app):
        with worker_app.app_context():
            for interest_id in ids:
                try:
                    placements.record_placement(db.session.get(Interest, interest_id),
                                                start, 6000)
                    db.session.commit()
                    outcomes.append("hired")
                except StateError:
                    db.session.rollback()
                    outcomes.append("full")
                except Exception as error:  # noqa: BLE001 (collected and asserted)
                    db.session.rollback()
                    errors.append(repr(error))
            db.session.remove()
            db.engine.dispose()

    apps = [create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=database_url) for _ in range(8)]
    threads = [threading.Thread(target=worker, args=(interest_ids[i::8], apps[i]))
               for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    db.session.expire_all()
    assert outcomes.count("hired") == 5 and outcomes.count("full") == 19
    assert db.session.scalar(sa.select(Opening.filled).where(Opening.id == opening.id)) == 5
    assert db.session.scalar(sa.select(sa.func.count(Placement.id))) == 5
