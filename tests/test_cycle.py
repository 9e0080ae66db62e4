"""The poll cycle end to end: inventory in a real database, real agents on loopback.

Every device of the fixture network fails (or succeeds) in its own way; one cycle must poll
them all, record each failure class, open the right outages, fill discovery fields and write
the uplinks' verdicts. Later cycles show counter wrap, agent restart, schedules and webhooks.
"""

from __future__ import annotations

import asyncio
import dataclasses
import http.server
import json
import logging
import threading
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any, ClassVar

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from collectors.client import PysnmpClient
from collectors.cycle import Collector, CycleResult, CycleSettings
from collectors.webhooks import WebhookNotifier
from demo.simulation import SimAgent, SimUser, SnmpSimulator
from demo.snmprec import SimDevice, SimInterface
from demo.udp_agents import UdpAgents, loopback_endpoints
from inventory.actor import Actor
from inventory.choices import OutageCause, PollFailure, SnmpAuthProtocol, SnmpPrivProtocol
from inventory.db import make_sessionmaker
from inventory.models import Device
from inventory.models.base import utcnow
from inventory.models.polling import (
    DeviceState,
    InterfaceState,
    LinkVerification,
    Outage,
    PollCycle,
)
from inventory.secretbox import SecretBox
from inventory.services import credentials, devices, links, schools
from inventory.services.polling import StateChange
from tests.conftest import COUNTY
from tests.snmp_fixtures import require_snmpsim

COMMUNITY = "cycle-ro"
AUTH, PRIV = "cycle-auth-key-1", "cycle-priv-key-1"
SCHOOL = "2153010001"
UPLINK = SimInterface(1, "GE0/0/1", alias="上联", high_speed=1000, in_octets=10**9)
CORE = SimDevice(
    sys_descr="Huawei S5735 core",
    sys_object_id="1.3.6.1.4.1.2011.2.23.601",
    sys_name="core",
    sys_uptime=100_000,
    interfaces=(UPLINK, SimInterface(2, "GE0/0/2", high_speed=1000, oper_status=2)),
)
SLOW = dataclasses.replace(
    CORE,
    sys_descr="H3C S5130 gateway",
    sys_object_id="1.3.6.1.4.1.25506.1.1",
    interfaces=(dataclasses.replace(UPLINK, high_speed=100),),
)
MUTABLE = SimDevice(
    sys_descr="Ruijie RG-S2910",
    sys_object_id="1.3.6.1.4.1.4881.1.1",
    sys_uptime=50_000,
    interfaces=(dataclasses.replace(UPLINK, in_octets=2**64 - 1_000_000, out_octets=0),),
)
USER = SimUser("cycle", SnmpAuthProtocol.SHA256, AUTH, SnmpPrivProtocol.AES128, PRIV)
FAST = CycleSettings(timeout=0.4, retries=1, concurrency=8, batch_size=3)


@dataclasses.dataclass
class Agents:
    core: tuple[str, int]
    slow: tuple[str, int]
    mutable: tuple[str, int]
    v3: tuple[str, int]
    wrong_community: tuple[str, int]
    wrong_keys: tuple[str, int]
    dead: tuple[str, int]
    garbage: tuple[str, int]
    simulator: SnmpSimulator


@pytest.fixture(scope="module")
def agents(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Agents]:
    require_snmpsim()
    ends = loopback_endpoints(8)
    sims = [
        SimAgent(*ends[0], CORE, community=COMMUNITY, users=(USER,)),
        SimAgent(*ends[1], SLOW, community=COMMUNITY, users=(USER,)),
        SimAgent(*ends[2], MUTABLE, community=COMMUNITY, users=(USER,)),
        SimAgent(*ends[3], CORE, community=COMMUNITY, users=(USER,)),
        SimAgent(*ends[4], CORE, community="someone-else", users=(USER,)),
        SimAgent(*ends[5], CORE, community=COMMUNITY, users=(USER,)),
    ]
    simulator = SnmpSimulator(sims, tmp_path_factory.mktemp("cycle-snmpsim"))
    dead = UdpAgents([ends[6]], mode="drop")
    garbage = UdpAgents([ends[7]], mode="garbage", seed=3)
    try:
        simulator.start()
        dead.start()
        garbage.start()
        yield Agents(*ends, simulator=simulator)  # type: ignore[arg-type]
    finally:
        garbage.stop()
        dead.stop()
        simulator.stop()


@pytest.fixture
def mutable(agents: Agents) -> Iterator[SimDevice]:
    yield MUTABLE
    agents.simulator.update(2, MUTABLE)


@pytest.fixture
def box() -> SecretBox:
    return SecretBox([SecretBox.generate_key()])


