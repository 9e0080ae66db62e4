"""What the coverage reads return: frozen records with dates, numbers and enums, never strings
to be parsed back.

Pages read their attributes. The API's schemas (api/coverage/schemas.py) dump them; a published
report freezes ``as_json()``, the same JSON the API sends (tests/test_coverage_results.py holds
the two to each other). A record is not a mapping: whoever wants the JSON form (the CLI's text
output, a test of a body) asks for it with ``as_json()``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from enum import StrEnum
from typing import Any, ClassVar

from inventory.choices import (
    CampusArchitecture,
    Metric,
    MilestoneStatus,
    RegionLevel,
    Stage,
    Tier,
    WirelessCoverage,
)

# Field metadata: the key of a field in the JSON form when it differs from its name, and
# whether a false value is left out of it (a region reported as "direct" says so only then).
JSON_KEY = "json_key"
OMIT_FALSE = "omit_false"


def to_json(value: Any) -> Any:
    """A result (or a value in one) as the JSON the API sends: enums as their values, dates as
    ISO 8601, records as objects in their fields' order."""
    if isinstance(value, JsonView):
        return value.as_json()
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, date):  # datetimes too: an instant keeps its offset
        return value.isoformat()
    if isinstance(value, Mapping):
        return {to_json(k): to_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_json(v) for v in value]
    return value


@dataclass(frozen=True)
class JsonView:
    """A record that knows its JSON form (see the module docstring)."""

    # Fields written first in the JSON form, as the dicts of before wrote them.
    JSON_FIRST: ClassVar[tuple[str, ...]] = ()

    def as_json(self) -> dict[str, Any]:
        """The record as the API sends it."""
        items = sorted(
            fields(self),
            key=lambda f: self.JSON_FIRST.index(f.name) if f.name in self.JSON_FIRST else 99,
        )
        out: dict[str, Any] = {}
        for item in items:
            value = getattr(self, item.name)
            if item.metadata.get(OMIT_FALSE) and not value:
                continue
            out[item.metadata.get(JSON_KEY, item.name)] = to_json(value)
        return out


# --- the coverage report ----------------------------------------------------------------------


@dataclass(frozen=True)
class RegionLabel(JsonView):
    """A region as a report names it."""

    code: str
    name_zh: str
    name_en: str


@dataclass(frozen=True)
class RegionRef(RegionLabel):
    """A region of a report's breakdown; ``direct`` marks the schools registered on the
    report's own region rather than below it."""

    level: RegionLevel
    direct: bool = field(default=False, metadata={OMIT_FALSE: True})


class Verification(StrEnum):
    """Where a report's verified tiers come from: the stored verdicts (today) or rollups."""

    LIVE = "live"
    HISTORY = "history"


@dataclass(frozen=True, kw_only=True)
class Metrics(JsonView):
    """Counts and rates of a group of schools; a rate is a share from 0 to 1, or None where
    nothing is counted (which is not a rate of 0)."""

    schools: int
    tiers_declared: Mapping[Tier, int]
    tiers_verified: Mapping[Tier, int]
    digital_campuses: int
    verified_digital_campuses: int
    digital_campus_rate: float | None
    verified_digital_campus_rate: float | None
    all_fibre_campuses: int
    all_fibre_rate: float | None
    ordinary_classrooms: int
    standard_classrooms: int
    standard_classroom_rate: float | None
    gigabit_uplinks: int
    gigabit_uplink_rate: float | None
    verified_gigabit_uplink_rate: float | None
    monitored_rate: float | None

    def rate(self, metric: Metric) -> float | None:
        """The rate a trend or a milestone follows."""
        value = getattr(self, metric.value)
        return None if value is None else float(value)


@dataclass(frozen=True, kw_only=True)
class RegionRow(Metrics):
    """A child region's metrics (or a county's, kindergartens' by region)."""

    JSON_FIRST = ("region",)
    region: RegionRef


@dataclass(frozen=True, kw_only=True)
class StageRow(Metrics):
    """A stage's metrics."""

    JSON_FIRST = ("stage",)
    stage: Stage


@dataclass(frozen=True, kw_only=True)
class RegionStageRow(Metrics):
    """The metrics of one stage in one child region."""

    JSON_FIRST = ("region", "stage")
    region: RegionRef
    stage: Stage


@dataclass(frozen=True, kw_only=True)
class CountyRow(Metrics):
    """A county in the ranking; ``rank`` is None for a county without schools."""

    JSON_FIRST = ("region",)
    region: RegionRef
    rank: int | None


