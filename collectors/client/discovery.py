"""SNMPv3 engine discovery: an unauthenticated request whose Report names the agent's engine.

Before the first request to a v3 device the client learns its snmpEngineID this way and
registers the user for that engine ID (``users``); a device whose engine ID changes is
re-discovered once. A live agent answers discovery whatever our community, so after a
v1/v2c timeout it also tells "alive, refuses our community" from "down".
"""

from __future__ import annotations

import asyncio
import random
import socket
from typing import Any

from collectors import ber
from collectors.client.entry import Entry
from collectors.client.failures import Problem, timeout_detail
from collectors.client.pysnmp_api import SNMPv3Message, UsmSecurityParameters, ber_decoder
from collectors.snmp_types import Failure

# SNMPv3 discovery requests in flight during ``register`` (each on a socket of its own).
DISCOVERY_CONCURRENCY = 256


class DiscoveryProbe(asyncio.DatagramProtocol):
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


async def discover(entry: Entry) -> bytes | Problem:
    """The agent's snmpEngineID, from an unauthenticated discovery request."""
    assert entry.address is not None
    target = entry.target
    loop = asyncio.get_running_loop()
    msg_id = random.randrange(1, 2**31 - 1)
    packet = ber.v3_discovery(msg_id, random.randrange(1, 2**31 - 1))
    family = socket.AF_INET6 if ":" in entry.address[0] else socket.AF_INET
    probe = DiscoveryProbe(loop, msg_id)
    try:
        transport, _ = await loop.create_datagram_endpoint(
            lambda: probe, remote_addr=entry.address, family=family
        )
    except OSError as exc:
        return Problem(Failure.UNREACHABLE, f"cannot send to {target.host}: {exc.strerror}")
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
                return Problem(Failure.UNREACHABLE, f"{target.host}: {reason}")
    finally:
        transport.close()
        if not probe.done.done():
            probe.done.cancel()
        elif not probe.done.cancelled():
            probe.done.exception()  # retrieved: asyncio need not log it
    if probe.undecodable:
        return Problem(
            Failure.MALFORMED,
            f"{probe.undecodable} replies to SNMPv3 discovery did not decode",
        )
    return Problem(Failure.TIMEOUT, timeout_detail(target, "SNMPv3 discovery"))
