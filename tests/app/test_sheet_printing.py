"""Printing the fair's PDFs: one person per sheet of paper, page numbers, nothing empty.

The double-sided print check reads the PDF's pages as a duplex printer lays them out:
pages 1 and 2 on the first sheet of paper, 3 and 4 on the second, and so on.
"""

import io
import re

import pytest
from flask_babel import force_locale
from pypdf import PdfReader

from app.fairs.operations import format_badge_code, given_name
from app.labels import experience_label
from models import Role, db
from tests.app.test_fair_documents import planned_fair  # noqa: F401 (a fixture)
from tests.app.test_jobs import downloaded

PAGE_OF = re.compile(r"第 (\d+) 页，共 (\d+) 页")


def pages_of(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def owners(pages: list[str], people: dict[str, str]) -> list[set[str]]:
    """For each page, the badge codes of the people it names (given name and badge)."""
    return [{badge for badge, name in people.items() if badge in text and name in text}
            for text in pages]


def test_demo_fair_sheets_give_every_person_their_own_sheets_of_paper(client, auth,
                                                                     planned_fair):  # noqa: F811
    auth.logout()
    auth.login("bureau", "qibu-bureau-demo")
    response = downloaded(client, f"/fairs/{planned_fair.id}/sheets.pdf")
    assert response.status_code == 200
    pages = pages_of(response.data)
    people = {format_badge_code(participant.badge_code): given_name(participant.seeker.name)
              for participant in planned_fair.participants}
    assert len(people) > 200
    named = owners(pages, people)
    # every page names exactly one person, by given name and badge code
    assert all(len(badges) == 1 for badges in named), [
        number for number, badges in enumerate(named, start=1) if len(badges) != 1]
    runs: list[tuple[str, int]] = []  # (badge, pages) in print order
    for badges in named:
        (badge,) = badges
        if runs and runs[-1][0] == badge:
            runs[-1] = (badge, runs[-1][1] + 1)
        else:
            runs.append((badge, 1))
    assert sorted(badge for badge, _count in runs) == sorted(people)  # one run each
    assert all(count % 2 == 0 for _badge, count in runs), "a person with an odd page count"
    # printed double-sided, no physical sheet holds two people
    for sheet in range(0, len(named), 2):
        assert named[sheet] == named[sheet + 1], f"sheet of pages {sheet + 1}-{sheet + 2}"
    # each page says "page i of n" of its own person's sheet
    position = 0
    for _badge, count in runs:
        for i in range(1, count + 1):
            assert PAGE_OF.search(pages[position]).groups() == (str(i), str(count))
            position += 1


def test_a_one_side_sheet_gets_a_back_that_names_the_person_and_says_it_is_blank(
        client, auth, make):
    fair = make.fair()
    for name, badge in (("周小明", "K7M9XQ2PB"), ("李建国", "P3Q4R5S6T")):
        make.participant(fair, make.seeker(facility_id=fair.facility_id, name=name),
                         badge_code=badge)
    make.user(Role.BUREAU, username="own", facility_id=fair.facility_id)
    db.session.commit()
    auth.login("own")
    pages = pages_of(downloaded(client, f"/fairs/{fair.id}/sheets.pdf").data)
    assert len(pages) == 4
    assert ["小明" in text and "K7M-9XQ-2PB" in text for text in pages] == [1, 1, 0, 0]
    assert ["建国" in text and "P3Q-4R5-S6T" in text for text in pages] == [0, 0, 1, 1]
    assert [PAGE_OF.search(text).groups() for text in pages] == [("1", "2"), ("2", "2")] * 2
    assert "请到展位" in pages[0] and "此面有意留空" in pages[1].replace("\n", "")
    assert "此面有意留空" not in pages[0].replace("\n", "")


def test_an_empty_fair_gives_one_page_that_says_there_is_nothing_to_print(client, auth, make):
    fair = make.fair()
    make.user(Role.BUREAU, username="own", facility_id=fair.facility_id)
    make.user(Role.ORGANIZER, username="org")
    db.session.commit()
    auth.login("own")
    response = downloaded(client, f"/fairs/{fair.id}/sheets.pdf")
    assert response.status_code == 200
    (page,) = pages_of(response.data)
    assert "暂时没有可打印的内容" in page and fair.name_zh in page
    page = client.get(f"/fairs/{fair.id}/sheets").get_data(as_text=True)
    assert "暂时没有可打印的内容" in page and "双面打印" in page
    auth.logout()
    auth.login("org")
    (page,) = pages_of(downloaded(client, f"/fairs/{fair.id}/shortlists.pdf").data)
    assert "暂时没有可打印的内容" in page.replace("\n", "") and fair.name_zh in page
    assert "切勿添加姓名" in page and PAGE_OF.search(page).groups() == ("1", "1")


def test_shortlists_name_the_fair_and_its_date_and_say_codes_only_on_every_page(
        client, planned_fair):  # noqa: F811
    pages = pages_of(downloaded(client, f"/fairs/{planned_fair.id}/shortlists.pdf").data)
    assert len(pages) > 1
    for number, text in enumerate(pages, start=1):
        assert planned_fair.name_zh in text and str(planned_fair.held_on) in text
        assert "切勿添加姓名" in text
        assert PAGE_OF.search(text).groups() == (str(number), str(len(pages)))
    text = "\n".join(pages)
    assert "0.0" not in text and "年" in text and "不到1年" in text.replace("\n", "")
    page = client.get(f"/fairs/{planned_fair.id}/shortlists").get_data(as_text=True)
    assert page.count("切勿添加姓名") == len(planned_fair.booths_for_seekers)
    assert "0.0" not in page


def test_booth_list_numbers_its_pages(client, planned_fair):  # noqa: F811
    pages = pages_of(client.get(f"/fairs/{planned_fair.id}/booths.pdf").data)
    assert [PAGE_OF.search(text).groups() for text in pages] == [
        (str(number), str(len(pages))) for number in range(1, len(pages) + 1)]


@pytest.mark.parametrize(("years", "zh", "en"), [
    (0, "不到1年", "less than a year"),
    (0.4, "不到1年", "less than a year"),
    (1, "1年", "1 year"),
    (1.4, "1年", "1 year"),
    (2.5, "2年半", "2 and a half years"),
    (3, "3年", "3 years"),
    (12.99, "12年半", "12 and a half years"),
])
def test_years_of_experience_read_as_a_person_says_them(app, years, zh, en):
    with app.test_request_context():
        with force_locale("zh_CN"):
            assert experience_label(years) == zh
        with force_locale("en"):
            assert experience_label(years) == en


def test_bulletin_and_handbook_number_their_pages(client, auth, runner, make, tmp_path):
    from tests.app.test_corner import THIS_WEEK

    facility = make.facility(code="SH-PN")
    make.opening(title="包装工", category_code="packaging")
    make.user(Role.BUREAU, username="pn", facility_id=facility.id)
    db.session.commit()
    pdf = tmp_path / "issue.pdf"
    result = runner.invoke(args=["bulletin", "make", "--facility", "SH-PN",
                                 "--week", THIS_WEEK, "--pdf", str(pdf)])
    assert result.exit_code == 0, result.output
    auth.login("pn")
    for data in (pdf.read_bytes(), client.get("/corner/handbook.pdf").data):
        pages = pages_of(data)
        assert [PAGE_OF.search(text.replace("\n", "")).groups() for text in pages] == [
            (str(number), str(len(pages))) for number in range(1, len(pages) + 1)]
