"""The `qibu` commands: demo data (idempotent), accounts, and every demo role's home page."""

import sqlalchemy as sa

from app.seeding import DEMO_ACCOUNTS
from models import (
    Base,
    Employer,
    Fair,
    FairStatus,
    Opening,
    OpeningStatus,
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
    assert 380 <= first["seekers"] <= 440
    assert first["surveys"] >= first["seekers"]
    fair = db.session.scalar(sa.select(Fair))
    assert fair.status is FairStatus.PLANNING
    assert first["staff_users"] == len(DEMO_ACCOUNTS)

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
        sa.select(sa.func.count()).where(Opening.salary_min.is_(None))
    )
    assert unknown_pay < 0.1 * db.session.scalar(sa.select(sa.func.count(Opening.id)))
    assert db.session.scalar(sa.select(sa.func.count()).where(Employer.uscc.is_(None))) == 0
    # every seeker has at least one survey with a first choice
    no_survey = db.session.scalar(
        sa.select(sa.func.count(Seeker.id)).where(~Seeker.surveys.any())
    )
    assert no_survey == 0
    assert db.session.scalar(sa.select(sa.func.count(Survey.id))) > 400


def test_every_demo_account_logs_in_to_its_own_home(app, runner):
    runner.invoke(args=["seed-demo"])
    homes = {
        Role.ADMIN: ("/admin/", "概览"),
        Role.BUREAU: ("/bureau", "的求职者"),
        Role.EMPLOYMENT: ("/employment", "用人单位和岗位"),
        Role.ORGANIZER: ("/organizer", "起步"),
        Role.KIOSK: ("/kiosk", "展位"),
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
