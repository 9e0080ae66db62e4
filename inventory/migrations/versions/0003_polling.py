"""Polling: device and interface state, raw samples, hourly rollups, outages, uplink verdicts.

Revision ID: 0003_polling
Revises: 0002_roles
"""

import sqlalchemy as sa
from alembic import op

import inventory.models.base


revision = '0003_polling'
down_revision = '0002_roles'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('device_state',
    sa.Column('device_id', sa.Integer(), nullable=False),
    sa.Column('next_poll_at', inventory.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('lease_owner', sa.String(length=64), nullable=True),
    sa.Column('lease_expires_at', inventory.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_polled_at', inventory.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_ok_at', inventory.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('reachable', sa.Boolean(), nullable=True),
    sa.Column('failure', sa.Enum('timeout', 'auth_failure', 'malformed', 'error_status', 'unreachable', 'no_credentials', name='pollfailure', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.Column('detail', sa.String(length=200), nullable=True),
    sa.Column('response_ms', sa.Double(), nullable=True),
    sa.Column('sys_uptime_ticks', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('consecutive_failures', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['device_id'], ['device.id'], name=op.f('fk_device_state_device_id_device'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('device_id', name=op.f('pk_device_state'))
    )
    with op.batch_alter_table('device_state', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_device_state_next_poll_at'), ['next_poll_at'], unique=False)

    op.create_table('hourly_rollup',
    sa.Column('device_id', sa.Integer(), nullable=False),
    sa.Column('if_index', sa.Integer(), nullable=False),
    sa.Column('hour', inventory.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('samples', sa.Integer(), nullable=False),
    sa.Column('up_samples', sa.Integer(), nullable=False),
    sa.Column('avg_response_ms', sa.Double(), nullable=True),
    sa.Column('avg_in_bps', sa.Double(), nullable=True),
    sa.Column('max_in_bps', sa.Double(), nullable=True),
    sa.Column('avg_out_bps', sa.Double(), nullable=True),
    sa.Column('max_out_bps', sa.Double(), nullable=True),
    sa.Column('min_speed_mbps', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['device_id'], ['device.id'], name=op.f('fk_hourly_rollup_device_id_device'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('device_id', 'if_index', 'hour', name=op.f('pk_hourly_rollup'))
    )
    op.create_table('interface_state',
    sa.Column('device_id', sa.Integer(), nullable=False),
    sa.Column('if_index', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=True),
    sa.Column('descr', sa.String(length=200), nullable=True),
    sa.Column('alias', sa.String(length=200), nullable=True),
    sa.Column('if_type', sa.Integer(), nullable=True),
    sa.Column('admin_up', sa.Boolean(), nullable=True),
    sa.Column('oper_up', sa.Boolean(), nullable=True),
    sa.Column('speed_mbps', sa.Integer(), nullable=True),
    sa.Column('in_octets', sa.Numeric(precision=20, scale=0), nullable=True),
    sa.Column('out_octets', sa.Numeric(precision=20, scale=0), nullable=True),
    sa.Column('in_errors', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('out_errors', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('counters_uptime_ticks', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('polled_at', inventory.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('in_bps', sa.Double(), nullable=True),
    sa.Column('out_bps', sa.Double(), nullable=True),
    sa.Column('changed_at', inventory.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['device_id'], ['device.id'], name=op.f('fk_interface_state_device_id_device'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('device_id', 'if_index', name=op.f('pk_interface_state'))
    )
    op.create_table('poll_sample',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('device_id', sa.Integer(), nullable=False),
    sa.Column('if_index', sa.Integer(), nullable=True),
    sa.Column('at', inventory.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('up', sa.Boolean(), nullable=False),
    sa.Column('response_ms', sa.Double(), nullable=True),
    sa.Column('speed_mbps', sa.Integer(), nullable=True),
    sa.Column('in_bps', sa.Double(), nullable=True),
    sa.Column('out_bps', sa.Double(), nullable=True),
    sa.ForeignKeyConstraint(['device_id'], ['device.id'], name=op.f('fk_poll_sample_device_id_device'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_poll_sample'))
    )
    with op.batch_alter_table('poll_sample', schema=None) as batch_op:
        batch_op.create_index('ix_poll_sample_at', ['at'], unique=False)
        batch_op.create_index('ix_poll_sample_device_at', ['device_id', 'if_index', 'at'], unique=False)

    op.create_table('link_verification',
    sa.Column('link_id', sa.Integer(), nullable=False),
    sa.Column('checked_at', inventory.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_polled_at', inventory.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('oper_up', sa.Boolean(), nullable=True),
    sa.Column('measured_mbps', sa.Integer(), nullable=True),
    sa.Column('contracted_mbps', sa.Integer(), nullable=False),
    sa.Column('availability_30d', sa.Double(), nullable=True),
    sa.Column('verified', sa.Boolean(), nullable=False),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['link_id'], ['network_link.id'], name=op.f('fk_link_verification_link_id_network_link'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('link_id', name=op.f('pk_link_verification'))
    )
    op.create_table('outage',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('device_id', sa.Integer(), nullable=False),
    sa.Column('link_id', sa.Integer(), nullable=True),
    sa.Column('cause', sa.Enum('unreachable', 'interface_down', 'speed_below_contract', name='outagecause', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('started_at', inventory.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ended_at', inventory.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('detail', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['device_id'], ['device.id'], name=op.f('fk_outage_device_id_device'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['link_id'], ['network_link.id'], name=op.f('fk_outage_link_id_network_link'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outage'))
    )
    with op.batch_alter_table('outage', schema=None) as batch_op:
        batch_op.create_index('ix_outage_device_started', ['device_id', 'started_at'], unique=False)
        batch_op.create_index('ix_outage_link_started', ['link_id', 'started_at'], unique=False)
        batch_op.create_index('ix_outage_open', ['ended_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('outage', schema=None) as batch_op:
        batch_op.drop_index('ix_outage_open')
        batch_op.drop_index('ix_outage_link_started')
        batch_op.drop_index('ix_outage_device_started')

    op.drop_table('outage')
    op.drop_table('link_verification')
    with op.batch_alter_table('poll_sample', schema=None) as batch_op:
        batch_op.drop_index('ix_poll_sample_device_at')
        batch_op.drop_index('ix_poll_sample_at')

    op.drop_table('poll_sample')
    op.drop_table('interface_state')
    op.drop_table('hourly_rollup')
    with op.batch_alter_table('device_state', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_device_state_next_poll_at'))

    op.drop_table('device_state')
