"""Organizer chores at the programme's scale (issue 16, deliverable 7): inviting many
employers at once, booth codes in order and renamed, the plan report explained and in
Shanghai time, re-planning an open fair, the fair report's default and its workbook."""

import io
import re
from datetime import datetime, timedelta

import openpyxl
import pytest
import sqlalchemy as sa

from app.clock import local_today
from app.services.fair_plan import UNDER_SERVED, plan_fair_recommendations
from models import (
    AuditEvent,
    FairEmployer,
    FairOpening,
    FairRecommendation,
    Interest,
    InterestStage,
    Role,
    db,
)


@pytest.fixture
def organizer(make, client, auth):
    make.user(Role.ORGANIZER, username="org")
    db.session.commit()
    auth.login("org")
    client.get("/lang/en")


def booths_of(fair) -> dict[str, str]:
    """Employer name → booth code of a fair, as stored."""
    db.session.expire_all()
    return {b.employer.name: b.booth for b in db.session.scalars(
        sa.select(FairEmployer).where(FairEmployer.fair_id == fair.id))}


def flashes(page: str) -> str:
    return " ".join(re.findall(r'class="flash[^"]*"[^>]*>(.*?)</', page, re.S))


# --------------------------------------------------------------------------- invite many


def test_ticked_employers_are_invited_in_one_request_at_booths_in_order(
        client, organizer, make):
    fair = make.fair()
    earlier = make.employer(name="先到公司")
    make.booth(fair, earlier, "A07")
    chosen = [make.employer(name=f"上海{n}号物流有限公司") for n in (1, 2, 3)]
    openings = [make.opening(employer_id=e.id) for e in chosen]
    make.employer(name="不选公司")
    db.session.commit()
    page = client.post(f"/fairs/{fair.id}/booths",
                       data={"employer_ids": [e.id for e in chosen]},
                       follow_redirects=True).get_data(as_text=True)
    assert "3 employers invited, at booths A08 to A10." in flashes(page)
    assert booths_of(fair) == {"先到公司": "A07", "上海1号物流有限公司": "A08",
                               "上海2号物流有限公司": "A09", "上海3号物流有限公司": "A10"}
    offered = set(db.session.scalars(
        sa.select(FairOpening.opening_id).where(FairOpening.fair_id == fair.id)))
    assert offered == {o.id for o in openings}
    invited = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "employer_invited")).all()
    assert len(invited) == 3


def test_booths_start_at_a01_and_skip_a_code_already_used(app, make):
    from app.fairs.operations import invite_employers

    fair = make.fair()
    assert [i.booth for i in invite_employers(fair, [make.employer()])] == ["A01"]
    make.booth(fair, make.employer(), "A03")  # renamed by hand: A02 is free, A03 is not
    codes = [i.booth for i in invite_employers(fair, [make.employer(), make.employer()])]
    assert codes == ["A04", "A05"]  # continuing after the highest, A03


def test_a_pasted_list_of_names_and_credit_codes_is_invited(client, organizer, make):
    fair = make.fair()
    by_name = make.employer(name="上海顺达物流（集团）有限公司",
                            normalized_name="上海顺达物流集团有限公司")
    by_code = make.employer(name="上海乐业餐饮有限公司", uscc="91310115MA1H7GQW4X")
    db.session.commit()
    pasted = "上海 顺达物流(集团)有限公司\n91310115ma1h7gqw4x\n\n上海乐业餐饮有限公司\n"
    page = client.post(f"/fairs/{fair.id}/booths", data={"names": pasted},
                       follow_redirects=True).get_data(as_text=True)
    assert "2 employers invited, at booths A01 to A02." in flashes(page)
    assert booths_of(fair) == {by_name.name: "A01", by_code.name: "A02"}


