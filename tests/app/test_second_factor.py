"""Second factor for staff (required for admins) and re-authentication before exports."""

import time
from datetime import timedelta

import pyotp
import pytest
import sqlalchemy as sa

from app.auth import second_factor
from models import Role, StaffUser, db, utcnow


@pytest.fixture
def strict(app):
    app.config["ADMIN_REQUIRES_TOTP"] = True


def next_code(secret):
    """The code of the next time step: accepted (one step of drift), and never the one
    just used, which is accepted once only."""
    return pyotp.TOTP(secret).at(time.time() + 30)


def _enrol(client):
    page = client.get("/account/second-factor").get_data(as_text=True)
    secret = page.split('<p class="mono secret">')[1].split("<")[0]
    response = client.post("/account/second-factor", data={"code": pyotp.TOTP(secret).now()})
    return secret, response


def test_admin_must_enrol_before_anything_else(client, auth, make, strict):
    make.user(Role.ADMIN, username="boss")
    db.session.commit()
    auth.login("boss")
    response = client.get("/admin/users")
    assert response.headers["Location"] == "/account/second-factor"
    client.get("/lang/en")
    bad = client.post("/account/second-factor", data={"code": "000000"}).get_data(as_text=True)
    assert "The code is wrong or has expired" in bad
    secret, response = _enrol(client)
    assert response.status_code == 302
    assert client.get("/admin/users").status_code == 200
    user = db.session.scalar(sa.select(StaffUser).where(StaffUser.username == "boss"))
    assert user.totp_enabled and secret not in (user.totp_secret or "")  # stored encrypted

    # next login asks for the code
    auth.logout()
    response = auth.login("boss")
    assert response.headers["Location"] == "/login/code"
    assert client.get("/admin/users").status_code == 302  # not logged in yet
    client.post("/login/code", data={"code": "123456"})
    assert client.get("/admin/users").status_code == 302
    client.post("/login/code", data={"code": next_code(secret)})
    assert client.get("/admin/users").status_code == 200


def test_staff_may_enrol_optionally(client, auth, make):
    make.user(Role.EMPLOYMENT, username="clerk")
    db.session.commit()
    auth.login("clerk")
    assert client.get("/employment").status_code == 200  # not forced
    _enrol(client)
    auth.logout()
    assert auth.login("clerk").headers["Location"] == "/login/code"


def test_exports_ask_for_the_password_again_after_a_while(app, client, auth, make):
    make.user(Role.EMPLOYMENT, username="clerk")
    db.session.commit()
    auth.login("clerk")
    assert client.get("/reports/summary.csv").status_code == 200  # just logged in
    with client.session_transaction() as session:
        session[second_factor.REAUTH_KEY] = (utcnow() - timedelta(hours=1)).isoformat()
    response = client.get("/reports/summary.csv")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/account/confirm")
    client.get("/lang/en")
    page = client.post(response.headers["Location"], data={"password": "nope"}
                       ).get_data(as_text=True)
    assert "The password or code is wrong." in page
    response = client.post(response.headers["Location"],
                           data={"password": "correct-horse-battery"})
    assert response.headers["Location"] == "/reports/summary.csv"
    assert client.get("/reports/summary.csv").status_code == 200
