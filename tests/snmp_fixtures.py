"""Simulated SNMP agents on loopback for the collectors' tests (one snmpsim for the session).

Import the fixtures into a test module: ``from tests.snmp_fixtures import lab_fixture`` makes
the ``lab`` fixture available there (``mutable_device_fixture`` likewise). The lab
holds real agents answering SNMPv1/v2c/v3, a device that never answers, a garbage answerer
and an endpoint where nothing listens; every process and socket is stopped at the end.
"""

from __future__ import annotations

import asyncio
import dataclasses
import importlib.util
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import pytest

from collectors.client import PysnmpClient
from collectors.snmp_types import SnmpCredentials, Target
from demo.simulation import SimAgent, SimUser, SnmpSimulator
from demo.snmprec import SimDevice, SimInterface
from demo.udp_agents import UdpAgents, loopback_endpoints
from inventory.choices import SnmpAuthProtocol, SnmpPrivProtocol, SnmpVersion

T = TypeVar("T")

COMMUNITY = "campus-ro"
# Secrets distinctive enough to be searched for in logs and reprs.
AUTH_KEY = "auth-Secret-7f3a"
PRIV_KEY = "priv-Secret-91c2"
OTHER_AUTH_KEY = "auth-Other-55e1"
OTHER_PRIV_KEY = "priv-Other-2b7d"

# (user name, auth protocol, privacy protocol) of each SNMPv3 user of the main agent.
V3_USERS = (
    ("nopriv-sha", SnmpAuthProtocol.SHA, SnmpPrivProtocol.NONE),
    ("nopriv-sha256", SnmpAuthProtocol.SHA256, SnmpPrivProtocol.NONE),
    ("sha-aes128", SnmpAuthProtocol.SHA, SnmpPrivProtocol.AES128),
    ("sha-aes256", SnmpAuthProtocol.SHA, SnmpPrivProtocol.AES256),
    ("sha256-aes128", SnmpAuthProtocol.SHA256, SnmpPrivProtocol.AES128),
    ("sha512-aes256", SnmpAuthProtocol.SHA512, SnmpPrivProtocol.AES256),
    ("campus", SnmpAuthProtocol.SHA256, SnmpPrivProtocol.AES128),
)

SWITCH = SimDevice(
    sys_descr="Huawei S5735-L24T4S-A 汇聚交换机, V200R022",
    sys_object_id="1.3.6.1.4.1.2011.2.23.601",
    sys_name="chuxiong-no1-core",
    sys_uptime=8_640_000,
    interfaces=(
        SimInterface(
            1,
            "GE0/0/1",
            alias="上联 电信",
            high_speed=1000,
            in_octets=2**64 - 1000,
            out_octets=123_456_789,
            in_errors=3,
            out_errors=0,
        ),
        SimInterface(2, "GE0/0/2", alias="教学楼", high_speed=100, oper_status=2),
        SimInterface(3, "GE0/0/3", high_speed=1000, admin_status=2, oper_status=2),
        SimInterface(
            4,
            "XGE0/0/1",
            descr="Ten-GigabitEthernet0/0/1",
            high_speed=10_000,
            in_octets=5,
            out_octets=7,
            if_type=6,
        ),
    ),
    # This device has no ifAlias for interface 3, and no ifHighSpeed at all for interface 4.
    omit=frozenset({"1.3.6.1.2.1.31.1.1.1.18.3", "1.3.6.1.2.1.31.1.1.1.15.4"}),
)
MUTABLE = SimDevice(
    sys_descr="H3C S5130",
    sys_name="mutable",
    sys_uptime=100,
    interfaces=(SimInterface(1, "GE1/0/1", in_octets=2**64 - 10, out_octets=50),),
)


