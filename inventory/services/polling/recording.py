"""Recording what was seen: one batch of observations from a collector.

Recording updates the current state, computes traffic rates from counter deltas, opens and
closes outages, fills discovery fields where staff left them empty, and writes the
verification verdict of every uplink the polled devices carry (``availability``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy import orm
from sqlalchemy.orm import Session

from inventory.actor import Actor
from inventory.choices import OutageCause
from inventory.localday import day_of
from inventory.models import Device, NetworkLink
from inventory.models.polling import (
    DeviceState,
    InterfaceState,
    Outage,
    PollSample,
)
from inventory.monitoring.observations import DeviceObservation, InterfaceReading
from inventory.monitoring.rates import CounterReading, Rate, octet_rate
from inventory.monitoring.verification import VerificationRule
from inventory.services.common import change_object
from inventory.services.polling.availability import verify_links
from inventory.services.polling.rules import DOWN_FAILURES, match_interface


@dataclass(frozen=True)
class StateChange:
    """An outage that began (``down``) or ended (``up``): what a webhook is told."""

    event: str  # "down" or "up"
    cause: OutageCause
    device_id: int
    link_id: int | None
    at: datetime
    detail: str | None = None

    def as_json(self) -> dict[str, Any]:
        """The JSON body of a webhook call."""
        return {
            "event": self.event,
            "cause": self.cause.value,
            "device_id": self.device_id,
            "link_id": self.link_id,
            "at": self.at.isoformat(),
            "detail": self.detail,
        }


@dataclass
class RecordSummary:
    """Counts of one recorded batch, for the cycle's summary line."""

    devices: int = 0
    ok: int = 0
    failures: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    outages_opened: int = 0
    outages_closed: int = 0
    links_verified: int = 0
    links_checked: int = 0
    changes: list[StateChange] = field(default_factory=list)


