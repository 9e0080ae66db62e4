"""Pieces every service uses: change recording, paging and sorting, date-derived status."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum, StrEnum
from types import SimpleNamespace
from typing import Any, Generic, TypeVar, cast

import sqlalchemy as sa
from sqlalchemy.orm import Session

from inventory import localday, scope
from inventory.actor import Actor
from inventory.choices import ChangeAction, Lifecycle
from inventory.errors import InvalidInput, NotFound, invalid
from inventory.models import (
    Base,
    ChangeRecord,
    Region,
    School,
)

T = TypeVar("T")
M = TypeVar("M", bound=Base)
# An entity's typed input (``ClassroomValues``...): its create data or patch changes.
V = TypeVar("V", bound=Mapping[str, Any])
# A column in a query: mapped attribute (School.code) or any SQL expression.
SqlColumn = sa.ColumnElement[Any] | sa.orm.QueryableAttribute[Any]

SKIPPED_IN_SNAPSHOT = frozenset({"created_at", "updated_at"})


def _jsonable(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def snapshot(obj: Base) -> dict[str, Any]:
    """The object's columns as JSON values; secret columns show only whether they are set."""
    secret = getattr(obj, "__secret_columns__", ())
    out: dict[str, Any] = {}
    for attr in sa.inspect(obj).mapper.column_attrs:
        key = attr.key
        if key in SKIPPED_IN_SNAPSHOT:
            continue
        value = getattr(obj, key)
        if key in secret:
            out[key.removesuffix("_enc")] = "***" if value else None
        else:
            out[key] = _jsonable(value)
    return out


