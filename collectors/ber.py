"""Just enough BER to write SNMP requests without pysnmp.

The client sends an SNMPv3 engine-discovery request on a socket of its own, and its v1/v2c
requests (GET, GETNEXT, GETBULK: a header around a var-bind list of OIDs and NULLs, kept ready
per OID list); the simulator checks that its agents answer with an SNMPv2c GET. None of these
needs an SNMP library to write: pyasn1's encoder, through pysnmp, cost more CPU per request
than decoding the response. Responses are decoded by pysnmp (``collectors.client``).
"""

from __future__ import annotations

from collections.abc import Sequence

SEQUENCE = 0x30
INTEGER = 0x02
OCTET_STRING = 0x04
NULL = 0x05
OBJECT_IDENTIFIER = 0x06
GET_REQUEST = 0xA0
GET_NEXT_REQUEST = 0xA1
GET_BULK_REQUEST = 0xA5

SNMP_V1 = 0
SNMP_V2C = 1
SNMP_V3 = 3
USM = 3
MAX_MESSAGE_SIZE = 65507
REPORTABLE = b"\x04"  # msgFlags: noAuthNoPriv, reportable


def tlv(tag: int, content: bytes) -> bytes:
    """One BER type-length-value (definite length)."""
    size = len(content)
    if size < 0x80:
        length = bytes([size])
    else:
        octets = size.to_bytes((size.bit_length() + 7) // 8, "big")
        length = bytes([0x80 | len(octets)]) + octets
    return bytes([tag]) + length + content


def integer(value: int) -> bytes:
    return tlv(INTEGER, value.to_bytes(max(1, (value.bit_length() + 8) // 8), "big", signed=True))


def octets(value: bytes) -> bytes:
    return tlv(OCTET_STRING, value)


def oid(dotted: str) -> bytes:
    """An OBJECT IDENTIFIER from its dotted form (at least two arcs)."""
    arcs = [int(arc) for arc in dotted.strip(".").split(".")]
    body = bytearray([arcs[0] * 40 + arcs[1]])
    for arc in arcs[2:]:
        chunk = [arc & 0x7F]
        arc >>= 7
        while arc:
            chunk.append(0x80 | (arc & 0x7F))
            arc >>= 7
        body.extend(reversed(chunk))
    return tlv(OBJECT_IDENTIFIER, bytes(body))


def varbind_list(oids: Sequence[str]) -> bytes:
    """The VarBindList of a request: each OID with a NULL value."""
    return tlv(SEQUENCE, b"".join(tlv(SEQUENCE, oid(o) + b"\x05\x00") for o in oids))


def get_request_pdu(request_id: int, oids: tuple[str, ...] = ()) -> bytes:
    return tlv(GET_REQUEST, integer(request_id) + integer(0) + integer(0) + varbind_list(oids))


def community_request(
    version: int,
    community: bytes,
    pdu_type: int,
    request_id: int,
    varbinds: bytes,
    non_repeaters: int = 0,
    max_repetitions: int = 0,
) -> bytes:
    """A v1/v2c request message around an encoded ``varbind_list``.

    For GETBULK the two INTEGERs after the request-id are non-repeaters and max-repetitions;
    for the other requests they are error-status and error-index, zero.
    """
    pdu = tlv(
        pdu_type,
        integer(request_id) + integer(non_repeaters) + integer(max_repetitions) + varbinds,
    )
    return tlv(SEQUENCE, integer(version) + octets(community) + pdu)


def v2c_get(community: bytes, request_id: int, oids: tuple[str, ...]) -> bytes:
    """An SNMPv2c GetRequest message."""
    return tlv(SEQUENCE, integer(SNMP_V2C) + octets(community) + get_request_pdu(request_id, oids))


def v3_discovery(msg_id: int, request_id: int) -> bytes:
    """An SNMPv3 engine-discovery request (RFC 3414 §4): noAuthNoPriv, empty USM parameters.

    Any SNMPv3 agent answers it with a Report carrying its snmpEngineID, whatever credentials
    it has been configured with.
    """
    header = tlv(
        SEQUENCE,
        integer(msg_id) + integer(MAX_MESSAGE_SIZE) + octets(REPORTABLE) + integer(USM),
    )
    usm_parameters = tlv(
        SEQUENCE,
        octets(b"") + integer(0) + integer(0) + octets(b"") + octets(b"") + octets(b""),
    )
    scoped_pdu = tlv(SEQUENCE, octets(b"") + octets(b"") + get_request_pdu(request_id))
    return tlv(SEQUENCE, integer(SNMP_V3) + header + octets(usm_parameters) + scoped_pdu)
