"""Simulated SNMP agents for the demo inventory, so that ``digicampus demo`` polls live.

Every pollable demo device (polling enabled, active, with a credential, managed on
127.53.0.0/16) becomes an agent of one :class:`~demo.shared_simulation.SharedSnmpSimulator`
answering with its credential: sysDescr and sysObjectID of its vendor, sysName its name, the
interfaces its uplinks name at a port speed that carries the contract, and a few ordinary
ports. Octet counters grow at a rate tied to the contract and sysUpTime advances, so the
collector computes rates from the second poll on.

Some devices misbehave, chosen deterministically from a hash of the device id (the same
devices at every start, whatever else changed): :data:`DOWN_SHARE` have no agent at all,
:data:`WRONG_COMMUNITY_SHARE` of the v1/v2c ones answer another community than the
inventory holds (the collector records an auth failure), and among the monitored uplinks of
the answering devices :data:`SLOW_SHARE` negotiate less than their contract and
:data:`INTERFACE_DOWN_SHARE` are down. :data:`NARROW_SHARE` of the answering devices whose
ports are at most gigabit are cheap switches without ifXTable (no ifName, ifHighSpeed or
64-bit counters), so the collector's fallbacks to ifDescr, ifSpeed and 32-bit counters show.
Each share is at least one device or uplink if there is any, so that even a small demo shows
each state.
"""

from __future__ import annotations

import hashlib
import ipaddress
import zlib
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from collectors.profiles import load_profile
from demo import inventory as demo
from demo.shared_simulation import SharedAgent, SharedSnmpSimulator
from demo.simulation import SimUser
from demo.snmprec import IFX_ENTRY, SimDevice, SimInterface
from inventory.choices import SnmpPrivProtocol, SnmpVersion
from inventory.models import Device, NetworkLink
from inventory.secretbox import SecretBox
from inventory.services import credentials
from inventory.services.polling import pollable

DEMO_NETWORK = ipaddress.IPv4Network("127.53.0.0/16")
DOWN_SHARE = 0.04
WRONG_COMMUNITY_SHARE = 0.03
SLOW_SHARE = 0.05
INTERFACE_DOWN_SHARE = 0.03
NARROW_SHARE = 0.1
NARROW_MAX_MBPS = 1000  # ifSpeed (bit/s, 32 bits) tells speeds up to 4.29 Gbit/s only
PORT_SPEEDS = (10, 100, 1000, 2500, 10_000, 25_000, 40_000, 100_000)  # Mbit/s
ENTERPRISES = {name: number for number, name in load_profile().fingerprints.vendors}
# What each vendor's devices say about themselves (sysDescr; sysObjectID under 1.3.6.1.4.1.N).
SYSTEMS = {
    "Huawei": ("Huawei Versatile Routing Platform Software, VRP (R) software, {model}", "2.23"),
    "H3C": ("H3C Comware Platform Software, Software Version 7.1.070, H3C {model}", "1.1"),
    "Ruijie": ("Ruijie Networks {model} (RGOS 11.4(1)B12)", "1.1.10.1"),
    "ZTE": ("ZTE ZXR10 Software, Version V5.00.10, {model}", "3.100"),
}
ORDINARY_PORTS = 3


