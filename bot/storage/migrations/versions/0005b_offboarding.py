"""Offboarding: caseworkers can be deactivated, invites withdrawn

Revision ID: 0005b
Revises: 0004c
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0005b'
down_revision = '0004c'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('caseworkers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column('deactivated_at', sa.DateTime(), nullable=True))
    with op.batch_alter_table('invites', schema=None) as batch_op:
        batch_op.add_column(sa.Column('revoked_at', sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('invites', schema=None) as batch_op:
        batch_op.drop_column('revoked_at')
    with op.batch_alter_table('caseworkers', schema=None) as batch_op:
        batch_op.drop_column('deactivated_at')
        batch_op.drop_column('active')
