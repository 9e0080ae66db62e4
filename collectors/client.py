"""The SNMP client on pysnmp 7 asyncio — the only module of the project that imports pysnmp.

How it uses pysnmp (see ../shared/SNMP-NOTES.md for the measurements behind each point):

* **One engine** for the life of the client, bound to the event loop it first runs on. Using
  the client from another loop raises RuntimeError instead of hanging as pysnmp would.
* **SNMPv1/v2c beside the engine** (``_CommunityChannel``): one socket per address family,
  each request a header around a var-bind list encoded once per OID list, replies matched by
  request-id, agent address, version and community and decoded with pysnmp's protocol API
  (``pysnmp.proto.api``, pyasn1). pysnmp's command generator spent ~3 ms CPU per 17-varbind
  GET, over half of it building and encoding the request, and 3.5 ms of MIB writes per target
  registered; a community target now costs only its address at ``register``.
* **A window on the wire** (``_Window``): at most ``max_in_flight`` v1/v2c requests awaiting
  a timely reply, and four times that in all, whatever the caller keeps outstanding, with a
  patience learnt from the round trip so that dead devices give their place back quickly.
* **SNMPv3 targets registered up front** with ``LCD.configure``: pysnmp rebuilds its target
  lookup table whenever a target is added, so adding them lazily during a cycle is quadratic.
  Only new or changed targets cost anything; ``unregister`` removes their rows again.
* **Numeric OIDs, lookupMib=False**, and each OID's ``ObjectType`` is built once and reused.
* **SNMPv3 users per (user, agent engine ID)**. pysnmp keys USM users by user name, so two
  devices with the same user name and different keys would make it delete and re-add the
  user on every request. Each distinct (user, keys) pair gets a registration of its own at
  ``register``; before the first request to a v3 device the client learns the device's
  snmpEngineID with a discovery request and registers the user for that engine ID, where
  pysnmp looks first. A device whose engine ID changes is re-discovered once. Pass phrases
  are hashed once per (user, keys) (~10 ms each); per engine, keys are only localized.
* **Failure classes** from pysnmp's errorIndication (see ``Failure``). pysnmp reports a reply
  it cannot decode, and a send that the OS refuses, as a plain timeout; the client watches its
  socket and reports those as ``malformed`` and ``unreachable`` instead (the v1/v2c channel
  sees both itself).

Concurrency is the caller's, bounded for v1/v2c by the window: beyond ~100 requests in
flight the CPU-bound decoding falls behind and live devices' replies arrive after their
timeout. SNMPv3 requests go through pysnmp unbounded: keep 50–100 of them in flight.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import ipaddress
import logging
import random
import socket
import time
import unicodedata
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from collectors import ber
from collectors.snmp_types import (
    Failure,
    OidValue,
    PollReply,
    RegisterResult,
    SnmpClient,
    SnmpCredentials,
    Target,
)
from inventory.choices import SnmpAuthProtocol, SnmpPrivProtocol, SnmpVersion

# pysmi 2 (installed for snmpsim in tests) warns when pysnmp 7 uses its old names: on import,
# and when the first OID is resolved (pysnmp then attaches pysmi's MIB compiler).
PYSMI_DEPRECATIONS = {"message": r".* is deprecated", "category": DeprecationWarning}

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", **PYSMI_DEPRECATIONS)  # type: ignore[arg-type]
    from pyasn1.codec.ber import decoder as ber_decoder  # type: ignore[import-untyped]
    from pyasn1.error import PyAsn1Error  # type: ignore[import-untyped]
    from pyasn1.type import univ  # type: ignore[import-untyped]
    from pysnmp.carrier.asyncio.dgram import udp, udp6  # type: ignore[import-untyped]
    from pysnmp.carrier.error import CarrierError  # type: ignore[import-untyped]
    from pysnmp.entity import config  # type: ignore[import-untyped]
    from pysnmp.error import PySnmpError  # type: ignore[import-untyped]
    from pysnmp.hlapi.v3arch.asyncio import (  # type: ignore[import-untyped]
        CommunityData,
        ContextData,
        SnmpEngine,
        Udp6TransportTarget,
        UdpTransportTarget,
        UsmUserData,
        bulk_cmd,
        get_cmd,
        next_cmd,
    )
    from pysnmp.hlapi.v3arch.asyncio.cmdgen import (  # type: ignore[import-untyped]
        LCD,
        VB_PROCESSOR,
    )
    from pysnmp.proto import api, errind, rfc1902  # type: ignore[import-untyped]
    from pysnmp.proto.mpmod.rfc3412 import SNMPv3Message  # type: ignore[import-untyped]
    from pysnmp.proto.secmod.rfc3414.service import (  # type: ignore[import-untyped]
        UsmSecurityParameters,
    )
    from pysnmp.smi.rfc1902 import ObjectIdentity, ObjectType  # type: ignore[import-untyped]

log = logging.getLogger(__name__)

AUTH_PROTOCOLS: dict[SnmpAuthProtocol, Any] = {
    SnmpAuthProtocol.SHA: config.USM_AUTH_HMAC96_SHA,
    SnmpAuthProtocol.SHA224: config.USM_AUTH_HMAC128_SHA224,
    SnmpAuthProtocol.SHA256: config.USM_AUTH_HMAC192_SHA256,
    SnmpAuthProtocol.SHA384: config.USM_AUTH_HMAC256_SHA384,
    SnmpAuthProtocol.SHA512: config.USM_AUTH_HMAC384_SHA512,
}
PRIV_PROTOCOLS: dict[SnmpPrivProtocol, Any] = {
    SnmpPrivProtocol.NONE: config.USM_PRIV_NONE,
    SnmpPrivProtocol.AES128: config.USM_PRIV_CFB128_AES,
    # draft-blumenthal key extension, as net-snmp's "AES-256".
    SnmpPrivProtocol.AES256: config.USM_PRIV_CFB256_AES_BLUMENTHAL,
}

# errorIndication classes → failure class; RequestTimedOut is refined by what the socket saw.
ERROR_CLASSES: tuple[tuple[type[Exception], Failure], ...] = (
    (errind.RequestTimedOut, Failure.TIMEOUT),
    (errind.WrongDigest, Failure.AUTH_FAILURE),
    (errind.UnknownUserName, Failure.AUTH_FAILURE),
    (errind.DecryptionError, Failure.AUTH_FAILURE),
    (errind.UnknownEngineID, Failure.AUTH_FAILURE),
    (errind.UnknownSecurityName, Failure.AUTH_FAILURE),
    (errind.AuthenticationFailure, Failure.AUTH_FAILURE),
    (errind.AuthenticationError, Failure.AUTH_FAILURE),
    (errind.UnsupportedSecurityLevel, Failure.AUTH_FAILURE),
    (errind.NotInTimeWindow, Failure.AUTH_FAILURE),
    (errind.UnknownCommunityName, Failure.AUTH_FAILURE),
    (errind.UnsupportedAuthProtocol, Failure.AUTH_FAILURE),
    (errind.UnsupportedPrivProtocol, Failure.AUTH_FAILURE),
    (errind.NoEncryption, Failure.AUTH_FAILURE),
    (errind.EncryptionError, Failure.AUTH_FAILURE),
    (errind.NoSuchContext, Failure.AUTH_FAILURE),
    (errind.NoAccessEntry, Failure.AUTH_FAILURE),
    (errind.NoSuchView, Failure.AUTH_FAILURE),
    (errind.NoGroupName, Failure.AUTH_FAILURE),
    (errind.NotInView, Failure.AUTH_FAILURE),
    (errind.ReportPduReceived, Failure.AUTH_FAILURE),
    (errind.TooBig, Failure.ERROR_STATUS),
)
# The PDU each hlapi command sends, for the v1/v2c requests the client encodes itself.
PDU_TYPES: dict[Callable[..., Any], int] = {
    get_cmd: ber.GET_REQUEST,
    next_cmd: ber.GET_NEXT_REQUEST,
    bulk_cmd: ber.GET_BULK_REQUEST,
}
# After these a v3 device is re-discovered once (its engine ID may have changed).
REDISCOVER = (errind.UnknownSecurityName, errind.UnknownEngineID)

ERROR_STATUS_NAMES = (
    *("noError", "tooBig", "noSuchName", "badValue", "readOnly", "genErr", "noAccess"),
    *("wrongType", "wrongLength", "wrongEncoding", "wrongValue", "noCreation"),
    *("inconsistentValue", "resourceUnavailable", "commitFailed", "undoFailed"),
    *("authorizationError", "notWritable", "inconsistentName"),
)
NO_SUCH_NAME = 2

LCD_CACHE = "CommandGeneratorLcdConfigurator"
# A walk that has not ended after this many requests is an agent looping.
MAX_WALK_REQUESTS = 10_000
# ObjectType objects kept ready to send, by OID.
MAX_CACHED_OIDS = 50_000
# Targets whose addresses are resolved at once during ``register``.
RESOLVE_BATCH = 256
# SNMPv3 discovery requests in flight during ``register`` (each on a socket of its own).
DISCOVERY_CONCURRENCY = 256
# v1/v2c requests on the wire awaiting a timely reply, per client (see ``_Window``): the
# decoding is CPU-bound, and SNMP-NOTES.md measured timeouts of live agents beyond ~100.
MAX_IN_FLIGHT = 64
# Unanswered requests in all, per place in the window: mostly dead devices' (each holds one
# for its whole timeout × tries), so this bound must not bind in a cycle (at 4, 2,500 dead
# devices made a cycle of 4,500 live ones 23 s longer), only stop a runaway.
PARKED_PER_PLACE = 16
INITIAL_PATIENCE = 0.25  # seconds a first request waits before its place is given back
MIN_PATIENCE = 0.02
# Encoded var-bind lists kept ready per OID list (a poll GET asks the same OIDs every cycle).
MAX_CACHED_REQUESTS = 4096
# Receive buffer asked for the v1/v2c socket: replies to ~100 requests in flight wait there
# while the loop decodes (the kernel caps it at net.core.rmem_max).
RECEIVE_BUFFER = 4 * 2**20
IP_ADDRESS_TAGS = (rfc1902.IpAddress.tagSet,)  # v1's rfc1155.IpAddress has the same tags
OPAQUE_TAGS = (rfc1902.Opaque.tagSet,)


def _normalize_oid(oid: str) -> str:
    return oid.strip().lstrip(".")


def _scrub(text: str, secrets: Sequence[str]) -> str:
    for secret in secrets:
        text = text.replace(secret, "***")
    return text


def _text(raw: bytes) -> str:
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


def _value(value: Any) -> OidValue:
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
        return _text(bytes(value.asOctets()))
    if isinstance(value, univ.ObjectIdentifier):
        return str(value)
    return str(value.prettyPrint())


class _Observer:
    """What the client's UDP socket saw per peer address that pysnmp does not report."""

    def __init__(self, engine: Any) -> None:
        builder = engine.get_mib_builder()
        self._counters = builder.import_symbols(
            "__SNMPv2-MIB", "snmpInASNParseErrs", "snmpInBadVersions"
        )
        # address → [send errors, last send error, undecodable datagrams, datagrams]
        self._peers: dict[tuple[Any, ...], list[Any]] = {}

    def decode_errors(self) -> int:
        return sum(int(counter.syntax) for counter in self._counters)

    def _peer(self, address: Any) -> list[Any]:
        key = tuple(address)[:2]
        peer = self._peers.get(key)
        if peer is None:
            peer = self._peers[key] = [0, None, 0, 0]
        return peer

    def send_failed(self, address: Any, error: Exception) -> None:
        peer = self._peer(address)
        peer[0] += 1
        peer[1] = error

    def received(self, address: Any, decoded: bool) -> None:
        peer = self._peer(address)
        peer[3] += 1
        if not decoded:
            peer[2] += 1

    def mark(self, address: tuple[Any, ...]) -> tuple[int, int, int]:
        peer = self._peers.get(address)
        return (0, 0, 0) if peer is None else (peer[0], peer[2], peer[3])

    def since(
        self, address: tuple[Any, ...], mark: tuple[int, int, int]
    ) -> tuple[Exception | None, int, int]:
        """Since ``mark``: the last send error if any, undecodable and all datagrams."""
        peer = self._peers.get(address)
        if peer is None:
            return None, 0, 0
        error = peer[1] if peer[0] > mark[0] else None
        return error, peer[2] - mark[1], peer[3] - mark[2]


