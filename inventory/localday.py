"""The bureau's day: dates people read are local days in one time zone; storage stays UTC.

A deployment serves one bureau, so the zone is one process-wide setting (``TIME_ZONE``,
default Asia/Shanghai), configured once when the settings are loaded. Every "as of" date,
daily figure, month end and "last 7 days" is cut at local midnight; the bounds handed to
queries are UTC instants, because every stored timestamp is UTC.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_ZONE = "Asia/Shanghai"

_zone = ZoneInfo(DEFAULT_ZONE)


def parse_zone(name: object) -> ZoneInfo:
    """The IANA zone called ``name``; ValueError if there is none (or it is not a name)."""
    if not isinstance(name, str) or not name.strip():
        raise ValueError("a time zone is an IANA name such as Asia/Shanghai")
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r}") from None


def configure(name: str) -> None:
    """Make ``name`` the bureau's zone for this process (ValueError if it is not a zone)."""
    global _zone
    _zone = parse_zone(name)


def zone() -> ZoneInfo:
    """The bureau's time zone."""
    return _zone


@contextmanager
def using(name: str) -> Iterator[ZoneInfo]:
    """The bureau's zone is ``name`` inside the block (tests; a one-off command)."""
    previous = _zone.key
    configure(name)
    try:
        yield _zone
    finally:
        configure(previous)


def local(moment: datetime) -> datetime:
    """``moment`` (aware) on the bureau's clock."""
    return moment.astimezone(_zone)


def day_of(moment: datetime) -> date:
    """The bureau's date at the instant ``moment`` (aware)."""
    return moment.astimezone(_zone).date()


def today(now: datetime | None = None) -> date:
    """The bureau's date now (or at ``now``)."""
    return day_of(now if now is not None else datetime.now(UTC))


def start_of(day: date) -> datetime:
    """The UTC instant at which the bureau's ``day`` begins (local midnight)."""
    return datetime.combine(day, time(), tzinfo=_zone).astimezone(UTC)


def end_of(day: date) -> datetime:
    """The first UTC instant after the bureau's ``day`` (the next local midnight)."""
    return start_of(day + timedelta(days=1))


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """[start, end) of the bureau's ``day`` in UTC (23 or 25 hours long across a DST change)."""
    return start_of(day), end_of(day)


def month_end(day: date) -> date:
    """The last day of ``day``'s month."""
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def month_bounds(day: date) -> tuple[datetime, datetime]:
    """[start, end) in UTC of the bureau's month that holds ``day``."""
    return start_of(day.replace(day=1)), end_of(month_end(day))


def last_days(count: int, now: datetime) -> tuple[datetime, datetime]:
    """[start, now) for the last ``count`` local days, today included ("the last 7 days")."""
    return start_of(day_of(now) - timedelta(days=count - 1)), now


def hour_floor(moment: datetime) -> datetime:
    """The UTC start of the bureau's clock hour holding ``moment``.

    For whole-hour zones that is the UTC hour; for zones such as Asia/Kolkata (+05:30) it
    is a half past, so that every local day is made of whole rollup hours.
    """
    here = moment.astimezone(_zone)
    return here.replace(minute=0, second=0, microsecond=0).astimezone(UTC)
