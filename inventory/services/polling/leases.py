"""Leases: which devices are due, claimed by one collector at a time, and given back.

A collector claims due devices (a lease, so several collectors never poll one device twice),
polls them, and records them (``recording``), which ends their leases.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from inventory.choices import DeviceStatus
from inventory.models import Device, School, SnmpCredential
from inventory.models.polling import (
    DeviceState,
)


@dataclass(frozen=True)
class DueDevice:
    """A device leased to one collector for one poll."""

    device_id: int
    address: str
    port: int
    credential: SnmpCredential | None


def pollable() -> sa.ColumnElement[bool]:
    """Devices that collectors poll: enabled and in service."""
    return sa.and_(Device.polling_enabled.is_(True), Device.status == DeviceStatus.ACTIVE)


def ensure_states(session: Session) -> None:
    """Give every pollable device a state row (new devices become due at once)."""
    missing = sa.select(Device.id).where(
        pollable(), Device.id.not_in(sa.select(DeviceState.device_id))
    )
    session.execute(
        sa.insert(DeviceState).from_select(["device_id"], missing),
    )


def claim_due(
    session: Session,
    owner: str,
    now: datetime,
    lease: timedelta,
    limit: int,
    *,
    device_ids: Sequence[int] | None = None,
    school_code: str | None = None,
    force: bool = False,
    polled_before: datetime | None = None,
) -> list[DueDevice]:
    """Lease up to ``limit`` due devices to ``owner``; the caller commits at once.

    On PostgreSQL the rows are locked with SKIP LOCKED, so concurrent collectors each get
    different devices; an expired lease (its collector died) makes a device claimable again.
    A live lease is never claimed, not even by its owner (it is polling that device now).
    ``force`` ignores the schedule (a manual ``poll`` now) but never a live lease;
    ``polled_before`` leaves out devices polled since then (those a forced cycle has done).
    """
    ensure_states(session)
    stmt = (
        sa.select(DeviceState.device_id)
        .join(Device, Device.id == DeviceState.device_id)
        .where(
            pollable(),
            sa.or_(
                DeviceState.lease_expires_at.is_(None),
                DeviceState.lease_expires_at < now,
            ),
        )
        .order_by(DeviceState.next_poll_at.asc().nulls_first(), DeviceState.device_id)
        .limit(limit)
        .with_for_update(skip_locked=True, of=DeviceState)
    )
    if not force:
        stmt = stmt.where(
            sa.or_(DeviceState.next_poll_at.is_(None), DeviceState.next_poll_at <= now)
        )
    if polled_before is not None:
        stmt = stmt.where(
            sa.or_(DeviceState.last_polled_at.is_(None), DeviceState.last_polled_at < polled_before)
        )
    if device_ids is not None:
        stmt = stmt.where(DeviceState.device_id.in_(device_ids))
    if school_code is not None:
        stmt = stmt.where(
            Device.school_id.in_(sa.select(School.id).where(School.code == school_code))
        )
    ids = list(session.scalars(stmt))
    if not ids:
        return []
    session.execute(
        sa.update(DeviceState)
        .where(DeviceState.device_id.in_(ids))
        .values(lease_owner=owner, lease_expires_at=now + lease)
    )
    devices = session.scalars(sa.select(Device).where(Device.id.in_(ids)).order_by(Device.id))
    return [DueDevice(d.id, d.mgmt_address, d.snmp_port, d.credential) for d in devices]


def release(session: Session, owner: str, device_ids: Iterable[int]) -> None:
    """Give back leases without recording a poll (a collector shutting down)."""
    session.execute(
        sa.update(DeviceState)
        .where(DeviceState.device_id.in_(list(device_ids)), DeviceState.lease_owner == owner)
        .values(lease_owner=None, lease_expires_at=None)
    )


def pollable_targets(
    session: Session,
    *,
    device_ids: Sequence[int] | None = None,
    school_code: str | None = None,
) -> list[DueDevice]:
    """Every pollable device (or those asked for), to register with an SNMP client."""
    stmt = sa.select(Device).where(pollable()).order_by(Device.id)
    if device_ids is not None:
        stmt = stmt.where(Device.id.in_(device_ids))
    if school_code is not None:
        stmt = stmt.where(
            Device.school_id.in_(sa.select(School.id).where(School.code == school_code))
        )
    return [
        DueDevice(d.id, d.mgmt_address, d.snmp_port, d.credential)
        for d in session.scalars(stmt).unique()
    ]
