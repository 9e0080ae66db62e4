"""What to read from each claimed device: its uplinks' interfaces, or everything (discovery)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from inventory.choices import PollFailure
from inventory.localday import day_of
from inventory.models import NetworkLink
from inventory.models.polling import (
    DeviceState,
    InterfaceState,
)
from inventory.services.polling.rules import match_interface


@dataclass(frozen=True)
class PollPlan:
    """What to read from one device this time: which interfaces, or everything (discovery)."""

    if_indexes: tuple[int, ...]
    discover: bool
    suspect: bool  # the last poll timed out, or the device never answered
    # Per ifIndex, the preferred poll columns it lacked at discovery (see PollJob).
    fallbacks: tuple[tuple[int, tuple[str, ...]], ...] = ()


def poll_plans(
    session: Session, device_ids: Sequence[int], now: datetime, rediscover_after: timedelta
) -> dict[int, PollPlan]:
    """Per device: poll the interfaces that carry its uplinks, or discover them all.

    A device is discovered when it never was, when its last discovery is older than
    ``rediscover_after``, after an agent restart (``discovered_at`` cleared), or when an
    uplink names an interface not seen yet (at most once an hour: a typo must not make every
    poll a walk).
    """
    ids = list(device_ids)
    states = {
        s.device_id: s
        for s in session.scalars(sa.select(DeviceState).where(DeviceState.device_id.in_(ids)))
    }
    known: dict[int, list[Any]] = defaultdict(list)  # rows of the columns below
    rows = session.execute(
        sa.select(
            InterfaceState.device_id,
            InterfaceState.if_index,
            InterfaceState.name,
            InterfaceState.descr,
            InterfaceState.alias,
            InterfaceState.fallbacks,
        )
        .where(InterfaceState.device_id.in_(ids))
        .order_by(InterfaceState.device_id, InterfaceState.if_index)
    )
    for row in rows:
        known[row.device_id].append(row)
    wanted: dict[int, set[str]] = defaultdict(set)
    for carrier, interface_name in session.execute(
        sa.select(NetworkLink.device_id, NetworkLink.interface_name).where(
            NetworkLink.device_id.in_(ids),
            NetworkLink.interface_name.is_not(None),
            sa.or_(
                NetworkLink.decommissioned_on.is_(None), NetworkLink.decommissioned_on > day_of(now)
            ),
        )
    ):
        if carrier is not None and interface_name:
            wanted[carrier].add(interface_name)
    plans = {}
    for device_id in ids:
        state = states.get(device_id)
        discovered = state.discovered_at if state else None
        names = wanted.get(device_id, set())
        matched = [match_interface(known[device_id], n) for n in sorted(names)]
        found = {m for m in matched if m is not None}
        unknown = None in matched
        discover = (
            discovered is None
            or now - discovered >= rediscover_after
            or (unknown and now - discovered >= timedelta(hours=1))
        )
        # Timed out last time, or never answered (first contact): probe beside the request.
        suspect = state is None or state.last_ok_at is None or state.failure is PollFailure.TIMEOUT
        ordered = sorted(found, key=lambda r: r.if_index)
        fallbacks = tuple(
            (r.if_index, tuple(r.fallbacks.split(","))) for r in ordered if r.fallbacks
        )
        plans[device_id] = PollPlan(
            tuple(r.if_index for r in ordered), discover, suspect, fallbacks
        )
    return plans
