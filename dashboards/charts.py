"""Geometry of the server-drawn SVG charts: plain numbers in, coordinates out.

The templates draw what these functions return (dashboards/templates/dash/charts.html), so a
page needs no chart script and fetches nothing. Every function is pure: shares are 0..1 or
None ("n/a", drawn as nothing rather than as zero).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from inventory.choices import TIERS, Tier

# The tiers' colours are part of their choice set; charts look them up by stored value.
TIER_COLOURS = {tier.value: tier.colour or "#888" for tier in TIERS}


@dataclass
class BarRow:
    """One labelled row of a horizontal bar chart with a declared and a verified bar."""

    label: str
    href: str | None
    y: float
    declared: float | None
    verified: float | None
    declared_w: float
    verified_w: float


@dataclass
class BarChart:
    """Horizontal bars of two rates per row, with an optional target line."""

    width: int
    height: int
    left: int
    plot_w: int
    rows: list[BarRow]
    target_x: float | None
    ticks: list[tuple[float, str]]


def bar_chart(
    rows: Sequence[tuple[str, str | None, float | None, float | None]],
    target: float | None = None,
    *,
    width: int = 560,
    left: int = 130,
    row_h: int = 26,
) -> BarChart:
    """Rows of (label, link, declared share, verified share); a share of None draws no bar."""
    plot_w = width - left - 50
    top = 8
    out = []
    for i, (label, href, declared, verified) in enumerate(rows):
        out.append(
            BarRow(
                label,
                href,
                top + i * row_h,
                declared,
                verified,
                round((declared or 0.0) * plot_w, 1),
                round((verified or 0.0) * plot_w, 1),
            )
        )
    height = top + len(rows) * row_h + 24
    ticks = [(round(left + plot_w * v / 100, 1), f"{v}%") for v in (0, 25, 50, 75, 100)]
    target_x = round(left + target * plot_w, 1) if target is not None else None
    return BarChart(width, height, left, plot_w, out, target_x, ticks)


@dataclass
class Segment:
    """One tier's part of a stacked bar."""

    tier: Tier
    x: float
    w: float
    count: int
    colour: str


@dataclass
class StackRow:
    """One stacked bar: a stage's schools split by tier."""

    label: str
    y: float
    total: int
    segments: list[Segment]


def stacked_bars(
    rows: Sequence[tuple[str, Mapping[Tier, int]]],
    *,
    width: int = 560,
    left: int = 110,
    row_h: int = 28,
) -> dict[str, Any]:
    """Rows of (label, schools per tier); each bar is as long as its row's share of the
    largest."""
    plot_w = width - left - 60
    biggest = max((sum(c.values()) for _, c in rows), default=0) or 1
    out = []
    for i, (label, counts) in enumerate(rows):
        x = float(left)
        segments = []
        for tier in TIERS:
            n = counts.get(tier, 0)
            w = round(n / biggest * plot_w, 1)
            if n:
                segments.append(Segment(tier, round(x, 1), w, n, TIER_COLOURS[tier.value]))
            x += w
        out.append(StackRow(label, 8 + i * row_h, sum(counts.values()), segments))
    return {"width": width, "height": 8 + len(rows) * row_h + 8, "left": left, "rows": out}


@dataclass
class Series:
    """One line of a line chart: its polyline points and the dots on it."""

    name: str
    points: str
    projected_points: str
    dots: list[tuple[float, float, str, bool]] = field(default_factory=list)


def line_chart(
    months: Sequence[str],
    series: Sequence[tuple[str, Sequence[tuple[float | None, bool]]]],
    milestones: Sequence[tuple[int, float, str]],
    *,
    width: int = 560,
    height: int = 240,
) -> dict[str, Any]:
    """Monthly values (share or None, projected?) per series over ``months`` (labels), and
    milestones as (month index, target share, label) drawn as markers with their value."""
    left, right, top, bottom = 44, 16, 12, 36
    plot_w, plot_h = width - left - right, height - top - bottom
    n = max(len(months) - 1, 1)

    def x(i: int) -> float:
        return round(left + plot_w * i / n, 1)

    def y(v: float) -> float:
        return round(top + plot_h * (1 - v), 1)

    out = []
    for name, values in series:
        actual: list[str] = []
        projected: list[str] = []
        dots: list[tuple[float, float, str, bool]] = []
        last_actual: str | None = None
        for i, (value, is_projected) in enumerate(values):
            if value is None:
                continue
            point = f"{x(i)},{y(value)}"
            if is_projected:
                if not projected and last_actual:
                    projected.append(last_actual)
                projected.append(point)
            else:
                actual.append(point)
                last_actual = point
            dots.append((x(i), y(value), f"{value * 100:.1f}%", is_projected))
        out.append(Series(name, " ".join(actual), " ".join(projected), dots))
    step = max(1, math.ceil(len(months) / 8))
    x_ticks = [(x(i), label) for i, label in enumerate(months) if i % step == 0]
    y_ticks = [(y(v / 100), f"{v}%") for v in (0, 25, 50, 75, 100)]
    marks = [(x(i), y(v), f"{v * 100:.0f}%", label) for i, v, label in milestones]
    return {
        "width": width,
        "height": height,
        "left": left,
        "right": width - right,
        "top": top,
        "bottom": height - bottom,
        "series": out,
        "x_ticks": x_ticks,
        "y_ticks": y_ticks,
        "milestones": marks,
    }


