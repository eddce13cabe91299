"""Telegram answers with buttons, shared by every worker (a press may reach any of them)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('telegram_answers',
    sa.Column('token', sa.String(length=16), nullable=False),
    sa.Column('caseworker_id', sa.Integer(), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('waiting_since', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('token', name=op.f('pk_telegram_answers'))
    )
    with op.batch_alter_table('telegram_answers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_telegram_answers_caseworker_id'), ['caseworker_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_telegram_answers_created_at'), ['created_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('telegram_answers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_telegram_answers_created_at'))
        batch_op.drop_index(batch_op.f('ix_telegram_answers_caseworker_id'))

    op.drop_table('telegram_answers')
