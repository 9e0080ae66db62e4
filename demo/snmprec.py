"""Simulated devices as data: a :class:`SimDevice` (system group and interfaces) and the snmpsim
``.snmprec`` recording rendered from it, so the project, not a hand-written fixture, produces
the data its collectors read. No snmpsim needed to render one.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

SYS = "1.3.6.1.2.1.1"
IF_NUMBER = "1.3.6.1.2.1.2.1.0"
IF_ENTRY = "1.3.6.1.2.1.2.2.1"
IFX_ENTRY = "1.3.6.1.2.1.31.1.1.1"
SYS_UPTIME = f"{SYS}.3.0"

# snmprec value tags (BER tags of the SNMP types).
INTEGER, OCTET_STRING, OID, COUNTER32, GAUGE32, TIMETICKS, COUNTER64 = 2, 4, 6, 65, 66, 67, 70
MAX32 = 2**32 - 1


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


def ethernet_interfaces(count: int, speed: int = 1000) -> tuple[SimInterface, ...]:
    """``count`` plain up/up Ethernet interfaces GE0/0/1… (for tests and benchmarks)."""
    return tuple(
        SimInterface(index=n, name=f"GE0/0/{n}", descr=f"GigabitEthernet0/0/{n}", high_speed=speed)
        for n in range(1, count + 1)
    )