@dataclass(frozen=True)
class Kindergartens(JsonView):
    """Kindergartens, reported apart from the counted schools."""

    totals: Metrics
    by_region: tuple[RegionRow, ...]


@dataclass(frozen=True, kw_only=True)
class CoverageReport(JsonView):
    """The coverage report of a region subtree on a date."""

    region: RegionRef
    as_of: date
    standard: Mapping[str, Any]  # the standard's summary: version and names
    digital_campus_tier: Tier
    verification: Verification
    generated_at: datetime  # an instant, on the bureau's clock
    stages: tuple[Stage, ...] | None
    totals: Metrics
    by_region: tuple[RegionRow, ...]
    by_stage: tuple[StageRow, ...]
    by_region_stage: tuple[RegionStageRow, ...]
    counties: tuple[CountyRow, ...]
    kindergartens: Kindergartens


# --- one school's evaluation and the gap list -------------------------------------------------


@dataclass(frozen=True)
class Reason(JsonView):
    """Why a school misses a tier: its code, the tier it blocks, its values and the sentence in
    both languages (a published report reads the same in either)."""

    code: str
    tier: Tier
    values: Mapping[str, Any]
    zh: str
    en: str

    def sentence(self, lang: str) -> str:
        """The sentence in a language (zh or en)."""
        return self.en if lang == "en" else self.zh


@dataclass(frozen=True)
class Side(JsonView):
    """One side of an evaluation (declared or verified): the tier, the next one, the reasons."""

    tier: Tier
    next_tier: Tier | None
    reasons: tuple[Reason, ...]


@dataclass(frozen=True)
class SchoolRef(JsonView):
    """The school an evaluation is about."""

    code: str
    name: str
    type_code: str
    stage: Stage
    region_code: str
    counted: bool


@dataclass(frozen=True)
class Facts(JsonView):
    """What a school had on the date, as the tiers judged it."""

    uplink_mbps: int
    verified_uplink_mbps: int
    monitored: bool
    campus_architecture: CampusArchitecture
    wireless_coverage: WirelessCoverage
    ordinary_classrooms: int
    standard_classrooms: int


@dataclass(frozen=True, kw_only=True)
class Evaluation(JsonView):
    """A school's tiers on a date; not ``evaluated`` when it was not open or not in scope."""

    school: SchoolRef
    as_of: date
    standard: Mapping[str, Any]
    evaluated: bool
    facts: Facts | None
    declared: Side | None
    verified: Side | None


@dataclass(frozen=True, kw_only=True)
class Gap(JsonView):
    """A counted school below the digital-campus tier, with what it lacks to reach it."""

    school: SchoolRef
    facts: Facts
    declared: Side
    verified: Side


# --- trends and milestones --------------------------------------------------------------------


@dataclass(frozen=True)
class TrendPoint(JsonView):
    """The metric at a month end; ``projected`` after today (the recent line's value)."""

    date: date
    value: float | None
    projected: bool


@dataclass(frozen=True)
class MilestoneMark(JsonView):
    """A milestone drawn on a trend."""

    id: int
    plan: str
    due_on: date
    value: float
    stages: tuple[Stage, ...]


@dataclass(frozen=True, kw_only=True)
class Trend(JsonView):
    """A metric month by month from ``start`` to ``end``, with the milestones on it."""

    metric: Metric
    region: RegionLabel
    standard: Mapping[str, Any]
    stages: tuple[Stage, ...] | None
    start: date = field(metadata={JSON_KEY: "from"})
    end: date = field(metadata={JSON_KEY: "to"})
    points: tuple[TrendPoint, ...]
    milestones: tuple[MilestoneMark, ...]


@dataclass(frozen=True, kw_only=True)
class MilestoneStanding(JsonView):
    """Where a milestone stands today: current value, value on its date, gap, projection."""

    id: int
    plan: str
    metric: Metric
    region_code: str
    stages: tuple[Stage, ...]
    due_on: date
    value: float
    note: str | None
    current: float | None
    value_at_due: float | None
    projected_at_due: float | None
    gap: float | None
    status: MilestoneStatus
    standard: str  # the version it was measured with


@dataclass(frozen=True, kw_only=True)
class PlanProgress(JsonView):
    """A plan with the standing of each milestone the reader may see."""

    id: int
    code: str
    name_zh: str
    name_en: str
    region_code: str
    standard: Mapping[str, Any]
    milestones: tuple[MilestoneStanding, ...]
