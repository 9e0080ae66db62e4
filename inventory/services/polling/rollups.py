"""Hourly rollups of the raw samples, and how long polling data is kept."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.orm import Session

from inventory import localday
from inventory.models.polling import (
    HourlyRollup,
    Outage,
    PollSample,
)


def hour_floor(moment: datetime) -> datetime:
    """The start (UTC) of the bureau's clock hour containing ``moment``: rollup hours are
    local hours, so each local day is made of whole rollups even in a half-hour zone."""
    return localday.hour_floor(moment)


def rollup_hours(session: Session, start: datetime, end: datetime) -> int:
    """Fold the raw samples of every whole hour in [start, end) into hourly rollups.

    Idempotent: an hour rolled up again is recomputed, so a late batch of samples is never
    counted twice. Returns the number of rollup rows written.
    """
    written = 0
    hour = hour_floor(start)
    while hour + timedelta(hours=1) <= end:
        following = hour + timedelta(hours=1)
        session.execute(sa.delete(HourlyRollup).where(HourlyRollup.hour == hour))
        grouped = (
            sa.select(
                PollSample.device_id,
                sa.func.coalesce(PollSample.if_index, -1),
                sa.literal(hour, HourlyRollup.hour.type),
                sa.func.count(),
                sa.func.sum(sa.case((PollSample.up.is_(True), 1), else_=0)),
                sa.func.avg(PollSample.response_ms),
                sa.func.avg(PollSample.in_bps),
                sa.func.max(PollSample.in_bps),
                sa.func.avg(PollSample.out_bps),
                sa.func.max(PollSample.out_bps),
                sa.func.min(PollSample.speed_mbps),
            )
            .where(PollSample.at >= hour, PollSample.at < following)
            .group_by(PollSample.device_id, PollSample.if_index)
        )
        result = session.execute(
            sa.insert(HourlyRollup).from_select(
                [
                    "device_id",
                    "if_index",
                    "hour",
                    "samples",
                    "up_samples",
                    "avg_response_ms",
                    "avg_in_bps",
                    "max_in_bps",
                    "avg_out_bps",
                    "max_out_bps",
                    "min_speed_mbps",
                ],
                grouped,
            )
        )
        written += _rowcount(result)
        hour = following
    return written


@dataclass(frozen=True)
class Retention:
    """How long polling data is kept."""

    raw: timedelta = timedelta(days=14)
    rollups: timedelta = timedelta(days=400)
    closed_outages: timedelta = timedelta(days=800)


def prune(session: Session, now: datetime, keep: Retention | None = None) -> dict[str, int]:
    """Delete samples, rollups and closed outages older than their retention."""
    keep = keep or Retention()
    deleted = {
        "samples": session.execute(sa.delete(PollSample).where(PollSample.at < now - keep.raw)),
        "rollups": session.execute(
            sa.delete(HourlyRollup).where(HourlyRollup.hour < now - keep.rollups)
        ),
        "outages": session.execute(
            sa.delete(Outage).where(
                Outage.ended_at.is_not(None), Outage.ended_at < now - keep.closed_outages
            )
        ),
    }
    return {name: _rowcount(result) for name, result in deleted.items()}


def _rowcount(result: sa.Result[Any]) -> int:
    """Rows touched by an INSERT/UPDATE/DELETE (its result is a cursor result)."""
    return cast(sa.CursorResult[Any], result).rowcount or 0
