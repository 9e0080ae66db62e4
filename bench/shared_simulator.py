"""Benchmark: start time and memory of one snmpsim engine simulating thousands of agents.

    .venv/bin/python bench/shared_simulator.py            # 3,000 agents, cold then warm start
    .venv/bin/python bench/shared_simulator.py --agents 500

Agents on 127.79.x.y:1161, each with sysUpTime advancing and 8 interfaces whose octet
counters move (snmpsim's numeric variation), two thirds answering v2c (10 communities), one
third SNMPv3 (one SHA-256/AES-128 user). "Cold" is the first start in a fresh folder (snmpsim
indexes every recording); "warm" restarts with the same recordings (their indexes are reused).
Start time runs until every endpoint has answered. RSS is snmpsim's, read once started.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from demo.shared_simulation import SharedAgent, SharedSnmpSimulator
from demo.simulation import SimUser
from demo.snmprec import SimDevice, SimInterface
from inventory.choices import SnmpAuthProtocol, SnmpPrivProtocol


def agents(count: int) -> list[SharedAgent]:
    out = []
    for n in range(count):
        ports = tuple(
            SimInterface(i, f"GE0/0/{i}", in_octets=10**9, in_rate=10**6, out_rate=10**5)
            for i in range(1, 9)
        )
        device = SimDevice(sys_descr=f"device {n}", clock=True, interfaces=ports)
        community = None if n % 3 == 0 else f"bench-{n % 10}"
        out.append(SharedAgent(f"127.79.{n // 250}.{n % 250 + 1}", 1161, device, community))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=3000)
    args = parser.parse_args()
    users = [
        SimUser(
            "bench",
            SnmpAuthProtocol.SHA256,
            "bench-auth-1",
            SnmpPrivProtocol.AES128,
            "bench-priv-1",
        )
    ]
    print(f"{args.agents} agents, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory() as folder:
        for run in ("cold", "warm"):
            simulator = SharedSnmpSimulator(agents(args.agents), Path(folder), users)
            started = time.monotonic()
            with simulator:
                elapsed = time.monotonic() - started
                rss = (simulator.rss_bytes() or 0) / 2**20
            print(
                f"  {run} start: {elapsed:5.1f} s until every endpoint answered, RSS {rss:.0f} MB"
            )


if __name__ == "__main__":
    main()
