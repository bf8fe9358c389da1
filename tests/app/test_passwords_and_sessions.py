"""Password guessing slowed down everywhere a password is typed, temporary passwords from
an administrator or the shell, and a second factor that a session alone cannot replace and
whose codes count once (issue 17, deliverable 4)."""

import time
from datetime import timedelta

import pyotp
import pytest
import sqlalchemy as sa

from app.auth import second_factor
from models import AuditEvent, LoginSession, LoginThrottle, Role, StaffUser, db, utcnow
from tests.factories import PASSWORD

WRONG = "not-the-password-1"


@pytest.fixture
def patient(app):
    """Waits long enough that none ends while a test runs (the default first wait is 2 s)."""
    app.config["LOGIN_FIRST_DELAY_SECONDS"] = 300


@pytest.fixture
def clerk(make):
    account = make.user(Role.EMPLOYMENT, username="clerk")
    db.session.commit()
    return account


def client_from(app, address):
    """A browser at another client address."""
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = address
    return other


def login(client, username="clerk", password=PASSWORD):
    return client.post("/login", data={"username": username, "password": password})


def actions():
    return db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)).all()


def waits():
    """Each counter's wait in whole seconds, as stored (no clock is watched)."""
    rows = db.session.execute(sa.select(LoginThrottle.key, LoginThrottle.failures,
                                        LoginThrottle.locked_until,
                                        LoginThrottle.window_started_at)).all()
    return {key: (failures, round((until - last).total_seconds()) if until else 0)
            for key, failures, until, last in rows}


def let_time_pass():
    """Every wait is over (as if the user waited)."""
    db.session.execute(sa.update(LoginThrottle).where(LoginThrottle.locked_until.is_not(None))
                       .values(locked_until=utcnow() - timedelta(seconds=1)))
    db.session.commit()


def test_the_wait_grows_with_each_failure_up_to_its_limit(app, client, clerk):
    app.config["LOGIN_MAX_DELAY_MINUTES"] = 1
    seen = []
    for _n in range(11):
        login(client, password=WRONG)
        seen.append(waits()["user:clerk@127.0.0.1"])
        let_time_pass()
    assert seen == [(1, 0), (2, 0), (3, 0), (4, 0), (5, 2), (6, 4), (7, 8), (8, 16),
                    (9, 32), (10, 60), (11, 60)]


def test_attempts_during_the_wait_are_refused_unchecked_and_audited(app, client, clerk):
    app.config["LOGIN_FIRST_DELAY_SECONDS"] = 60
    for _n in range(5):
        login(client, password=WRONG)
    page = login(client).get_data(as_text=True)  # the right password
    assert "尝试次数过多，请 60 秒后再试" in page
    assert client.get("/employment").status_code == 302
    assert actions()[-6:] == ["login_failed"] * 5 + ["login_delayed"]
    delayed = db.session.scalar(sa.select(AuditEvent).where(
        AuditEvent.action == "login_delayed"))
    assert delayed.detail["username"] == "clerk" and delayed.ip == "127.0.0.1"
    # the refused attempt did not count as a failure
    assert waits()["user:clerk@127.0.0.1"][0] == 5


