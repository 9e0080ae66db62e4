"""Device schemas: one for reading and writing, and the list filters."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from api.converters import MAX_ID
from api.fields import IPAddress, ListArgs, Text, digits, page_schema, sort_field
from inventory.choices import DeviceRole, DeviceStatus
from inventory.models import Device
from inventory.services import devices


def _credential_name(device: Device) -> str | None:
    return device.credential.name if device.credential is not None else None


class DeviceSchema(ma.Schema):
    """A managed network device (网络设备) of a school."""

    id = fields.Integer(dump_only=True)
    school_code = fields.String(attribute="school.code", dump_only=True)
    name = Text(64, required=True)
    role = fields.Enum(DeviceRole, by_value=True, required=True)
    status = fields.Enum(DeviceStatus, by_value=True, load_default=DeviceStatus.ACTIVE)
    mgmt_address = IPAddress(required=True, metadata={"description": "IPv4 or IPv6"})
    snmp_port = fields.Integer(strict=True, validate=validate.Range(1, 65535), load_default=161)
    credential_id = fields.Integer(
        strict=True,
        allow_none=True,
        validate=validate.Range(1, MAX_ID),
        metadata={"description": "SNMP credential profile used to poll it"},
    )
    credential_name = fields.Function(
        _credential_name, dump_only=True, metadata={"type": "string", "nullable": True}
    )
    polling_enabled = fields.Boolean(load_default=True)
    poll_interval_s = fields.Integer(
        strict=True,
        allow_none=True,
        validate=validate.Range(devices.MIN_POLL_INTERVAL_S, devices.MAX_POLL_INTERVAL_S),
        metadata={"description": "Seconds between polls; null: the collectors' default (300)"},
    )
    vendor = Text(64, allow_none=True)
    model = Text(64, allow_none=True)
    serial = Text(64, allow_none=True)
    sys_descr = Text(500, allow_none=True, metadata={"description": "SNMP sysDescr"})
    sys_object_id = Text(
        128,
        allow_none=True,
        validate=validate.Regexp(
            devices.SYS_OBJECT_ID, error="must be a dotted numeric OID such as 1.3.6.1.4.1.2011"
        ),
        metadata={"description": "SNMP sysObjectID, dotted numeric"},
    )
    notes = Text(500, allow_none=True)
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)


DevicePageSchema = page_schema(DeviceSchema)


class SchoolDeviceListArgs(ListArgs):
    """Filters of one school's device list."""

    role = fields.Enum(DeviceRole, by_value=True)
    status = fields.Enum(DeviceStatus, by_value=True)
    polling_enabled = fields.Boolean()
    credential_id = fields.Integer(validate=validate.Range(1, MAX_ID))
    q = Text(64, metadata={"description": "Part of the name or management address"})
    sort = sort_field(devices.SORTABLE, "name")


class DeviceListArgs(SchoolDeviceListArgs):
    """Filters of the device list across schools."""

    school = Text(10, validate=digits(10), metadata={"description": "School code"})
    region = Text(6, validate=digits(6), metadata={"description": "Region code: its subtree"})
