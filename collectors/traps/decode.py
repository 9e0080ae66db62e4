"""Reading SNMPv2c and SNMPv3 (USM) notifications without pysnmp's message processing.

A trap is small and its shape fixed, so a few BER readers decode it; pyasn1 through pysnmp
cost ~10× the CPU per message (measured: ``bench/snmp_traps.py --decode``), which matters in
a trap storm on the loop that also polls. SNMPv3 authentication is HMAC over the message
with the authentication parameters zeroed (RFC 3414 §6.3.2, RFC 7860); privacy is AES-CFB
with the IV from the sender's boots, time and salt (RFC 3826). Keys come from pysnmp's own
hash and localization services (cached per user, keys and engine ID), so they agree with
what the poller uses, AES-256's draft-blumenthal extension included.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from cryptography.hazmat.decrepit.ciphers.modes import CFB
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms

from collectors.client.pysnmp_api import config, univ
from collectors.client.users import AUTH_PROTOCOLS, PRIV_PROTOCOLS
from collectors.snmp_types import SnmpCredentials
from inventory.choices import SnmpAuthProtocol, SnmpPrivProtocol

SYS_UPTIME = "1.3.6.1.2.1.1.3.0"
SNMP_TRAP_OID = "1.3.6.1.6.3.1.1.4.1.0"
COLD_START = "1.3.6.1.6.3.1.1.5.1"
WARM_START = "1.3.6.1.6.3.1.1.5.2"
LINK_DOWN = "1.3.6.1.6.3.1.1.5.3"
LINK_UP = "1.3.6.1.6.3.1.1.5.4"
IF_INDEX = "1.3.6.1.2.1.2.2.1.1."
IF_OPER_STATUS = "1.3.6.1.2.1.2.2.1.8."
TRAP_PDU = 0xA7  # SNMPv2-Trap-PDU
INFORM_PDU = 0xA6
NUMERIC = frozenset({0x02, 0x41, 0x42, 0x43, 0x46})  # INTEGER, Counter32, Gauge32, TimeTicks, …
FLAG_AUTH, FLAG_PRIV = 0x01, 0x02

# (hash, length of the truncated MAC) per authentication protocol (RFC 3414, RFC 7860).
HMACS: dict[SnmpAuthProtocol, tuple[Callable[..., Any], int]] = {
    SnmpAuthProtocol.SHA: (hashlib.sha1, 12),
    SnmpAuthProtocol.SHA224: (hashlib.sha224, 16),
    SnmpAuthProtocol.SHA256: (hashlib.sha256, 24),
    SnmpAuthProtocol.SHA384: (hashlib.sha384, 32),
    SnmpAuthProtocol.SHA512: (hashlib.sha512, 48),
}
AES_KEY_BYTES = {SnmpPrivProtocol.AES128: 16, SnmpPrivProtocol.AES256: 32}


class Malformed(ValueError):
    """Not a notification this receiver reads (bad BER, another PDU, SNMPv1)."""


class BadCredentials(ValueError):
    """A notification from a known sender that its registered credentials do not open."""


def _tlv(data: bytes, pos: int, end: int) -> tuple[int, int, int]:
    """(tag, start of contents, end of contents) of the TLV at ``pos``."""
    if pos + 2 > end:
        raise Malformed("truncated")
    tag, size = data[pos], data[pos + 1]
    pos += 2
    if size & 0x80:
        count = size & 0x7F
        if not 0 < count <= 4 or pos + count > end:
            raise Malformed("bad length")
        size = int.from_bytes(data[pos : pos + count], "big")
        pos += count
    if pos + size > end:
        raise Malformed("truncated")
    return tag, pos, pos + size


def _expect(data: bytes, pos: int, end: int, tag: int) -> tuple[int, int]:
    found, start, stop = _tlv(data, pos, end)
    if found != tag:
        raise Malformed(f"tag 0x{found:02x} where 0x{tag:02x} was expected")
    return start, stop


def _int(data: bytes, pos: int, end: int) -> tuple[int, int]:
    start, stop = _expect(data, pos, end, 0x02)
    return int.from_bytes(data[start:stop], "big", signed=True), stop


def _octets(data: bytes, pos: int, end: int) -> tuple[bytes, int, int]:
    """(value, start of value, end) of an OCTET STRING."""
    start, stop = _expect(data, pos, end, 0x04)
    return data[start:stop], start, stop


def _oid(body: bytes) -> str:
    if not body:
        raise Malformed("empty OID")
    arcs, value = [], 0
    for byte in body:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            arcs.append(value)
            value = 0
    first = arcs[0]
    head = [min(first // 40, 2), first - 40 * min(first // 40, 2)]
    return ".".join(map(str, head + arcs[1:]))


@dataclass
class Notification:
    """What a trap says: its kind (snmpTrapOID), the interface it names, its var-binds."""

    trap_oid: str
    varbinds: dict[str, int | bytes | str | None] = field(default_factory=dict)
    uptime: int | None = None

    @property
    def if_index(self) -> int | None:
        """The interface of linkDown/linkUp: ifIndex's value, else ifOperStatus's index."""
        for oid, value in self.varbinds.items():
            if oid.startswith(IF_INDEX) and isinstance(value, int):
                return value
        for oid in self.varbinds:
            if oid.startswith(IF_OPER_STATUS):
                tail = oid[len(IF_OPER_STATUS) :]
                if tail.isdigit():
                    return int(tail)
        return None


def read_pdu(data: bytes, pos: int, end: int) -> Notification:
    """The notification in an SNMPv2-Trap (or Inform) PDU."""
    tag, start, stop = _tlv(data, pos, end)
    if tag not in (TRAP_PDU, INFORM_PDU):
        raise Malformed(f"PDU 0x{tag:02x} is not a notification")
    _, pos = _int(data, start, stop)  # request-id
    _, pos = _int(data, pos, stop)
    _, pos = _int(data, pos, stop)
    pos, list_end = _expect(data, pos, stop, 0x30)
    varbinds: dict[str, int | bytes | str | None] = {}
    while pos < list_end:
        vb_start, vb_end = _expect(data, pos, list_end, 0x30)
        o_start, o_end = _expect(data, vb_start, vb_end, 0x06)
        v_tag, v_start, v_end = _tlv(data, o_end, vb_end)
        body = data[v_start:v_end]
        value: int | bytes | str | None
        if v_tag in NUMERIC:
            value = int.from_bytes(body, "big", signed=v_tag == 0x02)
        elif v_tag == 0x06:
            value = _oid(body)
        elif v_tag == 0x05 or v_tag >= 0x80:
            value = None
        else:
            value = body
        varbinds[_oid(data[o_start:o_end])] = value
        pos = vb_end
    trap_oid = varbinds.get(SNMP_TRAP_OID)
    if not isinstance(trap_oid, str):
        raise Malformed("no snmpTrapOID")
    uptime = varbinds.get(SYS_UPTIME)
    return Notification(trap_oid, varbinds, uptime if isinstance(uptime, int) else None)


@dataclass
class Message:
    """One datagram's envelope, before credentials are checked."""

    version: int
    community: bytes = b""
    pdu_at: tuple[int, int] = (0, 0)  # v2c: where the PDU is
    # v3:
    flags: int = 0
    engine_id: bytes = b""
    boots: int = 0
    time: int = 0
    user: bytes = b""
    auth_params: tuple[int, int] = (0, 0)
    priv_params: bytes = b""
    scoped: tuple[int, int, bool] = (0, 0, False)  # start, end, encrypted