def record_change(
    session: Session,
    actor: Actor,
    action: ChangeAction,
    obj: Base,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> ChangeRecord:
    """Add a change record to the session: committed or rolled back with the change itself."""
    pk = sa.inspect(obj).identity
    record = ChangeRecord(
        school_id=school_of(obj),
        actor_id=actor.user_id,
        actor_name=actor.name,
        action=action,
        object_type=obj.__tablename__,
        object_id=",".join(str(part) for part in pk) if pk else "?",
        object_repr=repr(obj)[:200],
        before=before,
        after=after,
        batch_id=actor.batch_id,
    )
    session.add(record)
    return record


def school_of(obj: Base) -> int | None:
    """The id of the school ``obj`` is or belongs to, which scopes its change records."""
    if isinstance(obj, School):
        return obj.id
    school_id = getattr(obj, "school_id", None)
    return school_id if isinstance(school_id, int) else None


def add_object(session: Session, actor: Actor, obj: M) -> M:
    """Insert ``obj`` and log its creation."""
    session.add(obj)
    session.flush()
    record_change(session, actor, ChangeAction.CREATE, obj, None, snapshot(obj))
    return obj


def change_object(
    session: Session,
    actor: Actor,
    obj: Base,
    changes: Mapping[str, Any],
    action: ChangeAction = ChangeAction.UPDATE,
) -> bool:
    """Apply already-validated ``changes``; log before/after. False (and no log) if nothing changed."""
    before = snapshot(obj)
    for key, value in changes.items():
        setattr(obj, key, value)
    after = snapshot(obj)
    if before == after:
        return False
    session.flush()
    record_change(session, actor, action, obj, before, after)
    return True


CHANGE_TABLE: sa.Table = ChangeRecord.__table__  # type: ignore[assignment]


class BulkInserts:
    """``add_object`` and ``change_object`` for many objects of one model (a spreadsheet
    import), written in chunks.

    Each chunk of validated new rows goes in as one executemany INSERT (no ORM unit of work, no
    RETURNING: several times faster, above all on PostgreSQL), is read back by its natural
    ``key`` (unique) for the ids the database gave, and then the change records go in as one
    more executemany. Changes to stored rows go in as executemany UPDATEs. The change records
    are the ones ``add_object`` and ``change_object`` write: the same snapshot, repr, school,
    actor and batch. Call ``flush()`` at the end.
    """

    def __init__(
        self,
        session: Session,
        actor: Actor,
        model: type[Base],
        key: tuple[str, ...],
        chunk_size: int = 1000,
    ) -> None:
        self.session = session
        self.actor = actor
        self.model = model
        self.table: sa.Table = model.__table__  # type: ignore[assignment]
        (self.pk,) = self.table.primary_key.columns
        self.key = key
        self.chunk_size = chunk_size
        self._new: list[dict[str, Any]] = []
        self._changes: list[tuple[dict[str, Any], dict[str, Any]]] = []

    def add(self, values: Mapping[str, Any]) -> None:
        """Insert an object with these column values (already validated) with the next chunk."""
        self._new.append(dict(values))
        if len(self._new) >= self.chunk_size:
            self.flush()

    def change(self, stored: Mapping[str, Any], changes: Mapping[str, Any]) -> bool:
        """Apply already-validated ``changes`` to a stored row (its column values) with the next
        chunk, logged with before and after; False (no log) if nothing changes."""
        before = snapshot_of(self.model, stored)
        after_row = {**stored, **changes}
        after = snapshot_of(self.model, after_row)
        if before == after:
            return False
        record = self._record(after_row, ChangeAction.UPDATE, before, after)
        self._changes.append(({**changes, "_pk": stored[self.pk.key]}, record))
        if len(self._changes) >= self.chunk_size:
            self.flush()
        return True

    def flush(self) -> None:
        """Write the pending rows and changes, then their change records."""
        self.session.flush()  # whatever the ORM holds goes first, in order
        records = self._insert_new() + self._update_changed()
        if records:
            self.session.execute(sa.insert(CHANGE_TABLE), records)

    def _insert_new(self) -> list[dict[str, Any]]:
        if not self._new:
            return []
        rows, self._new = self._new, []
        self.session.execute(sa.insert(self.table), rows)
        columns = [self.table.c[name] for name in self.key]
        keys = [tuple(row[name] for name in self.key) for row in rows]
        stored = self.session.execute(
            sa.select(self.table).where(sa.tuple_(*columns).in_(keys)).order_by(self.pk)
        ).mappings()
        records = [
            self._record(dict(row), ChangeAction.CREATE, None, snapshot_of(self.model, dict(row)))
            for row in stored
        ]
        if len(records) != len(rows):  # the key was not unique after all: say so, loudly
            raise RuntimeError(f"{len(rows)} rows inserted but {len(records)} read back")
        return records

    def _update_changed(self) -> list[dict[str, Any]]:
        if not self._changes:
            return []
        pending, self._changes = self._changes, []
        by_columns: dict[frozenset[str], list[dict[str, Any]]] = {}
        for values, _record in pending:
            by_columns.setdefault(frozenset(values), []).append(values)
        for group in by_columns.values():  # one executemany per set of changed columns
            self.session.execute(sa.update(self.table).where(self.pk == sa.bindparam("_pk")), group)
        return [record for _values, record in pending]

    def _record(
        self,
        row: Mapping[str, Any],
        action: ChangeAction,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
    ) -> dict[str, Any]:
        """The change record ``record_change`` writes for this row (its time comes from the
        column default, as there)."""
        image = SimpleNamespace(**row)
        return {
            "school_id": row[self.pk.key] if self.model is School else row.get("school_id"),
            "actor_id": self.actor.user_id,
            "actor_name": self.actor.name,
            "action": action,
            "object_type": self.table.name,
            "object_id": str(row[self.pk.key]),
            "object_repr": self.model.__repr__(cast(Any, image))[:200],
            "before": before,
            "after": after,
            "batch_id": self.actor.batch_id,
        }


def snapshot_of(model: type[Base], row: Mapping[str, Any]) -> dict[str, Any]:
    """``snapshot`` of a stored row given as a mapping of column values (no ORM object)."""
    secret = getattr(model, "__secret_columns__", ())
    out: dict[str, Any] = {}
    for attr in sa.inspect(model).column_attrs:
        key = attr.key
        if key in SKIPPED_IN_SNAPSHOT:
            continue
        value = row.get(attr.columns[0].key)
        if key in secret:
            out[key.removesuffix("_enc")] = "***" if value else None
        else:
            out[key] = _jsonable(value)
    return out


def delete_object(session: Session, actor: Actor, obj: Base) -> None:
    """Delete ``obj`` and log what it was."""
    record_change(session, actor, ChangeAction.DELETE, obj, snapshot(obj), None)
    session.delete(obj)
    session.flush()


def coerce_enums(values: V, enums: Mapping[str, type[StrEnum]], errors: dict[str, list[str]]) -> V:
    """``values`` with enum fields given as stored strings turned into members.

    Callers outside HTTP (demo loader, import) pass plain strings. A value that is no member is
    dropped from the result and reported in ``errors`` with the allowed values.
    """
    out = dict(values)
    for key, enum in enums.items():
        value = out.get(key)
        if value is None or isinstance(value, enum):
            continue
        try:
            out[key] = enum(value)
        except ValueError:
            allowed = ", ".join(member.value for member in enum)
            errors[key] = [f"unknown value {value!r}; allowed: {allowed}"]
            out.pop(key)
    return cast(V, out)


def archive_object(
    session: Session, actor: Actor, obj: Base, start: str, end: str, on: date | None
) -> None:
    """End ``obj``'s [start, end) interval on ``on`` (default today), logged as an archive.

    Archiving again with a later date changes nothing; an end before the start is refused.
    """
    when = on or localday.today()
    current = getattr(obj, end)
    if current is not None and current <= when:
        return
    errors: dict[str, list[str]] = {}
    check_interval(errors, start, getattr(obj, start), end, when)
    raise_if(errors)
    change_object(session, actor, obj, {end: when}, ChangeAction.ARCHIVE)


def merged(obj: Base, changes: V) -> V:
    """The object's attribute values as they would be after ``changes`` (for cross-field rules):
    every field of the typed input, and the other columns besides."""
    values = {attr.key: getattr(obj, attr.key) for attr in sa.inspect(obj).mapper.column_attrs}
    values.update(changes)
    return cast(V, values)


# --- lists ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PageRequest:
    """Which page of a list, and its order: ``sort`` is a field name, ``-`` first for descending."""

    page: int = 1
    per_page: int = 50
    sort: str | None = None


@dataclass(frozen=True)
class PageResult(Generic[T]):
    """One page of a list and the total count across all pages."""

    items: list[T]
    total: int
    page: int
    per_page: int


def sortable(model: type[Base], names: str, **others: SqlColumn) -> dict[str, SqlColumn]:
    """What a list may be sorted by: the columns of ``model`` called ``names`` (separated by
    spaces), and ``others`` by the name the list gives them (``school_code=School.code``)."""
    return {**others, **{name: getattr(model, name) for name in names.split()}}


def paginate(
    session: Session,
    stmt: sa.Select[M],
    request: PageRequest,
    sortable: Mapping[str, SqlColumn],
    default_sort: str,
    tiebreak: SqlColumn,
) -> PageResult[M]:
    """Count ``stmt``, then fetch one page of it in a stable order."""
    sort = request.sort or default_sort
    descending = sort.startswith("-")
    column = sortable.get(sort.lstrip("-"))
    if column is None:
        raise invalid("sort", f"cannot sort by {sort!r}; allowed: {', '.join(sorted(sortable))}")
    total = session.scalar(sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery()))
    order = column.desc() if descending else column.asc()
    rows = session.scalars(
        stmt.order_by(order, tiebreak)
        .limit(request.per_page)
        .offset((request.page - 1) * request.per_page)
    ).unique()
    return PageResult(list(rows), total or 0, request.page, request.per_page)


