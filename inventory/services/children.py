"""What the things that belong to a school share: classrooms, campus-network states, uplinks
and devices are created, corrected, archived or deleted along one path, checked against the
rules of their field tables, and listed by school or region.

Each kind says only what is its own (its model, its table, its cross-field and uniqueness
check) in a ``Child``; ``create_child`` and ``update_child`` do the rest the same way for all.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any, Generic, TypeVar, cast

import sqlalchemy as sa
from sqlalchemy.orm import Session, contains_eager

from inventory import scope
from inventory.actor import Actor
from inventory.fieldspec import Choice, FieldTable, message
from inventory.models import CampusNetwork, Classroom, Device, NetworkLink, School
from inventory.services.common import (
    PageRequest,
    PageResult,
    SqlColumn,
    V,
    add_object,
    archive_object,
    change_object,
    check_interval,
    coerce_enums,
    get_in_scope,
    merged,
    paginate,
    region_subtree,
    school_by_code,
    school_id_by_code,
)

Errors = dict[str, list[str]]
# What belongs to one school and is listed by school and region.
C = TypeVar("C", Classroom, CampusNetwork, NetworkLink, Device)
T = TypeVar("T")


@dataclass(frozen=True)
class SchoolChildFilter:
    """Narrows a list of things that belong to a school: ``school`` is a school code,
    ``region`` a region code (its whole subtree)."""

    school: str | None = None
    region: str | None = None


def where_equal(stmt: sa.Select[T], *pairs: tuple[SqlColumn, object]) -> sa.Select[T]:
    """``stmt`` narrowed to rows whose column equals the value, for each (column, value)
    pair whose value is given (None or blank text narrows nothing)."""
    for column, value in pairs:
        if value is not None and value != "":
            stmt = stmt.where(column == value)
    return stmt


@dataclass(frozen=True)
class Child(Generic[C, V]):
    """One kind of thing that belongs to a school.

    ``check(session, actor, values, errors, school_id, ident)`` raises ``InvalidInput`` with
    ``errors`` (those found so far) and its own, or a Conflict; ``values`` are the complete
    values after the change. ``coerce`` turns given values into stored ones beyond what the
    table's choice fields need (a canonical address), adding to ``errors``. ``expire`` names the
    relationship to reload when its id column changes.
    """

    model: type[C]
    what: str
    fields: FieldTable
    check: Callable[[Session, Actor, V, Errors, int, int | None], None]
    # List order: by field name; ``default_sort`` unless the request says otherwise.
    sortable: Mapping[str, SqlColumn]
    default_sort: str = "school_code"
    coerce: Callable[[V, Errors], V] | None = None
    expire: Mapping[str, str] = field(default_factory=dict)

    def prepare(self, values: V, errors: Errors) -> V:
        """``values`` with choices as members (and whatever ``coerce`` does); errors collected."""
        out = coerce_enums(values, enums_of(self.fields), errors)
        return out if self.coerce is None else self.coerce(out, errors)

    def prepare_new(self, data: V, errors: Errors) -> V:
        """``prepare`` the data of a new one, with the defaults of the fields it leaves out."""
        return self.prepare(cast(V, {**self.fields.defaults, **data}), errors)


def enums_of(fields: FieldTable) -> dict[str, type[StrEnum]]:
    """The choice fields of a table and their choice sets."""
    return {
        name: spec.rule.choices for name, spec in fields.items() if isinstance(spec.rule, Choice)
    }


def select_children(
    session: Session, actor: Actor, child: Child[C, V], flt: SchoolChildFilter
) -> sa.Select[C]:
    """The start of every list of ``child``: the rows the actor may read, with their school
    loaded, narrowed to ``flt``'s school (by code) or region (its whole subtree)."""
    model = child.model
    stmt = (
        sa.select(model)
        .join(model.school)
        .options(contains_eager(model.school))
        .where(scope.school_visible(actor))
    )
    if flt.school:
        stmt = stmt.where(model.school_id == school_id_by_code(session, actor, flt.school))
    if flt.region:
        stmt = stmt.where(School.region_code.in_(region_subtree(session, flt.region)))
    return stmt


def page_of(
    session: Session, child: Child[C, V], stmt: sa.Select[C], page: PageRequest
) -> PageResult[C]:
    """One page of ``stmt``, sorted as asked among ``child``'s sortable fields."""
    return paginate(session, stmt, page, child.sortable, child.default_sort, child.model.id)


def get_child(session: Session, actor: Actor, child: Child[C, V], ident: int) -> C:
    """The ``child`` with this id if the actor may read it, or NotFound."""
    return get_in_scope(session, actor, child.model, ident, child.what)


def create_child(
    session: Session, actor: Actor, child: Child[C, V], school_code: str, data: V
) -> C:
    """Register a ``child`` of the school with this code; defaulted fields left out get their
    defaults (a correction never resets what it does not mention)."""
    actor.require_write()
    school = school_by_code(session, actor, school_code, write=True)
    errors: Errors = {}
    values = child.prepare_new(data, errors)
    child.check(session, actor, values, errors, school.id, None)
    return add_object(session, actor, child.model(school=school, **values))


def update_child(session: Session, actor: Actor, child: Child[C, V], ident: int, changes: V) -> C:
    """Correct some fields of a ``child``; the others keep their values."""
    actor.require_write()
    obj = get_in_scope(session, actor, child.model, ident, child.what, write=True)
    errors: Errors = {}
    changes = child.prepare(changes, errors)
    child.check(session, actor, merged(obj, changes), errors, obj.school_id, obj.id)
    change_object(session, actor, obj, changes)
    for key, relationship in child.expire.items():
        if key in changes:
            session.expire(obj, [relationship])
    return obj


def archive_child(
    session: Session, actor: Actor, child: Child[C, V], ident: int, on: date | None
) -> C:
    """Decommission a ``child`` as of ``on`` (default today); it stays for past coverage."""
    actor.require_write()
    obj = get_in_scope(session, actor, child.model, ident, child.what, write=True)
    archive_object(session, actor, obj, "commissioned_on", "decommissioned_on", on)
    return obj


def check_required(
    fields: FieldTable,
    values: Mapping[str, Any],
    errors: Errors,
    *,
    defaulted: str = "is required",
    blank: bool = False,
) -> None:
    """Add an error for each field that may never be empty but is (or, with ``blank``, is
    blank text): "is required", or ``defaulted`` for a field that has a default. A field that
    already has an error keeps it."""
    for key in fields.not_null:
        value = values.get(key)
        empty = value is None or (blank and isinstance(value, str) and not value.strip())
        if empty and key not in errors:
            errors[key] = ["is required" if fields[key].required else defaulted]


def check_ranges(
    fields: FieldTable, values: Mapping[str, Any], errors: Errors, keys: tuple[str, ...]
) -> None:
    """Add an error for each of the number fields ``keys`` out of its rule's range."""
    for key in keys:
        number, rule = values.get(key), fields.rule(key)
        if number is not None and key not in errors and not rule.low <= number <= rule.high:
            errors[key] = [message("service_range", low=rule.low, high=rule.high, unit=rule.unit)]


def check_service_dates(values: Mapping[str, Any], errors: Errors) -> None:
    """Add an error if a thing in service for a time is decommissioned before commissioned."""
    start, end = values.get("commissioned_on"), values.get("decommissioned_on")
    check_interval(errors, "commissioned_on", start, "decommissioned_on", end)