def read_message(data: bytes) -> Message:
    """The envelope of an SNMPv2c or SNMPv3/USM message (raises ``Malformed``)."""
    start, end = _expect(data, 0, len(data), 0x30)
    version, pos = _int(data, start, end)
    if version == 1:
        community, _, pos = _octets(data, pos, end)
        return Message(1, community=community, pdu_at=(pos, end))
    if version != 3:
        raise Malformed(f"SNMP version {version + 1 if version < 2 else version} not read")
    g_start, g_end = _expect(data, pos, end, 0x30)
    _, p = _int(data, g_start, g_end)  # msgID
    _, p = _int(data, p, g_end)  # msgMaxSize
    flags, _, p = _octets(data, p, g_end)
    model, _ = _int(data, p, g_end)
    if model != 3 or len(flags) != 1:
        raise Malformed("not a USM message")
    _, s_start, s_end = _octets(data, g_end, end)
    u_start, u_end = _expect(data, s_start, s_end, 0x30)
    engine_id, _, p = _octets(data, u_start, u_end)
    boots, p = _int(data, p, u_end)
    time, p = _int(data, p, u_end)
    user, _, p = _octets(data, p, u_end)
    _, a_start, a_end = _octets(data, p, u_end)
    priv, _, p = _octets(data, a_end, u_end)
    tag, d_start, d_end = _tlv(data, s_end, end)
    if tag not in (0x30, 0x04):
        raise Malformed("no scoped PDU")
    return Message(
        3,
        flags=flags[0],
        engine_id=engine_id,
        boots=boots,
        time=time,
        user=user,
        auth_params=(a_start, a_end),
        priv_params=priv,
        scoped=(d_start, d_end, tag == 0x04),
    )