def lifecycle_condition(
    start: sa.orm.QueryableAttribute[date | None],
    end: sa.orm.QueryableAttribute[date | None],
    status: Lifecycle,
    today: date,
) -> sa.ColumnElement[bool]:
    """SQL for "this [start, end) interval is planned / active / closed on ``today``"."""
    if status is Lifecycle.CLOSED:
        return sa.and_(end.is_not(None), end <= today)
    not_closed = sa.or_(end.is_(None), end > today)
    if status is Lifecycle.PLANNED:
        return sa.and_(start.is_not(None), start > today, not_closed)
    return sa.and_(sa.or_(start.is_(None), start <= today), not_closed)


def where_status(
    stmt: sa.Select[T],
    start: sa.orm.QueryableAttribute[date | None],
    end: sa.orm.QueryableAttribute[date | None],
    status: Lifecycle | None,
    today: date | None,
) -> sa.Select[T]:
    """``stmt`` narrowed to what is ``status`` on ``today`` (default: today), if a status is given."""
    if status is None:
        return stmt
    return stmt.where(lifecycle_condition(start, end, status, today or localday.today()))


def check_interval(
    errors: dict[str, list[str]], start_key: str, start: date | None, end_key: str, end: date | None
) -> None:
    """Add an error under ``end_key`` if the interval ends before it starts."""
    if start is not None and end is not None and end < start:
        errors.setdefault(end_key, []).append(
            f"must not be before {start_key} ({start.isoformat()})"
        )


def raise_if(errors: dict[str, list[str]], message: str = "invalid input") -> None:
    """Raise one InvalidInput carrying every collected field error."""
    if errors:
        raise InvalidInput(message, errors)


def region_subtree(session: Session, region_code: str) -> sa.Select[str]:
    """Codes of the region and every region below it; NotFound-style 422 if it does not exist."""
    path = session.scalar(sa.select(Region.path).where(Region.code == region_code))
    if path is None:
        raise invalid("region", f"no region with code {region_code!r}")
    return sa.select(Region.code).where(Region.path.startswith(path))


def school_by_code(session: Session, actor: Actor, code: str, *, write: bool = False) -> School:
    """The school with this code in the actor's scope, or NotFound (children's services look
    their parent up here); with ``write``, only a school the actor may change."""
    condition = scope.school_writable(actor) if write else scope.school_visible(actor)
    school = session.scalar(sa.select(School).where(School.code == code, condition))
    if school is None:
        raise NotFound(f"no school with code {code!r}")
    return school


def school_id_by_code(session: Session, actor: Actor, code: str) -> int:
    """The id of a school the actor may read, for list filters: an unknown or out-of-scope
    code is the same 422 on ``school``."""
    school_id = session.scalar(
        sa.select(School.id).where(School.code == code, scope.school_visible(actor))
    )
    if school_id is None:
        raise invalid("school", f"no school with code {code!r}")
    return school_id


def get_or_404(session: Session, model: type[M], ident: int, what: str) -> M:
    """Load ``model`` by primary key or raise NotFound naming ``what``."""
    obj = session.get(model, ident)
    if obj is None:
        raise NotFound(f"no {what} with id {ident}")
    return obj


def get_in_scope(
    session: Session, actor: Actor, model: type[M], ident: int, what: str, *, write: bool = False
) -> M:
    """Load an object that belongs to a school (has ``school_id``) if the actor may read it, or
    with ``write`` change it; NotFound otherwise, exactly as if it did not exist."""
    obj = session.get(model, ident)
    school_id = None if obj is None else school_of(obj)
    if (
        obj is None
        or school_id is None
        or not scope.school_allowed(session, actor, school_id, write=write)
    ):
        raise NotFound(f"no {what} with id {ident}")
    return obj
