"""protection at rest: encrypted names with a search key, hashed ID numbers, TOTP

Revision ID: 0006_protection_at_rest
Revises: 0005_api_tokens
Create Date: 2026-11-28 19:21:05.124029

Existing names are encrypted in place (and decrypted again on downgrade) with the app's
data key, which env.py passes in (so run it with the QIBU_DATA_KEY / QIBU_SECRET_KEY the
app uses). Every name is read and, where already encrypted, decrypted before anything is
changed: with a key that cannot read them the revision refuses and changes nothing.
"""
import sqlalchemy as sa
from alembic import op

from models.protection import DataCipher, is_encrypted

revision = '0006_protection_at_rest'
down_revision = '0005_api_tokens'
branch_labels = None
depends_on = None

seekers = sa.table("seekers", sa.column("id", sa.Integer), sa.column("name", sa.String),
                   sa.column("name_key", sa.String))


def _cipher() -> DataCipher:
    key = op.get_context().opts.get("qibu_data_key")
    if key is None:
        raise RuntimeError("This revision encrypts names with the app's data key: run it "
                           "through `qibu db upgrade` / `qibu db downgrade`.")
    return DataCipher(key)


def _names(cipher: DataCipher) -> list[tuple[int, str, str]]:
    """Every seeker's id, stored name and name in clear; refuse when the key cannot read one."""
    rows = op.get_bind().execute(sa.select(seekers.c.id, seekers.c.name)).all()
    names = [(row.id, row.name, cipher.decrypt_text(row.name)) for row in rows]
    unreadable = sum(1 for _, _, clear in names if clear is None)
    if unreadable:
        raise RuntimeError(
            f"The data key cannot decrypt {unreadable} of {len(names)} names: run with the "
            "QIBU_DATA_KEY (or QIBU_SECRET_KEY) they were written with. Nothing was changed.")
    return names


def upgrade():
    cipher = _cipher()
    names = _names(cipher)

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
    for seeker_id, stored, name in names:
        if name and not is_encrypted(stored):
            connection.execute(seekers.update().where(seekers.c.id == seeker_id).values(
                name=cipher.encrypt_text(name), name_key=cipher.keyed_hash(name)))

    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('totp_secret', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('totp_enabled', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.alter_column('totp_enabled', server_default=None)


def downgrade():
    names = _names(_cipher())

    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.drop_column('totp_enabled')
        batch_op.drop_column('totp_secret')

    connection = op.get_bind()
    for seeker_id, stored, name in names:
        if is_encrypted(stored):
            connection.execute(seekers.update().where(seekers.c.id == seeker_id).values(
                name=name[:60]))
    with op.batch_alter_table('seekers', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_seekers_id_number_hash'), type_='unique')
        batch_op.drop_index(batch_op.f('ix_seekers_name_key'))
        batch_op.alter_column('name', existing_type=sa.String(length=400),
                              type_=sa.VARCHAR(length=60), existing_nullable=False)
        batch_op.drop_column('anonymised_at')
        batch_op.drop_column('id_number_last4')
        batch_op.drop_column('id_number_hash')
        batch_op.drop_column('name_key')
