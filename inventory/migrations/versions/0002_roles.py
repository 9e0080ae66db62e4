"""Roles: passwords, the schools of school staff, failed logins, a scoped change log.

Revision ID: 0002_roles
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

import inventory.models.base


revision = '0002_roles'
down_revision = '0001'
branch_labels = None
depends_on = None

OLD_ACTIONS = ('create', 'update', 'archive', 'delete')
NEW_ACTIONS = (*OLD_ACTIONS, 'revoke', 'login', 'login_failed', 'logout')


def _action_type(actions: tuple[str, ...]) -> sa.Enum:
    return sa.Enum(*actions, name='changeaction', native_enum=False, create_constraint=True, length=32)


def upgrade() -> None:
    op.create_table('login_attempt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', inventory.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('account', sa.String(length=64), nullable=False),
    sa.Column('address', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_attempt'))
    )
    with op.batch_alter_table('login_attempt', schema=None) as batch_op:
        batch_op.create_index('ix_login_attempt_account_at', ['account', 'at'], unique=False)
        batch_op.create_index('ix_login_attempt_address_at', ['address', 'at'], unique=False)
        batch_op.create_index(batch_op.f('ix_login_attempt_at'), ['at'], unique=False)

    op.create_table('user_school',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_user_school_school_id_school'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_user_school_user_id_app_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'school_id', name=op.f('pk_user_school'))
    )
    with op.batch_alter_table('user_school', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_school_school_id'), ['school_id'], unique=False)

    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('password_hash', sa.String(length=255), nullable=True))

    # The new actions widen the CHECK constraint of change_record.action.
    with op.batch_alter_table('change_record', schema=None) as batch_op:
        batch_op.add_column(sa.Column('school_id', sa.Integer(), nullable=True))
        batch_op.alter_column(
            'action',
            existing_type=_action_type(OLD_ACTIONS),
            type_=_action_type(NEW_ACTIONS),
            existing_nullable=False,
        )
        batch_op.create_index(batch_op.f('ix_change_record_school_id'), ['school_id'], unique=False)

    _fill_in_school_ids()


# Change records written before this revision: the school is the object itself, or named in
# the snapshot of the object (children of a school keep ``school_id`` among their columns).
SCHOOL_OBJECTS = ('school', 'classroom', 'campus_network', 'network_link', 'device')


def _fill_in_school_ids() -> None:
    change = sa.table(
        'change_record',
        sa.column('id', sa.Integer),
        sa.column('object_type', sa.String),
        sa.column('object_id', sa.String),
        sa.column('before', sa.JSON),
        sa.column('after', sa.JSON),
        sa.column('school_id', sa.Integer),
    )
    conn = op.get_bind()
    rows = conn.execute(
        sa.select(change.c.id, change.c.object_type, change.c.object_id, change.c.before, change.c.after)
        .where(change.c.object_type.in_(SCHOOL_OBJECTS))
    )
    updates = []
    for row in rows:
        if row.object_type == 'school':
            school_id = int(row.object_id) if row.object_id.isdigit() else None
        else:
            school_id = (row.after or row.before or {}).get('school_id')
        if isinstance(school_id, int):
            updates.append({'record_id': row.id, 'school': school_id})
    if updates:
        conn.execute(
            change.update()
            .where(change.c.id == sa.bindparam('record_id'))
            .values(school_id=sa.bindparam('school')),
            updates,
        )


def downgrade() -> None:
    # Logins, logouts and revocations have no place in the older log: they are dropped.
    op.execute(
        "DELETE FROM change_record WHERE action IN ('revoke', 'login', 'login_failed', 'logout')"
    )
    with op.batch_alter_table('change_record', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_change_record_school_id'))
        batch_op.alter_column(
            'action',
            existing_type=_action_type(NEW_ACTIONS),
            type_=_action_type(OLD_ACTIONS),
            existing_nullable=False,
        )
        batch_op.drop_column('school_id')

    # A plain ALTER (SQLite 3.35+): rebuilding app_user would cascade-delete its tokens.
    with op.batch_alter_table('app_user', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('password_hash')

    with op.batch_alter_table('user_school', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_school_school_id'))

    op.drop_table('user_school')
    with op.batch_alter_table('login_attempt', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_attempt_at'))
        batch_op.drop_index('ix_login_attempt_address_at')
        batch_op.drop_index('ix_login_attempt_account_at')

    op.drop_table('login_attempt')
