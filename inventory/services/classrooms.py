"""Classrooms: register, correct, decommission (archive), list."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, contains_eager

from inventory.actor import Actor
from inventory.choices import ClassroomKind, DisplayKind, Lifecycle
from inventory.errors import duplicate, invalid
from inventory.models import Classroom, School
from inventory.services.common import (
    PageRequest,
    PageResult,
    SqlColumn,
    add_object,
    archive_object,
    change_object,
    check_interval,
    coerce_enums,
    get_or_404,
    lifecycle_condition,
    merged,
    paginate,
    raise_if,
    region_subtree,
    school_by_code,
)

SORTABLE: dict[str, SqlColumn] = {
    "school_code": School.code,
    "room_code": Classroom.room_code,
    "building": Classroom.building,
    "floor": Classroom.floor,
    "kind": Classroom.kind,
    "display": Classroom.display,
    "commissioned_on": Classroom.commissioned_on,
    "decommissioned_on": Classroom.decommissioned_on,
    "updated_at": Classroom.updated_at,
}

# Applied on create only: a correction never resets what it does not mention.
DEFAULTS: dict[str, Any] = {
    "kind": ClassroomKind.ORDINARY,
    "display": DisplayKind.NONE,
    "has_teacher_terminal": False,
    "has_visualiser": False,
    "has_audio": False,
    "has_recording": False,
}
ENUMS: dict[str, type[ClassroomKind] | type[DisplayKind]] = {
    "kind": ClassroomKind,
    "display": DisplayKind,
}


@dataclass(frozen=True)
class ClassroomFilter:
    """What a classroom list may be narrowed by; every field is optional.

    ``school`` is a school code, ``region`` a region code (its whole subtree).
    """

    school: str | None = None
    region: str | None = None
    kind: ClassroomKind | None = None
    status: Lifecycle | None = None
    building: str | None = None
    q: str | None = None


def list_classrooms(
    session: Session,
    actor: Actor,
    flt: ClassroomFilter,
    page: PageRequest,
    today: date | None = None,
) -> PageResult[Classroom]:
    """One page of classrooms matching ``flt``."""
    stmt = sa.select(Classroom).join(Classroom.school).options(contains_eager(Classroom.school))
    if flt.school:
        if session.scalar(sa.select(School.id).where(School.code == flt.school)) is None:
            raise invalid("school", f"no school with code {flt.school!r}")
        stmt = stmt.where(School.code == flt.school)
    if flt.region:
        stmt = stmt.where(School.region_code.in_(region_subtree(session, flt.region)))
    if flt.kind:
        stmt = stmt.where(Classroom.kind == flt.kind)
    if flt.status:
        stmt = stmt.where(
            lifecycle_condition(
                Classroom.commissioned_on,
                Classroom.decommissioned_on,
                flt.status,
                today or date.today(),
            )
        )
    if flt.building:
        stmt = stmt.where(Classroom.building == flt.building)
    if flt.q:
        stmt = stmt.where(
            sa.or_(
                Classroom.room_code.icontains(flt.q, autoescape=True),
                Classroom.building.icontains(flt.q, autoescape=True),
                Classroom.notes.icontains(flt.q, autoescape=True),
            )
        )
    return paginate(session, stmt, page, SORTABLE, "school_code", Classroom.id)


def get_classroom(session: Session, actor: Actor, classroom_id: int) -> Classroom:
    """The classroom with this id, or NotFound."""
    return get_or_404(session, Classroom, classroom_id, "classroom")


def _check(
    session: Session, values: Mapping[str, Any], school_id: int, classroom_id: int | None
) -> None:
    errors: dict[str, list[str]] = {}
    room_code = values.get("room_code")
    if room_code is None or not str(room_code).strip():
        errors["room_code"] = ["is required"]
    for key in ("kind", "display", *(k for k, v in DEFAULTS.items() if isinstance(v, bool))):
        if values.get(key) is None:
            errors.setdefault(key, []).append("must not be null")
    check_interval(
        errors,
        "commissioned_on",
        values.get("commissioned_on"),
        "decommissioned_on",
        values.get("decommissioned_on"),
    )
    raise_if(errors)
    clash = session.scalar(
        sa.select(Classroom.id).where(
            Classroom.school_id == school_id,
            Classroom.room_code == room_code,
            Classroom.id != (classroom_id or -1),
        )
    )
    if clash is not None:
        raise duplicate("room_code", f"this school already has a room {room_code!r}")


def create_classroom(
    session: Session, actor: Actor, school_code: str, data: Mapping[str, Any]
) -> Classroom:
    """Register a classroom of the school with this code; omitted equipment defaults to none."""
    actor.require_write()
    school = school_by_code(session, actor, school_code)
    errors: dict[str, list[str]] = {}
    values = coerce_enums({**DEFAULTS, **data}, ENUMS, errors)
    raise_if(errors)
    _check(session, values, school.id, None)
    return add_object(session, actor, Classroom(school=school, **values))


def update_classroom(
    session: Session, actor: Actor, classroom_id: int, changes: Mapping[str, Any]
) -> Classroom:
    """Correct some fields of a classroom; the others keep their values."""
    actor.require_write()
    classroom = get_classroom(session, actor, classroom_id)
    errors: dict[str, list[str]] = {}
    changes = coerce_enums(changes, ENUMS, errors)
    raise_if(errors)
    _check(session, merged(classroom, changes), classroom.school_id, classroom.id)
    change_object(session, actor, classroom, changes)
    return classroom


def archive_classroom(
    session: Session, actor: Actor, classroom_id: int, on: date | None = None
) -> Classroom:
    """Decommission a classroom as of ``on`` (default today); it stays for past coverage."""
    actor.require_write()
    classroom = get_classroom(session, actor, classroom_id)
    archive_object(session, actor, classroom, "commissioned_on", "decommissioned_on", on)
    return classroom
