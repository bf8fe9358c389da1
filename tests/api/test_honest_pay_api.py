"""The API's pay: base pay a month with months a year, and min_pay by the matcher's rule."""

import pytest
import sqlalchemy as sa

from models import Opening, db


@pytest.fixture
def app(demo_api):
    app, _ = demo_api
    with app.app_context():
        yield app
        db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def bearer(demo_api):
    return {"Authorization": f"Bearer {demo_api[1]}"}


def _all(client, bearer, query: str) -> list[dict]:
    items, page = [], 1
    while True:
        answer = client.get(f"/api/v1/openings?{query}&per_page=100&page={page}",
                            headers=bearer).get_json()
        items += answer["items"]
        if page * 100 >= answer["total"]:
            return items
        page += 1


def test_min_pay_means_the_bottom_of_the_range_reaches_it(client, bearer):
    wide = db.session.scalars(sa.select(Opening).where(
        Opening.visible_to_seekers, Opening.pay_min < 8000, Opening.pay_max >= 8000)).all()
    assert wide  # e.g. the demo's 综合月薪5500-11000元
    items = _all(client, bearer, "min_pay=8000")
    assert items and all(item["pay"]["min"] >= 8000 for item in items)
    assert not {o.id for o in wide} & {item["id"] for item in items}
    expected = db.session.scalar(sa.select(sa.func.count(Opening.id)).where(
        Opening.visible_to_seekers, Opening.pay_min >= 8000))
    assert len(items) == expected


def test_a_thirteenth_month_is_told_apart_from_the_monthly_base(app, client, bearer):
    opening = db.session.scalar(sa.select(Opening).where(Opening.visible_to_seekers)
                                .order_by(Opening.id).limit(1))
    opening.pay_min, opening.pay_max, opening.pay_months = 8000, 12000, 13
    opening.salary_text = "8-12K·13薪"
    db.session.commit()
    pay = client.get(f"/api/v1/openings/{opening.id}", headers=bearer).get_json()["pay"]
    assert pay == {"min": 8000, "max": 12000, "months_per_year": 13, "stated_per": "month",
                   "year_min": 104000, "year_max": 156000, "text": "8-12K·13薪"}
    ids = {item["id"] for item in _all(client, bearer, "min_pay=9000")}
    assert opening.id not in ids  # 8,000 a month: the 13th month does not lift it
