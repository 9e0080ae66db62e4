"""``FakeSnmpClient``: the ``SnmpClient`` test double, agents scripted in memory.

The real client (``pysnmp_client``) needs agents on the wire; this one answers from
``FakeAgent`` scripts kept per address, at once, with no socket, so that the poller and the
cycle can be tested in milliseconds. It keeps the real client's contract: targets are
registered first (``KeyError`` otherwise), a target without credentials answers
``no_credentials``, a wrong community gets no reply at all (``timeout``; an agent that still
answers SNMPv3 discovery then makes the poller call it an auth failure), wrong SNMPv3 keys
are an ``auth_failure``, an address without an agent is a dead device, and every failure
detail is free of secrets. The real-agent tests (snmpsim, net-snmp) stay the proof that the
real client keeps the same contract on the wire.
"""

from __future__ import annotations

import asyncio
import collections
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from collectors.snmp_types import (
    Failure,
    OidValue,
    PollReply,
    RegisterResult,
    SnmpClient,
    SnmpCredentials,
    Target,
)
from inventory.choices import SnmpVersion

SYS_DESCR = "1.3.6.1.2.1.1.1.0"
SYS_OBJECT_ID = "1.3.6.1.2.1.1.2.0"
SYS_UPTIME = "1.3.6.1.2.1.1.3.0"
SYS_NAME = "1.3.6.1.2.1.1.5.0"
# IF-MIB columns by name, as the default profile reads them.
IF_COLUMNS = {
    "ifDescr": "1.3.6.1.2.1.2.2.1.2",
    "ifType": "1.3.6.1.2.1.2.2.1.3",
    "ifSpeed": "1.3.6.1.2.1.2.2.1.5",
    "ifAdminStatus": "1.3.6.1.2.1.2.2.1.7",
    "ifOperStatus": "1.3.6.1.2.1.2.2.1.8",
    "ifInOctets": "1.3.6.1.2.1.2.2.1.10",
    "ifInErrors": "1.3.6.1.2.1.2.2.1.14",
    "ifOutOctets": "1.3.6.1.2.1.2.2.1.16",
    "ifOutErrors": "1.3.6.1.2.1.2.2.1.20",
    "ifName": "1.3.6.1.2.1.31.1.1.1.1",
    "ifHCInOctets": "1.3.6.1.2.1.31.1.1.1.6",
    "ifHCOutOctets": "1.3.6.1.2.1.31.1.1.1.10",
    "ifHighSpeed": "1.3.6.1.2.1.31.1.1.1.15",
    "ifAlias": "1.3.6.1.2.1.31.1.1.1.18",
}

# A scripted value: one value, or a sequence read one item per request (the last repeats),
# for counters that move between polls.
Scripted = OidValue | list[OidValue]


@dataclass(frozen=True)
class FakeInterface:
    """One interface of a ``device_values`` agent; None leaves the object out (no ifXTable:
    ``name=None, high_speed=None, hc_in=None, hc_out=None``)."""

    if_index: int
    name: str | None = None
    descr: str | None = None
    alias: str | None = None
    if_type: int = 6
    admin_status: int = 1
    oper_status: int = 1
    speed: int | None = None  # bit/s
    high_speed: int | None = None  # Mbit/s
    in_octets: Scripted = 0  # ifInOctets (32-bit)
    out_octets: Scripted = 0
    hc_in: Scripted = 0  # ifHCInOctets (64-bit)
    hc_out: Scripted = 0
    in_errors: int = 0
    out_errors: int = 0


def device_values(
    sys_descr: str = "Fake switch",
    sys_object_id: str = "1.3.6.1.4.1.8072.3.2.10",
    sys_uptime: Scripted = 100_000,
    sys_name: str | None = "fake",
    interfaces: Sequence[FakeInterface] = (),
) -> dict[str, Scripted]:
    """The system group and IF-MIB of a device, as a ``FakeAgent``'s values."""
    values: dict[str, Scripted] = {
        SYS_DESCR: sys_descr,
        SYS_OBJECT_ID: sys_object_id,
        SYS_UPTIME: sys_uptime,
    }
    if sys_name is not None:
        values[SYS_NAME] = sys_name
    for i in interfaces:
        columns: dict[str, Scripted | None] = {
            "ifDescr": i.descr if i.descr is not None else i.name,
            "ifType": i.if_type,
            "ifSpeed": i.speed,
            "ifAdminStatus": i.admin_status,
            "ifOperStatus": i.oper_status,
            "ifInOctets": i.in_octets,
            "ifInErrors": i.in_errors,
            "ifOutOctets": i.out_octets,
            "ifOutErrors": i.out_errors,
            "ifName": i.name,
            "ifHCInOctets": i.hc_in if i.name is not None else None,
            "ifHCOutOctets": i.hc_out if i.name is not None else None,
            "ifHighSpeed": i.high_speed,
            "ifAlias": i.alias if i.name is not None else None,
        }
        for column, value in columns.items():
            if value is not None:
                values[f"{IF_COLUMNS[column]}.{i.if_index}"] = value
    return values


