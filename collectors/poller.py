"""Polling devices: SNMP replies turned into observations for the inventory (no database here).

The poller takes the client as an argument (anything implementing ``SnmpClient``) and a
profile that says what to read, so tests and benchmarks can hand it any client. One poll is
either a *discovery* (the system group by GET and every interface by walking ifTable and
ifXTable: first contact, after an agent restart, now and then) or a *poll* (one GET of
sysUpTime and the poll columns of the monitored interfaces).

Devices differ in what they have: a cheap switch has no ifXTable (no ifName, ifHighSpeed or
64-bit counters), some have no sysUpTime. Discovery reads both kinds of column; a poll reads,
per interface, the preferred columns or the profile's fallbacks for those it lacked. Speed is
ifHighSpeed, else ifSpeed; counters are 64-bit, else 32-bit. Discovery also names the vendor
and model (``collectors.fingerprints``).

Objects a device does not have (noSuchObject / noSuchInstance) are skipped and logged, never
fatal: an interface whose every column is missing is reported as absent, so the inventory
can tell "interface not found" from "interface down".
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from collectors.profiles import ENTITY_TABLE, Profile
from collectors.snmp_types import (
    Failure,
    OidValue,
    PollReply,
    RegisterResult,
    SnmpClient,
    Target,
)
from inventory.choices import PollFailure, SnmpVersion
from inventory.monitoring.observations import DeviceObservation, InterfaceReading

log = logging.getLogger(__name__)

# Profile object name → InterfaceReading field. IF-MIB semantics live here; which of these
# objects are read, and under which OIDs, is the profile's business.
READING_FIELDS: Mapping[str, str] = {
    "ifName": "name",
    "ifDescr": "descr",
    "ifAlias": "alias",
    "ifType": "if_type",
    "ifAdminStatus": "admin_up",
    "ifOperStatus": "oper_up",
    "ifInErrors": "in_errors",
    "ifOutErrors": "out_errors",
}
STATUS_FIELDS = frozenset({"admin_up", "oper_up"})
TEXT_FIELDS = frozenset({"name", "descr", "alias"})
IF_STATUS_UP = 1  # ifAdminStatus / ifOperStatus up(1)
IF_SPEED_SATURATED = 2**32 - 1  # ifSpeed of a port faster than 4.29 Gbit/s: read ifHighSpeed
# (direction, 64-bit column, 32-bit column) of the octet counters.
OCTETS = (
    ("in_octets", "ifHCInOctets", "ifInOctets"),
    ("out_octets", "ifHCOutOctets", "ifOutOctets"),
)
# Polls outstanding per unit of concurrency. SNMPv1/v2c requests are shaped on the wire by
# the client itself (a window of requests awaiting a timely reply, which dead devices leave
# quickly); the pool only bounds the work outstanding, and SNMPv3 requests, which pysnmp
# sends unbounded, to ``concurrency`` at a time.
OUTSTANDING_PER_SLOT = 16
# Seconds a suspect's request waits for its answer before the SNMPv3 probe goes out beside it
# (a quarter of the timeout at most): most answers come well within, and a probe per live
# device doubled the CPU of a first cycle. A dead device costs one timeout plus this.
PROBE_DELAY = 0.25


@dataclass(frozen=True)
class PollJob:
    """One device to poll now: the target, which interfaces, and whether to discover."""

    target: Target
    if_indexes: tuple[int, ...] = ()
    discover: bool = False
    # The last poll timed out, or the device never answered (first contact): for v1/v2c,
    # probe for a live SNMPv3 engine alongside the GET, so that telling "wrong community"
    # from "down" costs no second timeout; a first cycle is then as flat in the number of
    # dead devices as a steady one.
    suspect: bool = False
    # Per ifIndex, the preferred poll columns the interface lacked at discovery (polled for
    # the profile's fallbacks instead).
    fallbacks: tuple[tuple[int, tuple[str, ...]], ...] = ()


def _now() -> datetime:
    return datetime.now(UTC)


async def poll_one(client: SnmpClient, profile: Profile, job: PollJob) -> DeviceObservation:
    """Poll one device; every failure is an observation, never an exception."""
    key = job.target.key
    probe: asyncio.Task[bool] | None = None
    on_wire = asyncio.Event()  # the first request was sent (or gave up before it was)
    if job.suspect and _community_based(job.target):
        probe = asyncio.ensure_future(_probe_soon(client, job.target, on_wire))
    try:
        if job.discover:
            return await _discover(client, profile, job, probe, on_wire)
        oids = profile.poll_oids(job.if_indexes, dict(job.fallbacks))
        reply = await client.get(key, oids, on_wire.set)
        on_wire.set()
        if not reply.ok:
            failed = await _failed(client, job, reply, probe)
            if failed.failure is not PollFailure.AUTH_FAILURE or not _community_based(job.target):
                return failed
            # The agent is alive but our GET went unanswered. A wrong community is one cause;
            # a reply that came too late on a busy machine is another: ask once more.
            again = await client.get(key, oids)
            if not again.ok:
                return failed
            log.info("device %s answered a second GET after a timeout", key)
            reply = again
        return _observation(profile, job, reply, reply.values, job.if_indexes)
    finally:
        if probe is not None and not probe.done():
            probe.cancel()


async def _probe_soon(client: SnmpClient, target: Target, on_wire: asyncio.Event) -> bool:
    """The SNMPv3 probe, sent once the request has been on the wire for a moment: a live
    agent answers before, and then no probe is sent at all (it is cancelled). The moment
    counts from the send, not from the start of the poll, which may wait for the window."""
    await on_wire.wait()
    await asyncio.sleep(min(PROBE_DELAY, target.timeout / 4))
    return await client.probe_v3_engine(target.key)


async def _discover(
    client: SnmpClient,
    profile: Profile,
    job: PollJob,
    probe: asyncio.Task[bool] | None,
    on_wire: asyncio.Event,
) -> DeviceObservation:
    key = job.target.key
    scalars = await client.get(key, profile.discovery_scalar_oids(), on_wire.set)
    on_wire.set()
    if not scalars.ok:
        failed = await _failed(client, job, scalars, probe)
        if failed.failure is not PollFailure.AUTH_FAILURE or not _community_based(job.target):
            return failed
        scalars = await client.get(key, profile.discovery_scalar_oids())  # as in poll_one
        if not scalars.ok:
            return failed
    walk = await client.walk(key, profile.discovery_column_oids())
    if not walk.ok:
        return _failure(job, walk, f"interface walk: {walk.detail or walk.failure}")
    values = {**scalars.values, **walk.values}
    rows = profile.rows(walk.values)
    return _observation(profile, job, scalars, values, tuple(rows))


def _community_based(target: Target) -> bool:
    creds = target.credentials
    return creds is not None and creds.version is not SnmpVersion.V3


async def _failed(
    client: SnmpClient, job: PollJob, reply: PollReply, probe: asyncio.Task[bool] | None
) -> DeviceObservation:
    """A failed request; a v1/v2c timeout from a live SNMPv3 engine is a wrong community."""
    if reply.failure is Failure.TIMEOUT and _community_based(job.target):
        alive = await (probe if probe is not None else client.probe_v3_engine(job.target.key))
        if alive:
            detail = "no answer to our community, but the agent answers SNMPv3 discovery"
            return _failure(job, reply, detail, Failure.AUTH_FAILURE)
    return _failure(job, reply, reply.detail)


def _failure(
    job: PollJob, reply: PollReply, detail: str | None, failure: Failure | None = None
) -> DeviceObservation:
    cls = failure or reply.failure or Failure.MALFORMED
    return DeviceObservation(
        device_id=job.target.key,
        at=_now(),
        failure=PollFailure(cls.value),
        detail=detail,
        response_ms=None,
    )


def _observation(
    profile: Profile,
    job: PollJob,
    timed: PollReply,
    values: Mapping[str, OidValue],
    if_indexes: Sequence[int],
) -> DeviceObservation:
    scalars = profile.scalar_values(values)
    _log_missing(job.target.key, profile, values)
    rows = profile.rows(values)
    polled_lacking = dict(job.fallbacks)
    interfaces = []
    for index in if_indexes:
        row = rows.get(index, {})
        lacking = profile.lacking(row) if job.discover else polled_lacking.get(index, ())
        if (reading := _reading(index, row, tuple(lacking))) is not None:
            interfaces.append(reading)
    uptime = scalars.get("sysUpTime")
    descr, object_id, name = (
        value if isinstance(value := scalars.get(n), str) else None
        for n in ("sysDescr", "sysObjectID", "sysName")
    )
    vendor = model = None
    if job.discover:
        vendor = profile.fingerprints.vendor_of(object_id)
        entities = profile.rows(values, (ENTITY_TABLE,))
        model = profile.fingerprints.model_of(vendor, descr, entities)
    return DeviceObservation(
        device_id=job.target.key,
        at=_now(),
        response_ms=round(timed.elapsed * 1000, 3),
        sys_uptime_ticks=uptime if isinstance(uptime, int) else None,
        sys_descr=descr,
        sys_object_id=object_id,
        sys_name=name,
        vendor=vendor,
        model=model,
        interfaces=interfaces,
        discovered=job.discover,
    )


def _reading(
    index: int, row: Mapping[str, OidValue], lacking: tuple[str, ...] = ()
) -> InterfaceReading | None:
    """An interface's reading; None when the agent has none of its objects (it is gone)."""
    fields: dict[str, object] = {}
    speed = _speed_mbps(row)
    if speed is not None:
        fields["speed_mbps"] = speed
    for direction, wide, narrow in OCTETS:
        if isinstance(value := row.get(wide), int):
            fields[direction] = value
            fields.setdefault("counter_bits", 64)
        elif isinstance(value := row.get(narrow), int):
            fields[direction] = value
            fields["counter_bits"] = 32  # one 32-bit direction makes the pair as fragile
    for column, value in row.items():
        field = READING_FIELDS.get(column)
        if field is None or value is None:
            continue
        if field in STATUS_FIELDS:
            fields[field] = value == IF_STATUS_UP if isinstance(value, int) else None
        elif field in TEXT_FIELDS:
            fields[field] = value if isinstance(value, str) else str(value)
        else:
            fields[field] = value if isinstance(value, int) else None
    if not fields:
        return None
    return InterfaceReading(if_index=index, lacking=lacking, **fields)  # type: ignore[arg-type]


