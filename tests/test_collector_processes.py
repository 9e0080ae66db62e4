"""``digicampus collect`` as real processes: schedule, graceful stop, sharing, and a death.

Devices here are sockets on loopback that read and drop every request, so each poll waits
for its timeout: slow enough that collectors overlap and a killed one dies holding leases.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from demo.udp_agents import UdpAgents, loopback_endpoints
from inventory.actor import Actor
from inventory.db import make_sessionmaker
from inventory.models import Collector, Device, DeviceState, PollCycle, PollSample
from inventory.secretbox import SecretBox
from inventory.services import credentials, devices, schools
from tests.conftest import COUNTY, FERNET_KEY
from tests.process_tree import command_line, descendants, survivors

SCHOOL = "2153010009"
# At exit the process names the web modules it loaded: the collector must load none.
WEB_MODULES = ("flask", "werkzeug", "flask_smorest", "dashboards", "web")
LAUNCH = (
    "import atexit, sys\n"
    f"web = {WEB_MODULES!r}\n"
    "atexit.register(lambda: print('web modules loaded:', [m for m in web if m in sys.modules]))\n"
    "from api.cli import main; main()"
)


@pytest.fixture(scope="module")
def dead_endpoints() -> Iterator[list[tuple[str, int]]]:
    endpoints = loopback_endpoints(60)
    agents = UdpAgents(endpoints, mode="drop")
    agents.start()
    try:
        yield endpoints
    finally:
        agents.stop()


def make_devices(
    session: Session, endpoints: list[tuple[str, int]], *, enabled: bool = True
) -> list[int]:
    """A school with one SNMPv3 device per endpoint (v3: a dead device costs one timeout)."""
    actor = Actor.system("tests")
    box = SecretBox([FERNET_KEY])
    schools.create_school(
        session,
        actor,
        {"code": SCHOOL, "name": "测试学校", "type_code": "211", "region_code": COUNTY},
    )
    cred = credentials.create_credential(
        session,
        actor,
        box,
        {
            "name": "v3",
            "version": "v3",
            "username": "monitor",
            "auth_protocol": "sha256",
            "auth_key": "collector-auth-1",
        },
    )
    ids = [
        devices.create_device(
            session,
            actor,
            SCHOOL,
            {
                "name": f"gw{n}",
                "role": "gateway",
                "mgmt_address": host,
                "snmp_port": port,
                "credential_id": cred.id,
                "polling_enabled": enabled,
            },
        ).id
        for n, (host, port) in enumerate(endpoints)
    ]
    session.commit()
    return ids


class Processes:
    """Collector processes started by a test; every one is ended afterwards."""

    def __init__(self, database_url: str, tmp_path: Path) -> None:
        self.database_url = database_url
        self.tmp_path = tmp_path
        self.started: list[subprocess.Popen[bytes]] = []

    def start(self, name: str, **settings: Any) -> subprocess.Popen[bytes]:
        env = dict(os.environ)
        env.update(
            DIGICAMPUS_DATABASE_URL=self.database_url,
            DIGICAMPUS_FERNET_KEYS=FERNET_KEY,
            DIGICAMPUS_SECRET_KEY="collector-test",
            DIGICAMPUS_COLLECTOR_TICK_S="1",
            DIGICAMPUS_COLLECTOR_INTERVAL_S="3600",
            DIGICAMPUS_COLLECTOR_TIMEOUT_S="1",
            DIGICAMPUS_COLLECTOR_RETRIES="0",
            DIGICAMPUS_COLLECTOR_LEASE_S="8",
            DIGICAMPUS_COLLECTOR_CONCURRENCY="4",
            DIGICAMPUS_COLLECTOR_BATCH="6",
        )
        env.update({f"DIGICAMPUS_{k.upper()}": str(v) for k, v in settings.items()})
        with (self.tmp_path / f"{name}.log").open("wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-c", LAUNCH, "collect", "--name", name],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                cwd=self.tmp_path,
            )
        self.started.append(process)
        return process

    def log(self, name: str) -> str:
        return (self.tmp_path / f"{name}.log").read_text(errors="replace")

    def end_all(self) -> None:
        for process in self.started:
            if process.poll() is None:
                process.kill()
            process.wait(10)


@pytest.fixture
def processes(database_url: str, tmp_path: Path) -> Iterator[Processes]:
    started = Processes(database_url, tmp_path)
    try:
        yield started
    finally:
        started.end_all()


def wait_for(check: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def scalar(engine: Engine, stmt: Any) -> Any:
    with engine.connect() as conn:
        return conn.scalar(stmt)


def polled(engine: Engine) -> int:
    return int(
        scalar(engine, sa.select(sa.func.count()).where(DeviceState.last_polled_at.is_not(None)))
    )


def finished_cycle_devices(engine: Engine, collector: str) -> int:
    """Devices counted by the collector's finished cycles: a cycle writes its count at its end,
    after its last batch, so this lags ``polled`` by a moment."""
    return int(
        scalar(
            engine,
            sa.select(sa.func.coalesce(sa.func.sum(PollCycle.devices), 0)).where(
                PollCycle.collector == collector, PollCycle.finished_at.is_not(None)
            ),
        )
    )


def test_collect_polls_on_schedule_and_stops_cleanly(
    engine: Engine,
    session: Session,
    processes: Processes,
    dead_endpoints: list[tuple[str, int]],
) -> None:
    ids = make_devices(session, dead_endpoints[:5])
    process = processes.start("solo")
    # Stop after the first cycle has ended, not after its last batch: a stop mid-cycle (tested
    # below) logs no "poll cycle" line, which this test reads.
    wait_for(lambda: finished_cycle_devices(engine, "solo") == len(ids), 60, "the first cycle")
    process.send_signal(signal.SIGTERM)
    assert process.wait(30) == 0, processes.log("solo")
    with make_sessionmaker(engine)() as db:
        collector = db.get(Collector, "solo")
        assert collector is not None and collector.stopped_at is not None
        assert (
            db.scalar(sa.select(sa.func.count()).where(DeviceState.lease_owner.is_not(None))) == 0
        )
        cycles = db.scalars(sa.select(PollCycle).where(PollCycle.collector == "solo")).all()
        assert sum(c.devices for c in cycles) == len(ids)  # each device once: due in an hour
        assert all(c.finished_at is not None for c in cycles if c.devices)
        jobs = {row[0] for row in db.execute(sa.text("SELECT id FROM apscheduler_jobs"))}
    assert jobs == {
        "rollup",
        "prune",
        "publish_reports",
        "alert_digest",
    }  # the shared jobs persist; poll and heartbeat are local
    log = processes.log("solo")
    assert "poll cycle: 5 devices" in log
    assert "Running job" not in log  # APScheduler's lines each tick are left out


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_collect_polls_in_poller_processes_and_leaves_no_child_when_stopped(
    engine: Engine,
    session: Session,
    processes: Processes,
    dead_endpoints: list[tuple[str, int]],
    stop_signal: signal.Signals,
) -> None:
    ids = make_devices(session, dead_endpoints[:6])
    process = processes.start("cores", collector_workers=2)
    wait_for(lambda: polled(engine) == len(ids), 90, "the first cycle")
    children = descendants(process.pid)
    pollers = [p for p in children if "multiprocessing" in command_line(p)]
    assert len(pollers) >= 2, [command_line(p) for p in children]
    process.send_signal(stop_signal)  # SIGTERM as Ctrl-C (SIGINT): the same clean stop
    assert process.wait(60) == 0, processes.log("cores")
    assert survivors(children) == [], [command_line(p) for p in children]
    log = processes.log("cores")
    assert "2 poller processes started" in log
    assert "poll cycle: 6 devices" in log and "Traceback" not in log
    assert (
        scalar(engine, sa.select(sa.func.count()).where(DeviceState.lease_owner.is_not(None))) == 0
    )


def test_collect_with_one_worker_polls_in_its_own_process(
    engine: Engine,
    session: Session,
    processes: Processes,
    dead_endpoints: list[tuple[str, int]],
) -> None:
    ids = make_devices(session, dead_endpoints[:3])
    process = processes.start("solo1", collector_workers=1)
    wait_for(lambda: polled(engine) == len(ids), 60, "the first cycle")
    assert descendants(process.pid) == set()
    process.send_signal(signal.SIGTERM)
    assert process.wait(30) == 0, processes.log("solo1")
    assert "poller processes started" not in processes.log("solo1")


def test_collect_runs_without_building_a_flask_app_or_importing_flask(
    engine: Engine, processes: Processes
) -> None:
    process = processes.start("plain")
    beat = sa.select(sa.func.count()).select_from(Collector).where(Collector.name == "plain")
    wait_for(lambda: scalar(engine, beat) == 1, 60, "the collector's heartbeat")
    process.send_signal(signal.SIGTERM)
    assert process.wait(30) == 0, processes.log("plain")
    assert "web modules loaded: []" in processes.log("plain")


def test_a_bad_setting_stops_collect_with_one_clear_line(
    processes: Processes,
) -> None:
    process = processes.start("bad", collector_timeout_s="fast")
    assert process.wait(30) != 0  # the settings are checked before the collector starts
    assert "DIGICAMPUS_COLLECTOR_TIMEOUT_S must be a number, not 'fast'" in processes.log("bad")


@pytest.mark.postgres_only
def test_two_collectors_share_the_devices_and_one_dies(
    engine: Engine,
    session: Session,
    processes: Processes,
    dead_endpoints: list[tuple[str, int]],
) -> None:
    ids = make_devices(session, dead_endpoints, enabled=False)
    first = processes.start("first")
    second = processes.start("second")
    alive = sa.select(sa.func.count()).select_from(Collector)
    wait_for(lambda: scalar(engine, alive) == 2, 60, "two heartbeats")
    # Both run; now every device becomes due at once and they claim it in chunks.
    with engine.begin() as conn:
        conn.execute(sa.update(Device).values(polling_enabled=True))

    def leased_by(name: str) -> int:
        return int(
            scalar(engine, sa.select(sa.func.count()).where(DeviceState.lease_owner == name))
        )

    wait_for(lambda: leased_by("first") > 0 and leased_by("second") > 0, 30, "both to claim")
    first.kill()  # dies holding leases: nothing it claimed is recorded
    first.wait(10)
    held = leased_by("first")
    assert held > 0
    wait_for(lambda: polled(engine) == len(ids), 90, "every device to be polled")
    # A cycle's device count is written when the cycle finishes, after its last batch of
    # states: under load that comes a moment after the last device shows as polled.
    by_second = (
        sa.select(sa.func.coalesce(sa.func.sum(PollCycle.devices), 0))
        .where(PollCycle.collector == "second")
        .where(PollCycle.finished_at.is_not(None))
    )
    wait_for(lambda: scalar(engine, by_second) >= held, 60, "the second's cycles to finish")
    with engine.connect() as conn:
        samples = dict(
            conn.execute(
                sa.select(PollSample.device_id, sa.func.count())
                .where(PollSample.if_index.is_(None))
                .group_by(PollSample.device_id)
            ).all()
        )
        by_collector = dict(
            conn.execute(
                sa.select(PollCycle.collector, sa.func.sum(PollCycle.devices)).group_by(
                    PollCycle.collector
                )
            ).all()
        )
        leases = conn.scalar(sa.select(sa.func.count()).where(DeviceState.lease_owner.is_not(None)))
    # No device was polled twice, none was left out, and the second collector took over
    # what the first had claimed once those leases expired.
    assert samples == {device_id: 1 for device_id in ids}
    assert by_collector.get("second", 0) >= held
    assert leases == 0
    second.send_signal(signal.SIGTERM)
    assert second.wait(30) == 0, processes.log("second")
