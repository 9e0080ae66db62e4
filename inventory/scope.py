"""Who may see and change what: every scope rule of the inventory, in one place.

An admin (and every system job) sees and changes everything. A region admin sees and changes
the schools of one region's subtree (``Actor.region_code``); school staff the schools they
look after (``Actor.school_ids``); a viewer reads everything, or one region's subtree if it
has a region, and changes nothing. Whatever belongs to a school (classrooms, campus networks,
uplinks, devices, change records) is in scope exactly when its school is.

Services apply these as SQL conditions in every list and lookup, so an object out of scope
looks exactly like one that does not exist (NotFound, never PermissionDenied). Regions,
school types and SNMP credential profiles are reference data every account may read; only
admins change them (the services say so with ``Actor.require_admin``).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from inventory.actor import Actor
from inventory.choices import UserRole
from inventory.errors import PermissionDenied
from inventory.models import ChangeRecord, Region, School

# What school staff may not change about their own school: that is the bureau's decision.
SCHOOL_FIELDS_STAFF_CANNOT_CHANGE = ("code", "region_code", "closed_on")


def _subtree(region_code: str) -> sa.Select[str]:
    """Codes of a region and every region below it (none if the region does not exist)."""
    path = sa.select(Region.path).where(Region.code == region_code).scalar_subquery()
    return sa.select(Region.code).where(Region.path.startswith(path))


def sees_everything(actor: Actor) -> bool:
    """Whether no scope narrows what ``actor`` reads (admins, system jobs, unscoped viewers)."""
    return actor.role is UserRole.ADMIN or (
        actor.role is UserRole.VIEWER and actor.region_code is None
    )


def school_visible(actor: Actor) -> sa.ColumnElement[bool]:
    """SQL condition on ``School``: the actor may read this school and everything in it."""
    if sees_everything(actor):
        return sa.true()
    if actor.role is UserRole.SCHOOL_STAFF:
        return School.id.in_(sorted(actor.school_ids)) if actor.school_ids else sa.false()
    if actor.region_code is None:  # a region admin without a region: nothing
        return sa.false()
    return School.region_code.in_(_subtree(actor.region_code))


def school_writable(actor: Actor) -> sa.ColumnElement[bool]:
    """SQL condition on ``School``: the actor may change this school's data and children."""
    if not actor.can_write:
        return sa.false()
    return school_visible(actor)


def visible_school_ids(actor: Actor) -> sa.Select[int]:
    """The ids of the schools the actor may read, as a subquery."""
    return sa.select(School.id).where(school_visible(actor))


def change_visible(actor: Actor) -> sa.ColumnElement[bool]:
    """SQL condition on ``ChangeRecord``: admins read the whole log; others the changes of the
    schools they may read, and nothing about accounts, tokens, regions or credentials."""
    if actor.role is UserRole.ADMIN:
        return sa.true()
    if sees_everything(actor):
        return ChangeRecord.school_id.is_not(None)
    return ChangeRecord.school_id.in_(visible_school_ids(actor))


def school_allowed(session: Session, actor: Actor, school_id: int, *, write: bool = False) -> bool:
    """Whether the actor may read (or, with ``write``, change) the school with this id."""
    if actor.role is UserRole.ADMIN:
        return True
    condition = school_writable(actor) if write else school_visible(actor)
    found = session.scalar(sa.select(School.id).where(School.id == school_id, condition))
    return found is not None


def region_allowed(session: Session, actor: Actor, region_code: str) -> bool:
    """Whether the actor may place a school in this region (its own subtree, for a region admin)."""
    if actor.role is UserRole.ADMIN:
        return True
    if actor.role is not UserRole.REGION_ADMIN or actor.region_code is None:
        return False
    found = session.scalar(
        sa.select(Region.code).where(
            Region.code == region_code, Region.code.in_(_subtree(actor.region_code))
        )
    )
    return found is not None


def require_school_create(session: Session, actor: Actor, region_code: str | None) -> None:
    """PermissionDenied unless the actor may register a school in ``region_code``."""
    actor.require_write()
    if actor.role is UserRole.SCHOOL_STAFF:
        raise PermissionDenied("school staff cannot register schools")
    if region_code is not None and not region_allowed(session, actor, region_code):
        message = "is outside your region"
        raise PermissionDenied(f"region_code {region_code} {message}", {"region_code": [message]})


def require_school_change(
    session: Session, actor: Actor, school: School, changes: dict[str, object]
) -> None:
    """PermissionDenied if ``changes`` to a school the actor may write go beyond its rights.

    School staff cannot recode, move or close their school; a region admin cannot move a
    school out of its subtree.
    """
    if actor.role is UserRole.SCHOOL_STAFF:
        refused = sorted(
            key
            for key in SCHOOL_FIELDS_STAFF_CANNOT_CHANGE
            if key in changes and changes[key] != getattr(school, key)
        )
        if refused:
            message = "school staff cannot change this"
            raise PermissionDenied(
                f"school staff cannot change {', '.join(refused)}",
                {key: [message] for key in refused},
            )
    region_code = changes.get("region_code")
    if (
        isinstance(region_code, str)
        and region_code != school.region_code
        and not region_allowed(session, actor, region_code)
    ):
        message = "is outside your region"
        raise PermissionDenied(f"region_code {region_code} {message}", {"region_code": [message]})


def require_school_archive(actor: Actor) -> None:
    """PermissionDenied unless the actor may close schools (not school staff)."""
    actor.require_write()
    if actor.role is UserRole.SCHOOL_STAFF:
        raise PermissionDenied("school staff cannot close a school")


def placed_visible(actor: Actor, region_column: Any, school_column: Any) -> sa.ColumnElement[bool]:
    """SQL condition on something placed on a region subtree or on one school (an alert
    subscription, a maintenance window): readable exactly when the school is, or when the
    region lies inside the actor's own subtree. School staff see only their schools' own; a
    county-wide one is above them."""
    if sees_everything(actor):
        return sa.true()
    at_school = school_column.in_(visible_school_ids(actor))
    if actor.role is UserRole.SCHOOL_STAFF or actor.region_code is None:
        return sa.and_(school_column.is_not(None), at_school)
    return sa.or_(region_column.in_(_subtree(actor.region_code)), at_school)


def placed_writable(actor: Actor, region_column: Any, school_column: Any) -> sa.ColumnElement[bool]:
    """SQL condition: the actor may change something placed on a region or a school."""
    if not actor.can_write:
        return sa.false()
    return placed_visible(actor, region_column, school_column)
