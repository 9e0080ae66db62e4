"""Recording what SNMP traps say, at once, before the confirming poll.

A linkDown or linkUp trap names one interface: its state changes and the uplinks it carries
open or close their ``interface_down`` outage, keyed as a poll keys them (device, link,
cause), so the poll that follows continues or ends the same outage rather than a second
one. A coldStart or warmStart trap forgets the device's discovery (interfaces may be
renumbered after a restart, as a poll assumes when sysUpTime goes back), so the confirming
poll rediscovers. A trap never ends a lease or moves the schedule: only a poll does.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import orm
from sqlalchemy.orm import Session

from inventory.choices import OutageCause
from inventory.localday import day_of
from inventory.models import NetworkLink
from inventory.models.polling import DeviceState, InterfaceState, Outage
from inventory.services.polling.recording import RecordSummary, StateChange
from inventory.services.polling.rules import match_interface

LINK_DOWN, LINK_UP, RESTART = "link_down", "link_up", "restart"


@dataclass(frozen=True)
class TrapEvent:
    """One trap from a registered device, as the receiver understood it."""

    device_id: int
    kind: str  # LINK_DOWN, LINK_UP or RESTART
    at: datetime
    if_index: int | None = None


def record_trap_events(
    session: Session, events: Sequence[TrapEvent], now: datetime
) -> RecordSummary:
    """Apply ``events`` in their order; the caller commits. Counts go in the summary."""
    summary = RecordSummary()
    if not events:
        return summary
    ids = sorted({e.device_id for e in events})
    interfaces: dict[int, list[InterfaceState]] = defaultdict(list)
    for row in session.scalars(sa.select(InterfaceState).where(InterfaceState.device_id.in_(ids))):
        interfaces[row.device_id].append(row)
    links: dict[int, list[NetworkLink]] = defaultdict(list)
    for link in session.scalars(
        sa.select(NetworkLink)
        .options(orm.lazyload("*"))
        .where(
            NetworkLink.device_id.in_(ids),
            sa.or_(
                NetworkLink.decommissioned_on.is_(None), NetworkLink.decommissioned_on > day_of(now)
            ),
        )
    ):
        links[link.device_id or 0].append(link)
    cause = OutageCause.INTERFACE_DOWN
    open_outages = {
        (o.device_id, o.link_id): o
        for o in session.scalars(
            sa.select(Outage).where(
                Outage.device_id.in_(ids), Outage.ended_at.is_(None), Outage.cause == cause
            )
        )
    }
    for event in events:
        summary.devices += 1
        if event.kind == RESTART:
            state = session.get(DeviceState, event.device_id)
            if state is not None:
                state.discovered_at = None
            continue
        known = interfaces.get(event.device_id, [])
        iface = next((i for i in known if i.if_index == event.if_index), None)
        if iface is None:
            continue  # not discovered yet: the confirming poll reads it
        up = event.kind == LINK_UP
        if iface.oper_up is not None and iface.oper_up != up:
            iface.changed_at = event.at
        iface.oper_up = up
        for link in links.get(event.device_id, []):
            if match_interface(known, link.interface_name) is not iface:
                continue
            key = (event.device_id, link.id)
            current = open_outages.get(key)
            if not up and current is None:
                detail = "linkDown trap"
                opened = Outage(
                    device_id=event.device_id,
                    link_id=link.id,
                    cause=cause,
                    started_at=event.at,
                    detail=detail,
                )
                session.add(opened)
                open_outages[key] = opened
                summary.outages_opened += 1
                summary.changes.append(
                    StateChange("down", cause, event.device_id, link.id, event.at, detail)
                )
            elif up and current is not None:
                current.ended_at = max(event.at, current.started_at)
                del open_outages[key]
                summary.outages_closed += 1
                summary.changes.append(StateChange("up", cause, event.device_id, link.id, event.at))
    session.flush()
    return summary
