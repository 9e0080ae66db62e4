"""Poller processes: a cycle's SNMP work on every core, its database work in one process.

Decoding SNMP replies is CPU-bound (pyasn1) and one Python process uses one core, so
``PollerProcesses`` starts N processes (``spawn``: no inherited sockets, engines or database
connections), each with its own event loop, its own SNMP client and its own ``PollPool``. The
collector process keeps the database: it claims devices, sends each ``PollJob`` to the
process that owns the device (``key % N``, so a target is registered in one process only and
registration costs are shared too), and records the ``DeviceObservation``s that come back —
one writer, as SQLite needs, and the same leases on PostgreSQL.

Messages are pickled over one pipe per process; jobs and observations travel in batches
(whatever became ready in one turn of the loop), so the pipe costs a few microseconds per
device. A process that dies fails its outstanding jobs (``malformed``, "poller process
ended") and is started again at the next ``register`` (every cycle begins with one).

Nothing here imports pysnmp: the client comes from ``client_factory``, a picklable callable
(``functools.partial(PysnmpClient, max_in_flight=64)``) that only the child calls.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import itertools
import logging
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

from collectors.poller import PollJob, PollPool
from collectors.profiles import Profile
from collectors.snmp_types import RegisterResult, SnmpClient, Target
from inventory.choices import PollFailure
from inventory.monitoring.observations import DeviceObservation

log = logging.getLogger(__name__)

START_TIMEOUT = 120.0  # seconds a process may take to import pysnmp and say it is ready
STOP_TIMEOUT = 10.0
# A child sends what finished within this many seconds in one message.
FLUSH_DELAY = 0.005
ORPHAN_CHECK = 1.0  # seconds between checks that the collector process still lives


def _die_with_parent() -> None:
    """End this process when the collector that started it is gone, even killed by SIGKILL
    (then nobody closes our pipe in time, and nobody else would stop us)."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(ORPHAN_CHECK)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="orphan-check", daemon=True).start()


def child_main(
    conn: Connection,
    client_factory: Callable[[], SnmpClient],
    profile: Profile,
    concurrency: int,
    log_level: int,
) -> None:
    """A poller process: register, poll and report until told to stop or the pipe closes."""
    # Ctrl-C reaches the whole process group: the collector stops its children itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent()
    logging.basicConfig(
        level=log_level, format="%(asctime)s %(levelname)s %(processName)s %(name)s: %(message)s"
    )
    with contextlib.suppress(KeyboardInterrupt, BrokenPipeError, EOFError):
        asyncio.run(_serve(conn, client_factory, profile, concurrency))


async def _serve(
    conn: Connection,
    client_factory: Callable[[], SnmpClient],
    profile: Profile,
    concurrency: int,
) -> None:
    loop = asyncio.get_running_loop()
    inbox: asyncio.Queue[Any] = asyncio.Queue()

    def read() -> None:
        while True:
            try:
                message = conn.recv()
            except (EOFError, OSError):
                message = None
            loop.call_soon_threadsafe(inbox.put_nowait, message)
            if message is None:
                return

    threading.Thread(target=read, name="poller-inbox", daemon=True).start()
    client = client_factory()
    pool = PollPool(concurrency)
    ready: list[tuple[int, DeviceObservation]] = []
    flushing = False
    running: set[asyncio.Task[DeviceObservation]] = set()

    def flush() -> None:
        nonlocal flushing
        flushing = False
        if ready:
            conn.send(("polled", ready[:]))
            ready.clear()

    def finished(request: int, task: asyncio.Task[DeviceObservation]) -> None:
        nonlocal flushing
        running.discard(task)
        if task.cancelled():
            return
        ready.append((request, task.result()))  # poll() never raises (see PollPool)
        if not flushing:
            flushing = True
            loop.call_later(FLUSH_DELAY, flush)

    conn.send(("ready", None))
    try:
        while (message := await inbox.get()) is not None:
            kind = message[0]
            if kind == "poll":
                for request, job in message[1]:
                    task = asyncio.ensure_future(pool.poll(client, profile, job))
                    running.add(task)
                    task.add_done_callback(functools.partial(finished, request))
            elif kind == "register":
                conn.send(("registered", await client.register(message[1])))
            elif kind == "unregister":
                client.unregister(message[1])
            elif kind == "stop":
                break
    finally:
        for task in running:
            task.cancel()
        await client.close()


