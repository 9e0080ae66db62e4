"""Interfaces remember their counter width, fallback columns and an unreliable-rate mark

Revision ID: 0006_interface_fallbacks
Revises: 0005_coverage
Create Date: 2026-12-06 08:50:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0006_interface_fallbacks'
down_revision = '0005_coverage'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('interface_state', schema=None) as batch_op:
        batch_op.add_column(sa.Column('counter_bits', sa.SmallInteger(), nullable=True))
        batch_op.add_column(sa.Column('rate_unreliable', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('fallbacks', sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('interface_state', schema=None) as batch_op:
        batch_op.drop_column('fallbacks')
        batch_op.drop_column('rate_unreliable')
        batch_op.drop_column('counter_bits')