def test_someone_guessing_elsewhere_does_not_lock_the_user_out(app, clerk):
    """The assessment locked any account, admin included, with 5 wrong passwords."""
    attacker = client_from(app, "203.0.113.9")
    for _n in range(29):
        login(attacker, password=WRONG)
        let_time_pass()
    login(attacker, password=WRONG)
    stored = waits()
    assert stored["user:clerk@203.0.113.9"] == (30, 15 * 60)   # the attacker waits long
    assert stored["user:clerk"] == (30, 30)                     # the account: seconds only
    assert login(attacker).status_code == 200                   # still waiting there
    # the user at their own desk, once the account's short wait is over, gets in
    db.session.execute(sa.update(LoginThrottle).where(LoginThrottle.key == "user:clerk")
                       .values(locked_until=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    user = client_from(app, "10.1.2.3")
    assert login(user).headers["Location"] == "/employment"
    # and the attacker's address still waits
    assert "尝试次数过多" in login(attacker).get_data(as_text=True)


def test_a_right_password_starts_the_count_again(app, client, clerk):
    for _n in range(4):
        login(client, password=WRONG)
    assert login(client).status_code == 302
    assert "user:clerk@127.0.0.1" not in waits() and "user:clerk" not in waits()


def test_reauthentication_is_throttled_like_login(app, client, clerk, patient):
    """The assessment typed 30 wrong passwords at /account/confirm, then the right one."""
    login(client)
    with client.session_transaction() as session:
        session[second_factor.REAUTH_KEY] = (utcnow() - timedelta(hours=1)).isoformat()
    confirm = "/account/confirm?next=/reports/summary.csv"
    answers = [client.post(confirm, data={"password": WRONG}) for _n in range(30)]
    texts = [answer.get_data(as_text=True) for answer in answers]
    assert all("密码或验证码错误" in text for text in texts[:5])
    assert all("尝试次数过多" in text for text in texts[5:])
    response = client.post(confirm, data={"password": PASSWORD})
    assert response.status_code == 200  # still waiting: the right one is not tried
    assert client.get("/reports/summary.csv").status_code == 302
    audited = actions()
    assert audited.count("reauthentication_failed") == 5
    assert audited.count("reauthentication_delayed") == 26
    let_time_pass()
    response = client.post(confirm, data={"password": PASSWORD})
    assert response.headers["Location"] == "/reports/summary.csv"


def test_password_change_is_throttled_like_login(app, client, clerk, patient):
    """The assessment typed 20 wrong current passwords at /account/password."""
    login(client)
    new = {"new_password": "a-much-better-passphrase", "confirm": "a-much-better-passphrase"}
    texts = [client.post("/account/password", data={"current_password": WRONG, **new})
             .get_data(as_text=True) for _n in range(20)]
    assert all("当前密码错误" in text for text in texts[:5])
    assert all("尝试次数过多" in text for text in texts[5:])
    page = client.post("/account/password", data={"current_password": PASSWORD, **new})
    assert "尝试次数过多" in page.get_data(as_text=True)
    user = db.session.scalar(sa.select(StaffUser).where(StaffUser.username == "clerk"))
    assert user.password_changed_at is None
    audited = actions()
    assert audited.count("password_change_failed") == 5
    assert audited.count("password_change_delayed") == 16
    # the same counter as logging in: the password is not guessed at the login page either
    assert "尝试次数过多" in login(client_from(app, "127.0.0.1")).get_data(as_text=True)


def test_an_admin_sees_and_clears_a_delay(app, client, make, clerk, patient):
    attacker = client_from(app, "203.0.113.9")
    for _n in range(6):
        login(attacker, password=WRONG)
        let_time_pass()
    login(attacker, password=WRONG)  # one more for the wait to be on
    make.user(Role.ADMIN, username="boss")
    db.session.commit()
    login(client, "boss")
    page = client.get("/admin/users").get_data(as_text=True)
    assert "7 次登录失败" in page
    response = client.post(f"/admin/users/{clerk.id}/login-delay/clear",
                           follow_redirects=True)
    assert "clerk 现在可以立即登录" in response.get_data(as_text=True)
    cleared = db.session.scalar(sa.select(AuditEvent).where(
        AuditEvent.action == "login_delay_cleared"))
    assert cleared.actor_name == "boss" and cleared.detail["failures"] == 7
    assert cleared.target_id == str(clerk.id)
    assert login(attacker).headers["Location"] == "/employment"


def _admin(client, make):
    make.user(Role.ADMIN, username="boss")
    db.session.commit()
    login(client, "boss")


def test_an_admin_resets_a_password_to_a_temporary_one_shown_once(app, client, make, clerk):
    desk = client_from(app, "10.1.2.3")
    login(desk)
    _admin(client, make)
    page = client.get(f"/admin/users/{clerk.id}/password").get_data(as_text=True)
    assert "重置密码" in page
    answer = client.post(f"/admin/users/{clerk.id}/password").get_data(as_text=True)
    temporary = answer.split('id="temporary-password">')[1].split("<")[0]
    assert len(temporary) == 19 and "只显示这一次" in answer
    # it is not kept anywhere but as a hash, and not in the session cookie
    user = db.session.get(StaffUser, clerk.id)
    assert user.must_change_password and temporary not in user.password_hash
    with client.session_transaction() as session:
        assert temporary not in str(dict(session))
    event = db.session.scalar(sa.select(AuditEvent).where(
        AuditEvent.action == "password_reset"))
    assert event.actor_name == "boss" and temporary not in str(event.detail)
    # the clerk's open session ended; the old password no longer works
    assert desk.get("/employment").status_code == 302
    assert login(desk).status_code == 200
    # the temporary password logs in to the password page and nowhere else
    response = login(desk, password=temporary)
    assert response.headers["Location"] == "/account/password"
    for url in ("/employment", "/employment/employers", "/account/second-factor"):
        assert desk.get(url).headers.get("Location") == "/account/password", url
    page = desk.get("/account/password").get_data(as_text=True)
    assert "管理员为您设置了临时密码" in page
    same = desk.post("/account/password", data={
        "current_password": temporary, "new_password": temporary, "confirm": temporary})
    assert "请选择一个与当前密码不同的新密码" in same.get_data(as_text=True)
    response = desk.post("/account/password", data={
        "current_password": temporary, "new_password": "my-own-passphrase-9",
        "confirm": "my-own-passphrase-9"})
    assert response.headers["Location"] == "/employment"
    assert desk.get("/employment").status_code == 200
    assert not db.session.get(StaffUser, clerk.id).must_change_password
    assert "password_changed" in actions()


def test_the_reset_page_asks_for_the_admins_password_again(app, client, make, clerk):
    _admin(client, make)
    with client.session_transaction() as session:
        session[second_factor.REAUTH_KEY] = (utcnow() - timedelta(hours=1)).isoformat()
    response = client.post(f"/admin/users/{clerk.id}/password")
    assert response.headers["Location"].startswith("/account/confirm")
    assert not db.session.get(StaffUser, clerk.id).must_change_password


def test_own_and_kiosk_passwords_are_not_reset_there(app, client, make):
    _admin(client, make)
    boss = db.session.scalar(sa.select(StaffUser).where(StaffUser.username == "boss"))
    kiosk = make.user(Role.KIOSK, username="kiosk1")
    db.session.commit()
    own = client.post(f"/admin/users/{boss.id}/password", follow_redirects=True)
    assert "请在“密码”页面修改您自己的密码" in own.get_data(as_text=True)
    machine = client.post(f"/admin/users/{kiosk.id}/password", follow_redirects=True)
    assert "自助终端使用" in machine.get_data(as_text=True)
    assert "password_reset" not in actions()


def test_a_reset_can_forget_a_lost_second_factor(app, client, make):
    staff = make.user(Role.EMPLOYMENT, username="clerk")
    second_factor.store_secret(staff, pyotp.random_base32())
    staff.totp_enabled = True
    db.session.commit()
    _admin(client, make)
    client.post(f"/admin/users/{staff.id}/password", data={"clear_second_factor": "y"})
    user = db.session.get(StaffUser, staff.id)
    assert not user.totp_enabled and user.totp_secret is None
    event = db.session.scalar(sa.select(AuditEvent).where(
        AuditEvent.action == "password_reset"))
    assert event.detail["second_factor_cleared"] is True


def test_set_password_from_the_shell(app, runner, clerk):
    result = runner.invoke(args=["set-password", "clerk"],
                           input="shell-chosen-passphrase\nshell-chosen-passphrase\n")
    assert result.exit_code == 0, result.output
    assert "The password of clerk is set." in result.output
    assert "shell-chosen-passphrase" not in result.output.split("\n")[-2]
    client = app.test_client()
    assert login(client, password="shell-chosen-passphrase").headers["Location"] == (
        "/employment")
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "password_set"))
    assert event.detail["via"] == "shell" and event.target_id == str(clerk.id)