@dataclass
class Lab:
    """Where the simulated agents answer, and the simulator to change their data."""

    simulator: SnmpSimulator
    switch: tuple[str, int]  # SWITCH: v1/v2c COMMUNITY, v3 V3_USERS with AUTH_KEY/PRIV_KEY
    other: tuple[str, int]  # SWITCH: user "campus" with OTHER_AUTH_KEY/OTHER_PRIV_KEY
    mutable: tuple[str, int]  # MUTABLE (agent index 2): tests may rewrite its data
    dead: tuple[str, int]  # reads and drops every request
    garbage: tuple[str, int]  # answers random bytes
    closed: tuple[str, int]  # nothing listens: the kernel answers ICMP port unreachable

    def update_mutable(self, device: SimDevice) -> None:
        self.simulator.update(2, device)


def v3_credentials(
    user: str,
    auth: SnmpAuthProtocol,
    priv: SnmpPrivProtocol,
    auth_key: str = AUTH_KEY,
    priv_key: str = PRIV_KEY,
) -> SnmpCredentials:
    return SnmpCredentials(
        SnmpVersion.V3,
        username=user,
        auth_protocol=auth,
        auth_key=auth_key,
        priv_protocol=priv,
        priv_key=None if priv is SnmpPrivProtocol.NONE else priv_key,
    )


def community(name: str = COMMUNITY, version: SnmpVersion = SnmpVersion.V2C) -> SnmpCredentials:
    return SnmpCredentials(version, community=name)


def target(
    key: int,
    endpoint: tuple[str, int],
    credentials: SnmpCredentials | None,
    timeout: float = 1.0,
    retries: int = 1,
) -> Target:
    return Target(key, endpoint[0], endpoint[1], credentials, timeout=timeout, retries=retries)


def with_client(body: Callable[[PysnmpClient], Awaitable[T]]) -> T:
    """Run ``body`` with a fresh client on a fresh event loop (one per test), then close it."""

    async def main() -> T:
        client = PysnmpClient()
        try:
            return await body(client)
        finally:
            await client.close()

    return asyncio.run(main())


def require_snmpsim() -> None:
    missing = [m for m in ("snmpsim", "pysmi") if importlib.util.find_spec(m) is None]
    if missing:
        pytest.skip(f"{' and '.join(missing)} not installed (pip install -e '.[test]')")


@pytest.fixture(scope="session", name="lab")
def lab_fixture(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    require_snmpsim()
    endpoints = loopback_endpoints(6)
    users = tuple(
        SimUser(name, auth, AUTH_KEY, priv, None if priv is SnmpPrivProtocol.NONE else PRIV_KEY)
        for name, auth, priv in V3_USERS
    )
    other_user = SimUser(
        "campus", SnmpAuthProtocol.SHA256, OTHER_AUTH_KEY, SnmpPrivProtocol.AES128, OTHER_PRIV_KEY
    )
    agents = [
        SimAgent(*endpoints[0], SWITCH, community=COMMUNITY, users=users),
        SimAgent(*endpoints[1], SWITCH, community=COMMUNITY, users=(other_user,)),
        SimAgent(*endpoints[2], MUTABLE, community=COMMUNITY, users=users),
    ]
    workdir: Path = tmp_path_factory.mktemp("snmpsim")
    simulator = SnmpSimulator(agents, workdir)
    dead = UdpAgents([endpoints[3]], mode="drop")
    garbage = UdpAgents([endpoints[4]], mode="garbage", seed=7)
    try:
        simulator.start()
        dead.start()
        garbage.start()
        yield Lab(
            simulator,
            switch=endpoints[0],
            other=endpoints[1],
            mutable=endpoints[2],
            dead=endpoints[3],
            garbage=endpoints[4],
            closed=endpoints[5],
        )
    finally:
        garbage.stop()
        dead.stop()
        simulator.stop()


@pytest.fixture(name="mutable_device")
def mutable_device_fixture(lab: Lab) -> Iterator[SimDevice]:
    """The mutable agent's device, restored after the test."""
    yield MUTABLE
    lab.update_mutable(dataclasses.replace(MUTABLE))
