"""The SNMPv1/v2c channel: requests on the client's own socket, encoded with ``collectors.ber``.

pysnmp's command generator spent ~3 ms CPU per 17-varbind GET, over half of it building and
encoding the request, and 3.5 ms of MIB writes per target registered; a community target
costs only its address here. Each request is a header around a var-bind list encoded once per
OID list; replies are matched by request-id, agent address, version and community and decoded
with pysnmp's protocol API (``pysnmp.proto.api``, pyasn1). The window (``transport.Window``)
bounds what is on the wire.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import random
import socket
import struct
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, cast

from collectors import ber, ber_decode
from collectors.client.entry import Entry
from collectors.client.failures import Problem, timeout_detail
from collectors.client.pysnmp_api import api, ber_decoder, log
from collectors.client.transport import Window
from collectors.client.values import Answer, ber_answers, plain_answers
from collectors.snmp_types import Failure

# Encoded var-bind lists kept ready per OID list (a poll GET asks the same OIDs every cycle).
MAX_CACHED_REQUESTS = 4096
# Receive buffer asked for the v1/v2c socket: replies to ~100 requests in flight wait there
# while the loop decodes (the kernel caps it at net.core.rmem_max).
RECEIVE_BUFFER = 4 * 2**20
# Linux: ask for ICMP errors on the unconnected socket (IP_RECVERR, IPV6_RECVERR in <linux/in.h>
# and <linux/in6.h>; Python does not name them). Without them the kernel drops the "port
# unreachable" of a closed port and the request waits for its timeout.
RECVERR = {socket.AF_INET: (socket.IPPROTO_IP, 11), socket.AF_INET6: (socket.IPPROTO_IPV6, 25)}
ICMP_REASONS = {
    errno.ECONNREFUSED: "port unreachable (ICMP)",
    errno.EHOSTUNREACH: "host unreachable (ICMP)",
    errno.ENETUNREACH: "network unreachable (ICMP)",
}


@dataclass
class Pending:
    """A v1/v2c request waiting for its response: only this agent's, in this version and
    community, answers it."""

    address: tuple[Any, ...]
    version: int
    community: bytes
    future: asyncio.Future[tuple[int, int, list[Answer]]]
    sent: float = 0.0  # loop time of the first try
    retried: bool = False  # a reply after a retry says nothing about the round trip
    unreachable: str | None = None  # the ICMP error that answered it


class CommunityChannel(asyncio.DatagramProtocol):
    """SNMPv1/v2c requests on one UDP socket per address family, beside pysnmp's engine.

    pysnmp's command generator costs ~3 ms CPU per 17-varbind GET, most of it building and
    BER-encoding the request PDU (pyasn1 clones every var-bind) and routing it through its
    message and security models, and it needs ~3.5 ms of MIB writes per target registered.
    A community request needs none of that: the request is a header around a var-bind list
    encoded once per OID list (``collectors.ber``), responses are matched by request-id,
    agent address, version and community, and decoded with pysnmp's protocol API (pyasn1).
    SNMPv3 (USM keys, engine discovery, time windows) stays with pysnmp's engine.
    """

    def __init__(self, window: Window | None = None) -> None:
        self.window = window
        self.transport: asyncio.DatagramTransport | None = None
        self.pending: dict[int, Pending] = {}
        self.undecodable: dict[tuple[Any, ...], int] = {}  # by agent address, ever
        self.send_error: Exception | None = None
        self.icmp_errors = 0  # ICMP errors read from the socket's error queue, ever
        self.sock: socket.socket | None = None  # ours when it reports ICMP errors
        self._next_id = random.randrange(1, 2**31 - 1)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)
        sock = transport.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RECEIVE_BUFFER)

    def error_received(self, exc: Exception) -> None:
        """asyncio: a send or a receive failed; with IP_RECVERR, maybe for an ICMP error."""
        if self.sock is not None and self._read_icmp_errors():
            return  # an error about an earlier request, reported on this call: not ours
        self.send_error = exc

    def _read_icmp_errors(self) -> int:
        """Fail the requests the ICMP errors in the socket's error queue answer."""
        assert self.sock is not None
        count = 0
        while True:
            try:
                _, ancillary, _, address = self.sock.recvmsg(0, 1024, socket.MSG_ERRQUEUE)
            except OSError:  # EAGAIN: the queue is empty
                return count
            count += 1
            self.icmp_errors += 1
            code = errno.ECONNREFUSED
            for _, _, data in ancillary:  # struct sock_extended_err: ee_errno first
                if len(data) >= 4:
                    code = struct.unpack_from("=I", data)[0]
            reason = ICMP_REASONS.get(code) or os.strerror(code)
            peer = tuple(address)[:2]
            for pending in self.pending.values():
                if pending.address == peer and not pending.future.done():
                    pending.unreachable = reason
                    pending.future.cancel()

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
        decoded: Decoded | None
        try:
            decoded = _decode_fast(data)
        except ber_decode.BerError:
            decoded = _decode_pyasn1(data)
        if decoded is None:
            self.undecodable[address] = self.undecodable.get(address, 0) + 1
            log.debug("undecodable datagram from %s", address)
            return
        version, community, response, request_id, status, index, answers = decoded
        pending = self.pending.get(request_id)
        if (
            pending is None  # a late reply to a request given up on
            or pending.address != address
            or pending.version != version
            or not response
            or community != pending.community
        ):
            return
        del self.pending[request_id]
        if not pending.retried and self.window is not None:
            self.window.sample(asyncio.get_running_loop().time() - pending.sent)
        if not pending.future.done():
            pending.future.set_result((status, index, answers()))


