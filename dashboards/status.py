"""The status board (/status): devices and uplinks down now, since when, per county; and the
outages of the last seven days (the bureau's local days, today included)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint

from api import runtime
from dashboards import common
from dashboards.auth import login_required, render
from inventory import localday
from inventory.choices import RegionLevel
from inventory.models import Device, NetworkLink, Outage, Region
from inventory.services.common import PageRequest
from inventory.services.monitoring import OutageFilter, list_outages

bp = Blueprint("status", __name__, template_folder="templates")

RECENT_DAYS = 7
MAX_ROWS = 1000


def _county(region: Region) -> Region:
    current: Region | None = region
    while current is not None and current.level is not RegionLevel.COUNTY:
        current = current.parent
    return current or region


@bp.get("/status")
@login_required
def board() -> Any:
    """What is down now, grouped by county, and the outages of the last seven days."""
    session, actor, now = runtime.session(), common.actor(), common.now()
    open_now = list_outages(
        session, actor, OutageFilter(open=True), PageRequest(1, MAX_ROWS, "started_at")
    )
    since, _ = localday.last_days(RECENT_DAYS, now)
    recent = list_outages(
        session, actor, OutageFilter(since=since), PageRequest(1, MAX_ROWS, "-started_at")
    )
    outages: list[Outage] = open_now.items + recent.items
    device_ids = {o.device_id for o in outages}
    link_ids = {o.link_id for o in outages if o.link_id is not None}
    devices = (
        {d.id: d for d in session.scalars(sa.select(Device).where(Device.id.in_(device_ids)))}
        if device_ids
        else {}
    )
    uplinks = (
        {
            n.id: n
            for n in session.scalars(sa.select(NetworkLink).where(NetworkLink.id.in_(link_ids)))
        }
        if link_ids
        else {}
    )

    counties: dict[str, dict[str, Any]] = {}
    for o in open_now.items:
        device = devices[o.device_id]
        county = _county(device.school.region)
        entry = counties.setdefault(county.code, {"region": county, "devices": [], "links": []})
        entry["links" if o.link_id is not None else "devices"].append(o)
    return render(
        "dash/status.html",
        counties=[counties[c] for c in sorted(counties)],
        open_total=open_now.total,
        recent=recent.items,
        recent_total=recent.total,
        devices=devices,
        uplinks=uplinks,
        now=now,
        duration=lambda o: (o.ended_at or now) - o.started_at,
    )
