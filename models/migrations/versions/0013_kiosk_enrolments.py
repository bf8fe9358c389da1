"""kiosk enrolments: organizers register a fair's kiosk devices with one-time codes

Revision ID: 0013_kiosk_enrolments
Revises: 0012_additional_jobs
Create Date: 2026-12-07 06:00:00

A kiosk device is still a kiosk account (``staff_users`` with the kiosk role, bound to a
fair); organizers now create them and hand each device a one-time sign-in code, of which
only the hash is kept in ``kiosk_enrolments``. Existing kiosk accounts keep working.
"""
import sqlalchemy as sa
from alembic import op

revision = '0013_kiosk_enrolments'
down_revision = '0012_additional_jobs'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'kiosk_enrolments',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kiosk_id', sa.Integer(), nullable=False),
        sa.Column('code_hash', sa.String(length=64), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.Column('used_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['created_by_id'], ['staff_users.id'],
                                name=op.f('fk_kiosk_enrolments_created_by_id_staff_users')),
        sa.ForeignKeyConstraint(['kiosk_id'], ['staff_users.id'], ondelete='CASCADE',
                                name=op.f('fk_kiosk_enrolments_kiosk_id_staff_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_kiosk_enrolments')),
        sa.UniqueConstraint('code_hash', name=op.f('uq_kiosk_enrolments_code_hash')),
    )
    op.create_index(op.f('ix_kiosk_enrolments_kiosk_id'), 'kiosk_enrolments', ['kiosk_id'],
                    unique=False)


def downgrade():
    op.drop_index(op.f('ix_kiosk_enrolments_kiosk_id'), table_name='kiosk_enrolments')
    op.drop_table('kiosk_enrolments')
