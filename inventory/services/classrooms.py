"""Classrooms: register, correct, decommission (archive), list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.orm import Session

from inventory.actor import Actor
from inventory.choices import ClassroomKind, Lifecycle
from inventory.errors import Conflict, NotFound, duplicate
from inventory.models import Classroom, School
from inventory.models.schools import CLASSROOM_FIELDS, ClassroomValues
from inventory.services import children
from inventory.services.common import (
    BulkInserts,
    PageRequest,
    PageResult,
    raise_if,
    school_by_code,
    sortable,
    where_status,
)
from inventory.services.entity import EntityService, school_code


@dataclass(frozen=True)
class ClassroomFilter(children.SchoolChildFilter):
    """What a classroom list may be narrowed by; every field is optional."""

    kind: ClassroomKind | None = None
    status: Lifecycle | None = None
    building: str | None = None
    q: str | None = None


SORTABLE = sortable(
    Classroom,
    "room_code building floor kind display commissioned_on decommissioned_on updated_at",
    school_code=School.code,
)


def list_classrooms(
    session: Session,
    actor: Actor,
    flt: ClassroomFilter,
    page: PageRequest,
    today: date | None = None,
) -> PageResult[Classroom]:
    """One page of classrooms matching ``flt``."""
    stmt = children.select_children(session, actor, CLASSROOM, flt)
    stmt = children.where_equal(
        stmt, (Classroom.kind, flt.kind), (Classroom.building, flt.building)
    )
    stmt = where_status(
        stmt, Classroom.commissioned_on, Classroom.decommissioned_on, flt.status, today
    )
    if flt.q:
        stmt = stmt.where(
            sa.or_(
                Classroom.room_code.icontains(flt.q, autoescape=True),
                Classroom.building.icontains(flt.q, autoescape=True),
                Classroom.notes.icontains(flt.q, autoescape=True),
            )
        )
    return children.page_of(session, CLASSROOM, stmt, page)


def get_classroom(session: Session, actor: Actor, classroom_id: int) -> Classroom:
    """The classroom with this id, or NotFound."""
    return children.get_child(session, actor, CLASSROOM, classroom_id)


def _rule_errors(values: ClassroomValues) -> children.Errors:
    """Every rule a classroom's values must meet by themselves (uniqueness aside)."""
    errors: children.Errors = {}
    children.check_required(
        CLASSROOM_FIELDS, values, errors, defaulted="must not be null", blank=True
    )
    children.check_service_dates(values, errors)
    return errors


def _room_taken(room_code: str) -> Conflict:
    return duplicate("room_code", f"this school already has a room {room_code!r}")


def _check(
    session: Session,
    actor: Actor,
    values: ClassroomValues,
    errors: children.Errors,
    school_id: int,
    classroom_id: int | None,
) -> None:
    raise_if(errors)
    raise_if(_rule_errors(values))
    room_code = values.get("room_code")
    clash = session.scalar(
        sa.select(Classroom.id).where(
            Classroom.school_id == school_id,
            Classroom.room_code == room_code,
            Classroom.id != (classroom_id or -1),
        )
    )
    if clash is not None:
        raise _room_taken(str(room_code))


CLASSROOM = children.Child(Classroom, "classroom", CLASSROOM_FIELDS, _check, SORTABLE)


def create_classroom(
    session: Session, actor: Actor, school_code: str, data: ClassroomValues
) -> Classroom:
    """Register a classroom of the school with this code; omitted equipment defaults to none."""
    return children.create_child(session, actor, CLASSROOM, school_code, data)


def update_classroom(
    session: Session, actor: Actor, classroom_id: int, changes: ClassroomValues
) -> Classroom:
    """Correct some fields of a classroom; the others keep their values."""
    return children.update_child(session, actor, CLASSROOM, classroom_id, changes)