def test_nobody_is_invited_when_one_cannot_be_and_every_reason_is_said(
        client, organizer, make):
    fair = make.fair()
    fine = make.employer(name="甲公司")
    already = make.employer(name="乙公司")
    make.booth(fair, already, "A01")
    unverified = make.employer(name="丙公司", verified=False)
    db.session.commit()
    page = client.post(f"/fairs/{fair.id}/booths", data={
        "employer_ids": [fine.id, already.id, unverified.id],
        "names": "丁公司"}, follow_redirects=True).get_data(as_text=True)
    said = flashes(page)
    assert "No employer was invited." in said
    assert "“丁公司”: no employer has this name or credit code." in said
    assert "乙公司 is already invited to this fair." in said
    assert "丙公司 is not verified yet" in said
    assert "甲公司" not in said  # nothing wrong with it
    assert booths_of(fair) == {"乙公司": "A01"}
    assert db.session.scalar(sa.select(sa.func.count(FairOpening.id))) == 0


def test_inviting_nothing_or_to_a_closed_fair_is_refused(client, organizer, make):
    fair = make.fair()
    employer = make.employer()
    db.session.commit()
    page = client.post(f"/fairs/{fair.id}/booths", data={},
                       follow_redirects=True).get_data(as_text=True)
    assert "Choose at least one employer" in flashes(page)
    fair.open()
    fair.close()
    db.session.commit()
    page = client.post(f"/fairs/{fair.id}/booths", data={"employer_ids": [employer.id]},
                       follow_redirects=True).get_data(as_text=True)
    assert "The fair is closed; no employer can be invited any more." in page
    assert booths_of(fair) == {}


def test_the_list_narrows_to_employers_offering_what_participants_want(
        client, organizer, make):
    fair = make.fair()
    for categories in (["logistics"], ["logistics", "kitchen"]):
        seeker = make.seeker(facility_id=fair.facility_id)
        make.survey(seeker, categories=categories)
        make.participant(fair, seeker)
    loader = make.employer(name="装卸公司")
    make.opening(employer_id=loader.id, category_code="logistics")
    cook = make.employer(name="餐饮公司")
    make.opening(employer_id=cook.id, category_code="kitchen")
    seller = make.employer(name="销售公司")
    make.opening(employer_id=seller.id, category_code="sales")
    make.employer(name="无岗位公司")
    invited = make.employer(name="已邀请公司")
    make.booth(fair, invited, "A01")
    make.employer(name="待审核公司", verified=False)
    db.session.commit()

    def listed(query=""):
        page = client.get(f"/fairs/{fair.id}{query}").get_data(as_text=True)
        return set(re.findall(r'<label for="employer-\d+">(.*?)</label>', page))

    assert listed() == {"装卸公司", "餐饮公司", "销售公司", "无岗位公司"}
    assert listed("?wanted=demand") == {"装卸公司", "餐饮公司"}
    assert listed("?wanted=kitchen") == {"餐饮公司"}
    assert listed("?wanted=sales") == listed()  # nobody wants sales: not a filter offered
    page = client.get(f"/fairs/{fair.id}").get_data(as_text=True)
    # two participants want logistics: a count under 5 is not shown
    assert "wanted by &lt;5 participants" in page


# --------------------------------------------------------------------------- booth codes


def test_a_booth_is_renamed_on_its_page_and_a_clash_is_explained_there(
        client, organizer, make):
    fair = make.fair()
    first = make.booth(fair, make.employer(name="甲公司"), "A01")
    make.booth(fair, make.employer(name="乙公司"), "A02")
    db.session.commit()
    page = client.post(f"/fairs/{fair.id}/booths/{first.id}/code", data={"booth": " b05 "},
                       follow_redirects=True).get_data(as_text=True)
    assert "The booth is now B05." in page
    assert booths_of(fair) == {"甲公司": "B05", "乙公司": "A02"}
    response = client.post(f"/fairs/{fair.id}/booths/{first.id}/code", data={"booth": "A02"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Booth A02 is already 乙公司&#39;s; choose another code" in page
    assert f'action="/fairs/{fair.id}/booths/{first.id}/code"' in page
    assert booths_of(fair) == {"甲公司": "B05", "乙公司": "A02"}
    page = client.post(f"/fairs/{fair.id}/booths/{first.id}/code",
                       data={"booth": "A 1"}).get_data(as_text=True)
    assert "Use up to 8 letters and digits, e.g. A01." in page
    renamed = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "booth_renamed")).all()
    assert len(renamed) == 1


