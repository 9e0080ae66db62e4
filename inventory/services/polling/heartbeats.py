"""Collectors and their cycles: heartbeats, shutdowns, and what each cycle did."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from inventory.models.polling import (
    Collector,
    DeviceState,
    PollCycle,
)
from inventory.services.polling.recording import RecordSummary


def begin_cycle(session: Session, collector: str, now: datetime) -> PollCycle:
    """Record that a cycle started; the caller commits."""
    cycle = PollCycle(collector=collector, started_at=now, failures={})
    session.add(cycle)
    session.flush()
    return cycle


def finish_cycle(
    session: Session, cycle_id: int, now: datetime, seconds: float, summary: RecordSummary
) -> None:
    """Record what a cycle did; the caller commits."""
    cycle = session.get(PollCycle, cycle_id)
    if cycle is None:
        return
    cycle.finished_at = now
    cycle.seconds = round(seconds, 3)
    cycle.devices = summary.devices
    cycle.ok = summary.ok
    cycle.failures = dict(summary.failures)
    cycle.links_checked = summary.links_checked
    cycle.links_verified = summary.links_verified


def heartbeat(session: Session, name: str, hostname: str, pid: int, now: datetime) -> None:
    """A collector says it is alive (first call registers it); the caller commits."""
    collector = session.get(Collector, name)
    if collector is None:
        session.add(
            Collector(name=name, hostname=hostname, pid=pid, started_at=now, heartbeat_at=now)
        )
    else:
        collector.heartbeat_at = now
        collector.stopped_at = None


def stop_collector(session: Session, name: str, now: datetime) -> None:
    """A collector shuts down: its heartbeat stops, and its leases are given back."""
    collector = session.get(Collector, name)
    if collector is not None:
        collector.stopped_at = now
    session.execute(
        sa.update(DeviceState)
        .where(DeviceState.lease_owner == name)
        .values(lease_owner=None, lease_expires_at=None)
    )