def availability_bars(
    days: Sequence[tuple[str, float | None]], *, width: int = 900, height: int = 110
) -> dict[str, Any]:
    """One bar per day (label, share or None); the scale runs from 90 % to 100 % because
    the standard's line is 99 %, and a day below 90 % is drawn at the floor in red."""
    left, top, bottom = 40, 8, 22
    plot_h = height - top - bottom
    slot = (width - left - 8) / max(len(days), 1)
    floor = 0.9

    def y(v: float) -> float:
        return round(top + plot_h * (1 - (max(v, floor) - floor) / (1 - floor)), 1)

    bars = []
    for i, (label, value) in enumerate(days):
        bx = round(left + i * slot + 1, 1)
        if value is None:
            bars.append({"x": bx, "y": None, "h": 0, "label": label, "value": None})
            continue
        by = y(value)
        colour = "#3f8f5f" if value >= 0.99 else ("#e9a23b" if value >= floor else "#c8553d")
        h = max(round(top + plot_h - by, 1), 2.0)
        bars.append(
            {
                "x": bx,
                "y": round(top + plot_h - h, 1),
                "h": h,
                "label": label,
                "value": f"{value * 100:.2f}%",
                "colour": colour,
            }
        )
    return {
        "width": width,
        "height": height,
        "left": left,
        "top": top,
        "base": top + plot_h,
        "bar_w": round(max(slot - 2, 1), 1),
        "bars": bars,
        "line99": y(0.99),
        "ticks": [(y(v), f"{round(v * 100)}%") for v in (0.9, 0.95, 1.0)],
    }


def school_map(
    schools: Sequence[tuple[float, float, str, str, str]],
    labels: Sequence[tuple[float, float, str]],
    *,
    width: int = 560,
    height: int = 420,
) -> dict[str, Any]:
    """Schools as (lat, lon, tier, name, link) and county labels as (lat, lon, text) placed
    by an equirectangular projection scaled by the cosine of the mid latitude, fitted into
    the box with a margin; no tiles, nothing fetched."""
    pad = 24
    coords = [(lat, lon) for lat, lon, *_ in schools] + [(lat, lon) for lat, lon, _ in labels]
    if not coords:
        return {"width": width, "height": height, "dots": [], "labels": []}
    lats = [c[0] for c in coords]
    lons = [c[1] for c in coords]
    mid = math.radians((min(lats) + max(lats)) / 2)
    span_x = max((max(lons) - min(lons)) * math.cos(mid), 1e-6)
    span_y = max(max(lats) - min(lats), 1e-6)
    scale = min((width - 2 * pad) / span_x, (height - 2 * pad) / span_y)
    off_x = (width - span_x * scale) / 2
    off_y = (height - span_y * scale) / 2

    def project(lat: float, lon: float) -> tuple[float, float]:
        return (
            round(off_x + (lon - min(lons)) * math.cos(mid) * scale, 1),
            round(off_y + (max(lats) - lat) * scale, 1),
        )

    dots = []
    for lat, lon, tier, name, href in schools:
        px, py = project(lat, lon)
        dots.append(
            {
                "x": px,
                "y": py,
                "colour": TIER_COLOURS.get(tier, "#888"),
                "tier": tier,
                "name": name,
                "href": href,
            }
        )
    texts = []
    for lat, lon, text in labels:
        px, py = project(lat, lon)
        texts.append({"x": px, "y": py, "text": text})
    return {"width": width, "height": height, "dots": dots, "labels": texts}