# --------------------------------------------------------------------------- the plan


@pytest.fixture
def planned(make):
    """An open fair: one participant with 3 fitting logistics openings, one who wants
    kitchen work nobody offers."""
    fair = make.fair()
    employer = make.employer()
    booth = make.booth(fair, employer, "A01")
    openings = [make.opening(employer_id=employer.id, title=f"理货员{n}", headcount=3)
                for n in range(3)]
    for opening in openings:
        make.offer(fair, booth, opening)
    served, unserved = (make.seeker(facility_id=fair.facility_id, name=name)
                        for name in ("欧阳晓明", "王小红"))
    make.survey(served, categories=["logistics"])
    make.survey(unserved, categories=["kitchen"])
    people = [make.participant(fair, served, badge_code="K7M9XQ2PB"),
              make.participant(fair, unserved, badge_code="H4R8T2N6W")]
    fair.open()
    plan_fair_recommendations(fair)
    fair.planned_at = datetime(2026, 6, 20, 2, 30)  # UTC
    db.session.commit()
    return {"fair": fair, "openings": openings, "people": people}


def test_the_plan_report_is_in_shanghai_time_explained_and_names_the_under_served(
        client, organizer, planned):
    fair = planned["fair"]
    served, unserved = planned["people"]
    assert fair.plan_report[UNDER_SERVED] == [unserved.id]
    page = client.get(f"/fairs/{fair.id}").get_data(as_text=True)
    assert "made 2026-06-20 10:30 (Shanghai time)" in page and "UTC" not in page
    assert "Gini coefficient of recommendations per opening: 0 means" in page
    assert "average match score of the recommendations, from 0 to 1" in page
    assert "at least 3 recommended openings in a job they asked for" in page
    report = page[page.index("Pre-fair plan"):page.index('id="invite"')]
    assert "Participants with fewer than 3 fitting options (1)" in report
    assert "H4R-8T2-N6W" in report and "K7M-9XQ-2PB" not in report
    assert "王小红" not in page and "小红" not in page


def test_the_plan_report_in_chinese(client, organizer, planned):
    client.get("/lang/zh_CN")
    page = client.get(f"/fairs/{planned['fair'].id}").get_data(as_text=True)
    assert "2026-06-20 10:30" in page and "上海时间" in page
    assert "基尼系数" in page and "平均匹配分" in page and "H4R-8T2-N6W" in page


def test_replanning_an_open_fair_needs_confirmation_and_keeps_interests(
        client, organizer, planned):
    fair, (served, _) = planned["fair"], planned["people"]
    interests = [Interest(seeker_id=served.seeker_id, opening_id=o.id, fair_id=fair.id,
                          stage=stage, source="kiosk")
                 for o, stage in zip(planned["openings"],
                                     (InterestStage.INTERESTED, InterestStage.INTENT),
                                     strict=False)]
    db.session.add_all(interests)
    db.session.commit()
    page = client.get(f"/fairs/{fair.id}").get_data(as_text=True)
    assert "I understand" in page and 'name="understood"' in page
    planned_before = fair.planned_at
    recommendations = db.session.scalar(sa.select(sa.func.count(FairRecommendation.id)))

    page = client.post(f"/fairs/{fair.id}/plan", follow_redirects=True).get_data(as_text=True)
    assert "already has a plan: tick “I understand” to replace it." in page
    db.session.expire_all()
    assert fair.planned_at == planned_before

    page = client.post(f"/fairs/{fair.id}/plan", data={"understood": "y"},
                       follow_redirects=True).get_data(as_text=True)
    assert "The 2 interests already recorded are kept." in page
    db.session.expire_all()
    assert fair.planned_at != planned_before
    assert db.session.scalar(sa.select(sa.func.count(FairRecommendation.id))) == recommendations
    kept = db.session.scalars(sa.select(Interest).order_by(Interest.id)).all()
    assert [(i.opening_id, i.stage) for i in kept] == [
        (i.opening_id, i.stage) for i in interests]


