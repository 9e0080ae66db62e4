"""Simulated SNMP agents on loopback, for tests, the demo and benchmarks.

* :func:`render_snmprec` turns a :class:`SimDevice` (system group and interfaces) into an
  snmpsim ``.snmprec`` recording, so the project, not a hand-written fixture, produces the
  data its collectors read.
* :class:`SnmpSimulator` runs one snmpsim process answering as many agents as needed, each on
  its own loopback endpoint (127.x.y.z:port) with its own SNMPv3 engine ID, community and v3
  users. :meth:`SnmpSimulator.update` rewrites an agent's recording while it runs (snmpsim
  re-reads a recording whose modification time changed): counter wraps and agent restarts
  (sysUpTime going back) are simulated between two polls that way.
* :class:`demo.udp_agents.UdpAgents` answers dead devices and garbage (no snmpsim needed).

Needs ``snmpsim`` (and ``pysmi``, without which it does not start) in the running Python: they
are in the ``demo`` extra (and the ``test`` extra). This module itself imports neither snmpsim nor pysnmp.
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

from collectors import ber
from inventory.choices import SnmpAuthProtocol, SnmpPrivProtocol

SYS = "1.3.6.1.2.1.1"
IF_NUMBER = "1.3.6.1.2.1.2.1.0"
IF_ENTRY = "1.3.6.1.2.1.2.2.1"
IFX_ENTRY = "1.3.6.1.2.1.31.1.1.1"
SYS_UPTIME = f"{SYS}.3.0"

# snmprec value tags (BER tags of the SNMP types).
INTEGER, OCTET_STRING, OID, COUNTER32, GAUGE32, TIMETICKS, COUNTER64 = 2, 4, 6, 65, 66, 67, 70
MAX32 = 2**32 - 1

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


@dataclass(frozen=True)
class SimInterface:
    """One row of ifTable/ifXTable. Octet counters are the 64-bit (HC) ones."""

    index: int
    name: str
    descr: str | None = None  # ifDescr; the name if None
    alias: str = ""
    if_type: int = 6  # ethernetCsmacd
    admin_status: int = 1  # up
    oper_status: int = 1  # up
    high_speed: int = 1000  # Mbit/s
    in_octets: int = 0
    out_octets: int = 0
    in_errors: int = 0
    out_errors: int = 0
    # Octets per second the counters grow by while the agent runs (snmpsim's numeric
    # variation; 0: static).
    in_rate: int = 0
    out_rate: int = 0


@dataclass(frozen=True)
class SimDevice:
    """What a simulated agent answers: the system group and its interfaces.

    ``omit`` lists OIDs the agent does not have: an instance (``…1.18.3``) or a whole column or
    subtree (``1.3.6.1.2.1.31.1.1.1.18``), as on a device lacking an object.
    """

    sys_descr: str
    sys_object_id: str = "1.3.6.1.4.1.8072.3.2.10"
    sys_name: str = ""
    sys_uptime: int = 0  # TimeTicks, hundredths of a second
    interfaces: tuple[SimInterface, ...] = ()
    omit: frozenset[str] = frozenset()
    # sysUpTime advances with the clock (100 ticks a second) while the agent runs.
    clock: bool = False
    # A whole recording (``.snmprec`` text, e.g. of the tests' device corpus), served as is
    # in place of everything above.
    recording: str | None = None


def snmprec_records(device: SimDevice) -> list[tuple[str, int, str | int]]:
    """(OID, type tag, value) of every object the agent answers, in OID order."""
    records: list[tuple[str, int, str | int]] = [
        (f"{SYS}.1.0", OCTET_STRING, device.sys_descr),
        (f"{SYS}.2.0", OID, device.sys_object_id),
        (SYS_UPTIME, TIMETICKS, device.sys_uptime & MAX32),
        (f"{SYS}.5.0", OCTET_STRING, device.sys_name),
        (IF_NUMBER, INTEGER, len(device.interfaces)),
    ]
    for i in device.interfaces:
        n = i.index
        records += [
            (f"{IF_ENTRY}.1.{n}", INTEGER, n),
            (f"{IF_ENTRY}.2.{n}", OCTET_STRING, i.descr if i.descr is not None else i.name),
            (f"{IF_ENTRY}.3.{n}", INTEGER, i.if_type),
            (f"{IF_ENTRY}.5.{n}", GAUGE32, min(i.high_speed * 1_000_000, MAX32)),
            (f"{IF_ENTRY}.7.{n}", INTEGER, i.admin_status),
            (f"{IF_ENTRY}.8.{n}", INTEGER, i.oper_status),
            (f"{IF_ENTRY}.10.{n}", COUNTER32, i.in_octets & MAX32),
            (f"{IF_ENTRY}.14.{n}", COUNTER32, i.in_errors & MAX32),
            (f"{IF_ENTRY}.16.{n}", COUNTER32, i.out_octets & MAX32),
            (f"{IF_ENTRY}.20.{n}", COUNTER32, i.out_errors & MAX32),
            (f"{IFX_ENTRY}.1.{n}", OCTET_STRING, i.name),
            (f"{IFX_ENTRY}.6.{n}", COUNTER64, i.in_octets % 2**64),
            (f"{IFX_ENTRY}.10.{n}", COUNTER64, i.out_octets % 2**64),
            (f"{IFX_ENTRY}.15.{n}", GAUGE32, i.high_speed),
            (f"{IFX_ENTRY}.18.{n}", OCTET_STRING, i.alias),
        ]
    omitted = tuple(device.omit)
    records = [
        r for r in records if not any(r[0] == o or r[0].startswith(o + ".") for o in omitted)
    ]
    return sorted(records, key=lambda r: tuple(int(arc) for arc in r[0].split(".")))


def _rates(device: SimDevice) -> dict[str, int]:
    """Per-second growth of the objects that move while the agent runs."""
    rates = {SYS_UPTIME: 100} if device.clock else {}
    for i in device.interfaces:
        n = i.index
        for column, rate in (
            (f"{IF_ENTRY}.10.{n}", i.in_rate),
            (f"{IF_ENTRY}.16.{n}", i.out_rate),
            (f"{IFX_ENTRY}.6.{n}", i.in_rate),
            (f"{IFX_ENTRY}.10.{n}", i.out_rate),
        ):
            if rate:
                rates[column] = rate
    return rates


def render_snmprec(device: SimDevice) -> str:
    """The snmpsim recording of ``device`` (text: ``OID|tag|value`` lines, in OID order).

    A moving object is written for snmpsim's ``numeric`` variation: its value is the
    recorded one plus rate × seconds since snmpsim started, wrapping like the counter.
    """
    if device.recording is not None:
        return device.recording
    rates = _rates(device)
    lines = []
    for oid, tag, value in snmprec_records(device):
        if oid in rates:
            lines.append(f"{oid}|{tag}:numeric|initial={value},rate={rates[oid]},wrap=1")
        elif tag == OCTET_STRING:
            raw = str(value).encode()
            printable = raw.isascii() and all(32 <= b < 127 and b != ord("|") for b in raw)
            lines.append(f"{oid}|4|{raw.decode()}" if printable else f"{oid}|4x|{raw.hex()}")
        else:
            lines.append(f"{oid}|{tag}|{value}")
    return "\n".join(lines) + "\n"


def write_snmprec(path: Path, device: SimDevice) -> None:
    """Write a recording so that a running snmpsim re-reads it.

    snmpsim notices a change by the whole seconds of the file's mtime, and rebuilds its index
    only if the recording is not older than the index: the new mtime is therefore at least
    one second past the old one, and not before now.
    """
    old = int(path.stat().st_mtime) if path.exists() else 0
    temporary = path.with_suffix(".tmp")
    temporary.write_text(render_snmprec(device), encoding="utf-8")
    mtime = max(int(time.time()), old + 1)
    os.utime(temporary, (mtime, mtime))
    os.replace(temporary, path)


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
                launcher,
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


class SnmpSimulator:
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
        """Delete the recordings, index cache and log (after :meth:`stop`)."""
        for name in ("data", "cache"):
            shutil.rmtree(self.workdir / name, ignore_errors=True)
        for name in ("snmpsim.args", "snmpsim.log"):
            (self.workdir / name).unlink(missing_ok=True)

    def __enter__(self) -> SnmpSimulator:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def ethernet_interfaces(count: int, speed: int = 1000) -> tuple[SimInterface, ...]:
    """``count`` plain up/up Ethernet interfaces GE0/0/1… (for tests and benchmarks)."""
    return tuple(
        SimInterface(index=n, name=f"GE0/0/{n}", descr=f"GigabitEthernet0/0/{n}", high_speed=speed)
        for n in range(1, count + 1)
    )
