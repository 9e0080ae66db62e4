"""Reading traps: the BER envelope, the var-binds, and what makes one unreadable (unit tier;
the datagrams from net-snmp, v3 keys and the database are in tests/test_traps.py)."""

from __future__ import annotations

import pytest

from collectors import ber
from collectors.snmp_types import SnmpCredentials
from collectors.traps import decode
from inventory.choices import SnmpAuthProtocol, SnmpPrivProtocol, SnmpVersion


def v2c_trap(trap: str, *varbinds: bytes, community: bytes = b"public", pdu: int = 0xA7) -> bytes:
    head = [
        ber.tlv(0x30, ber.oid(decode.SYS_UPTIME) + ber.tlv(0x43, (1234).to_bytes(2, "big"))),
        ber.tlv(0x30, ber.oid(decode.SNMP_TRAP_OID) + ber.oid(trap)),
    ]
    body = ber.integer(7) + ber.integer(0) + ber.integer(0)
    body += ber.tlv(0x30, b"".join(head + list(varbinds)))
    return ber.tlv(0x30, ber.integer(1) + ber.octets(community) + ber.tlv(pdu, body))


def vb(oid: str, value: int) -> bytes:
    return ber.tlv(0x30, ber.oid(oid) + ber.integer(value))


def test_a_link_down_names_its_interface_by_if_index() -> None:
    data = v2c_trap(
        decode.LINK_DOWN, vb("1.3.6.1.2.1.2.2.1.1.12", 12), vb(decode.IF_OPER_STATUS + "12", 2)
    )
    message = decode.read_message(data)
    found = decode.read_v2c(data, message)
    assert message.community == b"public"
    assert (found.trap_oid, found.if_index, found.uptime) == (decode.LINK_DOWN, 12, 1234)


def test_without_if_index_the_oper_status_oid_names_the_interface() -> None:
    data = v2c_trap(decode.LINK_UP, vb(decode.IF_OPER_STATUS + "40001", 1))
    assert decode.read_v2c(data, decode.read_message(data)).if_index == 40001


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\x30\x05\x02\x01\x01",  # truncated
        v2c_trap(decode.LINK_DOWN)[:-3],
        v2c_trap(decode.LINK_DOWN, pdu=0xA0),  # a GetRequest, not a notification
        ber.tlv(0x30, ber.integer(0) + ber.octets(b"public")),  # SNMPv1
        b"\xff" * 40,
    ],
    ids=["empty", "truncated", "cut", "get", "v1", "garbage"],
)
def test_unreadable_datagrams_raise_malformed(data: bytes) -> None:
    with pytest.raises(decode.Malformed):
        message = decode.read_message(data)
        decode.read_v2c(data, message)


def test_a_trap_without_snmp_trap_oid_is_malformed() -> None:
    body = (
        ber.integer(1) + ber.integer(0) + ber.integer(0) + ber.tlv(0x30, vb("1.3.6.1.2.1.1.3.0", 5))
    )
    data = ber.tlv(0x30, ber.integer(1) + ber.octets(b"c") + ber.tlv(0xA7, body))
    with pytest.raises(decode.Malformed):
        decode.read_v2c(data, decode.read_message(data))


@pytest.mark.parametrize(
    ("user", "flags", "why"),
    [
        (b"mallory", decode.FLAG_AUTH | decode.FLAG_PRIV, "unknown user"),
        (b"alice", 0, "not authenticated"),
        (b"alice", decode.FLAG_AUTH, "security level differs"),
    ],
)
def test_a_v3_trap_not_matching_the_registered_user_is_bad_credentials(
    user: bytes, flags: int, why: str
) -> None:
    alice = SnmpCredentials(
        SnmpVersion.V3,
        username="alice",
        auth_protocol=SnmpAuthProtocol.SHA256,
        auth_key="alice-auth-key",
        priv_protocol=SnmpPrivProtocol.AES128,
        priv_key="alice-priv-key",
    )
    with pytest.raises(decode.BadCredentials, match=why):
        decode.open_v3(b"", decode.Message(3, flags=flags, user=user), alice)
