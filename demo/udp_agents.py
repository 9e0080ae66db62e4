"""Sockets on many loopback endpoints answered by one thread, for tests and benchmarks:
``mode="drop"`` reads and drops every request (a dead device that sends no ICMP error back, so
the poller waits for its timeout), ``mode="garbage"`` answers random bytes. No snmpsim needed.
"""

from __future__ import annotations

import contextlib
import random
import selectors
import socket
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import cast


@dataclass
class UdpAgents:
    """Sockets on many endpoints served by one thread: dead devices or garbage answerers.

    ``mode="drop"`` reads every datagram and drops it (no reply, no ICMP error);
    ``mode="garbage"`` answers each with random bytes (seeded, so runs repeat).
    """

    endpoints: Sequence[tuple[str, int]]
    mode: str = "drop"
    seed: int = 0
    received: int = 0
    _sockets: list[socket.socket] = field(default_factory=list)
    _thread: threading.Thread | None = None
    _stop: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        if self.mode not in ("drop", "garbage"):
            raise ValueError("mode is 'drop' or 'garbage'")

    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError("already started")
        try:
            for host, port in self.endpoints:
                sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                self._sockets.append(sock)
                sock.bind((host, port))
                sock.setblocking(False)
        except OSError:
            self._close()
            raise
        self._stop.clear()
        self._thread = threading.Thread(target=self._serve, name="udp-agents", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        rng = random.Random(self.seed)
        reply: Callable[[bytes], bytes | None] = (
            (lambda data: rng.randbytes(rng.randint(1, max(2, len(data)))))
            if self.mode == "garbage"
            else (lambda data: None)
        )
        with selectors.DefaultSelector() as selector:
            for sock in self._sockets:
                selector.register(sock, selectors.EVENT_READ)
            while not self._stop.is_set():
                for key, _ in selector.select(timeout=0.1):
                    sock = cast(socket.socket, key.fileobj)
                    try:
                        data, address = sock.recvfrom(65535)
                    except OSError:
                        continue
                    self.received += 1
                    answer = reply(data)
                    if answer is not None:
                        with contextlib.suppress(OSError):
                            sock.sendto(answer, address)

    def stop(self) -> None:
        """Stop the thread and close the sockets (idempotent)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        self._close()

    def _close(self) -> None:
        for sock in self._sockets:
            sock.close()
        self._sockets.clear()

    def __enter__(self) -> UdpAgents:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def loopback_endpoints(
    count: int, port: int = 1161, rng: random.Random | None = None
) -> list[tuple[str, int]]:
    """``count`` free UDP endpoints on 127.a.b.c:``port``, in a block picked at random.

    Other test suites on the same machine may simulate agents too; a random /16 of 127/8
    keeps them apart. Every endpoint is checked free by binding it.
    """
    rng = rng or random.Random()
    for _ in range(20):
        base = rng.randrange(2, 250)
        hosts = (f"127.{base}.{n // 250}.{n % 250 + 1}" for n in range(count))
        endpoints = [(host, port) for host in hosts]
        if all(_free(endpoint) for endpoint in endpoints):
            return endpoints
    raise RuntimeError("no free block of loopback endpoints")


def _free(endpoint: tuple[str, int]) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        try:
            sock.bind(endpoint)
        except OSError:
            return False
    return True
