"""protection at rest: encrypted names with a search key, hashed ID numbers, TOTP

Revision ID: 0006_protection_at_rest
Revises: 0005_api_tokens
Create Date: 2026-11-28 19:21:05.124029

Existing names are encrypted in place (and decrypted again on downgrade) with the app's
data key, so run it with the same QIBU_DATA_KEY / QIBU_SECRET_KEY the app uses.
"""
import sqlalchemy as sa
from alembic import op

revision = '0006_protection_at_rest'
down_revision = '0005_api_tokens'
branch_labels = None
depends_on = None

seekers = sa.table("seekers", sa.column("id", sa.Integer), sa.column("name", sa.String),
                   sa.column("name_key", sa.String))


def upgrade():
    from app.crypto import encrypt_text, keyed_hash

    with op.batch_alter_table('seekers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name_key', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('id_number_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('id_number_last4', sa.String(length=4), nullable=True))
        batch_op.add_column(sa.Column('anonymised_at', sa.DateTime(), nullable=True))
        batch_op.alter_column('name', existing_type=sa.VARCHAR(length=60),
                              type_=sa.String(length=400), existing_nullable=False)
        batch_op.create_index(batch_op.f('ix_seekers_name_key'), ['name_key'], unique=False)
        batch_op.create_unique_constraint(batch_op.f('uq_seekers_id_number_hash'),
                                          ['id_number_hash'])
    connection = op.get_bind()
    for row in connection.execute(sa.select(seekers.c.id, seekers.c.name)).all():
        if row.name and not row.name.startswith("enc1:"):
            connection.execute(seekers.update().where(seekers.c.id == row.id).values(
                name=encrypt_text(row.name), name_key=keyed_hash(row.name)))

    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('totp_secret', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('totp_enabled', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.alter_column('totp_enabled', server_default=None)


def downgrade():
    from app.crypto import decrypt_text

    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.drop_column('totp_enabled')
        batch_op.drop_column('totp_secret')

    connection = op.get_bind()
    for row in connection.execute(sa.select(seekers.c.id, seekers.c.name)).all():
        if row.name and row.name.startswith("enc1:"):
            connection.execute(seekers.update().where(seekers.c.id == row.id).values(
                name=(decrypt_text(row.name) or "")[:60]))
    with op.batch_alter_table('seekers', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_seekers_id_number_hash'), type_='unique')
        batch_op.drop_index(batch_op.f('ix_seekers_name_key'))
        batch_op.alter_column('name', existing_type=sa.String(length=400),
                              type_=sa.VARCHAR(length=60), existing_nullable=False)
        batch_op.drop_column('anonymised_at')
        batch_op.drop_column('id_number_last4')
        batch_op.drop_column('id_number_hash')
        batch_op.drop_column('name_key')
