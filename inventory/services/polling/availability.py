"""Availability of uplinks from outages, and the verdict of each uplink after a poll."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from inventory.choices import OutageCause
from inventory.models import NetworkLink
from inventory.models.polling import (
    DeviceState,
    InterfaceState,
    LinkVerification,
    Outage,
    PollSample,
)
from inventory.monitoring.availability import Interval, availability
from inventory.monitoring.verification import LinkObservation, VerificationRule, verify_uplink
from inventory.services.polling.rules import DOWN_FAILURES, match_interface


def outage_intervals(
    session: Session, links: Sequence[NetworkLink], start: datetime
) -> dict[int, list[Interval]]:
    """Per link: its own outages and its device's unreachable periods since ``start``.

    Planned outages (begun inside a maintenance window) are left out: planned work is not
    held against an uplink's availability.
    """
    device_ids = {link.device_id for link in links if link.device_id is not None}
    rows = session.execute(
        sa.select(
            Outage.device_id, Outage.link_id, Outage.cause, Outage.started_at, Outage.ended_at
        ).where(
            Outage.device_id.in_(device_ids),
            Outage.planned.is_(False),
            sa.or_(Outage.ended_at.is_(None), Outage.ended_at > start),
        )
    ).all()
    by_link: dict[int, list[Interval]] = defaultdict(list)
    by_device: dict[int, list[Interval]] = defaultdict(list)
    for row in rows:
        interval = Interval(row.started_at, row.ended_at)
        if row.link_id is not None:
            by_link[row.link_id].append(interval)
        elif row.cause is OutageCause.UNREACHABLE:
            by_device[row.device_id].append(interval)
    return {
        link.id: by_link.get(link.id, []) + by_device.get(link.device_id or 0, []) for link in links
    }


def first_polls(session: Session, device_ids: Iterable[int]) -> dict[int, datetime]:
    """When each device was first polled (monitoring began), from the samples kept."""
    rows = session.execute(
        sa.select(PollSample.device_id, sa.func.min(PollSample.at))
        .where(PollSample.device_id.in_(list(device_ids)))
        .group_by(PollSample.device_id)
    )
    return {device_id: first for device_id, first in rows}


def availabilities(
    session: Session, links: Sequence[NetworkLink], window: timedelta, now: datetime
) -> dict[int, float | None]:
    """Availability of each uplink over the last ``window``; None where it is not monitored.

    A window starts no earlier than the first poll of the link's device: time before
    monitoring began is unknown, not available.
    """
    monitored = [link for link in links if link.device_id is not None]
    first = first_polls(session, {link.device_id for link in monitored if link.device_id})
    intervals = outage_intervals(session, monitored, now - window)
    result: dict[int, float | None] = {link.id: None for link in links}
    for link in monitored:
        began = first.get(link.device_id or 0)
        if began is None:
            continue
        start = max(now - window, began)
        if start < now:
            result[link.id] = availability(intervals[link.id], start, now)
    return result


def verify_links(
    session: Session,
    links: Sequence[NetworkLink],
    states: dict[int, DeviceState],
    interfaces: Iterable[InterfaceState],
    now: datetime,
    rule: VerificationRule,
) -> tuple[int, int]:
    """Write the verdict of every uplink carried by the polled devices."""
    if not links:
        return 0, 0
    by_device: dict[int, list[InterfaceState]] = defaultdict(list)
    for interface in interfaces:
        by_device[interface.device_id].append(interface)
    existing = {
        v.link_id: v
        for v in session.scalars(
            sa.select(LinkVerification).where(
                LinkVerification.link_id.in_([link.id for link in links])
            )
        )
    }
    available = availabilities(session, links, rule.availability_window, now)
    verified = 0
    for link in links:
        device_id = link.device_id or 0
        state = states.get(device_id)
        iface = match_interface(by_device.get(device_id, []), link.interface_name)
        device_down = state is not None and state.failure in DOWN_FAILURES
        seen = LinkObservation(
            monitored=True,
            last_polled_at=state.last_ok_at if state else None,
            oper_up=False if device_down else (iface.oper_up if iface else None),
            speed_mbps=iface.speed_mbps if iface else None,
            availability=available[link.id],
        )
        verdict = verify_uplink(link.down_mbps, seen, now, rule)
        row = existing.get(link.id)
        if row is None:
            row = LinkVerification(link_id=link.id)
            session.add(row)
        row.checked_at = now
        row.last_polled_at = seen.last_polled_at
        row.oper_up = seen.oper_up
        row.measured_mbps = seen.speed_mbps
        row.contracted_mbps = link.down_mbps
        row.availability_30d = seen.availability
        row.verified = verdict.verified
        row.reasons = [{"code": code, **values} for code, values in verdict.reasons]
        verified += verdict.verified
    return verified, len(links)
