"""The demo polls live: one snmpsim engine answers every demo device from its own recording.

First the per-endpoint simulator on its own (a community answers only where it belongs, v3
only where there is v3 data, counters move), then a small demo inventory in the real database
with its agents started and one real poll cycle: each fate the agents simulated is what the
collector records.
"""

from __future__ import annotations

import asyncio
import ipaddress
import random
import re
import socket
import stat
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

import api.commands_collect
import api.commands_web
from collectors import ber
from collectors.client import PysnmpClient
from collectors.cycle import Collector, CycleResult, CycleSettings
from collectors.snmp_types import PollReply, SnmpCredentials, Target
from demo import inventory as demo
from demo.agents import (
    plan_demo_agents,
    port_speed,
    slower_speed,
    start_demo_agents,
)
from demo.shared_simulation import SharedAgent, SharedSnmpSimulator
from demo.simulation import SimUser
from demo.snmprec import SYS_UPTIME, SimDevice, SimInterface
from demo.udp_agents import loopback_endpoints
from inventory.actor import Actor
from inventory.choices import (
    OutageCause,
    PollFailure,
    SnmpAuthProtocol,
    SnmpPrivProtocol,
    SnmpVersion,
)
from inventory.db import make_sessionmaker
from inventory.models import Device, NetworkLink, SnmpCredential
from inventory.models.polling import DeviceState, InterfaceState, LinkVerification, Outage
from inventory.secretbox import SecretBox
from inventory.services import credentials
from tests.conftest import FERNET_KEY
from tests.snmp_fixtures import require_snmpsim
from web import create_app

SYS_DESCR = "1.3.6.1.2.1.1.1.0"
IN_OCTETS = "1.3.6.1.2.1.31.1.1.1.6.1"
AUTH, PRIV = "shared-auth-Secret-1", "shared-priv-Secret-2"
USER = SimUser("shared", SnmpAuthProtocol.SHA256, AUTH, SnmpPrivProtocol.AES128, PRIV)


def device(descr: str) -> SimDevice:
    port = SimInterface(1, "GE0/0/1", in_octets=1000, in_rate=125_000)
    return SimDevice(sys_descr=descr, sys_uptime=500, interfaces=(port,), clock=True)


def v2c_answer(endpoint: tuple[str, int], community: str) -> bytes | None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(0.4)
        sock.sendto(ber.v2c_get(community.encode(), 1, (SYS_DESCR,)), endpoint)
        try:
            return sock.recvfrom(65535)[0]
        except TimeoutError:
            return None


def v3_get(endpoint: tuple[str, int], *oids: str) -> PollReply:
    credentials = SnmpCredentials(
        SnmpVersion.V3,
        username=USER.name,
        auth_protocol=USER.auth_protocol,
        auth_key=AUTH,
        priv_protocol=USER.priv_protocol,
        priv_key=PRIV,
    )

    async def main() -> PollReply:
        client = PysnmpClient()
        try:
            await client.register([Target(1, *endpoint, credentials, timeout=0.5, retries=0)])
            return await client.get(1, list(oids))
        finally:
            await client.close()

    return asyncio.run(main())


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SharedSnmpSimulator]:
    require_snmpsim()
    ends = loopback_endpoints(3)
    agents = [
        SharedAgent(*ends[0], device("device-A"), "alpha"),
        SharedAgent(*ends[1], device("device-B"), "beta"),
        SharedAgent(*ends[2], device("device-C"), None),
    ]
    with SharedSnmpSimulator(agents, tmp_path_factory.mktemp("shared"), [USER]) as simulator:
        yield simulator


def test_each_endpoint_answers_its_own_community_only(shared: SharedSnmpSimulator) -> None:
    a, b, c = (agent.endpoint for agent in shared.agents)
    assert b"device-A" in (v2c_answer(a, "alpha") or b"")
    assert b"device-B" in (v2c_answer(b, "beta") or b"")
    # a community of the engine, on an endpoint that does not have it: no answer at all
    assert v2c_answer(a, "beta") is None
    assert v2c_answer(b, "alpha") is None
    assert v2c_answer(c, "alpha") is None
    # nor to a community nobody has, nor to the recording paths snmpsim would have made
    # communities of, nor to snmpsim's index
    for community in ("public", "alpha/0", "0", "2", "index"):
        assert v2c_answer(a, community) is None, community
        assert v2c_answer(c, community) is None, community


def test_v3_answers_only_where_there_is_v3_data(shared: SharedSnmpSimulator) -> None:
    a, _, c = (agent.endpoint for agent in shared.agents)
    reply = v3_get(c, SYS_DESCR)
    assert reply.ok, reply.detail
    assert reply.values[SYS_DESCR] == "device-C"
    missing = v3_get(a, SYS_DESCR)  # the engine answers discovery, but has no v3 data here
    assert not missing.ok and missing.failure is not None
    assert missing.failure.value == "timeout"


