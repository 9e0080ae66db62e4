"""The simulated agents: recordings generated from device descriptions, drop and garbage UDP."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from collectors import ber
from demo.simulation import SimAgent, SimUser, SnmpSimulator
from demo.snmprec import SimDevice, SimInterface, ethernet_interfaces, render_snmprec, write_snmprec
from demo.udp_agents import UdpAgents, loopback_endpoints
from inventory.choices import SnmpAuthProtocol, SnmpPrivProtocol
from tests.snmp_fixtures import AUTH_KEY, Lab, lab_fixture  # noqa: F401  (the lab fixture)

DEVICE = SimDevice(
    sys_descr="Ruijie RG-S2910 | 二层交换机",
    sys_name="s1",
    sys_uptime=2**32 + 5,  # TimeTicks wrap at 2^32
    interfaces=(
        SimInterface(2, "Gi0/2", alias="办公楼", in_octets=2**64 + 3, high_speed=10_000),
        SimInterface(10, "Gi0/10"),
    ),
    omit=frozenset({"1.3.6.1.2.1.31.1.1.1.18"}),
)


def test_recording_is_sorted_typed_and_escaped() -> None:
    lines = render_snmprec(DEVICE).splitlines()
    oids = [tuple(int(a) for a in line.split("|")[0].split(".")) for line in lines]
    assert oids == sorted(oids)  # snmpsim walks the file in order
    records = {line.split("|")[0]: line.split("|", 1)[1] for line in lines}
    # text with "|" or non-ASCII is written as hex
    assert records["1.3.6.1.2.1.1.1.0"] == "4x|" + DEVICE.sys_descr.encode().hex()
    assert records["1.3.6.1.2.1.1.5.0"] == "4|s1"
    assert records["1.3.6.1.2.1.1.3.0"] == "67|5"
    assert records["1.3.6.1.2.1.31.1.1.1.6.2"] == "70|3"  # Counter64 wrapped
    assert records["1.3.6.1.2.1.2.2.1.10.2"] == "65|3"  # ifInOctets: the low 32 bits
    assert records["1.3.6.1.2.1.2.2.1.5.2"] == f"66|{2**32 - 1}"  # ifSpeed saturates
    assert records["1.3.6.1.2.1.31.1.1.1.15.2"] == "66|10000"
    assert records["1.3.6.1.2.1.2.1.0"] == "2|2"
    assert not any(oid.startswith("1.3.6.1.2.1.31.1.1.1.18.") for oid in records)  # omitted


def test_rewritten_recordings_get_a_later_mtime(tmp_path: Path) -> None:
    path = tmp_path / "public.snmprec"
    write_snmprec(path, DEVICE)
    first = int(path.stat().st_mtime)
    write_snmprec(path, DEVICE)  # within the same second: snmpsim must still notice
    assert int(path.stat().st_mtime) > first
    assert not list(tmp_path.glob("*.tmp"))


def test_drop_and_garbage_agents() -> None:
    dead, garbage = loopback_endpoints(2)
    with UdpAgents([dead]) as drop, UdpAgents([garbage], mode="garbage", seed=1):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.settimeout(0.3)
            request = ber.v2c_get(b"public", 1, ("1.3.6.1.2.1.1.3.0",))
            sock.sendto(request, dead)
            with pytest.raises(TimeoutError):
                sock.recvfrom(100)
            sock.sendto(request, garbage)
            answer, source = sock.recvfrom(65535)
            assert source == garbage and answer and answer != request
        assert drop.received == 1
    with pytest.raises(ValueError, match="mode"):
        UdpAgents([dead], mode="echo")


def test_simulator_refuses_what_snmpsim_cannot_do(tmp_path: Path) -> None:
    device = SimDevice("x", interfaces=ethernet_interfaces(2))
    with pytest.raises(ValueError, match="same endpoint"):
        SnmpSimulator([SimAgent("127.0.0.1", 1161, device)] * 2, tmp_path)
    with pytest.raises(ValueError, match="cannot name a recording"):
        SnmpSimulator([SimAgent("127.0.0.1", 1161, device, community="two words")], tmp_path)


def test_simulator_keeps_v3_keys_out_of_reprs_and_other_users_files(lab: Lab) -> None:
    user = SimUser(
        "u", SnmpAuthProtocol.SHA, "auth-key-123", SnmpPrivProtocol.AES128, "priv-key-123"
    )
    assert "auth-key-123" not in repr(user) and "priv-key-123" not in repr(user)
    arguments = lab.simulator.workdir / "snmpsim.args"
    assert f"--v3-auth-key={AUTH_KEY}" in arguments.read_text()
    assert os.stat(arguments).st_mode & 0o077 == 0
