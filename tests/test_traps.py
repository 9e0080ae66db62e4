"""SNMP traps end to end: net-snmp's ``snmptrap`` sends real traps to a running collector.

The collector service runs as ``digicampus collect`` runs it (scheduler, SNMP client, trap
receiver, one event loop) against a real database; the devices are snmpsim agents on
loopback, and each trap leaves from its device's address (``--clientaddr``). Deadlines are
generous: the machine is shared, and what matters is what gets recorded, not how fast.
"""

from __future__ import annotations

import dataclasses
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from datetime import date, datetime
from typing import Any, TypeVar

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from collectors import settings
from collectors.scheduler import BackgroundCollector, CollectorService
from collectors.traps import TrapReceiver
from demo.simulation import SimAgent, SimUser, SnmpSimulator
from demo.snmprec import SimDevice, SimInterface
from demo.udp_agents import loopback_endpoints
from inventory.actor import Actor
from inventory.choices import OutageCause, SnmpAuthProtocol, SnmpPrivProtocol
from inventory.db import make_engine, make_sessionmaker
from inventory.models.base import utcnow
from inventory.models.polling import DeviceState, InterfaceState, Outage
from inventory.secretbox import SecretBox
from inventory.services import credentials, devices, links, schools
from tests.conftest import COUNTY
from tests.snmp_fixtures import require_snmpsim

T = TypeVar("T")
SCHOOL = "2153010020"
COMMUNITY = "trap-ro"
AUTH, PRIV = "trap-auth-key-1", "trap-priv-key-1"
USER = SimUser("trapper", SnmpAuthProtocol.SHA256, AUTH, SnmpPrivProtocol.AES128, PRIV)
UPLINK = SimInterface(1, "GE0/0/1", alias="上联", high_speed=1000)
SWITCH = SimDevice(
    sys_descr="Huawei S5735 core",
    sys_object_id="1.3.6.1.4.1.2011.2.23.601",
    sys_name="core",
    sys_uptime=100_000,
    interfaces=(UPLINK, SimInterface(2, "GE0/0/2", high_speed=1000)),
)
LINK_DOWN, LINK_UP, COLD_START = "1.3.6.1.6.3.1.1.5.3", "1.3.6.1.6.3.1.1.5.4", "1.3.6.1.6.3.1.1.5.1"
ENGINE_ID = "0x80001f8880aabbccdd01"
DEADLINE = 60.0


@dataclasses.dataclass
class Lab:
    v2c: tuple[str, int]
    v3: tuple[str, int]
    stranger: tuple[str, int]
    simulator: SnmpSimulator


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    require_snmpsim()
    ends = loopback_endpoints(3)
    sims = [
        SimAgent(*ends[0], SWITCH, community=COMMUNITY, users=(USER,)),
        SimAgent(*ends[1], SWITCH, community=COMMUNITY, users=(USER,)),
    ]
    simulator = SnmpSimulator(sims, tmp_path_factory.mktemp("traps-snmpsim"))
    try:
        simulator.start()
        yield Lab(ends[0], ends[1], ends[2], simulator)
    finally:
        simulator.stop()


@pytest.fixture
def agent_up(lab: Lab) -> Iterator[None]:
    yield
    lab.simulator.update(0, SWITCH)
    lab.simulator.update(1, SWITCH)


@pytest.fixture
def box() -> SecretBox:
    return SecretBox([SecretBox.generate_key()])


