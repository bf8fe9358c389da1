"""additional jobs: a hire recorded while the person keeps another current job

Revision ID: 0012_additional_jobs
Revises: 0011_kiosk_throttle
Create Date: 2026-12-21 12:00:00

A person has at most one current job from Qibu; staff may record a second one only as an
additional job, with the reason in ``placements.additional_job_reason`` (NULL for an
ordinary hire, which every existing placement is).
"""
import sqlalchemy as sa
from alembic import op

revision = '0012_additional_jobs'
down_revision = '0011_kiosk_throttle'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('placements', schema=None) as batch_op:
        batch_op.add_column(sa.Column('additional_job_reason', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('placements', schema=None) as batch_op:
        batch_op.drop_column('additional_job_reason')
