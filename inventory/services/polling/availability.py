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
    """Per link: when it did not carry traffic since ``start`` — its interface down (or not
    found) and its device unreachable. Time slower than the contract is not counted: the
    verdict gives that a reason of its own (see ``availabilities``).

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
        if row.cause is OutageCause.SPEED_BELOW_CONTRACT:
            continue
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


def failing_since(session: Session, device_ids: Iterable[int]) -> dict[int, datetime]:
    """Since when each device has not answered: the start of its open unreachable outage
    (the first poll of the current run of timeouts)."""
    rows = session.execute(
        sa.select(Outage.device_id, sa.func.min(Outage.started_at))
        .where(
            Outage.device_id.in_(list(device_ids)),
            Outage.link_id.is_(None),
            Outage.cause == OutageCause.UNREACHABLE,
            Outage.ended_at.is_(None),
        )
        .group_by(Outage.device_id)
    )
    return {device_id: started for device_id, started in rows}


def availabilities(
    session: Session, links: Sequence[NetworkLink], window: timedelta, now: datetime
) -> dict[int, float | None]:
    """Availability of each uplink over the last ``window``; None where it is not monitored.

    Availability is the share of the monitored time during which the uplink could carry
    traffic: its device answered and its interface was up. Each poll's state holds until the
    next poll, so this is the share of polls that found it up when polls are evenly spaced,
    which is how a past day is judged from hourly rollups (``inventory.coverage.verified``).
    Running slower than the contracted speed does not make an uplink unavailable; it is the
    verdict's separate reason "slow".

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
    since = failing_since(session, {link.device_id for link in links if link.device_id})
    verified = 0
    for link in links:
        device_id = link.device_id or 0
        state = states.get(device_id)
        iface = match_interface(by_device.get(device_id, []), link.interface_name)
        failure = state.failure if state is not None and state.last_polled_at else None
        device_down = failure in DOWN_FAILURES
        seen = LinkObservation(
            monitored=bool(link.interface_name),
            last_polled_at=state.last_polled_at if state else None,
            oper_up=False if device_down else (iface.oper_up if iface else None),
            speed_mbps=iface.speed_mbps if iface and not failure else None,
            availability=available[link.id],
            failure=failure.value if failure else None,
            failing_since=since.get(device_id) if device_down else None,
            # Only a device whose interfaces were walked can lack one.
            interface_found=iface is not None or state is None or state.discovered_at is None,
            interface_name=link.interface_name,
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
