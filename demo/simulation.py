"""Simulated SNMP agents on loopback, for tests, the demo and benchmarks.

* :func:`demo.snmprec.render_snmprec` turns a :class:`SimDevice` into an snmpsim recording.
* :class:`SnmpSimulator` runs one snmpsim process answering as many agents as needed, each on
  its own loopback endpoint (127.x.y.z:port) with its own SNMPv3 engine ID, community and v3
  users. :meth:`SnmpSimulator.update` rewrites an agent's recording while it runs (snmpsim
  re-reads a recording whose modification time changed): counter wraps and agent restarts
  (sysUpTime going back) are simulated between two polls that way.
* :class:`demo.udp_agents.UdpAgents` answers dead devices and garbage (no snmpsim needed).

Needs ``snmpsim`` (and ``pysmi``, without which it does not start) in the running Python: they
are in the ``demo`` extra (and the ``test`` extra). This module itself imports neither snmpsim
nor pysnmp.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Self

from collectors import ber
from demo.snmprec import SYS_UPTIME, SimDevice, write_snmprec
from inventory.choices import SnmpAuthProtocol, SnmpPrivProtocol

# snmpsim's names of the protocols of inventory.choices (AES-256 as draft-blumenthal, like
# collectors.client and net-snmp).
SNMPSIM_AUTH = {
    SnmpAuthProtocol.SHA: "SHA",
    SnmpAuthProtocol.SHA224: "SHA224",
    SnmpAuthProtocol.SHA256: "SHA256",
    SnmpAuthProtocol.SHA384: "SHA384",
    SnmpAuthProtocol.SHA512: "SHA512",
}
SNMPSIM_PRIV = {
    SnmpPrivProtocol.NONE: "NONE",
    SnmpPrivProtocol.AES128: "AES",
    SnmpPrivProtocol.AES256: "AES256BLMT",
}

# Runs snmpsim's responder with one change: an SNMPv3 request with the empty context name (what
# real devices and our client use) reads the agent's first recording. Unpatched, snmpsim
# answers v3 only for a context named after a recording and drops the rest.
LAUNCHER = """
import sys
from pysnmp.entity.rfc3413 import context

register = context.SnmpContext.register_context_name

def register_with_default(self, contextName, mibInstrum=None):
    register(self, contextName, mibInstrum)
    if mibInstrum is not None and b"" not in self.context_names:
        self.context_names[b""] = mibInstrum

