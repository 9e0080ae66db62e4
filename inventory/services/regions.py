"""Regions (the administrative tree) and school types (read-only reference data)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from inventory.actor import Actor
from inventory.choices import RegionLevel
from inventory.errors import Conflict, NotFound, duplicate, invalid
from inventory.models import Region, School, SchoolType, User
from inventory.models.regions import RegionValues
from inventory.services.common import (
    M,
    PageRequest,
    PageResult,
    add_object,
    change_object,
    delete_object,
    paginate,
    region_subtree,
    sortable,
)
from inventory.services.entity import EntityService

SORTABLE = sortable(Region, "code name_zh name_en level")

PARENT_LEVEL = {
    RegionLevel.PREFECTURE: RegionLevel.PROVINCE,
    RegionLevel.COUNTY: RegionLevel.PREFECTURE,
}


def list_regions(
    session: Session,
    actor: Actor,
    page: PageRequest,
    *,
    within: str | None = None,
    level: RegionLevel | None = None,
    parent: str | None = None,
) -> PageResult[Region]:
    """One page of regions, optionally only a subtree, a level, or the children of one region."""
    stmt = sa.select(Region)
    if within:
        stmt = stmt.where(Region.code.in_(region_subtree(session, within)))
    if level:
        stmt = stmt.where(Region.level == level)
    if parent:
        stmt = stmt.where(Region.parent_code == parent)
    return paginate(session, stmt, page, SORTABLE, "code", Region.code)


def _by_code(session: Session, model: type[M], code: str, what: str) -> M:
    found = session.get(model, code)
    if found is None:
        raise NotFound(f"no {what} with code {code!r}")
    return found


def get_region(session: Session, actor: Actor, code: str) -> Region:
    """The region with this code, or NotFound."""
    return _by_code(session, Region, code, "region")


def create_region(session: Session, actor: Actor, data: RegionValues) -> Region:
    """Add a region under an existing parent of the level above (a province has no parent)."""
    actor.require_admin()
    code = data["code"]
    if session.get(Region, code) is not None:
        raise duplicate("code", f"a region with code {code} already exists")
    level = RegionLevel(data["level"])
    parent_code = data.get("parent_code")
    if level is RegionLevel.PROVINCE:
        if parent_code is not None:
            raise invalid("parent_code", "a province has no parent region")
        path = f"/{code}/"
    else:
        parent = session.get(Region, parent_code) if parent_code else None
        if parent is None:
            raise invalid("parent_code", f"a {level.value} needs an existing parent region")
        if parent.level is not PARENT_LEVEL[level]:
            raise invalid(
                "parent_code",
                f"the parent of a {level.value} must be a {PARENT_LEVEL[level].value}, "
                f"not a {parent.level.value}",
            )
        path = f"{parent.path}{code}/"
    return add_object(session, actor, Region(**{**data, "level": level}, path=path))


def update_region(session: Session, actor: Actor, code: str, changes: RegionValues) -> Region:
    """Rename a region or move its seat; code, level and parent are fixed once created."""
    actor.require_admin()
    region = get_region(session, actor, code)
    change_object(session, actor, region, changes)
    return region


def delete_region(session: Session, actor: Actor, code: str) -> None:
    """Remove a region that nothing refers to yet (a typo); otherwise Conflict."""
    actor.require_admin()
    region = get_region(session, actor, code)
    in_use = [
        what
        for what, stmt in (
            ("regions", sa.select(Region.code).where(Region.parent_code == code)),
            ("schools", sa.select(School.id).where(School.region_code == code)),
            ("users", sa.select(User.id).where(User.region_code == code)),
        )
        if session.scalar(stmt.limit(1)) is not None
    ]
    if in_use:
        raise Conflict(
            f"region {code} still has {' and '.join(in_use)}; it cannot be deleted",
            {"code": [f"referred to by {', '.join(in_use)}"]},
        )
    delete_object(session, actor, region)


def list_school_types(session: Session, actor: Actor) -> list[SchoolType]:
    """Every school type, by code."""
    return list(session.scalars(sa.select(SchoolType).order_by(SchoolType.code)))


def get_school_type(session: Session, actor: Actor, code: str) -> SchoolType:
    """The school type with this code, or NotFound."""
    return _by_code(session, SchoolType, code, "school type")


# The web layer's handle on regions (api/entities.py); their list filter is the keyword
# arguments of list_regions, and a region is deleted, never archived.


SERVICE: EntityService[Region, Mapping[str, Any], str] = EntityService(
    list_page=lambda session, actor, flt, page: list_regions(session, actor, page, **flt),
    get=get_region,
    add=lambda session, actor, _parent, data: create_region(session, actor, data),
    change=update_region,
    retire=lambda session, actor, code, _on: delete_region(session, actor, code),
)
