"""The trap receiver: a UDP socket on the collector's event loop.

Each datagram is decoded at once (``decode``), matched to a registered device by its source
address (for SNMPv3, also by the engine ID it authenticated with before, so a device that
sends from another of its addresses is still known), and queued. A writer records the
queue every ``FLUSH`` seconds in one transaction on a database thread of its own, so a storm
costs a few transactions a second, not one per trap. The devices it names are then polled
to confirm (``poll``): in rounds at most one a second, each round every device once, so a
storm polls each flapping device about once a second and the last state is always polled.

Unknown senders, bad credentials and unreadable datagrams are counted (``counts`` and the
``digicampus_snmp_traps_total`` metric) and logged once a minute per sender; none is fatal.
The receiver's picture of the inventory is reloaded every ``refresh`` seconds and, at most
every few seconds, when an unknown address sends (its traps wait for that reload).
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import socket
import time
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from prometheus_client import Counter as MetricCounter
from sqlalchemy.orm import Session, sessionmaker

from collectors.snmp_types import SnmpCredentials
from collectors.traps import decode
from inventory.choices import SnmpVersion
from inventory.models.base import utcnow
from inventory.models.polling import DeviceState
from inventory.secretbox import SecretBox, SecretBoxError
from inventory.services import credentials, polling
from inventory.services.polling.recording import StateChange
from inventory.services.polling.traps import (
    LINK_DOWN,
    LINK_UP,
    RESTART,
    TrapEvent,
    record_trap_events,
)

log = logging.getLogger(__name__)

KINDS = {
    decode.LINK_DOWN: LINK_DOWN,
    decode.LINK_UP: LINK_UP,
    decode.COLD_START: RESTART,
    decode.WARM_START: RESTART,
}
FLUSH = 0.05  # seconds the writer gathers traps into one transaction
CONFIRM_GAP = 1.0  # seconds between the starts of two confirming poll rounds
RELOAD_GAP = 5.0  # at most one reload for unknown senders in this many seconds
PARKED_MAX = 1000  # traps from unknown senders waiting for a reload
LOG_GAP = 60.0
RECEIVE_BUFFER = 4 << 20  # bytes; the kernel caps it at net.core.rmem_max
STOP_WAIT = 30.0  # seconds a stopping receiver waits for its confirming poll
OUTCOMES = ("recorded", "ignored", "unknown_sender", "bad_credentials", "malformed")
TRAPS = MetricCounter(
    "digicampus_snmp_traps", "SNMP notifications received, by outcome.", ["outcome"]
)


@dataclass(frozen=True)
class TrapSettings:
    """Where the receiver listens; port 0 turns it off."""

    host: str = "0.0.0.0"
    port: int = 162
    refresh: float = 60.0


@dataclass(frozen=True)
class Sender:
    device_id: int
    credentials: SnmpCredentials | None


class TrapReceiver(asyncio.DatagramProtocol):
    """Receives, matches and records traps; asks ``poll`` to confirm the devices they name."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        box: SecretBox,
        settings: TrapSettings,
        *,
        poll: Callable[[list[int]], Awaitable[Any]],
        notify: Callable[[Sequence[StateChange]], None] | None = None,
    ) -> None:
        self.sessions = sessions
        self.box = box
        self.settings = settings
        self.poll = poll
        self.notify = notify
        self.counts: Counter[str] = Counter()
        self.address: tuple[str, int] | None = None
        self._by_address: dict[str, list[Sender]] = {}
        self._by_engine: dict[bytes, Sender] = {}
        self._events: list[TrapEvent] = []
        self._confirm: set[int] = set()
        self._parked: list[tuple[bytes, str]] = []
        self._logged: dict[tuple[str, str], float] = {}
        self._reloaded = 0.0
        self._transport: asyncio.DatagramTransport | None = None
        self._db = ThreadPoolExecutor(max_workers=1, thread_name_prefix="traps-db")
        self._wake = asyncio.Event()
        self._confirm_wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._reload: asyncio.Task[None] | None = None
        self._stopping = False

    # --- life ----------------------------------------------------------------------------

    async def start(self) -> None:
        """Load the inventory, bind the socket (OSError if the port is taken or privileged)."""
        await self.reload()
        loop = asyncio.get_running_loop()
        transport, _ = await loop.create_datagram_endpoint(
            lambda: self, local_addr=(self.settings.host, self.settings.port)
        )
        self._transport = transport
        sock = transport.get_extra_info("socket")
        if sock is not None:  # a storm arrives faster than a busy loop reads: let it queue
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RECEIVE_BUFFER)
        self.address = transport.get_extra_info("sockname")[:2]
        self._tasks = [
            asyncio.ensure_future(self._writer()),
            asyncio.ensure_future(self._confirmer()),
            asyncio.ensure_future(self._refresher()),
        ]
        log.info("listening for SNMP traps on %s:%s", *self.address)

    async def stop(self) -> None:
        """Close the socket, record what is queued, and let a confirming poll finish.

        That poll is not cancelled: its database work would go on in the collector's thread
        while the scheduler's shutdown disposes of the engine's pool under it.
        """
        self._stopping = True
        if self._transport is not None:
            self._transport.close()
            self._transport = None
        confirmer = self._tasks[1] if len(self._tasks) > 1 else None
        for task in [*self._tasks, self._reload]:
            if task is not None and task is not confirmer:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        if self._events:
            await self._flush()
        if confirmer is not None:
            self._confirm.clear()
            self._confirm_wake.set()
            with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                await asyncio.wait_for(confirmer, STOP_WAIT)
        self._db.shutdown(wait=True)

    # --- the inventory -------------------------------------------------------------------

    def _load(self) -> dict[str, list[Sender]]:
        senders: dict[str, list[Sender]] = defaultdict(list)
        plain: dict[int, SnmpCredentials | None] = {}
        with self.sessions() as session:
            for due in polling.pollable_targets(session):
                creds: SnmpCredentials | None = None
                if due.credential is not None:
                    if due.credential.id not in plain:
                        try:
                            found = credentials.reveal(self.box, due.credential)
                            plain[due.credential.id] = SnmpCredentials.from_plain(found)
                        except (SecretBoxError, ValueError):
                            plain[due.credential.id] = None
                    creds = plain[due.credential.id]
                senders[_normal(due.address)].append(Sender(due.device_id, creds))
        return dict(senders)

    async def reload(self) -> None:
        loop = asyncio.get_running_loop()
        self._reloaded = time.monotonic()
        self._by_address = await loop.run_in_executor(self._db, self._load)
        known = {s.device_id for senders in self._by_address.values() for s in senders}
        self._by_engine = {e: s for e, s in self._by_engine.items() if s.device_id in known}
        parked, self._parked = self._parked, []
        for data, host in parked:
            self.handle(data, host, parked=True)

    async def _refresher(self) -> None:
        while True:
            await asyncio.sleep(self.settings.refresh)
            try:
                await self.reload()
            except Exception:  # the next refresh tries again
                log.exception("reloading the trap receiver's devices failed")

    def _reload_soon(self) -> None:
        if self._reload is not None and not self._reload.done():
            return
        wait = max(0.0, self._reloaded + RELOAD_GAP - time.monotonic())

        async def later() -> None:
            await asyncio.sleep(wait)
            try:
                await self.reload()
            except Exception:
                log.exception("reloading the trap receiver's devices failed")

        self._reload = asyncio.ensure_future(later())

    # --- datagrams -----------------------------------------------------------------------

    def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        try:
            self.handle(data, _normal(str(addr[0])))
        except Exception:  # a datagram must never stop the receiver
            self._count("malformed", str(addr[0]), "could not be read")

    def handle(self, data: bytes, host: str, *, parked: bool = False) -> None:
        """Decode, match and queue one datagram from ``host``."""
        try:
            message = decode.read_message(data)
        except decode.Malformed as exc:
            self._count("malformed", host, str(exc))
            return
        candidates = self._by_address.get(host, [])
        if not candidates and message.version == 3:
            by_engine = self._by_engine.get(message.engine_id)
            candidates = [by_engine] if by_engine is not None else []
        if not candidates:
            if not parked and len(self._parked) < PARKED_MAX:
                self._parked.append((data, host))
                self._reload_soon()
                return
            self._count("unknown_sender", host, "no registered device has this address")
            return
        matched: list[tuple[Sender, decode.Notification]] = []
        why = "no credentials registered"
        for sender in candidates:
            try:
                matched.append((sender, self._open(data, message, sender)))
            except decode.BadCredentials as exc:
                why = str(exc)
            except decode.Malformed as exc:
                self._count("malformed", host, str(exc))
                return
        if not matched:
            self._count("bad_credentials", host, why)
            return
        for sender, notification in matched:
            kind = KINDS.get(notification.trap_oid)
            if_index = notification.if_index
            if kind is None or (kind != RESTART and if_index is None):
                self._count("ignored", host, f"trap {notification.trap_oid} not acted on")
                continue
            if message.version == 3:
                self._by_engine[message.engine_id] = sender
            self._events.append(TrapEvent(sender.device_id, kind, utcnow(), if_index))
            self.counts["recorded"] += 1
            TRAPS.labels("recorded").inc()
        self._wake.set()

    def _open(self, data: bytes, message: decode.Message, sender: Sender) -> decode.Notification:
        creds = sender.credentials
        if creds is None:
            raise decode.BadCredentials("no usable credentials registered")
        if message.version == 3:
            if creds.version is not SnmpVersion.V3:
                raise decode.BadCredentials("SNMPv3 from a device registered with a community")
            known = self._by_engine.get(message.engine_id)
            if known is not None and known.device_id != sender.device_id:
                raise decode.BadCredentials("engine ID belongs to another device")
            return decode.open_v3(data, message, creds)
        if creds.version is SnmpVersion.V3 or (creds.community or "").encode() != message.community:
            raise decode.BadCredentials("wrong community")
        return decode.read_v2c(data, message)

    def _count(self, outcome: str, host: str, why: str) -> None:
        self.counts[outcome] += 1
        TRAPS.labels(outcome).inc()
        now = time.monotonic()
        if now - self._logged.get((host, outcome), -LOG_GAP) >= LOG_GAP:
            self._logged[(host, outcome)] = now
            log.warning("SNMP trap from %s: %s (%s)", host, outcome.replace("_", " "), why)

    # --- recording and confirming --------------------------------------------------------

    async def _flush(self) -> None:
        """Record the queued traps; only then are their devices due a confirming poll (a
        poll must never be overtaken by an older trap)."""
        events, self._events = self._events, []

        def work() -> list[StateChange]:
            with self.sessions() as session:
                summary = record_trap_events(session, events, utcnow())
                session.commit()
                return summary.changes

        changes = await asyncio.get_running_loop().run_in_executor(self._db, work)
        self._confirm.update(e.device_id for e in events)
        if changes and self.notify is not None:
            self.notify(changes)

    async def _writer(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            await asyncio.sleep(FLUSH)
            try:
                await self._flush()
            except Exception:  # the devices are still polled to confirm
                log.exception("recording SNMP traps failed")
            self._confirm_wake.set()

    async def _confirmer(self) -> None:
        while not self._stopping:
            await self._confirm_wake.wait()
            self._confirm_wake.clear()
            ids, self._confirm = sorted(self._confirm), set()
            if not ids or self._stopping:
                continue
            started, since = time.monotonic(), utcnow()
            try:
                await self.poll(ids)
                # A device another cycle was polling (a live lease) was not polled: its poll
                # may have read the state before the trap, so it is polled again.
                missed = await asyncio.get_running_loop().run_in_executor(
                    self._db, self._leased_elsewhere, ids, since
                )
                self._confirm.update(missed)
            except Exception:
                log.exception("the poll confirming SNMP traps failed")
            if self._stopping:
                return
            await asyncio.sleep(max(0.0, started + CONFIRM_GAP - time.monotonic()))
            if self._confirm:
                self._confirm_wake.set()

    def _leased_elsewhere(self, ids: list[int], since: datetime) -> list[int]:
        with self.sessions() as session:
            return list(
                session.scalars(
                    sa.select(DeviceState.device_id).where(
                        DeviceState.device_id.in_(ids),
                        sa.or_(
                            DeviceState.last_polled_at.is_(None),
                            DeviceState.last_polled_at < since,
                        ),
                        DeviceState.lease_expires_at > utcnow(),
                    )
                )
            )


def _normal(address: str) -> str:
    """An address as a datagram's source shows it (IPv4-mapped IPv6 unwrapped)."""
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return address.strip().lower()
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    return str(ip)
