"""Retention: `qibu purge` anonymises people released long ago and keeps the aggregates."""

from datetime import date, timedelta

import sqlalchemy as sa

from models import AuditEvent, Seeker, SeekerStatus, Survey, db


def test_purge_anonymises_only_people_past_retention(app, runner, make):
    retention = app.config["RETENTION_DAYS"]
    old = make.seeker(name="旧人", status=SeekerStatus.RELEASED, birth_year=1980,
                      expected_release_date=date.today() - timedelta(days=retention + 1))
    old.set_id_number("11010519491231002X")
    make.survey(old, skills_text="会开叉车", health_limits="腰不好")
    recent = make.seeker(name="新人", status=SeekerStatus.RELEASED,
                         expected_release_date=date.today() - timedelta(days=retention - 1))
    inside = make.seeker(name="在所", expected_release_date=date.today() - timedelta(days=999))
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