def test_uptime_and_counters_move_and_update_rewrites_one_agent(
    shared: SharedSnmpSimulator,
) -> None:
    c = shared.agents[2].endpoint
    t0 = time.monotonic()
    first = v3_get(c, SYS_UPTIME, IN_OCTETS)
    t1 = time.monotonic()
    time.sleep(1.1)
    t2 = time.monotonic()
    second = v3_get(c, SYS_UPTIME, IN_OCTETS)
    t3 = time.monotonic()
    assert first.ok and second.ok
    ticks = int(second.values[SYS_UPTIME]) - int(first.values[SYS_UPTIME])  # type: ignore[arg-type]
    octets = int(second.values[IN_OCTETS]) - int(first.values[IN_OCTETS])  # type: ignore[arg-type]
    # The agent read its clock somewhere inside each request: between the two reads lie at
    # least t2 - t1 and at most t3 - t0 seconds, however slow a loaded machine made the requests.
    shortest, longest = t2 - t1, t3 - t0
    assert 100 * shortest - 1 <= ticks <= 100 * longest + 1  # 100 a second
    assert 0.9 * 125_000 * shortest <= octets <= 3 * 125_000 * longest

    a, b = shared.agents[0].endpoint, shared.agents[1].endpoint
    shared.update(0, device("device-A2"))
    assert b"device-A2" in (v2c_answer(a, "alpha") or b"")
    assert b"device-B" in (v2c_answer(b, "beta") or b"")


def test_the_argument_file_is_private_and_the_log_holds_no_secret(
    shared: SharedSnmpSimulator,
) -> None:
    arguments = shared.workdir / "snmpsim.args"
    assert stat.S_IMODE(arguments.stat().st_mode) == 0o600
    assert AUTH in arguments.read_text()
    log = shared.log_path.read_text()
    assert AUTH not in log and PRIV not in log
    rss = shared.rss_bytes()
    assert rss is not None and rss < 300 * 2**20


def test_bad_agents_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="same endpoint"):
        SharedSnmpSimulator(
            [SharedAgent("127.0.0.1", 9, device("x")), SharedAgent("127.0.0.1", 9, device("y"))],
            tmp_path,
        )
    for community in ("", "a/b", "two words", "..", "社区"):
        with pytest.raises(ValueError, match="cannot name"):
            SharedSnmpSimulator([SharedAgent("127.0.0.1", 9, device("x"), community)], tmp_path)
    with pytest.raises(ValueError, match="no agents"):
        SharedSnmpSimulator([], tmp_path)


def test_a_restart_keeps_unchanged_recordings_and_drops_stale_ones(tmp_path: Path) -> None:
    require_snmpsim()
    ends = loopback_endpoints(2)
    first = [SharedAgent(*ends[0], device("one"), "alpha"), SharedAgent(*ends[1], device("two"))]
    with SharedSnmpSimulator(first, tmp_path) as simulator:
        kept = simulator.recording(0)
        stale = simulator.recording(1)
    mtime = kept.stat().st_mtime
    moved = [first[0], replace(first[1], community="beta")]
    with SharedSnmpSimulator(moved, tmp_path) as simulator:
        assert kept.stat().st_mtime == mtime  # not rewritten: snmpsim's index stays valid
        assert not stale.exists()  # endpoint 1 no longer answers "public"
        assert v2c_answer(ends[1], "public") is None
        assert b"two" in (v2c_answer(ends[1], "beta") or b"")
    assert simulator.process is None


def test_port_speeds() -> None:
    assert [port_speed(c) for c in (50, 100, 300, 1000, 2000, 200_000)] == [
        100,
        100,
        1000,
        1000,
        2500,
        200_000,
    ]
    assert [slower_speed(c) for c in (1000, 300, 100, 10, 4)] == [100, 100, 10, 5, 2]


# --- the demo inventory, polled -------------------------------------------------------------


def _free_block() -> ipaddress.IPv4Network:
    """A /16 of 127/8 where nothing listens on the demo port (a running demo uses .53)."""
    rng = random.Random()
    for _ in range(20):
        block = ipaddress.IPv4Network(f"127.{rng.randrange(60, 250)}.0.0/16")
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            try:
                sock.bind((str(block[1]), demo.SNMP_PORT))
            except OSError:
                continue
        return block
    raise RuntimeError("no free loopback block")