@dataclass(frozen=True)
class DemoAgentsSummary:
    """What the demo agents simulate: what the first poll cycle should record."""

    devices: int  # pollable demo devices
    ok: int  # answering with the inventory's credential
    down: int  # no agent: timeout or unreachable
    wrong_community: int  # answering another community: auth failure
    skipped: int  # a credential the simulator cannot play (recorded as down too)
    uplinks: int  # monitored uplinks of the answering devices
    slow_uplinks: int  # negotiating less than their contract
    down_uplinks: int  # interface oper down
    narrow: int = 0  # answering without ifXTable: ifDescr, ifSpeed and 32-bit counters only
    down_ids: frozenset[int] = field(default=frozenset(), repr=False)
    wrong_community_ids: frozenset[int] = field(default=frozenset(), repr=False)
    slow_link_ids: frozenset[int] = field(default=frozenset(), repr=False)
    down_link_ids: frozenset[int] = field(default=frozenset(), repr=False)
    narrow_ids: frozenset[int] = field(default=frozenset(), repr=False)

    def line(self) -> str:
        """One line for the console."""
        skipped = f", {self.skipped} not simulated" if self.skipped else ""
        return (
            f"{self.ok + self.wrong_community} simulated SNMP agents for "
            f"{self.devices} devices: {self.down} down, {self.wrong_community} with a wrong "
            f"community{skipped}; of {self.uplinks} uplinks {self.slow_uplinks} slower than "
            f"contracted, {self.down_uplinks} down; {self.narrow} without ifXTable "
            "(32-bit counters)"
        )


@dataclass
class DemoAgentsPlan:
    """The agents to start, their SNMPv3 users, and the summary of what they simulate."""

    agents: list[SharedAgent]
    users: list[SimUser]
    summary: DemoAgentsSummary


def _rank(*parts: object) -> int:
    """A stable pseudo-random number for a device or an interface (not Python's hash())."""
    digest = hashlib.sha256(":".join(str(p) for p in parts).encode()).digest()
    return int.from_bytes(digest[:8], "big")


def _pick(keys: list[int], share: float, salt: str) -> set[int]:
    """``share`` of ``keys`` (at least one if any), the same ones for the same keys."""
    if not keys:
        return set()
    count = max(1, round(len(keys) * share))
    return set(sorted(keys, key=lambda k: _rank(salt, k))[:count])


def port_speed(contract_mbps: int) -> int:
    """The port speed a line of this contract is plugged into."""
    return next((s for s in PORT_SPEEDS if s >= contract_mbps), contract_mbps)


