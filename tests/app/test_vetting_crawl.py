"""An unverified or suspended employer's openings never reach a job seeker, proven by a crawl.

A fair is planned and a bulletin printed while three employers are verified; then one is
un-verified and one suspended. Every page, PDF and API answer a job seeker, a bureau, an
organizer or an employer's shortlist can reach is requested: the two employers' openings
(distinctive titles) appear in none, while employment staff see them marked. Verified
again, they come back.
"""

import io
import json
import re
from datetime import date

import pytest

from app.clock import local_today
from app.corner.operations import keep_bulletin_pdf, make_bulletin
from app.employment import operations
from app.fairs.documents import sheets_pdf, shortlists_pdf
from app.fairs.operations import add_participants, given_name
from app.services import fair_plan
from models import ApiToken, Role, db, iso_week_of
from tests.app.test_jobs import downloaded

HIDDEN_UNVERIFIED = "核实测试货车司机甲"
HIDDEN_SUSPENDED = "核实测试叉车司机乙"
SHOWN = "核实测试分拣员丙"
HIDDEN = (HIDDEN_UNVERIFIED, HIDDEN_SUSPENDED)
CODES = {"shown": "91350100M000100Y43", "unverified": "91310115MA1H7GQX11",
         "suspended": "91310113MA1WWG6L63"}


def _text_of(response) -> str:
    data = response.get_data()
    if response.mimetype == "application/pdf":
        return _pdf_text(data)
    return data.decode("utf-8", "replace")


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


@pytest.fixture
def world(app, make):
    facility = make.facility(code="VET", name_zh="核实测试所", name_en="Vetting test")
    fair = make.fair(facility_id=facility.id, code="VET-FAIR")
    employers, openings = {}, {}
    for key, title, booth in (("shown", SHOWN, "A01"), ("unverified", HIDDEN_UNVERIFIED, "A02"),
                              ("suspended", HIDDEN_SUSPENDED, "A03")):
        employer = make.employer(name=f"上海{key}物流有限公司", uscc=CODES[key],
                                 contact_person="王经理",
                                 contact_phone="13812345678", pledge_date=date(2026, 5, 1),
                                 pledge_signed_by="王经理")
        opening = make.opening(employer_id=employer.id, title=title, headcount=10,
                               posted_on=local_today())
        make.offer(fair, make.booth(fair, employer, booth), opening)
        employers[key], openings[key] = employer, opening
    seekers = [make.seeker(facility_id=facility.id, consent_share=True) for _ in range(3)]
    for seeker in seekers:
        make.survey(seeker, categories=["logistics"], salary_min=5000)
    add_participants(fair, seekers)
    fair_plan.plan_fair_recommendations(fair)  # planned while all three were verified
    bulletin, _created = make_bulletin(facility, iso_week_of(local_today()))
    keep_bulletin_pdf(bulletin)  # its PDF kept while all three were verified
    fair.open()
    users = {
        "bureau": make.user(Role.BUREAU, username="v-bureau", facility_id=facility.id),
        "organizer": make.user(Role.ORGANIZER, username="v-organizer"),
        "kiosk": make.user(Role.KIOSK, username="v-kiosk", fair_id=fair.id),
        "employment": make.user(Role.EMPLOYMENT, username="v-employment"),
    }
    row, token = ApiToken.issue("vetting crawl")
    db.session.add(row)
    db.session.commit()
    # everything planned and printed holds all three before the vetting changes
    planned = {rec.opening_id for _p, recs in fair_plan.participant_plans(fair) for rec in recs}
    assert {o.id for o in openings.values()} <= planned

    operations.unverify_employer(employers["unverified"])
    operations.suspend_employer(employers["suspended"], "求职者投诉：要求先交押金")
    db.session.commit()
    return {"fair": fair, "facility": facility, "seekers": seekers, "employers": employers,
            "openings": openings, "users": users, "token": token}


def _urls(app, world) -> list[str]:
    fair, seeker = world["fair"], world["seekers"][0]
    week = iso_week_of(local_today())
    values = {"code": seeker.code, "fair_id": str(fair.id), "facility": "VET", "week": week,
              "opening_id": str(world["openings"]["unverified"].id),
              "employer_id": str(world["employers"]["unverified"].id),
              "booth_id": str(fair.booths[0].id), "survey_id": str(seeker.surveys[0].id)}
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in ("static", "i18n.switch_language",
                                                           "auth.logout"):
            continue
        names = re.findall(r"<(?:[^:>]+:)?([^>]+)>", rule.rule)
        if any(name not in values for name in names):
            continue
        urls.append(re.sub(r"<(?:[^:>]+:)?([^>]+)>", lambda m: values[m.group(1)], rule.rule))
    return sorted(set(urls))