def test_set_password_refuses_a_weak_one_and_an_unknown_account(runner, clerk):
    result = runner.invoke(args=["set-password", "clerk"], input="short\nshort\n")
    assert result.exit_code == 1 and "12" in result.output
    assert runner.invoke(args=["set-password", "nobody"]).exit_code == 1
    assert "password_set" not in actions()


def test_a_temporary_password_from_the_shell(app, runner, clerk):
    client = app.test_client()
    login(client)
    result = runner.invoke(args=["set-password", "clerk", "--temporary"])
    assert result.exit_code == 0, result.output
    temporary = result.output.split("Temporary password of clerk: ")[1].split("\n")[0]
    assert client.get("/employment").status_code == 302  # the open session ended
    assert login(client, password=temporary).headers["Location"] == "/account/password"
    event = db.session.scalar(sa.select(AuditEvent).where(
        AuditEvent.action == "password_reset"))
    assert event.detail["via"] == "shell"


# --------------------------------------------------------------------------- second factor


def _with_second_factor(make, username="clerk"):
    secret = pyotp.random_base32()
    user = make.user(Role.EMPLOYMENT, username=username)
    second_factor.store_secret(user, secret)
    user.totp_enabled = True
    db.session.commit()
    return user, secret


def test_a_code_is_accepted_once(app, make):
    """The assessment logged in twice with one code."""
    _user, secret = _with_second_factor(make)
    code = pyotp.TOTP(secret).now()
    first, second = app.test_client(), client_from(app, "10.1.2.3")
    assert login(first).headers["Location"] == "/login/code"
    assert login(second).headers["Location"] == "/login/code"
    assert first.post("/login/code", data={"code": code}).headers["Location"] == "/employment"
    page = second.post("/login/code", data={"code": code}).get_data(as_text=True)
    assert "验证码错误或已过期" in page
    assert second.get("/employment").status_code == 302
    # an earlier code than the last accepted is refused too; the next one is accepted
    earlier = pyotp.TOTP(secret).at(time.time() - 30)
    assert second.post("/login/code", data={"code": earlier}).status_code == 200
    later = pyotp.TOTP(secret).at(time.time() + 30)
    assert second.post("/login/code", data={"code": later}).headers["Location"] == (
        "/employment")


