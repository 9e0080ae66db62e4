"""A school's uplinks: register, correct, archive (decommission), list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from inventory import scope
from inventory.actor import Actor
from inventory.choices import Carrier, Lifecycle, LinkKind, LinkMedium
from inventory.errors import duplicate
from inventory.models import Device, NetworkLink, School
from inventory.models.network import LINK_FIELDS, LinkValues
from inventory.models.polling import DeviceState, InterfaceState
from inventory.services import children
from inventory.services.common import (
    PageRequest,
    PageResult,
    raise_if,
    sortable,
    where_status,
)
from inventory.services.entity import EntityService, school_code
from inventory.services.polling.rules import match_interface


@dataclass(frozen=True)
class LinkFilter(children.SchoolChildFilter):
    """What a link list may be narrowed by; every field is optional.

    ``status`` is derived from the commissioning dates as of today; ``monitored`` means the link
    names the device interface that carries it.
    """

    kind: LinkKind | None = None
    carrier: Carrier | None = None
    medium: LinkMedium | None = None
    status: Lifecycle | None = None
    monitored: bool | None = None


SORTABLE = sortable(
    NetworkLink,
    "kind carrier medium down_mbps up_mbps circuit_id commissioned_on decommissioned_on updated_at",
    school_code=School.code,
)


def list_links(
    session: Session,
    actor: Actor,
    flt: LinkFilter,
    page: PageRequest,
    today: date | None = None,
) -> PageResult[NetworkLink]:
    """One page of links matching ``flt``."""
    stmt = children.select_children(session, actor, LINK, flt)
    stmt = children.where_equal(
        stmt,
        (NetworkLink.kind, flt.kind),
        (NetworkLink.carrier, flt.carrier),
        (NetworkLink.medium, flt.medium),
    )
    stmt = where_status(
        stmt, NetworkLink.commissioned_on, NetworkLink.decommissioned_on, flt.status, today
    )
    if flt.monitored is True:
        stmt = stmt.where(NetworkLink.device_id.is_not(None))
    elif flt.monitored is False:
        stmt = stmt.where(NetworkLink.device_id.is_(None))
    return children.page_of(session, LINK, stmt, page)


def get_link(session: Session, actor: Actor, link_id: int) -> NetworkLink:
    """The link with this id, or NotFound."""
    return children.get_child(session, actor, LINK, link_id)


def _check(
    session: Session,
    actor: Actor,
    values: LinkValues,
    errors: children.Errors,
    school_id: int,
    link_id: int | None,
) -> None:
    children.check_required(LINK_FIELDS, values, errors)
    children.check_ranges(LINK_FIELDS, values, errors, ("down_mbps", "up_mbps"))
    internet = values.get("kind") is LinkKind.INTERNET
    if internet and "carrier" not in errors and values.get("carrier") is None:
        errors["carrier"] = ["is required for an internet link"]
    children.check_service_dates(values, errors)
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
        elif interface is not None:
            _check_interface(session, device, interface, errors)
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


def _check_interface(
    session: Session, device: Device, interface: str, errors: children.Errors
) -> None:
    """Once the device's interfaces were discovered, the uplink must name one of them (as
    polling matches it: ifName, ifDescr or ifAlias). Before discovery any name is taken; the
    verdict then says whether polling found it."""
    state = session.get(DeviceState, device.id)
    if state is None or state.discovered_at is None:
        return
    found = session.scalars(
        sa.select(InterfaceState)
        .where(InterfaceState.device_id == device.id)
        .order_by(InterfaceState.if_index)
    ).all()
    if not found or match_interface(found, interface) is not None:
        return
    names = [name for name in (i.name or i.descr for i in found) if name]
    shown = ", ".join(names[:KNOWN_SHOWN]) + (", …" if len(names) > KNOWN_SHOWN else "")
    errors.setdefault("interface_name", []).append(
        f"device {device.name} has no interface {interface}; its interfaces: {shown}"
    )


# How many known interface names an error lists (a chassis has hundreds).
KNOWN_SHOWN = 64


LINK = children.Child(
    NetworkLink, "network link", LINK_FIELDS, _check, SORTABLE, expire={"device_id": "device"}
)


def create_link(session: Session, actor: Actor, school_code: str, data: LinkValues) -> NetworkLink:
    """Register an uplink of a school."""
    return children.create_child(session, actor, LINK, school_code, data)


def update_link(session: Session, actor: Actor, link_id: int, changes: LinkValues) -> NetworkLink:
    """Correct some fields of a link; the others keep their values."""
    return children.update_child(session, actor, LINK, link_id, changes)


def archive_link(
    session: Session, actor: Actor, link_id: int, on: date | None = None
) -> NetworkLink:
    """Decommission a link as of ``on`` (default today); it stays for past coverage."""
    return children.archive_child(session, actor, LINK, link_id, on)


# The web layer's handle on uplinks (api/entities.py); the parent is the school's code.
SERVICE: EntityService[NetworkLink, LinkFilter, int] = EntityService(
    list_page=list_links,
    get=get_link,
    add=lambda session, actor, school, data: create_link(session, actor, school_code(school), data),
    change=update_link,
    retire=archive_link,
)
