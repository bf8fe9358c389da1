"""Migration 0009: openings' pay becomes base pay a month with months a year, and back."""

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from app import MIGRATIONS_DIR
from models import db

PAYS = [  # (salary_text, old salary_min, old salary_max) as 0001–0008 stored them
    ("8-12K·13薪", 8667, 13000),
    ("年薪20万·13薪", 16667, 16667),
    ("150元/天", 3263, 3263),
    ("6-8千/月", 6000, 8000),
    ("面议", None, None),
]


def _openings():
    with db.engine.connect() as connection:
        return connection.execute(sa.text("SELECT * FROM openings ORDER BY id")).mappings().all()


def test_pay_terms_go_up_and_down_keeping_every_opening(migration_app):
    upgrade(directory=str(MIGRATIONS_DIR), revision="0007_import_mappings")
    with db.engine.begin() as connection:
        connection.execute(sa.text(
            "INSERT INTO job_categories (code, name_zh, name_en, csco_codes, riasec, position) "
            "VALUES ('logistics', '物流', 'Logistics', '[]', 'RC', 1)"))
        connection.execute(sa.text(
            "INSERT INTO employers (id, name, normalized_name, verified, industry, address, "
            "contact_person, contact_phone, contact_shareable, notes, created_at) VALUES "
            "(1, '顺达', '顺达', true, '', '', '', '', false, '', '2026-01-01')"))
        for number, (text, low, high) in enumerate(PAYS, start=1):
            connection.execute(sa.text(
                "INSERT INTO openings (id, employer_id, title, description, category_code, "
                "salary_min, salary_max, salary_text, accommodation, shift, education_min, "
                "experience_min, certificates_required, environments, filled, status, source, "
                "created_at, updated_at) VALUES (:id, 1, '理货员', '', 'logistics', :low, "
                ":high, :text, false, 'day', 0, 0, '[]', '[]', 0, 'open', 'import', "
                "'2026-01-01', '2026-01-01')"), {"id": number, "low": low, "high": high,
                                                "text": text})

    upgrade(directory=str(MIGRATIONS_DIR), revision="0009_opening_pay_terms")
    got = [(o["pay_min"], o["pay_max"], o["pay_months"], o["pay_period"]) for o in _openings()]
    assert got == [
        (8000, 12000, 13, "month"),  # the 13th month is no longer spread over the year
        (15385, 15385, 13, "year"),  # 20万 over 13 months
        (3263, 3263, 12, "day"),
        (6000, 8000, 12, "month"),
        (None, None, 12, "month"),
    ]

    downgrade(directory=str(MIGRATIONS_DIR), revision="0008_employer_vetting")
    assert [(o["salary_text"], o["salary_min"], o["salary_max"]) for o in _openings()] == PAYS
    assert "pay_min" not in _openings()[0]
