"""Opening and resolving alerts after a batch was recorded, and writing their messages.

``evaluate`` runs in the session (and so the transaction) that recorded the batch: the
alerts and the outbox rows commit with the outages that caused them, or not at all. It does
not commit.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from inventory.alerts import conditions
from inventory.alerts.messages import Event, render, school_url
from inventory.alerts.places import Place, covers, in_maintenance, places, windows_now
from inventory.alerts.rules import enabled_rules
from inventory.choices import AlertState, MessageKind
from inventory.models import Device, Outage
from inventory.models.alerts import Alert, MaintenanceWindow, OutboxMessage, Subscription


@dataclass(frozen=True)
class AlertSettings:
    """What messages need from the configuration: where the school pages are, and how long
    a message waits for others to the same subscription (``inventory.alerts.outbox``)."""

    base_url: str | None = None
    group_wait: timedelta = timedelta(minutes=2)


@dataclass
class Evaluation:
    """What one evaluation did, for the cycle's log line and the tests."""

    opened: int = 0
    resolved: int = 0
    messages: int = 0
    held: int = 0  # alerts not told because a maintenance window covers them


def evaluate(
    session: Session,
    device_ids: Iterable[int],
    now: datetime,
    settings: AlertSettings | None = None,
) -> Evaluation:
    """Open and resolve the alerts of these devices at ``now``; queue their messages."""
    settings = settings or AlertSettings()
    result = Evaluation()
    ids = set(device_ids)
    if not ids:
        return result
    session.flush()  # the outages of the batch, just recorded
    rules = enabled_rules(session)
    found = conditions.find(session, ids, rules, now)
    open_alerts = {
        (a.rule_id or 0, a.object_key): a
        for a in session.scalars(
            sa.select(Alert).where(Alert.device_id.in_(ids), Alert.state == AlertState.OPEN)
        )
    }
    windows = windows_now(session, now)
    if windows:
        mark_planned(session, ids, windows)
    school_ids = {c.school_id for c in found.conditions.values()}
    school_ids |= {a.school_id for a in open_alerts.values()}
    where = places(session, school_ids)
    events: list[Event] = []
    current: list[Alert] = []

    for key, cond in found.conditions.items():
        alert = open_alerts.pop(key, None)
        if alert is None:
            place = where[cond.school_id]
            alert = Alert(
                rule_id=cond.rule.id,
                kind=cond.rule.kind,
                severity=cond.rule.severity,
                school_id=cond.school_id,
                county_code=place.county_code,
                device_id=cond.device_id,
                link_id=cond.link_id,
                object_key=cond.object_key,
                object_name=cond.object_name[:200],
                cause=cond.cause,
                since=cond.since,
                opened_at=now,
                state=AlertState.OPEN,
                planned=in_maintenance(windows, place, now),
                repeat_s=cond.rule.repeat_s,
            )
            session.add(alert)
            result.opened += 1
        current.append(alert)
    for key, alert in open_alerts.items():
        if key in found.damped:
            continue
        alert.state = AlertState.RESOLVED
        alert.resolved_at = now
        result.resolved += 1
        if alert.last_sent_at is not None:  # nobody hears of a recovery they never heard of
            events.append(
                event_of(alert, MessageKind.RESOLVED, where[alert.school_id], now, settings)
            )
    session.flush()  # ids of the new alerts

    for alert in current:
        place = where[alert.school_id]
        if in_maintenance(windows, place, now):
            result.held += alert.last_sent_at is None
            continue
        if alert.last_sent_at is None:
            events.append(event_of(alert, MessageKind.OPENED, place, now, settings))
        elif (
            alert.acknowledged_at is None
            and alert.repeat_s
            and now - alert.last_sent_at >= timedelta(seconds=alert.repeat_s)
        ):
            events.append(event_of(alert, MessageKind.REPEAT, place, now, settings))
        else:
            continue
        alert.last_sent_at = now
    result.messages = queue_messages(session, events, now, settings)
    return result


def mark_planned(session: Session, device_ids: set[int], windows: list[MaintenanceWindow]) -> int:
    """Mark the open outages of these devices that began inside a maintenance window as
    planned (availability leaves them out); how many were marked."""
    rows = session.execute(
        sa.select(Outage, Device.school_id)
        .join(Device, Device.id == Outage.device_id)
        .where(
            Outage.device_id.in_(device_ids),
            Outage.ended_at.is_(None),
            Outage.planned.is_(False),
        )
    ).all()
    where = places(session, {school_id for _, school_id in rows})
    marked = 0
    for outage, school_id in rows:
        if in_maintenance(windows, where[school_id], outage.started_at):
            outage.planned = True
            marked += 1
    return marked


def event_of(
    alert: Alert, message: MessageKind, place: Place, now: datetime, settings: AlertSettings
) -> Event:
    return Event(
        message=message,
        alert_id=alert.id,
        rule_id=alert.rule_id,
        kind=alert.kind,
        severity=alert.severity,
        place=place,
        object_name=alert.object_name,
        cause=alert.cause,
        since=alert.since,
        at=now,
        resolved_at=alert.resolved_at,
        planned=alert.planned,
        url=school_url(settings.base_url, place),
    )


def wants(subscription: Subscription, event: Event) -> bool:
    """Whether a subscription takes an event: its scope, its rules, its minimum severity."""
    rule_ids = {r.id for r in subscription.rules}
    return (
        covers(subscription.region_code, subscription.school_id, event.place)
        and (not rule_ids or event.rule_id in rule_ids)
        and event.severity.level >= subscription.min_severity.level
    )


def idempotency_key(subscription_id: int, events: Sequence[Event]) -> str:
    """The same subscription told the same things at the same time: the same key."""
    told = ",".join(sorted(f"{e.alert_id}:{e.message.value}:{e.at.isoformat()}" for e in events))
    return hashlib.sha256(f"{subscription_id}|{told}".encode()).hexdigest()


def queue_messages(
    session: Session, events: Sequence[Event], now: datetime, settings: AlertSettings
) -> int:
    """One outbox row per subscription that takes any of ``events``: grouped, not one each."""
    if not events:
        return 0
    queued = 0
    for subscription in session.scalars(
        sa.select(Subscription).where(Subscription.enabled.is_(True)).order_by(Subscription.id)
    ):
        mine = [e for e in events if wants(subscription, e)]
        if not mine:
            continue
        lang = subscription.language.value
        subject, body = render(mine, lang)
        kinds = {e.message for e in mine}
        kind = next(
            k for k in (MessageKind.OPENED, MessageKind.REPEAT, MessageKind.RESOLVED) if k in kinds
        )
        session.add(
            OutboxMessage(
                subscription_id=subscription.id,
                kind=kind,
                idempotency_key=idempotency_key(subscription.id, mine),
                subject=subject,
                body=body,
                events=[e.as_json() for e in mine],
                created_at=now,
                next_attempt_at=now + settings.group_wait,
            )
        )
        queued += 1
    return queued