@pytest.fixture
def network(session: Session, lab: Lab, box: SecretBox) -> dict[str, int]:
    actor = Actor.system("tests")
    schools.create_school(
        session,
        actor,
        {"code": SCHOOL, "name": "陷阱小学", "type_code": "211", "region_code": COUNTY},
    )
    v2c = credentials.create_credential(
        session, actor, box, {"name": "v2c", "version": "v2c", "community": COMMUNITY}
    )
    v3 = credentials.create_credential(
        session,
        actor,
        box,
        {
            "name": "v3",
            "version": "v3",
            "username": USER.name,
            "auth_protocol": "sha256",
            "auth_key": AUTH,
            "priv_protocol": "aes128",
            "priv_key": PRIV,
        },
    )
    ids: dict[str, int] = {}
    for name, where, cred in (("v2c", lab.v2c, v2c.id), ("v3", lab.v3, v3.id)):
        device = devices.create_device(
            session,
            actor,
            SCHOOL,
            {
                "name": name,
                "role": "core_switch",
                "mgmt_address": where[0],
                "snmp_port": where[1],
                "credential_id": cred,
            },
        )
        ids[name] = device.id
        link = links.create_link(
            session,
            actor,
            SCHOOL,
            {
                "kind": "metro",
                "medium": "fibre",
                "down_mbps": 1000,
                "up_mbps": 1000,
                "device_id": device.id,
                "interface_name": "GE0/0/1",
                "commissioned_on": date(2024, 1, 1),
            },
        )
        ids[f"{name}_link"] = link.id
    session.commit()
    return ids


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def collector(
    database_url: str, network: dict[str, int], box: SecretBox
) -> Iterator[CollectorService]:
    """A collector service with its own engine, as a collector process has (the scheduler's
    job store disposes of that engine's pool when it stops). Without a pool: on PostgreSQL a
    pooled connection of it was otherwise found unclosed by the garbage collector."""
    own = make_engine(database_url, poolclass=NullPool)
    config = settings.from_config(
        {
            "COLLECTOR_TICK_S": 3600,
            "COLLECTOR_TIMEOUT_S": 1,
            "COLLECTOR_TRAP_HOST": "127.0.0.1",
            "COLLECTOR_TRAP_PORT": free_port(),
        }
    )
    service = CollectorService(own, make_sessionmaker(own), box, config)
    background = BackgroundCollector(service)
    background.start()
    try:
        # The first cycle (due at start) discovers both devices: both uplinks are up.
        wait_for(lambda: service.last_cycle is not None and service.last_cycle.ok == 2)
        yield service
    finally:
        background.stop(wait=120)  # a confirming poll in flight is let finish
        own.dispose()


def wait_for(check: Callable[[], T | None], what: str = "the condition") -> T:
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"{what} never came true within {DEADLINE:g} s")


def receiver(service: CollectorService) -> TrapReceiver:
    assert service.traps is not None and service.traps.address is not None
    return service.traps


def send(
    service: CollectorService, source: str, trap: str, *varbinds: str, v3: list[str] | None = None
) -> datetime:
    """Send one trap from ``source`` with net-snmp's snmptrap; the time it was sent."""
    host, port = receiver(service).address or ("", 0)
    security = v3 if v3 is not None else ["-v2c", "-c", COMMUNITY]
    sent = utcnow()
    subprocess.run(
        ["snmptrap", *security, f"--clientaddr={source}", f"{host}:{port}", "", trap, *varbinds],
        check=True,
        capture_output=True,
        timeout=30,
    )
    return sent


def if_varbinds(index: int, status: int) -> list[str]:
    """ifIndex and ifOperStatus of one interface, as linkDown/linkUp carry them."""
    oper = f"1.3.6.1.2.1.2.2.1.8.{index}"
    return [f"1.3.6.1.2.1.2.2.1.1.{index}", "i", str(index), oper, "i", str(status)]


def v3_args(auth: str = AUTH) -> list[str]:
    return [
        *("-v3", "-u", USER.name, "-l", "authPriv", "-a", "SHA-256", "-A", auth),
        *("-x", "AES", "-X", PRIV, "-e", ENGINE_ID),
    ]


def outages(engine: Engine, link_id: int) -> list[Outage]:
    with make_sessionmaker(engine)() as session:
        found = session.scalars(
            sa.select(Outage).where(
                Outage.link_id == link_id, Outage.cause == OutageCause.INTERFACE_DOWN
            )
        )
        return list(found)


def polled_since(engine: Engine, device_id: int, since: datetime) -> bool:
    with make_sessionmaker(engine)() as session:
        state = session.get(DeviceState, device_id)
        return bool(state and state.last_polled_at and state.last_polled_at >= since)