def test_the_small_demo_polls_live(engine: Engine, session: Session, tmp_path: Path) -> None:
    require_snmpsim()
    box = SecretBox([SecretBox.generate_key()])
    demo.load(session, Actor.system("demo"), box, demo.generate(11, scale=0.02))
    session.commit()
    block = _free_block()
    # Move the demo out of 127.53/16, so that a demo running on this machine does not answer.
    prefix = f"127.{block.network_address.packed[1]}."
    session.execute(
        sa.update(Device).values(
            mgmt_address=sa.func.replace(Device.mgmt_address, "127.53.", prefix)
        )
    )
    session.commit()
    assert plan_demo_agents(session, box).agents == []  # nothing left in 127.53/16

    simulator, summary = start_demo_agents(session, box, tmp_path / "agents", network=block)
    session.rollback()
    try:
        assert stat.S_IMODE((tmp_path / "agents").stat().st_mode) == 0o700
        assert summary.down >= 1 and summary.wrong_community >= 1
        assert summary.slow_uplinks >= 1 and summary.down_uplinks >= 1
        assert summary.narrow >= 1  # issue 21: some switches have no ifXTable
        assert plan_demo_agents(session, box, network=block).summary == summary  # deterministic
        assert summary.ok > 10 * (summary.down + summary.wrong_community) / 2
        assert len(simulator.agents) == summary.ok + summary.wrong_community
        line = summary.line()
        assert f"{summary.down} down" in line and "wrong community" in line
        results = _poll(engine, box, cycles=2)
    finally:
        simulator.stop()
    assert results[0].devices == summary.devices

    states = {s.device_id: s for s in session.scalars(sa.select(DeviceState))}
    assert len(states) == summary.devices
    ok = {i for i, s in states.items() if s.failure is None}
    down = {
        i for i, s in states.items() if s.failure in (PollFailure.TIMEOUT, PollFailure.UNREACHABLE)
    }
    auth = {i for i, s in states.items() if s.failure is PollFailure.AUTH_FAILURE}
    assert len(ok) == summary.ok, _failures(states)
    assert down == summary.down_ids
    assert auth == summary.wrong_community_ids
    outages = session.scalars(sa.select(Outage).where(Outage.ended_at.is_(None))).all()
    by_cause = {
        cause: {o.link_id for o in outages if o.cause is cause and o.link_id is not None}
        for cause in OutageCause
    }
    assert by_cause[OutageCause.SPEED_BELOW_CONTRACT] == summary.slow_link_ids
    assert by_cause[OutageCause.INTERFACE_DOWN] == summary.down_link_ids
    assert {o.device_id for o in outages if o.cause is OutageCause.UNREACHABLE} == down

    # The second cycle reads counters that moved: rates on the answering devices' uplinks.
    rates = session.execute(
        sa.select(InterfaceState.oper_up, InterfaceState.in_bps).where(
            InterfaceState.in_bps.is_not(None)
        )
    ).all()
    assert any(up for up, _ in rates)
    assert all(rate > 0 for up, rate in rates if up)  # a down port carries nothing
    assert all(rate == 0 for up, rate in rates if not up)
    # Switches without ifXTable: names from ifDescr, speed from ifSpeed, 32-bit counters,
    # and their uplinks are up at their speed after two polls like any other.
    narrow = session.scalars(
        sa.select(InterfaceState).where(InterfaceState.device_id.in_(summary.narrow_ids))
    ).all()
    assert narrow and all(i.name is None and i.descr for i in narrow)
    assert all(i.counter_bits == 32 for i in narrow if i.in_octets is not None)
    assert all(i.speed_mbps for i in narrow if i.oper_up)
    assert any(i.in_bps for i in narrow if i.oper_up)
    narrow_links = session.scalars(
        sa.select(NetworkLink).where(
            NetworkLink.device_id.in_(summary.narrow_ids),
            NetworkLink.interface_name.is_not(None),
            NetworkLink.decommissioned_on.is_(None),
        )
    ).all()
    verdicts = {
        v.link_id: v
        for v in session.scalars(
            sa.select(LinkVerification).where(
                LinkVerification.link_id.in_([link.id for link in narrow_links])
            )
        )
    }
    healthy = [
        link.id
        for link in narrow_links
        if link.id not in summary.down_link_ids | summary.slow_link_ids
    ]
    assert healthy and all(verdicts[i].oper_up and verdicts[i].measured_mbps for i in healthy)
    named = session.scalars(sa.select(Device).where(Device.id.in_(ok))).all()
    assert all(d.sys_descr and d.sys_object_id for d in named)
    assert any("Huawei" in (d.sys_descr or "") for d in named if d.vendor == "Huawei")


