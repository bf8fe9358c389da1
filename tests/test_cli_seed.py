"""The `qibu` commands: demo data (idempotent), accounts, and every demo role's home page."""

from collections import Counter

import sqlalchemy as sa

from app.clock import local_today
from app.seeding import DEMO_ACCOUNTS
from models import (
    Base,
    Certificate,
    Employer,
    Fair,
    FairParticipant,
    FairStatus,
    Interest,
    InterestStage,
    Opening,
    OpeningStatus,
    Placement,
    Role,
    Seeker,
    StaffUser,
    Survey,
    db,
)


def _counts():
    return {
        table.name: db.session.scalar(sa.select(sa.func.count()).select_from(table))
        for table in Base.metadata.sorted_tables
        if table.name not in ("audit_events", "login_sessions", "login_throttles")
    }


def test_seed_demo_loads_the_programme_and_twice_changes_nothing(runner):
    result = runner.invoke(args=["seed-demo", "--if-empty"])
    assert result.exit_code == 0, result.output
    first = _counts()
    assert first["employers"] == 61
    assert first["openings"] >= 400
    # about 410 people due for release, and 60 released during the past year
    assert 440 <= first["seekers"] <= 500
    assert first["surveys"] >= first["seekers"]
    fair = db.session.scalar(sa.select(Fair).where(Fair.code == "QP-2026-0626"))
    assert fair.status is FairStatus.PLANNING
    assert first["fairs"] == 2
    assert first["staff_users"] == len(DEMO_ACCOUNTS)
    kiosk = db.session.scalar(sa.select(StaffUser).where(StaffUser.role == Role.KIOSK))
    assert kiosk.fair_id == fair.id

    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "nothing new" in result.output
    assert _counts() == first
    result = runner.invoke(args=["seed-demo", "--if-empty"])
    assert "already holds data" in result.output


def test_demo_data_is_realistic(runner):
    runner.invoke(args=["seed-demo"])
    headcount = db.session.scalar(
        sa.select(sa.func.sum(Opening.headcount)).where(Opening.status == OpeningStatus.OPEN)
    )
    assert headcount >= 1000
    top = db.session.execute(
        sa.select(Opening.category_code, sa.func.count()).group_by(Opening.category_code)
        .order_by(sa.func.count().desc()).limit(4)
    ).all()
    assert {code for code, _ in top} == {"sales", "phone_service", "workshop", "logistics"}
    unknown_pay = db.session.scalar(
        sa.select(sa.func.count()).where(Opening.pay_min.is_(None))
    )
    assert unknown_pay < 0.1 * db.session.scalar(sa.select(sa.func.count(Opening.id)))
    assert db.session.scalar(sa.select(sa.func.count()).where(Employer.uscc.is_(None))) == 0
    # every seeker has at least one survey with a first choice
    no_survey = db.session.scalar(
        sa.select(sa.func.count(Seeker.id)).where(~Seeker.surveys.any())
    )
    assert no_survey == 0
    assert db.session.scalar(sa.select(sa.func.count(Survey.id))) > 400


def test_the_past_fair_is_closed_with_a_plausible_history(runner):
    runner.invoke(args=["seed-demo"])
    fair = db.session.scalar(sa.select(Fair).where(Fair.status == FairStatus.CLOSED))
    assert fair.code == "JD-2025-1228" and fair.facility.code == "SH-JD"
    assert fair.held_on < local_today()
    assert fair.opened_at.date() == fair.closed_at.date() == fair.held_on
    assert 25 <= len(fair.booths) <= 35
    participants = db.session.scalars(
        sa.select(FairParticipant).where(FairParticipant.fair_id == fair.id)).all()
    assert len(participants) >= 100
    assert all(p.seeker.facility_id == fair.facility_id for p in participants)
    badges = [p.badge_code for p in participants]
    assert len(set(badges)) == len(badges)
    assert all(len(b) >= 9 and set(b) <= set("23456789ABCDEFGHJKMNPQRSTUVWXYZ") for b in badges)

    interests = db.session.scalars(sa.select(Interest).where(Interest.fair_id == fair.id)).all()
    offered = {o.opening_id for booth in fair.booths for o in booth.openings}
    assert {i.opening_id for i in interests} <= offered
    reached = {i.seeker_id for i in interests
               if i.stage in (InterestStage.INTENT, InterestStage.HIRED)}
    assert len(reached) >= 0.4 * len(participants)
    legal = {}
    for certificate in db.session.scalars(sa.select(Certificate)):
        for category in certificate.legally_required_for:
            legal.setdefault(category, set()).add(certificate.code)
    for interest in interests:
        survey, opening = interest.seeker.latest_survey, interest.opening
        assert not set(survey.avoid) & set(opening.environments), interest.id
        assert legal.get(opening.category_code, set()) <= set(survey.certificates), interest.id
        assert interest.source == "staff"

    placements = db.session.scalars(sa.select(Placement).where(Placement.fair_id == fair.id)).all()
    hired = [i for i in interests if i.stage is InterestStage.HIRED]
    assert len(placements) == len(hired) > 0
    for placement in placements:
        assert 7 <= (placement.start_date - fair.held_on).days <= 40
        assert placement.monthly_pay and [f.month for f in placement.follow_ups] == [1, 3, 6, 12]
    per_opening = Counter(p.opening_id for p in placements)
    for opening_id, hires in per_opening.items():
        opening = db.session.get(Opening, opening_id)
        assert hires <= opening.filled <= opening.headcount