class _ObservingMixin:
    """pysnmp's asyncio UDP transport, telling the observer about send errors and garbage."""

    observer: _Observer | None = None
    _send_error: Exception | None = None

    def error_received(self, exc: Exception) -> None:  # asyncio: sendto() failed
        self._send_error = exc

    def send_message(self, outgoingMessage: Any, transportAddress: Any) -> None:
        self._send_error = None
        super().send_message(outgoingMessage, transportAddress)  # type: ignore[misc]
        if self._send_error is not None and self.observer is not None:
            self.observer.send_failed(transportAddress, self._send_error)

    def datagram_received(self, datagram: bytes, transportAddress: Any) -> None:
        cast(Any, self).loop.call_soon(self._deliver, transportAddress, datagram)

    def _deliver(self, address: Any, datagram: bytes) -> None:
        observer = self.observer
        before = observer.decode_errors() if observer is not None else 0
        try:
            cast(Any, self)._callback_function(self, address, datagram)
        except Exception as exc:  # pyasn1 lets some garbage escape as TypeError & co.
            log.debug("undecodable datagram from %s: %s", address, type(exc).__name__)
            if observer is not None:
                observer.received(address, decoded=False)
            return
        if observer is not None:
            observer.received(address, decoded=observer.decode_errors() == before)


