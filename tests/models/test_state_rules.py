"""State rules that live on the models and raise on illegal moves."""

from datetime import date

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from models import (
    AuditEvent,
    FairStatus,
    FollowUpReason,
    Interest,
    InterestStage,
    OpeningStatus,
    Placement,
    Role,
    StaffUser,
    StateError,
    db,
)
from models.placements import add_months


def test_fair_moves_planning_open_closed_and_never_reopens(make):
    fair = make.fair()
    assert fair.status is FairStatus.PLANNING
    assert fair.accepts_participants and not fair.records_stages
    with pytest.raises(StateError):
        fair.close()
    fair.open()
    assert fair.records_stages and fair.opened_at is not None
    with pytest.raises(StateError):
        fair.open()
    fair.close()
    assert fair.status is FairStatus.CLOSED
    with pytest.raises(StateError):
        fair.open()
    with pytest.raises(StateError):
        fair.require_participants_allowed()


def test_stages_are_recorded_only_while_open_or_corrected_by_an_organizer(make):
    fair = make.fair()
    with pytest.raises(StateError, match="尚未开始"):
        fair.require_recording_allowed()
    fair.open()
    fair.require_recording_allowed()
    fair.close()
    with pytest.raises(StateError, match="只有招聘会组织者"):
        fair.require_recording_allowed()
    fair.require_recording_allowed(correction_by_organizer=True)


def test_opening_filled_never_exceeds_headcount(make):
    opening = make.opening(headcount=2)
    opening.fill_place()
    opening.fill_place()
    with pytest.raises(StateError, match="2/2"):
        opening.fill_place()
    assert opening.filled == 2
    with pytest.raises(StateError):
        opening.set_headcount(1)


def test_database_refuses_filled_above_headcount(make):
    opening = make.opening(headcount=1)
    db.session.commit()
    with pytest.raises(IntegrityError):
        db.session.execute(sa.update(type(opening)).values(filled=2))
    db.session.rollback()


def test_opening_with_unknown_headcount_takes_hires(make):
    opening = make.opening(headcount=None)
    for _ in range(3):
        opening.fill_place()
    assert opening.places_left is None and opening.filled == 3


def test_opening_close_and_reopen(make):
    opening = make.opening(headcount=1)
    with pytest.raises(StateError):
        opening.reopen()
    opening.close()
    assert opening.status is OpeningStatus.CLOSED and opening.closed_at
    with pytest.raises(StateError):
        opening.close()
    opening.reopen()
    opening.fill_place()
    opening.close()
    with pytest.raises(StateError, match="名额已满"):
        opening.reopen()


def test_interest_moves_forward_or_declines(make):
    interest = Interest(seeker_id=make.seeker().id, opening_id=make.opening().id,
                        stage=InterestStage.INTERESTED)
    interest.advance_to(InterestStage.INTENT)  # stages may be skipped
    with pytest.raises(StateError):
        interest.advance_to(InterestStage.INTERVIEWED)
    interest.advance_to(InterestStage.DECLINED)
    with pytest.raises(StateError):
        interest.advance_to(InterestStage.HIRED)


def test_survey_categories_are_ranked_and_distinct(make):
    seeker = make.seeker()
    survey = make.survey(seeker, categories=["logistics", "workshop"])
    assert survey.categories == ["logistics", "workshop"]
    with pytest.raises(StateError):
        survey.set_categories(["sales", "sales"])
    with pytest.raises(StateError):
        survey.set_categories(["sales", "retail", "driver", "security"])


def test_placement_schedules_follow_ups_at_1_3_6_12_months(make):
    placement = Placement(seeker_id=make.seeker().id, opening_id=make.opening().id,
                          start_date=date(2026, 8, 31))
    placement.schedule_follow_ups()
    assert [(f.month, f.due_on) for f in placement.follow_ups] == [
        (1, date(2026, 9, 30)), (3, date(2026, 11, 30)), (6, date(2027, 2, 28)),
        (12, date(2027, 8, 31)),
    ]
    with pytest.raises(StateError, match="原因"):
        placement.follow_ups[0].record(date(2026, 9, 30), still_employed=False, reason=None,
                                        today=date(2026, 10, 8))
    placement.follow_ups[0].record(date(2026, 9, 30), False, FollowUpReason.COMMUTE,
                                    today=date(2026, 10, 8))
    assert placement.follow_ups[0].reason is FollowUpReason.COMMUTE


def test_add_months_clamps_to_month_end():
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 11, 15), 3) == date(2027, 2, 15)


def test_roles_need_their_scope(make):
    user = StaffUser(username="x", password_hash="x")
    with pytest.raises(StateError, match="戒毒所"):
        user.assign_role(Role.BUREAU)
    with pytest.raises(StateError, match="招聘会"):
        user.assign_role(Role.KIOSK)
    user.assign_role(Role.BUREAU, facility_id=make.facility().id, fair_id=5)
    assert user.fair_id is None


def test_audit_events_cannot_be_changed(app):
    event = AuditEvent(action="view_seeker")
    db.session.add(event)
    db.session.commit()
    event.action = "nothing"
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.get(AuditEvent, event.id))
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.flush()
    db.session.rollback()