def archive_classroom(
    session: Session, actor: Actor, classroom_id: int, on: date | None = None
) -> Classroom:
    """Decommission a classroom as of ``on`` (default today); it stays for past coverage."""
    return children.archive_child(session, actor, CLASSROOM, classroom_id, on)


class ClassroomImport:
    """Many classrooms created and corrected in one transaction (a spreadsheet import).

    The rules are those of ``create_classroom`` and ``update_classroom``, and so is the change
    log; what differs is only how often the database is asked: each school is looked up once,
    the rooms of each school are fetched once (for the natural-key lookup and the
    one-room-code-per-school rule), and new and corrected classrooms are written in chunks
    (``BulkInserts``). Call ``flush()`` at the end; the caller commits.
    """

    def __init__(self, session: Session, actor: Actor, chunk_size: int = 1000) -> None:
        actor.require_write()
        self.session = session
        self.actor = actor
        self.inserts = BulkInserts(
            session, actor, Classroom, ("school_id", "room_code"), chunk_size
        )
        self._schools: dict[str, School | None] = {}
        self._stored: dict[int, dict[str, sa.Row[Any]]] = {}
        self._taken: dict[int, set[str]] = {}

    def school(self, code: str) -> School:
        """The school with this code that the actor may change (looked up once), or NotFound."""
        if code not in self._schools:
            try:
                self._schools[code] = school_by_code(self.session, self.actor, code, write=True)
            except NotFound:
                self._schools[code] = None
        school = self._schools[code]
        if school is None:
            raise NotFound(f"no school with code {code!r}")
        return school

    def _rooms(self, school_id: int) -> dict[str, sa.Row[Any]]:
        rooms = self._stored.get(school_id)
        if rooms is None:
            rows = self.session.execute(
                sa.select(Classroom.__table__).where(Classroom.school_id == school_id)
            )
            rooms = {row.room_code: row for row in rows}
            self._stored[school_id] = rooms
            self._taken[school_id] = set(rooms)
        return rooms

    def find(self, school_code: str, room_code: str) -> sa.Row[Any] | None:
        """The stored classroom (its columns, read-only) of this school and room code, as it
        was before this import; NotFound for an unknown school."""
        return self._rooms(self.school(school_code).id).get(room_code)

    def create(self, school_code: str, data: ClassroomValues) -> None:
        """``create_classroom``, inserted with the next chunk."""
        school = self.school(school_code)
        errors: children.Errors = {}
        values = CLASSROOM.prepare_new(data, errors)
        raise_if(errors)
        raise_if(_rule_errors(values))
        self._rooms(school.id)
        taken = self._taken[school.id]
        room_code = values["room_code"]
        if room_code in taken:
            raise _room_taken(room_code)
        self.inserts.add({**values, "school_id": school.id})
        taken.add(room_code)

    def update(self, stored: sa.Row[Any], changes: ClassroomValues) -> None:
        """``update_classroom`` of a classroom ``find`` returned (so in the actor's scope), with
        the room-code rule checked against the import's view; written with the next chunk."""
        errors: children.Errors = {}
        changes = CLASSROOM.prepare(changes, errors)
        raise_if(errors)
        row = dict(stored._mapping)
        values = cast(ClassroomValues, {**row, **changes})
        raise_if(_rule_errors(values))
        taken = self._taken[row["school_id"]]
        room_code = values["room_code"]
        if room_code != row["room_code"]:
            if room_code in taken:
                raise _room_taken(room_code)
            taken.discard(row["room_code"])
            taken.add(room_code)
        self.inserts.change(row, changes)

    def flush(self) -> None:
        """Write what is still pending, with its change records."""
        self.inserts.flush()


# The web layer's handle on classrooms (api/entities.py); the parent is the school's code.
SERVICE: EntityService[Classroom, ClassroomFilter, int] = EntityService(
    list_page=list_classrooms,
    get=get_classroom,
    add=lambda session, actor, school, data: create_classroom(
        session, actor, school_code(school), data
    ),
    change=update_classroom,
    retire=archive_classroom,
)
