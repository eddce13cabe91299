"""CSRF nonces spent, shared by every worker (a form replayed to another worker is refused too)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('csrf_spent_nonces',
    sa.Column('nonce', sa.String(length=64), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('nonce', name=op.f('pk_csrf_spent_nonces'))
    )
    with op.batch_alter_table('csrf_spent_nonces', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_csrf_spent_nonces_expires_at'), ['expires_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('csrf_spent_nonces', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_csrf_spent_nonces_expires_at'))
    op.drop_table('csrf_spent_nonces')