class _ObservedUdpTransport(_ObservingMixin, udp.UdpAsyncioTransport):  # type: ignore[misc]
    pass


class _ObservedUdp6Transport(_ObservingMixin, udp6.Udp6AsyncioTransport):  # type: ignore[misc]
    pass


class _UdpTarget(UdpTransportTarget):  # type: ignore[misc]
    PROTO_TRANSPORT = _ObservedUdpTransport


class _Udp6Target(Udp6TransportTarget):  # type: ignore[misc]
    PROTO_TRANSPORT = _ObservedUdp6Transport


@dataclass
class _Pending:
    """A v1/v2c request waiting for its response: only this agent's, in this version and
    community, answers it."""

    address: tuple[Any, ...]
    version: int
    community: bytes
    future: asyncio.Future[tuple[int, int, list[Any]]]
    sent: float = 0.0  # loop time of the first try
    retried: bool = False  # a reply after a retry says nothing about the round trip


class _Window:
    """How many v1/v2c requests may be on the wire awaiting a reply that should come soon.

    A request holds a place from its first send until it is answered or has waited
    ``patience()``: a retransmission timeout from the smoothed round trip (RFC 6298), which
    counts the time a reply waits in the socket while the loop decodes others. A dead device
    thus gives its place back after a few round trips, not after its whole timeout, and when
    the process falls behind (replies queue, round trips grow) fewer requests go out instead
    of more. Requests that gave their place back still count against ``PARKED_PER_PLACE ×
    size`` in all, so that the replies that may still come can be decoded within a timeout:
    without both bounds, a caller keeping a thousand requests outstanding on a loaded machine
    made live agents' replies wait in the socket past their timeout, and the retries and
    probes that followed made it worse (4,273 of 4,500 live devices failed, see RESULTS.md).
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self.outstanding = asyncio.Semaphore(size * PARKED_PER_PLACE)
        self.used = 0
        self._waiters: collections.deque[asyncio.Future[None]] = collections.deque()
        self.srtt: float | None = None
        self.rttvar = 0.0

    async def acquire(self) -> None:
        if self.used < self.size and not self._waiters:
            self.used += 1
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self.release()  # granted just as we were cancelled: pass it on
            raise

    def release(self) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)  # the place goes to the next request as it is
                return
        self.used -= 1

    def sample(self, rtt: float) -> None:
        if self.srtt is None:
            self.srtt, self.rttvar = rtt, rtt / 2
        else:
            self.rttvar = 0.75 * self.rttvar + 0.25 * abs(self.srtt - rtt)
            self.srtt = 0.875 * self.srtt + 0.125 * rtt

    def patience(self, timeout: float) -> float:
        if self.srtt is None:
            return min(timeout, INITIAL_PATIENCE)
        return min(timeout, max(MIN_PATIENCE, self.srtt + 4 * self.rttvar))


class _CommunityChannel(asyncio.DatagramProtocol):
    """SNMPv1/v2c requests on one UDP socket per address family, beside pysnmp's engine.

    pysnmp's command generator costs ~3 ms CPU per 17-varbind GET, most of it building and
    BER-encoding the request PDU (pyasn1 clones every var-bind) and routing it through its
    message and security models, and it needs ~3.5 ms of MIB writes per target registered.
    A community request needs none of that: the request is a header around a var-bind list
    encoded once per OID list (``collectors.ber``), responses are matched by request-id,
    agent address, version and community, and decoded with pysnmp's protocol API (pyasn1).
    SNMPv3 (USM keys, engine discovery, time windows) stays with pysnmp's engine.
    """

    def __init__(self, window: _Window | None = None) -> None:
        self.window = window
        self.transport: asyncio.DatagramTransport | None = None
        self.pending: dict[int, _Pending] = {}
        self.undecodable: dict[tuple[Any, ...], int] = {}  # by agent address, ever
        self.send_error: Exception | None = None
        self._next_id = random.randrange(1, 2**31 - 1)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)
        sock = transport.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RECEIVE_BUFFER)

    def error_received(self, exc: Exception) -> None:  # asyncio: sendto() failed
        self.send_error = exc

    def connection_lost(self, exc: Exception | None) -> None:
        for pending in self.pending.values():
            if not pending.future.done():
                pending.future.cancel()
        self.pending.clear()

    def request_id(self) -> int:
        """A request-id no request in flight has (1 … 2³¹−1)."""
        while True:
            self._next_id = self._next_id % (2**31 - 1) + 1
            if self._next_id not in self.pending:
                return self._next_id

    def datagram_received(self, data: bytes, addr: Any) -> None:
        address = tuple(addr)[:2]
        try:
            version = int(api.decodeMessageVersion(data))
            module = api.PROTOCOL_MODULES[version]
            message, _ = ber_decoder.decode(data, asn1Spec=module.Message())
            pdu = module.apiMessage.get_pdu(message)
            request_id = int(module.apiPDU.get_request_id(pdu))
        except Exception:  # pyasn1 lets some garbage escape as TypeError & co.
            self.undecodable[address] = self.undecodable.get(address, 0) + 1
            log.debug("undecodable datagram from %s", address)
            return
        pending = self.pending.get(request_id)
        if (
            pending is None  # a late reply to a request given up on
            or pending.address != address
            or pending.version != version
            or not isinstance(pdu, module.GetResponsePDU)
            or bytes(module.apiMessage.get_community(message)) != pending.community
        ):
            return
        del self.pending[request_id]
        if not pending.retried and self.window is not None:
            self.window.sample(asyncio.get_running_loop().time() - pending.sent)
        if not pending.future.done():
            pending.future.set_result(
                (
                    int(module.apiPDU.get_error_status(pdu)),
                    int(module.apiPDU.get_error_index(pdu, muteErrors=True)),
                    module.apiPDU.get_varbinds(pdu),
                )
            )


@dataclass
class _Ref:
    """A pysnmp registration shared by targets, with how many use it."""

    value: Any  # the CommunityData / UsmUserData, or the target address row's name
    count: int = 0


@dataclass
class _Entry:
    """A registered target and its pysnmp rows."""

    target: Target
    unusable: tuple[Failure, str] | None = None  # why no request can be sent at all
    transport: Any = None  # the UdpTransportTarget
    address: tuple[Any, ...] | None = None  # resolved (host, port)
    auth: Any = None  # CommunityData, or the UsmUserData of the discovered engine
    auth_key: tuple[Any, ...] | None = None  # into PysnmpClient._auth
    addr_key: tuple[Any, ...] | None = None  # into PysnmpClient._addr
    engine_id: bytes | None = None  # v3: the agent's snmpEngineID once discovered
    engine_key: tuple[Any, ...] | None = None  # into PysnmpClient._engine_users
    community: bytes | None = None  # v1/v2c: sent by the client's own channel, not pysnmp
    secrets: tuple[str, ...] = ()

    @property
    def v1(self) -> bool:
        creds = self.target.credentials
        return creds is not None and creds.version is SnmpVersion.V1

    @property
    def v3(self) -> bool:
        creds = self.target.credentials
        return creds is not None and creds.version is SnmpVersion.V3


@dataclass(frozen=True)
class _Problem:
    failure: Failure
    detail: str
    rediscover: bool = False


class PysnmpClient:
    """``SnmpClient`` on one pysnmp 7 asyncio engine (see the module docstring)."""

    def __init__(self, max_in_flight: int = MAX_IN_FLIGHT) -> None:
        if max_in_flight < 1:
            raise ValueError("max_in_flight must be at least 1")
        self._window = _Window(max_in_flight)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._engine: Any = None
        self._observer: _Observer | None = None
        self._context: Any = None
        self._mib_view: Any = None
        self._closed = False
        self._entries: dict[int, _Entry] = {}
        self._auth: dict[tuple[Any, ...], _Ref] = {}  # community / (user, keys) registrations
        # (user, engine ID, keys) registrations, and how many key sets each (user, engine ID)
        self._engine_users: dict[tuple[Any, ...], _Ref] = {}
        self._key_sets: dict[tuple[Any, ...], int] = {}
        self._addr: dict[tuple[Any, ...], _Ref] = {}  # LCD transport key → target address row
        self._object_types: dict[str, Any] = {}
        self._next_index = 0
        self._channels: dict[int, _CommunityChannel] = {}  # by address family
        self._varbinds: dict[tuple[str, ...], bytes] = {}

    # --- lifecycle ---------------------------------------------------------------------

    def _bind(self) -> Any:
        """The engine, created on first use in the running loop (RuntimeError elsewhere)."""
        if self._closed:
            raise RuntimeError("the SNMP client is closed")
        loop = asyncio.get_running_loop()
        if self._loop is None:
            self._loop = loop
            self._engine = SnmpEngine()
            self._observer = _Observer(self._engine)
            self._context = ContextData()
            self._mib_view = VB_PROCESSOR.get_mib_view_controller(self._engine.cache)
            self._object_type("1.3.6.1.2.1.1.3.0")  # loads pysnmp's MIB tree (~0.5 s) now
        elif self._loop is not loop:
            raise RuntimeError(
                "this SNMP client is bound to the event loop it first ran on "
                "(pysnmp hangs on another): create one client per event loop"
            )
        return self._engine

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        for channel in self._channels.values():
            if channel.transport is not None:
                channel.transport.close()
        self._channels.clear()
        self._varbinds.clear()
        if self._engine is not None:
            self._engine.close_dispatcher()
        self._entries.clear()
        self._auth.clear()
        self._engine_users.clear()
        self._key_sets.clear()
        self._addr.clear()
        self._object_types.clear()
        self._engine = None

    def keys(self) -> frozenset[int]:
        return frozenset(self._entries)

    # --- registration ------------------------------------------------------------------

    async def register(self, targets: Iterable[Target]) -> RegisterResult:
        engine = self._bind()
        todo: list[Target] = []
        seen: set[int] = set()
        unchanged = 0
        for target in targets:
            if target.key in seen:
                raise ValueError(f"target key {target.key} given twice")
            seen.add(target.key)
            old = self._entries.get(target.key)
            if old is not None and old.target == target:
                unchanged += 1
            else:
                todo.append(target)
        added = sum(1 for t in todo if t.key not in self._entries)
        transports: list[Any] = []
        for start in range(0, len(todo), RESOLVE_BATCH):
            batch = todo[start : start + RESOLVE_BATCH]
            transports.extend(await asyncio.gather(*(self._transport_for(t) for t in batch)))
        configured = []
        for n, (target, transport) in enumerate(zip(todo, transports, strict=True)):
            if n and not n % 100:
                await asyncio.sleep(0)  # v3: ~3 ms of pysnmp MIB writes each: let the loop run
            entry = self._configure(engine, target, transport)
            if entry.community is not None and entry.address is not None:
                await self._channel(entry.address)
            old = self._entries.get(target.key)
            self._entries[target.key] = entry
            if old is not None:
                self._release(old)
            configured.append(entry)
        discovered = await self._discover_many(
            [e for e in configured if e.v3 and e.unusable is None]
        )
        result = RegisterResult(
            added=added, changed=len(todo) - added, unchanged=unchanged, discovered=discovered
        )
        if todo:
            log.debug("SNMP targets registered: %s", result)
        return result

    async def _channel(self, address: tuple[Any, ...]) -> _CommunityChannel:
        """The v1/v2c socket for this address's family, opened on first use."""
        family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        channel = self._channels.get(family)
        if channel is None:
            channel = self._channels[family] = _CommunityChannel(self._window)
            loop = asyncio.get_running_loop()
            try:
                await loop.create_datagram_endpoint(lambda: channel, family=family)
            except BaseException:
                del self._channels[family]
                raise
        return channel

    async def _transport_for(self, target: Target) -> Any:
        """The resolved transport target (v1/v2c: the address), or why there is none."""
        if target.credentials is None:
            return None
        if target.credentials.version is not SnmpVersion.V3:
            return await self._resolve(target)
        cls = _Udp6Target if ":" in target.host else _UdpTarget
        try:
            return await cls.create(
                (target.host, target.port), timeout=target.timeout, retries=target.retries
            )
        except PySnmpError:
            return f"cannot resolve {target.host!r}"

    @staticmethod
    async def _resolve(target: Target) -> tuple[str, int] | str:
        """(address, port) as the socket reports replies' sources, or why not."""
        with contextlib.suppress(ValueError):
            return str(ipaddress.ip_address(target.host)), target.port
        family = socket.AF_INET6 if ":" in target.host else socket.AF_INET
        try:
            found = await asyncio.get_running_loop().getaddrinfo(
                target.host, target.port, family=family, type=socket.SOCK_DGRAM
            )
        except (OSError, UnicodeError):
            found = []
        if not found:
            return f"cannot resolve {target.host!r}"
        return str(found[0][4][0]), int(found[0][4][1])

    def _configure(self, engine: Any, target: Target, transport: Any) -> _Entry:
        creds = target.credentials
        if creds is None:
            return _Entry(target, unusable=(Failure.NO_CREDENTIALS, "no SNMP credential"))
        entry = _Entry(target, secrets=creds.secrets())
        if isinstance(transport, str):
            entry.unusable = (Failure.UNREACHABLE, transport)
            return entry
        if creds.version is not SnmpVersion.V3:
            assert creds.community is not None
            entry.address = transport
            entry.community = creds.community.encode()
            return entry
        entry.transport = transport
        entry.address = tuple(transport.transport_address)[:2]
        entry.auth_key, auth = self._auth_for(creds)
        addr_name, params_name = LCD.configure(engine, auth, transport, b"")
        self._auth[entry.auth_key].count += 1
        entry.addr_key = (
            params_name,
            transport.TRANSPORT_DOMAIN,
            transport.transport_address,
            transport.timeout,
            transport.retries,
            transport.tagList,
            transport.iface,
        )
        addr = self._addr.setdefault(entry.addr_key, _Ref(addr_name))
        addr.count += 1
        if not entry.v3:
            entry.auth = auth
        self._observe(engine, transport)
        return entry

    def _auth_for(self, creds: SnmpCredentials) -> tuple[tuple[Any, ...], Any]:
        """The registration key and pysnmp auth object of these credentials (shared)."""
        if creds.version is SnmpVersion.V3:
            key: tuple[Any, ...] = (
                "usm",
                creds.username,
                creds.auth_protocol,
                creds.auth_key,
                creds.priv_protocol,
                creds.priv_key,
            )
        else:
            key = ("community", creds.community, creds.version)
        ref = self._auth.get(key)
        if ref is None:
            self._next_index += 1
            if creds.version is SnmpVersion.V3:
                # A registration of its own per (user, keys), under an engine ID no agent
                # has: pysnmp never uses it for a request (nor clones it for an unknown
                # engine), but the target's parameter rows exist before the first request.
                placeholder = b"\x80\x00\x00\x00\x05digicampus" + self._next_index.to_bytes(4)
                auth = self._placeholder_user(creds, placeholder)
            else:
                auth = CommunityData(
                    f"c{self._next_index}",
                    creds.community,
                    mpModel=0 if creds.version is SnmpVersion.V1 else 1,
                )
            ref = self._auth[key] = _Ref(auth)
        return key, ref.value

    @staticmethod
    def _placeholder_user(creds: SnmpCredentials, engine_id: bytes) -> Any:
        """The user with master keys: pass phrases are hashed (~10 ms each) only here."""
        assert creds.auth_protocol is not None and creds.auth_key is not None
        auth_protocol = AUTH_PROTOCOLS[creds.auth_protocol]
        priv_protocol = PRIV_PROTOCOLS[creds.priv_protocol]
        priv_key = None
        if creds.priv_protocol is not SnmpPrivProtocol.NONE:
            priv_key = config.PRIV_SERVICES[priv_protocol].hash_passphrase(
                auth_protocol, creds.priv_key
            )
        return UsmUserData(
            creds.username,
            authKey=config.AUTH_SERVICES[auth_protocol].hash_passphrase(creds.auth_key),
            privKey=priv_key,
            authProtocol=auth_protocol,
            privProtocol=priv_protocol,
            securityEngineId=engine_id,
            authKeyType=config.USM_KEY_TYPE_MASTER,
            privKeyType=config.USM_KEY_TYPE_MASTER,
        )

    @staticmethod
    def _engine_user(placeholder: Any, engine_id: bytes) -> Any:
        """The same user and master keys for another engine ID (localizing is cheap)."""
        return UsmUserData(
            placeholder.userName,
            authKey=placeholder.authentication_key,
            privKey=getattr(placeholder, "privacy_key", None),
            authProtocol=placeholder.authentication_protocol,
            privProtocol=placeholder.privacy_protocol,
            securityEngineId=engine_id,
            authKeyType=config.USM_KEY_TYPE_MASTER,
            privKeyType=config.USM_KEY_TYPE_MASTER,
        )

    def _observe(self, engine: Any, transport: Any) -> None:
        """Give the (shared) UDP transport of this target's domain our observer."""
        carrier = config.get_transport(engine, transport.TRANSPORT_DOMAIN)
        if carrier is not None and getattr(carrier, "observer", None) is None:
            carrier.observer = self._observer

    def unregister(self, keys: Iterable[int]) -> int:
        removed = 0
        for key in keys:
            entry = self._entries.pop(key, None)
            if entry is not None:
                self._release(entry)
                removed += 1
        if removed:
            log.debug("SNMP targets unregistered: %d", removed)
        return removed

    def _release(self, entry: _Entry) -> None:
        """Drop this entry's share of its pysnmp rows; delete the rows nobody uses."""
        engine = self._engine
        if engine is None:
            return
        lcd = engine.get_user_context(LCD_CACHE) or {}
        if entry.addr_key is not None:
            addr = self._addr[entry.addr_key]
            addr.count -= 1
            if addr.count == 0:
                del self._addr[entry.addr_key]
                config.delete_target_address(engine, addr.value)
                lcd.get("addr", {}).pop(entry.addr_key, None)
        if entry.engine_key is not None:
            self._release_engine_user(entry.engine_key, lcd)
        if entry.auth_key is not None:
            self._release_user(engine, lcd, self._auth, entry.auth_key)

    def _release_engine_user(self, key: tuple[Any, ...], lcd: dict[str, Any]) -> None:
        if self._release_user(self._engine, lcd, self._engine_users, key):
            self._key_sets[key[:2]] -= 1
            if not self._key_sets[key[:2]]:
                del self._key_sets[key[:2]]

    @staticmethod
    def _release_user(
        engine: Any, lcd: dict[str, Any], table: dict[tuple[Any, ...], _Ref], key: tuple[Any, ...]
    ) -> bool:
        """Drop one use of a user registration; True if that was the last and it is gone."""
        ref = table[key]
        ref.count -= 1
        if ref.count > 0:
            return False
        del table[key]
        auth = ref.value
        if isinstance(auth, CommunityData):
            config.delete_v1_system(engine, auth.communityIndex)
            lcd.get("auth", {}).pop(auth.communityIndex, None)
        else:
            config.delete_v3_user(engine, auth.userName, auth.securityEngineId)
            lcd.get("auth", {}).pop((auth.userName, auth.securityEngineId), None)
        return True

    # --- SNMPv3 engine discovery -------------------------------------------------------

    async def _discover(self, entry: _Entry) -> bytes | _Problem:
        """The agent's snmpEngineID, from an unauthenticated discovery request."""
        assert entry.address is not None
        target = entry.target
        loop = asyncio.get_running_loop()
        msg_id = random.randrange(1, 2**31 - 1)
        packet = ber.v3_discovery(msg_id, random.randrange(1, 2**31 - 1))
        family = socket.AF_INET6 if ":" in entry.address[0] else socket.AF_INET
        probe = _DiscoveryProbe(loop, msg_id)
        try:
            transport, _ = await loop.create_datagram_endpoint(
                lambda: probe, remote_addr=entry.address, family=family
            )
        except OSError as exc:
            return _Problem(Failure.UNREACHABLE, f"cannot send to {target.host}: {exc.strerror}")
        try:
            for _ in range(target.retries + 1):
                transport.sendto(packet)
                try:
                    return await asyncio.wait_for(asyncio.shield(probe.done), target.timeout)
                except TimeoutError:
                    continue
                except OSError as exc:
                    reason = (
                        "port unreachable (ICMP)"
                        if isinstance(exc, ConnectionRefusedError)
                        else exc.strerror
                    )
                    return _Problem(Failure.UNREACHABLE, f"{target.host}: {reason}")
        finally:
            transport.close()
            if not probe.done.done():
                probe.done.cancel()
            elif not probe.done.cancelled():
                probe.done.exception()  # retrieved: asyncio need not log it
        if probe.undecodable:
            return _Problem(
                Failure.MALFORMED,
                f"{probe.undecodable} replies to SNMPv3 discovery did not decode",
            )
        return _Problem(Failure.TIMEOUT, self._timeout_detail(target, "SNMPv3 discovery"))

    async def _discover_many(self, entries: Sequence[_Entry]) -> int:
        """Discover and bind v3 agents before their first request; how many answered.

        Every user added to pysnmp makes it rebuild its user lookup table on the next
        request, so binding them all here beats binding them one by one within a cycle.
        An agent that does not answer now is discovered again before its first request.
        """
        if not entries:
            return 0
        semaphore = asyncio.Semaphore(DISCOVERY_CONCURRENCY)

        async def discover(entry: _Entry) -> bool:
            async with semaphore:
                result = await self._discover(entry)
            current = self._entries.get(entry.target.key) is entry
            if isinstance(result, bytes) and current and entry.engine_id is None:
                self._bind_engine(entry, result)
                return True
            return False

        return sum(await asyncio.gather(*(discover(e) for e in entries)))

    async def probe_v3_engine(self, key: int) -> bool:
        self._bind()
        entry = self._entries[key]
        if entry.address is None:
            return False
        result = await self._discover(entry)
        if isinstance(result, bytes):
            if entry.v3 and result != entry.engine_id:
                self._bind_engine(entry, result)
            return True
        return False

    def _bind_engine(self, entry: _Entry, engine_id: bytes) -> None:
        """Register this v3 target's user for the agent's engine ID (shared, refcounted)."""
        engine = self._engine
        creds = entry.target.credentials
        assert creds is not None and entry.auth_key is not None
        key = (creds.username, engine_id, entry.auth_key)
        ref = self._engine_users.get(key)
        if ref is None:
            if self._key_sets.get(key[:2]):
                log.warning(
                    "device %s: SNMPv3 engine ID %s already known with user %r and other "
                    "keys; pysnmp holds one key set per (user, engine): it will re-key",
                    entry.target.key,
                    engine_id.hex(),
                    creds.username,
                )
            placeholder = self._auth[entry.auth_key].value
            ref = self._engine_users[key] = _Ref(self._engine_user(placeholder, engine_id))
            self._key_sets[key[:2]] = self._key_sets.get(key[:2], 0) + 1
        LCD.configure(engine, ref.value, entry.transport, b"")
        ref.count += 1
        old, old_engine_id = entry.engine_key, entry.engine_id
        entry.engine_id, entry.engine_key, entry.auth = engine_id, key, ref.value
        if old is not None:
            self._release_engine_user(old, engine.get_user_context(LCD_CACHE) or {})
        if old_engine_id is not None and old_engine_id != engine_id:
            self._forget_peer_engine(entry)
        log.debug("device %s: SNMPv3 engine ID %s", entry.target.key, engine_id.hex())

    def _forget_peer_engine(self, entry: _Entry) -> None:
        """Drop pysnmp's cached engine ID of this address (kept 300 s, even when wrong)."""
        model = self._engine.message_processing_subsystems.get(3)
        cache = getattr(model, "_SnmpV3MessageProcessingModel__engineIdCache", {})
        cache.pop((entry.transport.TRANSPORT_DOMAIN, entry.address), None)

    # --- requests ----------------------------------------------------------------------

    async def _ready(self, entry: _Entry) -> _Problem | None:
        """None when a request can be sent (discovering a v3 agent first), else why not."""
        if entry.unusable is not None:
            return _Problem(*entry.unusable)
        if entry.v3 and entry.engine_id is None:
            result = await self._discover(entry)
            if isinstance(result, _Problem):
                return result
            if entry.engine_id is None:  # a concurrent request may have bound it meanwhile
                self._bind_engine(entry, result)
        return None

    def _object_type(self, oid: str) -> Any:
        object_type = self._object_types.get(oid)
        if object_type is None:
            # Resolved here once, so that pysnmp's get_cmd & co. find it resolved and skip it.
            object_type = ObjectType(ObjectIdentity(oid))
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", **PYSMI_DEPRECATIONS)  # type: ignore[arg-type]
                object_type.resolve_with_mib(self._mib_view)
            if len(self._object_types) < MAX_CACHED_OIDS:
                self._object_types[oid] = object_type
        return object_type

    async def _request(
        self, entry: _Entry, command: Callable[..., Any], oids: Sequence[str], *head: int
    ) -> tuple[int, int, Sequence[Any]] | _Problem:
        """One request: (errorStatus, errorIndex, var-binds), or the failure."""
        if entry.community is not None:
            return await self._community_request(entry, PDU_TYPES[command], oids, *head)
        assert self._observer is not None and entry.address is not None
        mark = self._observer.mark(entry.address)
        var_binds = [self._object_type(oid) for oid in oids]
        try:
            indication, status, index, answer = await command(
                self._engine,
                entry.auth,
                entry.transport,
                self._context,
                *head,
                *var_binds,
                lookupMib=False,
            )
        except (CarrierError, OSError) as exc:
            return _Problem(Failure.UNREACHABLE, f"{type(exc).__name__}: {exc}")
        except (PyAsn1Error, PySnmpError) as exc:
            return _Problem(Failure.MALFORMED, f"{type(exc).__name__}: {exc}")
        if indication:
            return self._classify(entry, indication, mark)
        return int(status), int(index), answer

    def _encoded_varbinds(self, oids: Sequence[str], pdu_type: int) -> bytes:
        if pdu_type != ber.GET_REQUEST:  # a walk's next OIDs are new each time
            return ber.varbind_list(oids)
        key = tuple(oids)
        varbinds = self._varbinds.get(key)
        if varbinds is None:
            varbinds = ber.varbind_list(oids)
            if len(self._varbinds) < MAX_CACHED_REQUESTS:
                self._varbinds[key] = varbinds
        return varbinds

    async def _community_request(
        self,
        entry: _Entry,
        pdu_type: int,
        oids: Sequence[str],
        non_repeaters: int = 0,
        max_repetitions: int = 0,
    ) -> tuple[int, int, Sequence[Any]] | _Problem:
        """A v1/v2c request on the client's own channel (see ``_CommunityChannel``)."""
        assert entry.address is not None and entry.community is not None
        channel = await self._channel(entry.address)
        version = ber.SNMP_V1 if entry.v1 else ber.SNMP_V2C
        request_id = channel.request_id()
        packet = ber.community_request(
            version,
            entry.community,
            pdu_type,
            request_id,
            self._encoded_varbinds(oids, pdu_type),
            non_repeaters,
            max_repetitions,
        )
        future: asyncio.Future[tuple[int, int, list[Any]]] = (
            asyncio.get_running_loop().create_future()
        )
        pending = _Pending(entry.address, version, entry.community, future)
        window = self._window
        async with window.outstanding:
            return await self._exchange(entry, channel, request_id, pending, packet)

    async def _exchange(
        self,
        entry: _Entry,
        channel: _CommunityChannel,
        request_id: int,
        pending: _Pending,
        packet: bytes,
    ) -> tuple[int, int, Sequence[Any]] | _Problem:
        """Send a v1/v2c request and its retries; wait within the window's bounds."""
        assert entry.address is not None and channel.transport is not None
        target, window, transport, future = (
            entry.target,
            self._window,
            channel.transport,
            pending.future,
        )
        await window.acquire()
        holding = True
        loop = asyncio.get_running_loop()
        channel.pending[request_id] = pending
        garbage = channel.undecodable.get(entry.address, 0)
        try:
            for attempt in range(target.retries + 1):
                channel.send_error = None
                if attempt:
                    pending.retried = True
                else:
                    pending.sent = loop.time()
                transport.sendto(packet, entry.address)
                if channel.send_error is not None:
                    error = channel.send_error
                    reason = getattr(error, "strerror", None) or type(error).__name__
                    return _Problem(Failure.UNREACHABLE, f"cannot send to {target.host}: {reason}")
                waited = 0.0
                if holding:
                    waited = window.patience(target.timeout)
                    await asyncio.wait((future,), timeout=waited)
                    if not future.done():
                        holding = False
                        window.release()  # probably dead: wait on without a place
                if not future.done():
                    await asyncio.wait((future,), timeout=target.timeout - waited)
                if future.done():
                    return future.result()
        finally:
            if holding:
                window.release()
            if (
                channel.pending.get(request_id) is not None
                and channel.pending[request_id].future is future
            ):
                del channel.pending[request_id]
            if not future.done():
                future.cancel()
        undecodable = channel.undecodable.get(entry.address, 0) - garbage
        if undecodable:
            return _Problem(
                Failure.MALFORMED,
                f"no reply decoded: {undecodable} datagrams from the agent were not SNMP",
            )
        return _Problem(Failure.TIMEOUT, self._timeout_detail(target, "request"))

    def _classify(self, entry: _Entry, indication: Any, mark: tuple[int, int, int]) -> _Problem:
        assert self._observer is not None and entry.address is not None
        target = entry.target
        if isinstance(indication, errind.RequestTimedOut):
            send_error, undecodable, received = self._observer.since(entry.address, mark)
            if send_error is not None:
                reason = getattr(send_error, "strerror", None) or type(send_error).__name__
                return _Problem(Failure.UNREACHABLE, f"cannot send to {target.host}: {reason}")
            if undecodable:
                return _Problem(
                    Failure.MALFORMED,
                    f"no reply decoded: {undecodable} datagrams from the agent were not SNMP",
                )
            if received and entry.v3:
                # The agent answered, but not as the engine we know: pysnmp drops such
                # messages (a device replaced at the same address has a new engine ID).
                return _Problem(
                    Failure.TIMEOUT,
                    self._timeout_detail(target, "request")
                    + f"; {received} messages from the agent were not for us",
                    rediscover=True,
                )
            return _Problem(Failure.TIMEOUT, self._timeout_detail(target, "request"))
        failure = next(
            (f for cls, f in ERROR_CLASSES if isinstance(indication, cls)), Failure.MALFORMED
        )
        return _Problem(
            failure,
            f"{type(indication).__name__}: {indication}",
            rediscover=entry.v3 and isinstance(indication, REDISCOVER),
        )

    @staticmethod
    def _timeout_detail(target: Target, what: str) -> str:
        tries = target.retries + 1
        return f"no reply to {what} within {target.timeout:g} s × {tries} tries"

    def _reply(
        self,
        entry: _Entry,
        started: float,
        values: dict[str, OidValue],
        problem: _Problem | None = None,
    ) -> PollReply:
        elapsed = time.monotonic() - started
        if problem is None:
            return PollReply(entry.target.key, True, elapsed=elapsed, values=values)
        detail = _scrub(problem.detail, entry.secrets)
        log.debug("device %s: %s (%s)", entry.target.key, problem.failure.value, detail)
        return PollReply(entry.target.key, False, problem.failure, detail, elapsed, values)

    async def _retry_after_rediscovery(self, entry: _Entry, problem: _Problem) -> bool:
        """After an engine-ID problem, discover the agent again; True to retry once."""
        if not problem.rediscover:
            return False
        result = await self._discover(entry)
        if not isinstance(result, bytes):
            return False
        if result == entry.engine_id and problem.failure is Failure.TIMEOUT:
            return False  # same engine: asking again would only wait again
        self._bind_engine(entry, result)  # also re-adds a user pysnmp lost
        return True

    async def get(self, key: int, oids: Sequence[str]) -> PollReply:
        self._bind()
        entry = self._entries[key]
        started = time.monotonic()
        values: dict[str, OidValue] = {}
        problem = await self._ready(entry)
        if problem is not None:
            return self._reply(entry, started, values, problem)
        wanted = [_normalize_oid(oid) for oid in oids]
        pending = list(dict.fromkeys(wanted))
        retried = False
        while pending:
            result = await self._request(entry, get_cmd, pending)
            if isinstance(result, _Problem):
                if not retried and await self._retry_after_rediscovery(entry, result):
                    retried = True
                    continue
                return self._reply(entry, started, values, result)
            status, index, answer = result
            if status and entry.v1 and status == NO_SUCH_NAME and 1 <= index <= len(pending):
                # SNMPv1 has no per-varbind exceptions: the agent lacks this one object
                # (ifHC* counters never exist in v1); ask again without it.
                values[pending.pop(index - 1)] = None
                continue
            if status:
                return self._reply(
                    entry, started, values, self._status_problem(status, index, pending)
                )
            if len(answer) != len(pending):
                problem = _Problem(
                    Failure.MALFORMED, f"{len(answer)} values for {len(pending)} OIDs"
                )
                return self._reply(entry, started, values, problem)
            for oid, (_, value) in zip(pending, answer, strict=True):
                values[oid] = _value(value)
            break
        return self._reply(entry, started, {oid: values[oid] for oid in wanted})

    @staticmethod
    def _status_problem(status: int, index: int, oids: Sequence[str]) -> _Problem:
        name = ERROR_STATUS_NAMES[status] if status < len(ERROR_STATUS_NAMES) else str(status)
        where = f" at {oids[index - 1]}" if 1 <= index <= len(oids) else ""
        return _Problem(Failure.ERROR_STATUS, f"errorStatus {name}{where}")

    async def walk(
        self, key: int, column_oids: Sequence[str], max_repetitions: int = 10
    ) -> PollReply:
        self._bind()
        entry = self._entries[key]
        started = time.monotonic()
        values: dict[str, OidValue] = {}
        problem = await self._ready(entry)
        if problem is not None:
            return self._reply(entry, started, values, problem)
        columns = list(dict.fromkeys(_normalize_oid(oid) for oid in column_oids))
        prefixes = {c: tuple(int(arc) for arc in c.split(".")) for c in columns}
        last: dict[str, tuple[int, ...]] = dict(prefixes)  # where each column goes on from
        active = list(columns)
        retried = False
        requests = 0
        while active:
            requests += 1
            if requests > MAX_WALK_REQUESTS:
                problem = _Problem(
                    Failure.MALFORMED, f"walk did not end after {MAX_WALK_REQUESTS} requests"
                )
                return self._reply(entry, started, values, problem)
            next_oids = [".".join(map(str, last[c])) for c in active]
            if entry.v1:
                result = await self._request(entry, next_cmd, next_oids)
            else:
                result = await self._request(entry, bulk_cmd, next_oids, 0, max_repetitions)
            if isinstance(result, _Problem):
                if not retried and await self._retry_after_rediscovery(entry, result):
                    retried = True
                    continue
                return self._reply(entry, started, values, result)
            status, index, answer = result
            if status and entry.v1 and status == NO_SUCH_NAME and 1 <= index <= len(active):
                del active[index - 1]  # SNMPv1's end of the MIB for this column
                continue
            if status:
                problem = self._status_problem(status, index, next_oids)
                return self._reply(entry, started, values, problem)
            if not answer:
                problem = _Problem(Failure.MALFORMED, "empty response to GETBULK")
                return self._reply(entry, started, values, problem)
            width = len(active)
            finished: set[str] = set()
            for position, (name, value) in enumerate(answer):
                column = active[position % width]
                if column in finished:
                    continue
                arcs = name.asTuple()
                prefix = prefixes[column]
                if (
                    isinstance(value, univ.Null)
                    or len(arcs) <= len(prefix)
                    or arcs[: len(prefix)] != prefix
                ):
                    finished.add(column)
                    continue
                if arcs <= last[column]:
                    problem = _Problem(Failure.MALFORMED, f"OID not increasing in column {column}")
                    return self._reply(entry, started, values, problem)
                values[".".join(map(str, arcs))] = _value(value)
                last[column] = arcs
            active = [c for c in active if c not in finished]
        return self._reply(entry, started, values)


