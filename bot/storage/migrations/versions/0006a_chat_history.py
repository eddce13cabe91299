"""The caseworker's web chat history (questions, answers shown, replies) and when she last saw each requisition

Revision ID: 0006a
Revises: 0005a
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0006a'
down_revision = '0005a'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('chat_history',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('caseworker_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=True),
    sa.Column('answer', sa.Text(), nullable=True),
    sa.Column('citations', sa.JSON(), nullable=False),
    sa.Column('requisition_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['caseworker_id'], ['caseworkers.id'], name=op.f('fk_chat_history_caseworker_id_caseworkers')),
    sa.ForeignKeyConstraint(['requisition_id'], ['requisitions.id'], name=op.f('fk_chat_history_requisition_id_requisitions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_chat_history'))
    )
    with op.batch_alter_table('chat_history', schema=None) as batch_op:
        batch_op.create_index('ix_chat_history_caseworker', ['caseworker_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_chat_history_requisition_id'), ['requisition_id'], unique=False)
    op.create_table('requisition_seen',
    sa.Column('requisition_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('seen_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['requisition_id'], ['requisitions.id'], name=op.f('fk_requisition_seen_requisition_id_requisitions')),
    sa.PrimaryKeyConstraint('requisition_id', name=op.f('pk_requisition_seen'))
    )


def downgrade() -> None:
    op.drop_table('requisition_seen')
    with op.batch_alter_table('chat_history', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_chat_history_requisition_id'))
        batch_op.drop_index('ix_chat_history_caseworker')
    op.drop_table('chat_history')