def _failures(states: dict[int, DeviceState]) -> list[tuple[int, str | None, str | None]]:
    return [(i, s.failure, s.detail) for i, s in states.items() if s.failure is not None]


def _poll(engine: Engine, box: SecretBox, cycles: int) -> list[CycleResult]:
    """One cycle over everything, then forced ones over the devices that answered."""
    # One snmpsim answers every agent and the machine may be busy: patient, not many at once.
    settings = CycleSettings(timeout=3.0, retries=1, concurrency=8)
    sessions = make_sessionmaker(engine)

    async def main() -> list[CycleResult]:
        collector = Collector(sessions, box, PysnmpClient(), settings)
        try:
            done = [await collector.run_cycle()]
            with sessions() as session:
                answered = session.scalars(
                    sa.select(DeviceState.device_id).where(DeviceState.failure.is_(None))
                ).all()
            for _ in range(cycles - 1):
                await asyncio.sleep(1.0)  # counters grow by their rate meanwhile
                done.append(await collector.run_cycle(device_ids=answered, force=True))
            return done
        finally:
            await collector.close()

    return asyncio.run(main())


def test_digicampus_demo_starts_and_stops_the_agents(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    require_snmpsim()
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite'}",
            "FERNET_KEYS": FERNET_KEY,
            "SECRET_KEY": "demo-agents-test",
            "EMBEDDED_COLLECTOR": "0",
        }
    )
    app.instance_path = str(tmp_path / "instance")
    try:
        prepared = app.test_cli_runner().invoke(args=["demo", "--no-serve", "--scale", "0.02"])
        assert prepared.exit_code == 0, prepared.output
        assert "agents:" not in prepared.output  # --no-serve: nothing to poll them
        engine = app.extensions["digicampus"].engine
        block = _free_block()
        with engine.begin() as conn:
            conn.execute(
                sa.update(Device).values(
                    mgmt_address=sa.func.replace(
                        Device.mgmt_address, "127.53.", f"127.{block.network_address.packed[1]}."
                    )
                )
            )
        monkeypatch.setattr(api.commands_web.demo_agents, "DEMO_NETWORK", block)
        workdir = tmp_path / "instance" / "demo-agents"
        answered: list[bool] = []

        def fake_run_simple(host: str, port: int, app: Any, **options: Any) -> None:
            answered.append(_engine_answers(workdir))

        monkeypatch.setattr(api.commands_collect, "run_simple", fake_run_simple)
        result = app.test_cli_runner().invoke(args=["demo", "--port", "0", "--scale", "0.02"])
        assert result.exit_code == 0, result.output
        assert answered == [True]  # the agents answered while the app served
        assert not _engine_answers(workdir)  # and stopped with it
        summary = r"agents: +\d+ simulated SNMP agents for \d+ devices: \d+ down, \d+ with a wrong"
        assert re.search(summary, result.output), result.output
        assert app.config["COLLECTOR_CONCURRENCY"] == 8  # gentle with one snmpsim
        box = app.extensions["digicampus"].secret_box
        with make_sessionmaker(engine)() as session:
            secrets = {
                value
                for credential in session.scalars(sa.select(SnmpCredential))
                for value in vars(credentials.reveal(box, credential)).values()
                if isinstance(value, str) and len(value) > 8
            }
        assert secrets
        for secret in secrets:
            assert secret not in result.output
            assert secret not in (workdir / "snmpsim.log").read_text()
        assert stat.S_IMODE(workdir.stat().st_mode) == 0o700

        # Nothing to simulate (or snmpsim cannot start): one line, and the demo serves anyway.
        monkeypatch.setattr(
            api.commands_web.demo_agents, "DEMO_NETWORK", ipaddress.IPv4Network("127.1.0.0/16")
        )
        again = app.test_cli_runner().invoke(args=["demo", "--port", "0", "--scale", "0.02"])
        assert again.exit_code == 0, again.output
        assert len(answered) == 2
        assert (
            "agents:    not started (no pollable demo device to simulate); serving without them"
            in again.output
        )
        assert "Traceback" not in again.output
    finally:
        app.extensions["digicampus"].engine.dispose()


def _engine_answers(workdir: Path) -> bool:
    """Whether the first endpoint of the simulator in ``workdir`` answers SNMPv3 discovery."""
    arguments = (workdir / "snmpsim.args").read_text().split()
    host, port = (
        next(a for a in arguments if a.startswith("--agent-udpv4")).split("=")[1].split(":")
    )
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(0.5)
        sock.sendto(ber.v3_discovery(7, 7), (host, int(port)))
        try:
            return bool(sock.recvfrom(65535)[0])
        except (TimeoutError, ConnectionRefusedError):
            return False
