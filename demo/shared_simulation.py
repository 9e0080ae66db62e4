"""Thousands of simulated SNMP agents in one snmpsim process with one SNMP engine.

:class:`~demo.simulation.SnmpSimulator` gives every agent an SNMP engine of its own:
right for tests that need distinct engine IDs, far too slow for the demo (3,000 engines take
minutes to start and over a gigabyte). :class:`SharedSnmpSimulator` configures **one** engine
listening on every endpoint and routes each request to the recording of the endpoint it
arrived on:

* snmpsim numbers the endpoints of an engine with transport domains ``1.3.6.1.6.1.1.<n>``
  (in the order given) and names each recording after its path below the data directory.
  Endpoint ``n`` answering community ``C`` reads ``data/C/<n>.snmprec``; answering SNMPv3
  (empty context, the simulator's users) it reads ``data/<n>.snmprec``.
* snmpsim 1.2 with pysnmp 7 never calls its own transport-aware context search (it overrides
  pysnmp 6's ``handleMgmtOperation``; pysnmp 7 calls ``handle_management_operation``), and
  it registers every recording's *path* as a community. :data:`LAUNCHER` therefore patches
  both: the only communities the engine knows are the recordings' first path components, and
  a request is answered from ``<community>/<n>`` (v1/v2c) or ``<n>`` (v3) of the endpoint it
  came in on, or dropped. So a community answers only on the endpoints that have it —
  there is no fallback recording — and an endpoint without v3 data does not answer v3 reads
  (it still answers engine discovery, as any SNMPv3 engine does).

All agents share the engine's ID and v3 users, as devices configured from one template do.
Like the per-engine simulator, :meth:`SharedSnmpSimulator.update` rewrites one agent's
recording while it runs (snmpsim re-reads a file whose mtime changed).
"""

from __future__ import annotations

import dataclasses
import socket
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from collectors import ber
from demo.simulation import (
    SNMPSIM_AUTH,
    SNMPSIM_PRIV,
    SimulatorError,
    SimUser,
    SnmpsimProcess,
    launch_snmpsim,
)
from demo.snmprec import SYS_UPTIME, SimDevice, render_snmprec, write_snmprec
from inventory.choices import SnmpPrivProtocol

# Runs snmpsim's responder with per-endpoint routing (see the module docstring).
LAUNCHER = r"""
import hashlib, sys
from pysnmp import error
from pysnmp.carrier.asyncio.dgram import udp
from pysnmp.entity import config
from pysnmp.entity.rfc3413 import cmdrsp
from snmpsim.commands import responder

add_v1_system = config.add_v1_system
communities = set()

def add_recording_community(snmpEngine, communityIndex, communityName, *args, **kwargs):
    # snmpsim calls this once per recording with the recording's path as the community:
    # register the path's first component ("C" of "C/<n>") once instead.
    community, slash, _ = str(communityName).rpartition("/")
    if slash and community not in communities:
        communities.add(community)
        index = "dc" + hashlib.md5(community.encode()).hexdigest()[:30]
        add_v1_system(snmpEngine, index, community, contextName=community)

config.add_v1_system = add_recording_community

# snmpsim keeps 31 recordings open and re-opens (re-reads the index of) any other on each
# request: with thousands of agents polled in turn, every request would. Keep them all open.
import resource
from snmpsim import datafile
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
datafile.DataFile.max_queue_entries = max(31, min(soft, hard) // 2 - 100)

def routed(handle):
    def handle_management_operation(self, snmpEngine, stateReference, contextName, PDU):
        request = snmpEngine.observer.get_execution_context("rfc3412.receiveMessage:request")
        domain = tuple(request["transportDomain"])
        name = contextName.asOctets().decode("utf-8", "replace")
        v3 = int(request["securityModel"]) == 3
        recording = None
        if domain[:-1] == tuple(udp.DOMAIN_NAME) and not (v3 and name):
            path = f"{name}/{domain[-1]}" if not v3 else str(domain[-1])
            recording = hashlib.md5(path.encode()).hexdigest().encode()
            try:
                self.snmpContext.get_mib_instrum(recording)
            except error.PySnmpError:
                recording = None
        if recording is None or handle is None:
            self.release_state_information(stateReference)  # no answer: as a wrong community
            return
        handle(self, snmpEngine, stateReference, recording, PDU)
    return handle_management_operation

for name in ("Get", "Next", "Bulk"):
    mine = getattr(responder, name + "CommandResponder")
    mine.handle_management_operation = routed(
        getattr(cmdrsp, name + "CommandResponder").handle_management_operation
    )
responder.SetCommandResponder.handle_management_operation = routed(None)
sys.exit(responder.main())
"""


@dataclass(frozen=True)
class SharedAgent:
    """One simulated device of a :class:`SharedSnmpSimulator`.

    It answers SNMPv1/v2c with ``community``, or, if ``community`` is None, SNMPv3 with the
    simulator's users.
    """

    host: str
    port: int
    device: SimDevice
    community: str | None = "public"

    @property
    def endpoint(self) -> tuple[str, int]:
        return self.host, self.port


def _check_community(community: str) -> None:
    # It names a directory, and snmpsim's argument parser splits on whitespace.
    if (
        community in ("", ".", "..")
        or not community.isascii()
        or not community.isprintable()
        or any(c.isspace() or c in "/\\" for c in community)
    ):
        raise ValueError(f"community {community!r} cannot name a recording directory")


