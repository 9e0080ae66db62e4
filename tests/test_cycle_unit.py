"""The poll cycle and the poller against ``FakeSnmpClient``: no agent, no socket, milliseconds.

The cycle's logic (claims, plans, classification, outages, rates, verdicts, target sync) is
shown here with agents scripted in memory; ``test_cycle.py`` and ``test_poller.py`` show the
same against real agents through the real client.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from collectors.client.fake import (
    IF_COLUMNS,
    SYS_UPTIME,
    FakeAgent,
    FakeInterface,
    FakeRequest,
    FakeSnmpClient,
    device_values,
)
from collectors.cycle import Collector, CycleResult, CycleSettings
from collectors.poller import LocalPoller, PollJob, poll_one
from collectors.profiles import load_profile
from collectors.snmp_types import Failure, SnmpCredentials, Target
from inventory.actor import Actor
from inventory.choices import (
    OutageCause,
    PollFailure,
    SnmpAuthProtocol,
    SnmpPrivProtocol,
    SnmpVersion,
)
from inventory.db import make_sessionmaker
from inventory.models import Device
from inventory.models.polling import DeviceState, InterfaceState, LinkVerification, Outage
from inventory.monitoring.observations import DeviceObservation
from inventory.secretbox import SecretBox
from inventory.services import credentials, devices, links, schools
from tests.conftest import COUNTY

SCHOOL = "2153010001"
COMMUNITY = "unit-ro"
AUTH, PRIV = "unit-auth-key-1", "unit-priv-key-1"
USER = SnmpCredentials(
    SnmpVersion.V3,
    username="unit",
    auth_protocol=SnmpAuthProtocol.SHA256,
    auth_key=AUTH,
    priv_protocol=SnmpPrivProtocol.AES128,
    priv_key=PRIV,
)
SETTINGS = CycleSettings(timeout=0.4, retries=1, concurrency=8, batch_size=3)
UPLINK = FakeInterface(1, "GE0/0/1", alias="上联", high_speed=1000, hc_in=10**9)
SPARE = FakeInterface(2, "GE0/0/2", high_speed=1000, oper_status=2)
# Every agent lives on its own loopback address; nothing listens there.
ADDRESSES = {
    name: f"127.0.77.{n}"
    for n, name in enumerate(
        ("core", "slow", "v3", "wrong_community", "wrong_keys", "dead", "garbage", "no_cred"), 1
    )
}


def agents() -> dict[tuple[str, int], FakeAgent]:
    """The scripted network: what answers at each address (the dead device: nothing)."""
    core = device_values(
        "Huawei S5735 core", "1.3.6.1.4.1.2011.2.23.601", interfaces=(UPLINK, SPARE)
    )
    slow = device_values(
        "H3C S5130 gateway",
        "1.3.6.1.4.1.25506.1.1",
        interfaces=(FakeInterface(1, "GE0/0/1", high_speed=100),),
    )
    scripted = {
        "core": FakeAgent(core, community=COMMUNITY),
        "slow": FakeAgent(slow, community=COMMUNITY),
        "v3": FakeAgent(dict(core), community=None, user=USER),
        "wrong_community": FakeAgent(dict(core), community="someone-else"),
        "wrong_keys": FakeAgent(dict(core), community=None, user=USER),
        "garbage": FakeAgent(community=COMMUNITY, failure=Failure.MALFORMED),
    }
    return {(ADDRESSES[name], 161): agent for name, agent in scripted.items()}


def _device(session: Session, actor: Actor, name: str, credential: int | None) -> int:
    data = {"name": name, "role": "core_switch", "mgmt_address": ADDRESSES[name]}
    return devices.create_device(
        session, actor, SCHOOL, {**data, "snmp_port": 161, "credential_id": credential}
    ).id


def _link(session: Session, actor: Actor, device_id: int, interface: str, mbps: int) -> int:
    data = {"kind": "metro", "medium": "fibre", "down_mbps": mbps, "up_mbps": mbps}
    return links.create_link(
        session,
        actor,
        SCHOOL,
        {
            **data,
            "device_id": device_id,
            "interface_name": interface,
            "commissioned_on": date(2024, 1, 1),
        },
    ).id


@pytest.fixture
def box() -> SecretBox:
    return SecretBox([SecretBox.generate_key()])


@pytest.fixture
def network(session: Session, actor: Actor, box: SecretBox) -> dict[str, int]:
    """Devices in the inventory for every outcome of a poll; values are device/link ids."""
    schools.create_school(
        session,
        actor,
        {"code": SCHOOL, "name": "鹿城小学", "type_code": "211", "region_code": COUNTY},
    )

    def cred(name: str, **data: Any) -> int:
        return credentials.create_credential(session, actor, box, {"name": name, **data}).id

    v2c = cred("v2c", version="v2c", community=COMMUNITY)
    v3 = {"version": "v3", "username": "unit", "auth_protocol": "sha256", "auth_key": AUTH}
    v3_ok = cred("v3", **v3, priv_protocol="aes128", priv_key=PRIV)
    v3_wrong = cred(
        "v3-wrong", **{**v3, "auth_key": "not-the-auth-key"}, priv_protocol="aes128", priv_key=PRIV
    )
    ids = {
        name: _device(session, actor, name, credential)
        for name, credential in (
            ("core", v2c),
            ("slow", v2c),
            ("v3", v3_ok),
            ("wrong_community", v2c),
            ("wrong_keys", v3_wrong),
            ("dead", v2c),
            ("garbage", v2c),
            ("no_cred", None),
        )
    }
    ids["uplink"] = _link(session, actor, ids["core"], "GE0/0/1", 1000)
    ids["down_link"] = _link(session, actor, ids["core"], "GE0/0/2", 1000)
    ids["slow_link"] = _link(session, actor, ids["slow"], "GE0/0/1", 1000)
    ids["missing_link"] = _link(session, actor, ids["v3"], "GE9/9/9", 1000)
    ids["dead_link"] = _link(session, actor, ids["dead"], "GE0/0/1", 1000)
    session.commit()
    return ids


def run(
    engine: Engine,
    box: SecretBox,
    scripted: dict[tuple[str, int], FakeAgent],
    cycles: int = 1,
    between: Callable[[int], None] | None = None,
    **kwargs: Any,
) -> tuple[list[CycleResult], FakeSnmpClient]:
    """Run cycles with one collector on one event loop; ``between(n)`` after cycle n."""
    client = FakeSnmpClient(scripted)

    async def main() -> list[CycleResult]:
        collector = Collector(make_sessionmaker(engine), box, client, SETTINGS)
        results = []
        try:
            for n in range(cycles):
                results.append(await collector.run_cycle(**kwargs))
                if between is not None:
                    between(n)
            return results
        finally:
            await collector.close()

    return asyncio.run(main()), client


def test_one_cycle_classifies_every_device_of_a_scripted_network(
    engine: Engine, session: Session, network: dict[str, int], box: SecretBox
) -> None:
    [result], client = run(engine, box, agents())
    assert (result.devices, result.ok, result.down) == (8, 3, 1)
    assert dict(result.failures) == {
        "auth_failure": 2,
        "timeout": 1,
        "malformed": 1,
        "no_credentials": 1,
    }
    states = {s.device_id: s for s in session.scalars(sa.select(DeviceState))}
    failures = {name: states[network[name]].failure for name in ADDRESSES}
    assert failures == {
        "core": None,
        "slow": None,
        "v3": None,
        # Alive (it answers SNMPv3 discovery) but deaf to our community: not down.
        "wrong_community": PollFailure.AUTH_FAILURE,
        "wrong_keys": PollFailure.AUTH_FAILURE,
        "dead": PollFailure.TIMEOUT,
        "garbage": PollFailure.MALFORMED,
        "no_cred": PollFailure.NO_CREDENTIALS,
    }
    assert states[network["wrong_community"]].reachable is True
    assert states[network["dead"]].reachable is False
    assert all(s.lease_owner is None for s in states.values())
    assert client.closed  # the collector released its client


def test_a_discovery_fills_interfaces_vendor_model_outages_and_verdicts(
    engine: Engine, session: Session, network: dict[str, int], box: SecretBox
) -> None:
    run(engine, box, agents())
    interfaces = session.scalars(
        sa.select(InterfaceState).where(InterfaceState.device_id == network["core"])
    ).all()
    assert {(i.if_index, i.name, i.alias, i.oper_up) for i in interfaces} == {
        (1, "GE0/0/1", "上联", True),
        (2, "GE0/0/2", None, False),
    }
    slow = session.get(Device, network["slow"])
    assert slow is not None and (slow.vendor, slow.model) == ("H3C", "S5130")
    outages = {
        (o.device_id, o.link_id, o.cause): o.detail
        for o in session.scalars(sa.select(Outage).where(Outage.ended_at.is_(None)))
    }
    assert set(outages) == {
        (network["dead"], None, OutageCause.UNREACHABLE),
        (network["core"], network["down_link"], OutageCause.INTERFACE_DOWN),
        (network["slow"], network["slow_link"], OutageCause.SPEED_BELOW_CONTRACT),
        (network["v3"], network["missing_link"], OutageCause.INTERFACE_DOWN),
    }
    missing = (network["v3"], network["missing_link"], OutageCause.INTERFACE_DOWN)
    assert outages[missing] == "interface not found"
    verdicts = {v.link_id: v.verified for v in session.scalars(sa.select(LinkVerification))}
    assert verdicts == {
        network["uplink"]: True,
        network["down_link"]: False,
        network["slow_link"]: False,
        network["missing_link"]: False,
        network["dead_link"]: False,
    }


def test_a_second_cycle_polls_only_the_interfaces_that_carry_uplinks(
    engine: Engine, session: Session, network: dict[str, int], box: SecretBox
) -> None:
    _, client = run(engine, box, agents(), cycles=2, force=True, device_ids=[network["slow"]])
    kinds = [r.kind for r in client.requests]
    assert kinds == ["get", "walk", "get"]  # discovery (scalars, walk), then one poll GET
    poll = client.requests[-1]
    assert poll.oids[0] == SYS_UPTIME
    assert all(oid.endswith(".1") for oid in poll.oids[1:])  # ifIndex 1 only


def test_counters_give_exact_rates_by_the_agents_clock_and_survive_a_wrap(
    engine: Engine, session: Session, network: dict[str, int], box: SecretBox
) -> None:
    # One second apart by the agent's clock: 125,000 octets in is 1 Mbit/s; then a 64-bit
    # wrap from 1,000,000 before the end of the range to 2,000,000 is 24 Mbit/s.
    scripted = agents()
    core = scripted[(ADDRESSES["core"], 161)]
    core.values[SYS_UPTIME] = [100_000, 100_100, 100_200]
    core.values[f"{IF_COLUMNS['ifHCInOctets']}.1"] = [
        2**64 - 1_125_000,
        2**64 - 1_000_000,
        2_000_000,
    ]
    rates: list[float | None] = []

    def read_rate(_: int) -> None:
        session.expire_all()
        state = session.get(InterfaceState, (network["core"], 1))
        assert state is not None
        rates.append(state.in_bps)

    run(engine, box, scripted, 3, read_rate, force=True, device_ids=[network["core"]])
    assert rates == [None, 1_000_000, 24_000_000]


def test_an_agent_restart_gives_no_rate_and_a_new_discovery(
    engine: Engine, session: Session, network: dict[str, int], box: SecretBox
) -> None:
    scripted = agents()
    core = scripted[(ADDRESSES["core"], 161)]
    core.values[SYS_UPTIME] = [100_000, 500]
    core.values[f"{IF_COLUMNS['ifHCInOctets']}.1"] = [10**9, 1_000]
    _, client = run(engine, box, scripted, 3, force=True, device_ids=[network["core"]])
    session.expire_all()
    state = session.get(InterfaceState, (network["core"], 1))
    assert state is not None and state.in_bps is None  # no rate across a restart
    # discovery, poll (sees the restart), discovery again
    assert [r.kind for r in client.requests] == ["get", "walk", "get", "get", "walk"]


def test_an_outage_opens_on_a_timeout_and_closes_when_the_device_answers(
    engine: Engine, session: Session, network: dict[str, int], box: SecretBox
) -> None:
    scripted = agents()
    slow = scripted[(ADDRESSES["slow"], 161)]
    slow.fail_next(Failure.TIMEOUT)
    slow.engine = False  # nor does it answer SNMPv3 discovery: it is down
    results, _ = run(engine, box, scripted, 2, force=True, device_ids=[network["slow"]])
    events = [(c.event, c.cause, c.link_id) for r in results for c in r.changes]
    assert events[0] == ("down", OutageCause.UNREACHABLE, None)
    assert ("up", OutageCause.UNREACHABLE, None) in events[1:]
    outage = session.scalars(sa.select(Outage).where(Outage.link_id.is_(None))).one()
    assert outage.ended_at is not None
    assert outage.detail is not None and "0.4 s × 2 tries" in outage.detail


def test_a_late_answer_from_a_live_agent_is_asked_again_not_taken_for_a_wrong_community(
    engine: Engine, session: Session, network: dict[str, int], box: SecretBox
) -> None:
    scripted = agents()
    scripted[(ADDRESSES["core"], 161)].fail_next(Failure.TIMEOUT)
    [result], client = run(engine, box, scripted, device_ids=[network["core"]])
    assert result.ok == 1
    kinds = [r.kind for r in client.requests]
    assert kinds == ["get", "probe", "get", "walk"]


def test_first_contact_probes_beside_the_request_later_only_after_a_timeout(
    engine: Engine, session: Session, network: dict[str, int], box: SecretBox
) -> None:
    # Probing only after a timeout made a dead device cost two timeouts in the first cycle:
    # the first cycle grew with the number of dead devices, the steady one did not.
    jobs: list[list[PollJob]] = []

    class Recording(LocalPoller):
        async def poll(self, job: PollJob) -> DeviceObservation:
            jobs[-1].append(job)
            return await super().poll(job)

    async def main() -> None:
        poller = Recording(FakeSnmpClient(agents()), load_profile(), SETTINGS.concurrency)
        collector = Collector(make_sessionmaker(engine), box, None, SETTINGS, poller=poller)
        try:
            for _ in range(2):
                jobs.append([])
                await collector.run_cycle(force=True)
        finally:
            await collector.close()

    asyncio.run(main())
    first, second = ({j.target.key for j in cycle if j.suspect} for cycle in jobs)
    assert first == {j.target.key for j in jobs[0]}  # none has answered yet
    # Then only those that timed out or never answered: not the three that did.
    answered = {network[n] for n in ("core", "slow", "v3")}
    assert second == {j.target.key for j in jobs[1]} - answered and network["dead"] in second
    assert all(j.discover for j in jobs[0])


def test_devices_no_longer_pollable_are_unregistered_from_the_client(
    engine: Engine, session: Session, actor: Actor, network: dict[str, int], box: SecretBox
) -> None:
    devices.update_device(session, actor, network["slow"], {"polling_enabled": False})
    session.commit()
    [result], client = run(engine, box, agents())
    assert result.devices == 7
    registered = client.keys()
    assert network["slow"] not in registered and network["core"] in registered


def _job(agent: FakeAgent, **kwargs: Any) -> tuple[FakeSnmpClient, PollJob]:
    client = FakeSnmpClient({("127.0.77.100", 161): agent})
    creds = SnmpCredentials(SnmpVersion.V2C, community=COMMUNITY)
    return client, PollJob(Target(1, "127.0.77.100", credentials=creds), **kwargs)


def test_a_device_without_if_x_table_is_read_by_its_32_bit_columns() -> None:
    plain = FakeInterface(3, None, descr="eth0", speed=100_000_000, in_octets=5, out_octets=7)
    client, job = _job(
        FakeAgent(device_values(interfaces=(plain,)), community=COMMUNITY), discover=True
    )

    async def poll() -> Any:
        await client.register([job.target])
        return await poll_one(client, load_profile(), job)

    observation = asyncio.run(poll())
    assert observation.failure is None
    [reading] = observation.interfaces
    assert (reading.if_index, reading.name, reading.descr, reading.speed_mbps) == (
        3,
        None,
        "eth0",
        100,
    )
    assert (reading.in_octets, reading.out_octets, reading.counter_bits) == (5, 7, 32)
    assert set(reading.lacking) == {"ifHighSpeed", "ifHCInOctets", "ifHCOutOctets"}


def test_the_fake_keeps_the_clients_contract() -> None:
    wrong = SnmpCredentials(SnmpVersion.V2C, community="wrong")
    agent = FakeAgent({SYS_UPTIME: 5}, community=COMMUNITY)
    client, job = _job(agent)

    async def body() -> None:
        with pytest.raises(KeyError):
            await client.get(1, [SYS_UPTIME])  # not registered
        result = await client.register([job.target, Target(2, "127.0.77.100", credentials=wrong)])
        assert (result.added, result.unchanged) == (2, 0)
        assert (await client.register([job.target])).unchanged == 1
        with pytest.raises(ValueError, match="given twice"):
            await client.register([job.target, job.target])
        ok = await client.get(1, ["." + SYS_UPTIME, "1.3.6.1.2.1.1.99.0"])
        assert ok.ok and ok.values == {SYS_UPTIME: 5, "1.3.6.1.2.1.1.99.0": None}
        deaf = await client.get(2, [SYS_UPTIME])
        assert (deaf.ok, deaf.failure) == (False, Failure.TIMEOUT)
        assert "wrong" not in (deaf.detail or "")
        assert await client.probe_v3_engine(2) is True
        await client.register([Target(3, "127.0.77.100")])
        assert (await client.get(3, [SYS_UPTIME])).failure is Failure.NO_CREDENTIALS
        assert client.unregister([2, 3, 4]) == 2 and client.keys() == {1}
        await client.close()
        with pytest.raises(RuntimeError):
            await client.get(1, [SYS_UPTIME])

    asyncio.run(body())
    assert client.requests[0] == FakeRequest("get", 1, (SYS_UPTIME, "1.3.6.1.2.1.1.99.0"))
