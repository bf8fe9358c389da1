"""The job information corner: the weekly bulletin, the handbook, courses and the course gap."""

import io
from collections import Counter
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from app.clock import local_today
from app.corner import operations
from app.corner.bulletin import ITEMS_SHOWN, demand_order
from app.corner.handbook import markdown_html
from app.corner.training import course_gap
from app.opening_labels import opening_code
from models import (
    AuditEvent,
    Bulletin,
    Course,
    Facility,
    JobCategory,
    Opening,
    OpeningStatus,
    Role,
    Seeker,
    SeekerStatus,
    Shift,
    StateError,
    db,
    iso_week_of,
    week_monday,
)
from tests.app.test_fair_documents import embedded_fonts, text_of
from tests.app.test_jobs import downloaded

THIS_WEEK = iso_week_of(local_today())


def _audited(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)))


def _english(client):
    client.get("/lang/en").close()


# --------------------------------------------------------------------------- the bulletin


def _hand_counted_top_category(facility: Facility) -> str:
    """The facility's most wanted category, counted here without the app's code."""
    weights = Counter()
    people = Counter()
    seekers = db.session.scalars(sa.select(Seeker).where(
        Seeker.facility_id == facility.id, Seeker.status == SeekerStatus.IN_FACILITY))
    for seeker in seekers:
        if not seeker.surveys:
            continue
        latest = max(seeker.surveys, key=lambda s: s.surveyed_on)
        for intention in latest.intentions:
            weights[intention.category_code] += {1: 3, 2: 2, 3: 1}[intention.rank]
            people[intention.category_code] += 1
    (top, _weight), = weights.most_common(1)
    assert people[top] >= 5
    return top


def _open_openings_of(week: str) -> set[int]:
    sunday = week_monday(week) + timedelta(days=6)
    return {o.id for o in db.session.scalars(sa.select(Opening).where(
        Opening.visible_to_seekers))
        if (o.places_left is None or o.places_left > 0)
        and (o.posted_on is None or o.posted_on <= sunday)}


def _x_positions(data: bytes, page_number: int = 0) -> list[float]:
    positions = []

    def visit(text, cm, tm, font_dict, font_size):
        if text.strip():
            positions.append(cm[4] + tm[4] * cm[0])

    PdfReader(io.BytesIO(data)).pages[page_number].extract_text(visitor_text=visit)
    return positions


def test_bulletin_from_demo_data_ranks_demand_and_lists_every_open_opening(client, auth,
                                                                          runner):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    facility = db.session.scalar(sa.select(Facility).where(Facility.code == "SH-QP"))
    top = _hand_counted_top_category(facility)
    auth.login("bureau", "qibu-bureau-demo")
    _english(client)

    response = client.post("/corner/bulletins/SH-QP", data={"week": THIS_WEEK})
    assert response.headers["Location"] == f"/corner/bulletins/SH-QP/{THIS_WEEK}"
    bulletin = db.session.scalar(sa.select(Bulletin))
    assert (bulletin.facility_id, bulletin.week, bulletin.number) == (facility.id, THIS_WEEK, 1)
    assert set(bulletin.opening_ids) == _open_openings_of(THIS_WEEK)
    assert len(bulletin.opening_ids) >= 400
    assert bulletin.category_order[0] == top
    first = db.session.get(Opening, bulletin.opening_ids[0])
    assert first.category_code == top

    page = client.get(f"/corner/bulletins/SH-QP/{THIS_WEEK}").get_data(as_text=True)
    top_name = db.session.get(JobCategory, top).name_en
    headings = page.split('<section class="bulletin-section">')[1:]
    assert headings[0].lstrip().startswith(f"<h2>{top_name}</h2>")
    assert "Issue 1" in page and "two columns" in page
    assert f'opening no. <span class="mono">{opening_code(first.id)}</span>' in page
    # the issue holds every open opening; the page shows the first ITEMS_SHOWN (the most
    # wanted categories first) and says how many more there are
    more = len(bulletin.opening_ids) - ITEMS_SHOWN
    assert page.count('<article class="bulletin-item') == ITEMS_SHOWN == 200
    assert f"{len(bulletin.opening_ids)} openings, " in page
    assert (f"{more} more openings of this issue are not shown. Ask the staff of the job "
            "information corner about them.") in page
    last_shown = db.session.get(Opening, bulletin.opening_ids[ITEMS_SHOWN - 1])
    first_hidden = db.session.get(Opening, bulletin.opening_ids[ITEMS_SHOWN])
    assert f'id="opening-{last_shown.id}"' in page
    assert f'id="opening-{first_hidden.id}"' not in page

    response = downloaded(client, f"/corner/bulletins/SH-QP/{THIS_WEEK}/bulletin.pdf")
    assert response.mimetype == "application/pdf"
    fonts = embedded_fonts(response.data)
    assert fonts and all(fonts.values()), fonts
    text = text_of(response.data)
    top_zh = db.session.get(JobCategory, top).name_zh
    assert text.index("■") == text.index(f"■ {top_zh}")
    assert bulletin.week in text and first.employer.name in text.replace("\n", "")
    flat = text.replace("\n", "")
    # Chinese once the catalog has the new string (until then its English msgid)
    assert f"本期还有 {more} 个岗位未列出" in flat or f"{more} more openings of this issue" in flat
    reader = PdfReader(io.BytesIO(response.data))
    width = float(reader.pages[0].mediabox.width)
    assert round(width) == 595  # A4
    xs = _x_positions(response.data)
    assert min(xs) < width / 4 and max(xs) > width / 2  # two columns
    assert [e.detail["week"] for e in _audited("bulletin_exported")] == [THIS_WEEK]
    assert len(_audited("bulletin_made")) == 1


