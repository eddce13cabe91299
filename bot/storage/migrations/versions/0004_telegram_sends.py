"""Telegram delivery keys: each message part recorded before and after its Bot API call

Revision ID: 0004c
Revises: 0003
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0004c'
down_revision = '0004b'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('telegram_sends',
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.Column('chat_id', sa.String(length=32), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=True),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_telegram_sends'))
    )
    with op.batch_alter_table('telegram_sends', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_telegram_sends_started_at'), ['started_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('telegram_sends', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_telegram_sends_started_at'))
    op.drop_table('telegram_sends')
