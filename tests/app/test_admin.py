"""Admin pages: add, disable and re-role accounts, with messages for bad input."""

import sqlalchemy as sa

from models import AuditEvent, Role, StaffUser, db


def _admin(make, auth):
    make.user(Role.ADMIN, username="boss")
    db.session.commit()
    auth.login("boss")


def test_admin_creates_a_bureau_account(client, make, auth):
    facility = make.facility(name_zh="青浦所")
    _admin(make, auth)
    response = client.post("/admin/users/new", data={
        "username": "wang.li", "display_name": "王丽", "password": "a-good-long-passphrase",
        "role": "bureau", "facility_id": facility.id, "fair_id": 0,
    })
    assert response.status_code == 302
    user = db.session.scalar(sa.select(StaffUser).where(StaffUser.username == "wang.li"))
    assert user.role is Role.BUREAU and user.facility_id == facility.id
    assert "wang.li" in client.get("/admin/users").get_data(as_text=True)


def test_bad_account_input_gets_messages_and_writes_nothing(client, make, auth):
    _admin(make, auth)
    before = db.session.scalar(sa.select(sa.func.count(StaffUser.id)))
    page = client.post("/admin/users/new", data={
        "username": "x y", "password": "short", "role": "bureau", "facility_id": 0,
        "fair_id": 0,
    }).get_data(as_text=True)
    assert "只能使用字母、数字" in page  # user name rule
    assert "至少使用 12 个字符" in page  # password rule
    assert "请选择该戒毒所工作人员账号所属的戒毒所" in page  # bureau needs a facility
    assert db.session.scalar(sa.select(sa.func.count(StaffUser.id))) == before


def test_duplicate_user_name_is_refused(client, make, auth):
    _admin(make, auth)
    page = client.post("/admin/users/new", data={
        "username": "BOSS", "password": "a-good-long-passphrase", "role": "admin",
        "facility_id": 0, "fair_id": 0,
    }).get_data(as_text=True)
    assert "已被使用" in page


def test_disable_and_role_change_are_audited_and_end_sessions(app, client, make, auth):
    clerk = make.user(Role.EMPLOYMENT, username="clerk")
    facility = make.facility()
    _admin(make, auth)
    other = app.test_client()
    other.post("/login", data={"username": "clerk", "password": "correct-horse-battery"})
    assert other.get("/employment").status_code == 200

    client.post(f"/admin/users/{clerk.id}/role", data={
        "role": "bureau", "facility_id": facility.id, "fair_id": 0})
    assert other.get("/employment").status_code == 302  # session ended
    client.post(f"/admin/users/{clerk.id}/active/0")
    db.session.refresh(clerk)
    assert clerk.active is False
    actions = db.session.scalars(sa.select(AuditEvent.action)).all()
    assert "role_changed" in actions and "user_disabled" in actions


def test_admin_cannot_disable_themselves(client, make, auth):
    _admin(make, auth)
    me = db.session.scalar(sa.select(StaffUser).where(StaffUser.username == "boss"))
    response = client.post(f"/admin/users/{me.id}/active/0", follow_redirects=True)
    assert "不能停用自己的账号" in response.get_data(as_text=True)
    db.session.refresh(me)
    assert me.active


def test_audit_viewer_filters_and_is_admin_only(client, make, auth):
    clerk = make.user(Role.EMPLOYMENT, username="clerk")
    db.session.commit()
    auth.login("clerk", "wrong-password-123")
    auth.login("clerk")
    assert client.get("/admin/audit").status_code == 403
    auth.logout()
    _admin(make, auth)
    client.get("/lang/en")
    page = client.get("/admin/audit?action=login_failed").get_data(as_text=True)
    assert "Failed login" in page and "clerk" in page
    assert ">Logged in<" not in page.split("<tbody>")[1]
    page = client.get(f"/admin/audit?actor=clerk&target_type=StaffUser&target_id={clerk.id}"
                      ).get_data(as_text=True)
    assert "Logged out" in page
    # the trail is read-only: no route writes or deletes entries
    rules = [r for r in client.application.url_map.iter_rules() if "audit" in r.rule]
    assert all(r.methods <= {"GET", "HEAD", "OPTIONS"} for r in rules)