@pytest.fixture
def small_facility(make):
    facility = make.facility(code="SH-T1")
    for _n in range(5):  # five people name sales, as their third choice: weight 5
        seeker = make.seeker(facility_id=facility.id)
        make.survey(seeker, categories=["workshop", "retail", "sales"])
    for _n in range(2):  # two people want driving most: weight 6, but only two people
        seeker = make.seeker(facility_id=facility.id)
        make.survey(seeker, categories=["driver"])
    db.session.commit()
    return facility


def test_demand_order_ranks_only_categories_named_by_five_or_more(small_facility):
    order = demand_order(small_facility.id)
    positions = {code: n for n, code in enumerate(
        db.session.scalars(sa.select(JobCategory.code).order_by(JobCategory.position)))}
    # workshop 15, retail 10, sales 5 are ranked; driver (6, two people) is not
    assert order[:3] == ["workshop", "retail", "sales"]
    rest = order[3:]
    assert rest == sorted(rest, key=positions.get)
    assert set(order) == set(positions)


def test_demand_uses_each_seekers_latest_survey_only(make, small_facility):
    for seeker in db.session.scalars(sa.select(Seeker).where(
            Seeker.facility_id == small_facility.id).order_by(Seeker.id)).all()[:5]:
        make.survey(seeker, categories=["security"], surveyed_on=local_today())
    db.session.commit()
    assert demand_order(small_facility.id)[0] == "security"


def test_issues_are_numbered_weekly_and_stay_as_printed(make, small_facility):
    employer = make.employer()
    kept = make.opening(employer_id=employer.id, title="装配工", category_code="workshop")
    closed = make.opening(employer_id=employer.id, title="理货员")
    full = make.opening(employer_id=employer.id, title="满员岗位", headcount=1, filled=1)
    # posted on next week's Tuesday, whatever day today is
    later = make.opening(employer_id=employer.id, title="下周才发布",
                         posted_on=local_today() + timedelta(days=9 - local_today().isoweekday()))
    today = local_today()
    first, created = operations.make_bulletin(small_facility, THIS_WEEK, today=today)
    assert created and first.number == 1
    assert first.opening_ids[0] == kept.id  # workshop is the most wanted
    assert set(first.opening_ids) == {kept.id, closed.id}
    assert first.new_opening_ids == []  # a first issue marks nothing as new
    assert full.id not in first.opening_ids and later.id not in first.opening_ids

    again, created = operations.make_bulletin(small_facility, THIS_WEEK, today=today)
    assert not created and again.id == first.id

    closed.close()
    added = make.opening(employer_id=employer.id, title="新岗位", category_code="sales")
    next_week = iso_week_of(today + timedelta(days=7))
    second, created = operations.make_bulletin(small_facility, next_week, today=today)
    assert created and second.number == 2
    assert set(second.opening_ids) == {kept.id, added.id, later.id}
    assert set(second.new_opening_ids) == {added.id, later.id}
    db.session.commit()
    assert set(db.session.get(Bulletin, first.id).opening_ids) == {kept.id, closed.id}

    with pytest.raises(StateError, match="更晚"):
        operations.make_bulletin(small_facility, iso_week_of(today - timedelta(days=7)),
                                 today=today)
    with pytest.raises(StateError):
        operations.make_bulletin(small_facility, iso_week_of(today + timedelta(days=21)),
                                 today=today)
    with pytest.raises(StateError):
        operations.make_bulletin(small_facility, "2026-48", today=today)


