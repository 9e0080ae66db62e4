"""Dead letters: messages the sender gave up on, with the receiver's last answer (the sender
masks secrets in it), seen where their subscription is; a retry puts one back in the queue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from inventory.actor import Actor
from inventory.choices import MessageKind, OutboxState, TransportKind
from inventory.errors import NotFound, PermissionDenied
from inventory.models import OutboxMessage, Subscription
from inventory.models.base import utcnow
from inventory.services.alerting import placement
from inventory.services.common import PageRequest, PageResult, change_object, paginate, sortable
from inventory.services.entity import EntityService
from inventory.unit_of_work import UnitOfWork

SORTABLE = sortable(OutboxMessage, "created_at attempts kind", subscription=Subscription.name)


@dataclass(frozen=True)
class DeadLetterFilter:
    """What the dead-letter list may be narrowed by."""

    subscription_id: int | None = None
    kind: MessageKind | None = None
    transport: TransportKind | None = None


def _scoped(actor: Actor, *, write: bool = False) -> sa.Select[OutboxMessage]:
    return (
        sa.select(OutboxMessage)
        .join(Subscription, Subscription.id == OutboxMessage.subscription_id)
        .where(
            OutboxMessage.state == OutboxState.DEAD,
            placement.visible(actor, Subscription, write=write),
        )
    )


def list_dead_letters(
    session: Session, actor: Actor, flt: DeadLetterFilter, page: PageRequest
) -> PageResult[OutboxMessage]:
    """One page of the dead letters of the subscriptions the actor may see, newest first."""
    stmt = _scoped(actor)
    if flt.subscription_id is not None:
        stmt = stmt.where(OutboxMessage.subscription_id == flt.subscription_id)
    if flt.kind is not None:
        stmt = stmt.where(OutboxMessage.kind == flt.kind)
    if flt.transport is not None:
        stmt = stmt.where(Subscription.transport == flt.transport)
    return paginate(session, stmt, page, SORTABLE, "-created_at", OutboxMessage.id)


def get_dead_letter(
    session: Session, actor: Actor, message_id: int, *, write: bool = False
) -> OutboxMessage:
    """A dead letter the actor may see (or change), or NotFound."""
    found = session.scalars(
        _scoped(actor, write=write).where(OutboxMessage.id == message_id)
    ).first()
    if found is None:
        raise NotFound(f"no dead letter with id {message_id}")
    return found


def retry_dead_letter(
    session: Session, actor: Actor, message_id: int, now: datetime | None = None
) -> OutboxMessage:
    """Put a dead letter back in the queue: pending, due now, its attempts counted afresh.
    Its idempotency key stays, so a receiver that did get it once ignores it."""
    actor.require_write()
    message = get_dead_letter(session, actor, message_id, write=True)
    when = now or utcnow()
    change_object(
        session,
        actor,
        message,
        {"state": OutboxState.PENDING, "attempts": 0, "next_attempt_at": when},
    )
    return message


def retry(
    uow: UnitOfWork, actor: Actor, message_id: int, now: datetime | None = None
) -> OutboxMessage:
    """``retry_dead_letter`` as a use case of its own, in its own transaction."""
    with uow:
        message = retry_dead_letter(uow.session, actor, message_id, now)
        uow.commit()
        return message


def _written_by_the_sender(*_args: object) -> OutboxMessage:
    raise PermissionDenied("messages are written by the monitor and the sender")


def _kept(_session: Session, _actor: Actor, _ident: int, _on: date | None) -> None:
    raise PermissionDenied("a dead letter is retried, not deleted")


SERVICE: EntityService[OutboxMessage, DeadLetterFilter, int] = EntityService(
    list_page=list_dead_letters,
    get=get_dead_letter,
    add=_written_by_the_sender,
    change=_written_by_the_sender,
    retire=_kept,
)
