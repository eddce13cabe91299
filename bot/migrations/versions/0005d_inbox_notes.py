"""Internal notes on requisitions (coordinator and adviser only)

Revision ID: 0005d
Revises: 0004c
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0005d'
down_revision = '0004c'
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


def downgrade() -> None:
    with op.batch_alter_table('requisition_notes', schema=None) as batch_op:
        batch_op.drop_index('ix_requisition_notes_requisition')
    op.drop_table('requisition_notes')
