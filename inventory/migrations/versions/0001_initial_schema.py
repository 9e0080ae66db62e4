"""Initial schema, and the reference regions and school types shipped in inventory/refdata.

Revision ID: 0001
Revises: 
"""

import sqlalchemy as sa
from alembic import op

import inventory.models.base
from inventory import reference


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('region',
    sa.Column('code', sa.String(length=6), nullable=False),
    sa.Column('name_zh', sa.String(length=64), nullable=False),
    sa.Column('name_en', sa.String(length=128), nullable=False),
    sa.Column('level', sa.Enum('province', 'prefecture', 'county', name='regionlevel', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('parent_code', sa.String(length=6), nullable=True),
    sa.Column('path', sa.String(length=128), nullable=False),
    sa.Column('seat_lat', sa.Numeric(precision=9, scale=6), nullable=True),
    sa.Column('seat_lon', sa.Numeric(precision=9, scale=6), nullable=True),
    sa.ForeignKeyConstraint(['parent_code'], ['region.code'], name=op.f('fk_region_parent_code_region'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_region'))
    )
    with op.batch_alter_table('region', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_region_parent_code'), ['parent_code'], unique=False)
        batch_op.create_index('ix_region_path', ['path'], unique=False, postgresql_ops={'path': 'varchar_pattern_ops'})

    op.create_table('school_type',
    sa.Column('code', sa.String(length=3), nullable=False),
    sa.Column('name_zh', sa.String(length=64), nullable=False),
    sa.Column('name_en', sa.String(length=128), nullable=False),
    sa.Column('stage', sa.Enum('preschool', 'primary', 'secondary', 'vocational', 'special', 'higher', name='stage', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('default_scope', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_school_type'))
    )
    op.create_table('snmp_credential',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('version', sa.Enum('v1', 'v2c', 'v3', name='snmpversion', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('community_enc', sa.Text(), nullable=True),
    sa.Column('username', sa.String(length=64), nullable=True),
    sa.Column('auth_protocol', sa.Enum('sha', 'sha224', 'sha256', 'sha384', 'sha512', name='snmpauthprotocol', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.Column('auth_key_enc', sa.Text(), nullable=True),
    sa.Column('priv_protocol', sa.Enum('none', 'aes128', 'aes256', name='snmpprivprotocol', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.Column('priv_key_enc', sa.Text(), nullable=True),
    sa.Column('secrets_updated_at', inventory.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('notes', sa.String(length=500), nullable=True),
    sa.Column('created_at', inventory.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', inventory.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_snmp_credential')),
    sa.UniqueConstraint('name', name=op.f('uq_snmp_credential_name'))
    )
    op.create_table('app_user',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('role', sa.Enum('admin', 'region_admin', 'school_staff', 'viewer', name='userrole', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('region_code', sa.String(length=6), nullable=True),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('created_at', inventory.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', inventory.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['region_code'], ['region.code'], name=op.f('fk_app_user_region_code_region')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_app_user')),
    sa.UniqueConstraint('name', name=op.f('uq_app_user_name'))
    )
    op.create_table('school',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=10), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=True),
    sa.Column('type_code', sa.String(length=3), nullable=False),
    sa.Column('region_code', sa.String(length=6), nullable=False),
    sa.Column('address', sa.String(length=200), nullable=True),
    sa.Column('latitude', sa.Numeric(precision=9, scale=6), nullable=True),
    sa.Column('longitude', sa.Numeric(precision=9, scale=6), nullable=True),
    sa.Column('students', sa.Integer(), nullable=True),
    sa.Column('teachers', sa.Integer(), nullable=True),
    sa.Column('ordinary_classrooms', sa.Integer(), nullable=True),
    sa.Column('opened_on', sa.Date(), nullable=True),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.Column('created_at', inventory.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', inventory.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['region_code'], ['region.code'], name=op.f('fk_school_region_code_region'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['type_code'], ['school_type.code'], name=op.f('fk_school_type_code_school_type'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_school')),
    sa.UniqueConstraint('code', name=op.f('uq_school_code'))
    )
    with op.batch_alter_table('school', schema=None) as batch_op:
        batch_op.create_index('ix_school_open_close', ['opened_on', 'closed_on'], unique=False)
        batch_op.create_index('ix_school_region_type', ['region_code', 'type_code'], unique=False)
        batch_op.create_index('ix_school_type_code', ['type_code'], unique=False)

    op.create_table('api_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('prefix', sa.String(length=12), nullable=False),
    sa.Column('label', sa.String(length=64), nullable=True),
    sa.Column('created_at', inventory.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', inventory.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', inventory.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_used_at', inventory.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_api_token_user_id_app_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_token')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_token_token_hash'))
    )
    op.create_table('campus_network',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('architecture', sa.Enum('all_fibre', 'hybrid', 'copper', 'none', name='campusarchitecture', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('backbone_mbps', sa.Integer(), nullable=True),
    sa.Column('wireless_coverage', sa.Enum('none', 'partial', 'full', name='wirelesscoverage', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('commissioned_on', sa.Date(), nullable=False),
    sa.Column('notes', sa.String(length=500), nullable=True),
    sa.Column('created_at', inventory.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', inventory.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_campus_network_school_id_school'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campus_network')),
    sa.UniqueConstraint('school_id', 'commissioned_on', name='uq_campus_network_school_date')
    )
    op.create_table('change_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', inventory.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_name', sa.String(length=64), nullable=False),
    sa.Column('action', sa.Enum('create', 'update', 'archive', 'delete', name='changeaction', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('object_type', sa.String(length=32), nullable=False),
    sa.Column('object_id', sa.String(length=64), nullable=False),
    sa.Column('object_repr', sa.String(length=200), nullable=False),
    sa.Column('before', sa.JSON(), nullable=True),
    sa.Column('after', sa.JSON(), nullable=True),
    sa.Column('batch_id', sa.String(length=36), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['app_user.id'], name=op.f('fk_change_record_actor_id_app_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_change_record'))
    )
    with op.batch_alter_table('change_record', schema=None) as batch_op:
        batch_op.create_index('ix_change_record_at', ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_change_record_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index('ix_change_record_object', ['object_type', 'object_id'], unique=False)

    op.create_table('classroom',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('room_code', sa.String(length=32), nullable=False),
    sa.Column('building', sa.String(length=64), nullable=True),
    sa.Column('floor', sa.Integer(), nullable=True),
    sa.Column('kind', sa.Enum('ordinary', 'science_lab', 'computer_lab', 'multipurpose', 'other', name='classroomkind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('display', sa.Enum('none', 'interactive_panel', 'projector_whiteboard', 'projector', 'tv', name='displaykind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('has_teacher_terminal', sa.Boolean(), nullable=False),
    sa.Column('has_visualiser', sa.Boolean(), nullable=False),
    sa.Column('has_audio', sa.Boolean(), nullable=False),
    sa.Column('has_recording', sa.Boolean(), nullable=False),
    sa.Column('wired_mbps', sa.Integer(), nullable=True),
    sa.Column('wireless_mbps', sa.Integer(), nullable=True),
    sa.Column('commissioned_on', sa.Date(), nullable=True),
    sa.Column('decommissioned_on', sa.Date(), nullable=True),
    sa.Column('notes', sa.String(length=500), nullable=True),
    sa.Column('created_at', inventory.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', inventory.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_classroom_school_id_school'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_classroom')),
    sa.UniqueConstraint('school_id', 'room_code', name='uq_classroom_school_room')
    )
    with op.batch_alter_table('classroom', schema=None) as batch_op:
        batch_op.create_index('ix_classroom_school_dates', ['school_id', 'commissioned_on', 'decommissioned_on'], unique=False)

    op.create_table('device',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('role', sa.Enum('gateway', 'core_switch', 'access_switch', 'olt', 'onu', 'wireless_controller', 'firewall', 'other', name='devicerole', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('status', sa.Enum('active', 'planned', 'offline', 'decommissioned', name='devicestatus', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('mgmt_address', sa.String(length=45), nullable=False),
    sa.Column('snmp_port', sa.Integer(), nullable=False),
    sa.Column('credential_id', sa.Integer(), nullable=True),
    sa.Column('polling_enabled', sa.Boolean(), nullable=False),
    sa.Column('vendor', sa.String(length=64), nullable=True),
    sa.Column('model', sa.String(length=64), nullable=True),
    sa.Column('serial', sa.String(length=64), nullable=True),
    sa.Column('sys_descr', sa.String(length=500), nullable=True),
    sa.Column('sys_object_id', sa.String(length=128), nullable=True),
    sa.Column('notes', sa.String(length=500), nullable=True),
    sa.Column('created_at', inventory.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', inventory.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['credential_id'], ['snmp_credential.id'], name=op.f('fk_device_credential_id_snmp_credential'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_device_school_id_school'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_device')),
    sa.UniqueConstraint('mgmt_address', name=op.f('uq_device_mgmt_address'))
    )
    with op.batch_alter_table('device', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_device_credential_id'), ['credential_id'], unique=False)
        batch_op.create_index('ix_device_school', ['school_id'], unique=False)

    op.create_table('network_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('metro', 'internet', 'edu_cloud', name='linkkind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('carrier', sa.Enum('telecom', 'mobile', 'unicom', 'broadcast', 'other', name='carrier', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.Column('medium', sa.Enum('fibre', 'copper', 'wireless', 'cellular', 'satellite', name='linkmedium', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('down_mbps', sa.Integer(), nullable=False),
    sa.Column('up_mbps', sa.Integer(), nullable=False),
    sa.Column('circuit_id', sa.String(length=64), nullable=True),
    sa.Column('commissioned_on', sa.Date(), nullable=True),
    sa.Column('decommissioned_on', sa.Date(), nullable=True),
    sa.Column('device_id', sa.Integer(), nullable=True),
    sa.Column('interface_name', sa.String(length=64), nullable=True),
    sa.Column('notes', sa.String(length=500), nullable=True),
    sa.Column('created_at', inventory.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', inventory.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['device_id'], ['device.id'], name=op.f('fk_network_link_device_id_device'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_network_link_school_id_school'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_network_link')),
    sa.UniqueConstraint('circuit_id', name=op.f('uq_network_link_circuit_id'))
    )
    with op.batch_alter_table('network_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_network_link_device_id'), ['device_id'], unique=False)
        batch_op.create_index('ix_network_link_school_dates', ['school_id', 'commissioned_on', 'decommissioned_on'], unique=False)

    _load_reference_data()


def _load_reference_data() -> None:
    region = sa.table(
        "region",
        *(sa.column(name) for name in ("code", "name_zh", "name_en", "level", "parent_code", "path")),
        sa.column("seat_lat", sa.Numeric(9, 6)),
        sa.column("seat_lon", sa.Numeric(9, 6)),
    )
    school_type = sa.table(
        "school_type",
        *(sa.column(name) for name in ("code", "name_zh", "name_en", "stage")),
        sa.column("default_scope", sa.Boolean),
    )
    op.bulk_insert(region, reference.region_rows())
    op.bulk_insert(school_type, reference.school_type_rows())


def downgrade() -> None:
    with op.batch_alter_table('network_link', schema=None) as batch_op:
        batch_op.drop_index('ix_network_link_school_dates')
        batch_op.drop_index(batch_op.f('ix_network_link_device_id'))

    op.drop_table('network_link')
    with op.batch_alter_table('device', schema=None) as batch_op:
        batch_op.drop_index('ix_device_school')
        batch_op.drop_index(batch_op.f('ix_device_credential_id'))

    op.drop_table('device')
    with op.batch_alter_table('classroom', schema=None) as batch_op:
        batch_op.drop_index('ix_classroom_school_dates')

    op.drop_table('classroom')
    with op.batch_alter_table('change_record', schema=None) as batch_op:
        batch_op.drop_index('ix_change_record_object')
        batch_op.drop_index(batch_op.f('ix_change_record_batch_id'))
        batch_op.drop_index('ix_change_record_at')

    op.drop_table('change_record')
    op.drop_table('campus_network')
    op.drop_table('api_token')
    with op.batch_alter_table('school', schema=None) as batch_op:
        batch_op.drop_index('ix_school_type_code')
        batch_op.drop_index('ix_school_region_type')
        batch_op.drop_index('ix_school_open_close')

    op.drop_table('school')
    op.drop_table('app_user')
    op.drop_table('snmp_credential')
    op.drop_table('school_type')
    with op.batch_alter_table('region', schema=None) as batch_op:
        batch_op.drop_index('ix_region_path', postgresql_ops={'path': 'varchar_pattern_ops'})
        batch_op.drop_index(batch_op.f('ix_region_parent_code'))

    # SQLite enforces the self-reference row by row while dropping: detach children first.
    op.execute("UPDATE region SET parent_code = NULL")
    op.drop_table('region')
