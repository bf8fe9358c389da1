"""stored rankings: the nightly city-wide ranking, and each person's refreshed on change

Revision ID: 0020_city_ranking
Revises: 0019_import_store
Create Date: 2026-12-07 16:30:00

Each person's best openings were computed on every visit to their page, one person at a
time, on the web host (issue 19). ``ranking_runs`` records each city-wide ranking (who it
covers, its blocks, when it finished); ``seeker_rankings`` when each person's ranking was
computed, from which inputs and by which matcher; ``ranked_openings`` its rows. Nothing
existing changes; the first run (or a person's next change) fills them. The downgrade
drops the three tables: the pages compute rankings on each visit again.
"""
import sqlalchemy as sa
from alembic import op

revision = '0020_city_ranking'
down_revision = '0019_import_store'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'ranking_runs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('horizon_months', sa.Integer(), nullable=False),
        sa.Column('k', sa.Integer(), nullable=False),
        sa.Column('n_seekers', sa.Integer(), nullable=False),
        sa.Column('n_openings', sa.Integer(), nullable=False),
        sa.Column('blocks_total', sa.Integer(), nullable=False),
        sa.Column('blocks_done', sa.Integer(), nullable=False),
        sa.Column('started_at', sa.DateTime(), nullable=False),
        sa.Column('finished_at', sa.DateTime(), nullable=True),
        sa.CheckConstraint('blocks_done <= blocks_total',
                           name=op.f('ck_ranking_runs_blocks_done_le_total')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_ranking_runs')),
    )
    op.create_index(op.f('ix_ranking_runs_started_at'), 'ranking_runs', ['started_at'],
                    unique=False)
    op.create_table(
        'seeker_rankings',
        sa.Column('seeker_id', sa.Integer(), nullable=False),
        sa.Column('computed_at', sa.DateTime(), nullable=False),
        sa.Column('inputs_digest', sa.String(length=64), nullable=False),
        sa.Column('model_version', sa.String(length=80), nullable=False),
        sa.Column('run_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['run_id'], ['ranking_runs.id'], ondelete='SET NULL',
                                name=op.f('fk_seeker_rankings_run_id_ranking_runs')),
        sa.ForeignKeyConstraint(['seeker_id'], ['seekers.id'], ondelete='CASCADE',
                                name=op.f('fk_seeker_rankings_seeker_id_seekers')),
        sa.PrimaryKeyConstraint('seeker_id', name=op.f('pk_seeker_rankings')),
    )
    op.create_index(op.f('ix_seeker_rankings_run_id'), 'seeker_rankings', ['run_id'],
                    unique=False)
    op.create_table(
        'ranked_openings',
        sa.Column('seeker_id', sa.Integer(), nullable=False),
        sa.Column('rank', sa.SmallInteger(), nullable=False),
        sa.Column('opening_id', sa.Integer(), nullable=False),
        sa.Column('score', sa.Float(), nullable=False),
        sa.Column('reasons', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['opening_id'], ['openings.id'], ondelete='CASCADE',
                                name=op.f('fk_ranked_openings_opening_id_openings')),
        sa.ForeignKeyConstraint(['seeker_id'], ['seeker_rankings.seeker_id'],
                                ondelete='CASCADE',
                                name=op.f('fk_ranked_openings_seeker_id_seeker_rankings')),
        sa.PrimaryKeyConstraint('seeker_id', 'rank', name=op.f('pk_ranked_openings')),
    )
    op.create_index(op.f('ix_ranked_openings_opening_id'), 'ranked_openings',
                    ['opening_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_ranked_openings_opening_id'), table_name='ranked_openings')
    op.drop_table('ranked_openings')
    op.drop_index(op.f('ix_seeker_rankings_run_id'), table_name='seeker_rankings')
    op.drop_table('seeker_rankings')
    op.drop_index(op.f('ix_ranking_runs_started_at'), table_name='ranking_runs')
    op.drop_table('ranking_runs')
