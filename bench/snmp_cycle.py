"""Benchmark: a poll cycle of our collector against net-snmp's snmpget and snmp_exporter.

    apt-get install -y snmpd snmp prometheus-snmp-exporter
    .venv/bin/python bench/snmp_cycle.py                 # 1,000 and 5,000 devices, 3 runs each

One net-snmp ``snmpd`` answers SNMPv2c on every live device's loopback address (127.a.b.c:1161,
pinned to the second CPU); every tenth device is dead: a socket that reads and drops (no ICMP,
so every poller waits for its timeout). Each device is asked the same 17 varbinds (sysUpTime;
ifOperStatus, ifHighSpeed, ifHCInOctets, ifHCOutOctets of interfaces 1–4), timeout 1 s,
1 retry. In the same run, on the same devices and on the same (first) CPU:

* **ours**: a fresh process per run: ``PysnmpClient.register`` of every target (first time, the
  same again, again with 1 % changed), then two cycles of ``collectors.poller.poll_many`` over
  ``PollJob``s of 4 interfaces (concurrency 64, the cycle's default);
* **snmpget**: net-snmp's ``snmpget`` per device, ``xargs -P16``;
* **snmp_exporter**: Debian's prometheus-snmp-exporter with a hand-written module of the same
  OIDs, scraped 200 at a time (if installed);
* **dead sweep**: ours again over the same live devices with 0, 10 % and 40 % more dead
  devices: the wall time may grow by one timeout × tries at most;
* **cycle with DB writes** (``--db``): ``collectors.cycle.Collector.run_cycle`` over devices in
  a SQLite inventory (claim, poll, record observations), a discovery cycle then a poll cycle.

Every process started here is stopped at the end (and on Ctrl-C); every wait is bounded.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from collectors import ber  # noqa: E402
from demo.udp_agents import UdpAgents, loopback_endpoints  # noqa: E402

COMMUNITY = "public"
# The SNMPv3 user of a --v3 run (authPriv, SHA-256 and AES-128); benchmark-only secrets.
V3_USER, V3_AUTH, V3_PRIV = "bench", "bench-auth-pass", "bench-priv-pass"
INTERFACES = (1, 2, 3, 4)
UPTIME_OID = "1.3.6.1.2.1.1.3.0"
# name, column OID, snmp_exporter type (the 4 poll columns of the default profile)
COLUMNS = (
    ("ifOperStatus", "1.3.6.1.2.1.2.2.1.8", "gauge"),
    ("ifHighSpeed", "1.3.6.1.2.1.31.1.1.1.15", "gauge"),
    ("ifHCInOctets", "1.3.6.1.2.1.31.1.1.1.6", "counter"),
    ("ifHCOutOctets", "1.3.6.1.2.1.31.1.1.1.10", "counter"),
)
AGENT_ADDRESSES = 500  # loopback addresses per snmpd process
PROCESS_TIMEOUT = 900  # seconds any one measuring process may take
EXPORTER_PARALLEL = 200


def request_oids() -> list[str]:
    """The 17 varbinds: what ``Profile.poll_oids((1, 2, 3, 4))`` asks (checked by the worker)."""
    return [UPTIME_OID] + [f"{oid}.{i}" for i in INTERFACES for _, oid, _ in COLUMNS]


def dead_flags(count: int, every: int = 10) -> list[bool]:
    """Which of ``count`` devices are dead: every ``every``-th (10 %)."""
    return [n % every == every - 1 for n in range(count)]


def interleave(live: Sequence[Any], dead: Sequence[Any]) -> list[Any]:
    """The dead spread evenly among the live, as due devices come in a cycle."""
    keyed = [((n + 0.5) / len(live), d) for n, d in enumerate(live)]
    keyed += [((n + 0.25) / len(dead), d) for n, d in enumerate(dead)]
    return [d for _, d in sorted(keyed, key=lambda pair: pair[0])]


def cpu_seconds(who: int = resource.RUSAGE_SELF) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def runqueue_wait_s(pid: int | str = "self") -> float:
    """Seconds this process was runnable but waiting for a CPU (others' load), from schedstat."""
    try:
        return int(Path(f"/proc/{pid}/schedstat").read_text().split()[1]) / 1e9
    except (OSError, IndexError, ValueError):
        return float("nan")


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


# --- the measured process: ours -------------------------------------------------------------


async def measure_ours(spec: dict[str, Any]) -> dict[str, Any]:
    import dataclasses
    import functools

    from collectors.client import PysnmpClient
    from collectors.poller import PollJob, poll_many
    from collectors.profiles import load_profile
    from collectors.snmp_types import SnmpCredentials, Target
    from collectors.workers import PollerProcesses
    from inventory.choices import PollFailure, SnmpVersion

    profile = load_profile()
    if not spec.get("default_profile"):  # the 17 varbinds of SNMP-NOTES.md
        columns = tuple(profile.object(name) for name, _, _ in COLUMNS)
        profile = dataclasses.replace(profile, poll_interface_columns=columns)
        assert profile.poll_oids(INTERFACES) == request_oids()
    result_varbinds = len(profile.poll_oids(INTERFACES))
    credentials = (
        bench_v3_credentials()
        if spec.get("v3")
        else SnmpCredentials(SnmpVersion.V2C, community=COMMUNITY)
    )
    devices = spec["devices"]
    targets = [
        Target(n, host, port, credentials, timeout=spec["timeout"], retries=spec["retries"])
        for n, (host, port, _) in enumerate(devices)
    ]
    dead = {n for n, (_, _, is_dead) in enumerate(devices) if is_dead}
    result: dict[str, Any] = {"devices": len(targets), "dead": len(dead)}
    result["varbinds"] = result_varbinds
    workers = spec.get("workers", 1)
    client = pollers = None
    if workers > 1:
        pollers = PollerProcesses(
            workers, functools.partial(PysnmpClient), profile, spec["concurrency"]
        )
        await pollers.start()
        register: Any = pollers.register
    else:
        client = PysnmpClient()
        register = client.register

    def cpu_now() -> float:
        """This process's CPU and its poller processes' (read from /proc while they run)."""
        return cpu_seconds() + sum(
            process_cpu_seconds(p) for p in (pollers.pids() if pollers else ())
        )

    for name, batch in (
        ("register_s", targets),
        ("register_again_s", targets),
        (
            "register_1pct_changed_s",
            [
                dataclasses.replace(t, timeout=t.timeout + 0.001) if n % 100 == 0 else t
                for n, t in enumerate(targets)
            ],
        ),
    ):
        cpu, started = cpu_now(), time.perf_counter()
        await register(batch)
        result[name] = time.perf_counter() - started
        result[name.replace("_s", "_cpu_s")] = cpu_now() - cpu
    result["rss_registered_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # As the cycle plans it: on first contact every device is probed for SNMPv3 beside its
    # request; then only after a timeout.
    jobs = [PollJob(t, if_indexes=INTERFACES, suspect=True) for t in targets]
    observations: list[Any] = []
    for cycle in (1, 2):
        if cycle == 2:
            timed_out = {o.device_id for o in observations if o.failure is PollFailure.TIMEOUT}
            jobs = [dataclasses.replace(j, suspect=j.target.key in timed_out) for j in jobs]
        cpu, started, waited = cpu_now(), time.perf_counter(), runqueue_wait_s()
        agent_wait = runqueue_wait_s(spec["agent_pid"]) if spec.get("agent_pid") else 0.0
        if pollers is not None:
            observations = list(await asyncio.gather(*(pollers.poll(j) for j in jobs)))
        else:
            assert client is not None
            observations = await poll_many(client, profile, jobs, concurrency=spec["concurrency"])
        wall, cpu = time.perf_counter() - started, cpu_now() - cpu
        waited = runqueue_wait_s() - waited
        if spec.get("agent_pid"):
            agent_wait = runqueue_wait_s(spec["agent_pid"]) - agent_wait
        live_ok = sum(1 for o in observations if o.failure is None and o.device_id not in dead)
        dead_down = sum(1 for o in observations if o.device_id in dead and o.failure is not None)
        live_failures: dict[str, int] = {}
        for o in observations:
            if o.failure is not None and o.device_id not in dead:
                live_failures[o.failure.value] = live_failures.get(o.failure.value, 0) + 1
        live = len(targets) - len(dead)
        result[f"cycle{cycle}"] = {
            "wall_s": wall,
            "cpu_s": cpu,
            "cpu_ms_per_live_device": 1000 * cpu / max(1, live),
            "runqueue_wait_s": waited,
            "agent_runqueue_wait_s": agent_wait,
            "live_ok": live_ok,
            "live": live,
            "dead_down": dead_down,
            "live_failures": live_failures,
        }
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if pollers is not None:
        result["peak_rss_mb"] += sum(process_peak_mb(p) for p in pollers.pids())
        await pollers.close()
    else:
        assert client is not None
        await client.close()
    result["workers"] = workers
    return result


def bench_v3_credentials() -> Any:
    """SNMPv3 authPriv, SHA-256 and AES-128: the user every snmpd of a ``--v3`` run knows."""
    from collectors.snmp_types import SnmpCredentials
    from inventory.choices import SnmpAuthProtocol, SnmpPrivProtocol, SnmpVersion

    return SnmpCredentials(
        SnmpVersion.V3,
        username=V3_USER,
        auth_protocol=SnmpAuthProtocol.SHA256,
        auth_key=V3_AUTH,
        priv_protocol=SnmpPrivProtocol.AES128,
        priv_key=V3_PRIV,
    )


# --- the measured process: a cycle with database writes -------------------------------------


def build_inventory(url: str, box: Any, devices: Sequence[Sequence[Any]], community: str) -> Any:
    """A migrated database with one school, one v2c credential and a device per endpoint,
    each with an uplink on ``eth0`` (so a poll reads that interface), through the services."""
    from datetime import date

    from inventory import migrate
    from inventory.actor import Actor
    from inventory.db import make_engine, make_sessionmaker
    from inventory.services import credentials, links, schools
    from inventory.services import devices as device_services

    engine = make_engine(url)
    migrate.upgrade(engine)
    actor = Actor.system("bench")
    with make_sessionmaker(engine)() as session:
        code = "2153019999"
        schools.create_school(
            session,
            actor,
            {"code": code, "name": "基准学校", "type_code": "211", "region_code": "532301"},
        )
        credential = credentials.create_credential(
            session, actor, box, {"name": "bench", "version": "v2c", "community": community}
        ).id
        for n, (host, port, _) in enumerate(devices):
            device = device_services.create_device(
                session,
                actor,
                code,
                {
                    "name": f"switch-{n}",
                    "role": "core_switch",
                    "mgmt_address": host,
                    "snmp_port": port,
                    "credential_id": credential,
                },
            )
            links.create_link(
                session,
                actor,
                code,
                {
                    "kind": "metro",
                    "medium": "fibre",
                    "down_mbps": 1000,
                    "up_mbps": 1000,
                    "device_id": device.id,
                    "interface_name": "eth0",
                    "commissioned_on": date(2024, 1, 1),
                },
            )
        session.commit()
    return engine


def empty_database(url: str) -> None:
    """PostgreSQL: drop and recreate schema public (the benchmark's own database only)."""
    if url.startswith("postgresql"):
        import sqlalchemy as sa

        engine = sa.create_engine(url)
        with engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
        engine.dispose()


async def measure_db_cycle(spec: dict[str, Any]) -> dict[str, Any]:
    import functools

    from collectors.client import PysnmpClient
    from collectors.cycle import Collector, CycleSettings
    from collectors.profiles import load_profile
    from collectors.workers import PollerProcesses
    from inventory.db import make_sessionmaker
    from inventory.secretbox import SecretBox

    box = SecretBox([SecretBox.generate_key()])
    started = time.perf_counter()
    empty_database(spec["database_url"])
    engine = build_inventory(spec["database_url"], box, spec["devices"], COMMUNITY)
    result: dict[str, Any] = {"inventory_s": time.perf_counter() - started}
    settings = CycleSettings(
        timeout=spec["timeout"], retries=spec["retries"], concurrency=spec["concurrency"]
    )
    workers = spec.get("workers", 1)
    pollers = None
    if workers > 1:
        pollers = PollerProcesses(
            workers, functools.partial(PysnmpClient), load_profile(), spec["concurrency"]
        )
        await pollers.start()
    collector = Collector(
        make_sessionmaker(engine),
        box,
        PysnmpClient() if pollers is None else None,
        settings,
        poller=pollers,
    )

    def cpu_now() -> float:
        return cpu_seconds() + sum(
            process_cpu_seconds(p) for p in (pollers.pids() if pollers else ())
        )

    live = sum(1 for _, _, is_dead in spec["devices"] if not is_dead)
    result["workers"] = workers
    result["database"] = spec["database_url"].split(":", 1)[0]
    try:
        for name in ("discovery", "poll"):
            cpu, started = cpu_now(), time.perf_counter()
            cycle = await collector.run_cycle(force=True)
            wall, cpu = time.perf_counter() - started, cpu_now() - cpu
            result[name] = {
                "wall_s": wall,
                "cpu_s": cpu,
                "cpu_ms_per_live_device": 1000 * cpu / max(1, live),
                "ok": cycle.ok,
                "live": live,
                "failures": dict(cycle.failures),
            }
    finally:
        await collector.close()
        engine.dispose()
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


def worker_main(path: str) -> None:
    spec = json.loads(Path(path).read_text())
    if spec.get("pin") and (os.cpu_count() or 1) > 1:
        os.sched_setaffinity(0, {0})
    measure = measure_db_cycle if spec["kind"] == "db" else measure_ours
    print(json.dumps(asyncio.run(measure(spec))))


# --- the orchestration ------------------------------------------------------------------------


def two_cpus() -> bool:
    return (os.cpu_count() or 1) > 1 and hasattr(os, "sched_setaffinity")


def stop(process: subprocess.Popen[Any]) -> None:
    """Terminate, then kill, a process started here; bounded."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def wait_for_agent(endpoint: tuple[str, int], deadline: float) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(0.2)
        while time.monotonic() < deadline:
            sock.sendto(ber.v2c_get(COMMUNITY.encode(), 1, (UPTIME_OID,)), endpoint)
            try:
                sock.recvfrom(65535)
                return
            except (TimeoutError, ConnectionRefusedError):
                continue
    raise SystemExit(f"snmpd does not answer on {endpoint}")


@contextlib.contextmanager
def snmpd(live: Sequence[tuple[str, int]], workdir: Path) -> Iterator[list[int]]:
    """snmpd processes answering on ``live``, ``AGENT_ADDRESSES`` each; yields their pids.

    One snmpd scans all its sockets on every request: with 4,500 of them it spent ~1.2 ms
    CPU per request and made the agent, not the poller, the limit of the benchmark.
    """
    config = workdir / "snmpd.conf"
    config.write_text(
        f"rocommunity {COMMUNITY} 127.0.0.0/8\n"
        f"createUser {V3_USER} SHA-256 {V3_AUTH} AES {V3_PRIV}\n"
        f"rouser {V3_USER} authpriv\n"
    )
    processes: list[subprocess.Popen[bytes]] = []
    try:
        for n, start in enumerate(range(0, len(live), AGENT_ADDRESSES)):
            chunk = live[start : start + AGENT_ADDRESSES]
            command = ["snmpd", "-f", "-Lo", "-C", "-c", str(config)]
            command += ["-p", str(workdir / f"snmpd-{n}.pid")]
            command += [f"udp:{host}:{port}" for host, port in chunk]
            with (workdir / f"snmpd-{n}.log").open("wb") as log:
                processes.append(
                    subprocess.Popen(
                        command,
                        stdout=log,
                        stderr=subprocess.STDOUT,
                        # snmpd needs no MIB files to answer; each keeps its own engine
                        # ID and users in its own persistent directory
                        env=dict(
                            os.environ, MIBS="", SNMP_PERSISTENT_DIR=str(workdir / f"snmpd-{n}")
                        ),
                        preexec_fn=(lambda: os.sched_setaffinity(0, {1})) if two_cpus() else None,
                    )
                )
        for start in range(0, len(live), AGENT_ADDRESSES):
            wait_for_agent(live[min(len(live), start + AGENT_ADDRESSES) - 1], time.monotonic() + 60)
        yield [p.pid for p in processes]
    finally:
        for process in processes:
            stop(process)


def run_worker(spec: dict[str, Any], workdir: Path) -> dict[str, Any]:
    path = workdir / "worker.json"
    path.write_text(json.dumps(spec))
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parent))
    done = subprocess.run(
        [sys.executable, __file__, f"--worker={path}"],
        capture_output=True,
        text=True,
        timeout=PROCESS_TIMEOUT,
        env=env,
    )
    if done.returncode:
        raise SystemExit(f"worker failed:\n{done.stderr[-3000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def run_snmpget(
    devices: Sequence[tuple[str, int, bool]], args: argparse.Namespace
) -> dict[str, Any]:
    """net-snmp's snmpget, one process per device, 16 at a time (xargs -P16) on CPU 0."""
    lines = "".join(f"{host}:{port}\n" for host, port, _ in devices)
    command = ["xargs", "-P16", "-I{}", "snmpget", "-v2c", "-c", COMMUNITY, "-On"]
    command += ["-t", f"{args.timeout:g}", "-r", str(args.retries), "{}", *request_oids()]
    if two_cpus():
        command = ["taskset", "-c", "0", *command]
    before = cpu_seconds(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(
        command,
        input=lines,
        capture_output=True,
        text=True,
        env=dict(os.environ, MIBS=""),
        timeout=PROCESS_TIMEOUT,
    )
    wall = time.perf_counter() - started
    cpu = cpu_seconds(resource.RUSAGE_CHILDREN) - before
    live = sum(1 for *_, is_dead in devices if not is_dead)
    return {
        "wall_s": wall,
        "cpu_s": cpu,
        "cpu_ms_per_live_device": 1000 * cpu / max(1, live),
        "live_ok": done.stdout.count(f".{UPTIME_OID} = "),
        "live": live,
        "peak_rss_mb": 16 * snmpget_peak_mb(devices[0], args),  # 16 processes at a time
    }


def snmpget_peak_mb(device: tuple[str, int, bool], args: argparse.Namespace) -> float:
    """The peak RSS of one snmpget process (wait4 gives that child's own rusage)."""
    command = ["snmpget", "-v2c", "-c", COMMUNITY, "-On", "-t", f"{args.timeout:g}"]
    command += ["-r", str(args.retries), f"{device[0]}:{device[1]}", *request_oids()]
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=dict(os.environ, MIBS="")
    )
    try:
        _, _, usage = os.wait4(process.pid, 0)
    finally:
        process.returncode = 0
    return usage.ru_maxrss / 1024


def exporter_config(timeout: float, retries: int) -> str:
    """snmp_exporter 0.21 module ``bench``: one GET of the 17 OIDs, v2c."""
    lines = ["bench:", "  version: 2", "  auth:", f"    community: {COMMUNITY}"]
    lines += [f"  timeout: {timeout:g}s", f"  retries: {retries}", "  max_repetitions: 25"]
    lines += ["  walk: []", "  get:", f"  - {UPTIME_OID}"]
    lines += [f"  - {oid}" for oid in request_oids()[1:]]
    lines += ["  metrics:", "  - name: sysUpTime", "    oid: 1.3.6.1.2.1.1.3", "    type: gauge"]
    for name, oid, kind in COLUMNS:
        lines += [f"  - name: {name}", f"    oid: {oid}", f"    type: {kind}", "    indexes:"]
        lines += ["    - labelname: ifIndex", "      type: gauge"]
    return "\n".join(lines) + "\n"


def process_cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def process_peak_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run_exporter(
    devices: Sequence[tuple[str, int, bool]], args: argparse.Namespace, workdir: Path
) -> dict[str, Any]:
    """A fresh snmp_exporter on CPU 0, every device scraped once, 200 scrapes at a time."""
    config = workdir / "snmp.yml"
    config.write_text(exporter_config(args.timeout, args.retries))
    port = free_port()
    command = [args.exporter, f"--config.file={config}", f"--web.listen-address=127.0.0.1:{port}"]
    with (workdir / "exporter.log").open("wb") as log:
        process = subprocess.Popen(
            command,
            stdout=log,
            stderr=subprocess.STDOUT,
            # on the CPU ours runs on: the first, or every one when ours has poller processes
            preexec_fn=(lambda: os.sched_setaffinity(0, {0}))
            if two_cpus() and args.workers == 1
            else None,
        )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{base}/", timeout=1).read()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise SystemExit("snmp_exporter did not start: see exporter.log") from None
                time.sleep(0.1)

        def scrape(device: tuple[str, int, bool]) -> bool:
            url = f"{base}/snmp?module=bench&target={device[0]}:{device[1]}"
            try:
                with urllib.request.urlopen(url, timeout=30) as response:
                    body: str = response.read().decode()
            except OSError:
                return False
            return "\nsysUpTime " in body and "ifHCInOctets{" in body

        cpu, started = process_cpu_seconds(process.pid), time.perf_counter()
        with ThreadPoolExecutor(EXPORTER_PARALLEL) as pool:
            answered = list(pool.map(scrape, devices))
        wall = time.perf_counter() - started
        cpu = process_cpu_seconds(process.pid) - cpu
        live = sum(1 for *_, is_dead in devices if not is_dead)
        return {
            "wall_s": wall,
            "cpu_s": cpu,
            "cpu_ms_per_live_device": 1000 * cpu / max(1, live),
            "live_ok": sum(1 for ok, d in zip(answered, devices, strict=True) if ok and not d[2]),
            "live": live,
            "peak_rss_mb": process_peak_mb(process.pid),
        }
    finally:
        stop(process)


def ours_spec(devices: Sequence[tuple[str, int, bool]], args: argparse.Namespace) -> dict[str, Any]:
    return {
        "agent_pid": args.agent_pid,
        "kind": "ours",
        "devices": [list(d) for d in devices],
        "timeout": args.timeout,
        "retries": args.retries,
        "concurrency": args.concurrency,
        "workers": args.workers,
        # one process on the first CPU; poller processes on every CPU
        "pin": not args.no_pin and args.workers == 1,
    }


def report_line(label: str, m: dict[str, Any]) -> str:
    return (
        f"{label}: {m['wall_s']:.2f} s wall, {m['cpu_ms_per_live_device']:.2f} ms CPU/live device, "
        f"{m['live_ok']}/{m['live']} live answered"
        + (f", peak {m['peak_rss_mb']:.0f} MB" if "peak_rss_mb" in m else "")
    )


def summarize(results: dict[str, Any]) -> str:
    """Markdown tables of the medians (what goes into RESULTS.md)."""
    out = []
    out.append(
        "| devices (10 % dead) | poller | runs | wall (median, min–max) | devices/s | "
        "CPU per live device | peak RSS | live answered (worst run) | ours vs it: wall · CPU |"
    )
    out.append("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for size, by_peer in results["sizes"].items():
        ours = by_peer.get("ours", [])
        ours_wall = median([r["cycle1"]["wall_s"] for r in ours])
        ours_cpu = median([r["cycle1"]["cpu_ms_per_live_device"] for r in ours])
        for peer, runs in by_peer.items():
            rows = [r["cycle1"] for r in runs] if peer == "ours" else runs
            for label, cycle_rows in (
                ((f"ours, cycle {c}", [r[f"cycle{c}"] for r in runs]) for c in (1, 2))
                if peer == "ours"
                else [(peer, rows)]
            ):
                walls = [r["wall_s"] for r in cycle_rows]
                wall = median(walls)
                cpu = median([r["cpu_ms_per_live_device"] for r in cycle_rows])
                peak = median([r.get("peak_rss_mb", float("nan")) for r in runs])
                worst = min(r["live_ok"] for r in cycle_rows)
                ratio = (
                    "—" if peer == "ours" else f"{wall / ours_wall:.2f}× · {cpu / ours_cpu:.2f}×"
                )
                out.append(
                    f"| {int(size):,} | {label} | {len(cycle_rows)} | {wall:.2f} s "
                    f"({min(walls):.2f}–{max(walls):.2f}) | {int(size) / wall:,.0f} | "
                    f"{cpu:.2f} ms | {peak:.0f} MB | {worst}/{cycle_rows[0]['live']} | {ratio} |"
                )
    out.append("")
    out.append(
        "| devices | register, first time | again, nothing changed | again, 1 % changed | "
        "RSS after registering |"
    )
    out.append("|---|---:|---:|---:|---:|")
    for size, by_peer in results["sizes"].items():
        ours = by_peer.get("ours", [])
        if ours:
            out.append(
                f"| {int(size):,} | {median([r['register_s'] for r in ours]):.3f} s | "
                f"{1000 * median([r['register_again_s'] for r in ours]):.1f} ms | "
                f"{1000 * median([r['register_1pct_changed_s'] for r in ours]):.1f} ms | "
                f"{median([r['rss_registered_mb'] for r in ours]):.0f} MB |"
            )
    if results.get("sweep"):
        out.append("")
        out.append("| live devices | dead devices | wall, cycle 1 · 2 | CPU per live device |")
        out.append("|---:|---:|---:|---:|")
        for row in results["sweep"]:
            out.append(
                f"| {row['live']:,} | {row['dead']:,} | {row['cycle1']['wall_s']:.2f} · "
                f"{row['cycle2']['wall_s']:.2f} s | {row['cycle1']['cpu_ms_per_live_device']:.2f} ms |"
            )
    if results.get("default_profile"):
        m = results["default_profile"]
        out.append("")
        out.append(
            f"Default profile ({m['varbinds']} varbinds), {m['devices']:,} devices: cycle 1 · 2 "
            f"{m['cycle1']['wall_s']:.2f} · {m['cycle2']['wall_s']:.2f} s, "
            f"{m['cycle1']['cpu_ms_per_live_device']:.2f} · "
            f"{m['cycle2']['cpu_ms_per_live_device']:.2f} ms CPU per live device, "
            f"peak {m['peak_rss_mb']:.0f} MB, {m['cycle1']['live_ok']}/{m['cycle1']['live']} live."
        )
    if results.get("v3"):
        runs = results["v3"]
        v2c = [r for r in results["sizes"].get(str(runs[0]["devices"]), {}).get("ours", [])]
        out.append("")
        out.append(
            "| SNMPv3 authPriv (SHA-256, AES-128) | runs | register | cycle 1 | cycle 2 | "
            "CPU per live device, cycle 2 | vs v2c CPU | live answered (worst) |"
        )
        out.append("|---|---:|---:|---:|---:|---:|---:|---:|")
        cpu = median([r["cycle2"]["cpu_ms_per_live_device"] for r in runs])
        v2c_cpu = median([r["cycle2"]["cpu_ms_per_live_device"] for r in v2c])
        out.append(
            f"| {runs[0]['devices']:,} devices, {runs[0]['dead']} dead | {len(runs)} | "
            f"{median([r['register_s'] for r in runs]):.2f} s | "
            f"{median([r['cycle1']['wall_s'] for r in runs]):.2f} s | "
            f"{median([r['cycle2']['wall_s'] for r in runs]):.2f} s | {cpu:.2f} ms | "
            f"{cpu / v2c_cpu:.2f}× | "
            f"{min(r['cycle2']['live_ok'] for r in runs)}/{runs[0]['cycle2']['live']} |"
        )
    if results.get("db"):
        out.append("")
        out.append(
            "| devices (10 % dead) | DB cycle | wall | CPU per live device | ok | peak RSS |"
        )
        out.append("|---|---|---:|---:|---:|---:|")
        for size, m in results["db"].items():
            for name in ("discovery", "poll"):
                c = m[name]
                out.append(
                    f"| {int(size):,} | {name} | {c['wall_s']:.2f} s | "
                    f"{c['cpu_ms_per_live_device']:.2f} ms | {c['ok']}/{c['live']} | "
                    f"{m['peak_rss_mb']:.0f} MB |"
                )
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--devices", default="1000,5000", help="sizes, comma-separated")
    parser.add_argument("--runs", type=int, default=3, help="runs per size and poller")
    parser.add_argument("--timeout", type=float, default=1.0)
    parser.add_argument("--retries", type=int, default=1)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--no-snmpget", action="store_true")
    parser.add_argument("--no-exporter", action="store_true")
    parser.add_argument("--no-sweep", action="store_true", help="skip the dead-device sweep")
    parser.add_argument("--db", action="store_true", help="also time a cycle with DB writes")
    parser.add_argument("--no-pin", action="store_true", help="do not pin pollers to CPU 0")
    parser.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        help="poller processes (default: one per CPU, unpinned; 1: one process on CPU 0)",
    )
    parser.add_argument("--v3", action="store_true", help="also poll every device by SNMPv3")
    parser.add_argument(
        "--db-url",
        help="database of the --db cycle (default: a SQLite file; PostgreSQL: its schema "
        "public is dropped and recreated)",
    )
    parser.add_argument("--json", type=Path, help="also write every measurement here")
    parser.add_argument("--summarize", type=Path, help="print the tables of a --json file")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    # A plain kill ends the run through its finally blocks, which stop every process started.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if args.worker:
        worker_main(args.worker)
        return
    if args.summarize:
        print(summarize(json.loads(args.summarize.read_text())))
        return
    sizes = [int(s) for s in args.devices.split(",") if s]
    for tool, package in (("snmpd", "snmpd"), ("snmpget", "snmp")):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} not found: apt-get install -y {package}")
    args.exporter = None if args.no_exporter else shutil.which("prometheus-snmp-exporter")
    largest = max(sizes)
    extra_dead = 0 if args.no_sweep else largest * 4 // 10
    endpoints = loopback_endpoints(largest + extra_dead, port=1161)
    flags = dead_flags(largest) + [True] * extra_dead
    devices = [(h, p, d) for (h, p), d in zip(endpoints, flags, strict=True)]
    live = [(h, p) for h, p, d in devices if not d]
    dead = [(h, p) for h, p, d in devices if d]
    conditions = {
        "host": platform.node(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "started": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
        "load_start": os.getloadavg(),
        "versions": versions(),
    }
    print(json.dumps(conditions), flush=True)
    results: dict[str, Any] = {"conditions": conditions, "sizes": {}, "sweep": [], "db": {}}
    with tempfile.TemporaryDirectory(prefix="bench-snmp-cycle-") as tmp:
        workdir = Path(tmp)
        with snmpd(live, workdir) as agents, UdpAgents(dead, mode="drop"):
            args.agent_pid = agents[0]

            def agent_cpu() -> float:
                return sum(process_cpu_seconds(pid) for pid in agents)

            def agent_ms(since: float, measured: dict[str, Any]) -> None:
                """snmpd's CPU per live device and request (the agent must not be the limit)."""
                spent = agent_cpu() - since
                measured["agent_cpu_ms_per_live_device"] = 1000 * spent / max(1, measured["live"])

            for size in sizes:
                chosen = devices[:size]
                by_peer: dict[str, list[dict[str, Any]]] = results["sizes"].setdefault(
                    str(size), {}
                )
                for run in range(args.runs):
                    load = os.getloadavg()[0]
                    since = agent_cpu()
                    m = run_worker(ours_spec(chosen, args), workdir)
                    m["load"] = load
                    m["live"] = 2 * m["cycle1"]["live"]  # two cycles
                    agent_ms(since, m)
                    by_peer.setdefault("ours", []).append(m)
                    print(
                        f"{size} run {run + 1} (load {load:.2f}) register {m['register_s']:.2f} s, "
                        f"again {1000 * m['register_again_s']:.1f} ms, 1 % changed "
                        f"{1000 * m['register_1pct_changed_s']:.1f} ms; "
                        + report_line(
                            "ours cycle 1", {**m["cycle1"], "peak_rss_mb": m["peak_rss_mb"]}
                        )
                        + "; "
                        + report_line("cycle 2", m["cycle2"])
                        + f" {m['cycle1']['live_failures']}; waited for a CPU "
                        f"{m['cycle1']['runqueue_wait_s']:.1f} s (snmpd "
                        f"{m['cycle1']['agent_runqueue_wait_s']:.1f} s); snmpd "
                        f"{m['agent_cpu_ms_per_live_device']:.2f} ms CPU per request",
                        flush=True,
                    )
                    if not args.no_snmpget:
                        since = agent_cpu()
                        p = run_snmpget(chosen, args)
                        agent_ms(since, p)
                        p["load"] = load
                        by_peer.setdefault("snmpget -P16", []).append(p)
                        print(f"{size} run {run + 1} " + report_line("snmpget", p), flush=True)
                    if args.exporter:
                        since = agent_cpu()
                        p = run_exporter(chosen, args, workdir)
                        agent_ms(since, p)
                        p["load"] = load
                        by_peer.setdefault("snmp_exporter", []).append(p)
                        print(
                            f"{size} run {run + 1} " + report_line("snmp_exporter", p), flush=True
                        )
            if not args.no_sweep:
                live_part = [d for d in devices[:largest] if not d[2]]
                dead_all = [d for d in devices if d[2]]
                for extra in (0, largest // 10, extra_dead + largest // 10):
                    load = os.getloadavg()[0]
                    chosen = interleave(live_part, dead_all[:extra])
                    m = run_worker(ours_spec(chosen, args), workdir)
                    m["load"] = load
                    results["sweep"].append(
                        {"live": len(live_part), "dead": extra, "load": load, **m}
                    )
                    print(
                        f"sweep {len(live_part)} live + {extra} dead (load {load:.2f}): "
                        + report_line("cycle 1", m["cycle1"])
                        + "; "
                        + report_line("cycle 2", m["cycle2"]),
                        flush=True,
                    )
            if args.v3:  # the same devices by SNMPv3 authPriv (SHA-256, AES-128)
                for run in range(args.runs):
                    load = os.getloadavg()[0]
                    m = run_worker({**ours_spec(devices[:largest], args), "v3": True}, workdir)
                    m["load"] = load
                    results.setdefault("v3", []).append(m)
                    print(
                        f"v3 {largest} run {run + 1} (load {load:.2f}) register "
                        f"{m['register_s']:.2f} s ({m['register_cpu_s']:.2f} s CPU): "
                        + report_line("cycle 1", m["cycle1"])
                        + "; "
                        + report_line("cycle 2", m["cycle2"])
                        + f" {m['cycle2']['live_failures']}",
                        flush=True,
                    )
            # The default profile's poll: 7 columns per interface (29 varbinds), one run.
            load = os.getloadavg()[0]
            m = run_worker({**ours_spec(devices[:largest], args), "default_profile": True}, workdir)
            results["default_profile"] = {"load": load, **m}
            print(
                f"default profile, {largest} devices, {m['varbinds']} varbinds (load {load:.2f}): "
                + report_line("cycle 1", m["cycle1"])
                + "; "
                + report_line("cycle 2", m["cycle2"]),
                flush=True,
            )
            if args.db:
                for size in sizes:
                    spec = {
                        **ours_spec(devices[:size], args),
                        "kind": "db",
                        "database_url": args.db_url
                        or f"sqlite:///{workdir / f'cycle-{size}.sqlite'}",
                    }
                    m = run_worker(spec, workdir)
                    results["db"][str(size)] = m
                    print(f"db cycle {size}: {json.dumps(m)}", flush=True)
    results["conditions"]["load_end"] = os.getloadavg()
    print()
    print(summarize(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


def versions() -> dict[str, str]:
    found: dict[str, str] = {}
    for name, command in (
        ("net-snmp", ["snmpget", "--version"]),
        ("snmp_exporter", ["prometheus-snmp-exporter", "--version"]),
    ):
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            done = subprocess.run(command, capture_output=True, text=True, timeout=10)
            found[name] = (done.stdout + done.stderr).strip().splitlines()[0]
    from importlib.metadata import version

    for package in ("pysnmp", "pyasn1"):
        with contextlib.suppress(Exception):
            found[package] = version(package)
    return found


if __name__ == "__main__":
    main()
