"""The matcher in the app: ranked openings with reasons, pseudonymous ranked seekers."""

import pytest

from app.services import matching as services
from models import Role, db


@pytest.fixture
def scene(make):
    """A bureau clerk's seeker who wants logistics work and avoids nightlife."""
    facility = make.facility()
    clerk = make.user(Role.BUREAU, username="clerk", facility_id=facility.id)
    seeker = make.seeker(facility_id=facility.id, name="赵六", consent_share=True)
    make.survey(seeker, categories=["logistics", "workshop"], salary_min=5500,
                salary_hoped=7000, home_district="310115", avoid=["nightlife"],
                shifts=["day"], certificates=[])
    employer = make.employer(name="上海顺达物流有限公司")
    good = make.opening(employer_id=employer.id, title="仓库理货员", category_code="logistics",
                        pay_min=6000, pay_max=8000, district="310115")
    club = make.opening(employer_id=employer.id, title="夜场服务员", category_code="waiter",
                        pay_min=9000, pay_max=12000, district="310115",
                        environments=["nightlife"])
    forklift = make.opening(employer_id=employer.id, title="叉车司机", category_code="forklift",
                            pay_min=7000, pay_max=9000, district="310115",
                            certificates_required=["forklift"])
    db.session.commit()
    return {"clerk": clerk, "seeker": seeker, "good": good, "club": club,
            "forklift": forklift}


def test_seeker_page_ranks_openings_with_plain_reasons(client, auth, scene):
    auth.login("clerk")
    client.get("/lang/en")
    page = client.get(f"/bureau/seekers/{scene['seeker'].code}").get_data(as_text=True)
    recommended = page.split("Recommended openings")[1].split("Job-intention surveys")[0]
    assert "仓库理货员" in recommended
    assert "Your first choice: Logistics and warehouse operator" in recommended
    assert "meets your lowest acceptable pay of 5,500 yuan" in recommended
    # hard filters: an avoided environment, a legally required certificate missing
    assert "夜场服务员" not in recommended
    assert "叉车司机" not in recommended


def test_protected_attributes_never_change_a_score(app, scene, make):
    seeker = scene["seeker"]
    before = [(r["opening"].id, round(r["score"], 9)) for r in
              services.ranked_openings_for(seeker)]
    seeker.gender, seeker.birth_year, seeker.hukou_shanghai = "F", 1960, True
    seeker.facility_id = make.facility().id
    seeker.name = "另一个名字"
    db.session.commit()
    after = [(r["opening"].id, round(r["score"], 9)) for r in
             services.ranked_openings_for(seeker)]
    assert before == after and before


def test_opening_page_shows_consenting_seekers_by_code_only(client, auth, scene, make):
    other = make.seeker(name="钱七", consent_share=False)
    make.survey(other, categories=["logistics"], salary_min=5000)
    make.user(Role.EMPLOYMENT, username="centre")
    db.session.commit()
    auth.login("centre")
    client.get("/lang/en")
    page = client.get(f"/employment/openings/{scene['good'].id}").get_data(as_text=True)
    shortlist = page.split("Best-fitting job seekers")[1]
    assert scene["seeker"].code in shortlist
    assert other.code not in shortlist  # no consent
    assert "赵六" not in page and "钱七" not in page
    assert "5,500" in shortlist


def test_admin_sees_the_model_version(client, auth, make):
    make.user(Role.ADMIN, username="boss")
    db.session.commit()
    auth.login("boss")
    client.get("/lang/en")
    page = client.get("/admin/").get_data(as_text=True)
    assert 'id="model-version">expert-1<' in page and "expert-set default weights" in page


def test_match_train_refuses_without_outcomes(runner):
    result = runner.invoke(args=["match", "train"])
    assert result.exit_code != 0
    assert "nothing to learn from" in result.output


def test_withdrawn_consent_removes_the_seeker_from_employer_lists_at_once(
        client, auth, scene, make):
    import sqlalchemy as sa

    from models import AuditEvent

    seeker = scene["seeker"]
    make.user(Role.EMPLOYMENT, username="centre")
    db.session.commit()
    auth.login("clerk")
    client.post(f"/bureau/seekers/{seeker.code}/consent/share/0")
    db.session.refresh(seeker)
    assert seeker.consent_share is False and seeker.consent_share_at is not None
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "consent_changed"))
    assert event.detail == {"kind": "share", "given": False}
    auth.logout()
    auth.login("centre")
    page = client.get(f"/employment/openings/{scene['good'].id}").get_data(as_text=True)
    assert seeker.code not in page