context.SnmpContext.register_context_name = register_with_default
from snmpsim.commands.responder import main
sys.exit(main())
"""


class SimulatorError(RuntimeError):
    """The simulator could not start (the message ends with the tail of its log)."""


@dataclass(frozen=True, repr=False)
class SimUser:
    """An SNMPv3 user of a simulated agent."""

    name: str
    auth_protocol: SnmpAuthProtocol
    auth_key: str
    priv_protocol: SnmpPrivProtocol = SnmpPrivProtocol.NONE
    priv_key: str | None = None

    def __repr__(self) -> str:
        return (
            f"SimUser({self.name!r}, {self.auth_protocol.value}, auth_key='***', "
            f"{self.priv_protocol.value}, priv_key={'None' if self.priv_key is None else '***'})"
        )


@dataclass(frozen=True)
class SimAgent:
    """One simulated device: where it answers, what, and to whom.

    It answers SNMPv1 and v2c requests with ``community`` and SNMPv3 requests (empty context)
    of ``users``. ``engine_id`` (hex) defaults to one derived from the endpoint.
    """

    host: str
    port: int
    device: SimDevice
    community: str = "public"
    users: tuple[SimUser, ...] = ()
    engine_id: str | None = None

    @property
    def endpoint(self) -> tuple[str, int]:
        return self.host, self.port

    def snmp_engine_id(self) -> str:
        if self.engine_id:
            return self.engine_id
        # RFC 3411 format 4 (text) under the net-snmp enterprise number: unique per endpoint.
        text = f"sim{ipaddress.ip_address(self.host).packed.hex()}{self.port:05d}"
        return "80001f8804" + text.encode().hex()


# Prepended to every launcher: snmpsim ends when the process that started it is gone, even
# killed by SIGKILL (a SIGTERM to the demo is handled; this covers the rest).
ORPHAN_WATCH = (
    "import os, signal, threading, time\n"
    "_parent = os.getppid()\n"
    "def _watch():\n"
    "    while os.getppid() == _parent:\n"
    "        time.sleep(1)\n"
    "    os.kill(os.getpid(), signal.SIGTERM)\n"
    "threading.Thread(target=_watch, daemon=True).start()\n"
)


def launch_snmpsim(
    workdir: Path, launcher: str, arguments: Sequence[str], log_path: Path
) -> subprocess.Popen[bytes]:
    """Start snmpsim's responder through ``launcher`` with ``arguments`` from a file.

    The argument file holds v3 keys: it is readable by its owner only. Output goes to
    ``log_path``; the caller waits until the agents answer and stops the process.
    """
    cache = workdir / "cache"
    cache.mkdir(parents=True, exist_ok=True)
    path = workdir / "snmpsim.args"
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write("\n".join(arguments) + "\n")
    env = dict(os.environ, SNMPSIM_ALLOW_ROOT="true")
    with log_path.open("ab") as log:
        return subprocess.Popen(
            [
                sys.executable,
                "-c",
                ORPHAN_WATCH + launcher,
                f"--args-from-file={path}",
                f"--cache-dir={cache}",
                "--log-level=error",
            ],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=workdir,
        )


class SnmpsimProcess:
    """An snmpsim process working in ``workdir``: stopping it, removing its files, and use as
    a context manager. Both simulators below are one; each says how it starts."""

    workdir: Path
    process: subprocess.Popen[bytes] | None

    def start(self, timeout: float = 60.0) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        """Stop snmpsim (idempotent)."""
        process, self.process = self.process, None
        if process is None:
            return
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)

    def remove_files(self) -> None:
        """Delete the recordings, index cache, arguments and log (after :meth:`stop`)."""
        for name in ("data", "cache"):
            shutil.rmtree(self.workdir / name, ignore_errors=True)
        for name in ("snmpsim.args", "snmpsim.log"):
            (self.workdir / name).unlink(missing_ok=True)

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


class SnmpSimulator(SnmpsimProcess):
    """One snmpsim process answering as every agent given (see the module docstring).

    Use as a context manager, or call :meth:`start` and, always, :meth:`stop`.
    """

    def __init__(self, agents: Sequence[SimAgent], workdir: Path) -> None:
        endpoints = [a.endpoint for a in agents]
        if len(set(endpoints)) != len(endpoints):
            raise ValueError("two simulated agents on the same endpoint")
        for agent in agents:
            if agent.community in ("", "index") or any(c.isspace() for c in agent.community):
                raise ValueError(f"community {agent.community!r} cannot name a recording")
        self.agents = list(agents)
        self.workdir = Path(workdir)
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = self.workdir / "snmpsim.log"

    def recording(self, agent_index: int) -> Path:
        """The ``.snmprec`` file of agent ``agent_index`` (named after its community)."""
        agent = self.agents[agent_index]
        return self.workdir / "data" / str(agent_index) / f"{agent.community}.snmprec"

    def _arguments(self) -> list[str]:
        args = []
        for n, agent in enumerate(self.agents):
            args += [
                f"--v3-engine-id={agent.snmp_engine_id()}",
                f"--data-dir={self.recording(n).parent}",
                f"--agent-udpv4-endpoint={agent.host}:{agent.port}",
            ]
            for user in agent.users:
                args += [
                    f"--v3-user={user.name}",
                    f"--v3-auth-key={user.auth_key}",
                    f"--v3-auth-proto={SNMPSIM_AUTH[user.auth_protocol]}",
                ]
                if user.priv_protocol is not SnmpPrivProtocol.NONE:
                    args += [
                        f"--v3-priv-key={user.priv_key}",
                        f"--v3-priv-proto={SNMPSIM_PRIV[user.priv_protocol]}",
                    ]
        return args

    def start(self, timeout: float = 60.0) -> None:
        """Write the recordings, start snmpsim and wait until every agent answers."""
        if self.process is not None:
            raise RuntimeError("the simulator is already running")
        for n, agent in enumerate(self.agents):
            self.recording(n).parent.mkdir(parents=True, exist_ok=True)
            write_snmprec(self.recording(n), agent.device)
        self.process = launch_snmpsim(self.workdir, LAUNCHER, self._arguments(), self.log_path)
        try:
            self._wait_until_answering(time.monotonic() + timeout)
        except BaseException:
            self.stop()
            raise

    def _wait_until_answering(self, deadline: float) -> None:
        pending = {n: agent for n, agent in enumerate(self.agents)}
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.settimeout(0.2)
            while pending:
                assert self.process is not None
                if self.process.poll() is not None:
                    raise SimulatorError(
                        f"snmpsim exited ({self.process.returncode})" + self._tail()
                    )
                if time.monotonic() > deadline:
                    raise SimulatorError(
                        f"{len(pending)} simulated agents do not answer" + self._tail()
                    )
                for n, agent in pending.items():
                    sock.sendto(
                        ber.v2c_get(agent.community.encode(), n + 1, (SYS_UPTIME,)), agent.endpoint
                    )
                answered: set[int] = set()
                try:
                    while True:
                        _, address = sock.recvfrom(65535)
                        answered.update(n for n, a in pending.items() if a.endpoint == address)
                except (TimeoutError, ConnectionRefusedError):
                    pass
                for n in answered:
                    del pending[n]

    def _tail(self) -> str:
        try:
            lines = self.log_path.read_text(errors="replace").splitlines()[-15:]
        except OSError:
            return ""
        return ":\n" + "\n".join(lines)

    def update(self, agent_index: int, device: SimDevice) -> None:
        """Make agent ``agent_index`` answer as ``device`` from its next request on."""
        self.agents[agent_index] = dataclasses.replace(self.agents[agent_index], device=device)
        write_snmprec(self.recording(agent_index), device)
