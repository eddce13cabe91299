"""Requisition versions (optimistic concurrency), idempotency keys on create, and the readiness probe's row.

Revision ID: 0004b
Revises: 0003
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0004b'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('requisitions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))
        batch_op.add_column(sa.Column('idempotency_key', sa.String(length=200), nullable=True))
        batch_op.create_unique_constraint('uq_requisitions_idempotency_key', ['idempotency_key'])
    op.create_table('health_probe',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('checked_at', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_health_probe'))
    )


def downgrade() -> None:
    op.drop_table('health_probe')
    with op.batch_alter_table('requisitions', schema=None) as batch_op:
        batch_op.drop_constraint('uq_requisitions_idempotency_key', type_='unique')
        batch_op.drop_column('idempotency_key')
        batch_op.drop_column('version')