def _device(
    session: Session, actor: Actor, name: str, where: tuple[str, int], credential: int | None
) -> int:
    device = devices.create_device(
        session,
        actor,
        SCHOOL,
        {
            "name": name,
            "role": "core_switch",
            "mgmt_address": where[0],
            "snmp_port": where[1],
            "credential_id": credential,
        },
    )
    return device.id


def _link(session: Session, actor: Actor, device_id: int, interface: str, mbps: int) -> int:
    link = links.create_link(
        session,
        actor,
        SCHOOL,
        {
            "kind": "metro",
            "medium": "fibre",
            "down_mbps": mbps,
            "up_mbps": mbps,
            "device_id": device_id,
            "interface_name": interface,
            "commissioned_on": date(2024, 1, 1),
        },
    )
    return link.id


@pytest.fixture
def network(session: Session, actor: Actor, agents: Agents, box: SecretBox) -> dict[str, int]:
    """A school whose devices cover every outcome of a poll; values are device/link ids."""
    schools.create_school(
        session,
        actor,
        {"code": SCHOOL, "name": "鹿城小学", "type_code": "211", "region_code": COUNTY},
    )

    def cred(name: str, **data: Any) -> int:
        return credentials.create_credential(session, actor, box, {"name": name, **data}).id

    v2c = cred("v2c", version="v2c", community=COMMUNITY)
    wrong = cred("v2c-wrong", version="v2c", community="not-the-community")
    v3 = cred(
        "v3",
        version="v3",
        username="cycle",
        auth_protocol="sha256",
        auth_key=AUTH,
        priv_protocol="aes128",
        priv_key=PRIV,
    )
    v3_wrong = cred(
        "v3-wrong",
        version="v3",
        username="cycle",
        auth_protocol="sha256",
        auth_key="not-the-auth-key",
        priv_protocol="aes128",
        priv_key=PRIV,
    )
    ids = {
        "core": _device(session, actor, "core", agents.core, v2c),
        "slow": _device(session, actor, "slow", agents.slow, v2c),
        "mutable": _device(session, actor, "mutable", agents.mutable, v2c),
        "v3": _device(session, actor, "v3", agents.v3, v3),
        "wrong_community": _device(session, actor, "wc", agents.wrong_community, wrong),
        "wrong_keys": _device(session, actor, "wk", agents.wrong_keys, v3_wrong),
        "dead": _device(session, actor, "dead", agents.dead, v2c),
        "garbage": _device(session, actor, "garbage", agents.garbage, v2c),
        "no_credential": _device(session, actor, "nocred", ("127.0.0.1", 9), None),
    }
    ids["uplink"] = _link(session, actor, ids["core"], "GE0/0/1", 1000)
    ids["down_link"] = _link(session, actor, ids["core"], "GE0/0/2", 1000)
    ids["slow_link"] = _link(session, actor, ids["slow"], "GE0/0/1", 1000)
    ids["missing_link"] = _link(session, actor, ids["v3"], "GE9/9/9", 1000)
    ids["dead_link"] = _link(session, actor, ids["dead"], "GE0/0/1", 1000)
    ids["mutable_link"] = _link(session, actor, ids["mutable"], "GE0/0/1", 1000)
    session.commit()
    return ids


def run(
    engine: Engine,
    box: SecretBox,
    settings: CycleSettings = FAST,
    cycles: int = 1,
    **kwargs: Any,
) -> list[CycleResult]:
    """Run cycles with one collector on one event loop, as a collector process does."""

    async def main() -> list[CycleResult]:
        collector = Collector(make_sessionmaker(engine), box, PysnmpClient(), settings)
        try:
            return [await collector.run_cycle(**kwargs) for _ in range(cycles)]
        finally:
            await collector.close()

    return asyncio.run(main())


