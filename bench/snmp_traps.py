"""Benchmark: SNMP traps into a running collector (issue 20, point 2).

    .venv/bin/python bench/snmp_traps.py            # decode, latency, storm; one command

* **decode**: CPU per datagram of ``collectors.traps.decode`` against pysnmp/pyasn1's decoder,
  on traps captured from net-snmp's ``snmptrap`` (v2c, and a v3 authPriv envelope).
* **latency**: a collector service (scheduler, SNMP client, trap receiver on one loop; a
  SQLite inventory of ``--devices`` devices answered by one net-snmp ``snmpd``) is sent one
  linkDown per device by ``snmptrap`` from the device's own address; the time from just
  before ``snmptrap`` starts to the outage row being visible in the database (read every
  10 ms from another connection). Target ≤ 5 s.
* **storm**: forced poll cycles of every device, back to back, first without traps, then
  while another process sends ``--rate`` traps a second for ``--seconds`` (linkDown and linkUp,
  from ``--flappers`` devices, the last one of each a linkDown the agents contradict). Each
  cycle during the storm is compared with the median quiet cycle (target: ≤ +10 %). After the
  storm every device must end as its agent says (uplink up, no open interface outage), and
  each flapping device must have been polled after its last trap: no confirmed state lost.

Every process started here is stopped at the end; every wait is bounded.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import snmp_cycle  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from collectors import ber, settings  # noqa: E402
from collectors.scheduler import BackgroundCollector, CollectorService  # noqa: E402
from collectors.traps import decode  # noqa: E402
from demo.udp_agents import loopback_endpoints  # noqa: E402
from inventory.choices import OutageCause  # noqa: E402
from inventory.db import make_sessionmaker  # noqa: E402
from inventory.models.base import utcnow  # noqa: E402
from inventory.models.polling import DeviceState, InterfaceState, Outage  # noqa: E402
from inventory.secretbox import SecretBox  # noqa: E402

COMMUNITY = snmp_cycle.COMMUNITY
LINK_DOWN, LINK_UP = decode.LINK_DOWN, decode.LINK_UP


def trap_datagram(trap: str, if_index: int, status: int, uptime: int = 1) -> bytes:
    """A v2c trap as a switch sends it (sysUpTime, snmpTrapOID, ifIndex, ifOperStatus)."""
    varbinds = [
        ber.tlv(ber.SEQUENCE, ber.oid(decode.SYS_UPTIME) + ber.tlv(0x43, uptime.to_bytes(4))),
        ber.tlv(ber.SEQUENCE, ber.oid(decode.SNMP_TRAP_OID) + ber.oid(trap)),
        ber.tlv(ber.SEQUENCE, ber.oid(f"{decode.IF_INDEX}{if_index}") + ber.integer(if_index)),
        ber.tlv(ber.SEQUENCE, ber.oid(f"{decode.IF_OPER_STATUS}{if_index}") + ber.integer(status)),
    ]
    pdu = ber.tlv(
        decode.TRAP_PDU,
        ber.integer(1) + ber.integer(0) + ber.integer(0) + ber.tlv(0x30, b"".join(varbinds)),
    )
    return ber.tlv(0x30, ber.integer(1) + ber.octets(COMMUNITY.encode()) + pdu)


# --- decode --------------------------------------------------------------------------------


def capture(args: list[str]) -> bytes:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.settimeout(10)
        port = sock.getsockname()[1]
        subprocess.run(["snmptrap", *args[:-1], f"127.0.0.1:{port}", "", *args[-1:]], check=True)
        return sock.recvfrom(65535)[0]


def measure_decode(count: int = 20_000) -> dict[str, float]:
    from collectors.client.pysnmp_api import api, ber_decoder
    from collectors.snmp_types import SnmpCredentials
    from inventory.choices import SnmpAuthProtocol, SnmpPrivProtocol, SnmpVersion

    v2c = trap_datagram(LINK_DOWN, 3, 2)
    v3_args = ["-v3", "-u", "bench", "-l", "authPriv", "-a", "SHA-256", "-A", "bench-auth-1"]
    v3_args += ["-x", "AES", "-X", "bench-priv-1", "-e", "0x80001f8880aabbcc", LINK_DOWN]
    v3 = capture(v3_args)
    creds = SnmpCredentials(
        SnmpVersion.V3,
        username="bench",
        auth_protocol=SnmpAuthProtocol.SHA256,
        auth_key="bench-auth-1",
        priv_protocol=SnmpPrivProtocol.AES128,
        priv_key="bench-priv-1",
    )
    spec = api.PROTOCOL_MODULES[api.SNMP_VERSION_2C].Message()

    def per_message(fn: Any, n: int) -> float:
        started = time.process_time()
        for _ in range(n):
            fn()
        return (time.process_time() - started) / n * 1e6

    def ours_v2c() -> None:
        decode.read_v2c(v2c, decode.read_message(v2c))

    def ours_v3() -> None:
        decode.open_v3(v3, decode.read_message(v3), creds)

    return {
        "ours_v2c_us": per_message(ours_v2c, count),
        "pyasn1_v2c_us": per_message(lambda: ber_decoder.decode(v2c, asn1Spec=spec), count // 10),
        "ours_v3_authpriv_us": per_message(ours_v3, count),
    }


# --- the collector under test --------------------------------------------------------------


class Bench:
    def __init__(self, url: str, devices: Sequence[tuple[str, int, bool]], port: int) -> None:
        box = SecretBox([SecretBox.generate_key()])
        self.engine = snmp_cycle.build_inventory(url, box, devices, COMMUNITY)
        self.sessions = make_sessionmaker(self.engine)
        config = settings.from_config(
            {
                "COLLECTOR_TICK_S": 3600,
                "COLLECTOR_TRAP_HOST": "127.0.0.1",
                "COLLECTOR_TRAP_PORT": port,
                "COLLECTOR_BATCH": 250,
                "COLLECTOR_TIMEOUT_S": 2,
                "COLLECTOR_CONCURRENCY": 32,
            }
        )
        self.service = CollectorService(self.engine, self.sessions, box, config)
        self.background = BackgroundCollector(self.service)
        self.port = port

    def on_loop(self, coroutine: Any, timeout: float = 600) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.background.loop).result(timeout)

    def cycle(self) -> float:
        assert self.service.collector is not None
        started = time.monotonic()
        self.on_loop(self.service.collector.run_cycle(force=True))
        return time.monotonic() - started

    def wait(self, check: Any, deadline: float) -> Any:
        end = time.monotonic() + deadline
        while time.monotonic() < end:
            found = check()
            if found:
                return found
            time.sleep(0.01)
        return None

    def uplinks(self) -> dict[int, int]:
        """Each device's ifIndex of its uplink's interface (eth0), from discovery."""
        with self.sessions() as session:
            rows = session.execute(
                sa.select(InterfaceState.device_id, InterfaceState.if_index).where(
                    InterfaceState.name == "eth0"
                )
            )
            return {int(a): b for a, b in rows}

    def open_outages(self) -> dict[int, datetime]:
        with self.sessions() as session:
            rows = session.execute(
                sa.select(Outage.device_id, Outage.started_at).where(
                    Outage.ended_at.is_(None), Outage.cause == OutageCause.INTERFACE_DOWN
                )
            )
            return {int(a): b for a, b in rows}


def measure_latency(bench: Bench, hosts: dict[int, str], samples: int) -> list[float]:
    index = bench.uplinks()
    delays = []
    for device_id in list(index)[:samples]:
        command = ["snmptrap", "-v2c", "-c", COMMUNITY, f"--clientaddr={hosts[device_id]}"]
        command += [f"127.0.0.1:{bench.port}", "", LINK_DOWN]
        command += [f"{decode.IF_INDEX}{index[device_id]}", "i", str(index[device_id])]
        started = time.monotonic()
        subprocess.run(command, check=True)
        seen = bench.wait(lambda d=device_id: d in bench.open_outages(), 30)
        delays.append(time.monotonic() - started if seen else float("inf"))
        time.sleep(0.2)
    return delays


STORM_SENDER = """
import socket, sys, time, json
spec = json.loads(sys.argv[1])
socks = []
for host in spec["hosts"]:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind((host, 0)); socks.append(s)
grams = [bytes.fromhex(g) for g in spec["grams"]]  # per host: up, down
rate, seconds, target = spec["rate"], spec["seconds"], ("127.0.0.1", spec["port"])
total = int(rate * seconds); start = time.monotonic(); sent = 0
while sent < total:
    due = int((time.monotonic() - start) * rate) + 1
    while sent < min(due, total):
        n = sent % len(socks)
        # each host alternates down and up; its last datagram is a linkDown
        last = sent >= total - len(socks)
        g = grams[2 * n + 1] if last or (sent // len(socks)) % 2 == 0 else grams[2 * n]
        socks[n].sendto(g, target); sent += 1
    time.sleep(0.001)
print(json.dumps({"sent": sent, "seconds": time.monotonic() - start}))
"""


def measure_storm(bench: Bench, hosts: dict[int, str], args: argparse.Namespace) -> dict[str, Any]:
    import json

    quiet = [bench.cycle() for _ in range(args.quiet_cycles)]
    index = bench.uplinks()
    flappers = list(index)[: args.flappers]
    grams = []
    for device_id in flappers:
        grams += [trap_datagram(LINK_UP, index[device_id], 1).hex()]
        grams += [trap_datagram(LINK_DOWN, index[device_id], 2).hex()]
    spec = {
        "hosts": [hosts[d] for d in flappers],
        "grams": grams,
        "rate": args.rate,
        "seconds": args.seconds,
        "port": bench.port,
    }
    assert bench.service.traps is not None
    before = dict(bench.service.traps.counts)
    sender = subprocess.Popen(
        [sys.executable, "-c", STORM_SENDER, json.dumps(spec)], stdout=subprocess.PIPE
    )
    stormy: list[float] = []
    try:
        while sender.poll() is None:
            stormy.append(bench.cycle())
        out, _ = sender.communicate(timeout=60)
    finally:
        snmp_cycle.stop(sender)
    storm_end = utcnow()
    sent = json.loads(out)
    # Settle: the backlog read, every flapping device polled after its last trap; then the
    # inventory must say what the agents say (every uplink up, no open interface outage).
    settle_start = time.monotonic()
    settled = bench.wait(lambda: _agrees_with_agents(bench), 120)
    settle_s = time.monotonic() - settle_start
    after = dict(bench.service.traps.counts)
    with bench.sessions() as session:
        polled_after = session.scalar(
            sa.select(sa.func.count()).where(
                DeviceState.device_id.in_(flappers), DeviceState.last_polled_at >= storm_end
            )
        )
        down_ifaces = session.scalar(
            sa.select(sa.func.count()).where(
                InterfaceState.name == "eth0", InterfaceState.oper_up.is_not(True)
            )
        )
    return {
        "quiet_s": quiet,
        "storm_s": stormy,
        "sent": sent,
        "received": {k: after.get(k, 0) - before.get(k, 0) for k in after},
        "settled": bool(settled),
        "settled_after_s": round(settle_s, 1),
        "flappers_polled_after_storm": polled_after,
        "open_interface_outages_after": len(bench.open_outages()),
        "uplinks_not_up_after": down_ifaces,
    }


def _agrees_with_agents(bench: Bench) -> bool:
    if bench.open_outages():
        return False
    with bench.sessions() as session:
        return not session.scalar(
            sa.select(sa.func.count()).where(
                InterfaceState.name == "eth0", InterfaceState.oper_up.is_not(True)
            )
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--devices", type=int, default=200)
    parser.add_argument("--samples", type=int, default=20)
    parser.add_argument("--rate", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--flappers", type=int, default=50)
    parser.add_argument("--quiet-cycles", type=int, default=4)
    args = parser.parse_args()
    load = os.getloadavg()
    print(f"load average at start: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}", flush=True)
    print("decode:", {k: round(v, 1) for k, v in measure_decode().items()}, flush=True)
    endpoints = loopback_endpoints(args.devices)
    with tempfile.TemporaryDirectory() as tmp, snmp_cycle.snmpd(endpoints, Path(tmp)):
        devices = [(h, p, False) for h, p in endpoints]
        port = snmp_cycle.free_port()
        bench = Bench(f"sqlite:///{tmp}/bench.sqlite", devices, port)
        hosts = {n + 1: h for n, (h, _) in enumerate(endpoints)}  # device ids in order
        bench.background.start()
        try:
            first = bench.wait(lambda: bench.service.last_cycle is not None, 300)
            assert first and bench.service.last_cycle is not None
            print("first cycle:", bench.service.last_cycle.line(), flush=True)
            delays = measure_latency(bench, hosts, args.samples)
            print(
                f"latency trap → recorded outage over {len(delays)} traps: median "
                f"{statistics.median(delays):.3f} s, max {max(delays):.3f} s",
                flush=True,
            )
            bench.wait(lambda: not bench.open_outages(), 60)  # confirming polls end them
            storm = measure_storm(bench, hosts, args)
        finally:
            bench.background.stop()
            bench.engine.dispose()
    quiet = statistics.median(storm["quiet_s"])
    worst = max(storm["storm_s"]) if storm["storm_s"] else float("nan")
    print("storm:", storm, flush=True)
    print(
        f"poll cycle of {args.devices} devices: quiet median {quiet:.2f} s; during the storm "
        f"{len(storm['storm_s'])} cycles, median {statistics.median(storm['storm_s']):.2f} s, "
        f"worst {worst:.2f} s (+{(worst / quiet - 1) * 100:.0f} %)"
    )
    load = os.getloadavg()
    print(f"load average at end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")


if __name__ == "__main__":
    main()