def test_a_closed_fair_is_not_planned_again(client, organizer, planned):
    fair = planned["fair"]
    fair.close()
    db.session.commit()
    page = client.get(f"/fairs/{fair.id}").get_data(as_text=True)
    assert "Plan again" not in page
    page = client.post(f"/fairs/{fair.id}/plan", data={"understood": "y"},
                       follow_redirects=True).get_data(as_text=True)
    assert "The fair is closed; its plan can no longer change." in page
    db.session.expire_all()
    assert fair.planned_at == datetime(2026, 6, 20, 2, 30)


# --------------------------------------------------------------------------- fair report


def test_the_fair_report_opens_on_the_latest_fair_with_data(client, organizer, make):
    today = local_today()
    held = make.fair(name_en="June fair", held_on=today - timedelta(days=30))
    make.participant(held, make.seeker(facility_id=held.facility_id))
    make.fair(name_en="Empty future fair", held_on=today + timedelta(days=60))
    db.session.commit()
    page = client.get("/fairs/report").get_data(as_text=True)
    heading = page[page.index("<thead>"):page.index("</thead>")]
    assert "June fair" in heading and "Empty future fair" not in heading
    assert f'<option value="{held.id}" selected>' in page


def test_the_fair_report_without_any_data_opens_on_the_latest_fair(client, organizer, make):
    make.fair(name_en="Earlier fair", held_on=local_today() + timedelta(days=5))
    make.fair(name_en="Later fair", held_on=local_today() + timedelta(days=50))
    db.session.commit()
    page = client.get("/fairs/report").get_data(as_text=True)
    heading = page[page.index("<thead>"):page.index("</thead>")]
    assert "Later fair" in heading


@pytest.mark.parametrize("language, expected", [
    ("en", {"sheet": "Summary", "first": "Figure", "rows": [
        "Employers", "Places (headcount)", "Participants with an intent",
        "People still employed after 3 months"], "category": "Category",
        "columns": ["Openings", "Places (headcount)", "Preliminary intents"]}),
    ("zh_CN", {"sheet": "汇总", "first": "指标", "rows": [
        "用人单位", "名额（招聘人数）", "达成初步就业意向的参会人员", "3个月后仍在岗的人数"],
        "category": "岗位类别",
        "columns": ["岗位", "名额（招聘人数）", "初步就业意向"]}),
])
def test_the_report_workbook_speaks_the_users_language(client, organizer, make, language,
                                                       expected):
    fair = make.fair(name_zh="六月招聘会", name_en="June fair")
    booth = make.booth(fair, make.employer())
    make.offer(fair, booth, make.opening(category_code="logistics"))
    db.session.commit()
    client.get(f"/lang/{language}")
    response = client.get(f"/fairs/report.xlsx?fair={fair.id}")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    summary = book[expected["sheet"]]
    labels = [row[0] for row in summary.iter_rows(values_only=True)]
    assert labels[0] == expected["first"]
    assert set(expected["rows"]) <= set(labels)
    header = [c.value for c in summary[1]]
    assert header[1] == ("June fair" if language == "en" else "六月招聘会") + \
        f" ({fair.held_on.isoformat()})"
    by_category = book[fair.code]
    header = [c.value for c in by_category[1]]
    assert header[0] == expected["category"] and set(expected["columns"]) <= set(header)
    every_label = labels + header
    assert not [text for text in every_label
                if isinstance(text, str) and re.fullmatch(r"[a-z]+(_[a-z0-9]+)+|[a-z]+", text)]
