"""Bureau staff register seekers and record surveys and self-tests for their facility only."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.clock import local_today
from models import AuditEvent, Role, Seeker, Survey, db
from surveys.selftest import load_selftest_items

RELEASE = (local_today() + timedelta(days=90)).isoformat()


def survey_data(**overrides):
    data = {
        "categories_1": "logistics", "categories_2": "workshop", "categories_3": "",
        "salary_min": "5500", "salary_hoped": "7000", "work_pattern": "full_time",
        "shifts": ["day", "rotating"], "home_district": "310115", "districts": ["310115"],
        "needs_accommodation": "y", "education": "2", "work_history-0-category": "logistics",
        "work_history-0-years": "3", "certificates": ["forklift"],
        "skills_text": "会开叉车，做过仓库管理", "health_limits": "腰不好，不宜搬重物",
        "avoid": ["nightlife", "bar"], "training_interests": ["electrician"],
        "expected_release_date": RELEASE, "consent_share": "y", "consent_contact": "y",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def clerk(make, auth):
    user = make.user(Role.BUREAU, username="clerk")
    db.session.commit()
    auth.login("clerk")
    return user


def test_register_a_seeker_with_a_first_survey(client, clerk):
    response = client.post("/bureau/seekers/new", data=survey_data(name="张三", gender="M",
                                                                   birth_year="1985"))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    seeker = db.session.scalar(sa.select(Seeker).where(Seeker.named("张三")))
    assert seeker.facility_id == clerk.facility_id and seeker.code.startswith("QB")
    survey = seeker.surveys[0]
    assert survey.categories == ["logistics", "workshop"]
    assert (survey.salary_min, survey.salary_hoped) == (5500, 7000)
    assert sorted(survey.avoid) == ["bar", "nightlife"] and survey.certificates == ["forklift"]
    assert survey.work_history == [{"category": "logistics", "years": 3.0}]
    assert seeker.consent_share and seeker.consent_share_by_id == clerk.id
    assert seeker.expected_release_date.isoformat() == RELEASE
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "张三" in page and "物流仓储操作员" in page and "5,500" in page


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"categories_2": "logistics"}, "每项岗位意向请选择不同的岗位类别"),
        ({"salary_min": "9000", "salary_hoped": "7000"}, "不能低于"),
        ({"salary_min": "八千"}, "只用数字"),
        ({"categories_1": ""}, "请至少选择首选岗位意向"),
        ({"expected_release_date": "2026/13/01"}, "2026-07-15"),
    ],
)
def test_bad_survey_input_gets_a_message_and_writes_nothing(client, clerk, overrides, message):
    before = db.session.scalar(sa.select(sa.func.count(Seeker.id)))
    page = client.post("/bureau/seekers/new",
                       data=survey_data(name="李四", **overrides)).get_data(as_text=True)
    assert message in page
    assert db.session.scalar(sa.select(sa.func.count(Seeker.id))) == before


def test_another_facilitys_seeker_is_not_found(client, make, clerk):
    stranger = make.seeker(name="外所人员")
    make.survey(stranger)
    db.session.commit()
    for path in (f"/bureau/seekers/{stranger.code}", f"/bureau/seekers/{stranger.code}/edit",
                 f"/bureau/seekers/{stranger.code}/surveys/new",
                 f"/bureau/seekers/{stranger.code}/selftest"):
        response = client.get(path)
        assert response.status_code == 404
        assert "外所人员" not in response.get_data(as_text=True)


def test_seeker_page_views_are_audited_and_not_cached(client, make, clerk):
    seeker = make.seeker(facility_id=clerk.facility_id)
    make.survey(seeker)
    db.session.commit()
    response = client.get(f"/bureau/seekers/{seeker.code}")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "seeker_viewed"))
    assert event.actor_id == clerk.id and event.target_id == str(seeker.id)


def test_re_survey_starts_from_previous_answers(client, make, clerk):
    seeker = make.seeker(facility_id=clerk.facility_id)
    db.session.commit()
    client.post("/bureau/seekers/new", data=survey_data(name="王五"))
    seeker = db.session.scalar(sa.select(Seeker).where(Seeker.named("王五")))
    page = client.get(f"/bureau/seekers/{seeker.code}/surveys/new").get_data(as_text=True)
    assert 'value="5500"' in page and "会开叉车，做过仓库管理" in page
    # a corrected survey on the same day updates it instead of adding another
    client.post(f"/bureau/seekers/{seeker.code}/surveys/new",
                data=survey_data(salary_min="6000"))
    surveys = db.session.scalars(sa.select(Survey).where(Survey.seeker_id == seeker.id)).all()
    assert len(surveys) == 1 and surveys[0].salary_min == 6000


def test_self_test_scores_and_shows_fitting_categories(client, make, clerk):
    seeker = make.seeker(facility_id=clerk.facility_id)
    db.session.commit()
    answers = {item.item_id: "5" if item.type == "R" else "1" for item in load_selftest_items()}
    response = client.post(f"/bureau/seekers/{seeker.code}/selftest", data=answers)
    assert response.status_code == 302
    db.session.refresh(seeker)
    assert seeker.riasec_code.startswith("R")
    assert seeker.riasec_scores[0] == 1.0 and seeker.riasec_scores[1:] == [0.0] * 5
    page = client.get(f"/bureau/seekers/{seeker.code}").get_data(as_text=True)
    assert "绿化工" in page  # the best-fitting realistic category for a pure R profile


def test_incomplete_self_test_is_refused(client, make, clerk):
    seeker = make.seeker(facility_id=clerk.facility_id)
    db.session.commit()
    page = client.post(f"/bureau/seekers/{seeker.code}/selftest",
                       data={"R1": "5"}).get_data(as_text=True)
    assert "请回答每一条陈述" in page
    db.session.refresh(seeker)
    assert seeker.riasec_code is None


def test_id_number_is_kept_only_as_a_hash_and_last_four(client, clerk):
    from surveys.values import validate_resident_id

    number = "11010519491231002X"
    validate_resident_id(number, today=local_today())
    client.post("/bureau/seekers/new", data=survey_data(name="吴九", id_number=number))
    seeker = db.session.scalar(sa.select(Seeker).where(Seeker.named("吴九")))
    assert seeker.id_number_last4 == "002X"
    assert seeker.id_number_hash and number not in seeker.id_number_hash
    raw = db.session.execute(sa.text("SELECT * FROM seekers")).all()
    assert number not in repr(raw) and "吴九" not in repr(raw)  # name encrypted at rest
    page = client.post("/bureau/seekers/new", data=survey_data(name="郑十", id_number=number)
                       ).get_data(as_text=True)
    assert seeker.code in page  # the duplicate is named by its code
    bad = client.post("/bureau/seekers/new", data=survey_data(name="郑十",
                                                              id_number="110105194912310021"))
    assert "ID" in bad.get_data(as_text=True) or "身份证" in bad.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Seeker.id))) == 1
