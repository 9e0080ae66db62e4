"""Managed network devices of schools: register, correct, delete, list."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from inventory import scope
from inventory.actor import Actor
from inventory.choices import DeviceRole, DeviceStatus
from inventory.errors import duplicate
from inventory.fieldspec import message
from inventory.models import Device, NetworkLink, School, SnmpCredential
from inventory.models.network import DEVICE_FIELDS, DeviceValues
from inventory.services import children
from inventory.services.common import (
    PageRequest,
    PageResult,
    change_object,
    delete_object,
    get_in_scope,
    raise_if,
    sortable,
)
from inventory.services.entity import EntityService, school_code


@dataclass(frozen=True)
class DeviceFilter(children.SchoolChildFilter):
    """What a device list may be narrowed by; every field is optional.

    ``q`` matches part of the name or of the management address.
    """

    role: DeviceRole | None = None
    status: DeviceStatus | None = None
    polling_enabled: bool | None = None
    credential_id: int | None = None
    q: str | None = None


SORTABLE = sortable(
    Device, "name mgmt_address role status vendor model updated_at", school_code=School.code
)


def list_devices(
    session: Session, actor: Actor, flt: DeviceFilter, page: PageRequest
) -> PageResult[Device]:
    """One page of devices matching ``flt``."""
    stmt = children.select_children(session, actor, DEVICE, flt)
    stmt = children.where_equal(
        stmt,
        (Device.role, flt.role),
        (Device.status, flt.status),
        (Device.credential_id, flt.credential_id),
    )
    if flt.polling_enabled is not None:
        stmt = stmt.where(Device.polling_enabled.is_(flt.polling_enabled))
    if flt.q:
        stmt = stmt.where(
            sa.or_(
                Device.name.icontains(flt.q, autoescape=True),
                Device.mgmt_address.contains(flt.q.lower(), autoescape=True),
            )
        )
    return children.page_of(session, DEVICE, stmt, page)


def get_device(session: Session, actor: Actor, device_id: int) -> Device:
    """The device with this id, or NotFound."""
    return children.get_child(session, actor, DEVICE, device_id)


def _canonical_address(values: DeviceValues, errors: children.Errors) -> DeviceValues:
    """``values`` with the address in canonical form; errors collected."""
    address = values.get("mgmt_address")
    if address is not None:
        try:
            values["mgmt_address"] = str(ipaddress.ip_address(str(address).strip()))
        except ValueError:
            errors["mgmt_address"] = [message("address")]
    return values


def _check(
    session: Session,
    actor: Actor,
    values: DeviceValues,
    errors: children.Errors,
    school_id: int,
    device_id: int | None,
) -> None:
    children.check_required(DEVICE_FIELDS, values, errors)
    children.check_ranges(DEVICE_FIELDS, values, errors, ("snmp_port", "poll_interval_s"))
    oid, oid_rule = values.get("sys_object_id"), DEVICE_FIELDS.rule("sys_object_id")
    if oid is not None and not oid_rule.pattern.match(oid):
        errors["sys_object_id"] = [oid_rule.pattern_message]
    credential_id = values.get("credential_id")
    if credential_id is not None and session.get(SnmpCredential, credential_id) is None:
        errors["credential_id"] = [f"no SNMP credential with id {credential_id}"]
    raise_if(errors)
    address = values["mgmt_address"]
    clash = session.scalar(
        sa.select(Device).where(Device.mgmt_address == address, Device.id != (device_id or -1))
    )
    if clash is not None:
        # Name the other device only to someone who may see it.
        visible = scope.school_allowed(session, actor, clash.school_id)
        owner = f"device {clash.name!r}" if visible else "another device"
        raise duplicate("mgmt_address", f"{owner} already has the address {address}")


DEVICE = children.Child(
    Device,
    "device",
    DEVICE_FIELDS,
    _check,
    SORTABLE,
    default_sort="name",
    coerce=_canonical_address,
    expire={"credential_id": "credential"},
)


def create_device(session: Session, actor: Actor, school_code: str, data: DeviceValues) -> Device:
    """Register a device of a school."""
    return children.create_child(session, actor, DEVICE, school_code, data)


def update_device(session: Session, actor: Actor, device_id: int, changes: DeviceValues) -> Device:
    """Correct some fields of a device; the others keep their values."""
    return children.update_child(session, actor, DEVICE, device_id, changes)


def delete_device(session: Session, actor: Actor, device_id: int) -> None:
    """Delete a device; links it carried stay, no longer tied to an interface (logged too)."""
    actor.require_write()
    device = get_in_scope(session, actor, Device, device_id, "device", write=True)
    links = session.scalars(
        sa.select(NetworkLink).where(NetworkLink.device_id == device.id).order_by(NetworkLink.id)
    ).unique()
    for link in links:
        change_object(session, actor, link, {"device_id": None, "interface_name": None})
        session.expire(link, ["device"])
    delete_object(session, actor, device)


# The web layer's handle on devices (api/entities.py); the parent is the school's code.
SERVICE: EntityService[Device, DeviceFilter, int] = EntityService(
    list_page=list_devices,
    get=get_device,
    add=lambda session, actor, school, data: create_device(
        session, actor, school_code(school), data
    ),
    change=update_device,
    retire=lambda session, actor, device_id, _on: delete_device(session, actor, device_id),
)
