"""employer vetting: unverified / verified / suspended, who verified and when, the pledge

Revision ID: 0008_employer_vetting
Revises: 0007_import_mappings
Create Date: 2026-12-20 09:00:00

The boolean ``employers.verified`` becomes ``employers.status`` ('unverified', 'verified'
or 'suspended'). Employers verified before keep being verified (who verified them and
when was not recorded: ``verified_at`` and ``verified_by_id`` stay empty); the others are
unverified. New columns: who signed the fair-chance pledge and which staff member recorded
it, who verified and when, the reason of a suspension and when the status last changed.
The downgrade writes ``verified`` back from the status (a suspended employer is not
verified) and drops the new columns.
"""
import sqlalchemy as sa
from alembic import op

revision = '0008_employer_vetting'
down_revision = '0007_import_mappings'
branch_labels = None
depends_on = None

STATUS = sa.Enum('unverified', 'verified', 'suspended', name='employerstatus',
                 native_enum=False, create_constraint=True, length=24)
employers = sa.table('employers', sa.column('verified', sa.Boolean),
                     sa.column('status', sa.String))


def upgrade():
    with op.batch_alter_table('employers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', STATUS, nullable=False,
                                      server_default='unverified'))
        batch_op.add_column(sa.Column('pledge_signed_by', sa.String(length=60), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('pledge_recorded_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('verified_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('verified_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('suspension_reason', sa.Text(), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('status_changed_at', sa.DateTime(), nullable=True))

    op.execute(employers.update().where(employers.c.verified.is_(True))
               .values(status='verified'))

    with op.batch_alter_table('employers', schema=None) as batch_op:
        batch_op.alter_column('status', existing_type=STATUS, server_default=None,
                              existing_nullable=False)
        batch_op.alter_column('pledge_signed_by', existing_type=sa.String(length=60),
                              server_default=None, existing_nullable=False)
        batch_op.alter_column('suspension_reason', existing_type=sa.Text(),
                              server_default=None, existing_nullable=False)
        batch_op.create_index(batch_op.f('ix_employers_status'), ['status'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_employers_pledge_recorded_by_id_staff_users'),
                                    'staff_users', ['pledge_recorded_by_id'], ['id'],
                                    ondelete='SET NULL')
        batch_op.create_foreign_key(batch_op.f('fk_employers_verified_by_id_staff_users'),
                                    'staff_users', ['verified_by_id'], ['id'],
                                    ondelete='SET NULL')
        batch_op.drop_column('verified')


def downgrade():
    with op.batch_alter_table('employers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('verified', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))

    op.execute(employers.update().where(employers.c.status == 'verified')
               .values(verified=True))

    with op.batch_alter_table('employers', schema=None) as batch_op:
        batch_op.alter_column('verified', existing_type=sa.Boolean(), server_default=None,
                              existing_nullable=False)
        batch_op.drop_constraint(batch_op.f('fk_employers_verified_by_id_staff_users'),
                                 type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_employers_pledge_recorded_by_id_staff_users'),
                                 type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_employers_status'))
        # the enum's CHECK constraint would outlive its column in SQLite's copy of the table
        batch_op.drop_constraint(batch_op.f('ck_employers_employerstatus'), type_='check')
        batch_op.drop_column('status_changed_at')
        batch_op.drop_column('suspension_reason')
        batch_op.drop_column('verified_by_id')
        batch_op.drop_column('verified_at')
        batch_op.drop_column('pledge_recorded_by_id')
        batch_op.drop_column('pledge_signed_by')
        batch_op.drop_column('status')