def record_observations(
    session: Session,
    observations: Sequence[DeviceObservation],
    interval: timedelta,
    now: datetime,
    rule: VerificationRule | None = None,
) -> RecordSummary:
    """Write one batch of observations; the caller commits. Leases of these devices end.

    Each device is next due ``interval`` after this poll, or after its own poll interval.
    """
    rule = rule or VerificationRule()
    summary = RecordSummary()
    if not observations:
        return summary
    ids = [o.device_id for o in observations]
    states = {
        s.device_id: s
        for s in session.scalars(sa.select(DeviceState).where(DeviceState.device_id.in_(ids)))
    }
    interfaces: dict[tuple[int, int], InterfaceState] = {
        (i.device_id, i.if_index): i
        for i in session.scalars(sa.select(InterfaceState).where(InterfaceState.device_id.in_(ids)))
    }
    # Without their joined relationships (school, credential, device): none is needed here.
    plain = orm.lazyload("*")
    devices = {
        d.id: d for d in session.scalars(sa.select(Device).where(Device.id.in_(ids)).options(plain))
    }
    links_by_device: dict[int, list[NetworkLink]] = defaultdict(list)
    for link in session.scalars(
        sa.select(NetworkLink)
        .options(plain)
        .where(
            NetworkLink.device_id.in_(ids),
            sa.or_(
                NetworkLink.decommissioned_on.is_(None), NetworkLink.decommissioned_on > day_of(now)
            ),
        )
    ):
        links_by_device[link.device_id or 0].append(link)
    open_outages: dict[tuple[int, int | None, OutageCause], Outage] = {
        (o.device_id, o.link_id, o.cause): o
        for o in session.scalars(
            sa.select(Outage).where(Outage.device_id.in_(ids), Outage.ended_at.is_(None))
        )
    }
    samples: list[dict[str, Any]] = []
    collector = Actor.system("collector")

    def outage(
        device_id: int,
        link_id: int | None,
        cause: OutageCause,
        active: bool,
        at: datetime,
        detail: str | None = None,
    ) -> None:
        key = (device_id, link_id, cause)
        current = open_outages.get(key)
        if active and current is None:
            opened = Outage(
                device_id=device_id, link_id=link_id, cause=cause, started_at=at, detail=detail
            )
            session.add(opened)
            open_outages[key] = opened
            summary.outages_opened += 1
            summary.changes.append(StateChange("down", cause, device_id, link_id, at, detail))
        elif not active and current is not None:
            current.ended_at = at
            del open_outages[key]
            summary.outages_closed += 1
            summary.changes.append(StateChange("up", cause, device_id, link_id, at))

    for obs in observations:
        summary.devices += 1
        state = states.get(obs.device_id)
        if state is None:
            state = states[obs.device_id] = DeviceState(device_id=obs.device_id)
            session.add(state)
        device = devices.get(obs.device_id)
        own = device.poll_interval_s if device is not None else None
        _update_device_state(state, obs, timedelta(seconds=own) if own else interval)
        if obs.failure is None:
            summary.ok += 1
        else:
            summary.failures[obs.failure.value] += 1
        samples.append(
            {
                "device_id": obs.device_id,
                "if_index": None,
                "at": obs.at,
                "up": obs.failure not in DOWN_FAILURES,
                "response_ms": obs.response_ms,
                "speed_mbps": None,
                "in_bps": None,
                "out_bps": None,
            }
        )
        down = obs.failure in DOWN_FAILURES
        outage(obs.device_id, None, OutageCause.UNREACHABLE, down, obs.at, obs.detail)
        if device is not None and obs.answered:
            _discover(session, collector, device, obs)
        read: list[InterfaceState] = []
        for reading in obs.interfaces:
            current = interfaces.get((obs.device_id, reading.if_index))
            if current is None:
                current = InterfaceState(
                    device_id=obs.device_id, if_index=reading.if_index, polled_at=obs.at
                )
                session.add(current)
                interfaces[(obs.device_id, reading.if_index)] = current
            _update_interface(current, reading, obs)
            read.append(current)
        if obs.discovered and read:
            _forget_gone(session, interfaces, obs.device_id, read)
        if not obs.answered:
            continue  # link states are unknown; the device outage already covers them
        for link in links_by_device.get(obs.device_id, []):
            # Matched on the names stored at discovery: a poll reads no names.
            iface = match_interface(read, link.interface_name)
            up = bool(iface and iface.oper_up)
            slow = bool(iface and up and (iface.speed_mbps or 0) < link.down_mbps)
            outage(
                obs.device_id,
                link.id,
                OutageCause.INTERFACE_DOWN,
                not up,
                obs.at,
                None if iface else "interface not found",
            )
            outage(obs.device_id, link.id, OutageCause.SPEED_BELOW_CONTRACT, slow, obs.at)
            if iface is not None:
                samples.append(
                    {
                        "device_id": obs.device_id,
                        "if_index": iface.if_index,
                        "at": obs.at,
                        "up": up,
                        "response_ms": None,
                        "speed_mbps": iface.speed_mbps,
                        "in_bps": iface.in_bps,
                        "out_bps": iface.out_bps,
                    }
                )
    session.flush()
    if samples:
        session.execute(sa.insert(PollSample), samples)
    carried = [link for device_links in links_by_device.values() for link in device_links]
    verified, checked = verify_links(session, carried, states, interfaces.values(), now, rule)
    summary.links_verified, summary.links_checked = verified, checked
    return summary


