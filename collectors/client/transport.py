"""Transport and window: the UDP sockets' side of the client.

* **A window on the wire** (``Window``): at most ``max_in_flight`` v1/v2c requests awaiting
  a timely reply, and ``PARKED_PER_PLACE`` times that in all, whatever the caller keeps
  outstanding, with a patience learnt from the round trip so that dead devices give their
  place back quickly.
* **An observer on pysnmp's socket** (``Observer``): pysnmp reports a reply it cannot decode,
  and a send that the OS refuses, as a plain timeout; the observed transports count both per
  peer so that ``failures.classify`` can tell them apart.
* **Addresses resolved once**, at ``register``, as the socket reports replies' sources.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import ipaddress
import socket
from typing import Any, cast

from collectors.client.pysnmp_api import (
    PySnmpError,
    Udp6TransportTarget,
    UdpTransportTarget,
    config,
    log,
    udp,
    udp6,
)
from collectors.snmp_types import Target
from inventory.choices import SnmpVersion

# v1/v2c requests on the wire awaiting a timely reply, per client (see ``Window``): the
# decoding is CPU-bound, and SNMP-NOTES.md measured timeouts of live agents beyond ~100.
MAX_IN_FLIGHT = 64
# Unanswered requests in all, per place in the window: mostly dead devices' (each holds one
# for its whole timeout × tries), so this bound must not bind in a cycle (at 4, 2,500 dead
# devices made a cycle of 4,500 live ones 23 s longer), only stop a runaway.
PARKED_PER_PLACE = 16
# Round trips beyond this shrink the window in proportion (down to MIN_WINDOW places): a
# full cycle decoding walks while its database thread writes had live agents' replies wait
# past their timeout with 64 requests out.
TARGET_RTT = 0.2
MIN_WINDOW = 4
INITIAL_PATIENCE = 0.25  # seconds a first request waits before its place is given back
MIN_PATIENCE = 0.02


class Observer:
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


class ObservingMixin:
    """pysnmp's asyncio UDP transport, telling the observer about send errors and garbage."""

    observer: Observer | None = None
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


class ObservedUdpTransport(ObservingMixin, udp.UdpAsyncioTransport):  # type: ignore[misc]
    pass


class ObservedUdp6Transport(ObservingMixin, udp6.Udp6AsyncioTransport):  # type: ignore[misc]
    pass


class UdpTarget(UdpTransportTarget):  # type: ignore[misc]
    PROTO_TRANSPORT = ObservedUdpTransport


class Udp6Target(Udp6TransportTarget):  # type: ignore[misc]
    PROTO_TRANSPORT = ObservedUdp6Transport


class Window:
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

    def limit(self) -> int:
        """The places open now: all of them while replies come within ``TARGET_RTT``, fewer
        as round trips grow (the loop is behind: big replies, a busy thread, a loaded CPU)."""
        if self.srtt is None or self.srtt <= TARGET_RTT:
            return self.size
        return max(MIN_WINDOW, min(self.size, int(self.size * TARGET_RTT / self.srtt)))

    async def acquire(self) -> None:
        if self.used < self.limit() and not self._waiters:
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
        self.used -= 1
        self._wake()

    def _wake(self) -> None:
        while self._waiters and self.used < self.limit():
            waiter = self._waiters.popleft()
            if not waiter.done():
                self.used += 1
                waiter.set_result(None)

    def sample(self, rtt: float) -> None:
        if self.srtt is None:
            self.srtt, self.rttvar = rtt, rtt / 2
        else:
            self.rttvar = 0.75 * self.rttvar + 0.25 * abs(self.srtt - rtt)
            self.srtt = 0.875 * self.srtt + 0.125 * rtt
        self._wake()

    def patience(self, timeout: float) -> float:
        if self.srtt is None:
            return min(timeout, INITIAL_PATIENCE)
        return min(timeout, max(MIN_PATIENCE, self.srtt + 4 * self.rttvar))


async def resolve(target: Target) -> tuple[str, int] | str:
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


async def transport_for(target: Target) -> Any:
    """The resolved transport target (v1/v2c: the address), or why there is none."""
    if target.credentials is None:
        return None
    if target.credentials.version is not SnmpVersion.V3:
        return await resolve(target)
    cls = Udp6Target if ":" in target.host else UdpTarget
    try:
        return await cls.create(
            (target.host, target.port), timeout=target.timeout, retries=target.retries
        )
    except PySnmpError:
        return f"cannot resolve {target.host!r}"


def observe(engine: Any, transport: Any, observer: Observer | None) -> None:
    """Give the (shared) UDP transport of this target's domain our observer."""
    carrier = config.get_transport(engine, transport.TRANSPORT_DOMAIN)
    if carrier is not None and getattr(carrier, "observer", None) is None:
        carrier.observer = observer
