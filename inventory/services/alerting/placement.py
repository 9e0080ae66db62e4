"""Where a subscription or a maintenance window applies: a region subtree, one school, or
(for an admin) the whole inventory; looked up, checked against the actor's scope, and the
scoped query and lookup both share."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session

from inventory import scope
from inventory.actor import Actor
from inventory.choices import UserRole
from inventory.errors import NotFound, PermissionDenied
from inventory.models import Base, Region, School
from inventory.services.common import region_subtree, school_id_by_code

Placed = TypeVar("Placed", bound=Base)
Errors = dict[str, list[str]]
OUTSIDE = "is outside your region"


def visible(actor: Actor, model: Any, *, write: bool = False) -> sa.ColumnElement[bool]:
    """SQL condition on a placed model (``region_code``, ``school_id``)."""
    rule = scope.placed_writable if write else scope.placed_visible
    return rule(actor, model.region_code, model.school_id)


def get_placed(
    session: Session, actor: Actor, model: type[Placed], ident: int, what: str, *, write: bool
) -> Placed:
    """The object if the actor may read it (or, with ``write``, change it); otherwise NotFound,
    exactly as if it did not exist. A read-only account is refused first (403)."""
    if write:
        actor.require_write()
    column: Any = model.id  # type: ignore[attr-defined]
    found = session.scalars(
        sa.select(model).where(column == ident, visible(actor, model, write=write))
    ).first()
    if found is None:
        raise NotFound(f"no {what} with id {ident}")
    return found


def school_code_of(session: Session, school_id: int | None) -> str | None:
    """The code of the school a placed object names (None for a region's or everything's)."""
    if school_id is None:
        return None
    return session.scalar(sa.select(School.code).where(School.id == school_id))


def place(
    session: Session,
    actor: Actor,
    region_code: str | None,
    school_code: str | None,
    errors: Errors,
) -> int | None:
    """Check a placement the actor wants to write; return the school's id (or None).

    Naming both is invalid; an unknown region is invalid; a region outside the actor's
    subtree is refused (403, as for registering a school there); a school the actor may not
    change is unknown (422, as out of scope looks everywhere); naming neither (the whole
    inventory) is for admins.
    """
    if region_code is not None and school_code is not None:
        errors["school_code"] = ["give a region or a school, not both"]
        return None
    if school_code is not None:
        school_id = session.scalar(
            sa.select(School.id).where(School.code == school_code, scope.school_writable(actor))
        )
        if school_id is None:
            errors["school_code"] = [f"no school with code {school_code!r}"]
        return school_id
    if region_code is not None:
        if session.get(Region, region_code) is None:
            errors["region_code"] = [f"no region with code {region_code!r}"]
        elif not scope.region_allowed(session, actor, region_code):
            raise PermissionDenied(
                f"region_code {region_code} {OUTSIDE}", {"region_code": [OUTSIDE]}
            )
        return None
    if actor.role is not UserRole.ADMIN:
        message = "name a region or a school: only an admin covers the whole inventory"
        raise PermissionDenied(message, {"region_code": [message]})
    return None


def placement_changes(
    session: Session, actor: Actor, current: Any, changes: Mapping[str, Any], errors: Errors
) -> dict[str, Any]:
    """The column values of a change of placement (``region_code`` and/or ``school_code``),
    checked as a whole against the actor's scope; nothing when neither is changed."""
    if "region_code" not in changes and "school_code" not in changes:
        return {}
    region = changes.get("region_code", current.region_code)
    school = (
        changes["school_code"]
        if "school_code" in changes
        else school_code_of(session, current.school_id)
    )
    if (
        "region_code" in changes
        and changes["region_code"] is not None
        and "school_code" not in changes
    ):
        school = None  # moving to a region leaves the school
    if (
        "school_code" in changes
        and changes["school_code"] is not None
        and "region_code" not in changes
    ):
        region = None
    school_id = place(session, actor, region, school, errors)
    return {"region_code": region, "school_id": school_id}


def subtree_condition(session: Session, model: Any, region_code: str) -> sa.ColumnElement[bool]:
    """A list filter: placed on this region's subtree or on a school in it."""
    codes = region_subtree(session, region_code)
    schools = sa.select(School.id).where(School.region_code.in_(codes))
    return sa.or_(model.region_code.in_(codes), model.school_id.in_(schools))


def school_filter(session: Session, actor: Actor, code: str) -> int:
    """A list filter by school: its id; unknown or out of scope, 422 on ``school``."""
    return school_id_by_code(session, actor, code)


def by_code(session: Session, given: Mapping[str, Any], errors: Errors) -> dict[str, Any]:
    """The values with a school named by code, as the API names it: a caller that passes the
    typed input's ``school_id`` instead gets it translated (an unknown id is an error)."""
    values = dict(given)
    if "school_id" not in values:
        return values
    school_id = values.pop("school_id")
    if "school_code" in values:
        return values
    code = school_code_of(session, school_id)
    if school_id is not None and code is None:
        errors["school_id"] = [f"no school with id {school_id}"]
        return values
    values["school_code"] = code
    return values
