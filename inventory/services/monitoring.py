"""What polling found, as people ask for it: a device's state, an uplink's verdict, outages,
availability over 1, 7 and 30 days, poll cycles and collectors. Read-only; scoped like the
inventory (an out-of-scope device or link is NotFound)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from inventory import localday, scope
from inventory.actor import Actor
from inventory.choices import OutageCause
from inventory.models import Device, NetworkLink, School
from inventory.models.polling import (
    Collector,
    DeviceState,
    InterfaceState,
    LinkVerification,
    Outage,
    PollCycle,
)
from inventory.monitoring.availability import Interval, availability
from inventory.services import polling
from inventory.services.common import (
    PageRequest,
    PageResult,
    SqlColumn,
    get_in_scope,
    paginate,
    region_subtree,
    school_id_by_code,
)

# The windows every availability answer carries.
WINDOWS: dict[str, timedelta] = {
    "1d": timedelta(days=1),
    "7d": timedelta(days=7),
    "30d": timedelta(days=30),
}
# A collector whose heartbeat is older than this is taken for dead.
ALIVE_WITHIN = timedelta(minutes=2)


@dataclass
class DeviceStatus:
    """A device's latest poll, its interfaces, open outages and availability."""

    device: Device
    state: DeviceState | None
    interfaces: list[InterfaceState]
    outages: list[Outage]
    availability: dict[str, float | None]


@dataclass
class LinkStatus:
    """An uplink's verdict, its open outages and availability."""

    link: NetworkLink
    verification: LinkVerification | None
    outages: list[Outage]
    availability: dict[str, float | None]
    monitored: bool = field(init=False)

    def __post_init__(self) -> None:
        self.monitored = self.link.device_id is not None and bool(self.link.interface_name)


def device_availability(session: Session, device_id: int, now: datetime) -> dict[str, float | None]:
    """Share of each window the device answered, from its unreachable outages; None where
    it was not polled in that window at all (monitoring began later)."""
    first = polling.first_polls(session, [device_id]).get(device_id)
    widest = now - max(WINDOWS.values())
    rows = session.execute(
        sa.select(Outage.started_at, Outage.ended_at).where(
            Outage.device_id == device_id,
            Outage.link_id.is_(None),
            Outage.cause == OutageCause.UNREACHABLE,
            sa.or_(Outage.ended_at.is_(None), Outage.ended_at > widest),
        )
    ).all()
    intervals = [Interval(start, end) for start, end in rows]
    result: dict[str, float | None] = {}
    for name, window in WINDOWS.items():
        start = max(now - window, first) if first else None
        result[name] = availability(intervals, start, now) if start and start < now else None
    return result


def device_status(session: Session, actor: Actor, device_id: int, now: datetime) -> DeviceStatus:
    """The polled state of one device the actor may see."""
    device = get_in_scope(session, actor, Device, device_id, "device")
    interfaces = session.scalars(
        sa.select(InterfaceState)
        .where(InterfaceState.device_id == device_id)
        .order_by(InterfaceState.if_index)
    ).all()
    outages = session.scalars(
        sa.select(Outage)
        .where(Outage.device_id == device_id, Outage.ended_at.is_(None))
        .order_by(Outage.started_at)
    ).all()
    return DeviceStatus(
        device,
        session.get(DeviceState, device_id),
        list(interfaces),
        list(outages),
        device_availability(session, device_id, now),
    )


def link_status(session: Session, actor: Actor, link_id: int, now: datetime) -> LinkStatus:
    """The verification verdict of one uplink the actor may see."""
    link = get_in_scope(session, actor, NetworkLink, link_id, "link")
    available = {
        name: polling.availabilities(session, [link], window, now)[link.id]
        for name, window in WINDOWS.items()
    }
    outages = session.scalars(
        sa.select(Outage)
        .where(
            Outage.ended_at.is_(None),
            sa.or_(
                Outage.link_id == link_id,
                sa.and_(
                    Outage.device_id == (link.device_id or -1),
                    Outage.link_id.is_(None),
                ),
            ),
        )
        .order_by(Outage.started_at)
    ).all()
    return LinkStatus(link, session.get(LinkVerification, link_id), list(outages), available)


