"""``digicampus demo`` as a real process: SIGTERM stops it as Ctrl-C does, agents and all."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import FERNET_KEY
from tests.process_tree import alive, command_line, descendants, survivors
from tests.snmp_fixtures import require_snmpsim
from tests.test_demo_agents import _engine_answers, _free_block

pytestmark = pytest.mark.integration  # real processes, agents and a server

# The demo's devices move to a free loopback block, so that a demo running on this machine
# (on 127.53/16) neither answers for ours nor is disturbed.
LAUNCH = (
    "import ipaddress, sys\n"
    "import demo.agents\n"
    "demo.agents.DEMO_NETWORK = ipaddress.IPv4Network(sys.argv.pop(1))\n"
    "from api.cli import main; main()"
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(check: object, seconds: float, what: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if callable(check) and check():
            return
        if process.poll() is not None:
            raise AssertionError(f"the demo ended while waiting for {what}")
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_the_demo_stops_its_agents_and_every_child_on_sigterm_as_on_ctrl_c(
    tmp_path: Path, stop_signal: signal.Signals
) -> None:
    require_snmpsim()
    database = tmp_path / "demo.sqlite"
    env = dict(
        os.environ,
        DIGICAMPUS_HOME=str(tmp_path / "home"),
        DIGICAMPUS_DATABASE_URL=f"sqlite:///{database}",
        DIGICAMPUS_FERNET_KEYS=FERNET_KEY,
        DIGICAMPUS_SECRET_KEY="demo-stop-test",
    )
    block = _free_block()
    command = [sys.executable, "-c", LAUNCH, str(block), "demo", "--scale", "0.02"]
    prepared = subprocess.run(
        [*command, "--no-serve"], env=env, cwd=tmp_path, capture_output=True, timeout=600
    )
    assert prepared.returncode == 0, prepared.stderr.decode(errors="replace")
    engine = sa.create_engine(f"sqlite:///{database}")
    with engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE device SET mgmt_address = replace(mgmt_address, '127.53.', :to)"),
            {"to": f"127.{block.network_address.packed[1]}."},
        )
    engine.dispose()
    log = tmp_path / "demo.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*command, "--port", str(free_port())],
            env=env,
            cwd=tmp_path,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        workdir = tmp_path / "home" / "demo-agents"
        wait_for(lambda: "collector:" in log.read_text(), 600, "the demo to serve", process)
        assert _engine_answers(workdir), log.read_text()
        children = descendants(process.pid)
        assert any("snmpsim" in command_line(p) for p in children), children
        process.send_signal(stop_signal)
        assert process.wait(120) == 0, log.read_text()
        assert survivors(children) == [], [command_line(p) for p in children]
        assert not _engine_answers(workdir)
        assert "Traceback" not in log.read_text()
    finally:
        if alive(process.pid):
            process.kill()
            process.wait(10)
