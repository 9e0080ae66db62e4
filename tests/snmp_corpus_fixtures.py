"""The device corpus (``tests/snmp_corpus``) served by one snmpsim, and what each device is.

Import ``corpus_fixture`` into a test module to get the ``corpus`` fixture (module scope).
The facts below are written out by hand from the recordings' README, not derived from the
code under test.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from demo.simulation import SimAgent, SnmpSimulator
from demo.snmprec import SimDevice
from demo.udp_agents import loopback_endpoints
from tests.snmp_fixtures import require_snmpsim

CORPUS = Path(__file__).resolve().parent / "snmp_corpus"
COMMUNITY = "corpus-ro"


@dataclass(frozen=True)
class Expected:
    """What polling must find on one recorded device."""

    vendor: str
    model: str | None
    uplink: str  # the interface name staff register for the uplink
    uplink_index: int
    speed_mbps: int
    counter_bits: int
    uptime: bool = True  # the device has sysUpTime


EXPECTED: dict[str, Expected] = {
    # ENTITY-MIB chassis without a model name: the first sysDescr line names it.
    "huawei-s5720": Expected(
        "Huawei", "S5720-56C-PWR-EI-AC", "XGigabitEthernet0/0/1", 53, 10_000, 64
    ),
    "h3c-s5130": Expected("H3C", "S5130S-28S-EI", "XGE1/0/25", 25, 10_000, 64),
    "ruijie-s2910": Expected(
        "Ruijie", "S2910-24GT4XS-E", "TenGigabitEthernet 0/25", 25, 10_000, 64
    ),
    # GPON OLT: ifIndex values in the hundreds of millions.
    "zte-c320": Expected("ZTE", "C320", "xgei_1/3/1", 270008576, 10_000, 64),
    # No ifXTable: no ifName, ifSpeed only, 32-bit counters; the uplink is named by ifDescr.
    "tplink-t2600g": Expected("TP-Link", None, "Vlan-interface10", 1010, 1000, 32),
    # No sysUpTime; the uplink is registered by its ifAlias.
    "maipu-s3230": Expected("Maipu", "S3230-28TP", "uplink-telecom", 24, 1000, 64, uptime=False),
    # ifXTable with ifName and ifAlias only: no ifHighSpeed, no 64-bit counters.
    "dcn-s4600": Expected("DCN", "S4600-28P-SI", "Ethernet1/0/26", 26, 1000, 32),
    # ifName "Te1/1" differs from ifDescr, which staff used.
    "cisco-c3560x": Expected(
        "Cisco", "WS-C3560X-24P-S", "TenGigabitEthernet1/1", 10201, 10_000, 64
    ),
    "juniper-ex2200": Expected("Juniper", "EX2200-24T-4G", "ge-0/1/0", 537, 1000, 64),
    "mikrotik-crs328": Expected("MikroTik", "CRS328-24P-4S+", "sfp-sfpplus1", 25, 10_000, 64),
    "openwrt-net-snmp": Expected("Net-SNMP", None, "eth0.2", 5, 100, 64),
    # A Chinese ifAlias names the uplink.
    "fortigate-100f": Expected("Fortinet", "FGT_100F", "电信专线", 1, 1000, 64),
    # No ifXTable and no sysUpTime.
    "sangfor-ngaf": Expected("Sangfor", "M5100-F-I", "eth1", 2, 100, 32, uptime=False),
}
NAMES = sorted(EXPECTED)


@dataclass
class Corpus:
    simulator: SnmpSimulator
    endpoints: dict[str, tuple[str, int]]

    def serve(self, name: str, recording: str) -> None:
        """Make the agent of ``name`` answer from ``recording`` (snmprec text) from now on."""
        self.simulator.update(NAMES.index(name), SimDevice("", recording=recording))

    def restore(self, name: str) -> None:
        self.serve(name, recording_text(name))


def recording_text(name: str) -> str:
    return (CORPUS / f"{name}.snmprec").read_text(encoding="utf-8")


def records(text: str) -> dict[str, tuple[str, str]]:
    """An independent reading of snmprec text: OID → (type tag, value as written)."""
    found = {}
    for line in text.splitlines():
        if line.strip():
            oid, tag, value = line.split("|", 2)
            found[oid] = (tag, value)
    return found


@pytest.fixture(scope="module", name="corpus")
def corpus_fixture(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Corpus]:
    require_snmpsim()
    ends = loopback_endpoints(len(NAMES))
    agents = [
        SimAgent(*end, SimDevice("", recording=recording_text(name)), community=COMMUNITY)
        for name, end in zip(NAMES, ends, strict=True)
    ]
    simulator = SnmpSimulator(agents, tmp_path_factory.mktemp("corpus-snmpsim"))
    try:
        simulator.start()
        yield Corpus(simulator, dict(zip(NAMES, ends, strict=True)))
    finally:
        simulator.stop()
