"""No personal data at rest in the clear or in logs (issue 17, deliverable 5).

A full run on a real server (werkzeug's, with its access log) and a database file: a
canary person is registered through the form with a name, an ID number and free-text
answers, surveyed again by spreadsheet import, searched for by name and looked at. Then
the log records (Qibu's, SQLAlchemy's and the access log) and every byte of the database
files hold none of the canary's values. Beside it: the bureau search is a POST, a GET's
?q= searches nothing, database errors carry no bound values, and free text is stored once,
encrypted.
"""

import io
import logging
import threading
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa
from openpyxl import Workbook
from werkzeug.serving import make_server

from app import create_app
from app.admin.operations import create_user
from app.config import TestingConfig
from app.seeding import load_reference_data
from models import Facility, Role, Seeker, Survey, db
from surveys.questionnaire import load_questionnaire
from tests.app.test_bureau import survey_data

SEED_DIR = Path(__file__).resolve().parents[2] / "seed_data"
CANARY_NAME = "金丝雀测试人"
CANARY_ID = "11010519491231002X"
CANARY_SKILLS = "金丝雀会开叉车"
CANARY_HEALTH = "金丝雀健康备注"
CANARY_IMPORTED = "金丝雀导入的腰伤备注"
PASSWORD = "correct-horse-battery"  # noqa: S105
CANARIES = (CANARY_NAME, CANARY_ID, CANARY_ID[:14], CANARY_SKILLS, CANARY_HEALTH,
            CANARY_IMPORTED)


def _leaks(text: str) -> list[str]:
    return [canary for canary in CANARIES if canary in text]


def test_every_free_text_question_is_stored_in_an_encrypted_column():
    """A text question of the questionnaire is one of the survey's encrypted columns."""
    text_questions = {q.id for q in load_questionnaire().questions if q.type == "text"}
    assert text_questions == set(Survey.FREE_TEXT)
    from models.db import EncryptedText

    for key in Survey.FREE_TEXT:
        assert isinstance(Survey.__table__.c[key].type, EncryptedText)


def test_free_text_is_stored_once_encrypted_and_read_back_by_the_form(client, make, auth):
    auth.login(make.user(Role.BUREAU, username="clerk").username)
    db.session.commit()
    response = client.post("/bureau/seekers/new", data=survey_data(
        name="张三", skills_text=CANARY_SKILLS, health_limits=CANARY_HEALTH))
    assert response.status_code == 302
    seeker = db.session.scalar(sa.select(Seeker).where(Seeker.named("张三")))
    survey = seeker.surveys[0]
    stored = db.session.execute(sa.text(
        "SELECT skills_text, health_limits, answers FROM surveys WHERE id = :id"),
        {"id": survey.id}).one()
    assert stored.skills_text.startswith("enc1:") and stored.health_limits.startswith("enc1:")
    assert _leaks(str(stored.answers)) == [] and "skills_text" not in str(stored.answers)
    assert (survey.skills_text, survey.health_limits) == (CANARY_SKILLS, CANARY_HEALTH)
    # the correction form shows the answers again, and the seeker page
    edit = client.get(f"/bureau/seekers/{seeker.code}/surveys/{survey.id}/edit")
    assert CANARY_SKILLS in edit.get_data(as_text=True)
    assert CANARY_HEALTH in client.get(f"/bureau/seekers/{seeker.code}").get_data(as_text=True)


def test_the_bureau_search_is_a_post_and_a_query_string_searches_nothing(client, make, auth):
    clerk = make.user(Role.BUREAU, username="clerk")
    canary = make.seeker(facility_id=clerk.facility_id, name=CANARY_NAME)
    other = make.seeker(facility_id=clerk.facility_id, name="路人甲")
    db.session.commit()
    auth.login("clerk")
    found = client.post("/bureau", data={"q": CANARY_NAME}).get_data(as_text=True)
    assert canary.code in found and other.code not in found
    assert 'method="post"' in found and f'value="{CANARY_NAME}"' in found
    listed = client.get(f"/bureau?q={CANARY_NAME}").get_data(as_text=True)
    assert canary.code in listed and other.code in listed  # ignored: everyone is listed
    assert CANARY_NAME not in listed.split("<table")[0]  # nor echoed into the search box