# (version, community, is a response, request-id, error-status, error-index, the answers)
Decoded = tuple[int, bytes, bool, int, int, int, Callable[[], list[Answer]]]


def _decode_fast(data: bytes) -> Decoded:
    """The common case, without pyasn1 (``collectors.ber_decode``); BerError otherwise."""
    version, community, tag, request_id, status, index, varbinds = ber_decode.community_response(
        data
    )
    if version not in (ber.SNMP_V1, ber.SNMP_V2C):
        raise ber_decode.BerError("not v1/v2c")
    return (
        version,
        community,
        tag == ber_decode.GET_RESPONSE,
        request_id,
        status,
        index,
        lambda: ber_answers(varbinds),  # only for the request it answers
    )


def _decode_pyasn1(data: bytes) -> Decoded | None:
    """Any other datagram, as pysnmp's protocol API reads it; None if it is not SNMP."""
    try:
        version = int(api.decodeMessageVersion(data))
        module = api.PROTOCOL_MODULES[version]
        message, _ = ber_decoder.decode(data, asn1Spec=module.Message())
        pdu = module.apiMessage.get_pdu(message)
        request_id = int(module.apiPDU.get_request_id(pdu))
        community = bytes(module.apiMessage.get_community(message))
        status = int(module.apiPDU.get_error_status(pdu))
        index = int(module.apiPDU.get_error_index(pdu, muteErrors=True))
    except Exception:  # pyasn1 lets some garbage escape as TypeError & co.
        return None
    return (
        version,
        community,
        isinstance(pdu, module.GetResponsePDU),
        request_id,
        status,
        index,
        lambda: plain_answers(module.apiPDU.get_varbinds(pdu)),
    )


