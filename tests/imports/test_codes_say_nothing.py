"""Codes that say nothing (issue 17, deliverable 2): the assessment's reproduction.

A facility imported its surveys with its own numbers ("QP-2612-10": the facility's
initials), and those became the codes employment's 最匹配的求职者 list showed. Now every
person's code is random and made by Qibu; the file's number is the person's facility
reference, seen on that facility's bureau pages only.
"""

import re

import pytest
import sqlalchemy as sa

from app.api.tokens import create_token
from app.bureau.operations import QIBU_CODE
from app.fairs.operations import add_participants
from app.services.fair_plan import plan_fair_recommendations
from models import Role, Seeker, db
from tests.imports.test_survey_import import row, upload_and_confirm, workbook

pytestmark = pytest.mark.usefixtures("import_dir")

REFS = ("QP-2612-10", "QP-2612-11", "QP-2612-12")


def _import_the_facility_file(client):
    rows = [row(ref, name, consent_share="是", categories_1="物流仓储操作员")
            for ref, name in zip(REFS, ("张三", "李四", "王五"), strict=True)]
    _, confirmed = upload_and_confirm(client, workbook(rows))
    assert confirmed.status_code == 302
    return {s.facility_ref: s for s in db.session.scalars(sa.select(Seeker))}


def test_imported_numbers_become_bureau_only_references_and_codes_are_random(
        app, client, clerk, make, auth):
    people = _import_the_facility_file(client)
    assert sorted(people) == sorted(REFS)
    codes = [person.code for person in people.values()]
    assert all(re.fullmatch(QIBU_CODE, code) for code in codes)
    assert not any(code.startswith("QP") or "2612" in code for code in codes)

    # the bureau sees its reference next to the code, and finds the person by it
    home = client.get("/bureau").get_data(as_text=True)
    assert "QP-2612-10" in home and people["QP-2612-10"].code in home
    page = client.get(f"/bureau/seekers/{people['QP-2612-11'].code}").get_data(as_text=True)
    assert "Facility reference" in page and "QP-2612-11" in page
    found = client.post("/bureau", data={"q": "qp-2612-12"}).get_data(as_text=True)
    assert people["QP-2612-12"].code in found and people["QP-2612-10"].code not in found

    # employment's best-fitting list, an organizer's shortlists and the API: codes only
    opening = make.opening(title="仓库分拣员")
    fair = make.fair(facility_id=clerk.facility_id)
    stand = make.booth(fair, opening.employer)
    make.offer(fair, stand, opening)
    add_participants(fair, list(people.values()))
    fair.open()
    plan_fair_recommendations(fair)
    make.user(Role.EMPLOYMENT, username="employment")
    make.user(Role.ORGANIZER, username="organizer", organizes=[fair])
    _, token = create_token("partner")
    db.session.commit()

    auth.logout()
    auth.login("employment")
    client.get("/lang/zh_CN")
    best = client.get(f"/employment/openings/{opening.id}").get_data(as_text=True)
    assert "最匹配的求职者" in best
    assert sum(code in best for code in codes) == 3
    assert "QP-2612" not in best and "2612" not in best

    auth.logout()
    auth.login("organizer")
    for url in (f"/fairs/{fair.id}", f"/fairs/{fair.id}/shortlists"):
        text = client.get(url).get_data(as_text=True)
        assert "QP-2612" not in text, url
    shortlists = client.get(f"/fairs/{fair.id}/shortlists").get_data(as_text=True)
    assert any(code in shortlists for code in codes)

    api = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    for url in ("/api/v1/openings", f"/api/v1/openings/{opening.id}", "/api/v1/fairs",
                f"/api/v1/fairs/{fair.code}/statistics"):
        response = api.get(url, headers=headers)
        assert response.status_code == 200, url
        assert "QP-2612" not in response.get_data(as_text=True), url


def test_a_registered_person_is_found_again_by_reference_or_code(client, clerk):
    people = _import_the_facility_file(client)
    first = people["QP-2612-10"]
    code = first.code
    # the same file again changes nothing; a row by Qibu's code updates that person
    page, _ = upload_and_confirm(client, workbook([
        row("QP-2612-10", "张三", consent_share="是", categories_1="物流仓储操作员"),
        row(code, "张三", salary_min="5500", surveyed_on="2026-01-05",
            categories_1="物流仓储操作员")]))
    assert "1</strong> surveys to create" in page and "1</strong> unchanged" in page
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count(Seeker.id))) == 3
    assert [s.salary_min for s in first.surveys] == [5000, 5500]
    assert first.code == code and first.facility_ref == "QP-2612-10"


def test_staff_give_a_form_registered_person_their_facility_reference(client, clerk):
    """A person registered by the form gets the facility's number on their edit page; the
    next import finds them by it; a number already given is refused, saying to whom."""
    from tests.app.test_bureau import survey_data

    assert client.post("/bureau/seekers/new", data=survey_data(
        name="张三", facility_ref=" qp-2612-10 ")).status_code == 302
    registered = db.session.scalar(sa.select(Seeker).where(Seeker.named("张三")))
    assert registered.facility_ref == "QP-2612-10" and re.fullmatch(QIBU_CODE, registered.code)
    client.post("/bureau/seekers/new", data=survey_data(name="李四"))
    other = db.session.scalar(sa.select(Seeker).where(Seeker.named("李四")))

    refused = client.post(f"/bureau/seekers/{other.code}/edit", data={
        "name": "李四", "facility_ref": "QP-2612-10"}, follow_redirects=True)
    assert f"The facility reference QP-2612-10 is already given to {registered.code}" in \
        refused.get_data(as_text=True)
    bad = client.post(f"/bureau/seekers/{other.code}/edit", data={
        "name": "李四", "facility_ref": "QP/2612"}).get_data(as_text=True)
    assert "Use up to 32 letters, digits or “-”." in bad
    assert client.post(f"/bureau/seekers/{other.code}/edit", data={
        "name": "李四", "facility_ref": "QP-2612-11"}).status_code == 302
    db.session.expire_all()
    assert other.facility_ref == "QP-2612-11"

    page, _ = upload_and_confirm(client, workbook([row("QP-2612-11", "李四",
                                                       surveyed_on="2026-01-05")]))
    assert "1</strong> surveys to create" in page and "new job seekers" not in page
    db.session.expire_all()
    assert len(other.surveys) == 2