def test_issue_says_how_to_apply_and_shares_contacts_only_with_consent(client, auth, make,
                                                                      small_facility):
    open_book = make.employer(name="上海愿意公开有限公司", contact_person="王经理",
                              contact_phone="13812345678", contact_shareable=True)
    private = make.employer(name="上海不公开有限公司", contact_person="李经理",
                            contact_phone="13987654321", contact_shareable=False)
    at_fair = make.opening(employer_id=open_book.id, title="仓管员")
    elsewhere = make.opening(employer_id=private.id, title="分拣员")
    fair = make.fair(facility_id=small_facility.id, held_on=local_today() + timedelta(days=10))
    make.offer(fair, make.booth(fair, open_book, "C03"), at_fair)
    bulletin, _created = operations.make_bulletin(small_facility, THIS_WEEK)
    make.user(Role.BUREAU, username="desk", facility_id=small_facility.id)
    db.session.commit()
    auth.login("desk")
    _english(client)

    page = client.get(f"/corner/bulletins/SH-T1/{THIS_WEEK}").get_data(as_text=True)
    assert f"Job fair: {fair.name_en}, {fair.held_on.isoformat()}" in page
    fair_item = page.split(f'id="opening-{at_fair.id}"')[1].split("</article>")[0]
    assert f"Apply at the job fair on {fair.held_on.isoformat()}, booth C03." in fair_item
    centre_item = page.split(f'id="opening-{elsewhere.id}"')[1].split("</article>")[0]
    assert "Apply through the employment centre" in centre_item
    assert f'opening no. <span class="mono">{opening_code(elsewhere.id)}</span>' in centre_item
    assert "13812345678" in page and "王经理" in page
    assert "13987654321" not in page and "李经理" not in page
    text = text_of(downloaded(client, f"/corner/bulletins/SH-T1/{THIS_WEEK}/bulletin.pdf").data)
    assert "13812345678" in text and "13987654321" not in text
    assert "C03" in text


def test_bulletins_are_scoped_to_the_bureaus_own_facility(client, auth, make, small_facility):
    other = make.facility(code="SH-T2")
    operations.make_bulletin(other, THIS_WEEK)
    operations.make_bulletin(small_facility, THIS_WEEK)
    make.user(Role.BUREAU, username="mine", facility_id=small_facility.id)
    make.user(Role.EMPLOYMENT, username="centre")
    db.session.commit()

    auth.login("mine")
    assert client.get("/corner/bulletins").headers["Location"] == "/corner/bulletins/SH-T1"
    assert client.get("/corner/bulletins/SH-T1").status_code == 200
    assert client.get("/corner/bulletins/SH-T2").status_code == 404
    assert client.get(f"/corner/bulletins/SH-T2/{THIS_WEEK}").status_code == 404
    assert client.get(f"/corner/bulletins/SH-T2/{THIS_WEEK}/bulletin.pdf").status_code == 404
    assert client.post("/corner/bulletins/SH-T2", data={"week": THIS_WEEK}).status_code == 404
    auth.logout()

    auth.login("centre")
    _english(client)
    listing = client.get("/corner/bulletins").get_data(as_text=True)
    assert "/corner/bulletins/SH-T1" in listing and "/corner/bulletins/SH-T2" in listing
    assert client.get(f"/corner/bulletins/SH-T2/{THIS_WEEK}").status_code == 200