class CommunityRequests:
    """The client's v1/v2c requests: a channel per address family, all behind one window."""

    def __init__(self, window: Window) -> None:
        self.window = window
        self.channels: dict[int, CommunityChannel] = {}  # by address family
        self._varbinds: dict[tuple[str, ...], bytes] = {}

    def close(self) -> None:
        for channel in self.channels.values():
            if channel.transport is not None:
                channel.transport.close()
        self.channels.clear()
        self._varbinds.clear()

    async def channel(self, address: tuple[Any, ...]) -> CommunityChannel:
        """The v1/v2c socket for this address's family, opened on first use."""
        family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        channel = self.channels.get(family)
        if channel is None:
            channel = self.channels[family] = CommunityChannel(self.window)
            loop = asyncio.get_running_loop()
            try:
                sock = socket.socket(family, socket.SOCK_DGRAM)
                sock.setblocking(False)
                sock.bind(("::" if family == socket.AF_INET6 else "0.0.0.0", 0))
                if sys.platform.startswith("linux"):
                    with contextlib.suppress(OSError):
                        sock.setsockopt(*RECVERR[family], 1)
                        channel.sock = sock
                await loop.create_datagram_endpoint(lambda: channel, sock=sock)
            except BaseException:
                del self.channels[family]
                raise
        return channel

    def encoded_varbinds(self, oids: Sequence[str], pdu_type: int) -> bytes:
        if pdu_type != ber.GET_REQUEST:  # a walk's next OIDs are new each time
            return ber.varbind_list(oids)
        key = tuple(oids)
        varbinds = self._varbinds.get(key)
        if varbinds is None:
            varbinds = ber.varbind_list(oids)
            if len(self._varbinds) < MAX_CACHED_REQUESTS:
                self._varbinds[key] = varbinds
        return varbinds

    async def request(
        self,
        entry: Entry,
        pdu_type: int,
        oids: Sequence[str],
        non_repeaters: int = 0,
        max_repetitions: int = 0,
        *,
        sent: Callable[[], None] | None = None,
    ) -> tuple[int, int, Sequence[Answer]] | Problem:
        """A v1/v2c request on the client's own channel (see ``CommunityChannel``)."""
        assert entry.address is not None and entry.community is not None
        channel = await self.channel(entry.address)
        version = ber.SNMP_V1 if entry.v1 else ber.SNMP_V2C
        request_id = channel.request_id()
        packet = ber.community_request(
            version,
            entry.community,
            pdu_type,
            request_id,
            self.encoded_varbinds(oids, pdu_type),
            non_repeaters,
            max_repetitions,
        )
        future: asyncio.Future[tuple[int, int, list[Answer]]] = (
            asyncio.get_running_loop().create_future()
        )
        pending = Pending(entry.address, version, entry.community, future)
        window = self.window
        async with window.outstanding:
            return await self.exchange(entry, channel, request_id, pending, packet, sent)

    async def exchange(
        self,
        entry: Entry,
        channel: CommunityChannel,
        request_id: int,
        pending: Pending,
        packet: bytes,
        sent: Callable[[], None] | None = None,
    ) -> tuple[int, int, Sequence[Answer]] | Problem:
        """Send a v1/v2c request and its retries; wait within the window's bounds."""
        assert entry.address is not None and channel.transport is not None
        target, window, transport, future = (
            entry.target,
            self.window,
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
                icmp_errors = channel.icmp_errors
                transport.sendto(packet, entry.address)
                if channel.icmp_errors != icmp_errors and channel.send_error is None:
                    # The send failed with an earlier request's ICMP error, now read: again.
                    transport.sendto(packet, entry.address)
                if pending.unreachable is not None:
                    return Problem(Failure.UNREACHABLE, f"{target.host}: {pending.unreachable}")
                if channel.send_error is not None:
                    error = channel.send_error
                    reason = getattr(error, "strerror", None) or type(error).__name__
                    return Problem(Failure.UNREACHABLE, f"cannot send to {target.host}: {reason}")
                if sent is not None:
                    sent()
                    sent = None
                waited = 0.0
                if holding:
                    waited = window.patience(target.timeout)
                    await asyncio.wait((future,), timeout=waited)
                    if not future.done():
                        holding = False
                        window.release()  # probably dead: wait on without a place
                if not future.done():
                    await asyncio.wait((future,), timeout=target.timeout - waited)
                if pending.unreachable is not None:
                    return Problem(Failure.UNREACHABLE, f"{target.host}: {pending.unreachable}")
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
            return Problem(
                Failure.MALFORMED,
                f"no reply decoded: {undecodable} datagrams from the agent were not SNMP",
            )
        return Problem(Failure.TIMEOUT, timeout_detail(target, "request"))
