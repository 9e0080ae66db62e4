"""What a coverage standard holds, as typed values (the file is parsed into these)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from inventory.choices import TIERS, CampusArchitecture, DisplayKind, Tier, WirelessCoverage
from inventory.monitoring.verification import VerificationRule


@dataclass(frozen=True)
class ClassroomRule:
    """What makes a classroom a standard digital classroom (标准数字教室)."""

    displays: frozenset[DisplayKind]
    teacher_terminal: bool
    audio: bool
    min_access_mbps: int
    ratio_kinds: frozenset[str]


@dataclass(frozen=True)
class TierRule:
    """The thresholds a school must reach for one tier."""

    uplink_mbps: int
    uplink_mbps_by_type: dict[str, int]
    campus: frozenset[CampusArchitecture]
    classroom_ratio: float
    wireless: WirelessCoverage | None = None
    classroom_wired_mbps: int | None = None

    def uplink_for(self, type_code: str) -> int:
        """The uplink bandwidth this tier requires of a school of this type."""
        return self.uplink_mbps_by_type.get(type_code, self.uplink_mbps)


@dataclass(frozen=True)
class Verification:
    """Whether and how uplinks must be confirmed by polling for the verified tier."""

    required: bool
    max_poll_age_hours: float
    min_availability: float
    window_days: int

    @property
    def rule(self) -> VerificationRule:
        """The same thresholds for the pure uplink rule of the collectors."""
        return VerificationRule(
            max_poll_age=timedelta(hours=self.max_poll_age_hours),
            min_availability=self.min_availability,
            availability_window=timedelta(days=self.window_days),
        )


@dataclass(frozen=True)
class Standard:
    """A named, versioned rule set: standard classrooms, school tiers, verification, scope."""

    version: str
    name_zh: str
    name_en: str
    effective_from: date | None
    digital_campus_tier: Tier
    gigabit_mbps: int
    school_types: frozenset[str]
    separate_types: frozenset[str]
    classroom: ClassroomRule
    verification: Verification
    tiers: dict[Tier, TierRule]
    plan: dict[str, Any] = field(default_factory=dict)

    def tier_rule(self, tier: Tier) -> TierRule:
        """The rule of a tier above 未达标."""
        return self.tiers[tier]

    @property
    def ranked_tiers(self) -> list[Tier]:
        """The tiers above 未达标, lowest first."""
        return [tier for tier in TIERS if tier is not Tier.NONE]

    def summary(self) -> dict[str, Any]:
        """What every report says of the standard it used."""
        return {"version": self.version, "name_zh": self.name_zh, "name_en": self.name_en}
