"""What the agent said, as plain Python: numeric OIDs and values without pysnmp types."""

from __future__ import annotations

import unicodedata
from typing import Any

from collectors import ber_decode
from collectors.client.pysnmp_api import rfc1902, univ
from collectors.snmp_types import OidValue

# A var-bind of a response as the client's requests return it, whichever decoder read it:
# (OID arcs, plain value, whether it ends a walk: NULL, noSuchObject, noSuchInstance or
# endOfMibView).
Answer = tuple[tuple[int, ...], OidValue, bool]

IP_ADDRESS_TAGS = (rfc1902.IpAddress.tagSet,)  # v1's rfc1155.IpAddress has the same tags
OPAQUE_TAGS = (rfc1902.Opaque.tagSet,)


def normalize_oid(oid: str) -> str:
    return oid.strip().lstrip(".")


def octet_text(raw: bytes) -> str:
    """An OCTET STRING as text: UTF-8, else GB18030 (Chinese devices), else 0x-hex."""
    raw = raw.rstrip(b"\x00")
    for encoding in ("utf-8", "gb18030"):
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        if not any(unicodedata.category(c) == "Cc" and c not in "\t\r\n" for c in text):
            return text
        break
    return "0x" + raw.hex()


def plain_value(value: Any) -> OidValue:
    """A pysnmp value as plain Python (None for noSuchObject/noSuchInstance/endOfMibView)."""
    if isinstance(value, univ.Null):  # the three exceptions are Null subtypes
        return None
    if isinstance(value, univ.Integer):
        return int(value)
    if isinstance(value, univ.OctetString) and value.tagSet in IP_ADDRESS_TAGS:
        return ".".join(str(b) for b in value.asOctets())
    if isinstance(value, rfc1902.Bits) or value.tagSet in OPAQUE_TAGS:
        return "0x" + bytes(value.asOctets()).hex()
    if isinstance(value, univ.OctetString):
        return octet_text(bytes(value.asOctets()))
    if isinstance(value, univ.ObjectIdentifier):
        return str(value)
    return str(value.prettyPrint())


def plain_answers(varbinds: Any) -> list[Answer]:
    """pysnmp's var-binds as ``Answer``s."""
    return [
        (tuple(name.asTuple()), plain_value(value), isinstance(value, univ.Null))
        for name, value in varbinds
    ]


def ber_answers(varbinds: list[ber_decode.VarBind]) -> list[Answer]:
    """``collectors.ber_decode``'s var-binds as ``Answer``s, valued as ``plain_value`` would."""
    answers: list[Answer] = []
    for arcs, tag, value in varbinds:
        plain: OidValue
        if value is None:
            plain = None
        elif isinstance(value, int):
            plain = value
        elif isinstance(value, tuple):
            plain = ".".join(map(str, value))
        elif tag == ber_decode.IP_ADDRESS:
            plain = ".".join(str(b) for b in value)
        elif tag == ber_decode.OPAQUE:
            plain = "0x" + value.hex()
        else:
            plain = octet_text(value)
        answers.append((arcs, plain, value is None))
    return answers
