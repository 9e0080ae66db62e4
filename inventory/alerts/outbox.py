"""Grouping queued messages before they go: one message per subscription, not one per batch.

The poll cycle writes messages batch by batch, and the devices of a county that went down
together are polled over a few minutes, so one outage leaves several messages for the same
subscription. Each waits ``group_wait`` in the outbox (its ``next_attempt_at``); when the
first falls due, every message of that subscription never tried yet is folded into it, so
the receiver gets one message naming them all.

Only messages never tried are folded: a message whose sending began keeps its content and its
idempotency key, or a receiver that already took it would drop the fuller copy as a repeat.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from inventory.alerts.messages import Event, render
from inventory.choices import MessageKind, OutboxState
from inventory.models.alerts import OutboxMessage, Subscription

ORDER = (MessageKind.OPENED, MessageKind.REPEAT, MessageKind.RESOLVED, MessageKind.DIGEST)


def untried(session: Session, subscription_id: int) -> list[OutboxMessage]:
    return list(
        session.scalars(
            sa.select(OutboxMessage)
            .where(
                OutboxMessage.subscription_id == subscription_id,
                OutboxMessage.state == OutboxState.PENDING,
                OutboxMessage.attempts == 0,
                OutboxMessage.kind != MessageKind.DIGEST,
            )
            .order_by(OutboxMessage.id)
        )
    )


def coalesce(session: Session, now: datetime) -> int:
    """Fold the untried messages of each subscription with one due into its oldest; how many
    messages were folded away. The caller commits."""
    due = session.scalars(
        sa.select(OutboxMessage.subscription_id)
        .where(
            OutboxMessage.state == OutboxState.PENDING,
            OutboxMessage.attempts == 0,
            OutboxMessage.next_attempt_at <= now,
            OutboxMessage.kind != MessageKind.DIGEST,
        )
        .distinct()
    ).all()
    folded = 0
    for subscription_id in due:
        rows = untried(session, subscription_id)
        subscription = session.get(Subscription, subscription_id)
        if len(rows) < 2 or subscription is None:
            continue
        keep, rest = rows[0], rows[1:]
        events = [Event.from_json(e) for row in rows for e in row.events]
        keep.subject, keep.body = render(events, subscription.language.value)
        keep.events = [e.as_json() for e in events]
        kinds = {e.message for e in events}
        keep.kind = next(k for k in ORDER if k in kinds)
        keep.next_attempt_at = min(keep.next_attempt_at, now)
        for row in rest:
            session.delete(row)
        folded += len(rest)
    return folded
