"""Just enough BER to read a v1/v2c response without pyasn1 (the client's hot path).

pyasn1 spent most of the ~1 ms CPU a 17-varbind GET cost the collector decoding the
response into objects the client then turned into plain Python. A response is a handful of
nested TLVs of a few known types, so it is read here straight into plain values. Anything
unusual — a type not listed, a length form SNMP does not use, an unsigned type holding a
negative number, bytes left over — raises ``BerError`` and the caller decodes the datagram
with pyasn1 as before, so the fast path never decides what a strange reply means.
"""

from __future__ import annotations

GET_RESPONSE = 0xA2
# Value types of RFC 3416 / RFC 2578 (and v1's RFC 1155), by BER tag.
INTEGER = 0x02
OCTET_STRING = 0x04
NULL = 0x05
OBJECT_IDENTIFIER = 0x06
IP_ADDRESS = 0x40
COUNTER32 = 0x41
GAUGE32 = 0x42
TIMETICKS = 0x43
OPAQUE = 0x44
COUNTER64 = 0x46
UNSIGNED = frozenset({COUNTER32, GAUGE32, TIMETICKS, COUNTER64})
UNSIGNED_MAX = {
    COUNTER32: 2**32 - 1,
    GAUGE32: 2**32 - 1,
    TIMETICKS: 2**32 - 1,
    COUNTER64: 2**64 - 1,
}
# noSuchObject, noSuchInstance, endOfMibView: context-specific NULLs.
EXCEPTIONS = frozenset({0x80, 0x81, 0x82})

# One var-bind: (OID arcs, tag of the value, value). The value is an int for the integer
# types, bytes for OCTET STRING / IpAddress / Opaque, a tuple of arcs for an OID, and None
# for NULL and the three exceptions.
VarBind = tuple[tuple[int, ...], int, "int | bytes | tuple[int, ...] | None"]


class BerError(ValueError):
    """Not a response this reader handles: decode it with pyasn1 instead."""


def _header(data: bytes, pos: int, end: int) -> tuple[int, int, int]:
    """(tag, start of content, end of content) of the TLV at ``pos``."""
    if pos + 2 > end:
        raise BerError("truncated")
    tag = data[pos]
    if tag & 0x1F == 0x1F:
        raise BerError("multi-byte tag")
    length = data[pos + 1]
    pos += 2
    if length & 0x80:
        count = length & 0x7F
        if not 1 <= count <= 4 or pos + count > end:
            raise BerError("length form")
        length = int.from_bytes(data[pos : pos + count], "big")
        pos += count
    if pos + length > end:
        raise BerError("truncated")
    return tag, pos, pos + length


def _expect(data: bytes, pos: int, end: int, tag: int) -> tuple[int, int]:
    found, start, stop = _header(data, pos, end)
    if found != tag:
        raise BerError(f"tag {found:#x}, not {tag:#x}")
    return start, stop


def _integer(data: bytes, start: int, stop: int) -> int:
    if start == stop:
        raise BerError("empty INTEGER")
    return int.from_bytes(data[start:stop], "big", signed=True)


def _arcs(data: bytes, start: int, stop: int) -> tuple[int, ...]:
    if start == stop:
        raise BerError("empty OID")
    arcs: list[int] = []
    value = 0
    for byte in data[start:stop]:
        if value == 0 and byte == 0x80:
            raise BerError("OID arc with a leading 0x80")
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            arcs.append(value)
            value = 0
    if data[stop - 1] & 0x80:
        raise BerError("OID ends inside an arc")
    first = arcs[0]
    head = (first // 40, first % 40) if first < 80 else (2, first - 80)
    return head + tuple(arcs[1:])


def community_response(
    data: bytes,
) -> tuple[int, bytes, int, int, int, int, list[VarBind]]:
    """(version, community, PDU tag, request-id, error-status, error-index, var-binds)."""
    end = len(data)
    start, stop = _expect(data, 0, end, 0x30)
    if stop != end:
        raise BerError("bytes after the message")
    pos, after = _expect(data, start, stop, INTEGER)
    version = _integer(data, pos, after)
    pos, after = _expect(data, after, stop, OCTET_STRING)
    community = data[pos:after]
    pdu_tag, pos, pdu_end = _header(data, after, stop)
    if pdu_end != stop:
        raise BerError("bytes after the PDU")
    numbers = []
    for _ in range(3):
        start, after = _expect(data, pos, pdu_end, INTEGER)
        numbers.append(_integer(data, start, after))
        pos = after
    pos, list_end = _expect(data, pos, pdu_end, 0x30)
    if list_end != pdu_end:
        raise BerError("bytes after the var-binds")
    varbinds: list[VarBind] = []
    while pos < list_end:
        start, bind_end = _expect(data, pos, list_end, 0x30)
        oid_start, oid_end = _expect(data, start, bind_end, OBJECT_IDENTIFIER)
        tag, value_start, value_end = _header(data, oid_end, bind_end)
        if value_end != bind_end:
            raise BerError("bytes after a value")
        value: int | bytes | tuple[int, ...] | None
        if tag == INTEGER or tag in UNSIGNED:
            value = _integer(data, value_start, value_end)
            if tag in UNSIGNED and not 0 <= value <= UNSIGNED_MAX[tag]:
                raise BerError("unsigned value out of range")
        elif tag in (OCTET_STRING, OPAQUE):
            value = data[value_start:value_end]
        elif tag == IP_ADDRESS:
            if value_end - value_start != 4:
                raise BerError("IpAddress of other than 4 octets")
            value = data[value_start:value_end]
        elif tag == OBJECT_IDENTIFIER:
            value = _arcs(data, value_start, value_end)
        elif tag == NULL or tag in EXCEPTIONS:
            if value_end != value_start:
                raise BerError("NULL with content")
            value = None
        else:
            raise BerError(f"value type {tag:#x}")
        varbinds.append((_arcs(data, oid_start, oid_end), tag, value))
        pos = bind_end
    return version, community, pdu_tag, numbers[0], numbers[1], numbers[2], varbinds