def test_a_v2c_link_down_trap_is_recorded_at_once_and_the_poll_confirms_it(
    engine: Engine, lab: Lab, network: dict[str, int], collector: CollectorService, agent_up: Any
) -> None:
    down = dataclasses.replace(SWITCH, interfaces=(dataclasses.replace(UPLINK, oper_status=2),))
    lab.simulator.update(0, down)
    sent = send(collector, lab.v2c[0], LINK_DOWN, *if_varbinds(1, 2))
    [outage] = wait_for(lambda: outages(engine, network["v2c_link"]), "the outage")
    assert outage.detail == "linkDown trap"  # written by the trap, not by a poll
    assert outage.started_at >= sent.replace(microsecond=0)
    wait_for(lambda: polled_since(engine, network["v2c"], sent), "the confirming poll")
    [confirmed] = outages(engine, network["v2c_link"])
    assert confirmed.id == outage.id and confirmed.ended_at is None
    with make_sessionmaker(engine)() as session:
        iface = session.scalars(
            sa.select(InterfaceState).where(
                InterfaceState.device_id == network["v2c"], InterfaceState.if_index == 1
            )
        ).one()
        assert iface.oper_up is False
    assert receiver(collector).counts["recorded"] == 1


def test_a_trap_the_device_contradicts_is_corrected_by_the_confirming_poll(
    engine: Engine, lab: Lab, network: dict[str, int], collector: CollectorService
) -> None:
    sent = send(collector, lab.v2c[0], LINK_DOWN, *if_varbinds(1, 2))
    wait_for(lambda: outages(engine, network["v2c_link"]), "the outage")
    [closed] = wait_for(
        lambda: [o for o in outages(engine, network["v2c_link"]) if o.ended_at is not None],
        "the poll ending the outage",
    )
    assert closed.ended_at is not None and closed.ended_at >= sent.replace(microsecond=0)


def test_a_v3_authpriv_link_down_and_up_are_recorded(
    engine: Engine, lab: Lab, network: dict[str, int], collector: CollectorService, agent_up: Any
) -> None:
    down = dataclasses.replace(SWITCH, interfaces=(dataclasses.replace(UPLINK, oper_status=2),))
    lab.simulator.update(1, down)
    send(collector, lab.v3[0], LINK_DOWN, *if_varbinds(1, 2), v3=v3_args())
    [outage] = wait_for(lambda: outages(engine, network["v3_link"]), "the outage")
    assert outage.ended_at is None and outage.detail == "linkDown trap"
    lab.simulator.update(1, SWITCH)
    send(collector, lab.v3[0], LINK_UP, *if_varbinds(1, 1), v3=v3_args())
    wait_for(lambda: outages(engine, network["v3_link"])[0].ended_at, "the outage's end")
    assert receiver(collector).counts["recorded"] == 2


def test_a_cold_start_trap_makes_the_confirming_poll_rediscover(
    engine: Engine, lab: Lab, network: dict[str, int], collector: CollectorService
) -> None:
    sent = send(collector, lab.v2c[0], COLD_START)
    wait_for(lambda: polled_since(engine, network["v2c"], sent), "the confirming poll")
    with make_sessionmaker(engine)() as session:
        state = session.get(DeviceState, network["v2c"])
        assert state is not None and state.discovered_at is not None
        assert state.discovered_at >= sent.replace(microsecond=0)  # rediscovered by that poll


def test_traps_from_unknown_senders_are_counted_and_change_nothing(
    engine: Engine, lab: Lab, network: dict[str, int], collector: CollectorService
) -> None:
    send(collector, lab.stranger[0], LINK_DOWN, *if_varbinds(1, 2))
    wait_for(lambda: receiver(collector).counts["unknown_sender"] == 1, "the count")
    assert outages(engine, network["v2c_link"]) == []
    assert receiver(collector).counts["recorded"] == 0


def test_traps_with_bad_credentials_are_counted_and_the_receiver_goes_on(
    engine: Engine, lab: Lab, network: dict[str, int], collector: CollectorService
) -> None:
    send(collector, lab.v3[0], LINK_DOWN, *if_varbinds(1, 2), v3=v3_args("not-the-auth-key"))
    send(collector, lab.v2c[0], LINK_DOWN, *if_varbinds(1, 2), v3=["-v2c", "-c", "guess"])
    wait_for(lambda: receiver(collector).counts["bad_credentials"] == 2, "the counts")
    assert outages(engine, network["v3_link"]) == []
    # Still listening: a good trap afterwards is recorded.
    send(collector, lab.v3[0], LINK_DOWN, *if_varbinds(1, 2), v3=v3_args())
    wait_for(lambda: outages(engine, network["v3_link"]), "the outage")
