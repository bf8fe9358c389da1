"""form submissions: each state-changing form's one-time key, spent when it is saved

Revision ID: 0015_form_submissions
Revises: 0014_password_reset_totp
Create Date: 2026-12-07 06:30:00

A form carries a random one-time key; the row in ``form_submissions`` is written in the
same transaction as what the form saved, and a second request with the key (a double
click, a resent page) is shown the first result (``result_location``) instead of saving
again. Keys are forgotten after QIBU_SUBMISSION_KEY_DAYS by ``qibu purge``. Nothing
existing changes; the downgrade drops the table (only spent keys are lost).
"""
import sqlalchemy as sa
from alembic import op

revision = '0015_form_submissions'
down_revision = '0014_password_reset_totp'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'form_submissions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('result_location', sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['staff_users.id'], ondelete='CASCADE',
                                name=op.f('fk_form_submissions_user_id_staff_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_form_submissions')),
        sa.UniqueConstraint('key', name=op.f('uq_form_submissions_key')),
    )
    op.create_index(op.f('ix_form_submissions_created_at'), 'form_submissions',
                    ['created_at'], unique=False)
    op.create_index(op.f('ix_form_submissions_user_id'), 'form_submissions', ['user_id'],
                    unique=False)


def downgrade():
    op.drop_index(op.f('ix_form_submissions_user_id'), table_name='form_submissions')
    op.drop_index(op.f('ix_form_submissions_created_at'), table_name='form_submissions')
    op.drop_table('form_submissions')
