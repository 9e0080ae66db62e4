"""The outbox's sender: delivers queued messages with retries and backoff, alone.

It runs inside the collector process (a scheduler job calls ``step``), and only one sender of
all the collectors sends at a time: each step first takes (or renews) the ``outbox`` lease,
and before each message checks that it still holds it. A message is marked sent in its own
transaction right after the receiver took it; a sender that dies between the two sends that
message again under the same idempotency key, which receivers use to drop the copy.

A message that keeps failing is retried after growing pauses (``base × 2^(attempts-1)``, up to
``longest``), and after ``attempts`` failures it is dead: kept, with the receiver's last answer
(secrets masked), for the dead-letter list.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from collectors.alerts.transports import DeliveryError, Destination, Outbound, Transports
from inventory.alerts.outbox import coalesce
from inventory.choices import OutboxState
from inventory.models.alerts import OutboxMessage, SenderLease, Subscription
from inventory.secretbox import SecretBox, SecretBoxError

log = logging.getLogger(__name__)

LEASE = "outbox"
TOKENS = re.compile(
    r"(?i)\b(access_token|token|key|sign|secret|password|signature|timestamp)=([^&\s\"']+)"
)


@dataclass(frozen=True)
class SenderSettings:
    attempts: int = 10
    base: timedelta = timedelta(seconds=30)
    longest: timedelta = timedelta(hours=1)
    lease: timedelta = timedelta(minutes=2)
    batch: int = 50

    def pause(self, attempts: int) -> timedelta:
        """The wait before the next try after ``attempts`` failures."""
        return min(self.base * int(2 ** max(0, attempts - 1)), self.longest)


@dataclass
class StepResult:
    leader: bool = False
    sent: int = 0
    failed: int = 0
    dead: int = 0
    answers: list[str] = field(default_factory=list)


def mask(text: str, *secrets: str | None) -> str:
    """``text`` with every secret, URL token and signature replaced by ``***``."""
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        text = text.replace(secret, "***")
    text = TOKENS.sub(lambda m: f"{m.group(1)}=***", text)
    # A Feishu or WeCom hook carries its token in the path or the query: names stop there.
    return re.sub(r"(/hook/)[^\s/?\"']+", r"\1***", text)


def take_lease(session: Session, owner: str, now: datetime, ttl: timedelta) -> bool:
    """Take or renew the sender's lease; whether this owner holds it now (commits)."""
    if session.get(SenderLease, LEASE) is None:
        session.add(SenderLease(name=LEASE, owner=None, expires_at=None))
        try:
            session.commit()
        except IntegrityError:  # another sender made it first: fine, compete below
            session.rollback()
    taken = session.execute(
        sa.update(SenderLease)
        .where(
            SenderLease.name == LEASE,
            sa.or_(
                SenderLease.owner.is_(None),
                SenderLease.owner == owner,
                SenderLease.expires_at < now,
            ),
        )
        .values(owner=owner, expires_at=now + ttl)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return bool(getattr(taken, "rowcount", 0) == 1)


def give_back(session: Session, owner: str) -> None:
    session.execute(
        sa.update(SenderLease)
        .where(SenderLease.name == LEASE, SenderLease.owner == owner)
        .values(owner=None, expires_at=None)
        .execution_options(synchronize_session=False)
    )
    session.commit()


class Sender:
    """Delivers the outbox; ``step(now)`` does one round (the scheduler calls it)."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        box: SecretBox,
        name: str,
        transports: Transports | None = None,
        settings: SenderSettings | None = None,
        *,
        after_send: Callable[[int], None] | None = None,
    ) -> None:
        self.sessions = sessions
        self.box = box
        self.name = name
        self.transports = transports or Transports()
        self.settings = settings or SenderSettings()
        # Tests stop a sender between the receiver's answer and the mark ("it died here").
        self.after_send = after_send

    def step(self, now: datetime) -> StepResult:
        """Deliver the messages due at ``now`` (at most ``batch``), if this sender leads."""
        result = StepResult()
        with self.sessions() as session:
            if not take_lease(session, self.name, now, self.settings.lease):
                return result
            result.leader = True
            coalesce(session, now)
            session.commit()
            due = list(
                session.scalars(
                    sa.select(OutboxMessage.id)
                    .where(
                        OutboxMessage.state == OutboxState.PENDING,
                        OutboxMessage.next_attempt_at <= now,
                    )
                    .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
                    .limit(self.settings.batch)
                )
            )
        for message_id in due:
            with self.sessions() as session:
                if not take_lease(session, self.name, now, self.settings.lease):
                    result.leader = False
                    break  # another sender took over; it carries on
                self._deliver(session, message_id, now, result)
        return result

    def stop(self) -> None:
        """Give the lease back, so another collector's sender takes over at once."""
        with self.sessions() as session:
            give_back(session, self.name)

    def _deliver(
        self, session: Session, message_id: int, now: datetime, result: StepResult
    ) -> None:
        row = session.get(OutboxMessage, message_id)
        if row is None or row.state is not OutboxState.PENDING:
            return  # sent (or given up) meanwhile
        subscription = session.get(Subscription, row.subscription_id)
        assert subscription is not None  # the outbox row cascades with it
        outbound = Outbound(row.idempotency_key, row.kind.value, row.subject, row.body, row.events)
        target = subscription.target
        secret: str | None = None
        # Counted before the call: a sender that dies during it leaves a message that is tried
        # again (after the pause) as it is, and never folded into another (outbox.coalesce).
        row.attempts += 1
        row.next_attempt_at = now + self.settings.pause(row.attempts)
        try:
            secret = self.box.decrypt(subscription.secret_enc) if subscription.secret_enc else None
            destination = Destination(subscription.transport, target, secret)
            session.commit()  # the claim is kept, and no transaction stays open over the call
            self.transports.for_kind(destination.transport)(outbound, destination)
        except (DeliveryError, SecretBoxError) as exc:
            answer = exc.answer if isinstance(exc, DeliveryError) else str(exc)
            self._failed(row, mask(answer, secret, target), result)
        else:
            if self.after_send is not None:
                self.after_send(message_id)
            row.state = OutboxState.SENT
            row.sent_at = now
            result.sent += 1
        session.commit()

    def _failed(self, row: OutboxMessage, answer: str, result: StepResult) -> None:
        row.last_answer = answer[:500]
        result.answers.append(row.last_answer)
        if row.attempts >= self.settings.attempts:
            row.state = OutboxState.DEAD
            result.dead += 1
            log.warning("alert message %s is dead after %d tries: %s", row.id, row.attempts, answer)
        else:
            result.failed += 1
