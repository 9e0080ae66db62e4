"""Page sessions revocable on the server: a per-user session epoch that logout, a password
change and disabling the account move on, ending every copy of the older session cookies

Revision ID: 0007_session_epoch
Revises: 0006_interface_fallbacks
Create Date: 2026-12-06 08:30:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = '0007_session_epoch'
down_revision = '0006_interface_fallbacks'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('app_user') as batch_op:
        batch_op.add_column(
            sa.Column('session_epoch', sa.Integer(), server_default=sa.text('0'), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table('app_user') as batch_op:
        batch_op.drop_column('session_epoch')
