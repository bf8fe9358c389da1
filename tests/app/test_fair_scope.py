"""Organizers see their own fairs, and admins all, unless a fair is shared with them
(issue 17, deliverable 6): the assessment's new organizer re-ran another fair's plan."""

import pytest
import sqlalchemy as sa

from models import AuditEvent, Fair, Role, db


@pytest.fixture
def two_organizers(make):
    mine = make.user(Role.ORGANIZER, username="org_a", organizes=[])
    other = make.user(Role.ORGANIZER, username="org_b", organizes=[])
    spring = make.fair(name_zh="青浦春季招聘会", code="QP-SPRING", organizers=[mine])
    summer = make.fair(name_zh="女子所夏季招聘会", code="NZ-SUMMER", organizers=[other])
    db.session.commit()
    return {"mine": mine, "other": other, "spring": spring, "summer": summer}


def test_another_organizers_fair_is_not_there(client, auth, two_organizers):
    spring, summer = two_organizers["spring"], two_organizers["summer"]
    auth.login("org_a")
    home = client.get("/organizer").get_data(as_text=True)
    assert "青浦春季招聘会" in home and "女子所夏季招聘会" not in home
    for method, path in (("GET", f"/fairs/{summer.id}"), ("POST", f"/fairs/{summer.id}/plan"),
                         ("GET", f"/fairs/{summer.id}/desk"),
                         ("GET", f"/fairs/{summer.id}/kiosks"),
                         ("GET", f"/fairs/{summer.id}/placements"),
                         ("GET", f"/fairs/report?fair={summer.id}")):
        assert client.open(path, method=method).status_code == 404, path
    db.session.expire_all()
    assert db.session.get(Fair, summer.id).planned_at is None  # the plan was not re-run
    refused = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == "access_refused")).all()
    assert len(refused) == 5 and {e.detail["reason"] for e in refused} == {"not_organizer"}
    assert client.get(f"/fairs/{spring.id}").status_code == 200
    report = client.get("/fairs/report").get_data(as_text=True)
    assert "女子所夏季招聘会" not in report


def test_a_shared_fair_opens_for_the_other_organizer(client, auth, two_organizers):
    spring, other = two_organizers["spring"], two_organizers["other"]
    auth.login("org_a")
    page = client.get(f"/fairs/{spring.id}").get_data(as_text=True)
    assert "org_b" in page.split('id="organizers"')[1]
    client.post(f"/fairs/{spring.id}/organizers", data={"organizer_id": other.id})
    auth.logout()
    auth.login("org_b")
    assert client.get(f"/fairs/{spring.id}").status_code == 200
    assert "青浦春季招聘会" in client.get("/organizer").get_data(as_text=True)
    assert "fair_shared" in set(db.session.scalars(sa.select(AuditEvent.action)))


def test_admins_see_every_fair(client, auth, make, two_organizers):
    make.user(Role.ADMIN, username="boss")
    db.session.commit()
    auth.login("boss")
    for fair in (two_organizers["spring"], two_organizers["summer"]):
        assert client.get(f"/fairs/{fair.id}").status_code == 200


def test_a_new_fair_is_its_creators(client, auth, two_organizers):
    auth.login("org_b")
    answer = client.post("/fairs/new", data={
        "code": "QP-2027-01", "name_zh": "新招聘会", "name_en": "", "held_on": "2027-03-01",
        "facility_id": two_organizers["spring"].facility_id, "venue": ""})
    assert answer.status_code == 302
    auth.logout()
    auth.login("org_a")
    assert "新招聘会" not in client.get("/organizer").get_data(as_text=True)