class _DiscoveryProbe(asyncio.DatagramProtocol):
    """Waits for the Report answering our discovery request; counts what does not decode."""

    def __init__(self, loop: asyncio.AbstractEventLoop, msg_id: int) -> None:
        self.msg_id = msg_id
        self.done: asyncio.Future[bytes] = loop.create_future()
        self.undecodable = 0

    def datagram_received(self, data: bytes, addr: Any) -> None:
        try:
            message, _ = ber_decoder.decode(data, asn1Spec=SNMPv3Message())
            if int(message["msgVersion"]) != ber.SNMP_V3:
                raise ValueError("not SNMPv3")
            if int(message["msgGlobalData"]["msgID"]) != self.msg_id:
                return  # a late answer to an earlier probe
            parameters, _ = ber_decoder.decode(
                bytes(message["msgSecurityParameters"]), asn1Spec=UsmSecurityParameters()
            )
            engine_id = bytes(parameters["msgAuthoritativeEngineId"])
            if not engine_id:
                raise ValueError("empty engine ID")
        except Exception:  # garbage of any kind
            self.undecodable += 1
            return
        if not self.done.done():
            self.done.set_result(engine_id)

    def error_received(self, exc: Exception) -> None:
        if not self.done.done():
            self.done.set_exception(exc)


if TYPE_CHECKING:  # mypy checks that PysnmpClient implements the protocol
    _implements: SnmpClient = PysnmpClient()
