"""Leadership pages: the coverage overview of a region (/overview) and its school list
(/overview/schools), each as of a chosen date, drilling down prefecture → county → school."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, request, url_for

from api import runtime
from dashboards import charts, common
from dashboards.auth import login_required, render
from dashboards.i18n import label, lang_query, month, percent, region_name
from inventory.choices import TIERS, Metric, RegionLevel, Stage, Tier
from inventory.coverage import report, targets, trend
from inventory.coverage.results import Metrics, MilestoneMark, RegionRef
from inventory.errors import NotFound
from inventory.models import Region
from inventory.overview import milestones_of, next_milestone, school_tiers
from inventory.services.common import PageRequest

bp = Blueprint("overview", __name__, template_folder="templates")

PER_PAGE = 50
TREND_MONTHS_BACK = 12
TREND_MONTHS_AHEAD = 12


def _months_before(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def _link(region: RegionRef, as_of: date) -> str:
    args: dict[str, Any] = {"region": region.code, "as_of": as_of.isoformat(), **lang_query()}
    if region.level is RegionLevel.COUNTY:
        return url_for("overview.schools", **args)
    return url_for("overview.overview", **args)


def milestone_marks(
    months: Sequence[date], milestones: Iterable[tuple[str, MilestoneMark]]
) -> list[tuple[int, float, str]]:
    """Milestones as (index of the month they fall due in, target, label) for the line chart;
    one due in a month the chart does not show is left out."""
    index = {(day.year, day.month): i for i, day in enumerate(months)}
    marks = []
    for name, m in milestones:
        i = index.get((m.due_on.year, m.due_on.month))
        if i is not None:
            marks.append((i, m.value, f"{name} {month(m.due_on)}"))
    return marks


def _trend(root: Region, as_of: date, until: date) -> dict[str, Any]:
    """Declared and verified rates month by month, with the plan milestones drawn on them."""
    session, actor, standard = runtime.session(), common.actor(), common.standard()
    start = _months_before(as_of, TREND_MONTHS_BACK)
    memo: dict[Any, Metrics] = {}  # both lines come from the same monthly aggregates
    lines = {
        metric: trend.trend(
            session,
            actor,
            standard,
            metric,
            start=start,
            end=until,
            region=root.code,
            now=common.now(),
            memo=memo,
        )
        for metric in (Metric.DIGITAL_CAMPUS_RATE, Metric.VERIFIED_DIGITAL_CAMPUS_RATE)
    }
    months = [p.date for p in lines[Metric.DIGITAL_CAMPUS_RATE].points]
    marks = milestone_marks(
        months, [(label(metric), m) for metric, line in lines.items() for m in line.milestones]
    )
    return charts.line_chart(
        [month(m) for m in months],
        [
            (label(metric), [(p.value, p.projected) for p in line.points])
            for metric, line in lines.items()
        ],
        marks,
    )


@bp.get("/overview")
@login_required
def overview() -> Any:
    """Coverage of a region as of a date: headline, counties, stages, trend, ranking, map."""
    session, actor, standard = runtime.session(), common.actor(), common.standard()
    as_of, bad_date = common.as_of()
    code = request.args.get("region") or _default_region()
    body = common.or_404(
        report.coverage_report,
        session,
        actor,
        standard,
        region=code,
        as_of=as_of,
        now=common.now(),
    )
    root = session.get(Region, body.region.code)
    assert root is not None
    totals = body.totals

    milestone = next_milestone(session, root, as_of)
    standing = None
    days_left = None
    if milestone is not None:
        standing = targets.milestone_status(session, actor, standard, milestone, now=common.now())
        days_left = (milestone.due_on - as_of).days
    target = milestone.value if milestone is not None else None

    children = [r for r in body.by_region if not r.region.direct]
    bars = charts.bar_chart(
        [
            (
                region_name(r.region),
                _link(r.region, body.as_of),
                r.digital_campus_rate,
                r.verified_digital_campus_rate,
            )
            for r in children
        ],
        target,
    )
    stages = charts.stacked_bars(
        [(label(s.stage), s.tiers_declared) for s in body.by_stage if s.schools]
    )
    horizon = min(
        max([m.due_on for m in milestones_of(session, root, Metric.DIGITAL_CAMPUS_RATE)] + [as_of]),
        as_of + timedelta(days=31 * TREND_MONTHS_AHEAD),
    )
    line = _trend(root, as_of, max(horizon, as_of + timedelta(days=92)))

    map_tier = "verified" if request.args.get("map") == "verified" else "declared"
    located = school_tiers(
        session, actor, standard, root, as_of=as_of, now=common.now(), located_only=True
    ).items
    county_seats = []
    regions = {r.region.code: r.region for r in body.counties}
    for row in body.counties:
        county = session.get(Region, row.region.code)
        if county is not None and county.seat_lat is not None and county.seat_lon is not None:
            county_seats.append(
                (float(county.seat_lat), float(county.seat_lon), region_name(county))
            )
    if not county_seats:
        sums: dict[str, list[float]] = {}
        for s in located:
            acc = sums.setdefault(s.region_code, [0.0, 0.0, 0.0])
            acc[0] += s.latitude or 0.0
            acc[1] += s.longitude or 0.0
            acc[2] += 1
        county_seats = [
            (a[0] / a[2], a[1] / a[2], region_name(regions[c]))
            for c, a in sums.items()
            if c in regions
        ]
    lang: dict[str, Any] = lang_query()
    school_map = charts.school_map(
        [
            (
                s.latitude or 0.0,
                s.longitude or 0.0,
                (s.verified if map_tier == "verified" else s.declared).value,
                s.name,
                url_for("school_page.school", code=s.code, **lang),
            )
            for s in located
        ],
        county_seats,
    )
    ancestors = _visible_ancestors(root)
    return render(
        "dash/overview.html",
        body=body,
        root=root,
        totals=totals,
        bad_date=bad_date,
        milestone=milestone,
        standing=standing,
        days_left=days_left,
        bars=bars,
        stages=stages,
        line=line,
        school_map=school_map,
        map_tier=map_tier,
        tiers=TIERS,
        link=_link,
        percent=percent,
        today=common.today().isoformat(),
        parent=ancestors[-1] if ancestors else None,
        colours=charts.TIER_COLOURS,
        now=common.now(),
    )


@bp.get("/overview/schools")
@login_required
def schools() -> Any:
    """The schools of a region as of a date with their tiers, filtered by stage and tier."""
    session, actor, standard = runtime.session(), common.actor(), common.standard()
    as_of, bad_date = common.as_of()
    root = common.or_404(
        report.region_in_scope, session, actor, request.args.get("region") or _default_region()
    )
    stage = _choice(Stage, request.args.get("stage"))
    tier = _choice(Tier, request.args.get("tier"))
    verified = request.args.get("side") == "verified"
    result = school_tiers(
        session,
        actor,
        standard,
        root,
        as_of=as_of,
        now=common.now(),
        stages=frozenset({stage}) if isinstance(stage, Stage) else None,
        tier=tier if isinstance(tier, Tier) else None,
        verified=verified,
        page=PageRequest(common.page_number(), PER_PAGE),
    )
    subtree = session.scalars(sa.select(Region).where(Region.path.startswith(root.path))).all()
    names = {r.code: r for r in subtree}
    pages = max(1, -(-result.total // PER_PAGE))
    return render(
        "dash/schools.html",
        root=root,
        result=result,
        pages=pages,
        names=names,
        root_chain=_visible_ancestors(root),
        children=sorted((r for r in subtree if r.parent_code == root.code), key=lambda r: r.code),
        as_of=as_of.isoformat(),
        bad_date=bad_date,
        stage=stage.value if isinstance(stage, Stage) else "",
        tier=tier.value if isinstance(tier, Tier) else "",
        side="verified" if verified else "declared",
        stages=[s for s in report.COUNTED_STAGES],
        tiers=TIERS,
        colours=charts.TIER_COLOURS,
        today=common.today().isoformat(),
    )


def _default_region() -> str | None:
    """Where the overview opens: the actor's region, or below the top while the top has a
    single child (a deployment for one prefecture opens on the prefecture, not the province)."""
    session, actor = runtime.session(), common.actor()
    root = common.or_404(report.region_in_scope, session, actor, None)
    while root.level not in (RegionLevel.PREFECTURE, RegionLevel.COUNTY):
        children = session.scalars(sa.select(Region).where(Region.parent_code == root.code)).all()
        if len(children) != 1:
            break
        root = children[0]
    return str(root.code)


def _visible_ancestors(root: Region) -> list[Region]:
    """The regions above ``root`` that the actor may open, top first (the breadcrumbs)."""
    session, actor = runtime.session(), common.actor()
    chain = []
    region = root.parent
    while region is not None and region.level is not RegionLevel.PROVINCE:
        try:
            report.region_in_scope(session, actor, region.code)
        except NotFound:
            break
        chain.append(region)
        region = region.parent
    return chain[::-1]


def _choice(kind: Any, value: str | None) -> Any:
    try:
        return kind(value) if value else None
    except ValueError:
        return None
