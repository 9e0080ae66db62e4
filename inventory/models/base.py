"""Declarative base, naming convention and column helpers shared by every model."""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from inventory.choices import Lifecycle

# Stable constraint names, so Alembic migrations can refer to them on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """Timezone-aware now, the only clock the models use."""
    return datetime.now(UTC)


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """A timestamp that always comes back timezone-aware in UTC (SQLite drops the zone)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime stored; use inventory.models.base.utcnow()")
        return value

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


def enum_type(enum: type[StrEnum]) -> sa.Enum:
    """Store an enum as its string value in a VARCHAR with a CHECK, portable to every backend."""
    return sa.Enum(
        enum,
        native_enum=False,
        create_constraint=True,
        length=32,
        validate_strings=True,
        values_callable=lambda members: [m.value for m in members],
        name=enum.__name__.lower(),
    )


class Base(DeclarativeBase):
    """Base of every model; keeps the naming convention in one metadata."""

    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime(), date: sa.Date()}


class Timestamped:
    """Created/updated times kept by the database layer."""

    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


def lifecycle_of(start: date | None, end: date | None, today: date) -> Lifecycle:
    """planned / active / closed for a [start, end) interval as seen on ``today``."""
    if end is not None and end <= today:
        return Lifecycle.CLOSED
    if start is not None and start > today:
        return Lifecycle.PLANNED
    return Lifecycle.ACTIVE
