"""kiosk throttle per device: drop the old per-account and per-code counters

Revision ID: 0011_kiosk_throttle
Revises: 0010_category_confirmation
Create Date: 2026-12-21 12:00:00

Wrong badge codes now slow down the kiosk device that typed them (app/kiosk/throttle.py),
kept in the existing ``login_throttles`` table under the keys ``kiosk-device:…`` and
``kiosk-code:…`` (the table fits: key, failures, last failure, held until), so no schema
change. The counters of the old scheme are dropped: ``kiosk:<account>`` rows would
otherwise hold a whole kiosk account locked until they expired, and ``badge:<code>`` rows
kept typed codes in clear. Counters are transient, so the downgrade has nothing to bring
back: the old scheme starts counting afresh.
"""
import sqlalchemy as sa
from alembic import op

revision = '0011_kiosk_throttle'
down_revision = '0010_category_confirmation'
branch_labels = None
depends_on = None

login_throttles = sa.table('login_throttles', sa.column('key', sa.String))


def upgrade():
    op.execute(login_throttles.delete().where(sa.or_(login_throttles.c.key.like('kiosk:%'),
                                                     login_throttles.c.key.like('badge:%'))))


def downgrade():
    op.execute(login_throttles.delete().where(
        sa.or_(login_throttles.c.key.like('kiosk-device:%'),
               login_throttles.c.key.like('kiosk-code:%'))))
