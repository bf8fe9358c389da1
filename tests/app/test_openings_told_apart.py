"""Openings told apart: two openings of one title at one employer, differing in district,
pay and shift, read differently wherever a person picks or reads one."""

import re

import pytest

from app.clock import local_today
from app.corner import operations as corner
from app.opening_labels import CODE_ALPHABET, opening_code, opening_id_from_code
from models import FairRecommendation, Role, Shift, db, iso_week_of
from tests.app.test_fair_documents import text_of
from tests.app.test_jobs import downloaded

TITLE = "呼叫中心话务员"


def visible_text(html: str) -> str:
    """The page's text as a reader sees it: no tags, runs of white space as one space."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def squeezed(text: str) -> str:
    """Text without any white space (PDF text is broken into lines anywhere)."""
    return "".join(text.split())


@pytest.fixture
def twins(make):
    """A fair whose booth B02 offers 呼叫中心话务员 twice: Pudong by day, Putuo at night."""
    fair = make.fair(venue="一楼大厅")
    employer = make.employer(name="上海声通信息服务有限公司")
    booth = make.booth(fair, employer, "B02")
    pudong = make.opening(employer_id=employer.id, title=TITLE, category_code="phone_service",
                          district="310115", pay_min=5000, pay_max=7000, shift=Shift.DAY)
    putuo = make.opening(employer_id=employer.id, title=TITLE, category_code="phone_service",
                         district="310107", pay_min=6500, pay_max=9000, pay_months=13,
                         shift=Shift.NIGHT)
    for opening in (pudong, putuo):
        make.offer(fair, booth, opening)
    seeker = make.seeker(facility_id=fair.facility_id, name="张小龙", consent_share=True)
    make.survey(seeker, categories=["phone_service"], salary_min=5000)
    participant = make.participant(fair, seeker, badge_code="T4K9M2PQX")
    for rank, opening in enumerate((pudong, putuo), start=1):
        db.session.add(FairRecommendation(fair_id=fair.id, participant_id=participant.id,
                                          opening_id=opening.id, rank=rank, score=0.9,
                                          reasons=[]))
    make.user(Role.ORGANIZER, username="organizer1")
    make.user(Role.BUREAU, username="bureau1", facility_id=fair.facility_id)
    make.user(Role.KIOSK, username="kiosk1", fair_id=fair.id)
    make.user(Role.EMPLOYMENT, username="employment1")
    db.session.commit()
    pudong_code, putuo_code = opening_code(pudong.id), opening_code(putuo.id)
    return {
        "fair": fair, "booth": booth, "pudong": pudong, "putuo": putuo,
        "participant": participant,
        # the details (all but the title) as printed, and the whole label
        "details": [f"浦东新区 · 5,000–7,000 元/月 · 白班 · 岗位编号 {pudong_code}",
                    f"普陀区 · 6,500–9,000 元/月 × 13 个月 · 夜班 · 岗位编号 {putuo_code}"],
        "labels": [f"{TITLE} · 浦东新区 · 5,000–7,000 元/月 · 白班 · 岗位编号 {pudong_code}",
                   f"{TITLE} · 普陀区 · 6,500–9,000 元/月 × 13 个月 · 夜班 · "
                   f"岗位编号 {putuo_code}"],
    }


def assert_both_labels(text: str, twins) -> None:
    first, second = twins["labels"]
    assert first != second
    assert first in text, first
    assert second in text, second


# --------------------------------------------------------------------------- the code


def test_opening_codes_are_short_distinct_and_read_back():
    codes = [opening_code(n) for n in range(1, 29791)]
    assert len(set(codes)) == len(codes)
    assert all(len(code) == 4 and set(code) <= set(CODE_ALPHABET) for code in codes)
    assert not set("0O1IL") & set(CODE_ALPHABET)
    assert opening_code(42) == opening_code(42)  # derived from the id: stable
    assert len(opening_code(29791)) == 5  # past 29,790 openings a character more
    for n in (1, 2, 42, 29790, 29791, 1_000_000):
        code = opening_code(n)
        assert opening_id_from_code(code) == n
        assert opening_id_from_code(f" {code[:2].lower()}-{code[2:]} ") == n


def test_a_mistyped_opening_code_names_no_other_opening():
    code = opening_code(4321)
    for place in range(len(code)):
        for other in CODE_ALPHABET.replace(code[place], ""):
            assert opening_id_from_code(code[:place] + other + code[place + 1:]) is None
    swapped = code[1] + code[0] + code[2:]
    assert swapped == code or opening_id_from_code(swapped) is None
    assert opening_id_from_code("") is None and opening_id_from_code("仓库") is None
    assert opening_id_from_code("O0I1") is None


def test_neighbouring_openings_do_not_differ_in_one_character_only():
    for n in range(1, 500):
        first, second = opening_code(n), opening_code(n + 1)
        assert sum(a != b for a, b in zip(first, second, strict=True)) >= 2


# --------------------------------------------------------------------------- fair pages


def test_the_booth_picker_tells_the_two_apart(client, auth, twins):
    auth.login("organizer1")
    fair, booth = twins["fair"], twins["booth"]
    page = client.get(f"/fairs/{fair.id}/booths/{booth.id}").get_data(as_text=True)
    assert_both_labels(visible_text(page), twins)
    # the label is the text of each opening's own checkbox
    for opening, label in zip((twins["pudong"], twins["putuo"]), twins["labels"], strict=True):
        assert re.search(rf'type="checkbox" value="{opening.id}"> <label for="[^"]+">'
                         rf'{re.escape(label)}</label>', page), label


def test_the_booth_picker_in_english(client, auth, twins):
    auth.login("organizer1")
    client.get("/lang/en")
    fair, booth = twins["fair"], twins["booth"]
    text = visible_text(client.get(f"/fairs/{fair.id}/booths/{booth.id}").get_data(as_text=True))
    assert (f"{TITLE} · Pudong New Area · 5,000–7,000 yuan/month · day shift · "
            f"opening no. {opening_code(twins['pudong'].id)}") in text
    assert (f"{TITLE} · Putuo · 6,500–9,000 yuan/month × 13 months · night shift · "
            f"opening no. {opening_code(twins['putuo'].id)}") in text


def test_the_recording_desk_tells_the_two_apart(client, auth, twins):
    fair = twins["fair"]
    fair.open()
    db.session.commit()
    auth.login("organizer1")
    client.post(f"/fairs/{fair.id}/desk/badge", data={"badge": "T4K9M2PQX"})
    page = client.get(f"/fairs/{fair.id}/desk").get_data(as_text=True)
    assert_both_labels(visible_text(page), twins)
    # each label sits in the row whose buttons record that opening
    rows = page.split('<div class="desk-row')[1:]
    for opening, label in zip((twins["pudong"], twins["putuo"]), twins["labels"], strict=True):
        row = next(row for row in rows if f'name="opening_id" value="{opening.id}"' in row)
        assert label in visible_text(row)


def test_the_booth_list_tells_the_two_apart(client, auth, twins):
    auth.login("organizer1")
    fair = twins["fair"]
    assert_both_labels(visible_text(
        client.get(f"/fairs/{fair.id}/booths/print").get_data(as_text=True)), twins)
    text = squeezed(text_of(client.get(f"/fairs/{fair.id}/booths.pdf").data))
    assert all(squeezed(label) in text for label in twins["labels"])


def test_the_shortlists_tell_the_two_apart(client, auth, twins):
    auth.login("organizer1")
    fair = twins["fair"]
    page = visible_text(client.get(f"/fairs/{fair.id}/shortlists").get_data(as_text=True))
    assert_both_labels(page, twins)
    text = squeezed(text_of(downloaded(client, f"/fairs/{fair.id}/shortlists.pdf").data))
    assert all(squeezed(details) in text for details in twins["details"])
    assert text.count(f"{TITLE}（1）") == 2


def test_the_recommendation_sheets_tell_the_two_apart(client, auth, twins):
    auth.login("bureau1")
    fair = twins["fair"]
    page = visible_text(client.get(f"/fairs/{fair.id}/sheets").get_data(as_text=True))
    assert_both_labels(page, twins)
    text = squeezed(text_of(downloaded(client, f"/fairs/{fair.id}/sheets.pdf").data))
    assert f"1.{TITLE}" in text and f"2.{TITLE}" in text
    first, second = (squeezed(details) for details in twins["details"])
    assert first in text and second in text
    assert text.index(first) < text.index(second)  # in the plan's order


# --------------------------------------------------------------------------- the kiosk


def test_the_kiosk_tells_the_two_apart(client, auth, twins):
    twins["fair"].open()
    db.session.commit()
    auth.login("kiosk1")
    client.post("/kiosk/badge", data={"code": "T4K9M2PQX"})
    options = client.get("/kiosk/options").get_data(as_text=True)
    assert_both_labels(visible_text(options), twins)
    for opening, label in zip((twins["pudong"], twins["putuo"]), twins["labels"], strict=True):
        card = options.split(f'id="opening-{opening.id}"')[1].split("</li>")[0]
        assert label in visible_text(card)
    assert_both_labels(visible_text(client.get("/kiosk/openings").get_data(as_text=True)), twins)
    client.post(f"/kiosk/interest/{twins['putuo'].id}")
    slip = visible_text(client.get("/kiosk/slip").get_data(as_text=True))
    assert twins["labels"][1] in slip and twins["labels"][0] not in slip


# --------------------------------------------------------------------------- the bulletin


def test_the_bulletin_tells_the_two_apart(client, auth, twins):
    facility = twins["fair"].facility
    week = iso_week_of(local_today())
    corner.make_bulletin(facility, week)
    db.session.commit()
    auth.login("bureau1")
    page = client.get(f"/corner/bulletins/{facility.code}/{week}").get_data(as_text=True)
    assert_both_labels(visible_text(page), twins)
    text = squeezed(text_of(
        downloaded(client, f"/corner/bulletins/{facility.code}/{week}/bulletin.pdf").data))
    assert all(squeezed(details) in text for details in twins["details"])


# --------------------------------------------------------------------------- staff lists


def test_employment_staff_read_the_labels_and_find_an_opening_by_its_code(client, auth, twins):
    auth.login("employment1")
    home = visible_text(client.get("/employment").get_data(as_text=True))
    assert_both_labels(home, twins)
    employer = visible_text(client.get(
        f"/employment/employers/{twins['pudong'].employer_id}").get_data(as_text=True))
    assert_both_labels(employer, twins)
    code = opening_code(twins["putuo"].id)
    found = visible_text(client.get(f"/employment?q={code.lower()}").get_data(as_text=True))
    assert twins["labels"][1] in found and twins["labels"][0] not in found
    opening = client.get(f"/employment/openings/{twins['putuo'].id}").get_data(as_text=True)
    assert f'<dd class="mono">{code}</dd>' in opening
