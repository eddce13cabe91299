"""Sign-in throttling shared by all workers, failures shown at the next sign-in, forced first password change, TOTP

Revision ID: 0005a
Revises: 0005d
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0005a'
down_revision = '0005d'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('login_attempts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=16), server_default='password', nullable=False))
        batch_op.create_index('ix_login_attempts_kind_at', ['kind', 'at'], unique=False)
    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('must_change_password', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('failed_since_sign_in', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('mfa_secret', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('mfa_recovery_hashes', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('mfa_last_step', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.drop_column('mfa_last_step')
        batch_op.drop_column('mfa_recovery_hashes')
        batch_op.drop_column('mfa_secret')
        batch_op.drop_column('failed_since_sign_in')
        batch_op.drop_column('must_change_password')
    with op.batch_alter_table('login_attempts', schema=None) as batch_op:
        batch_op.drop_index('ix_login_attempts_kind_at')
        batch_op.drop_column('kind')
