"""What every duty of polling agrees on: when a device is down, and which interface an
uplink names."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol, TypeVar

from inventory.choices import PollFailure

# Failures that mean "nothing answers": the device is down. Auth failures and bad replies
# mean something answers that we cannot read, which is a configuration problem, not an outage.
DOWN_FAILURES = frozenset({PollFailure.TIMEOUT, PollFailure.UNREACHABLE})


class _Named(Protocol):
    @property
    def name(self) -> str | None: ...
    @property
    def descr(self) -> str | None: ...
    @property
    def alias(self) -> str | None: ...


N = TypeVar("N", bound=_Named)


def match_interface(interfaces: Iterable[N], wanted: str | None) -> N | None:
    """The interface an uplink names: by ifName, else ifDescr, else ifAlias (one rule for
    discovery, every poll and verification, so a device without ifXTable matches alike)."""
    if not wanted:
        return None
    candidates = list(interfaces)
    for key in ("name", "descr", "alias"):
        for interface in candidates:
            if getattr(interface, key) == wanted:
                return interface
    return None
