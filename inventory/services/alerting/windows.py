"""Maintenance windows: planned quiet times of a region subtree or a school, one-off or
weekly, seen and changed within the actor's scope (as subscriptions are)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from inventory.actor import Actor
from inventory.models import MaintenanceWindow
from inventory.models.alerts import MAINTENANCE_FIELDS, MaintenanceValues
from inventory.services.alerting import placement
from inventory.services.children import check_required
from inventory.services.common import (
    PageRequest,
    PageResult,
    add_object,
    change_object,
    delete_object,
    paginate,
    raise_if,
    sortable,
)
from inventory.services.entity import EntityService

SORTABLE = sortable(MaintenanceWindow, "name starts_at ends_at region_code updated_at")
PLAIN = ("name", "region_code", "starts_at", "ends_at", "weekly", "until", "notes")
MOMENTS = ("starts_at", "ends_at", "until")


@dataclass(frozen=True)
class WindowFilter:
    """What the window list may be narrowed by: placement, and in force at a moment."""

    region: str | None = None
    school: str | None = None
    active_at: datetime | None = None  # one-off windows around it, and every weekly one


def list_windows(
    session: Session, actor: Actor, flt: WindowFilter, page: PageRequest
) -> PageResult[MaintenanceWindow]:
    """One page of the windows the actor may see."""
    stmt = sa.select(MaintenanceWindow).where(placement.visible(actor, MaintenanceWindow))
    if flt.region is not None:
        stmt = stmt.where(placement.subtree_condition(session, MaintenanceWindow, flt.region))
    if flt.school is not None:
        school_id = placement.school_filter(session, actor, flt.school)
        stmt = stmt.where(MaintenanceWindow.school_id == school_id)
    if flt.active_at is not None:
        at = flt.active_at
        stmt = stmt.where(
            MaintenanceWindow.starts_at <= at,
            sa.or_(
                MaintenanceWindow.ends_at > at,
                sa.and_(
                    MaintenanceWindow.weekly,
                    sa.or_(MaintenanceWindow.until.is_(None), MaintenanceWindow.until > at),
                ),
            ),
        )
    return paginate(session, stmt, page, SORTABLE, "-starts_at", MaintenanceWindow.id)


def get_window(session: Session, actor: Actor, window_id: int) -> MaintenanceWindow:
    """A window the actor may see, or NotFound."""
    return placement.get_placed(
        session, actor, MaintenanceWindow, window_id, "maintenance window", write=False
    )


def _columns(
    session: Session, actor: Actor, current: MaintenanceWindow | None, data: Mapping[str, Any]
) -> dict[str, Any]:
    errors: placement.Errors = {}
    given = placement.by_code(session, data, errors)
    if current is None:
        given = {**MAINTENANCE_FIELDS.defaults, **given}
    columns = {key: given[key] for key in PLAIN if key in given}

    def value(key: str) -> Any:
        return given[key] if key in given else getattr(current, key, None)

    check_required(MAINTENANCE_FIELDS, {k: value(k) for k in MAINTENANCE_FIELDS}, errors)
    for key in MOMENTS:
        moment = given.get(key)
        if isinstance(moment, datetime) and moment.tzinfo is None:
            errors[key] = ["must name its time zone"]
        elif isinstance(moment, datetime):
            # Stored in UTC: SQLite keeps no offset, so 22:00+08:00 would come back as 22:00Z.
            columns[key] = moment.astimezone(UTC)
    if not errors:
        starts, ends, until = value("starts_at"), value("ends_at"), value("until")
        if ends <= starts:
            errors["ends_at"] = ["must be after starts_at"]
        if until is not None and not value("weekly"):
            errors["until"] = ["applies to a weekly window only"]
        elif until is not None and until < ends:
            errors["until"] = ["must not be before ends_at"]
    if current is None:
        columns["school_id"] = placement.place(
            session, actor, given.get("region_code"), given.get("school_code"), errors
        )
    else:
        columns.update(placement.placement_changes(session, actor, current, given, errors))
    raise_if(errors)
    return columns


def create_window(
    session: Session, actor: Actor, data: MaintenanceValues | Mapping[str, Any]
) -> MaintenanceWindow:
    """Plan a quiet time for a region subtree or a school (``school_code``) in the actor's
    scope; alerts inside it are recorded as planned and nobody is told."""
    actor.require_write()
    return add_object(session, actor, MaintenanceWindow(**_columns(session, actor, None, data)))


def update_window(
    session: Session,
    actor: Actor,
    window_id: int,
    changes: MaintenanceValues | Mapping[str, Any],
) -> MaintenanceWindow:
    """Change some fields of a window in the actor's scope (staying in it)."""
    window = placement.get_placed(
        session, actor, MaintenanceWindow, window_id, "maintenance window", write=True
    )
    change_object(session, actor, window, _columns(session, actor, window, changes))
    return window


def delete_window(session: Session, actor: Actor, window_id: int, _on: date | None = None) -> None:
    """Delete a window in the actor's scope (alerts it marked as planned stay so)."""
    window = placement.get_placed(
        session, actor, MaintenanceWindow, window_id, "maintenance window", write=True
    )
    delete_object(session, actor, window)


SERVICE: EntityService[MaintenanceWindow, WindowFilter, int] = EntityService(
    list_page=list_windows,
    get=get_window,
    add=lambda session, actor, _parent, data: create_window(session, actor, data),
    change=update_window,
    retire=delete_window,
)