def _speed_mbps(row: Mapping[str, OidValue]) -> int | None:
    """ifHighSpeed, else ifSpeed in Mbit/s (a saturated ifSpeed without ifHighSpeed: None)."""
    high = row.get("ifHighSpeed")
    if isinstance(high, int):
        return high
    speed = row.get("ifSpeed")
    if isinstance(speed, int) and speed != IF_SPEED_SATURATED:
        return round(speed / 1_000_000)
    return None


def _log_missing(key: int, profile: Profile, values: Mapping[str, OidValue]) -> None:
    missing = [oid for oid, value in values.items() if value is None]
    if missing:
        names = []
        for oid in missing[:5]:
            found = profile.locate(oid)
            names.append(f"{found[0].name}.{found[1]}" if found else oid)
        more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        log.info("device %s has no %s%s: skipped", key, ", ".join(names), more)


async def _guarded(client: SnmpClient, profile: Profile, job: PollJob) -> DeviceObservation:
    """``poll_one``, with a bug of ours recorded against the device rather than ending the cycle."""
    try:
        return await poll_one(client, profile, job)
    except Exception as exc:
        log.exception("device %s: polling failed", job.target.key)
        return DeviceObservation(
            device_id=job.target.key,
            at=_now(),
            failure=PollFailure.MALFORMED,
            detail=f"collector error: {type(exc).__name__}",
        )