@dataclass
class FakeAgent:
    """What answers at one address, and how.

    ``community`` is the v1/v2c community it answers (another gets no reply), ``user`` the
    SNMPv3 user and keys it knows, ``engine`` whether it answers SNMPv3 discovery at all.
    ``failure`` fails every request with that class (``detail`` says why); ``fail_next``
    fails only the next requests. ``latency`` delays every answer (seconds, awaited).
    """

    values: dict[str, Scripted] = field(default_factory=dict)
    community: str | None = "public"
    user: SnmpCredentials | None = None
    engine: bool = True
    failure: Failure | None = None
    detail: str = "scripted failure"
    latency: float = 0.0
    upcoming: collections.deque[Failure] = field(default_factory=collections.deque)

    def fail_next(self, failure: Failure, times: int = 1) -> None:
        """Fail the next ``times`` requests (GET or walk) with ``failure``."""
        self.upcoming.extend([failure] * times)

    def read(self, oid: str) -> OidValue:
        """The value now; a scripted sequence moves on by one."""
        value = self.values.get(oid)
        if isinstance(value, list):
            return value.pop(0) if len(value) > 1 else (value[0] if value else None)
        return value

    def accepts(self, creds: SnmpCredentials) -> bool | None:
        """True if these credentials are ours; False: v3 keys refused; None: no reply."""
        if creds.version is SnmpVersion.V3:
            if self.user is None or creds.username != self.user.username:
                return False
            return creds == self.user
        return True if creds.community == self.community else None


@dataclass(frozen=True)
class FakeRequest:
    """One request the fake answered, for tests that count or inspect them."""

    kind: str  # "get", "walk" or "probe"
    key: int
    oids: tuple[str, ...] = ()


def _arcs(oid: str) -> tuple[int, ...]:
    return tuple(int(arc) for arc in oid.split("."))


class FakeSnmpClient:
    """``SnmpClient`` answering from ``FakeAgent`` scripts, keyed by (host, port)."""

    def __init__(self, agents: Mapping[tuple[str, int], FakeAgent] | None = None) -> None:
        self.agents: dict[tuple[str, int], FakeAgent] = dict(agents or {})
        self.targets: dict[int, Target] = {}
        self.requests: list[FakeRequest] = []
        self.closed = False

    def add_agent(self, host: str, agent: FakeAgent, port: int = 161) -> FakeAgent:
        self.agents[(host, port)] = agent
        return agent

    def _check(self) -> None:
        if self.closed:
            raise RuntimeError("the SNMP client is closed")

    async def register(self, targets: Iterable[Target]) -> RegisterResult:
        self._check()
        seen: set[int] = set()
        added = changed = unchanged = discovered = 0
        for target in targets:
            if target.key in seen:
                raise ValueError(f"target key {target.key} given twice")
            seen.add(target.key)
            old = self.targets.get(target.key)
            if old == target:
                unchanged += 1
                continue
            if old is None:
                added += 1
            else:
                changed += 1
            self.targets[target.key] = target
            creds = target.credentials
            if creds is not None and creds.version is SnmpVersion.V3:
                agent = self.agents.get((target.host, target.port))
                discovered += agent is not None and agent.engine
        return RegisterResult(added, changed, unchanged, discovered)

    def unregister(self, keys: Iterable[int]) -> int:
        return sum(self.targets.pop(key, None) is not None for key in keys)

    def keys(self) -> frozenset[int]:
        return frozenset(self.targets)

    async def _answer(self, kind: str, key: int, oids: Sequence[str]) -> FakeAgent | PollReply:
        """The agent that answers this request, or the failed reply."""
        self._check()
        target = self.targets[key]
        self.requests.append(FakeRequest(kind, key, tuple(oids)))
        creds = target.credentials
        if creds is None:
            return PollReply(key, False, Failure.NO_CREDENTIALS, "no SNMP credential")
        agent = self.agents.get((target.host, target.port))
        if agent is not None and agent.latency:
            await asyncio.sleep(agent.latency)
        waited = target.timeout * (target.retries + 1)
        tries = f"within {target.timeout:g} s × {target.retries + 1} tries"
        accepted = None if agent is None else agent.accepts(creds)
        if agent is None or accepted is None:
            return PollReply(key, False, Failure.TIMEOUT, f"no reply to request {tries}", waited)
        if not accepted:
            return PollReply(key, False, Failure.AUTH_FAILURE, "WrongDigest: wrong digest")
        failure = agent.upcoming.popleft() if agent.upcoming else agent.failure
        if failure is Failure.TIMEOUT:
            return PollReply(key, False, failure, f"no reply to request {tries}", waited)
        if failure is not None:
            return PollReply(key, False, failure, agent.detail)
        return agent

    async def get(
        self, key: int, oids: Sequence[str], sent: Callable[[], None] | None = None
    ) -> PollReply:
        if sent is not None:
            sent()
        wanted = [oid.strip().lstrip(".") for oid in oids]
        agent = await self._answer("get", key, wanted)
        if isinstance(agent, PollReply):
            return agent
        values = {oid: agent.read(oid) for oid in dict.fromkeys(wanted)}
        return PollReply(key, True, elapsed=0.001, values=values)

    async def walk(
        self, key: int, column_oids: Sequence[str], max_repetitions: int = 10
    ) -> PollReply:
        columns = [oid.strip().lstrip(".") for oid in column_oids]
        agent = await self._answer("walk", key, columns)
        if isinstance(agent, PollReply):
            return agent
        prefixes = [_arcs(c) for c in columns]
        found = []
        for oid in agent.values:
            arcs = _arcs(oid)
            if any(len(arcs) > len(p) and arcs[: len(p)] == p for p in prefixes):
                found.append((arcs, oid))
        values: dict[str, OidValue] = {}
        for _, oid in sorted(found):
            value = agent.read(oid)
            if value is not None:  # a walk passes over what the agent does not have
                values[oid] = value
        return PollReply(key, True, elapsed=0.001, values=values)

    async def probe_v3_engine(self, key: int) -> bool:
        self._check()
        target = self.targets[key]
        self.requests.append(FakeRequest("probe", key))
        agent = self.agents.get((target.host, target.port))
        return agent is not None and agent.engine

    async def close(self) -> None:
        self.closed = True


if TYPE_CHECKING:  # mypy checks that the fake implements the protocol
    _implements: SnmpClient = FakeSnmpClient()
