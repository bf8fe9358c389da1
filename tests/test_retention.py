"""Retention: `qibu purge` anonymises people released long ago and keeps the aggregates."""

from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from app.clock import local_today
from models import (
    AuditEvent,
    FollowUp,
    FollowUpReason,
    Interest,
    InterestStage,
    LoginSession,
    LoginThrottle,
    Placement,
    Role,
    Seeker,
    SeekerStatus,
    Survey,
    db,
    utcnow,
)
from models.audit import forget_addresses


def test_purge_anonymises_only_people_past_retention(app, runner, make):
    retention = app.config["RETENTION_DAYS"]
    old = make.seeker(name="旧人", status=SeekerStatus.RELEASED, birth_year=1980,
                      expected_release_date=local_today() - timedelta(days=retention + 1))
    old.set_id_number("11010519491231002X")
    make.survey(old, skills_text="会开叉车", health_limits="腰不好")
    recent = make.seeker(name="新人", status=SeekerStatus.RELEASED,
                         expected_release_date=local_today() - timedelta(days=retention - 1))
    inside = make.seeker(name="在所", expected_release_date=local_today() - timedelta(days=999))
    db.session.commit()

    result = runner.invoke(args=["purge", "--dry-run"])
    assert result.exit_code == 0 and result.output.startswith("1 people")
    db.session.refresh(old)
    assert old.name == "旧人"

    result = runner.invoke(args=["purge"])
    assert "Anonymised 1" in result.output
    db.session.expire_all()
    old = db.session.get(Seeker, old.id)
    assert old.name == "—" and old.birth_year is None and old.id_number_hash is None
    assert old.code.startswith("QB") and old.anonymised_at is not None
    survey = db.session.scalar(sa.select(Survey).where(Survey.seeker_id == old.id))
    assert survey.skills_text == "" and survey.health_limits == ""
    assert survey.categories == ["logistics"] and survey.salary_min == 5000  # aggregates stay
    assert db.session.get(Seeker, recent.id).name == "新人"
    assert db.session.get(Seeker, inside.id).name == "在所"
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "retention_purge"))
    assert "Anonymised 0" in runner.invoke(args=["purge"]).output


def _past(days: int) -> datetime:
    return utcnow() - timedelta(days=days)


def test_purge_blanks_staff_notes_about_purged_people_only(app, runner, make):
    retention = app.config["RETENTION_DAYS"]
    fair = make.fair()
    opening = make.opening()
    old = make.seeker(name="旧人", status=SeekerStatus.PLACED, consent_share=True,
                      expected_release_date=local_today() - timedelta(days=retention + 10))
    recent = make.seeker(name="新人", status=SeekerStatus.RELEASED,
                         expected_release_date=local_today() - timedelta(days=10))
    stamp = _past(900)
    for seeker in (old, recent):
        db.session.add(Interest(seeker_id=seeker.id, opening_id=opening.id, fair_id=fair.id,
                                stage=InterestStage.INTENT, note=f"{seeker.name}说腰不好",
                                updated_at=stamp))
    placement = Placement(seeker_id=old.id, opening_id=opening.id, fair_id=fair.id,
                          start_date=local_today() - timedelta(days=retention + 200))
    placement.schedule_follow_ups()
    db.session.add(placement)
    db.session.flush()
    placement.follow_ups[0].record(local_today() - timedelta(days=retention), False,
                                   FollowUpReason.HEALTH, today=local_today())
    placement.follow_ups[0].note = "旧人住院了"
    db.session.commit()

    result = runner.invoke(args=["purge", "--dry-run"])
    assert result.output.startswith("1 people are past the retention period")
    assert "Would blank or remove: 2 staff notes about them" in result.output
    assert db.session.scalar(sa.select(sa.func.count(Interest.id))
                             .where(Interest.note != "")) == 2

    result = runner.invoke(args=["purge"])
    assert "Anonymised 1 people" in result.output
    assert "Blanked or removed: 2 staff notes about them" in result.output
    db.session.expire_all()
    notes = dict(db.session.execute(sa.select(Interest.seeker_id, Interest.note)).all())
    assert notes == {old.id: "", recent.id: "新人说腰不好"}
    interest = db.session.scalar(sa.select(Interest).where(Interest.seeker_id == old.id))
    assert interest.updated_at == stamp and interest.stage is InterestStage.INTENT
    follow_up = db.session.scalar(sa.select(FollowUp).where(FollowUp.month == 1))
    assert follow_up.note == "" and follow_up.reason is FollowUpReason.HEALTH
    old = db.session.get(Seeker, old.id)
    assert old.consent_share is False  # an anonymised profile leaves employers' lists
    event = db.session.scalar(sa.select(AuditEvent).where(
        AuditEvent.action == "retention_purge"))
    assert event.detail["people"] == 1 and event.detail["notes"] == 2