def slower_speed(contract_mbps: int) -> int:
    """A speed below the contract, as a port that negotiated down would report."""
    below = [s for s in PORT_SPEEDS if s < contract_mbps]
    return below[-1] if below else max(1, contract_mbps // 2)


def system_of(device: Device) -> tuple[str, str]:
    """(sysDescr, sysObjectID) of the device's vendor and model."""
    model = device.model or device.role.value
    enterprise = ENTERPRISES.get(device.vendor or "")
    known = SYSTEMS.get(device.vendor or "")
    if enterprise is None or known is None:
        return f"{device.vendor or 'Generic'} {model}", "1.3.6.1.4.1.8072.3.2.10"
    descr, branch = known
    product = zlib.crc32(model.encode()) % 900 + 100
    return descr.format(model=model), f"1.3.6.1.4.1.{enterprise}.{branch}.{product}"


def _ordinary_names(device: Device, taken: set[str]) -> list[str]:
    patterns = demo.port_patterns(device.vendor)
    gigabit = patterns[0] if patterns else "GigabitEthernet0/0/{n}"
    names: list[str] = []
    n = 1
    while len(names) < ORDINARY_PORTS:
        name = gigabit.format(n=n)
        if name not in taken:
            names.append(name)
        n += 1
    return names


def _with_traffic(device_id: int, interface: SimInterface) -> SimInterface:
    """Initial octet counters and rates: 2–40 % of the port's speed in, a quarter out."""
    rank = _rank("traffic", device_id, interface.name)
    if interface.oper_status != 1:
        return replace(interface, in_octets=rank % 10**9, out_octets=rank % 10**8)
    share = 0.02 + (rank % 1000) / 1000 * 0.38
    in_rate = max(1, int(interface.high_speed * 1_000_000 / 8 * share))
    return replace(
        interface,
        in_octets=rank % 10**12,
        out_octets=(rank >> 20) % 10**11,
        in_rate=in_rate,
        out_rate=max(1, in_rate // 4),
    )


def _uplink_interface(
    device_id: int, index: int, name: str, carried: list[NetworkLink], fate: str
) -> SimInterface:
    smallest = min(link.down_mbps for link in carried)
    largest = max(link.down_mbps for link in carried)
    speed = slower_speed(smallest) if fate == "slow" else port_speed(largest)
    circuits = ", ".join(link.circuit_id or link.kind.value for link in carried)
    interface = SimInterface(
        index=index,
        name=name,
        alias=f"uplink {circuits}",
        oper_status=2 if fate == "down" else 1,
        high_speed=speed,
    )
    return _with_traffic(device_id, interface)


def _user_of(plain: credentials.PlainCredential) -> SimUser | None:
    if plain.username is None or plain.auth_protocol is None or plain.auth_key is None:
        return None  # noAuthNoPriv: the simulator's users authenticate
    priv = plain.priv_protocol or SnmpPrivProtocol.NONE
    if priv is not SnmpPrivProtocol.NONE and plain.priv_key is None:
        return None
    return SimUser(plain.username, plain.auth_protocol, plain.auth_key, priv, plain.priv_key)


def _community_ok(community: str | None) -> bool:
    return bool(
        community
        and community not in (".", "..")
        and community.isascii()
        and community.isprintable()
        and not any(c.isspace() or c in "/\\" for c in community)
    )


def plan_demo_agents(
    session: Session,
    box: SecretBox,
    today: datetime | None = None,
    network: ipaddress.IPv4Network = DEMO_NETWORK,
) -> DemoAgentsPlan:
    """The agents for the demo devices in the database (see the module docstring).

    Only devices managed inside ``network`` are simulated (tests move the demo elsewhere).
    """
    day = (today or datetime.now(UTC)).date()
    devices = [
        d
        for d in session.scalars(
            sa.select(Device)
            .where(pollable(), Device.credential_id.is_not(None))
            .order_by(Device.id)
        ).unique()
        if _inside(d.mgmt_address, network)
    ]
    links: dict[int, dict[str, list[NetworkLink]]] = defaultdict(lambda: defaultdict(list))
    ids = [d.id for d in devices]
    for start in range(0, len(ids), 500):
        for link in session.scalars(
            sa.select(NetworkLink)
            .where(
                NetworkLink.device_id.in_(ids[start : start + 500]),
                NetworkLink.interface_name.is_not(None),
                sa.or_(
                    NetworkLink.decommissioned_on.is_(None), NetworkLink.decommissioned_on > day
                ),
            )
            .order_by(NetworkLink.id)
        ).unique():
            assert link.device_id is not None and link.interface_name is not None
            links[link.device_id][link.interface_name].append(link)

    users: dict[str, SimUser] = {}
    playable: dict[int, str | None] = {}  # device id -> community, None for SNMPv3
    for device in devices:
        assert device.credential is not None
        plain = credentials.reveal(box, device.credential)
        if plain.version is SnmpVersion.V3:
            user = _user_of(plain)
            if user is None or users.setdefault(user.name, user) != user:
                continue  # the engine has one user of a name, with one set of keys
            playable[device.id] = None
        elif _community_ok(plain.community):
            playable[device.id] = plain.community
    down = _pick(list(playable), DOWN_SHARE, "down")
    v2c = [i for i, community in playable.items() if community is not None and i not in down]
    wrong = _pick(v2c, WRONG_COMMUNITY_SHARE, "community")

    ok_interfaces = [
        (device_id, name)
        for device_id in playable
        if device_id not in down and device_id not in wrong
        for name in links[device_id]
    ]
    cheap = [
        device_id
        for device_id in playable
        if device_id not in down
        and device_id not in wrong
        and links[device_id]  # a monitored uplink shows the fallbacks at work
        and all(
            port_speed(max(link.down_mbps for link in carried)) <= NARROW_MAX_MBPS
            for carried in links[device_id].values()
        )
    ]
    narrow = _pick(cheap, NARROW_SHARE, "narrow")
    keyed = {_rank("uplink", d, n): (d, n) for d, n in ok_interfaces}
    troubled = sorted(keyed)
    down_count = max(1, round(len(troubled) * INTERFACE_DOWN_SHARE)) if troubled else 0
    slow_count = max(1, round(len(troubled) * SLOW_SHARE)) if len(troubled) > down_count else 0
    fates = {keyed[k]: "down" for k in troubled[:down_count]}
    fates.update({keyed[k]: "slow" for k in troubled[down_count : down_count + slow_count]})

    agents: list[SharedAgent] = []
    for device in devices:
        if device.id not in playable or device.id in down:
            continue
        community = playable[device.id]
        if device.id in wrong:
            community = f"{community}-old"
        interfaces: list[SimInterface] = []
        for name, carried in links[device.id].items():
            fate = fates.get((device.id, name), "ok")
            interfaces.append(
                _uplink_interface(device.id, len(interfaces) + 1, name, carried, fate)
            )
        for name in _ordinary_names(device, set(links[device.id])):
            up = _rank("port", device.id, name) % 4 != 0  # unused ports are down
            port = SimInterface(len(interfaces) + 1, name, oper_status=1 if up else 2)
            interfaces.append(_with_traffic(device.id, port))
        descr, object_id = system_of(device)
        agents.append(
            SharedAgent(
                device.mgmt_address,
                device.snmp_port,
                SimDevice(
                    sys_descr=descr,
                    sys_object_id=object_id,
                    sys_name=device.name,
                    sys_uptime=_rank("uptime", device.id) % (90 * 86_400 * 100),
                    interfaces=tuple(interfaces),
                    clock=True,
                    omit=frozenset({IFX_ENTRY}) if device.id in narrow else frozenset(),
                ),
                community,
            )
        )

    def link_ids(fate: str) -> frozenset[int]:
        return frozenset(
            link.id for key, f in fates.items() if f == fate for link in links[key[0]][key[1]]
        )

    slow_links, down_links = link_ids("slow"), link_ids("down")
    summary = DemoAgentsSummary(
        devices=len(devices),
        ok=len(playable) - len(down) - len(wrong),
        down=len(down),
        wrong_community=len(wrong),
        skipped=len(devices) - len(playable),
        uplinks=sum(len(links[d][n]) for d, n in ok_interfaces),
        slow_uplinks=len(slow_links),
        down_uplinks=len(down_links),
        down_ids=frozenset(down),
        wrong_community_ids=frozenset(wrong),
        slow_link_ids=slow_links,
        down_link_ids=down_links,
        narrow=len(narrow),
        narrow_ids=frozenset(narrow),
    )
    return DemoAgentsPlan(agents, sorted(users.values(), key=lambda u: u.name), summary)


def _inside(address: str, network: ipaddress.IPv4Network) -> bool:
    try:
        return ipaddress.ip_address(address) in network
    except ValueError:
        return False


def start_demo_agents(
    session: Session,
    box: SecretBox,
    workdir: Path,
    timeout: float = 60.0,
    network: ipaddress.IPv4Network = DEMO_NETWORK,
) -> tuple[SharedSnmpSimulator, DemoAgentsSummary]:
    """Start the demo devices' agents in ``workdir`` (kept private: it holds secrets).

    The caller stops the simulator. Raises ValueError if no demo device can be simulated,
    SimulatorError if snmpsim does not start.
    """
    plan = plan_demo_agents(session, box, network=network)
    if not plan.agents:
        raise ValueError("no pollable demo device to simulate")
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    workdir.chmod(0o700)  # recordings are named after communities; the arguments hold v3 keys
    simulator = SharedSnmpSimulator(plan.agents, workdir, plan.users)
    simulator.start(timeout)
    return simulator, plan.summary


__all__ = [
    "DemoAgentsPlan",
    "DemoAgentsSummary",
    "plan_demo_agents",
    "port_speed",
    "slower_speed",
    "start_demo_agents",
    "system_of",
]
