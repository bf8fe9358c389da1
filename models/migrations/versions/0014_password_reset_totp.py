"""password reset and TOTP replay: a temporary password must be changed; a code counts once

Revision ID: 0014_password_reset_totp
Revises: 0013_kiosk_enrolments
Create Date: 2026-12-22 09:00:00

``staff_users.must_change_password`` is set when an administrator (or ``qibu
set-password --temporary``) gives an account a temporary password: the account can do
nothing but choose a new one. ``staff_users.totp_last_step`` is the 30-second time step
of the last second-factor code accepted, so that no code is accepted twice. Existing
accounts keep their password (false) and have accepted no code yet (NULL).

The columns are added with plain ALTER TABLE statements (SQLite adds a column in place,
so the table and its children are not copied); the downgrade drops them in batch mode.
"""
import sqlalchemy as sa
from alembic import op

revision = '0014_password_reset_totp'
down_revision = '0013_kiosk_enrolments'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('staff_users', sa.Column('totp_last_step', sa.BigInteger(), nullable=True))
    op.add_column('staff_users', sa.Column('must_change_password', sa.Boolean(),
                                           nullable=False, server_default=sa.false()))


def downgrade():
    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.drop_column('must_change_password')
        batch_op.drop_column('totp_last_step')
