"""One rule for every `next` (app/auth/redirects.py), and control characters in a request
answered with the ordinary bilingual 400 page, never a 500 (app/typed_text.py)."""

import io

import pytest
import sqlalchemy as sa

from app.auth.redirects import path_of_same_origin, safe_next
from models import Employer, Role, db


@pytest.fixture
def clerk(make):
    account = make.user(Role.EMPLOYMENT, username="clerk")
    db.session.commit()
    return account


ELSEWHERE = [
    "https:evil.example",
    "http:127.0.0.1:5094/login",
    "https://evil.example/",
    "//evil.example/",
    "/\\evil.example",
    "/x\\y",
    "\\\\evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "/x\ny",
    "/x\ry",
    "/x\x00y",
    "/x\x85y",
    "javascript:alert(1)",
    "evil.example",
    " /employment",
    "",
]


@pytest.mark.parametrize("target", ELSEWHERE)
def test_the_rule_refuses_every_other_place(target):
    assert safe_next(target) is None


@pytest.mark.parametrize("target", ["/employment", "/reports/summary.csv?period=2026Q3",
                                    "/bureau/seekers/QB7K2M?x=https://a", "/"])
def test_the_rule_keeps_paths_on_this_site(target):
    assert safe_next(target) == target


def test_the_page_one_came_from_counts_only_on_this_host():
    assert path_of_same_origin("http://qibu.local/employment?p=2", "qibu.local") == (
        "/employment?p=2")
    assert path_of_same_origin("https://evil.example/employment", "qibu.local") is None
    assert path_of_same_origin("http://qibu.local//evil.example/", "qibu.local") is None
    assert path_of_same_origin("ftp://qibu.local/x", "qibu.local") is None


@pytest.mark.parametrize("target", ["https:evil.example", "http:127.0.0.1:5094/login",
                                    "https://evil.example/x", "//evil.example", "/\\evil.example"])
def test_language_switch_stays_on_the_site(client, target):
    """The assessment's reproductions: `Location: https:///evil.example` and another
    origin, without logging in."""
    response = client.get("/lang/en", query_string={"next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert "qibu_lang=en" in response.headers["Set-Cookie"]


def test_language_switch_returns_to_the_page_on_this_site(client):
    response = client.get("/lang/en", query_string={"next": "/login?next=/employment"})
    assert response.headers["Location"] == "/login?next=/employment"
    response = client.get("/lang/en", headers={"Referer": "http://localhost/login"})
    assert response.headers["Location"] == "/login"
    response = client.get("/lang/en", headers={"Referer": "http://evil.example/login"})
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("target", ["https:evil.example", "http:127.0.0.1:5094/employment",
                                    "//evil.example/x"])
def test_login_goes_home_instead_of_elsewhere(client, clerk, target):
    response = client.post("/login", query_string={"next": target},
                           data={"username": "clerk", "password": "correct-horse-battery"})
    assert response.headers["Location"] == "/employment"


def test_login_follows_a_path_on_the_site(client, clerk):
    response = client.post("/login?next=/reports/summary",
                           data={"username": "clerk", "password": "correct-horse-battery"})
    assert response.headers["Location"] == "/reports/summary"


@pytest.mark.parametrize("url", [
    "/lang/en?next=/x%0ay",          # the assessment's 500
    "/lang/en?next=/x%0d%0aSet-Cookie:%20a=b",
    "/login?next=/x%00y",
    "/login?q=a%09b",
    "/employment?page=1%1b",
    "/x%0ay",
    "/lang/en%0a",
    "/static/css/qibu.css%00",
    "/lang/en?next=/x%C2%85y",      # NEL, a C1 control character
])
def test_control_characters_in_the_address_give_the_bad_request_page(client, url):
    response = client.get(url)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "无法识别该请求" in page  # "The request could not be understood."
    client.get("/lang/en")
    english = client.get(url).get_data(as_text=True)
    assert "The request could not be understood." in english


def test_a_newline_in_next_on_the_login_form_is_refused_and_logs_nobody_in(client, clerk):
    response = client.post("/login?next=/x%0ay",
                           data={"username": "clerk", "password": "correct-horse-battery"})
    assert response.status_code == 400
    assert "无法识别该请求" in response.get_data(as_text=True)
    assert client.get("/employment").status_code == 302  # not logged in


@pytest.mark.parametrize("value", ["a\x00b", "a\x07b", "a\x1bb", "a\x0bb", "a\x7fb"])
def test_control_characters_no_keyboard_types_in_a_form_are_refused(client, auth, clerk,
                                                                    value):
    auth.login("clerk")
    response = client.post("/employment/employers/new", data={
        "name": f"上海好运物流{value}有限公司", "uscc": "", "industry": "物流",
        "district": "310115", "address": "", "contact_person": "陈经理",
        "contact_phone": "", "notes": ""})
    assert response.status_code == 400
    assert "无法识别该请求" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Employer)) == 0


def test_a_textarea_keeps_its_lines_and_tabs(client, auth, clerk):
    auth.login("clerk")
    response = client.post("/employment/employers/new", data={
        "name": "上海好运物流有限公司", "uscc": "", "industry": "物流",
        "district": "310115", "address": "", "contact_person": "陈经理",
        "contact_phone": "", "notes": "第一行\r\n第二行\t缩进\n第三行"})
    assert response.status_code == 302
    employer = db.session.scalar(sa.select(Employer))
    assert employer.notes == "第一行\n第二行\t缩进\n第三行"


def test_an_uploaded_file_may_hold_any_bytes(client, make):
    make.user(Role.BUREAU, username="clerk2")
    db.session.commit()
    client.post("/login", data={"username": "clerk2", "password": "correct-horse-battery"})
    response = client.post("/bureau/import/", data={
        "file": (io.BytesIO(b"\x00\x07\x1b\x7f,name\r\n"), "surveys.csv")},
        content_type="multipart/form-data")
    # the import reads the file and says what is wrong with it; no "bad request" page
    assert response.status_code == 422
    assert "无法识别该请求" not in response.get_data(as_text=True)
