"""Which uplinks count as verified on a date: the collectors' verdict today, rollups before.

Today (and for dates ahead) the verdict the collectors stored per link (``LinkVerification``)
counts, if it is fresh: checked within the standard's maximum poll age.

For a past day D the stored verdict says nothing, so the rule of DESIGN.md is applied to the
hourly rollups kept, over the window ending at the end of D (the bureau's local day, so the
last hours before local midnight count on D and the first ones after it on D + 1):

* monitored then: the link's device was polled successfully within the maximum poll age
  before the end of D;
* up at full speed: in those last hours every sample of the link's interface was up, and its
  lowest negotiated speed was at least the contracted speed;
* available: interface-up samples / device polls over the window (30 days) ≥ the minimum
  (99 %). Polls where the device did not answer count as down; hours before monitoring began
  have no rollups and do not count either way (unknown is not available: the window is short).
  This is the one definition of availability (docs/availability.md) counted in polls: today's
  verdict measures the same share in time from outages, and neither counts a speed below
  the contract against it (that is checked on its own, above).

Rollups are kept longer than raw samples, so this answers for the months a trend needs.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from inventory import localday
from inventory.models import HourlyRollup, InterfaceState, LinkVerification, NetworkLink
from inventory.standards.rules import Standard

DEVICE_IF_INDEX = -1  # HourlyRollup's if_index for the device itself


def uses_live_verdicts(as_of: date, now: datetime) -> bool:
    """Whether ``as_of`` is the bureau's today or later, where the stored verdicts answer."""
    return as_of >= localday.day_of(now)


def verified_links(
    standard: Standard,
    as_of: date,
    now: datetime,
    school_ids: sa.Select[Any] | None = None,
) -> sa.Select[Any]:
    """Ids of the links verified on ``as_of``, as a subquery (see the module docstring).

    ``school_ids`` narrows the rollups read to the devices of those schools' links (a
    prefecture's report then reads its own month of rollups, not the province's).
    """
    rule = standard.verification
    if uses_live_verdicts(as_of, now):
        fresh = now - timedelta(hours=rule.max_poll_age_hours)
        return sa.select(LinkVerification.link_id).where(
            LinkVerification.verified.is_(True), LinkVerification.checked_at >= fresh
        )
    end = localday.end_of(as_of)
    window_start = localday.start_of(as_of - timedelta(days=rule.window_days - 1))
    recent_start = end - timedelta(hours=rule.max_poll_age_hours)

    iface_stmt = (
        sa.select(
            NetworkLink.id.label("link_id"),
            NetworkLink.device_id.label("device_id"),
            NetworkLink.down_mbps.label("down_mbps"),
            sa.func.min(InterfaceState.if_index).label("if_index"),
        )
        .join(InterfaceState, InterfaceState.device_id == NetworkLink.device_id)
        .where(
            sa.or_(
                InterfaceState.name == NetworkLink.interface_name,
                InterfaceState.descr == NetworkLink.interface_name,
            )
        )
        .group_by(NetworkLink.id, NetworkLink.device_id, NetworkLink.down_mbps)
    )
    devices_read: sa.ColumnElement[bool] = sa.true()
    if school_ids is not None:
        iface_stmt = iface_stmt.where(NetworkLink.school_id.in_(school_ids))
        devices_read = HourlyRollup.device_id.in_(
            sa.select(NetworkLink.device_id).where(NetworkLink.school_id.in_(school_ids))
        )
    iface = iface_stmt.subquery("link_iface")
    in_window = sa.and_(HourlyRollup.hour >= window_start, HourlyRollup.hour < end)
    recent = HourlyRollup.hour >= recent_start
    device = (
        sa.select(
            HourlyRollup.device_id,
            sa.func.sum(HourlyRollup.samples).label("polls"),
            sa.func.sum(sa.case((recent, HourlyRollup.up_samples), else_=0)).label("recent_ok"),
        )
        .where(HourlyRollup.if_index == DEVICE_IF_INDEX, in_window, devices_read)
        .group_by(HourlyRollup.device_id)
        .subquery("device_rollup")
    )
    port = (
        sa.select(
            HourlyRollup.device_id,
            HourlyRollup.if_index,
            sa.func.sum(HourlyRollup.up_samples).label("up"),
            sa.func.sum(sa.case((recent, HourlyRollup.samples), else_=0)).label("recent_n"),
            sa.func.sum(sa.case((recent, HourlyRollup.up_samples), else_=0)).label("recent_up"),
            sa.func.min(sa.case((recent, HourlyRollup.min_speed_mbps))).label("recent_speed"),
        )
        .where(HourlyRollup.if_index != DEVICE_IF_INDEX, in_window, devices_read)
        .group_by(HourlyRollup.device_id, HourlyRollup.if_index)
        .subquery("port_rollup")
    )
    permille = round(rule.min_availability * 1000)
    return (
        sa.select(iface.c.link_id)
        .join(device, device.c.device_id == iface.c.device_id)
        .join(
            port,
            sa.and_(port.c.device_id == iface.c.device_id, port.c.if_index == iface.c.if_index),
        )
        .where(
            device.c.recent_ok > 0,
            port.c.recent_n > 0,
            port.c.recent_up == port.c.recent_n,
            port.c.recent_speed >= iface.c.down_mbps,
            port.c.up * 1000 >= device.c.polls * permille,
        )
    )
