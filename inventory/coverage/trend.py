"""A metric month by month between two dates; months ahead are a linear projection."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from inventory import localday
from inventory.actor import Actor
from inventory.choices import Metric, Stage
from inventory.coverage.report import metric_value, region_in_scope
from inventory.coverage.results import Metrics, MilestoneMark, RegionLabel, Trend, TrendPoint
from inventory.errors import invalid
from inventory.localday import month_end
from inventory.models import Milestone, Region
from inventory.models.base import utcnow
from inventory.standards.rules import Standard

PROJECTION_MONTHS = 6  # the recent past a projection is fitted on
MAX_MONTHS = 120  # ten years: a point is one report query


def previous_month_end(day: date) -> date:
    """The last day of the month before ``day``'s."""
    first = day.replace(day=1)
    return month_end(date.fromordinal(first.toordinal() - 1))


def month_ends(start: date, end: date) -> list[date]:
    """Every month end from ``start``'s month to ``end``'s month."""
    out = []
    current = month_end(start)
    while current <= month_end(end):
        out.append(current)
        current = month_end(date.fromordinal(current.toordinal() + 1))
    return out


@dataclass(frozen=True)
class Line:
    """A straight line fitted to dated values: value = intercept + slope × day ordinal."""

    slope: float
    intercept: float

    def at(self, day: date) -> float:
        """The line's value on ``day``, clipped to a share from 0 to 1."""
        return min(1.0, max(0.0, self.intercept + self.slope * day.toordinal()))


def fit(points: list[tuple[date, float]]) -> Line | None:
    """Least-squares line through the points (None with fewer than two)."""
    if len(points) < 2:
        return None
    xs = [float(d.toordinal()) for d, _ in points]
    ys = [v for _, v in points]
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    spread = sum((x - mean_x) ** 2 for x in xs)
    if spread == 0:
        return None
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / spread
    return Line(slope, mean_y - slope * mean_x)


def recent_line(
    session: Session,
    actor: Actor,
    standard: Standard,
    metric: Metric,
    root: Region,
    today: date,
    now: datetime,
    stages: frozenset[Stage] | None,
    memo: dict[Any, Metrics] | None = None,
) -> Line | None:
    """The line through the metric at the last six month ends and today."""
    cursor = previous_month_end(today)
    days: list[date] = []
    for _ in range(PROJECTION_MONTHS):
        days.insert(0, cursor)
        cursor = previous_month_end(cursor)
    days.append(today)
    points = []
    for day in days:
        value = metric_value(
            session,
            actor,
            standard,
            metric,
            root=root,
            as_of=day,
            now=now,
            stages=stages,
            memo=memo,
        )
        if value is not None:
            points.append((day, value))
    return fit(points)


def trend(
    session: Session,
    actor: Actor,
    standard: Standard,
    metric: Metric,
    *,
    start: date,
    end: date,
    region: str | None = None,
    stages: frozenset[Stage] | None = None,
    now: datetime | None = None,
    memo: dict[Any, Metrics] | None = None,
) -> Trend:
    """The metric at each month end from ``start`` to ``end``: computed up to today, projected
    after (the line of the last six months); the plan milestones on the metric alongside.

    ``memo`` (see ``metric_value``) lets several trends of one page share their aggregates.
    """
    memo = {} if memo is None else memo
    if end < start:
        raise invalid("to", "must not be before from")
    if len(month_ends(start, end)) > MAX_MONTHS:
        raise invalid("to", f"at most {MAX_MONTHS} months at a time")
    now = now or utcnow()
    today = localday.day_of(now)
    root = region_in_scope(session, actor, region)
    points: list[TrendPoint] = []
    line: Line | None = None
    line_done = False
    for day in month_ends(start, end):
        if day <= today:
            value = metric_value(
                session,
                actor,
                standard,
                metric,
                root=root,
                as_of=day,
                now=now,
                stages=stages,
                memo=memo,
            )
            points.append(TrendPoint(day, value, projected=False))
            continue
        if not line_done:
            line = recent_line(session, actor, standard, metric, root, today, now, stages, memo)
            line_done = True
        projected = round(line.at(day), 6) if line is not None else None
        points.append(TrendPoint(day, projected, projected=True))
    return Trend(
        metric=metric,
        region=RegionLabel(root.code, root.name_zh, root.name_en),
        standard=standard.summary(),
        stages=tuple(sorted(stages)) if stages else None,
        start=start,
        end=end,
        points=tuple(points),
        milestones=milestones_on(session, metric, root, start, end),
    )


def milestones_on(
    session: Session, metric: Metric, root: Region, start: date, end: date
) -> tuple[MilestoneMark, ...]:
    """Milestones of any plan on this metric for this region, due between the dates."""
    rows = session.scalars(
        sa.select(Milestone)
        .where(
            Milestone.metric == metric,
            Milestone.region_code == root.code,
            Milestone.due_on >= start,
            Milestone.due_on <= end,
        )
        .order_by(Milestone.due_on, Milestone.id)
    )
    return tuple(
        MilestoneMark(m.id, m.plan.code, m.due_on, m.value, milestone_stages(m)) for m in rows
    )


def milestone_stages(milestone: Milestone) -> tuple[Stage, ...]:
    """The stages a milestone counts, as stored (empty: every stage in the standard's scope)."""
    return tuple(Stage(s) for s in milestone.stages)
