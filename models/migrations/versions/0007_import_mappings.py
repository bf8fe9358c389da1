"""Column mappings confirmed for spreadsheet imports, per staff member and file layout.

Revision ID: 0007_import_mappings
Revises: 0006_protection_at_rest
"""
import sqlalchemy as sa
from alembic import op

revision = '0007_import_mappings'
down_revision = '0006_protection_at_rest'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'import_mappings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('layout', sa.String(length=64), nullable=False),
        sa.Column('mapping', sa.JSON(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['staff_users.id'],
                                name=op.f('fk_import_mappings_user_id_staff_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_import_mappings')),
        sa.UniqueConstraint('user_id', 'kind', 'layout',
                            name=op.f('uq_import_mappings_user_id_kind_layout')),
    )
    with op.batch_alter_table('import_mappings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_import_mappings_user_id'), ['user_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('import_mappings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_import_mappings_user_id'))
    op.drop_table('import_mappings')
