"""Polling, seen from the inventory: which devices are due, and recording what was seen.

A collector claims due devices (a lease, so several collectors never poll one device twice),
polls them, and hands the observations back in one batch. Recording updates the current
state, computes traffic rates from counter deltas, opens and closes outages, fills discovery
fields where staff left them empty, and writes the verification verdict of every uplink the
polled devices carry.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol, TypeVar, cast

import sqlalchemy as sa
from sqlalchemy import orm
from sqlalchemy.orm import Session

from inventory import localday
from inventory.actor import Actor
from inventory.choices import DeviceStatus, OutageCause, PollFailure
from inventory.localday import day_of
from inventory.models import Device, NetworkLink, School, SnmpCredential
from inventory.models.polling import (
    Collector,
    DeviceState,
    HourlyRollup,
    InterfaceState,
    LinkVerification,
    Outage,
    PollCycle,
    PollSample,
)
from inventory.monitoring.availability import Interval, availability
from inventory.monitoring.observations import DeviceObservation, InterfaceReading
from inventory.monitoring.rates import CounterReading, Rate, octet_rate
from inventory.monitoring.verification import LinkObservation, VerificationRule, verify_uplink
from inventory.services.common import change_object

# Failures that mean "nothing answers": the device is down. Auth failures and bad replies
# mean something answers that we cannot read, which is a configuration problem, not an outage.
DOWN_FAILURES = frozenset({PollFailure.TIMEOUT, PollFailure.UNREACHABLE})


class _Named(Protocol):
    @property
    def name(self) -> str | None: ...
    @property
    def descr(self) -> str | None: ...
    @property
    def alias(self) -> str | None: ...


N = TypeVar("N", bound=_Named)


def match_interface(interfaces: Iterable[N], wanted: str | None) -> N | None:
    """The interface an uplink names: by ifName, else ifDescr, else ifAlias (one rule for
    discovery, every poll and verification, so a device without ifXTable matches alike)."""
    if not wanted:
        return None
    candidates = list(interfaces)
    for key in ("name", "descr", "alias"):
        for interface in candidates:
            if getattr(interface, key) == wanted:
                return interface
    return None


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
    verified, checked = _verify_links(session, carried, states, interfaces.values(), now, rule)
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


def outage_intervals(
    session: Session, links: Sequence[NetworkLink], start: datetime
) -> dict[int, list[Interval]]:
    """Per link: its own outages and its device's unreachable periods since ``start``."""
    device_ids = {link.device_id for link in links if link.device_id is not None}
    rows = session.execute(
        sa.select(
            Outage.device_id, Outage.link_id, Outage.cause, Outage.started_at, Outage.ended_at
        ).where(
            Outage.device_id.in_(device_ids),
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


def _verify_links(
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


def hour_floor(moment: datetime) -> datetime:
    """The start (UTC) of the bureau's clock hour containing ``moment``: rollup hours are
    local hours, so each local day is made of whole rollups even in a half-hour zone."""
    return localday.hour_floor(moment)


def rollup_hours(session: Session, start: datetime, end: datetime) -> int:
    """Fold the raw samples of every whole hour in [start, end) into hourly rollups.

    Idempotent: an hour rolled up again is recomputed, so a late batch of samples is never
    counted twice. Returns the number of rollup rows written.
    """
    written = 0
    hour = hour_floor(start)
    while hour + timedelta(hours=1) <= end:
        following = hour + timedelta(hours=1)
        session.execute(sa.delete(HourlyRollup).where(HourlyRollup.hour == hour))
        grouped = (
            sa.select(
                PollSample.device_id,
                sa.func.coalesce(PollSample.if_index, -1),
                sa.literal(hour, HourlyRollup.hour.type),
                sa.func.count(),
                sa.func.sum(sa.case((PollSample.up.is_(True), 1), else_=0)),
                sa.func.avg(PollSample.response_ms),
                sa.func.avg(PollSample.in_bps),
                sa.func.max(PollSample.in_bps),
                sa.func.avg(PollSample.out_bps),
                sa.func.max(PollSample.out_bps),
                sa.func.min(PollSample.speed_mbps),
            )
            .where(PollSample.at >= hour, PollSample.at < following)
            .group_by(PollSample.device_id, PollSample.if_index)
        )
        result = session.execute(
            sa.insert(HourlyRollup).from_select(
                [
                    "device_id",
                    "if_index",
                    "hour",
                    "samples",
                    "up_samples",
                    "avg_response_ms",
                    "avg_in_bps",
                    "max_in_bps",
                    "avg_out_bps",
                    "max_out_bps",
                    "min_speed_mbps",
                ],
                grouped,
            )
        )
        written += _rowcount(result)
        hour = following
    return written


@dataclass(frozen=True)
class Retention:
    """How long polling data is kept."""

    raw: timedelta = timedelta(days=14)
    rollups: timedelta = timedelta(days=400)
    closed_outages: timedelta = timedelta(days=800)


def prune(session: Session, now: datetime, keep: Retention | None = None) -> dict[str, int]:
    """Delete samples, rollups and closed outages older than their retention."""
    keep = keep or Retention()
    deleted = {
        "samples": session.execute(sa.delete(PollSample).where(PollSample.at < now - keep.raw)),
        "rollups": session.execute(
            sa.delete(HourlyRollup).where(HourlyRollup.hour < now - keep.rollups)
        ),
        "outages": session.execute(
            sa.delete(Outage).where(
                Outage.ended_at.is_not(None), Outage.ended_at < now - keep.closed_outages
            )
        ),
    }
    return {name: _rowcount(result) for name, result in deleted.items()}


def _rowcount(result: sa.Result[Any]) -> int:
    """Rows touched by an INSERT/UPDATE/DELETE (its result is a cursor result)."""
    return cast(sa.CursorResult[Any], result).rowcount or 0


@dataclass(frozen=True)
class PollPlan:
    """What to read from one device this time: which interfaces, or everything (discovery)."""

    if_indexes: tuple[int, ...]
    discover: bool
    suspect: bool  # the last poll timed out
    # Per ifIndex, the preferred poll columns it lacked at discovery (see PollJob).
    fallbacks: tuple[tuple[int, tuple[str, ...]], ...] = ()


def poll_plans(
    session: Session, device_ids: Sequence[int], now: datetime, rediscover_after: timedelta
) -> dict[int, PollPlan]:
    """Per device: poll the interfaces that carry its uplinks, or discover them all.

    A device is discovered when it never was, when its last discovery is older than
    ``rediscover_after``, after an agent restart (``discovered_at`` cleared), or when an
    uplink names an interface not seen yet (at most once an hour: a typo must not make every
    poll a walk).
    """
    ids = list(device_ids)
    states = {
        s.device_id: s
        for s in session.scalars(sa.select(DeviceState).where(DeviceState.device_id.in_(ids)))
    }
    known: dict[int, list[Any]] = defaultdict(list)  # rows of the columns below
    rows = session.execute(
        sa.select(
            InterfaceState.device_id,
            InterfaceState.if_index,
            InterfaceState.name,
            InterfaceState.descr,
            InterfaceState.alias,
            InterfaceState.fallbacks,
        )
        .where(InterfaceState.device_id.in_(ids))
        .order_by(InterfaceState.device_id, InterfaceState.if_index)
    )
    for row in rows:
        known[row.device_id].append(row)
    wanted: dict[int, set[str]] = defaultdict(set)
    for carrier, interface_name in session.execute(
        sa.select(NetworkLink.device_id, NetworkLink.interface_name).where(
            NetworkLink.device_id.in_(ids),
            NetworkLink.interface_name.is_not(None),
            sa.or_(
                NetworkLink.decommissioned_on.is_(None), NetworkLink.decommissioned_on > day_of(now)
            ),
        )
    ):
        if carrier is not None and interface_name:
            wanted[carrier].add(interface_name)
    plans = {}
    for device_id in ids:
        state = states.get(device_id)
        discovered = state.discovered_at if state else None
        names = wanted.get(device_id, set())
        matched = [match_interface(known[device_id], n) for n in sorted(names)]
        found = {m for m in matched if m is not None}
        unknown = None in matched
        discover = (
            discovered is None
            or now - discovered >= rediscover_after
            or (unknown and now - discovered >= timedelta(hours=1))
        )
        suspect = state is not None and state.failure is PollFailure.TIMEOUT
        ordered = sorted(found, key=lambda r: r.if_index)
        fallbacks = tuple(
            (r.if_index, tuple(r.fallbacks.split(","))) for r in ordered if r.fallbacks
        )
        plans[device_id] = PollPlan(
            tuple(r.if_index for r in ordered), discover, suspect, fallbacks
        )
    return plans


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