def test_one_cycle_polls_every_device_and_classifies_each(
    engine: Engine, session: Session, network: dict[str, int], box: SecretBox
) -> None:
    [result] = run(engine, box)
    assert result.devices == 9
    assert result.ok == 4  # core, slow, mutable, v3
    assert dict(result.failures) == {
        "auth_failure": 2,
        "timeout": 1,
        "malformed": 1,
        "no_credentials": 1,
    }
    assert result.down == 1
    states = {s.device_id: s for s in session.scalars(sa.select(DeviceState))}
    failure = {name: states[network[name]].failure for name in ("wrong_community", "wrong_keys")}
    assert failure == {
        "wrong_community": PollFailure.AUTH_FAILURE,
        "wrong_keys": PollFailure.AUTH_FAILURE,
    }
    # Auth failure is not "down": the device answers, we cannot read it.
    assert states[network["wrong_community"]].reachable is True
    assert states[network["dead"]].reachable is False
    assert states[network["dead"]].failure is PollFailure.TIMEOUT
    assert states[network["garbage"]].failure is PollFailure.MALFORMED
    assert states[network["no_credential"]].failure is PollFailure.NO_CREDENTIALS
    core = states[network["core"]]
    assert core.reachable and core.failure is None and core.sys_uptime_ticks == 100_000
    assert core.response_ms is not None and core.discovered_at is not None
    assert all(s.lease_owner is None for s in states.values())

    interfaces = session.scalars(
        sa.select(InterfaceState).where(InterfaceState.device_id == network["core"])
    ).all()
    assert {(i.if_index, i.name, i.oper_up) for i in interfaces} == {
        (1, "GE0/0/1", True),
        (2, "GE0/0/2", False),
    }
    found = session.get(Device, network["slow"])
    assert found is not None
    assert (found.vendor, found.model, found.sys_descr) == ("H3C", "S5130", "H3C S5130 gateway")

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
    assert outages[(network["v3"], network["missing_link"], OutageCause.INTERFACE_DOWN)] == (
        "interface not found"
    )

    verdicts = {v.link_id: v for v in session.scalars(sa.select(LinkVerification))}
    assert verdicts[network["uplink"]].verified is True
    assert verdicts[network["uplink"]].measured_mbps == 1000
    assert verdicts[network["slow_link"]].verified is False
    assert verdicts[network["slow_link"]].measured_mbps == 100
    assert verdicts[network["down_link"]].verified is False
    assert verdicts[network["missing_link"]].verified is False
    missing = verdicts[network["missing_link"]]
    assert [r["code"] for r in missing.reasons] == ["interface_missing", "unavailable"]
    dead = verdicts[network["dead_link"]]
    assert dead.verified is False and dead.oper_up is False  # its device never answered
    assert dead.last_polled_at == states[network["dead"]].last_polled_at
    assert [r["code"] for r in dead.reasons] == ["poll_failed", "unavailable"]

    cycle = session.scalars(sa.select(PollCycle)).one()
    assert (cycle.devices, cycle.ok, cycle.failures["timeout"]) == (9, 4, 1)
    assert cycle.finished_at is not None and cycle.seconds is not None
    assert result.line().startswith("9 devices in ")
    assert "ok 4, down 1 (timeout 1, unreachable 0), auth failure 2" in result.line()


def test_nothing_is_due_right_after_a_cycle_unless_forced(
    engine: Engine, session: Session, network: dict[str, int], box: SecretBox
) -> None:
    first, second = run(engine, box, cycles=2)
    assert first.devices == 9 and second.devices == 0
    state = session.get(DeviceState, network["core"])
    assert state is not None and state.last_polled_at is not None
    polled, discovered = state.last_polled_at, state.discovered_at
    [forced] = run(engine, box, force=True)
    assert forced.devices == 9
    session.expire_all()
    assert state.last_polled_at is not None and state.last_polled_at > polled
    assert state.discovered_at == discovered  # a poll, not a new discovery
    # A poll reads no interface names: uplinks are still matched by the discovered ones.
    verdict = session.get(LinkVerification, network["uplink"])
    assert verdict is not None and verdict.verified is True
    not_found = session.scalars(sa.select(Outage).where(Outage.detail == "interface not found"))
    assert [o.link_id for o in not_found] == [network["missing_link"]]
    [one] = run(engine, box, force=True, device_ids=[network["core"]])
    assert one.devices == 1
    [school] = run(engine, box, force=True, school_code=SCHOOL)
    assert school.devices == 9


def test_counter_wrap_and_agent_restart(
    engine: Engine,
    session: Session,
    network: dict[str, int],
    box: SecretBox,
    agents: Agents,
    mutable: SimDevice,
) -> None:
    device = network["mutable"]
    run(engine, box, force=True, device_ids=[device])
    # 30 s later by the agent's clock the 64-bit counter has wrapped: 1,000,000 octets to the
    # end of the range, then 2,000,000 more.
    wrapped = dataclasses.replace(
        mutable,
        sys_uptime=mutable.sys_uptime + 3000,
        interfaces=(dataclasses.replace(mutable.interfaces[0], in_octets=2_000_000),),
    )
    agents.simulator.update(2, wrapped)
    run(engine, box, force=True, device_ids=[device])
    session.expire_all()
    state = session.get(InterfaceState, (device, 1))
    assert state is not None and state.in_bps is not None
    assert 0 < state.in_bps < 1000 * 10**6  # a wrap, not an absurd or negative rate
    # The agent restarts: uptime and counters start again from (almost) zero.
    restarted = dataclasses.replace(
        mutable,
        sys_uptime=500,
        interfaces=(dataclasses.replace(mutable.interfaces[0], in_octets=1_000),),
    )
    agents.simulator.update(2, restarted)
    run(engine, box, force=True, device_ids=[device])
    session.expire_all()
    state = session.get(InterfaceState, (device, 1))
    assert state is not None and state.in_bps is None  # no rate across a restart
    device_state = session.get(DeviceState, device)
    assert device_state is not None and device_state.discovered_at is None  # walk again next