def test_purge_forgets_client_addresses_older_than_the_address_retention(app, runner, make):
    app.config["IP_RETENTION_DAYS"] = 30
    user = make.user(Role.BUREAU)
    sessions = {
        "old": LoginSession(token_hash="a" * 64, user_id=user.id, ip="10.0.0.1",
                            created_at=_past(40), last_seen_at=_past(35)),
        "recent": LoginSession(token_hash="b" * 64, user_id=user.id, ip="10.0.0.2",
                               created_at=_past(40), last_seen_at=_past(20)),
    }
    throttles = {
        "ip:10.0.0.1": LoginThrottle(key="ip:10.0.0.1", failures=2,
                                     window_started_at=_past(31)),
        "ip:10.0.0.3": LoginThrottle(key="ip:10.0.0.3", failures=1,
                                     window_started_at=_past(2)),
    }
    events = {
        "old": AuditEvent(action="login", actor_id=user.id, ip="10.0.0.1", at=_past(31)),
        "recent": AuditEvent(action="login", actor_id=user.id, ip="10.0.0.2", at=_past(29)),
    }
    db.session.add_all([*sessions.values(), *throttles.values(), *events.values()])
    db.session.commit()
    ids = {name: event.id for name, event in events.items()}

    result = runner.invoke(args=["purge", "--dry-run"])
    assert ("Would blank or remove: 0 staff notes about them; 1 login sessions, "
            "1 login throttles and 1 audit client addresses older than the address "
            "retention period") in result.output
    db.session.expire_all()
    assert db.session.get(AuditEvent, ids["old"]).ip == "10.0.0.1"
    assert db.session.scalar(sa.select(sa.func.count(LoginSession.id))) == 2

    result = runner.invoke(args=["purge"])
    assert result.exit_code == 0, result.output
    assert "1 login sessions, 1 login throttles and 1 audit client addresses" in result.output
    db.session.expire_all()
    assert db.session.scalars(sa.select(LoginSession.ip)).all() == ["10.0.0.2"]
    assert db.session.scalars(sa.select(LoginThrottle.key)).all() == ["ip:10.0.0.3"]
    old, recent = db.session.get(AuditEvent, ids["old"]), db.session.get(AuditEvent, ids["recent"])
    # the old entry stays, who, what and when, without its address
    assert (old.action, old.actor_id, old.ip) == ("login", user.id, "")
    assert recent.ip == "10.0.0.2"
    purge_event = db.session.scalar(sa.select(AuditEvent).where(
        AuditEvent.action == "retention_purge"))
    assert purge_event.detail["audit_addresses"] == 1
    assert purge_event.detail["ip_retention_days"] == 30


def test_the_audit_trail_refuses_every_bulk_change_but_the_address_purge(app, make):
    event = AuditEvent(action="seeker_viewed", ip="10.0.0.9", at=_past(400))
    db.session.add(event)
    db.session.commit()
    for statement in (
        sa.update(AuditEvent).values(action="nothing"),
        sa.update(AuditEvent).values(ip=""),
        sa.delete(AuditEvent),
        AuditEvent.__table__.update().values(ip=""),
        AuditEvent.__table__.delete(),
    ):
        with pytest.raises(RuntimeError, match="append-only"):
            db.session.execute(statement)
        db.session.rollback()
    assert forget_addresses(db.session, _past(200), dry_run=True) == 1
    assert forget_addresses(db.session, _past(200)) == 1
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(AuditEvent, event.id).ip == ""
    assert db.session.get(AuditEvent, event.id).action == "seeker_viewed"


def test_unconfirmed_import_uploads_are_purged_after_the_keeping_time(app, runner):
    """Uploads awaiting confirmation hold personal data: `qibu purge` deletes those older
    than QIBU_IMPORT_KEEP_HOURS, whichever host took them."""
    from models import ImportUpload

    for token, hours in (("o" * 32, 25), ("n" * 32, 23)):
        db.session.add(ImportUpload(token=token, kind="surveys", meta="{}", data=b"x",
                                    stored_at=utcnow() - timedelta(hours=hours)))
    db.session.commit()
    dry = runner.invoke(args=["purge", "--dry-run"])
    assert "1 unconfirmed import uploads older than 24 hours" in dry.output, dry.output
    result = runner.invoke(args=["purge"])
    assert "1 unconfirmed import uploads older than 24 hours" in result.output
    db.session.expire_all()
    assert db.session.scalars(sa.select(ImportUpload.token)).all() == ["n" * 32]
