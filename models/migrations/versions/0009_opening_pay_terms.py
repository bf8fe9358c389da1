"""opening pay terms: base monthly pay, months a year and the period it was stated in

Revision ID: 0009_opening_pay_terms
Revises: 0008_employer_vetting
Create Date: 2026-12-20 10:00:00

Openings kept their pay as yuan a month with a bonus month spread over the year
('8-12K·13薪' stored as 8,667–13,000). They now keep the base monthly pay
(``pay_min``/``pay_max``, renamed from ``salary_min``/``salary_max`` so that an opening's
pay range never shares a name with a seeker's floor), the months paid a year
(``pay_months``) and the period the pay was stated in (``pay_period``).

Existing openings: their stored ``salary_text`` is read again for 'N薪' and the period
with the small reader below (frozen here, so that this migration never depends on
today's parser). The old figures were the stated amount × N / 12 for monthly pay and the
yearly total / 12 for yearly pay; the base is therefore the old figure × 12 / N in both
cases. A text without 'N薪' keeps its figures and gets 12 months. The downgrade spreads the
bonus months over the year again (base × N / 12), so the old figures come back to the
yuan.
"""
import re

import sqlalchemy as sa
from alembic import op

revision = '0009_opening_pay_terms'
down_revision = '0008_employer_vetting'
branch_labels = None
depends_on = None

MONTHS_PER_YEAR = 12
_BONUS_MONTHS = re.compile(r"(1[2-9]|2[0-4])\s*薪")
# Checked in this order: '时薪' before '日薪', '小时' before '时'.
_PERIODS = (
    ("hour", re.compile(r"小时|时薪|/\s*时|/\s*h\b|hour", re.IGNORECASE)),
    ("day", re.compile(r"/\s*天|/\s*日|日薪|每天|/\s*day|per\s*day", re.IGNORECASE)),
    ("week", re.compile(r"/\s*周|周薪|每周|week", re.IGNORECASE)),
    ("year", re.compile(r"/\s*年|年薪|每年|year", re.IGNORECASE)),
)

openings = sa.table(
    "openings",
    sa.column("id", sa.Integer),
    sa.column("salary_text", sa.String),
    sa.column("salary_min", sa.Integer),
    sa.column("salary_max", sa.Integer),
    sa.column("pay_min", sa.Integer),
    sa.column("pay_max", sa.Integer),
    sa.column("pay_months", sa.SmallInteger),
    sa.column("pay_period", sa.String),
)


def _terms(text: str | None) -> tuple[int, str]:
    """(months a year, period) as a pay text states them."""
    text = text or ""
    match = _BONUS_MONTHS.search(text)
    months = int(match[1]) if match else MONTHS_PER_YEAR
    period = next((name for name, pattern in _PERIODS if pattern.search(text)), "month")
    return months, period


def _scaled(amount: int | None, numerator: int, denominator: int) -> int | None:
    return None if amount is None else int(round(amount * numerator / denominator))


def upgrade():
    with op.batch_alter_table('openings', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_openings_salary_range_ordered'), type_='check')
        batch_op.add_column(sa.Column('pay_min', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('pay_max', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('pay_months', sa.SmallInteger(), nullable=False,
                                      server_default=str(MONTHS_PER_YEAR)))
        batch_op.add_column(sa.Column('pay_period', sa.String(length=8), nullable=False,
                                      server_default='month'))

    connection = op.get_bind()
    rows = connection.execute(sa.select(
        openings.c.id, openings.c.salary_text, openings.c.salary_min, openings.c.salary_max
    )).all()
    for row in rows:
        months, period = _terms(row.salary_text)
        low, high = row.salary_min, row.salary_max
        if period in ("month", "year") and months != MONTHS_PER_YEAR:
            low = _scaled(low, MONTHS_PER_YEAR, months)
            high = _scaled(high, MONTHS_PER_YEAR, months)
        connection.execute(openings.update().where(openings.c.id == row.id).values(
            pay_min=low, pay_max=high, pay_months=months, pay_period=period))

    with op.batch_alter_table('openings', schema=None) as batch_op:
        batch_op.alter_column('pay_months', server_default=None)
        batch_op.alter_column('pay_period', server_default=None)
        batch_op.drop_column('salary_max')
        batch_op.drop_column('salary_min')
        batch_op.create_check_constraint(
            op.f('ck_openings_pay_range_ordered'),
            'pay_min IS NULL OR pay_max IS NULL OR pay_min <= pay_max')
        batch_op.create_check_constraint(
            op.f('ck_openings_pay_months_valid'), 'pay_months BETWEEN 1 AND 24')


def downgrade():
    with op.batch_alter_table('openings', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_openings_pay_months_valid'), type_='check')
        batch_op.drop_constraint(op.f('ck_openings_pay_range_ordered'), type_='check')
        batch_op.add_column(sa.Column('salary_min', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('salary_max', sa.Integer(), nullable=True))

    connection = op.get_bind()
    rows = connection.execute(sa.select(
        openings.c.id, openings.c.pay_min, openings.c.pay_max, openings.c.pay_months,
        openings.c.pay_period,
    )).all()
    for row in rows:
        low, high = row.pay_min, row.pay_max
        if row.pay_period in ("month", "year") and row.pay_months != MONTHS_PER_YEAR:
            low = _scaled(low, row.pay_months, MONTHS_PER_YEAR)
            high = _scaled(high, row.pay_months, MONTHS_PER_YEAR)
        connection.execute(openings.update().where(openings.c.id == row.id).values(
            salary_min=low, salary_max=high))

    with op.batch_alter_table('openings', schema=None) as batch_op:
        batch_op.drop_column('pay_period')
        batch_op.drop_column('pay_months')
        batch_op.drop_column('pay_max')
        batch_op.drop_column('pay_min')
        batch_op.create_check_constraint(
            op.f('ck_openings_salary_range_ordered'),
            'salary_min IS NULL OR salary_max IS NULL OR salary_min <= salary_max')
