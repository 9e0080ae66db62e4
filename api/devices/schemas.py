"""Device schemas: one for reading and writing, and the list filters."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from api.converters import MAX_ID
from api.fields import ListArgs, Text, code, field_for, page_schema, sort_field
from inventory.choices import DeviceRole, DeviceStatus
from inventory.fieldspec import REGION_CODE, SCHOOL_CODE
from inventory.models import Device
from inventory.models.network import DEVICE_FIELDS as F
from inventory.services import devices


def _credential_name(device: Device) -> str | None:
    return device.credential.name if device.credential is not None else None


class DeviceSchema(ma.Schema):
    """A managed network device (网络设备) of a school."""

    id = fields.Integer(dump_only=True)
    school_code = fields.String(attribute="school.code", dump_only=True)
    name = field_for(F["name"])
    role = field_for(F["role"])
    status = field_for(F["status"], load_default=F["status"].default)
    mgmt_address = field_for(F["mgmt_address"], metadata={"description": "IPv4 or IPv6"})
    snmp_port = field_for(F["snmp_port"], load_default=F["snmp_port"].default)
    credential_id = fields.Integer(
        strict=True,
        allow_none=True,
        validate=validate.Range(1, MAX_ID),
        metadata={"description": "SNMP credential profile used to poll it"},
    )
    credential_name = fields.Function(
        _credential_name, dump_only=True, metadata={"type": "string", "nullable": True}
    )
    polling_enabled = fields.Boolean(load_default=F["polling_enabled"].default)
    poll_interval_s = field_for(
        F["poll_interval_s"],
        metadata={"description": "Seconds between polls; null: the collectors' default (300)"},
    )
    vendor = field_for(F["vendor"])
    model = field_for(F["model"])
    serial = field_for(F["serial"])
    sys_descr = field_for(F["sys_descr"], metadata={"description": "SNMP sysDescr"})
    sys_object_id = field_for(
        F["sys_object_id"], metadata={"description": "SNMP sysObjectID, dotted numeric"}
    )
    notes = field_for(F["notes"])
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

    school = code(SCHOOL_CODE, metadata={"description": "School code"})
    region = code(REGION_CODE, metadata={"description": "Region code: its subtree"})