def test_archive_lists_past_issues_and_refuses_a_bad_week(client, auth, make, small_facility):
    make.opening()
    make.user(Role.ADMIN, username="boss")
    db.session.commit()
    auth.login("boss")
    _english(client)
    client.post("/corner/bulletins/SH-T1", data={"week": THIS_WEEK})
    page = client.post("/corner/bulletins/SH-T1", data={"week": "week 48"},
                       follow_redirects=True).get_data(as_text=True)
    assert "Write the week as year, W and week number" in page
    page = client.post("/corner/bulletins/SH-T1", data={"week": THIS_WEEK},
                       follow_redirects=True).get_data(as_text=True)
    assert "exists already" in page
    archive = client.get("/corner/bulletins/SH-T1").get_data(as_text=True)
    assert "Issue 1" in archive and THIS_WEEK in archive
    assert db.session.scalar(sa.select(sa.func.count(Bulletin.id))) == 1


def test_kiosk_shows_the_current_issue_of_its_fairs_facility(client, auth, make,
                                                             small_facility):
    make.opening(title="叉车工", category_code="forklift")
    fair = make.fair(facility_id=small_facility.id)
    make.user(Role.KIOSK, username="kiosk9", fair_id=fair.id)
    db.session.commit()
    auth.login("kiosk9")
    _english(client)
    assert "No issue of the bulletin yet" in client.get("/corner/kiosk/bulletin").get_data(
        as_text=True)
    operations.make_bulletin(small_facility, THIS_WEEK)
    operations.make_bulletin(make.facility(), THIS_WEEK)
    db.session.commit()
    response = client.get("/corner/kiosk/bulletin")
    page = response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    assert "Issue 1" in page and "叉车工" in page


def test_cli_makes_the_issue_and_writes_its_pdf(runner, make, small_facility, tmp_path):
    make.opening(title="包装工", category_code="packaging")
    db.session.commit()
    pdf = tmp_path / "issue.pdf"
    result = runner.invoke(args=["bulletin", "make", "--facility", "SH-T1",
                                 "--week", THIS_WEEK, "--pdf", str(pdf)])
    assert result.exit_code == 0, result.output
    assert f"SH-T1 {THIS_WEEK}: issue 1 made, 1 openings" in result.output
    assert "包装工" in text_of(pdf.read_bytes())
    assert all(embedded_fonts(pdf.read_bytes()).values())
    result = runner.invoke(args=["bulletin", "make", "--facility", "SH-T1", "--week", THIS_WEEK])
    assert "already made" in result.output
    result = runner.invoke(args=["bulletin", "make", "--facility", "NOPE"])
    assert result.exit_code == 2 and "no facility with code NOPE" in result.output
    assert [e.detail.get("via") for e in _audited("bulletin_exported")] == ["cli"]


# --------------------------------------------------------------------------- the handbook


def test_handbook_pages_render_in_both_languages(client, auth, make):
    make.user(Role.ORGANIZER, username="org")
    db.session.commit()
    auth.login("org")
    chinese = client.get("/corner/handbook/rights").get_data(as_text=True)
    assert "第五十二条" in chinese and "戒毒人员在入学、就业、享受社会保障等方面不受歧视" in chinese
    _english(client)
    index = client.get("/corner/handbook").get_data(as_text=True)
    for title in ("Employment-promotion policies", "Unemployment insurance",
                  "Ways to find a job", "Interview tips",
                  "Your right not to be discriminated against", "Skills courses"):
        assert title in index
    english = client.get("/corner/handbook/rights").get_data(as_text=True)
    assert "Article 52 of the Anti-Drug Law" in english
    assert client.get("/corner/handbook/nope").status_code == 404


def test_markdown_is_rendered_with_raw_html_escaped():
    html = markdown_html("**ok** <script>alert(1)</script> [x](javascript:alert(1))")
    assert "<strong>ok</strong>" in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "javascript:" not in html


def test_handbook_courses_page_lists_the_facilitys_coming_courses(client, auth, make):
    facility = make.facility(code="SH-H1")
    other = make.facility(code="SH-H2")
    today = local_today()
    db.session.add_all([
        Course(facility_id=facility.id, name="叉车司机培训班", certificate_code="forklift",
               starts_on=today + timedelta(days=5), ends_on=today + timedelta(days=30)),
        Course(facility_id=facility.id, name="已结业的烹调班", certificate_code="chef",
               starts_on=today - timedelta(days=40), ends_on=today - timedelta(days=2)),
        Course(facility_id=other.id, name="别所的焊工班", certificate_code="welder"),
    ])
    make.user(Role.BUREAU, username="hb", facility_id=facility.id)
    db.session.commit()
    auth.login("hb")
    page = client.get("/corner/handbook/courses").get_data(as_text=True)
    assert "叉车司机培训班" in page
    assert "已结业的烹调班" not in page and "别所的焊工班" not in page


