"""job files: bulletin PDFs kept once made, and the files export jobs make for their starter

Revision ID: 0021_job_files
Revises: 0020_city_ranking
Create Date: 2026-12-08 10:00:00

A bulletin issue's PDF, and a fair's recommendation sheets and employer shortlists, were
rendered inside the web request on every click (issue 19). ``bulletin_pdfs`` keeps each
issue's PDF once the ``bulletin_pdf`` job made it (with a digest of what it printed, to
make it again when that changes); ``job_files`` holds the file an export job made for the
account that started it, encrypted by the app, until it expires. Nothing existing
changes. The downgrade drops both tables: issues are rendered on each click again, and
export files not yet downloaded are lost (they expire within a day anyway).
"""
import sqlalchemy as sa
from alembic import op

revision = '0021_job_files'
down_revision = '0020_city_ranking'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'bulletin_pdfs',
        sa.Column('bulletin_id', sa.Integer(), nullable=False),
        sa.Column('contents_digest', sa.String(length=64), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.Column('made_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['bulletin_id'], ['bulletins.id'], ondelete='CASCADE',
                                name=op.f('fk_bulletin_pdfs_bulletin_id_bulletins')),
        sa.PrimaryKeyConstraint('bulletin_id', name=op.f('pk_bulletin_pdfs')),
    )
    op.create_table(
        'job_files',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('job_id', sa.Integer(), nullable=False),
        sa.Column('filename', sa.String(length=200), nullable=False),
        sa.Column('mimetype', sa.String(length=100), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['job_id'], ['jobs.id'], ondelete='CASCADE',
                                name=op.f('fk_job_files_job_id_jobs')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_job_files')),
        sa.UniqueConstraint('job_id', name=op.f('uq_job_files_job_id')),
    )
    op.create_index(op.f('ix_job_files_expires_at'), 'job_files', ['expires_at'],
                    unique=False)


def downgrade():
    op.drop_index(op.f('ix_job_files_expires_at'), table_name='job_files')
    op.drop_table('job_files')
    op.drop_table('bulletin_pdfs')
