"""Schools: register, correct, archive, list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from inventory import scope
from inventory.actor import Actor
from inventory.choices import Lifecycle, RegionLevel, Stage
from inventory.errors import duplicate
from inventory.models import Region, School, SchoolType
from inventory.models.schools import SchoolValues
from inventory.services.common import (
    PageRequest,
    PageResult,
    add_object,
    archive_object,
    change_object,
    check_interval,
    merged,
    paginate,
    raise_if,
    region_subtree,
    school_by_code,
    sortable,
    where_status,
)
from inventory.services.entity import EntityService

SORTABLE = sortable(School, "code name region_code type_code students opened_on updated_at")


@dataclass(frozen=True)
class SchoolFilter:
    """What a school list may be narrowed by; every field is optional."""

    region: str | None = None
    types: tuple[str, ...] = ()
    stage: Stage | None = None
    status: Lifecycle | None = None
    q: str | None = None


def list_schools(
    session: Session,
    actor: Actor,
    flt: SchoolFilter,
    page: PageRequest,
    today: date | None = None,
) -> PageResult[School]:
    """One page of schools matching ``flt``."""
    stmt = sa.select(School).where(scope.school_visible(actor))
    if flt.region:
        stmt = stmt.where(School.region_code.in_(region_subtree(session, flt.region)))
    if flt.types:
        stmt = stmt.where(School.type_code.in_(flt.types))
    if flt.stage:
        stmt = stmt.where(
            School.type_code.in_(sa.select(SchoolType.code).where(SchoolType.stage == flt.stage))
        )
    stmt = where_status(stmt, School.opened_on, School.closed_on, flt.status, today)
    if flt.q:
        stmt = stmt.where(
            sa.or_(
                School.name.icontains(flt.q, autoescape=True),
                School.code.contains(flt.q, autoescape=True),
            )
        )
    return paginate(session, stmt, page, SORTABLE, "code", School.id)


def get_school(session: Session, actor: Actor, code: str) -> School:
    """The school with this code, or NotFound."""
    return school_by_code(session, actor, code)


def _check(session: Session, values: SchoolValues, school_id: int | None) -> None:
    errors: dict[str, list[str]] = {}
    type_code = values.get("type_code")
    if type_code is not None and session.get(SchoolType, type_code) is None:
        allowed = session.scalars(sa.select(SchoolType.code).order_by(SchoolType.code))
        errors["type_code"] = [f"unknown school type {type_code!r}; allowed: {', '.join(allowed)}"]
    region_code = values.get("region_code")
    if region_code is not None:
        region = session.get(Region, region_code)
        if region is None:
            errors["region_code"] = [f"no region with code {region_code!r}"]
        elif region.level is not RegionLevel.COUNTY:
            errors["region_code"] = [
                f"{region_code} is a {region.level.value}; a school belongs to a county"
            ]
    check_interval(
        errors, "opened_on", values.get("opened_on"), "closed_on", values.get("closed_on")
    )
    raise_if(errors)
    code = values.get("code")
    clash = session.scalar(
        sa.select(School.id).where(School.code == code, School.id != (school_id or -1))
    )
    if clash is not None:
        raise duplicate("code", f"a school with code {code} already exists")


def create_school(session: Session, actor: Actor, data: SchoolValues) -> School:
    """Register a new school (a region admin: only inside its region; school staff: never)."""
    scope.require_school_create(session, actor, data.get("region_code"))
    _check(session, data, None)
    return add_object(session, actor, School(**data))


def update_school(session: Session, actor: Actor, code: str, changes: SchoolValues) -> School:
    """Correct some fields of a school (see ``scope.require_school_change`` for who may what)."""
    actor.require_write()
    school = school_by_code(session, actor, code, write=True)
    scope.require_school_change(session, actor, school, dict(changes))
    _check(session, merged(school, changes), school.id)
    change_object(session, actor, school, changes)
    return school


def archive_school(
    session: Session, actor: Actor, code: str, closed_on: date | None = None
) -> School:
    """Close a school as of ``closed_on`` (default today); its history stays for past coverage."""
    scope.require_school_archive(actor)
    school = school_by_code(session, actor, code, write=True)
    archive_object(session, actor, school, "opened_on", "closed_on", closed_on)
    return school


# The web layer's handle on schools (api/entities.py); a school has no parent.
SERVICE: EntityService[School, SchoolFilter, str] = EntityService(
    list_page=list_schools,
    get=get_school,
    add=lambda session, actor, _parent, data: create_school(session, actor, data),
    change=update_school,
    retire=archive_school,
)
