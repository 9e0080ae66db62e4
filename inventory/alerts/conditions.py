"""Which rule conditions hold now, for the devices one batch recorded.

A condition is a rule that fires on one object (a device or an uplink) from some time on;
the open outages the recording just wrote are the evidence, plus the device states for the
credential rule. Delays are measured from the outage's start, so a device polled every five
minutes with a ten-minute delay alerts on the poll after the delay has run out.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy import orm
from sqlalchemy.orm import Session

from inventory.choices import AlertKind, OutageCause, PollFailure
from inventory.models import Device, DeviceState, NetworkLink, Outage
from inventory.models.alerts import AlertRule

OUTAGE_KINDS = {
    AlertKind.DEVICE_UNREACHABLE: OutageCause.UNREACHABLE,
    AlertKind.UPLINK_DOWN: OutageCause.INTERFACE_DOWN,
    AlertKind.UPLINK_SLOW: OutageCause.SPEED_BELOW_CONTRACT,
}
DEFAULT_FLAP_CHANGES = 4
DEFAULT_FLAP_WINDOW = timedelta(hours=1)


@dataclass(frozen=True)
class Condition:
    rule: AlertRule
    school_id: int
    device_id: int
    link_id: int | None
    object_key: str
    object_name: str
    cause: str
    since: datetime


@dataclass
class Found:
    """The conditions that hold, by (rule id, object key); ``damped``: keys of alerts to
    leave as they are (an uplink_down alert of a flapping uplink neither opens nor closes)."""

    conditions: dict[tuple[int, str], Condition]
    damped: set[tuple[int, str]]


def device_name(device: Device) -> str:
    return f"{device.name} ({device.mgmt_address})"


def link_name(device: Device, link: NetworkLink) -> str:
    named = f"{device.name} {link.interface_name or ''}".strip()
    return f"{named} [{link.circuit_id}]" if link.circuit_id else named


def find(
    session: Session,
    device_ids: Iterable[int],
    rules: Mapping[AlertKind, list[AlertRule]],
    now: datetime,
) -> Found:
    """The conditions of ``rules`` that hold at ``now`` on these devices and their uplinks."""
    ids = set(device_ids)
    plain = orm.lazyload("*")
    devices = {
        d.id: d for d in session.scalars(sa.select(Device).where(Device.id.in_(ids)).options(plain))
    }
    outages = list(
        session.scalars(
            sa.select(Outage).where(Outage.device_id.in_(ids), Outage.ended_at.is_(None))
        )
    )
    flap_rules = rules.get(AlertKind.UPLINK_FLAPPING, [])
    widest = max(
        (timedelta(seconds=r.window_s) if r.window_s else DEFAULT_FLAP_WINDOW for r in flap_rules),
        default=timedelta(0),
    )
    downs: dict[int, list[datetime]] = defaultdict(list)
    if flap_rules:
        for link_id, started in session.execute(
            sa.select(Outage.link_id, Outage.started_at).where(
                Outage.device_id.in_(ids),
                Outage.link_id.is_not(None),
                Outage.cause == OutageCause.INTERFACE_DOWN,
                Outage.started_at >= now - widest,
            )
        ):
            if link_id is not None:
                downs[link_id].append(started)
    link_ids = {o.link_id for o in outages if o.link_id} | set(downs)
    links = {
        link.id: link
        for link in session.scalars(
            sa.select(NetworkLink).where(NetworkLink.id.in_(link_ids)).options(plain)
        )
    }
    found = Found({}, set())

    def add(
        rule: AlertRule, device: Device, link: NetworkLink | None, cause: str, since: datetime
    ) -> None:
        key = f"link:{link.id}" if link else f"device:{device.id}"
        name = link_name(device, link) if link else device_name(device)
        found.conditions[(rule.id, key)] = Condition(
            rule,
            device.school_id,
            device.id,
            link.id if link else None,
            key,
            name,
            cause[:200],
            since,
        )

    flapping: set[int] = set()
    for rule in flap_rules:
        window = timedelta(seconds=rule.window_s) if rule.window_s else DEFAULT_FLAP_WINDOW
        changes = rule.threshold or DEFAULT_FLAP_CHANGES
        for link_id, starts in downs.items():
            recent = sorted(s for s in starts if s >= now - window)
            link = links.get(link_id)
            if link is None or link.device_id not in devices or len(recent) < changes:
                continue
            flapping.add(link_id)
            cause = f"{len(recent)} × down / {int(window.total_seconds() // 60)} min"
            add(rule, devices[link.device_id], link, cause, recent[0])

    for kind, cause in OUTAGE_KINDS.items():
        for rule in rules.get(kind, []):
            for outage in outages:
                device = devices.get(outage.device_id)
                if outage.cause is not cause or device is None:
                    continue
                link = links.get(outage.link_id) if outage.link_id else None
                if outage.link_id and link is None:
                    continue
                if kind is AlertKind.UPLINK_DOWN and outage.link_id in flapping:
                    found.damped.add((rule.id, f"link:{outage.link_id}"))
                    continue
                if now - outage.started_at < timedelta(seconds=rule.delay_s):
                    continue
                text = outage.detail or cause.value.replace("_", " ")
                if link is not None and kind is AlertKind.UPLINK_SLOW:
                    text = f"below the contracted {link.down_mbps} Mbps"
                add(rule, device, link, text, outage.started_at)

    credential_rules = rules.get(AlertKind.CREDENTIAL_FAILING, [])
    if credential_rules:
        for state in session.scalars(
            sa.select(DeviceState).where(
                DeviceState.device_id.in_(ids), DeviceState.failure == PollFailure.AUTH_FAILURE
            )
        ):
            device = devices.get(state.device_id)
            if device is None:
                continue
            for rule in credential_rules:
                if state.consecutive_failures >= (rule.threshold or 1):
                    since = state.last_polled_at or now
                    add(rule, device, None, state.detail or "auth failure", since)
    return found