def read_v2c(data: bytes, message: Message) -> Notification:
    return read_pdu(data, *message.pdu_at)


@dataclass(frozen=True)
class LocalKeys:
    """One user's keys localized to one engine ID."""

    auth: bytes
    priv: bytes | None


@lru_cache(maxsize=4096)
def _master_keys(creds: SnmpCredentials) -> tuple[bytes, bytes | None]:
    """Pass phrases hashed (~10 ms each with SHA-1, once per user and keys)."""
    assert creds.auth_protocol is not None and creds.auth_key is not None
    auth_id = AUTH_PROTOCOLS[creds.auth_protocol]
    auth = bytes(config.AUTH_SERVICES[auth_id].hash_passphrase(creds.auth_key))
    priv = None
    if creds.priv_protocol is not SnmpPrivProtocol.NONE:
        service = config.PRIV_SERVICES[PRIV_PROTOCOLS[creds.priv_protocol]]
        priv = bytes(service.hash_passphrase(auth_id, creds.priv_key))
    return auth, priv


@lru_cache(maxsize=16_384)
def local_keys(creds: SnmpCredentials, engine_id: bytes) -> LocalKeys:
    """The user's keys for the sender's engine (the notification originator is authoritative)."""
    assert creds.auth_protocol is not None
    engine = univ.OctetString(engine_id)
    auth_id = AUTH_PROTOCOLS[creds.auth_protocol]
    master_auth, master_priv = _master_keys(creds)
    auth = bytes(config.AUTH_SERVICES[auth_id].localize_key(master_auth, engine))
    priv = None
    if master_priv is not None:
        service = config.PRIV_SERVICES[PRIV_PROTOCOLS[creds.priv_protocol]]
        priv = bytes(service.localize_key(auth_id, master_priv, engine))
    return LocalKeys(auth, priv)


def open_v3(data: bytes, message: Message, creds: SnmpCredentials) -> Notification:
    """Authenticate (and decrypt) a v3 notification with ``creds``, else ``BadCredentials``."""
    if creds.username is None or creds.username.encode() != message.user:
        raise BadCredentials("unknown user")
    assert creds.auth_protocol is not None
    if not message.flags & FLAG_AUTH:
        raise BadCredentials("not authenticated")
    wants_priv = creds.priv_protocol is not SnmpPrivProtocol.NONE
    if bool(message.flags & FLAG_PRIV) != wants_priv:
        raise BadCredentials("security level differs from the registered one")
    keys = local_keys(creds, message.engine_id)
    digest, size = HMACS[creds.auth_protocol]
    a_start, a_end = message.auth_params
    if a_end - a_start != size:
        raise BadCredentials("authentication parameters of the wrong size")
    zeroed = data[:a_start] + bytes(size) + data[a_end:]
    mac = hmac.new(keys.auth, zeroed, digest).digest()[:size]
    if not hmac.compare_digest(mac, data[a_start:a_end]):
        raise BadCredentials("wrong digest")
    start, end, encrypted = message.scoped
    if wants_priv:
        if not encrypted or len(message.priv_params) != 8 or keys.priv is None:
            raise BadCredentials("not encrypted as registered")
        key = keys.priv[: AES_KEY_BYTES[creds.priv_protocol]]
        iv = message.boots.to_bytes(4, "big") + message.time.to_bytes(4, "big")
        iv += message.priv_params
        decryptor = Cipher(algorithms.AES(key), CFB(iv)).decryptor()
        plain = decryptor.update(data[start:end]) + decryptor.finalize()
        try:
            s_start, s_end = _expect(plain, 0, len(plain), 0x30)
        except Malformed:
            raise BadCredentials("does not decrypt") from None
        data, start, end = plain, s_start, s_end
    elif encrypted:
        raise BadCredentials("encrypted without privacy")
    _, _, pos = _octets(data, start, end)  # contextEngineID
    _, _, pos = _octets(data, pos, end)  # contextName
    return read_pdu(data, pos, end)
