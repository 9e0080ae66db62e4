"""The change log: who changed what, when, with the object before and after."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from inventory import fieldspec as spec
from inventory.choices import ChangeAction
from inventory.models.base import Base, enum_type, utcnow

CHANGE_FIELDS = spec.table(
    "change_record",
    actor_name=spec.Field(spec.ACCOUNT_NAME, required=True),
    object_id=spec.Field(spec.Text(64), required=True),
    batch_id=spec.Field(spec.Text(36)),
)


class ChangeRecord(Base):
    """One change of one object (or a login, a revocation), written in the same transaction."""

    __tablename__ = "change_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("app_user.id", ondelete="SET NULL"))
    actor_name: Mapped[str] = mapped_column(CHANGE_FIELDS.sql_type("actor_name"))
    action: Mapped[ChangeAction] = mapped_column(enum_type(ChangeAction))
    object_type: Mapped[str] = mapped_column(sa.String(32))
    object_id: Mapped[str] = mapped_column(CHANGE_FIELDS.sql_type("object_id"))
    object_repr: Mapped[str] = mapped_column(sa.String(200))
    before: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    batch_id: Mapped[str | None] = mapped_column(CHANGE_FIELDS.sql_type("batch_id"), index=True)
    # The school the object is or belongs to (None for users, tokens, regions, credentials):
    # it scopes the change log to the schools a reader may see. No foreign key: the log
    # outlives what it describes.
    school_id: Mapped[int | None] = mapped_column(index=True)

    __table_args__ = (
        sa.Index("ix_change_record_object", "object_type", "object_id"),
        sa.Index("ix_change_record_at", "at"),
    )

    def __repr__(self) -> str:
        return f"ChangeRecord({self.id}, {self.action.value} {self.object_type}:{self.object_id})"
