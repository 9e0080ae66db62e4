"""The daily digest (issue 17): once a day, to each subscription that asks for it, what went
down and came back in the last day and what is still open, in its scope.

Written to the outbox like any message, under a key made of the subscription and the local
day: a second run the same day (the shared job store may run a job twice) adds nothing.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from inventory import localday
from inventory.alerts.evaluation import AlertSettings, event_of, wants
from inventory.alerts.messages import Event, render
from inventory.alerts.places import places
from inventory.choices import AlertState, MessageKind
from inventory.models.alerts import Alert, OutboxMessage, Subscription

DAY = timedelta(days=1)
TITLE = {"zh": "每日摘要", "en": "Daily digest"}
QUIET = {"zh": "过去一天没有告警。", "en": "No alerts in the last day."}


def digest_key(subscription_id: int, now: datetime) -> str:
    day = localday.day_of(now).isoformat()
    return hashlib.sha256(f"digest|{subscription_id}|{day}".encode()).hexdigest()


def write_digests(session: Session, now: datetime, settings: AlertSettings | None = None) -> int:
    """Queue today's digest for every subscription that wants one and has none yet; how
    many were queued. The caller commits."""
    settings = settings or AlertSettings()
    subscriptions = list(
        session.scalars(
            sa.select(Subscription)
            .where(Subscription.enabled.is_(True), Subscription.daily_digest.is_(True))
            .order_by(Subscription.id)
        )
    )
    if not subscriptions:
        return 0
    since = now - DAY
    recent = list(
        session.scalars(
            sa.select(Alert)
            .where(
                sa.or_(
                    Alert.state == AlertState.OPEN,
                    Alert.opened_at >= since,
                    Alert.resolved_at >= since,
                )
            )
            .order_by(Alert.since, Alert.id)
        )
    )
    where = places(session, {a.school_id for a in recent})
    events: list[Event] = []
    for alert in recent:
        if alert.state is AlertState.RESOLVED:
            message = MessageKind.RESOLVED
        elif alert.opened_at >= since:
            message = MessageKind.OPENED
        else:
            message = MessageKind.REPEAT  # open since before yesterday: "still open"
        events.append(event_of(alert, message, where[alert.school_id], now, settings))
    queued = 0
    for subscription in subscriptions:
        key = digest_key(subscription.id, now)
        if session.scalar(sa.select(OutboxMessage.id).where(OutboxMessage.idempotency_key == key)):
            continue
        lang = subscription.language.value
        mine = [e for e in events if wants(subscription, e)]
        day = localday.day_of(now).isoformat()
        if mine:
            _, body = render(mine, lang)
        else:
            body = QUIET[lang]
        session.add(
            OutboxMessage(
                subscription_id=subscription.id,
                kind=MessageKind.DIGEST,
                idempotency_key=key,
                subject=f"[{TITLE[lang]}] {day}",
                body=body,
                events=[e.as_json() for e in mine],
                created_at=now,
                next_attempt_at=now,
            )
        )
        queued += 1
    return queued