def test_a_code_is_accepted_once_at_the_password_re_entry(app, client, make):
    _user, secret = _with_second_factor(make)
    login(client)
    client.post("/login/code", data={"code": pyotp.TOTP(secret).now()})
    with client.session_transaction() as session:
        session[second_factor.REAUTH_KEY] = (utcnow() - timedelta(hours=1)).isoformat()
    page = client.post("/account/confirm", data={"password": PASSWORD,
                                                 "code": pyotp.TOTP(secret).now()})
    assert "密码或验证码错误" in page.get_data(as_text=True)
    assert "reauthentication_failed" in actions()


def test_replacing_a_second_factor_needs_the_password_and_a_current_code(app, client, make):
    """The assessment replaced an active secret with only the session."""
    user, old = _with_second_factor(make)
    login(client)
    client.post("/login/code", data={"code": pyotp.TOTP(old).now()})
    page = client.get("/account/second-factor").get_data(as_text=True)
    assert "更换双重验证" in page
    new = page.split('<p class="mono secret">')[1].split("<")[0]
    # the session alone: refused, the old secret stays
    response = client.post("/account/second-factor", data={"code": pyotp.TOTP(new).now()})
    assert response.status_code == 200
    assert db.session.get(StaffUser, user.id).totp_secret == user.totp_secret
    # a wrong password: refused, counted and audited
    page = client.post("/account/second-factor", data={
        "password": WRONG, "current_code": pyotp.TOTP(old).at(time.time() + 30),
        "code": pyotp.TOTP(new).now()}).get_data(as_text=True)
    assert "密码或当前身份验证器应用中的验证码错误" in page
    assert "second_factor_change_failed" in actions()
    assert waits()["user:clerk@127.0.0.1"][0] == 1
    # the password and a current code of the present app: replaced
    response = client.post("/account/second-factor", data={
        "password": PASSWORD, "current_code": pyotp.TOTP(old).at(time.time() + 30),
        "code": pyotp.TOTP(new).now()})
    assert response.status_code == 302
    assert "second_factor_replaced" in actions()
    client.post("/logout")
    login(client)
    page = client.post("/login/code", data={"code": pyotp.TOTP(old).at(time.time() + 60)})
    assert page.status_code == 200  # the old app's codes no longer work
    assert client.post("/login/code", data={"code": pyotp.TOTP(new).at(time.time() + 30)}
                       ).headers["Location"] == "/employment"


def test_wrong_codes_at_login_wait_and_are_audited(app, client, make, patient):
    _user, secret = _with_second_factor(make)
    login(client)
    for _n in range(5):
        client.post("/login/code", data={"code": "000000"})
    page = client.post("/login/code", data={"code": pyotp.TOTP(secret).now()})
    assert "验证码错误次数过多" in page.get_data(as_text=True)
    assert actions().count("login_code_failed") == 5 and "login_code_delayed" in actions()


def test_login_sessions_of_a_reset_account_are_revoked(app, client, make, clerk):
    desk = client_from(app, "10.1.2.3")
    login(desk)
    _admin(client, make)
    client.post(f"/admin/users/{clerk.id}/password")
    open_sessions = db.session.scalars(sa.select(LoginSession).where(
        LoginSession.user_id == clerk.id, LoginSession.revoked_at.is_(None))).all()
    assert open_sessions == []