def test_database_errors_carry_no_bound_values(app):
    """SQLAlchemy puts a statement's parameters in its errors (and so in every log of
    them) unless told not to; Qibu's engine is, whatever the configuration says."""
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"]["hide_parameters"] is True
    with pytest.raises(sa.exc.DBAPIError) as caught:
        db.session.execute(sa.text("INSERT INTO no_such_table (x) VALUES (:x)"),
                           {"x": CANARY_HEALTH})
    db.session.rollback()
    assert CANARY_HEALTH not in str(caught.value)
    assert "hidden due to hide_parameters" in str(caught.value)
    other = create_app(TestingConfig, SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True})
    assert other.config["SQLALCHEMY_ENGINE_OPTIONS"]["hide_parameters"] is True


# --- a full run on a live server and a database file -----------------------------------------

@pytest.fixture
def live(tmp_path):
    """Qibu on a SQLite file, served by werkzeug's server (which writes the access log)."""
    database = tmp_path / "qibu.sqlite3"
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{database}",
                     CACHE_DIR=str(tmp_path / "cache"), IMPORT_DIR=str(tmp_path / "imports"))
    with app.app_context():
        db.metadata.create_all(db.engine)
        load_reference_data(SEED_DIR)
        facility = Facility(code="CANARY", name_zh="金丝雀戒毒所", name_en="Canary")
        db.session.add(facility)
        db.session.flush()
        create_user("clerk", PASSWORD, Role.BUREAU, facility_id=facility.id)
        db.session.commit()
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield app, f"http://127.0.0.1:{server.server_port}", tmp_path
    finally:
        server.shutdown()
        thread.join(timeout=10)
        with app.app_context():
            db.engine.dispose()


def _survey_file(code: str) -> bytes:
    """A later survey of the person registered by the form, by their code."""
    from tests.imports.test_survey_import import EN, KEYS, row

    book = Workbook()
    sheet = book.active
    sheet.append([EN[key] for key in KEYS])
    values = row(code, CANARY_NAME, health_limits=CANARY_IMPORTED,
                 surveyed_on="2026-01-05")
    sheet.append([values.get(key) for key in KEYS])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_a_full_run_leaves_the_canary_in_no_log_and_nowhere_in_the_database_file(
        live, caplog):
    app, base, folder = live
    caplog.set_level(logging.DEBUG)
    web = requests.Session()
    assert web.post(f"{base}/login", data={"username": "clerk", "password": PASSWORD},
                    allow_redirects=False).status_code == 302
    created = web.post(f"{base}/bureau/seekers/new", data=survey_data(
        name=CANARY_NAME, id_number=CANARY_ID, skills_text=CANARY_SKILLS,
        health_limits=CANARY_HEALTH), allow_redirects=False)
    assert created.status_code == 302, created.text[:2000]
    code = created.headers["Location"].rstrip("/").rsplit("/", 1)[1]

    uploaded = web.post(f"{base}/bureau/import/",
                        files={"file": ("surveys.xlsx", _survey_file(code))},
                        allow_redirects=False)
    assert uploaded.status_code == 302, uploaded.text[:2000]
    preview = uploaded.headers["Location"]
    preview = preview if preview.startswith("http") else base + preview
    assert "1</strong> 份就业意向调查将新建" in web.get(preview).text
    assert web.post(preview + "/confirm", allow_redirects=False).status_code == 302

    found = web.post(f"{base}/bureau", data={"q": CANARY_NAME})
    assert code in found.text
    page = web.get(f"{base}/bureau/seekers/{code}").text
    assert CANARY_NAME in page and CANARY_SKILLS in page and CANARY_HEALTH in page
    with app.app_context():
        seeker = db.session.scalar(sa.select(Seeker).where(Seeker.code == code))
        survey_id = seeker.surveys[0].id
        db.session.remove()
    edit = web.get(f"{base}/bureau/seekers/{code}/surveys/{survey_id}/edit").text
    assert CANARY_SKILLS in edit

    # the access log was written, and says which pages, never whom
    access = [r.getMessage() for r in caplog.records if r.name == "werkzeug"]
    assert any('"POST /bureau HTTP/1.1" 200' in line for line in access)
    assert any(f"GET /bureau/seekers/{code} " in line for line in access)
    logged = "\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''}"
                       for r in caplog.records)
    assert _leaks(logged) == []
    with app.app_context():
        db.session.remove()
        db.engine.dispose()  # the WAL checkpointed, every page in the file
    files = sorted(folder.glob("qibu.sqlite3*"))
    stored = b"".join(path.read_bytes() for path in files)
    assert len(stored) > 100_000  # the reference data and the canary are in there
    assert [c for c in CANARIES if c.encode("utf-8") in stored] == []
    # nor in the import folder (the upload and its preview are encrypted, then removed)
    for path in (folder / "imports").rglob("*"):
        if path.is_file():
            assert [c for c in CANARIES if c.encode("utf-8") in path.read_bytes()] == []
