"""A school's uplinks: register, correct, archive (decommission), list."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from inventory import localday, scope
from inventory.actor import Actor
from inventory.choices import Carrier, Lifecycle, LinkKind, LinkMedium
from inventory.errors import duplicate
from inventory.fieldspec import message
from inventory.models import Device, NetworkLink, School
from inventory.models.network import LINK_FIELDS
from inventory.services.common import (
    PageRequest,
    PageResult,
    SqlColumn,
    add_object,
    archive_object,
    change_object,
    check_interval,
    coerce_enums,
    get_in_scope,
    lifecycle_condition,
    merged,
    paginate,
    raise_if,
    school_by_code,
    school_children,
)

SORTABLE: dict[str, SqlColumn] = {
    "school_code": School.code,
    "kind": NetworkLink.kind,
    "carrier": NetworkLink.carrier,
    "medium": NetworkLink.medium,
    "down_mbps": NetworkLink.down_mbps,
    "up_mbps": NetworkLink.up_mbps,
    "circuit_id": NetworkLink.circuit_id,
    "commissioned_on": NetworkLink.commissioned_on,
    "decommissioned_on": NetworkLink.decommissioned_on,
    "updated_at": NetworkLink.updated_at,
}

ENUMS: dict[str, type[StrEnum]] = {"kind": LinkKind, "carrier": Carrier, "medium": LinkMedium}
REQUIRED = LINK_FIELDS.required


@dataclass(frozen=True)
class LinkFilter:
    """What a link list may be narrowed by; every field is optional.

    ``status`` is derived from the commissioning dates as of today; ``monitored`` means the link
    names the device interface that carries it.
    """

    school: str | None = None
    region: str | None = None
    kind: LinkKind | None = None
    carrier: Carrier | None = None
    medium: LinkMedium | None = None
    status: Lifecycle | None = None
    monitored: bool | None = None


def list_links(
    session: Session,
    actor: Actor,
    flt: LinkFilter,
    page: PageRequest,
    today: date | None = None,
) -> PageResult[NetworkLink]:
    """One page of links matching ``flt``."""
    stmt = school_children(session, actor, NetworkLink, flt.school, flt.region)
    for column, value in (
        (NetworkLink.kind, flt.kind),
        (NetworkLink.carrier, flt.carrier),
        (NetworkLink.medium, flt.medium),
    ):
        if value is not None:
            stmt = stmt.where(column == value)
    if flt.status:
        stmt = stmt.where(
            lifecycle_condition(
                NetworkLink.commissioned_on,
                NetworkLink.decommissioned_on,
                flt.status,
                today or localday.today(),
            )
        )
    if flt.monitored is True:
        stmt = stmt.where(NetworkLink.device_id.is_not(None))
    elif flt.monitored is False:
        stmt = stmt.where(NetworkLink.device_id.is_(None))
    return paginate(session, stmt, page, SORTABLE, "school_code", NetworkLink.id)


def get_link(session: Session, actor: Actor, link_id: int) -> NetworkLink:
    """The link with this id, or NotFound."""
    return get_in_scope(session, actor, NetworkLink, link_id, "network link")


def _check(
    session: Session,
    actor: Actor,
    values: Mapping[str, Any],
    errors: dict[str, list[str]],
    school_id: int,
    link_id: int | None,
) -> None:
    for key in REQUIRED:
        if key not in errors and values.get(key) is None:
            errors[key] = ["is required"]
    for key in ("down_mbps", "up_mbps"):
        mbps, rule = values.get(key), LINK_FIELDS.rule(key)
        if key not in errors and mbps is not None and not rule.low <= mbps <= rule.high:
            errors[key] = [message("service_range", low=rule.low, high=rule.high, unit=rule.unit)]
    internet = values.get("kind") is LinkKind.INTERNET
    if internet and "carrier" not in errors and values.get("carrier") is None:
        errors["carrier"] = ["is required for an internet link"]
    check_interval(
        errors,
        "commissioned_on",
        values.get("commissioned_on"),
        "decommissioned_on",
        values.get("decommissioned_on"),
    )
    device_id = values.get("device_id")
    interface = values.get("interface_name")
    if device_id is not None:
        device = session.get(Device, device_id)
        if device is None or not scope.school_allowed(session, actor, device.school_id):
            errors["device_id"] = [f"no device with id {device_id}"]
        elif device.school_id != school_id:
            errors["device_id"] = [
                f"device {device.name!r} belongs to another school ({device.school.code})"
            ]
        if interface is None:
            errors.setdefault("interface_name", []).append(
                "is required when device_id is set: name the interface that carries the link"
            )
    elif interface is not None:
        errors.setdefault("device_id", []).append(
            "is required when interface_name is set: name the device that has the interface"
        )
    raise_if(errors)
    circuit_id = values.get("circuit_id")
    if circuit_id is not None:
        clash = session.execute(
            sa.select(NetworkLink.id, NetworkLink.school_id).where(
                NetworkLink.circuit_id == circuit_id, NetworkLink.id != (link_id or -1)
            )
        ).first()
        if clash is not None:
            # Name the other link only to someone who may see it.
            visible = scope.school_allowed(session, actor, clash.school_id)
            owner = f"link {clash.id}" if visible else "another link"
            raise duplicate("circuit_id", f"{owner} already has the circuit id {circuit_id!r}")


def create_link(
    session: Session, actor: Actor, school_code: str, data: Mapping[str, Any]
) -> NetworkLink:
    """Register an uplink of a school."""
    actor.require_write()
    school = school_by_code(session, actor, school_code, write=True)
    errors: dict[str, list[str]] = {}
    values = coerce_enums(data, ENUMS, errors)
    _check(session, actor, values, errors, school.id, None)
    return add_object(session, actor, NetworkLink(school=school, **values))


def update_link(
    session: Session, actor: Actor, link_id: int, changes: Mapping[str, Any]
) -> NetworkLink:
    """Correct some fields of a link; the others keep their values."""
    actor.require_write()
    link = get_in_scope(session, actor, NetworkLink, link_id, "network link", write=True)
    errors: dict[str, list[str]] = {}
    changes = coerce_enums(changes, ENUMS, errors)
    _check(session, actor, merged(link, changes), errors, link.school_id, link.id)
    change_object(session, actor, link, changes)
    if "device_id" in changes:
        session.expire(link, ["device"])
    return link


def archive_link(
    session: Session, actor: Actor, link_id: int, on: date | None = None
) -> NetworkLink:
    """Decommission a link as of ``on`` (default today); it stays for past coverage."""
    actor.require_write()
    link = get_in_scope(session, actor, NetworkLink, link_id, "network link", write=True)
    archive_object(session, actor, link, "commissioned_on", "decommissioned_on", on)
    return link


# The web layer's handle on uplinks (api/entities.py); the parent is the school's code.
from inventory.services.entity import EntityService, school_code  # noqa: E402

SERVICE: EntityService[NetworkLink, LinkFilter, int] = EntityService(
    list_page=list_links,
    get=get_link,
    add=lambda session, actor, school, data: create_link(session, actor, school_code(school), data),
    change=update_link,
    retire=archive_link,
)