@dataclass
class _Child:
    process: BaseProcess
    conn: Connection
    # request id → (device key, the future its observation resolves)
    waiting: dict[int, tuple[int, asyncio.Future[DeviceObservation]]] = field(default_factory=dict)
    outgoing: list[tuple[int, PollJob]] = field(default_factory=list)
    registered: asyncio.Future[RegisterResult] | None = None
    ready: asyncio.Future[None] | None = None
    alive: bool = True


class PollerProcesses:
    """N poller processes behind the ``Poller`` interface of ``collectors.poller``."""

    def __init__(
        self,
        count: int,
        client_factory: Callable[[], SnmpClient],
        profile: Profile,
        concurrency: int = 64,
    ) -> None:
        if count < 1:
            raise ValueError("at least one poller process")
        self.count = count
        self.client_factory = client_factory
        self.profile = profile
        self.concurrency = concurrency
        self._context = multiprocessing.get_context("spawn")
        self._children: list[_Child | None] = [None] * count
        self._keys: set[int] = set()
        self._requests = itertools.count(1)
        self._flushing = False
        self._closed = False

    def pids(self) -> list[int]:
        """The process ids of the running poller processes (for tests and benchmarks)."""
        return [c.process.pid for c in self._children if c is not None and c.process.pid]

    # --- processes -----------------------------------------------------------------------

    async def start(self) -> None:
        """Start every process that is not running; wait until each says it is ready."""
        if self._closed:
            raise RuntimeError("the poller processes were closed")
        loop = asyncio.get_running_loop()
        starting = []
        for index, child in enumerate(self._children):
            if child is not None and child.alive:
                continue
            if child is not None:
                self._reap(child)
            ours, theirs = self._context.Pipe()
            process = self._context.Process(
                target=child_main,
                args=(
                    theirs,
                    self.client_factory,
                    self.profile,
                    self.concurrency,
                    logging.getLogger().getEffectiveLevel(),
                ),
                name=f"digicampus-poller-{index}",
                daemon=True,
            )
            process.start()
            theirs.close()
            new = _Child(process, ours, ready=loop.create_future())
            self._children[index] = new
            # The keys the dead process held must be registered again.
            self._keys = {k for k in self._keys if k % self.count != index}
            threading.Thread(
                target=self._read, args=(loop, new), name=f"poller-{index}-outbox", daemon=True
            ).start()
            assert new.ready is not None
            starting.append(new.ready)
        if starting:
            await asyncio.wait_for(asyncio.gather(*starting), START_TIMEOUT)

    def _read(self, loop: asyncio.AbstractEventLoop, child: _Child) -> None:
        while True:
            try:
                message = child.conn.recv()
            except (EOFError, OSError):
                message = None
            with contextlib.suppress(RuntimeError):  # the loop is closed: nobody waits
                loop.call_soon_threadsafe(self._received, child, message)
            if message is None:
                return

    def _received(self, child: _Child, message: Any) -> None:
        if message is None:
            self._lost(child)
            return
        kind, body = message
        if kind == "polled":
            for request, observation in body:
                _, future = child.waiting.pop(request, (0, None))
                if future is not None and not future.done():
                    future.set_result(observation)
        elif kind == "registered":
            if child.registered is not None and not child.registered.done():
                child.registered.set_result(body)
        elif kind == "ready" and child.ready is not None and not child.ready.done():
            child.ready.set_result(None)

    def _lost(self, child: _Child) -> None:
        """A process ended: fail what it held; ``start`` replaces it."""
        if not child.alive:
            return
        child.alive = False
        if not self._closed:
            log.error(
                "poller process %s ended (exit code %s)", child.process.pid, child.process.exitcode
            )
        for key, future in child.waiting.values():
            if not future.done():
                future.set_result(_ended(key))
        child.waiting.clear()
        for pending in (child.registered, child.ready):
            if pending is not None and not pending.done():
                pending.set_exception(RuntimeError("a poller process ended"))

    def _reap(self, child: _Child) -> None:
        child.conn.close()
        if child.process.is_alive():
            child.process.terminate()
        child.process.join(STOP_TIMEOUT)
        if child.process.is_alive():
            child.process.kill()
            child.process.join(STOP_TIMEOUT)

    def _send(self, child: _Child, message: Any) -> bool:
        try:
            child.conn.send(message)
            return True
        except OSError:  # the process is gone: its reader thread reports it
            self._lost(child)
            return False

    # --- the Poller interface ------------------------------------------------------------

    async def register(self, targets: Iterable[Target]) -> RegisterResult:
        """Register each target in the process that owns its key (all at once)."""
        await self.start()
        shares: list[list[Target]] = [[] for _ in range(self.count)]
        for target in targets:
            shares[target.key % self.count].append(target)
        loop = asyncio.get_running_loop()
        waits = []
        for child, share in zip(self._children, shares, strict=True):
            assert child is not None
            child.registered = loop.create_future()
            if self._send(child, ("register", share)):
                waits.append(child.registered)
        results = await asyncio.gather(*waits)
        for share in shares:
            self._keys.update(t.key for t in share)
        return RegisterResult(
            added=sum(r.added for r in results),
            changed=sum(r.changed for r in results),
            unchanged=sum(r.unchanged for r in results),
            discovered=sum(r.discovered for r in results),
        )

    def unregister(self, keys: Iterable[int]) -> int:
        gone = [k for k in keys if k in self._keys]
        shares: list[list[int]] = [[] for _ in range(self.count)]
        for key in gone:
            shares[key % self.count].append(key)
            self._keys.discard(key)
        for child, share in zip(self._children, shares, strict=True):
            if share and child is not None and child.alive:
                self._send(child, ("unregister", share))
        return len(gone)

    def keys(self) -> frozenset[int]:
        return frozenset(self._keys)

    async def poll(self, job: PollJob) -> DeviceObservation:
        """Poll ``job`` in the process that owns its device."""
        child = self._children[job.target.key % self.count]
        loop = asyncio.get_running_loop()
        future: asyncio.Future[DeviceObservation] = loop.create_future()
        if child is None or not child.alive:
            return _ended(job.target.key)
        request = next(self._requests)
        child.waiting[request] = (job.target.key, future)
        child.outgoing.append((request, job))
        if not self._flushing:
            self._flushing = True
            loop.call_soon(self._flush)
        try:
            return await future
        finally:
            child.waiting.pop(request, None)

    def _flush(self) -> None:
        self._flushing = False
        for child in self._children:
            if child is not None and child.outgoing:
                batch, child.outgoing = child.outgoing, []
                if child.alive:
                    self._send(child, ("poll", batch))

    async def close(self) -> None:
        """Ask every process to stop; terminate those that do not within ``STOP_TIMEOUT``."""
        self._closed = True
        children = [c for c in self._children if c is not None]
        for child in children:
            if child.alive:
                with contextlib.suppress(OSError):
                    child.conn.send(("stop", None))

        def reap_all() -> None:
            for child in children:
                self._reap(child)

        await asyncio.to_thread(reap_all)
        self._children = [None] * self.count


def _ended(key: int) -> DeviceObservation:
    return DeviceObservation(
        device_id=key,
        at=datetime.now(UTC),
        failure=PollFailure.MALFORMED,
        detail="collector error: poller process ended",
    )
