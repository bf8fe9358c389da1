"""import store: uploads awaiting confirmation, and their checked previews, in the database;
trained matchers in the database

Revision ID: 0019_import_store
Revises: 0018_jobs
Create Date: 2026-12-07 14:20:00

Uploads and previews were files under each web host's instance folder, so a second host
could not see an upload made on the first (issue 19). One row per upload: its token,
kind, metadata, file and preview (the three encrypted by the app). Uploads still in the
old folders are not carried over: they are kept 24 hours at most and hold nothing that
is not in the file its owner still has (upload it again). Trained matchers were files in
the instance folder of the host that trained them, unseen by the others: ``matcher_models``
holds each one's document and which is active (a matcher trained before stays in use on
its host until the next training). The downgrade drops both tables (uploads awaiting
confirmation are lost the same way; the matcher files stay in their folders).
"""
import sqlalchemy as sa
from alembic import op

revision = '0019_import_store'
down_revision = '0018_jobs'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'import_uploads',
        sa.Column('token', sa.String(length=32), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('meta', sa.Text(), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.Column('result', sa.LargeBinary(), nullable=True),
        sa.Column('stored_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('token', name=op.f('pk_import_uploads')),
    )
    op.create_index(op.f('ix_import_uploads_stored_at'), 'import_uploads', ['stored_at'],
                    unique=False)
    op.create_table(
        'matcher_models',
        sa.Column('version', sa.String(length=80), nullable=False),
        sa.Column('document', sa.JSON(), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('version', name=op.f('pk_matcher_models')),
    )
    op.create_index(op.f('ix_matcher_models_active'), 'matcher_models', ['active'],
                    unique=False)


def downgrade():
    op.drop_index(op.f('ix_matcher_models_active'), table_name='matcher_models')
    op.drop_table('matcher_models')
    op.drop_index(op.f('ix_import_uploads_stored_at'), table_name='import_uploads')
    op.drop_table('import_uploads')
