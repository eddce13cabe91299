"""The corpus in the database: added documents and published answers, and the version every machine polls

Revision ID: 0007a
Revises: 0006a
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0007a'
down_revision = '0006a'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('corpus_documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('doc_id', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('source_name', sa.String(length=300), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('document_metadata', sa.JSON(), nullable=True),
    sa.Column('checksum', sa.String(length=64), nullable=False),
    sa.Column('changed_in', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('withdrawn_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_corpus_documents')),
    sa.UniqueConstraint('doc_id', name=op.f('uq_corpus_documents_doc_id'))
    )
    version = op.create_table('corpus_version',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_corpus_version'))
    )
    op.bulk_insert(version, [{'id': 1, 'version': 0}])


def downgrade() -> None:
    op.drop_table('corpus_version')
    op.drop_table('corpus_documents')
