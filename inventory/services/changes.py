"""Reading the change log (writing it is ``common.record_change``, inside each service)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from inventory import scope
from inventory.actor import Actor
from inventory.choices import ChangeAction
from inventory.models import ChangeRecord
from inventory.services.common import PageRequest, PageResult, SqlColumn, paginate

SORTABLE: dict[str, SqlColumn] = {"at": ChangeRecord.at, "id": ChangeRecord.id}


@dataclass(frozen=True)
class ChangeFilter:
    """Narrow the change log by object, actor, action or time (``since`` inclusive)."""

    object_type: str | None = None
    object_id: str | None = None
    actor: str | None = None
    action: ChangeAction | None = None
    batch_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def list_changes(
    session: Session, actor: Actor, flt: ChangeFilter, page: PageRequest
) -> PageResult[ChangeRecord]:
    """One page of the change records the actor may read, newest first unless sorted otherwise."""
    stmt = sa.select(ChangeRecord).where(scope.change_visible(actor))
    for column, value in (
        (ChangeRecord.object_type, flt.object_type),
        (ChangeRecord.object_id, flt.object_id),
        (ChangeRecord.actor_name, flt.actor),
        (ChangeRecord.action, flt.action),
        (ChangeRecord.batch_id, flt.batch_id),
    ):
        if value is not None:
            stmt = stmt.where(column == value)
    if flt.since is not None:
        stmt = stmt.where(ChangeRecord.at >= flt.since)
    if flt.until is not None:
        stmt = stmt.where(ChangeRecord.at < flt.until)
    return paginate(session, stmt, page, SORTABLE, "-at", ChangeRecord.id.desc())