def test_every_demo_account_logs_in_to_its_own_home(app, runner):
    runner.invoke(args=["seed-demo"])
    homes = {
        Role.ADMIN: ("/admin/", "概览"),
        Role.BUREAU: ("/bureau", "的求职者"),
        Role.EMPLOYMENT: ("/employment", "用人单位和岗位"),
        Role.ORGANIZER: ("/organizer", "起步"),
        Role.KIOSK: ("/kiosk", "专场招聘会"),
        Role.SOCIAL_WORKER: ("/aftercare/", "社区戒毒康复社工"),
    }
    for username, password, role, _ in DEMO_ACCOUNTS:
        client = app.test_client()
        response = client.post("/login", data={"username": username, "password": password})
        home, text = homes[role]
        assert response.headers["Location"] == home, username
        page = client.get(home)
        assert page.status_code == 200
        assert text in page.get_data(as_text=True), username


def test_bureau_staff_see_only_their_own_facility(app, runner):
    runner.invoke(args=["seed-demo"])
    client = app.test_client()
    client.post("/login", data={"username": "bureau2", "password": "qibu-bureau2-demo"})
    me = db.session.scalar(sa.select(StaffUser).where(StaffUser.username == "bureau2"))
    others = db.session.scalars(
        sa.select(Seeker).where(Seeker.facility_id != me.facility_id).limit(20)
    ).all()
    page = "".join(
        client.get(f"/bureau?page={n}").get_data(as_text=True) for n in range(1, 4)
    )
    own_names = set(db.session.scalars(
        sa.select(Seeker.name).where(Seeker.facility_id == me.facility_id)))
    assert others
    assert not any(s.code in page for s in others)
    assert not any(s.name in page for s in others if s.name not in own_names)


def test_create_user_command(runner):
    result = runner.invoke(args=["create-user", "li.ming", "--role", "employment",
                                 "--password", "a-good-long-passphrase"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(sa.select(StaffUser.role).where(StaffUser.username == "li.ming")) \
        is Role.EMPLOYMENT


def test_create_user_refuses_a_weak_password_and_unknown_facility(runner):
    result = runner.invoke(args=["create-user", "li.ming", "--role", "employment",
                                 "--password", "password1234"])
    assert result.exit_code != 0 and "太容易" in result.output
    result = runner.invoke(args=["create-user", "wang", "--role", "bureau", "--facility", "NOPE",
                                 "--password", "a-good-long-passphrase"])
    assert result.exit_code != 0 and "NOPE" in result.output


def test_demo_accounts_command_prints_every_account(runner):
    result = runner.invoke(args=["demo-accounts"])
    for username, password, _, _ in DEMO_ACCOUNTS:
        assert username in result.output and password in result.output


def test_match_evaluate_and_train_on_the_demo_outcomes(app, runner, tmp_path):
    app.config["CACHE_DIR"] = str(tmp_path / "cache")
    runner.invoke(args=["seed-demo"])
    result = runner.invoke(args=["match", "evaluate", "--json"])
    assert result.exit_code == 0, result.output
    import json

    table = {row["method"]: row for row in json.loads(result.output)}
    assert set(table) >= {"matcher (expert weights)", "random", "most_popular",
                          "category_only", "tfidf_cosine"}
    assert table["matcher (expert weights)"]["ndcg"] > table["random"]["ndcg"]
    result = runner.invoke(args=["match", "train"])
    assert result.exit_code == 0, result.output
    assert "now active" in result.output
    from app.services.matching import active_model_info

    info = active_model_info()
    assert info["trained"] and info["training"]["n_pairs"] > 0
