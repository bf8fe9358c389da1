"""category confirmation: openings whose category staff must confirm; staff corrections

Revision ID: 0010_category_confirmation
Revises: 0009_opening_pay_terms
Create Date: 2026-12-20 12:00:00

``openings.category_confirmed`` is false while an opening's category is the title
classifier's guess below its confirmation threshold; such an opening reaches no job
seeker until staff confirm it. Existing openings count as confirmed. The table
``category_corrections`` keeps the categories staff set where the classifier was wrong or
unsure, as training data for the classifier.
"""
import sqlalchemy as sa
from alembic import op

revision = '0010_category_confirmation'
down_revision = '0009_opening_pay_terms'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('openings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('category_confirmed', sa.Boolean(), nullable=False,
                                      server_default=sa.true()))
        batch_op.create_index(batch_op.f('ix_openings_category_confirmed'),
                              ['category_confirmed'], unique=False)
    op.create_table(
        'category_corrections',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=120), nullable=False),
        sa.Column('category_code', sa.String(length=32), nullable=False),
        sa.Column('suggested', sa.String(length=32), nullable=True),
        sa.Column('confidence', sa.Double(), nullable=True),
        sa.Column('source', sa.String(length=16), nullable=False),
        sa.Column('opening_id', sa.Integer(), nullable=True),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('learned_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['category_code'], ['job_categories.code'],
                                name=op.f('fk_category_corrections_category_code_job_categories')),
        sa.ForeignKeyConstraint(['opening_id'], ['openings.id'],
                                name=op.f('fk_category_corrections_opening_id_openings'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['user_id'], ['staff_users.id'],
                                name=op.f('fk_category_corrections_user_id_staff_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_category_corrections')),
    )
    with op.batch_alter_table('category_corrections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_category_corrections_learned_at'), ['learned_at'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('category_corrections', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_category_corrections_learned_at'))
    op.drop_table('category_corrections')
    with op.batch_alter_table('openings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_openings_category_confirmed'))
        batch_op.drop_column('category_confirmed')