def _login(app, user, world):
    client = app.test_client()
    assert client.post("/login", data={"username": user.username,
                                       "password": "correct-horse-battery"}).status_code == 302
    if user.role is Role.KIOSK:
        participant = world["fair"].participants[0]
        client.post("/kiosk/badge", data={"code": participant.badge_code})
    return client


def _crawl(app, world, roles) -> dict[str, str]:
    """The text every role could read on every GET page it may open (200 answers only)."""
    seen = {}
    urls = _urls(app, world)
    for role in roles:
        client = _login(app, world["users"][role], world)
        for url in urls:
            # a PDF made by a job: what its page's download button fetches
            response = downloaded(client, url) if url.endswith(".pdf") else client.get(url)
            if response.status_code == 200:
                seen[f"{role} {url}"] = _text_of(response)
    headers = {"Authorization": f"Bearer {world['token']}"}
    client = app.test_client()
    for url in ("/api/v1/openings?per_page=100",
                f"/api/v1/openings?fair={world['fair'].code}&per_page=100",
                *(f"/api/v1/openings/{o.id}" for o in world["openings"].values())):
        response = client.get(url, headers=headers)
        seen[f"api {url}"] = json.dumps(response.get_json(), ensure_ascii=False) \
            if response.status_code == 200 else ""
    return seen


def _documents(world) -> dict[str, str]:
    """The printed sheets and shortlists as their PDFs' text."""
    fair = db.session.get(type(world["fair"]), world["fair"].id)
    booths = {fo.opening_id: b.booth for b in fair.booths for fo in b.openings}
    return {
        "sheets.pdf": _pdf_text(sheets_pdf(fair, fair_plan.participant_plans(fair), booths,
                                           given_name)),
        "shortlists.pdf": _pdf_text(shortlists_pdf(fair, fair_plan.employer_shortlists(fair))),
    }


SEEKER_FACING = ("bureau", "organizer", "kiosk")


def test_unverified_and_suspended_openings_reach_no_seeker_facing_output(app, world):
    seen = _crawl(app, world, SEEKER_FACING)
    seen.update(_documents(world))
    week = iso_week_of(local_today())
    # the crawl reaches the outputs that list the verified employer's opening
    reached = {where for where, text in seen.items() if SHOWN in text}
    for expected in ("bureau /bureau/seekers/", "kiosk /kiosk/options", "kiosk /kiosk/openings",
                     "/corner/bulletins/VET/", "/fairs/{}/sheets".format(world["fair"].id),
                     "/fairs/{}/shortlists".format(world["fair"].id), "/booths/print",
                     "api /api/v1/openings?per_page", "sheets.pdf", "shortlists.pdf",
                     f"bureau /corner/bulletins/VET/{week}/bulletin.pdf"):
        assert any(expected in where for where in reached), expected
    leaks = [(where, title) for where, text in seen.items() for title in HIDDEN
             if title in text]
    assert leaks == []


def test_employment_staff_see_them_marked(app, world):
    client = _login(app, world["users"]["employment"], world)
    client.get("/lang/en")
    home = client.get("/employment?q=核实测试").get_data(as_text=True)
    for title in HIDDEN:
        assert re.search(rf"{title}</a> <span class=\"badge vetting-hidden\">not shown to job "
                         rf"seekers</span>", home), title
    shown_row = home.split(f">{SHOWN}</a>")[1].split("</tr>")[0]
    assert "vetting-hidden" not in shown_row  # a verified employer's opening carries no badge
    opening = world["openings"]["suspended"]
    page = client.get(f"/employment/openings/{opening.id}").get_data(as_text=True)
    assert "not shown to job seekers" in page
    queue = client.get("/employment/review").get_data(as_text=True)
    assert HIDDEN_UNVERIFIED in queue and HIDDEN_SUSPENDED not in queue


def test_verified_again_they_come_back(app, world):
    employers = world["employers"]
    operations.lift_employer_suspension(employers["suspended"])
    for key in ("unverified", "suspended"):
        employers[key].verify(None)
    db.session.commit()
    seen = _crawl(app, world, ("bureau", "kiosk"))
    seen.update(_documents(world))
    for title in HIDDEN:
        for where in ("bureau /bureau/seekers/", "kiosk /kiosk/openings",
                      "api /api/v1/openings?per_page", "sheets.pdf", "shortlists.pdf"):
            assert any(where in key and title in text for key, text in seen.items()), \
                (title, where)