def test_handbook_booklet_pdf_embeds_its_font_and_its_chinese_is_extractable(client, auth,
                                                                            make):
    facility = make.facility(code="SH-H3")
    db.session.add(Course(facility_id=facility.id, name="低压电工作业培训班",
                          certificate_code="electrician",
                          starts_on=local_today() + timedelta(days=3)))
    make.user(Role.BUREAU, username="hb3", facility_id=facility.id)
    db.session.commit()
    auth.login("hb3")
    _english(client)  # the booklet is printed in Chinese whatever the screen's language
    response = client.get("/corner/handbook.pdf")
    assert response.mimetype == "application/pdf"
    fonts = embedded_fonts(response.data)
    assert fonts and all(fonts.values()), fonts
    text = text_of(response.data).replace("\n", "")
    assert "戒毒人员在入学、就业、享受社会保障等方面不受歧视" in text
    assert "失业保险" in text and "面试技巧" in text and "求职渠道" in text
    assert "低压电工作业培训班" in text
    reader = PdfReader(io.BytesIO(response.data))
    assert len(reader.pages) >= 7  # cover and six chapters
    assert round(float(reader.pages[0].mediabox.width)) == 420  # A5
    assert [e.target_id for e in _audited("handbook_exported")] == [str(facility.id)]


def test_kiosk_handbook(client, auth, make):
    fair = make.fair()
    db.session.add(Course(facility_id=fair.facility_id, name="保安员培训班",
                          certificate_code="security_guard"))
    make.user(Role.KIOSK, username="kiosk8", fair_id=fair.id)
    db.session.commit()
    auth.login("kiosk8")
    _english(client)
    index = client.get("/corner/kiosk/handbook").get_data(as_text=True)
    assert "/corner/kiosk/handbook/interview" in index
    page = client.get("/corner/kiosk/handbook/courses").get_data(as_text=True)
    assert "保安员培训班" in page
    assert client.get("/corner/handbook").status_code == 403


# --------------------------------------------------------------------------- courses


def test_bureau_manages_its_own_courses(client, auth, make):
    facility = make.facility(code="SH-C1")
    other = make.facility(code="SH-C2")
    theirs = Course(facility_id=other.id, name="别人的课程")
    db.session.add(theirs)
    make.user(Role.BUREAU, username="cb", facility_id=facility.id)
    db.session.commit()
    auth.login("cb")
    _english(client)

    page = client.post("/corner/courses/new", data={
        "name": "叉车司机培训班", "certificate_code": "forklift", "category_code": "forklift",
        "starts_on": "2026-12-07", "ends_on": "2026-12-01", "seats": "20",
        "facility_id": str(other.id)}).get_data(as_text=True)
    assert "A course cannot end before it starts." in page
    response = client.post("/corner/courses/new", data={
        "name": "叉车司机培训班", "certificate_code": "forklift", "category_code": "forklift",
        "starts_on": "2026年12月7日", "ends_on": "2026-12-28", "seats": "20",
        "facility_id": str(other.id)})
    assert response.status_code == 302
    course = db.session.scalar(sa.select(Course).where(Course.name == "叉车司机培训班"))
    assert course.facility_id == facility.id  # never another facility's
    assert (course.starts_on, course.ends_on, course.seats) == (date(2026, 12, 7),
                                                                 date(2026, 12, 28), 20)
    page = client.post("/corner/courses/new", data={"name": "叉车司机培训班"}
                       ).get_data(as_text=True)
    assert "already has a course with this name" in page

    client.post(f"/corner/courses/{course.id}/edit", data={
        "name": "叉车司机培训班（第二期）", "certificate_code": "forklift", "seats": "25"})
    db.session.refresh(course)
    assert course.name == "叉车司机培训班（第二期）" and course.seats == 25
    listing = client.get("/corner/courses").get_data(as_text=True)
    assert "叉车司机培训班（第二期）" in listing and "别人的课程" not in listing

    assert client.get(f"/corner/courses/{theirs.id}/edit").status_code == 404
    assert client.post(f"/corner/courses/{theirs.id}/delete").status_code == 404
    course_id, their_id = course.id, theirs.id
    client.post(f"/corner/courses/{course_id}/delete")
    db.session.expunge_all()
    assert db.session.get(Course, course_id) is None
    assert db.session.get(Course, their_id) is not None
    assert [len(_audited(a)) for a in ("course_created", "course_updated", "course_deleted")] \
        == [1, 1, 1]


