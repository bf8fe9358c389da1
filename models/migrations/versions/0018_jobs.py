"""jobs: long work (fair plans, training the matcher, ...) run on a queue or in-process

Revision ID: 0018_jobs
Revises: 0017_year_round
Create Date: 2026-12-07 15:00:00

One row per run of a job kind: its state, progress, who started it, the page it belongs
to, its arguments (ids and options only), result, error for the user and attempts.
Nothing existing changes; the downgrade drops the table (only the jobs' history is lost).
"""
import sqlalchemy as sa
from alembic import op

revision = '0018_jobs'
down_revision = '0017_year_round'
branch_labels = None
depends_on = None

STATES = ('queued', 'running', 'done', 'failed', 'cancelled')


def upgrade():
    op.create_table(
        'jobs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('state', sa.Enum(*STATES, name='jobstate', native_enum=False,
                                   create_constraint=True, length=24), nullable=False),
        sa.Column('progress', sa.Integer(), nullable=False),
        sa.Column('message', sa.String(length=200), nullable=False),
        sa.Column('started_by_id', sa.Integer(), nullable=True),
        sa.Column('subject_type', sa.String(length=40), nullable=True),
        sa.Column('subject_id', sa.Integer(), nullable=True),
        sa.Column('arguments', sa.JSON(), nullable=False),
        sa.Column('result', sa.JSON(), nullable=True),
        sa.Column('error', sa.String(length=500), nullable=True),
        sa.Column('error_params', sa.JSON(), nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('started_at', sa.DateTime(), nullable=True),
        sa.Column('finished_at', sa.DateTime(), nullable=True),
        sa.CheckConstraint('progress BETWEEN 0 AND 100', name=op.f('ck_jobs_progress_range')),
        sa.ForeignKeyConstraint(['started_by_id'], ['staff_users.id'], ondelete='SET NULL',
                                name=op.f('fk_jobs_started_by_id_staff_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_jobs')),
    )
    op.create_index(op.f('ix_jobs_created_at'), 'jobs', ['created_at'], unique=False)
    op.create_index(op.f('ix_jobs_started_by_id'), 'jobs', ['started_by_id'], unique=False)
    op.create_index(op.f('ix_jobs_state'), 'jobs', ['state'], unique=False)
    op.create_index('ix_jobs_subject', 'jobs', ['subject_type', 'subject_id'], unique=False)


def downgrade():
    op.drop_index('ix_jobs_subject', table_name='jobs')
    op.drop_index(op.f('ix_jobs_state'), table_name='jobs')
    op.drop_index(op.f('ix_jobs_started_by_id'), table_name='jobs')
    op.drop_index(op.f('ix_jobs_created_at'), table_name='jobs')
    op.drop_table('jobs')
