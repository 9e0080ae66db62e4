"""Managed network devices of schools: register, correct, delete, list."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from inventory import scope
from inventory.actor import Actor
from inventory.choices import DeviceRole, DeviceStatus
from inventory.errors import duplicate
from inventory.fieldspec import message
from inventory.models import Device, NetworkLink, School, SnmpCredential
from inventory.models.network import DEVICE_FIELDS
from inventory.services.common import (
    PageRequest,
    PageResult,
    SqlColumn,
    add_object,
    change_object,
    coerce_enums,
    delete_object,
    get_in_scope,
    merged,
    paginate,
    raise_if,
    school_by_code,
    school_children,
)

SORTABLE: dict[str, SqlColumn] = {
    "name": Device.name,
    "school_code": School.code,
    "mgmt_address": Device.mgmt_address,
    "role": Device.role,
    "status": Device.status,
    "vendor": Device.vendor,
    "model": Device.model,
    "updated_at": Device.updated_at,
}

# Applied on create only: a correction never resets what it does not mention.
DEFAULTS: dict[str, Any] = DEVICE_FIELDS.defaults
ENUMS: dict[str, type[StrEnum]] = {"role": DeviceRole, "status": DeviceStatus}
REQUIRED = DEVICE_FIELDS.not_null


@dataclass(frozen=True)
class DeviceFilter:
    """What a device list may be narrowed by; every field is optional.

    ``q`` matches part of the name or of the management address.
    """

    school: str | None = None
    region: str | None = None
    role: DeviceRole | None = None
    status: DeviceStatus | None = None
    polling_enabled: bool | None = None
    credential_id: int | None = None
    q: str | None = None


def list_devices(
    session: Session, actor: Actor, flt: DeviceFilter, page: PageRequest
) -> PageResult[Device]:
    """One page of devices matching ``flt``."""
    stmt = school_children(session, actor, Device, flt.school, flt.region)
    if flt.role:
        stmt = stmt.where(Device.role == flt.role)
    if flt.status:
        stmt = stmt.where(Device.status == flt.status)
    if flt.polling_enabled is not None:
        stmt = stmt.where(Device.polling_enabled.is_(flt.polling_enabled))
    if flt.credential_id is not None:
        stmt = stmt.where(Device.credential_id == flt.credential_id)
    if flt.q:
        stmt = stmt.where(
            sa.or_(
                Device.name.icontains(flt.q, autoescape=True),
                Device.mgmt_address.contains(flt.q.lower(), autoescape=True),
            )
        )
    return paginate(session, stmt, page, SORTABLE, "name", Device.id)


def get_device(session: Session, actor: Actor, device_id: int) -> Device:
    """The device with this id, or NotFound."""
    return get_in_scope(session, actor, Device, device_id, "device")


def _coerce(values: Mapping[str, Any], errors: dict[str, list[str]]) -> dict[str, Any]:
    """``values`` with enums as members and the address in canonical form; errors collected."""
    out = coerce_enums(values, ENUMS, errors)
    address = out.get("mgmt_address")
    if address is not None:
        try:
            out["mgmt_address"] = str(ipaddress.ip_address(str(address).strip()))
        except ValueError:
            errors["mgmt_address"] = [message("address")]
    return out


def _check(
    session: Session,
    actor: Actor,
    values: Mapping[str, Any],
    errors: dict[str, list[str]],
    device_id: int | None,
) -> None:
    for key in REQUIRED:
        if key not in errors and values.get(key) is None:
            errors[key] = ["is required"]
    for key in ("snmp_port", "poll_interval_s"):
        number, rule = values.get(key), DEVICE_FIELDS.rule(key)
        if number is not None and key not in errors and not rule.low <= number <= rule.high:
            errors[key] = [message("service_range", low=rule.low, high=rule.high, unit=rule.unit)]
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


def create_device(
    session: Session, actor: Actor, school_code: str, data: Mapping[str, Any]
) -> Device:
    """Register a device of a school."""
    actor.require_write()
    school = school_by_code(session, actor, school_code, write=True)
    errors: dict[str, list[str]] = {}
    values = _coerce({**DEFAULTS, **data}, errors)
    _check(session, actor, values, errors, None)
    return add_object(session, actor, Device(school=school, **values))


def update_device(
    session: Session, actor: Actor, device_id: int, changes: Mapping[str, Any]
) -> Device:
    """Correct some fields of a device; the others keep their values."""
    actor.require_write()
    device = get_in_scope(session, actor, Device, device_id, "device", write=True)
    errors: dict[str, list[str]] = {}
    changes = _coerce(changes, errors)
    _check(session, actor, merged(device, changes), errors, device.id)
    change_object(session, actor, device, changes)
    if "credential_id" in changes:
        session.expire(device, ["credential"])
    return device


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
from inventory.services.entity import EntityService, school_code  # noqa: E402

SERVICE: EntityService[Device, DeviceFilter, int] = EntityService(
    list_page=list_devices,
    get=get_device,
    add=lambda session, actor, school, data: create_device(
        session, actor, school_code(school), data
    ),
    change=update_device,
    retire=lambda session, actor, device_id, _on: delete_device(session, actor, device_id),
)
