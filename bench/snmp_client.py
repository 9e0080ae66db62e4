"""Benchmark: the pysnmp client polling many devices, against net-snmp's snmpget.

    apt-get install -y snmpd snmp          # the agent and the peer
    .venv/bin/python bench/snmp_client.py  # 1,000 devices × 3 runs, 5,000 × 1

One net-snmp ``snmpd`` answers SNMPv2c on every live device's loopback address
(127.a.b.c:1161); 10 % of the devices are dead: a socket that reads and drops (no ICMP error,
so the poller waits for its timeout). Each device gets one GET of 17 varbinds — sysUpTime and
ifOperStatus, ifHighSpeed, ifHCInOctets, ifHCOutOctets of interfaces 1–4 — with timeout 1 s,
1 retry, 100 requests in flight, as in ../shared/SNMP-NOTES.md.

Each run is a fresh process (its own peak RSS) that registers the targets twice (the second
time must cost ≈ 0), then polls them all twice. The poller is pinned to CPU 0 and snmpd to
CPU 1 when there are two. net-snmp's ``snmpget`` then polls the same devices, one process per
device, ``xargs -P16``, on CPU 0 too, for the ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import platform
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from collectors import ber  # noqa: E402
from collectors.profiles import load_profile  # noqa: E402
from demo.udp_agents import UdpAgents, loopback_endpoints  # noqa: E402

COMMUNITY = "public"
INTERFACES = (1, 2, 3, 4)
POLL_COLUMNS = ("ifOperStatus", "ifHighSpeed", "ifHCInOctets", "ifHCOutOctets")


def request_oids() -> list[str]:
    """sysUpTime and 4 columns of interfaces 1–4: the 17 varbinds of SNMP-NOTES.md."""
    profile = load_profile()
    oids = [profile.object("sysUpTime").oid]
    for index in INTERFACES:
        oids += [profile.object(name).instance(index) for name in POLL_COLUMNS]
    return oids


def pin(cpu: int) -> None:
    if (os.cpu_count() or 1) > 1 and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {cpu})


def is_dead(index: int) -> bool:
    return index % 10 == 9  # every tenth device: 10 %


# --- the measured process -------------------------------------------------------------------


async def poll_all(client: Any, keys: list[int], oids: list[str], in_flight: int) -> list[Any]:
    queue: asyncio.Queue[int] = asyncio.Queue()
    for key in keys:
        queue.put_nowait(key)
    replies: list[Any] = []

    async def worker() -> None:
        while not queue.empty():
            key = queue.get_nowait()
            replies.append(await client.get(key, oids))

    await asyncio.gather(*(worker() for _ in range(in_flight)))
    return replies


class GcClock:
    """Wall seconds spent in the cyclic garbage collector (pyasn1 makes many objects)."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self._started = 0.0
        gc.callbacks.append(self._callback)

    def _callback(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.seconds += time.perf_counter() - self._started


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


async def measure(endpoints: list[list[Any]], args: argparse.Namespace) -> dict[str, Any]:
    from collectors.client import PysnmpClient
    from collectors.snmp_types import SnmpCredentials, Target
    from inventory.choices import SnmpVersion

    credentials = SnmpCredentials(SnmpVersion.V2C, community=COMMUNITY)
    targets = [
        Target(n, host, port, credentials, timeout=args.timeout, retries=args.retries)
        for n, (host, port, _) in enumerate(endpoints)
    ]
    oids = request_oids()
    result: dict[str, Any] = {"devices": len(targets), "rss_start_mb": rss_mb()}
    client = PysnmpClient()
    started = time.perf_counter()
    await client.register(targets)
    result["register_s"] = time.perf_counter() - started
    started = time.perf_counter()
    again = await client.register(targets)
    result["register_again_s"] = time.perf_counter() - started
    assert again.unchanged == len(targets)
    result["rss_registered_mb"] = rss_mb()
    if args.gc_freeze:
        gc.freeze()  # the registered targets are long-lived: keep them out of GC scans
    keys = [t.key for t in targets]
    gc_clock = GcClock()
    for cycle in (1, 2):
        cpu, started, gc_before = cpu_seconds(), time.perf_counter(), gc_clock.seconds
        replies = await poll_all(client, keys, oids, args.in_flight)
        wall, cpu = time.perf_counter() - started, cpu_seconds() - cpu
        live_ok = sum(1 for r in replies if r.ok and not endpoints[r.key][2])
        dead_timeout = sum(
            1 for r in replies if r.failure and r.failure.value == "timeout" and endpoints[r.key][2]
        )
        live = sum(1 for e in endpoints if not e[2])
        result[f"cycle{cycle}"] = {
            "wall_s": wall,
            "cpu_s": cpu,
            "cpu_ms_per_device": 1000 * cpu / len(targets),
            "cpu_ms_per_live_device": 1000 * cpu / live,
            "gc_s": gc_clock.seconds - gc_before,
            "live_ok": live_ok,
            "live": live,
            "dead_timeout": dead_timeout,
            "dead": len(targets) - live,
            "other_failures": sorted(
                {
                    f"{r.failure.value}: {r.detail}"
                    for r in replies
                    if r.failure and not endpoints[r.key][2]
                }
            )[:5],
            "max_elapsed_live_s": max(
                (r.elapsed for r in replies if not endpoints[r.key][2]), default=0.0
            ),
        }
    await client.close()
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


def worker_main(args: argparse.Namespace) -> None:
    if not args.no_pin:
        pin(0)
    endpoints = json.loads(Path(args.worker).read_text())
    print(json.dumps(asyncio.run(measure(endpoints, args))))


# --- the orchestration ----------------------------------------------------------------------


def wait_for_agent(endpoint: tuple[str, int], deadline: float) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(0.2)
        while time.monotonic() < deadline:
            sock.sendto(ber.v2c_get(COMMUNITY.encode(), 1, ("1.3.6.1.2.1.1.3.0",)), endpoint)
            try:
                sock.recvfrom(65535)
                return
            except (TimeoutError, ConnectionRefusedError):
                continue
    raise SystemExit(f"snmpd does not answer on {endpoint}")


def start_snmpd(live: list[tuple[str, int]], workdir: Path) -> subprocess.Popen[bytes]:
    config = workdir / "snmpd.conf"
    config.write_text(f"rocommunity {COMMUNITY} 127.0.0.0/8\n")
    command = ["snmpd", "-f", "-Lo", "-C", "-c", str(config), "-p", str(workdir / "snmpd.pid")]
    command += [f"udp:{host}:{port}" for host, port in live]
    two_cpus = (os.cpu_count() or 1) > 1
    log = (workdir / "snmpd.log").open("wb")
    process = subprocess.Popen(
        command,
        stdout=log,
        stderr=subprocess.STDOUT,
        env=dict(os.environ, MIBS=""),  # snmpd needs no MIB files to answer
        preexec_fn=(lambda: os.sched_setaffinity(0, {1})) if two_cpus else None,
    )
    wait_for_agent(live[-1], time.monotonic() + 60)
    return process


def run_worker(
    endpoints: list[tuple[str, int]], args: argparse.Namespace, workdir: Path
) -> dict[str, Any]:
    path = workdir / f"endpoints-{len(endpoints)}.json"
    path.write_text(json.dumps([[h, p, is_dead(n)] for n, (h, p) in enumerate(endpoints)]))
    command = [
        sys.executable,
        __file__,
        f"--worker={path}",
        f"--timeout={args.timeout}",
        f"--retries={args.retries}",
        f"--in-flight={args.in_flight}",
        *(["--gc-freeze"] if args.gc_freeze else []),
        *(["--no-pin"] if args.no_pin else []),
    ]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return dict(json.loads(output.strip().splitlines()[-1]))


def run_snmpget(endpoints: list[tuple[str, int]], args: argparse.Namespace) -> dict[str, Any]:
    """net-snmp's snmpget, one process per device, 16 at a time (xargs -P16) on CPU 0."""
    lines = "".join(f"{host}:{port}\n" for host, port in endpoints)
    command = ["xargs", "-P16", "-I{}", "snmpget", "-v2c", "-c", COMMUNITY, "-On"]
    command += ["-t", f"{args.timeout:g}", "-r", str(args.retries), "{}", *request_oids()]
    if (os.cpu_count() or 1) > 1:
        command = ["taskset", "-c", "0", *command]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(
        command,
        input=lines,
        capture_output=True,
        text=True,
        env=dict(os.environ, MIBS=""),
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    answered = done.stdout.count(".1.3.6.1.2.1.1.3.0 = ")
    live = sum(1 for n in range(len(endpoints)) if not is_dead(n))
    return {
        "devices": len(endpoints),
        "wall_s": wall,
        "cpu_s": cpu,
        "cpu_ms_per_device": 1000 * cpu / len(endpoints),
        "live_ok": answered,
        "live": live,
    }


def summary(results: dict[int, list[dict[str, Any]]], peers: dict[int, dict[str, Any]]) -> str:
    rows = []
    for size, runs in results.items():

        def median(path: str, runs: list[dict[str, Any]] = runs) -> float:
            values = []
            for run in runs:
                value: Any = run
                for part in path.split("."):
                    value = value[part]
                values.append(float(value))
            return statistics.median(values)

        c1 = "cycle1"
        peer = peers.get(size)
        rows.append(
            f"| {size:,} | {len(runs)} | {median('register_s'):.1f} s | "
            f"{median('register_again_s') * 1000:.1f} ms | {median(c1 + '.wall_s'):.1f} s | "
            f"{median('cycle2.wall_s'):.1f} s | {median(c1 + '.cpu_ms_per_live_device'):.2f} ms | "
            f"{median('peak_rss_mb'):.0f} MB | "
            f"{min(r[c1]['live_ok'] for r in runs)}/{runs[0][c1]['live']} | "
            + (
                f"{peer['wall_s']:.1f} s, {peer['cpu_ms_per_device']:.1f} ms/device, "
                f"{peer['live_ok']}/{peer['live']} ({peer['wall_s'] / median(c1 + '.wall_s'):.1f}×) |"
                if peer
                else "— |"
            )
        )
    header = (
        "| devices (10 % dead) | runs | register | register again | cycle 1 wall | "
        "cycle 2 wall | CPU per live device (cycle 1) | peak RSS | live answered | "
        "snmpget ×16 (wall, CPU, answered, ratio) |\n|" + "---|" * 10
    )
    return header + "\n" + "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--devices", type=int, nargs="+", default=[1000, 5000])
    parser.add_argument(
        "--runs",
        type=int,
        nargs="+",
        default=None,
        help="runs per size (default 3 up to 1,000, else 1)",
    )
    parser.add_argument("--timeout", type=float, default=1.0)
    parser.add_argument("--retries", type=int, default=1)
    parser.add_argument("--in-flight", type=int, default=100)
    parser.add_argument("--no-snmpget", action="store_true", help="skip the net-snmp snmpget peer")
    parser.add_argument("--no-pin", action="store_true", help="do not pin the poller to CPU 0")
    parser.add_argument(
        "--gc-freeze", action="store_true", help="gc.freeze() after registering the targets"
    )
    parser.add_argument("--json", type=Path, help="also write every measurement here")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker_main(args)
        return
    for tool in ("snmpd", "snmpget"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} not found: apt-get install -y snmpd snmp")
    runs = args.runs or [3 if size <= 1000 else 1 for size in args.devices]
    largest = max(args.devices)
    endpoints = loopback_endpoints(largest, port=1161)
    live = [e for n, e in enumerate(endpoints) if not is_dead(n)]
    dead = [e for n, e in enumerate(endpoints) if is_dead(n)]
    print(
        f"{platform.node()}: {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}; "
        f"{len(live)} live devices on snmpd, {len(dead)} dead (drop sockets), "
        f"{endpoints[0][0]}…{endpoints[-1][0]}",
        flush=True,
    )
    results: dict[int, list[dict[str, Any]]] = {}
    peers: dict[int, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-snmp-") as tmp:
        workdir = Path(tmp)
        snmpd = start_snmpd(live, workdir)
        try:
            with UdpAgents(dead, mode="drop"):
                for size, count in zip(args.devices, runs, strict=True):
                    for run in range(count):
                        measured = run_worker(endpoints[:size], args, workdir)
                        measured["load_before"] = os.getloadavg()[0]
                        results.setdefault(size, []).append(measured)
                        c1, c2 = measured["cycle1"], measured["cycle2"]
                        print(
                            f"{size} devices, run {run + 1}: register {measured['register_s']:.2f} s "
                            f"(again {measured['register_again_s'] * 1000:.1f} ms); cycle 1 "
                            f"{c1['wall_s']:.2f} s, {c1['cpu_ms_per_live_device']:.2f} ms CPU/live "
                            f"device, {c1['live_ok']}/{c1['live']} live ok, {c1['dead_timeout']}/"
                            f"{c1['dead']} dead timed out; cycle 2 {c2['wall_s']:.2f} s, "
                            f"{c2['cpu_ms_per_live_device']:.2f} ms; GC {c1['gc_s']:.1f} s + {c2['gc_s']:.1f} s; peak RSS "
                            f"{measured['peak_rss_mb']:.0f} MB {c1['other_failures']}",
                            flush=True,
                        )
                    if not args.no_snmpget:
                        peers[size] = run_snmpget(endpoints[:size], args)
                        print(f"{size} devices, snmpget -P16: {peers[size]}", flush=True)
        finally:
            snmpd.terminate()
            snmpd.wait(timeout=10)
    print()
    print(summary(results, peers))
    if args.json:
        args.json.write_text(json.dumps({"runs": results, "snmpget": peers}, indent=2))


if __name__ == "__main__":
    main()
