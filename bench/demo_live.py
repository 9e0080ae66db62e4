"""Benchmark: ``digicampus demo`` from a fresh instance folder until every device is polled.

    .venv/bin/python bench/demo_live.py            # full scale (~2,900 devices)
    .venv/bin/python bench/demo_live.py --scale 0.2

Starts ``digicampus demo`` (the README's first command) as a child process on a free port,
in this checkout's ``instance/`` folder, which must not exist yet (move it away first: the
benchmark deletes what it created when it ends). Reports, from the process start:

* when the demo inventory is loaded, when the simulated agents answer (the demo prints its
  agents line only once every endpoint answers), and when the first poll cycle has recorded
  every pollable device (``device_state.last_polled_at`` set on all rows);
* the snmpsim process's resident memory then, and the failure classes the cycle recorded
  against the agents line.

Then it interrupts the demo (Ctrl-C) and checks that snmpsim stopped with it.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = ROOT / "instance"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def snmpsim_pid() -> int | None:
    marker = str(INSTANCE / "demo-agents" / "snmpsim.args")
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker in (entry / "cmdline").read_bytes().decode(errors="replace"):
                    return int(entry.name)
            except OSError:
                continue
    return None


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="1.0")
    parser.add_argument("--deadline", type=float, default=600, help="give up after (s)")
    args = parser.parse_args()
    if INSTANCE.exists():
        sys.exit(f"{INSTANCE} exists: move it away, the benchmark needs a fresh instance folder")
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    env = {k: v for k, v in env.items() if not k.startswith("DIGICAMPUS_")}
    command = [
        str(ROOT / ".venv" / "bin" / "digicampus"),
        "demo",
        "--port",
        str(free_port()),
        "--scale",
        args.scale,
    ]
    started = time.monotonic()
    events: dict[str, float] = {}
    output: list[str] = []
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            output.append(line.rstrip())
            if line.startswith("Loaded "):
                events.setdefault("inventory loaded", time.monotonic() - started)
            if re.search(r"\d+ simulated SNMP agents for", line):
                events.setdefault("agents answer", time.monotonic() - started)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    database = INSTANCE / "digicampus.sqlite"
    result: dict[str, object] = {}
    try:
        while time.monotonic() - started < args.deadline:
            time.sleep(1)
            if process.poll() is not None:
                print("\n".join(output[-20:]))
                sys.exit(f"the demo exited ({process.returncode})")
            if "agents answer" not in events or not database.exists():
                continue
            with sqlite3.connect(database) as db:
                total, polled = db.execute(
                    "select count(*), count(last_polled_at) from device_state"
                ).fetchone()
            if total and polled == total:
                events["all devices polled"] = time.monotonic() - started
                pid = snmpsim_pid()
                result["snmpsim RSS"] = f"{rss_mb(pid):.0f} MB" if pid else "?"
                with sqlite3.connect(database) as db:
                    result["failures"] = dict(
                        db.execute(
                            "select coalesce(failure, 'ok'), count(*) from device_state group by 1"
                        ).fetchall()
                    )
                    result["open outages"] = dict(
                        db.execute(
                            "select cause, count(*) from outage where ended_at is null group by 1"
                        ).fetchall()
                    )
                break
        else:
            print("\n".join(output[-20:]))
            sys.exit(f"not every device polled within {args.deadline:.0f} s")
    finally:
        pid = snmpsim_pid()
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
        time.sleep(1)
        result["snmpsim stopped with the demo"] = (
            pid is not None and not Path(f"/proc/{pid}").exists()
        )
        shutil.rmtree(INSTANCE, ignore_errors=True)
    print(
        f"digicampus demo --scale {args.scale} ({os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f})"
    )
    for name, at in events.items():
        print(f"  {name:<22} {at:6.1f} s after start")
    agents = next((x.strip() for x in output if re.search(r"\d+ simulated SNMP agents for", x)), "")
    print(f"  {agents}")
    for name, value in result.items():
        print(f"  {name}: {value}")
    cycle = next((line for line in output if re.search(r"devices in [\d.]+ s", line)), None)
    if cycle:
        print(f"  {cycle.strip()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