class PollPool:
    """Bounds polls in flight: ``concurrency`` SNMPv3 polls, 16 times that in all.

    A dead SNMPv1/v2c device holds no slot on the wire for its whole timeout (the client's
    window sees to that), so a cycle does not grow with the dead. One pool can serve many
    batches (a cycle claims devices in chunks and feeds them to one pool).
    """

    def __init__(self, concurrency: int = 64) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self._v3 = asyncio.Semaphore(concurrency)
        self._outstanding = asyncio.Semaphore(concurrency * OUTSTANDING_PER_SLOT)

    async def poll(self, client: SnmpClient, profile: Profile, job: PollJob) -> DeviceObservation:
        """Poll one job when the bounds allow."""
        async with self._outstanding:
            if _community_based(job.target):
                return await _guarded(client, profile, job)
            async with self._v3:
                return await _guarded(client, profile, job)


async def poll_many(
    client: SnmpClient,
    profile: Profile,
    jobs: Sequence[PollJob],
    concurrency: int = 64,
    on_done: Callable[[DeviceObservation], None] | None = None,
) -> list[DeviceObservation]:
    """Poll every job through one ``PollPool``; results in the order of ``jobs``.

    ``on_done`` sees each result as soon as it is ready (for batched writes, progress bars).
    """
    pool = PollPool(concurrency)

    async def run(job: PollJob) -> DeviceObservation:
        observation = await pool.poll(client, profile, job)
        if on_done is not None:
            on_done(observation)
        return observation

    return list(await asyncio.gather(*(run(job) for job in jobs)))


class Poller(Protocol):
    """What a cycle polls through: targets registered up front, then one job at a time.

    ``LocalPoller`` polls in this process; ``collectors.workers.PollerProcesses`` in several.
    """

    async def register(self, targets: Iterable[Target]) -> RegisterResult: ...

    def unregister(self, keys: Iterable[int]) -> int: ...

    def keys(self) -> frozenset[int]: ...

    async def poll(self, job: PollJob) -> DeviceObservation:
        """Poll one job; every failure is an observation, never an exception."""
        ...

    async def close(self) -> None: ...


class LocalPoller:
    """A ``Poller`` in this process and event loop: one client behind one ``PollPool``."""

    def __init__(self, client: SnmpClient, profile: Profile, concurrency: int = 64) -> None:
        self.client = client
        self.profile = profile
        self.concurrency = concurrency
        self._pool: PollPool | None = None

    async def register(self, targets: Iterable[Target]) -> RegisterResult:
        return await self.client.register(targets)

    def unregister(self, keys: Iterable[int]) -> int:
        return self.client.unregister(keys)

    def keys(self) -> frozenset[int]:
        return self.client.keys()

    async def poll(self, job: PollJob) -> DeviceObservation:
        if self._pool is None:  # made on the loop that polls
            self._pool = PollPool(self.concurrency)
        return await self._pool.poll(self.client, self.profile, job)

    async def close(self) -> None:
        await self.client.close()