def test_admin_manages_every_facilitys_courses(client, auth, make):
    facility = make.facility(code="SH-C3")
    make.user(Role.ADMIN, username="root")
    db.session.commit()
    auth.login("root")
    response = client.post("/corner/courses/new", data={
        "name": "焊工班", "certificate_code": "welder", "facility_id": str(facility.id)})
    assert response.status_code == 302
    assert db.session.scalar(sa.select(Course.facility_id)) == facility.id
    assert "焊工班" in client.get("/corner/courses?facility=SH-C3").get_data(as_text=True)


def test_seeker_page_links_the_course_that_awards_a_missing_certificate(client, auth, make):
    facility = make.facility(code="SH-S1")
    other = make.facility(code="SH-S2")
    seeker = make.seeker(facility_id=facility.id)
    make.survey(seeker, categories=["logistics"])
    make.opening(title="叉车理货员", certificates_required=["forklift"])
    db.session.add_all([
        Course(facility_id=facility.id, name="本所叉车班", certificate_code="forklift",
               starts_on=local_today() + timedelta(days=9)),
        Course(facility_id=other.id, name="别所叉车班", certificate_code="forklift"),
        Course(facility_id=facility.id, name="本所电工班", certificate_code="electrician"),
    ])
    make.user(Role.BUREAU, username="sb", facility_id=facility.id)
    db.session.commit()
    auth.login("sb")
    _english(client)
    page = client.get(f"/bureau/seekers/{seeker.code}").get_data(as_text=True)
    assert "Needs Forklift licence (N1), which you don&#39;t have yet" in page
    assert "Course that awards it: 本所叉车班" in page
    assert "别所叉车班" not in page and "本所电工班" not in page


# --------------------------------------------------------------------------- the course gap


@pytest.fixture
def gap_case(make):
    """A hand-built facility: three counted seekers, seven open openings with a place left.

    seekers (shifts: day)      chose                certificates  avoids
      S1                       forklift, logistics  —             precursor chemicals
      S2                       security, driver     —
      S3                       forklift             forklift
      S4 other facility, S5 placed, S6 no survey: not counted
    openings
      O1 forklift, lists forklift        O2 forklift, night shift
      O3 logistics, lists forklift       O4 security
      O5 logistics, lists forklift, closed   O6 driver, lists driving licence B2
      O7 logistics, lists forklift, handles precursor chemicals
      O8 forklift, full                  O9 sales, lists forklift (nobody chose sales)
    """
    facility = make.facility(code="SH-G1")
    other = make.facility(code="SH-G2")
    s1 = make.seeker(facility_id=facility.id)
    make.survey(s1, categories=["forklift", "logistics"], avoid=["precursor_chemicals"])
    s2 = make.seeker(facility_id=facility.id)
    make.survey(s2, categories=["security", "driver"])
    s3 = make.seeker(facility_id=facility.id)
    make.survey(s3, categories=["forklift"], certificates=["forklift"])
    make.survey(make.seeker(facility_id=other.id), categories=["forklift"])
    make.survey(make.seeker(facility_id=facility.id, status=SeekerStatus.PLACED),
                categories=["forklift"])
    make.seeker(facility_id=facility.id)
    employer = make.employer()

    def opening(category, **kwargs):
        return make.opening(employer_id=employer.id, category_code=category, **kwargs)

    opening("forklift", certificates_required=["forklift"])            # O1
    opening("forklift", shift=Shift.NIGHT)                              # O2
    opening("logistics", certificates_required=["forklift"])           # O3
    opening("security")                                                 # O4
    opening("logistics", certificates_required=["forklift"],
            status=OpeningStatus.CLOSED)                                # O5
    opening("driver", certificates_required=["driving_b2"])            # O6
    opening("logistics", certificates_required=["forklift"],
            environments=["precursor_chemicals"])                       # O7
    opening("forklift", headcount=2, filled=2)                          # O8
    opening("sales", certificates_required=["forklift"])               # O9
    db.session.add_all([
        Course(facility_id=facility.id, name="叉车班", certificate_code="forklift"),
        Course(facility_id=facility.id, name="焊工班", certificate_code="welder"),
        Course(facility_id=other.id, name="别所保安班", certificate_code="security_guard"),
    ])
    db.session.commit()
    return facility