class SharedSnmpSimulator(SnmpsimProcess):
    """One snmpsim engine answering as every agent given (see the module docstring).

    Use as a context manager, or call :meth:`start` and, always, :meth:`stop`.
    """

    def __init__(
        self,
        agents: Sequence[SharedAgent],
        workdir: Path,
        users: Sequence[SimUser] = (),
        engine_id: str = "80001f8804" + b"digicampus-sim".hex(),
    ) -> None:
        endpoints = [a.endpoint for a in agents]
        if len(set(endpoints)) != len(endpoints):
            raise ValueError("two simulated agents on the same endpoint")
        for agent in agents:
            if agent.community is not None:
                _check_community(agent.community)
        if not agents:
            raise ValueError("no agents to simulate")
        self.agents = list(agents)
        self.users = tuple(users)
        self.engine_id = engine_id
        self.workdir = Path(workdir)
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = self.workdir / "snmpsim.log"

    def recording(self, agent_index: int) -> Path:
        """The ``.snmprec`` file of agent ``agent_index``."""
        agent = self.agents[agent_index]
        data = self.workdir / "data"
        if agent.community is None:
            return data / f"{agent_index}.snmprec"
        return data / agent.community / f"{agent_index}.snmprec"

    def _arguments(self) -> list[str]:
        args = [f"--v3-engine-id={self.engine_id}", f"--data-dir={self.workdir / 'data'}"]
        # The order of the endpoints numbers their transport domains: agent n is endpoint n.
        args += [f"--agent-udpv4-endpoint={a.host}:{a.port}" for a in self.agents]
        for user in self.users:
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
        """Write the recordings, start snmpsim and wait until every endpoint answers."""
        if self.process is not None:
            raise RuntimeError("the simulator is already running")
        self.workdir.mkdir(parents=True, exist_ok=True)
        self._write_recordings()
        self.process = launch_snmpsim(self.workdir, LAUNCHER, self._arguments(), self.log_path)
        try:
            self._wait_until_answering(time.monotonic() + timeout)
        except BaseException:
            self.stop()
            raise

    def _write_recordings(self) -> None:
        """Write every agent's recording; keep unchanged ones, remove all others.

        snmpsim indexes each recording on start (~5 ms each) unless its index in the cache
        is newer: a restart with the same agents skips that. A recording of no agent would
        be served too, so none is left behind.
        """
        data = self.workdir / "data"
        wanted = {self.recording(n): agent.device for n, agent in enumerate(self.agents)}
        if data.exists():
            for path in data.rglob("*"):
                if path.is_file() and path not in wanted:
                    path.unlink()
        for path, device in wanted.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            if not (path.exists() and path.read_text(encoding="utf-8") == render_snmprec(device)):
                write_snmprec(path, device)
        for folder in sorted(data.glob("*/"), reverse=True):
            if folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()

    def _probe(self, n: int) -> bytes:
        community = self.agents[n].community
        if community is None:
            # Any SNMPv3 engine answers discovery: proof enough that the endpoint is bound
            # (snmpsim binds its endpoints after loading every recording).
            return ber.v3_discovery(n + 1, n + 1)
        return ber.v2c_get(community.encode(), n + 1, (SYS_UPTIME,))

    def _wait_until_answering(self, deadline: float) -> None:
        pending = {a.endpoint: n for n, a in enumerate(self.agents)}
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
            while pending:
                assert self.process is not None
                if self.process.poll() is not None:
                    raise SimulatorError(
                        f"snmpsim exited ({self.process.returncode})" + self._tail()
                    )
                if time.monotonic() > deadline:
                    host, port = next(iter(pending))
                    raise SimulatorError(
                        f"{len(pending)} simulated agents do not answer (one: {host}:{port})"
                        + self._tail()
                    )
                for sent, (endpoint, n) in enumerate(list(pending.items())):
                    if sent and not sent % 200:
                        self._receive(sock, pending, 0.0)  # keep the socket buffer drained
                    sock.sendto(self._probe(n), endpoint)
                self._receive(sock, pending, 0.3)

    @staticmethod
    def _receive(sock: socket.socket, pending: dict[tuple[str, int], int], wait: float) -> None:
        sock.settimeout(wait)  # 0: do not block
        try:
            while True:
                _, address = sock.recvfrom(65535)
                pending.pop(address, None)
        except (TimeoutError, BlockingIOError, ConnectionRefusedError):
            pass

    def _tail(self) -> str:
        try:
            lines = self.log_path.read_text(errors="replace").splitlines()[-15:]
        except OSError:
            return ""
        return ":\n" + "\n".join(lines)

    def update(self, agent_index: int, device: SimDevice) -> None:
        """Make agent ``agent_index`` answer as ``device`` from its next request on.

        snmpsim keeps the settings of a record with a variation (a moving counter) from its
        first read: change moving records' rates by restarting instead.
        """
        self.agents[agent_index] = dataclasses.replace(self.agents[agent_index], device=device)
        write_snmprec(self.recording(agent_index), device)

    def rss_bytes(self) -> int | None:
        """The resident memory of the snmpsim process (Linux), None if not running."""
        if self.process is None:
            return None
        try:
            status = Path(f"/proc/{self.process.pid}/status").read_text()
        except OSError:
            return None
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        return None
