"""The coverage report of a region subtree on a date, per child region, stage and county.

One grouped SQL query over the per-school rows answers sums per (region, stage, counted);
the few hundred groups are then added up per child region, stage and county here. Rates are
shares from 0 to 1, or None ("n/a") where nothing is counted: a county without schools has no
rate, which is not a rate of 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session

from inventory import localday, scope
from inventory.actor import Actor
from inventory.choices import TIERS, CampusArchitecture, Metric, RegionLevel, Stage
from inventory.coverage.results import (
    CountyRow,
    CoverageReport,
    Kindergartens,
    Metrics,
    RegionRef,
    RegionRow,
    RegionStageRow,
    StageRow,
    Verification,
)
from inventory.coverage.schools import Selection, school_rows, subtree_codes
from inventory.coverage.verified import uses_live_verdicts
from inventory.errors import NotFound
from inventory.models import Region
from inventory.models.base import utcnow
from inventory.standards.rules import Standard

# Stages of the counted schools, in report order; kindergartens are reported apart.
COUNTED_STAGES = (Stage.PRIMARY, Stage.SECONDARY, Stage.VOCATIONAL, Stage.SPECIAL, Stage.HIGHER)
COUNT_KEYS = (
    "schools",
    "declared_none",
    "declared_basic",
    "declared_met",
    "declared_model",
    "verified_none",
    "verified_basic",
    "verified_met",
    "verified_model",
    "digital_campus",
    "verified_digital_campus",
    "all_fibre",
    "gigabit_uplink",
    "verified_gigabit_uplink",
    "monitored",
    "ordinary_classrooms",
    "standard_classrooms",
)
M = TypeVar("M", bound=Metrics)


@dataclass
class Counts:
    """Sums over a group of schools; the rates follow from them."""

    values: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNT_KEYS, 0))

    def add(self, other: Counts | dict[str, int]) -> None:
        source = other.values if isinstance(other, Counts) else other
        for key in COUNT_KEYS:
            self.values[key] += int(source.get(key) or 0)

    def metrics(self) -> Metrics:
        """Counts, tiers and rates, as the report shows them."""
        return Metrics(**self._metric_values())

    def row(self, kind: type[M], **extra: Any) -> M:
        """A breakdown's row of these sums (``extra``: its region, stage or rank)."""
        return kind(**self._metric_values(), **extra)

    def _metric_values(self) -> dict[str, Any]:
        v = self.values
        schools = v["schools"]

        def rate(part: int, whole: int) -> float | None:
            return round(part / whole, 6) if whole else None

        return {
            "schools": schools,
            "tiers_declared": {t: v[f"declared_{t.value}"] for t in TIERS},
            "tiers_verified": {t: v[f"verified_{t.value}"] for t in TIERS},
            "digital_campuses": v["digital_campus"],
            "verified_digital_campuses": v["verified_digital_campus"],
            "digital_campus_rate": rate(v["digital_campus"], schools),
            "verified_digital_campus_rate": rate(v["verified_digital_campus"], schools),
            "all_fibre_campuses": v["all_fibre"],
            "all_fibre_rate": rate(v["all_fibre"], schools),
            "ordinary_classrooms": v["ordinary_classrooms"],
            "standard_classrooms": v["standard_classrooms"],
            "standard_classroom_rate": rate(v["standard_classrooms"], v["ordinary_classrooms"]),
            "gigabit_uplinks": v["gigabit_uplink"],
            "gigabit_uplink_rate": rate(v["gigabit_uplink"], schools),
            "verified_gigabit_uplink_rate": rate(v["verified_gigabit_uplink"], schools),
            "monitored_rate": rate(v["monitored"], schools),
        }