def _update_device_state(state: DeviceState, obs: DeviceObservation, interval: timedelta) -> None:
    state.last_polled_at = obs.at
    # Reachable means "something answers": an auth failure is a live device we cannot read.
    state.reachable = obs.failure not in DOWN_FAILURES
    state.failure = obs.failure
    state.detail = (obs.detail or None) and obs.detail[:200]
    state.response_ms = obs.response_ms
    state.next_poll_at = obs.at + interval
    state.lease_owner = None
    state.lease_expires_at = None
    if obs.answered:
        restarted = (
            obs.sys_uptime_ticks is not None
            and state.sys_uptime_ticks is not None
            and obs.sys_uptime_ticks < state.sys_uptime_ticks
        )
        if obs.discovered:
            state.discovered_at = obs.at
        elif restarted:
            state.discovered_at = None  # interfaces may be renumbered after a restart
        state.last_ok_at = obs.at
        state.consecutive_failures = 0
        state.sys_uptime_ticks = obs.sys_uptime_ticks
    else:
        state.consecutive_failures = (state.consecutive_failures or 0) + 1


def _forget_gone(
    session: Session,
    interfaces: dict[tuple[int, int], InterfaceState],
    device_id: int,
    read: list[InterfaceState],
) -> None:
    """After a discovery that found interfaces, drop those the device no longer has: a stale
    row (an old ifIndex) must never be matched to an uplink."""
    kept = {i.if_index for i in read}
    for key, stale in list(interfaces.items()):
        if key[0] == device_id and key[1] not in kept:
            if stale in session.new:
                session.expunge(stale)
            else:
                session.delete(stale)
            del interfaces[key]


def _update_interface(
    current: InterfaceState, reading: InterfaceReading, obs: DeviceObservation
) -> None:
    speed = reading.speed_mbps
    bits = reading.counter_bits
    # A width change (rows from before widths were stored held 64-bit) is a discontinuity.
    same_counters = (current.counter_bits or 64) == (bits or 64)
    rates = [
        _rate(
            previous if same_counters else None,
            current.counters_uptime_ticks,
            current.polled_at,
            value,
            obs,
            speed,
            bits or 64,
        )
        for previous, value in (
            (current.in_octets, reading.in_octets),
            (current.out_octets, reading.out_octets),
        )
    ]
    current.in_bps, current.out_bps = rates[0].bps, rates[1].bps
    current.rate_unreliable = any(r.unreliable for r in rates)
    current.counter_bits = bits
    if current.oper_up is not None and reading.oper_up != current.oper_up:
        current.changed_at = obs.at
    if obs.discovered:
        # Names come from discovery walks; a poll reads only status, speed and counters, so
        # what a device lacks (no ifXTable: no ifName) never erases what discovery stored.
        current.name = reading.name
        current.descr = reading.descr
        current.alias = reading.alias
        current.if_type = reading.if_type
        current.fallbacks = ",".join(reading.lacking) or None
    current.admin_up = reading.admin_up
    current.oper_up = reading.oper_up
    current.speed_mbps = speed
    current.in_octets = reading.in_octets
    current.out_octets = reading.out_octets
    current.in_errors = reading.in_errors
    current.out_errors = reading.out_errors
    current.counters_uptime_ticks = obs.sys_uptime_ticks
    current.polled_at = obs.at


def _rate(
    previous: int | None,
    previous_ticks: int | None,
    previous_at: datetime,
    value: int | None,
    obs: DeviceObservation,
    speed_mbps: int | None,
    counter_bits: int,
) -> Rate:
    if previous is None or value is None or previous_at >= obs.at:
        return Rate(None)
    return octet_rate(
        CounterReading(int(previous), previous_ticks, previous_at),
        CounterReading(value, obs.sys_uptime_ticks, obs.at),
        speed_mbps,
        counter_bits,
    )


def _discover(session: Session, actor: Actor, device: Device, obs: DeviceObservation) -> None:
    """Fill what staff left empty from what the device says of itself (logged as a change).

    The collector names vendor and model (from its profile data) on discovery only.
    """
    found = {
        "sys_descr": (obs.sys_descr or "")[:500] or None,
        "sys_object_id": obs.sys_object_id,
        "vendor": obs.vendor,
        "model": obs.model,
    }
    changes = {k: v for k, v in found.items() if v and not getattr(device, k)}
    if changes:
        change_object(session, actor, device, changes)