def test_course_gap_matches_a_hand_count(gap_case):
    rows, seekers, openings = course_gap(gap_case.id)
    assert (seekers, openings) == (3, 7)
    table = {row.gap.certificate: (row.gap.blocked_pairs, row.gap.caveat_pairs,
                                   row.gap.seekers, row.gap.openings,
                                   [c.name for c in row.courses]) for row in rows}
    assert table == {
        # S1–O1 blocked (the law requires it); S1–O3 caveat. Not S1–O2 (shift), S1–O7
        # (environment), S3 (holds it), O5 (closed), O8 (full), O9 (nobody chose sales).
        "forklift": (1, 1, 1, 2, ["叉车班"]),
        "security_guard": (1, 0, 1, 1, []),    # S2–O4; the other facility's course not listed
        "driving_b2": (1, 0, 1, 1, []),        # S2–O6: the licence the opening lists
        "driving_a2": (1, 0, 1, 1, []),        # A2 covers B2
        "welder": (0, 0, 0, 0, ["焊工班"]),     # a course of the facility, nothing to open
    }
    assert [row.gap.certificate for row in rows] == [
        "forklift", "driving_a2", "driving_b2", "security_guard", "welder"]


def test_course_gap_page_explains_and_shows_the_counts(client, auth, make, gap_case):
    make.user(Role.BUREAU, username="gb", facility_id=gap_case.id)
    db.session.commit()
    auth.login("gb")
    _english(client)
    page = client.get("/corner/courses/gap").get_data(as_text=True)
    assert "How the numbers are counted" in page
    assert "in a job category the seeker chose in their latest survey" in page
    row = page.split("Forklift licence (N1)</th>")[1].split("</tr>")[0]
    cells = [cell.split("</td>")[0] for cell in row.split('<td class="num">')[1:]]
    assert cells == ["1", "1", "1", "2"]
    assert "叉车班" in row
    assert _audited("course_gap_viewed")[0].detail == {"seekers": 3, "openings": 7}


def test_seeded_demo_courses_are_loaded_once(runner):
    runner.invoke(args=["seed-demo"])
    count = db.session.scalar(sa.select(sa.func.count(Course.id)))
    assert count == 11  # 8 planned or recent, 3 past runs of the year-round demo
    runner.invoke(args=["seed-demo"])
    assert db.session.scalar(sa.select(sa.func.count(Course.id))) == count


def test_course_and_week_rules(app):
    course = Course(name="x", facility_id=1)
    with pytest.raises(StateError, match="结束日期不能早于开始日期"):
        course.schedule(date(2026, 12, 7), date(2026, 12, 1))
    with pytest.raises(StateError):
        course.set_seats(0)
    assert iso_week_of(date(2026, 11, 28)) == "2026-W48"
    assert week_monday("2026-W48") == date(2026, 11, 23)
    assert iso_week_of(date(2027, 1, 1)) == "2026-W53"
    with pytest.raises(StateError):
        week_monday("2025-W53")  # 2025 has 52 weeks


def test_course_gap_counts_a_changed_register_at_once(gap_case):
    """The gap's openings are prepared once per version of the register, never stale."""
    assert course_gap(gap_case.id)[2] == 7
    o1 = db.session.scalars(sa.select(Opening).where(Opening.category_code == "forklift")
                            .order_by(Opening.id)).first()
    o1.headcount, o1.filled = 1, 1  # O1 is filled: S1 loses its blocked forklift pair
    db.session.commit()
    rows, _seekers, openings = course_gap(gap_case.id)
    assert openings == 6
    forklift = next(row.gap for row in rows if row.gap.certificate == "forklift")
    assert (forklift.blocked_pairs, forklift.caveat_pairs) == (0, 1)