def region_in_scope(session: Session, actor: Actor, code: str | None) -> Region:
    """The report's root region: ``code``, or the actor's region, or the deployment's top.

    A region outside a region-scoped actor's subtree is NotFound, as if it did not exist.
    """
    if code is None:
        code = actor.region_code if not scope.sees_everything(actor) else None
    if code is None:
        top = session.scalars(
            sa.select(Region).where(Region.parent_code.is_(None)).order_by(Region.code)
        ).first()
        if top is None:
            raise NotFound("there are no regions")
        return top
    region = session.get(Region, code)
    if region is None:
        raise NotFound(f"no region with code {code!r}")
    if actor.region_code is not None and not scope.sees_everything(actor):
        own = session.get(Region, actor.region_code)
        if own is None or not region.path.startswith(own.path):
            raise NotFound(f"no region with code {code!r}")
    return region


def grouped_statement(standard: Standard, sel: Selection) -> sa.Select[Any]:
    """SQL: sums per (school region, stage, counted) — the one aggregate query of a report."""
    rows = school_rows(standard, sel)
    dc = standard.digital_campus_tier.level
    giga = standard.gigabit_mbps

    def count_if(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
        return sa.func.sum(sa.case((condition, 1), else_=0))

    columns = [
        sa.func.count().label("schools"),
        *(count_if(rows.c.tier_declared == t.level).label(f"declared_{t.value}") for t in TIERS),
        *(count_if(rows.c.tier_verified == t.level).label(f"verified_{t.value}") for t in TIERS),
        count_if(rows.c.tier_declared >= dc).label("digital_campus"),
        count_if(rows.c.tier_verified >= dc).label("verified_digital_campus"),
        count_if(rows.c.architecture == CampusArchitecture.ALL_FIBRE.value).label("all_fibre"),
        count_if(rows.c.uplink_mbps >= giga).label("gigabit_uplink"),
        count_if(rows.c.verified_mbps >= giga).label("verified_gigabit_uplink"),
        sa.func.sum(rows.c.monitored).label("monitored"),
        sa.func.sum(rows.c.ordinary_rooms).label("ordinary_classrooms"),
        sa.func.sum(rows.c.standard_rooms).label("standard_classrooms"),
    ]
    return sa.select(rows.c.region_code, rows.c.stage, rows.c.counted, *columns).group_by(
        rows.c.region_code, rows.c.stage, rows.c.counted
    )


def grouped_counts(
    session: Session, standard: Standard, sel: Selection
) -> list[tuple[str, Stage, bool, dict[str, int]]]:
    """The sums of ``grouped_statement``, one tuple per group."""
    out = []
    for row in session.execute(grouped_statement(standard, sel)).mappings():
        values = {key: int(row[key] or 0) for key in COUNT_KEYS}
        out.append((row["region_code"], Stage(row["stage"]), bool(row["counted"]), values))
    return out


def region_ref(region: Region, *, direct: bool = False) -> RegionRef:
    """A region as a report's breakdown names it."""
    return RegionRef(region.code, region.name_zh, region.name_en, region.level, direct)


def coverage_report(
    session: Session,
    actor: Actor,
    standard: Standard,
    *,
    region: str | None = None,
    as_of: date | None = None,
    stages: frozenset[Stage] | None = None,
    now: datetime | None = None,
) -> CoverageReport:
    """The coverage report of a region subtree as of a date (default today): totals, per child
    region, per stage, per child region and stage, counties ranked, kindergartens apart."""
    now = now or utcnow()
    day = as_of or localday.day_of(now)
    root = region_in_scope(session, actor, region)
    subtree = list(
        session.scalars(
            sa.select(Region).where(Region.path.startswith(root.path)).order_by(Region.code)
        )
    )
    codes = tuple(r.code for r in subtree)
    sel = Selection(root.path, day, now, actor, stages, region_codes=codes)
    groups = grouped_counts(session, standard, sel)

    by_code = {r.code: r for r in subtree}
    children = [r for r in subtree if r.parent_code == root.code]

    def child_of(code: str) -> str:
        region = by_code.get(code)
        if region is None or region.code == root.code:
            return root.code
        rest = region.path[len(root.path) :].strip("/").split("/")
        return rest[0]

    def county_of(code: str) -> str | None:
        region = by_code.get(code)
        while region is not None and region.level is not RegionLevel.COUNTY:
            region = by_code.get(region.parent_code or "")
        return region.code if region is not None else None

    totals, kinder = Counts(), Counts()
    per_child = {r.code: Counts() for r in children}
    per_stage = {stage: Counts() for stage in COUNTED_STAGES}
    per_child_stage: dict[tuple[str, Stage], Counts] = {}
    kinder_child = {r.code: Counts() for r in children}
    counties = {r.code: Counts() for r in subtree if r.level is RegionLevel.COUNTY}
    direct = Counts()  # schools registered on the root region itself
    for code, stage, counted, values in groups:
        child = child_of(code)
        if not counted:
            kinder.add(values)
            kinder_child.setdefault(child, Counts()).add(values)
            continue
        totals.add(values)
        (per_child.get(child, direct)).add(values)
        per_stage.setdefault(stage, Counts()).add(values)
        per_child_stage.setdefault((child, stage), Counts()).add(values)
        county = county_of(code)
        if county is not None:
            counties.setdefault(county, Counts()).add(values)

    by_region = [per_child[r.code].row(RegionRow, region=region_ref(r)) for r in children]
    if direct.values["schools"]:
        by_region.append(direct.row(RegionRow, region=region_ref(root, direct=True)))
    ranked = sorted(
        (
            counts.row(CountyRow, region=region_ref(by_code[code]), rank=None)
            for code, counts in counties.items()
            if code in by_code
        ),
        key=_rank_key,
    )
    region_stage = sorted(
        per_child_stage.items(),
        key=lambda item: (
            item[0][0],
            COUNTED_STAGES.index(item[0][1]) if item[0][1] in COUNTED_STAGES else 9,
        ),
    )
    return CoverageReport(
        region=region_ref(root),
        as_of=day,
        standard=standard.summary(),
        digital_campus_tier=standard.digital_campus_tier,
        verification=Verification.LIVE if uses_live_verdicts(day, now) else Verification.HISTORY,
        generated_at=localday.local(now),
        stages=tuple(sorted(stages)) if stages else None,
        totals=totals.metrics(),
        by_region=tuple(by_region),
        by_stage=tuple(per_stage[s].row(StageRow, stage=s) for s in COUNTED_STAGES),
        by_region_stage=tuple(
            counts.row(RegionStageRow, region=region_ref(by_code[child]), stage=stage)
            for (child, stage), counts in region_stage
        ),
        counties=tuple(
            replace(row, rank=position if row.schools else None)
            for position, row in enumerate(ranked, 1)
        ),
        kindergartens=Kindergartens(
            kinder.metrics(),
            tuple(
                counts.row(RegionRow, region=region_ref(by_code[code]))
                for code, counts in kinder_child.items()
                if code in by_code
            ),
        ),
    )


def _rank_key(row: CountyRow) -> tuple[int, float, float, str]:
    """Counties with schools first, by verified then declared digital-campus rate, best first."""
    return (
        0 if row.schools else 1,
        -(row.verified_digital_campus_rate or 0.0),
        -(row.digital_campus_rate or 0.0),
        row.region.code,
    )


def metric_value(
    session: Session,
    actor: Actor,
    standard: Standard,
    metric: Metric,
    *,
    root: Region,
    as_of: date,
    now: datetime,
    stages: frozenset[Stage] | None = None,
    memo: dict[Any, Metrics] | None = None,
) -> float | None:
    """One rate of the counted schools of a subtree on a date (trend points, milestones).

    One aggregate yields every metric: a caller asking for several metrics or the same date
    twice (a trend and its projection) passes a ``memo`` dict that lives for its one call, so
    each (region, date, stages) is computed once. Nothing is kept beyond that call.
    """
    key = (root.code, as_of, stages)
    if memo is not None and key in memo:
        return memo[key].rate(metric)
    sel = Selection(
        root.path,
        as_of,
        now,
        actor,
        stages,
        include_separate=False,
        region_codes=subtree_codes(session, root.path),
    )
    totals = Counts()
    for _code, _stage, counted, values in grouped_counts(session, standard, sel):
        if counted:
            totals.add(values)
    metrics = totals.metrics()
    if memo is not None:
        memo[key] = metrics
    return metrics.rate(metric)
