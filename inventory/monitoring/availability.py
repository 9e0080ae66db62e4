"""Availability of a monitored object over a window: (window − outage time) / window."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Interval:
    """A half-open time interval; ``end`` None means still open (until now)."""

    start: datetime
    end: datetime | None


def outage_time(outages: Iterable[Interval], start: datetime, end: datetime) -> timedelta:
    """Total time inside [start, end) covered by at least one outage (overlaps count once)."""
    clipped = sorted(
        (max(o.start, start), min(o.end or end, end))
        for o in outages
        if o.start < end and (o.end is None or o.end > start)
    )
    total = timedelta()
    current_start: datetime | None = None
    current_end: datetime | None = None
    for s, e in clipped:
        if current_end is None or s > current_end:
            if current_start is not None and current_end is not None:
                total += current_end - current_start
            current_start, current_end = s, e
        else:
            current_end = max(current_end, e)
    if current_start is not None and current_end is not None:
        total += current_end - current_start
    return total


def availability(outages: Iterable[Interval], start: datetime, end: datetime) -> float:
    """Share of [start, end) without outage, from 0.0 to 1.0."""
    window = end - start
    if window <= timedelta():
        raise ValueError("the window must end after it starts")
    return 1.0 - outage_time(outages, start, end) / window
