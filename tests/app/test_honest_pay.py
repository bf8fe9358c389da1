"""Honest pay as a user sees it: '8-12K·13薪' is 8,000–12,000 a month × 13 months on the
opening's pages, in the reasons, the kiosk's pay filter and the API; a bonus month never
lifts the base pay over a seeker's floor."""

import pytest

from app.employment.operations import pay_text
from app.services import matching as services
from models import Role, db
from surveys.values import parse_monthly_pay


def _opening_from_posting(make, employer, text, **kwargs):
    """An opening stored as the posting import stores a pay text."""
    pay = parse_monthly_pay(text)
    return make.opening(employer_id=employer.id, pay_min=round(pay.min), pay_max=round(pay.max),
                        pay_months=pay.months, pay_period=pay.period, salary_text=text,
                        **kwargs)


@pytest.fixture
def scene(make):
    """A seeker with a 9,000 floor who hopes for 11,000, and three logistics openings."""
    facility = make.facility()
    make.user(Role.BUREAU, username="clerk", facility_id=facility.id)
    make.user(Role.EMPLOYMENT, username="placer")
    seeker = make.seeker(facility_id=facility.id, name="赵六", consent_share=True)
    make.survey(seeker, categories=["logistics"], salary_min=9000, salary_hoped=11000,
                home_district="310115", districts=["310115"], shifts=["day"],
                certificates=[])
    employer = make.employer(name="上海顺达物流有限公司")
    bonus = _opening_from_posting(make, employer, "8-12K·13薪", title="仓库主管",
                                  category_code="logistics", district="310115")
    daily = _opening_from_posting(make, employer, "450元/天", title="装卸工",
                                  category_code="logistics", district="310115")
    wide = make.opening(employer_id=employer.id, title="理货组长", category_code="logistics",
                        pay_min=7500, pay_max=12000, district="310115")
    db.session.commit()
    return {"seeker": seeker, "bonus": bonus, "daily": daily, "wide": wide}


def _reasons(seeker, opening) -> list[dict]:
    return next(r["reasons"] for r in services.ranked_openings_for(seeker)
                if r["opening"].id == opening.id)


def test_a_thirteenth_month_is_not_spread_over_the_monthly_pay(scene):
    bonus = scene["bonus"]
    assert (bonus.pay_min, bonus.pay_max, bonus.pay_months, bonus.pay_period) == (
        8000, 12000, 13, "month")
    codes = [r["code"] for r in _reasons(scene["seeker"], bonus)]
    # 8,000 a month does not meet a 9,000 floor: only the top of the range reaches it
    assert "pay_meets_floor" not in codes
    assert "pay_partly_below_floor" in codes


def test_the_seeker_page_words_pay_base_months_and_conversion(client, auth, scene):
    auth.login("clerk")
    client.get("/lang/zh_CN")
    page = client.get(f"/bureau/seekers/{scene['seeker'].code}").get_data(as_text=True)
    assert "8,000–12,000 元/月 × 13 个月" in page
    assert "薪资 8,000–12,000 元/月 × 13 个月，起薪低于您可接受的最低薪资 9,000 元" in page
    assert "8,000–12,000 元/月 × 13 个月，不低于" not in page
    # a day rate says how it was turned into pay a month
    assert "9,788 元/月（按每月 21.75 天计）" in page
    # "reaches your hoped pay" only when it does: 7,500–12,000 only can, at the top
    assert "达到您期望的 11,000 元" not in page
    assert "最高可达您期望的 11,000 元" in page
    client.get("/lang/en")
    page = client.get(f"/bureau/seekers/{scene['seeker'].code}").get_data(as_text=True)
    assert "8,000–12,000 yuan/month × 13 months" in page
    assert "(counted as 21.75 working days a month)" in page


def test_the_opening_page_shows_the_yearly_figure_apart(client, auth, scene):
    auth.login("placer")
    client.get("/lang/zh_CN")
    page = client.get(f"/employment/openings/{scene['bonus'].id}").get_data(as_text=True)
    assert "8,000–12,000 元/月 × 13 个月" in page
    assert "年收入" in page and "每年 104,000–156,000 元" in page


def test_the_opening_form_keeps_months_in_its_pay_text():
    assert pay_text(8000, 12000, 13) == "8000-12000元/月·13薪"
    pay = parse_monthly_pay(pay_text(8000, 12000, 13))
    assert (pay.min, pay.max, pay.months) == (8000, 12000, 13)
    assert pay_text(6000, 8000) == "6000-8000元/月"


@pytest.fixture
def fair_kiosk(make):
    """A fair with a 5,500–11,000 opening and an 8,000–9,000 one, and its kiosk."""
    fair = make.fair()
    employer = make.employer(name="上海顺达物流有限公司")
    booth = make.booth(fair, employer, "B07")
    wide = make.opening(employer_id=employer.id, title="销售代表", pay_min=5500,
                        pay_max=11000)
    steady = make.opening(employer_id=employer.id, title="仓库主管", pay_min=8000,
                          pay_max=9000)
    for opening in (wide, steady):
        make.offer(fair, booth, opening)
    make.user(Role.KIOSK, username="kiosk1", fair_id=fair.id)
    fair.open()
    db.session.commit()
    return fair


def test_the_kiosk_pay_filter_means_the_lowest_pay_reaches_it(client, auth, fair_kiosk):
    auth.login("kiosk1")
    client.get("/lang/zh_CN")
    page = client.get("/kiosk/openings?pay=8000").get_data(as_text=True)
    assert "仓库主管" in page
    assert "销售代表" not in page  # 5,500–11,000 starts below 8,000
    assert "薪资不低于 8,000：指薪资范围的最低值达到每月 8,000 元" in page
    page = client.get("/kiosk/openings").get_data(as_text=True)
    assert "销售代表" in page and "仓库主管" in page


def test_near_home_says_the_real_distance_and_districts_read_right(client, auth, make):
    facility = make.facility()
    make.user(Role.BUREAU, username="clerk", facility_id=facility.id)
    seeker = make.seeker(facility_id=facility.id, name="孙七", consent_share=True)
    # lives in Jinshan, wants to work in Putuo; Qingpu borders Jinshan but is 50 km away
    make.survey(seeker, categories=["logistics"], salary_min=5000, home_district="310116",
                districts=["310107"], shifts=["day"], certificates=[])
    employer = make.employer(name="上海顺达物流有限公司")
    make.opening(employer_id=employer.id, title="仓库理货员", category_code="logistics",
                 district="310118")
    make.opening(employer_id=employer.id, title="分拣员", category_code="logistics",
                 district="310117")  # Songjiang, 23 km from Jinshan's centre
    db.session.commit()
    codes = {r["opening"].title: [x["code"] for x in r["reasons"]]
             for r in services.ranked_openings_for(seeker)}
    assert "near_home" not in codes["仓库理货员"] and "far" in codes["仓库理货员"]
    auth.login("clerk")
    client.get("/lang/zh_CN")
    page = client.get(f"/bureau/seekers/{seeker.code}").get_data(as_text=True)
    assert "离家近：青浦区" not in page
    assert "您希望在普陀区工作，此岗位在青浦区" in page
    assert "不在您希望工作的区" not in page