def daily_availability(
    session: Session, link: NetworkLink, now: datetime, days: int = 30
) -> list[tuple[date, float | None]]:
    """The uplink's availability on each of the bureau's last ``days`` local days, oldest
    first, today so far included; None for a day before monitoring began.

    A day runs from local midnight to local midnight, so an outage at 23:55 counts on that
    day and one at 00:05 on the next, whatever the UTC date of either.
    """
    today = localday.day_of(now)
    out: list[tuple[date, float | None]] = []
    for back in range(days - 1, -1, -1):
        day = today - timedelta(days=back)
        start, end = localday.day_bounds(day)
        until = min(end, now)
        out.append((day, polling.availabilities(session, [link], until - start, until)[link.id]))
    return out


OUTAGE_SORTABLE: dict[str, SqlColumn] = {
    "started_at": Outage.started_at,
    "ended_at": Outage.ended_at,
    "cause": Outage.cause,
    "device_id": Outage.device_id,
}


@dataclass(frozen=True)
class OutageFilter:
    """What an outage list may be narrowed by; ``open`` True: still going on."""

    school: str | None = None
    region: str | None = None
    device: int | None = None
    link: int | None = None
    cause: OutageCause | None = None
    open: bool | None = None
    since: datetime | None = None
    until: datetime | None = None


def list_outages(
    session: Session, actor: Actor, flt: OutageFilter, page: PageRequest
) -> PageResult[Outage]:
    """Outages of the devices the actor may see; ``since``/``until`` select those overlapping."""
    stmt = (
        sa.select(Outage)
        .join(Device, Device.id == Outage.device_id)
        .join(School, School.id == Device.school_id)
        .where(scope.school_visible(actor))
    )
    if flt.school:
        stmt = stmt.where(Device.school_id == school_id_by_code(session, actor, flt.school))
    if flt.region:
        stmt = stmt.where(School.region_code.in_(region_subtree(session, flt.region)))
    if flt.device is not None:
        stmt = stmt.where(Outage.device_id == flt.device)
    if flt.link is not None:
        stmt = stmt.where(Outage.link_id == flt.link)
    if flt.cause is not None:
        stmt = stmt.where(Outage.cause == flt.cause)
    if flt.open is not None:
        stmt = stmt.where(Outage.ended_at.is_(None) if flt.open else Outage.ended_at.is_not(None))
    if flt.since is not None:
        stmt = stmt.where(sa.or_(Outage.ended_at.is_(None), Outage.ended_at > flt.since))
    if flt.until is not None:
        stmt = stmt.where(Outage.started_at < flt.until)
    return paginate(session, stmt, page, OUTAGE_SORTABLE, "-started_at", Outage.id)


CYCLE_SORTABLE: dict[str, SqlColumn] = {
    "started_at": PollCycle.started_at,
    "seconds": PollCycle.seconds,
    "devices": PollCycle.devices,
}


def list_cycles(session: Session, page: PageRequest) -> PageResult[PollCycle]:
    """Poll cycles, newest first (they name no school: every account may read them)."""
    return paginate(
        session, sa.select(PollCycle), page, CYCLE_SORTABLE, "-started_at", PollCycle.id
    )


def list_collectors(session: Session, now: datetime) -> list[dict[str, Any]]:
    """Every collector process seen, with whether it is alive and what it holds leased."""
    leases = dict(
        session.execute(
            sa.select(DeviceState.lease_owner, sa.func.count())
            .where(DeviceState.lease_expires_at > now)
            .group_by(DeviceState.lease_owner)
        ).all()
    )
    collectors: Sequence[Collector] = session.scalars(
        sa.select(Collector).order_by(Collector.heartbeat_at.desc())
    ).all()
    return [
        {
            "name": c.name,
            "hostname": c.hostname,
            "pid": c.pid,
            "started_at": c.started_at,
            "heartbeat_at": c.heartbeat_at,
            "stopped_at": c.stopped_at,
            "alive": c.stopped_at is None and now - c.heartbeat_at < ALIVE_WITHIN,
            "leased_devices": leases.get(c.name, 0),
        }
        for c in collectors
    ]
