"""codes that say nothing, free text encrypted once: seekers.facility_ref; survey text encrypted

Revision ID: 0016_codes_and_free_text
Revises: 0015_form_submissions
Create Date: 2026-12-22 12:00:00

A person's code is shown to employers and organizers, so it must say nothing: every code
Qibu makes is "QB" and six random characters. A code that is not one of those (taken
from an imported file, e.g. "QP-2612-10" with the facility's initials) moves to the new
``seekers.facility_ref`` (the facility's own number, shown to its staff only) and the
person gets a fresh random code.

The free-text survey answers (``skills_text``, ``health_limits``) are encrypted in place
with the app's data key (which env.py passes in, as for 0006) and removed from the
``answers`` JSON, where they were stored a second time in clear (a value only the JSON
held is kept in its column first).

Column mappings staff confirmed for their survey files (``import_mappings``) read the
file's code column as ``facility_ref`` now (the key was ``seeker_code``).

The downgrade decrypts the text back into the columns and the JSON, and gives a person
their facility's number back as code where it fits (12 characters, not taken); with a
key that cannot read the text, either way refuses and changes nothing.
"""
import re
import secrets

import sqlalchemy as sa
from alembic import op

from models.protection import DataCipher

revision = '0016_codes_and_free_text'
down_revision = '0015_form_submissions'
branch_labels = None
depends_on = None

# Qibu's own codes, as app/bureau/operations.py makes them (a migration imports no app)
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
QIBU_CODE = re.compile(rf"^QB[{CODE_ALPHABET}]{{6}}$")
FREE_TEXT = ("skills_text", "health_limits")
CODE_LENGTH = 12

seekers = sa.table("seekers", sa.column("id", sa.Integer), sa.column("code", sa.String),
                   sa.column("facility_ref", sa.String))
import_mappings = sa.table("import_mappings", sa.column("id", sa.Integer),
                          sa.column("kind", sa.String), sa.column("mapping", sa.JSON))
# the survey import's column key for the file's code column, before and after
OLD_KEY, NEW_KEY = "seeker_code", "facility_ref"
surveys = sa.table("surveys", sa.column("id", sa.Integer), sa.column("answers", sa.JSON),
                   *(sa.column(key, sa.Text) for key in FREE_TEXT))


def _cipher() -> DataCipher:
    key = op.get_context().opts.get("qibu_data_key")
    if key is None:
        raise RuntimeError("This revision encrypts survey text with the app's data key: run "
                           "it through `qibu db upgrade` / `qibu db downgrade`.")
    return DataCipher(key)


def _survey_texts(cipher: DataCipher) -> list[tuple[int, dict, dict]]:
    """Every survey's id, answers and free text in clear; refuse when the key cannot read
    one (before anything is changed)."""
    rows = op.get_bind().execute(sa.select(surveys)).all()
    texts, unreadable = [], 0
    for row in rows:
        clear = {key: cipher.decrypt_text(getattr(row, key)) for key in FREE_TEXT}
        unreadable += sum(1 for value in clear.values() if value is None)
        texts.append((row.id, dict(row.answers or {}), clear))
    if unreadable:
        raise RuntimeError(
            f"The data key cannot decrypt {unreadable} survey answers: run with the "
            "QIBU_DATA_KEY (or QIBU_SECRET_KEY) they were written with. Nothing was changed.")
    return texts


def _random_code(taken: set[str]) -> str:
    while True:
        code = "QB" + "".join(secrets.choice(CODE_ALPHABET) for _ in range(6))
        if code not in taken:
            taken.add(code)
            return code


def _rename_mapping_key(old: str, new: str) -> None:
    """Remembered survey column mappings read the code column under its new key."""
    connection = op.get_bind()
    for row in connection.execute(sa.select(import_mappings).where(
            import_mappings.c.kind == "surveys")).all():
        mapping = dict(row.mapping or {})
        if old in mapping.values():
            connection.execute(import_mappings.update().where(
                import_mappings.c.id == row.id).values(
                mapping={c: new if key == old else key for c, key in mapping.items()}))


def upgrade():
    cipher = _cipher()
    texts = _survey_texts(cipher)
    connection = op.get_bind()

    op.add_column('seekers', sa.Column('facility_ref', sa.String(length=32), nullable=True))
    op.create_index('ix_seekers_facility_ref', 'seekers', ['facility_id', 'facility_ref'],
                    unique=True)
    people = connection.execute(sa.select(seekers.c.id, seekers.c.code)).all()
    taken = {row.code for row in people}
    for row in people:
        if not QIBU_CODE.match(row.code or ""):
            connection.execute(seekers.update().where(seekers.c.id == row.id).values(
                facility_ref=row.code, code=_random_code(taken)))

    for survey_id, answers, clear in texts:
        values = {}
        for key in FREE_TEXT:
            text = clear[key] or answers.get(key) or ""
            values[key] = cipher.encrypt_text(text) if text else ""
        if any(key in answers for key in FREE_TEXT):
            values["answers"] = {k: v for k, v in answers.items() if k not in FREE_TEXT}
        connection.execute(surveys.update().where(surveys.c.id == survey_id).values(**values))
    _rename_mapping_key(OLD_KEY, NEW_KEY)


def downgrade():
    cipher = _cipher()
    texts = _survey_texts(cipher)
    connection = op.get_bind()
    _rename_mapping_key(NEW_KEY, OLD_KEY)

    for survey_id, answers, clear in texts:
        answers.update({key: clear[key] or "" for key in FREE_TEXT})
        connection.execute(surveys.update().where(surveys.c.id == survey_id).values(
            answers=answers, **{key: clear[key] or "" for key in FREE_TEXT}))

    people = connection.execute(
        sa.select(seekers.c.id, seekers.c.code, seekers.c.facility_ref)).all()
    taken = {row.code for row in people}
    for row in people:
        ref = row.facility_ref
        if ref and len(ref) <= CODE_LENGTH and ref not in taken:
            taken.discard(row.code)
            taken.add(ref)
            connection.execute(seekers.update().where(seekers.c.id == row.id).values(code=ref))
    op.drop_index('ix_seekers_facility_ref', table_name='seekers')
    with op.batch_alter_table('seekers', schema=None) as batch_op:
        batch_op.drop_column('facility_ref')