def test_per_device_interval(
    engine: Engine, session: Session, network: dict[str, int], box: SecretBox, actor: Actor
) -> None:
    devices.update_device(session, actor, network["core"], {"poll_interval_s": 3600})
    session.commit()
    run(engine, box)
    session.expire_all()
    core = session.get(DeviceState, network["core"])
    slow = session.get(DeviceState, network["slow"])
    assert core is not None and slow is not None
    assert core.next_poll_at is not None and core.last_polled_at is not None
    assert core.next_poll_at - core.last_polled_at == timedelta(hours=1)
    assert slow.next_poll_at is not None and slow.last_polled_at is not None
    assert slow.next_poll_at - slow.last_polled_at == timedelta(minutes=5)


def test_a_credential_that_does_not_decrypt_is_recorded_not_fatal(
    engine: Engine, network: dict[str, int], session: Session
) -> None:
    other_keys = SecretBox([SecretBox.generate_key()])
    [result] = run(engine, other_keys)
    assert result.devices == 9
    assert result.failures["no_credentials"] == 9
    state = session.get(DeviceState, network["core"])
    assert state is not None
    assert state.detail == "credential 'v2c' does not decrypt with the keys"


class _Receiver(http.server.BaseHTTPRequestHandler):
    bodies: ClassVar[list[Any]] = []
    fail_first: ClassVar[int] = 0

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if type(self).fail_first > 0:
            type(self).fail_first -= 1
            self.send_response(503)
        else:
            type(self).bodies.append(json.loads(body))
            self.send_response(204)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[tuple[str, type[_Receiver]]]:
    handler = type("Receiver", (_Receiver,), {"bodies": [], "fail_first": 1})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook?token=s3cret", handler
    finally:
        server.shutdown()
        server.server_close()


def test_state_changes_call_the_webhook_with_retries(
    engine: Engine,
    network: dict[str, int],
    box: SecretBox,
    receiver: tuple[str, type[_Receiver]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    url, handler = receiver
    notifier = WebhookNotifier(url, backoff=1.0)
    notifier_pause = 0.05

    async def main() -> CycleResult:
        collector = Collector(make_sessionmaker(engine), box, PysnmpClient(), FAST, notify=notifier)
        try:
            return await collector.run_cycle()
        finally:
            await collector.close()

    result = asyncio.run(main())
    notifier.close(wait=5 + notifier_pause)
    assert notifier.delivered == 1 and notifier.dropped == 0  # after one 503
    [body] = handler.bodies
    events = {(c["event"], c["cause"], c["device_id"], c["link_id"]) for c in body["changes"]}
    assert ("down", "unreachable", network["dead"], None) in events
    assert ("down", "interface_down", network["core"], network["down_link"]) in events
    assert len(events) == len(result.changes) == 4
    assert "s3cret" not in caplog.text


def test_a_dead_webhook_never_blocks_the_cycle(caplog: pytest.LogCaptureFixture) -> None:
    notifier = WebhookNotifier("http://127.0.0.1:9/hook?token=s3cret", retries=1, backoff=1.0)
    change = StateChange("down", OutageCause.UNREACHABLE, 1, None, utcnow())
    for _ in range(3):
        notifier([change])  # returns at once whatever the receiver does
    notifier.close(wait=10)
    assert notifier.dropped == 3 and notifier.delivered == 0
    assert "webhook to 127.0.0.1 failed 2 times" in caplog.text
    assert "s3cret" not in caplog.text


def test_a_webhook_url_must_be_http() -> None:
    with pytest.raises(ValueError, match="http"):
        WebhookNotifier("file:///etc/passwd")


def test_settings_are_checked() -> None:
    with pytest.raises(ValueError, match="lease"):
        CycleSettings(lease=timedelta(seconds=1))
    with pytest.raises(ValueError, match="concurrency"):
        CycleSettings(concurrency=0)


def test_cycle_results_add_up(tmp_path: Path) -> None:
    result = CycleResult(devices=3, ok=1)
    result.failures.update({"timeout": 1, "auth_failure": 1})
    assert result.down == 1
    assert "ok 1, down 1 (timeout 1, unreachable 0), auth failure 1" in result.line()


def test_no_secret_reaches_a_log_line(
    engine: Engine,
    network: dict[str, int],
    box: SecretBox,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    [result] = run(engine, box)
    assert result.devices == 9
    # The client logged each failure with its detail, where a careless message would quote
    # the community or a key.
    failures = [r for r in caplog.records if r.name == "collectors.client" and r.args]
    assert len(failures) >= 4
    text = caplog.text + repr([r.__dict__ for r in caplog.records])
    for secret in (COMMUNITY, AUTH, PRIV, "not-the-community", "not-the-auth-key"):
        assert secret not in text
