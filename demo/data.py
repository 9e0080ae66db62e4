"""What the demo generator returns: plain data, and the knobs every part shares."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, TypeVar

T = TypeVar("T")

DEFAULT_SEED = 2025
MAX_SCALE = 20.0  # 4-digit school sequence per county and 127.53.0.0/16 addresses
SNMP_PORT = 1161
PROGRESS_EVERY = 10  # schools per progress() call
EARLY = date(2012, 1, 1)  # the oldest equipment and lines still on record
LAST_DAY = date(2026, 9, 30)  # nothing in the demo is dated later

# Profiles: what a school's digital campus looks like today.
FULL = "full"  # all-fibre, full wireless, gigabit uplink, every ordinary classroom standard
PARTIAL = "partial"  # something of everything, short of the standard somewhere
NOTHING = "nothing"  # no campus network (or "none"), no or a thin uplink, bare classrooms

V3_STANDARD = "v3-sha256-aes128"
V3_STRONG = "v3-sha512-aes256"


# --- what generate() returns --------------------------------------------------------------


@dataclass(frozen=True)
class DemoDevice:
    """``create_device`` data without ``credential_id``; ``credential`` names the profile."""

    data: dict[str, Any]
    credential: str | None


@dataclass(frozen=True)
class DemoLink:
    """``create_link`` data without ``device_id``; ``device`` names a device of the school."""

    data: dict[str, Any]
    device: str | None


@dataclass(frozen=True)
class DemoSchool:
    """One school and everything registered under it, in the order ``load`` creates it."""

    data: dict[str, Any]
    profile: str
    campus_networks: list[dict[str, Any]] = field(default_factory=list)
    devices: list[DemoDevice] = field(default_factory=list)
    links: list[DemoLink] = field(default_factory=list)
    classrooms: list[dict[str, Any]] = field(default_factory=list)

    @property
    def code(self) -> str:
        code: str = self.data["code"]
        return code


@dataclass(frozen=True)
class DemoInventory:
    """The whole synthetic inventory: credential profiles (plaintext) and schools."""

    seed: int
    scale: float
    credentials: list[dict[str, Any]]
    schools: list[DemoSchool]

    def counts(self) -> dict[str, int]:
        """Rows per entity, as ``DemoSummary.counts()`` reports them after a load."""
        return {
            "credentials": len(self.credentials),
            "schools": len(self.schools),
            "campus_networks": sum(len(s.campus_networks) for s in self.schools),
            "devices": sum(len(s.devices) for s in self.schools),
            "links": sum(len(s.links) for s in self.schools),
            "classrooms": sum(len(s.classrooms) for s in self.schools),
        }


@dataclass(frozen=True)
class DemoSummary:
    """What ``load`` inserted, and the change-log batch id that covers all of it."""

    batch_id: str
    credentials: int
    schools: int
    campus_networks: int
    devices: int
    links: int
    classrooms: int

    def counts(self) -> dict[str, int]:
        return {
            "credentials": self.credentials,
            "schools": self.schools,
            "campus_networks": self.campus_networks,
            "devices": self.devices,
            "links": self.links,
            "classrooms": self.classrooms,
        }

    @property
    def total(self) -> int:
        return sum(self.counts().values())


def _day(rng: random.Random, start: date, end: date) -> date:
    """A uniformly random day in [start, end]."""
    return start + timedelta(days=rng.randint(0, (end - start).days))


class _Dated:
    """What every part of the generator shares: the one random stream, and dates drawn from it."""

    rng: random.Random

    def _when(self, school: DemoSchool, start: date, end: date) -> date:
        """A random day in [start, end], kept within the school's open years."""
        opened: date = school.data["opened_on"]
        closed: date | None = school.data["closed_on"]
        last = closed - timedelta(days=1) if closed else LAST_DAY
        low = max(start, opened)
        high = min(max(end, low), last)
        return _day(self.rng, min(low, high), high)

    def _history(self, school: DemoSchool, chance: float) -> bool:
        """Whether this school gets an upgrade history (never a closed one: keep it simple)."""
        return school.data["closed_on"] is None and self.rng.random() < chance

    # -- campus network -----------------------------------------------------------------------
