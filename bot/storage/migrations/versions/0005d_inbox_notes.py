"""Internal notes on requisitions (coordinator and adviser only) and stored answer templates

Revision ID: 0005d
Revises: 0004c
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0005d'
down_revision = '0005b'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('requisition_notes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('requisition_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['staff_users.id'], name=op.f('fk_requisition_notes_author_id_staff_users')),
    sa.ForeignKeyConstraint(['requisition_id'], ['requisitions.id'], name=op.f('fk_requisition_notes_requisition_id_requisitions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_requisition_notes'))
    )
    with op.batch_alter_table('requisition_notes', schema=None) as batch_op:
        batch_op.create_index('ix_requisition_notes_requisition', ['requisition_id', 'created_at'], unique=False)
    op.create_table('answer_templates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_answer_templates')),
    sa.UniqueConstraint('title', name=op.f('uq_answer_templates_title'))
    )


def downgrade() -> None:
    op.drop_table('answer_templates')
    with op.batch_alter_table('requisition_notes', schema=None) as batch_op:
        batch_op.drop_index('ix_requisition_notes_requisition')
    op.drop_table('requisition_notes')
