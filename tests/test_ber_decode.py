"""The fast v1/v2c response reader (``collectors.ber_decode``) says what pyasn1 says, or steps
aside: every reply the client accepts reads the same either way."""

from __future__ import annotations

from typing import Any

import pytest
from pyasn1.codec.ber import encoder  # type: ignore[import-untyped]
from pysnmp.proto import rfc1905  # type: ignore[import-untyped]

from collectors import ber_decode
from collectors.client.community import _decode_fast, _decode_pyasn1
from collectors.client.pysnmp_api import api, rfc1902, univ

VALUES: list[Any] = [
    rfc1902.Integer32(-5),
    rfc1902.Integer32(2**31 - 1),
    rfc1902.OctetString("上联 电信".encode()),
    rfc1902.OctetString("教学楼".encode("gb18030")),
    rfc1902.OctetString(b"\x00\x1b\x21\xff\x00\x01"),  # a MAC address
    rfc1902.OctetString(b""),
    rfc1902.IpAddress("10.1.2.3"),
    rfc1902.Counter32(0),
    rfc1902.Counter32(2**32 - 1),
    rfc1902.Gauge32(10_000),
    rfc1902.TimeTicks(123_456),
    rfc1902.Counter64(2**64 - 1),
    rfc1902.Counter64(127),
    rfc1902.ObjectIdentifier("1.3.6.1.4.1.2011.2.23.601"),
    rfc1902.ObjectIdentifier("2.999.3"),
    rfc1902.Opaque(b"\x9f\x78\x04\x3f\x80\x00\x00"),
    univ.Null(""),
    rfc1905.noSuchObject,
    rfc1905.noSuchInstance,
    rfc1905.endOfMibView,
]


def response(version: int, values: list[Any], community: bytes = b"public", **pdu: int) -> bytes:
    module = api.PROTOCOL_MODULES[version]
    message = module.Message()
    module.apiMessage.set_defaults(message)
    module.apiMessage.set_community(message, community)
    body = module.GetResponsePDU()
    module.apiPDU.set_defaults(body)
    module.apiPDU.set_request_id(body, pdu.get("request_id", 4242))
    module.apiPDU.set_error_status(body, pdu.get("status", 0))
    module.apiPDU.set_error_index(body, pdu.get("index", 0))
    module.apiPDU.set_varbinds(
        body, [(f"1.3.6.1.2.1.2.2.1.{n}.{n * 7}", v) for n, v in enumerate(values, 1)]
    )
    module.apiMessage.set_pdu(message, body)
    return bytes(encoder.encode(message))


def both(data: bytes) -> tuple[Any, Any]:
    fast, slow = _decode_fast(data), _decode_pyasn1(data)
    assert slow is not None
    return (*fast[:6], fast[6]()), (*slow[:6], slow[6]())


def test_every_value_type_reads_as_pyasn1_reads_it() -> None:
    fast, slow = both(response(api.SNMP_VERSION_2C, VALUES))
    assert fast == slow
    answers = fast[6]
    assert [a[1] for a in answers[:4]] == [-5, 2**31 - 1, "上联 电信", "教学楼"]
    assert answers[6][1] == "10.1.2.3" and answers[11][1] == 2**64 - 1
    assert [a[2] for a in answers] == [False] * 16 + [True] * 4  # NULLs end a walk


def test_v1_the_header_and_an_error_read_the_same() -> None:
    v1 = [v for v in VALUES if not isinstance(v, rfc1902.Counter64) and v.tagSet[0][0] != 128]
    data = response(api.SNMP_VERSION_1, v1, community=b"s3cret", request_id=2**31 - 1)
    fast, slow = both(data)
    assert fast == slow and fast[:4] == (0, b"s3cret", True, 2**31 - 1)
    fast, slow = both(response(api.SNMP_VERSION_2C, VALUES[:2], status=5, index=2))
    assert fast == slow and fast[4:6] == (5, 2)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\x30\x03\x02\x01",  # truncated
        bytes(range(40)),
    ],
)
def test_anything_unusual_is_left_to_pyasn1(data: bytes) -> None:
    with pytest.raises(ber_decode.BerError):
        _decode_fast(data)


def test_a_message_with_trailing_bytes_is_not_read_fast() -> None:
    data = response(api.SNMP_VERSION_2C, VALUES[:1]) + b"\x00"
    with pytest.raises(ber_decode.BerError):
        _decode_fast(data)


def test_a_negative_counter_is_left_to_pyasn1() -> None:
    data = response(api.SNMP_VERSION_2C, [rfc1902.Integer32(-1)])
    assert data.endswith(b"\x02\x01\xff")
    counter = data[:-3] + b"\x41\x01\xff"  # a Counter32 holding -1
    assert _decode_fast(data)[6]()[0][1] == -1
    with pytest.raises(ber_decode.BerError, match="unsigned"):
        _decode_fast(counter)
