"""Logging in and out: server-side sessions, throttling, idle timeout, password policy."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.auth.passwords import password_problem
from models import AuditEvent, LoginSession, LoginThrottle, Role, db, utcnow


@pytest.fixture
def clerk(make):
    account = make.user(Role.EMPLOYMENT, username="clerk")
    db.session.commit()
    return account


def test_login_page_is_chinese_by_default(client):
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="zh-CN">' in page
    assert "登录" in page


def test_wrong_password_is_refused_with_a_message(client, auth, clerk):
    response = auth.login("clerk", "not-the-password")
    assert response.status_code == 200
    assert "用户名或密码错误" in response.get_data(as_text=True)
    assert client.get("/employment").status_code == 302


def test_login_rotates_the_session_identifier(client, auth, clerk):
    with client.session_transaction() as session:
        session["planted"] = "attacker"
    auth.login("clerk")
    with client.session_transaction() as session:
        assert "planted" not in session
        first = session["qibu_sid"]
    auth.logout()
    auth.login("clerk")
    with client.session_transaction() as session:
        assert session["qibu_sid"] != first


def test_logout_revokes_the_server_side_session(app, client, auth, clerk):
    auth.login("clerk")
    with client.session_transaction() as session:
        stolen = dict(session)
    auth.logout()
    # replay the cookie taken before logout: the server no longer honours it
    with client.session_transaction() as session:
        session.update(stolen)
    response = client.get("/employment")
    assert response.status_code == 302
    revoked = db.session.scalars(sa.select(LoginSession.revoked_at)).all()
    assert all(revoked)


def test_disabling_an_account_ends_its_sessions(client, make, auth, clerk):
    auth.login("clerk")
    assert client.get("/employment").status_code == 200
    clerk.disable()
    db.session.commit()
    assert client.get("/employment").status_code == 302


def test_idle_session_expires(app, client, auth, clerk):
    auth.login("clerk")
    old = utcnow() - app.config["IDLE_TIMEOUT"] - timedelta(minutes=1)
    db.session.execute(sa.update(LoginSession).values(last_seen_at=old))
    db.session.commit()
    response = client.get("/employment")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "长时间未操作" in page


def test_failed_logins_slow_the_account_down_in_the_database(app, client, auth, clerk):
    app.config["LOGIN_FIRST_DELAY_SECONDS"] = 300  # no wait ends during the test
    limit = app.config["LOGIN_MAX_FAILURES"]
    for _ in range(limit):
        auth.login("clerk", "wrong-password-123")
    failures = db.session.scalar(
        sa.select(LoginThrottle.failures).where(LoginThrottle.key == "user:clerk@127.0.0.1")
    )
    assert failures == limit
    # even the right password is refused while the attempt must wait, saying how long
    response = auth.login("clerk")
    assert response.status_code == 200
    assert "尝试次数过多" in response.get_data(as_text=True)
    assert client.get("/employment").status_code == 302


def test_the_wait_ends_after_its_time(app, client, auth, clerk):
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        auth.login("clerk", "wrong-password-123")
    db.session.execute(
        sa.update(LoginThrottle).values(locked_until=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert auth.login("clerk").headers["Location"] == "/employment"


def test_login_success_and_failure_are_audited(client, auth, clerk):
    auth.login("clerk", "wrong-password-123")
    auth.login("clerk")
    actions = db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions[-2:] == ["login_failed", "login"]


def test_next_parameter_cannot_leave_the_site(client, auth, clerk):
    response = client.post(
        "/login?next=https://evil.example/",
        data={"username": "clerk", "password": "correct-horse-battery"},
    )
    assert response.headers["Location"] == "/employment"


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("short-pw", "至少使用 12 个字符"),
        ("clerk", "至少使用 12 个字符"),
        ("clerkclerkclerk", None),
        ("password1234", "太容易被猜到"),
        ("aaaaaaaaaaaaaa", "太容易被猜到"),
        ("long-and-unusual-phrase", None),
    ],
)
def test_password_policy(app, password, problem):
    message = password_problem(password, "clerk")
    if problem is None:
        assert message is None
    else:
        assert problem in str(message)


def test_password_equal_to_user_name_is_refused(app):
    assert "密码不能与用户名相同" in str(password_problem("Clerk-account", "clerk-account"))


def test_change_password_checks_policy_and_keeps_user_logged_in(client, auth, clerk):
    auth.login("clerk")
    response = client.post(
        "/account/password",
        data={"current_password": "correct-horse-battery", "new_password": "short",
              "confirm": "short"},
    )
    assert "至少使用 12 个字符" in response.get_data(as_text=True)
    response = client.post(
        "/account/password",
        data={"current_password": "correct-horse-battery",
              "new_password": "a-much-better-passphrase", "confirm": "a-much-better-passphrase"},
    )
    assert response.status_code == 302
    assert client.get("/employment").status_code == 200
    auth.logout()
    assert auth.login("clerk", "a-much-better-passphrase").headers["Location"] == "/employment"
