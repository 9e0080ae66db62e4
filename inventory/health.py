"""What the database says about the running service: collectors alive, the newest poll cycle,
devices by poll state, leases. Read by /healthz and /metrics; counts only, no names."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from inventory.choices import PollFailure
from inventory.models import Collector, Device, DeviceState, PollCycle
from inventory.services.monitoring import ALIVE_WITHIN
from inventory.services.polling import pollable

NOT_POLLED = "not_polled"  # pollable, but no poll recorded yet
OK = "ok"
DISABLED = "not_pollable"  # polling switched off, or the device is not active


@dataclass(frozen=True)
class CollectorsSeen:
    """How many collector processes are alive, and the age of the newest heartbeat."""

    alive: int
    newest_heartbeat_age: timedelta | None


@dataclass(frozen=True)
class CycleSeen:
    """The newest finished poll cycle of any collector."""

    finished_at: datetime
    age: timedelta
    seconds: float | None
    devices: int
    ok: int


def collectors_seen(session: Session, now: datetime) -> CollectorsSeen:
    """Collectors whose heartbeat is younger than ALIVE_WITHIN and that have not stopped."""
    alive = session.scalar(
        sa.select(sa.func.count())
        .select_from(Collector)
        .where(Collector.stopped_at.is_(None), Collector.heartbeat_at > now - ALIVE_WITHIN)
    )
    newest = session.scalar(sa.select(sa.func.max(Collector.heartbeat_at)))
    return CollectorsSeen(alive or 0, None if newest is None else now - newest)


def newest_cycle(session: Session, now: datetime) -> CycleSeen | None:
    """The most recently finished poll cycle, or None if none ever finished."""
    cycle = session.scalars(
        sa.select(PollCycle)
        .where(PollCycle.finished_at.is_not(None))
        .order_by(PollCycle.finished_at.desc())
        .limit(1)
    ).first()
    if cycle is None or cycle.finished_at is None:
        return None
    return CycleSeen(
        cycle.finished_at, now - cycle.finished_at, cycle.seconds, cycle.devices, cycle.ok
    )


def devices_by_state(session: Session) -> dict[str, int]:
    """Devices per poll state: ``ok``, each failure class, ``not_polled``, ``not_pollable``.

    Every state is present (0 when empty), so that a metric never disappears.
    """
    counts = dict.fromkeys([OK, *[f.value for f in PollFailure], NOT_POLLED, DISABLED], 0)
    state = sa.case(
        (sa.not_(pollable()), DISABLED),
        (DeviceState.last_polled_at.is_(None), NOT_POLLED),
        (DeviceState.failure.is_(None), OK),
        else_=sa.cast(DeviceState.failure, sa.String),
    )
    rows = session.execute(
        sa.select(state, sa.func.count())
        .select_from(Device)
        .outerjoin(DeviceState, DeviceState.device_id == Device.id)
        .group_by(state)
    ).all()
    for name, count in rows:
        counts[str(name)] = count
    return counts


def lease_counts(session: Session, now: datetime) -> dict[str, int]:
    """Leases held now (``active``), leases left behind by a collector that died (``expired``),
    and devices whose next poll is due and that nobody holds (``due``: the collectors' queue)."""
    active = session.scalar(
        sa.select(sa.func.count())
        .select_from(DeviceState)
        .where(DeviceState.lease_owner.is_not(None), DeviceState.lease_expires_at > now)
    )
    expired = session.scalar(
        sa.select(sa.func.count())
        .select_from(DeviceState)
        .where(DeviceState.lease_owner.is_not(None), DeviceState.lease_expires_at <= now)
    )
    due = session.scalar(
        sa.select(sa.func.count())
        .select_from(DeviceState)
        .join(Device, Device.id == DeviceState.device_id)
        .where(
            pollable(),
            sa.or_(DeviceState.next_poll_at.is_(None), DeviceState.next_poll_at <= now),
            sa.or_(DeviceState.lease_expires_at.is_(None), DeviceState.lease_expires_at <= now),
        )
    )
    return {"active": active or 0, "expired": expired or 0, "due": due or 0}
