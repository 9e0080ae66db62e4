"""Network link schemas: one for reading and writing, and the list filters."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from api.converters import MAX_ID
from api.fields import ListArgs, code, field_for, page_schema, sort_field
from inventory.choices import Carrier, Lifecycle, LinkKind, LinkMedium
from inventory.fieldspec import REGION_CODE, SCHOOL_CODE
from inventory.models import NetworkLink
from inventory.models.network import LINK_FIELDS as F
from inventory.services import links


def _device_name(link: NetworkLink) -> str | None:
    return link.device.name if link.device is not None else None


class LinkSchema(ma.Schema):
    """A school's uplink (网络链路) and the device interface that carries it."""

    id = fields.Integer(dump_only=True)
    school_code = fields.String(attribute="school.code", dump_only=True)
    kind = field_for(F["kind"])
    carrier = field_for(F["carrier"], metadata={"description": "Required for internet"})
    medium = field_for(F["medium"])
    down_mbps = field_for(F["down_mbps"], metadata={"description": "Contracted downstream Mbps"})
    up_mbps = field_for(F["up_mbps"], metadata={"description": "Contracted upstream Mbps"})
    circuit_id = field_for(F["circuit_id"], metadata={"description": "Carrier circuit id"})
    commissioned_on = field_for(F["commissioned_on"])
    decommissioned_on = field_for(F["decommissioned_on"])
    device_id = fields.Integer(
        strict=True,
        allow_none=True,
        validate=validate.Range(1, MAX_ID),
        metadata={"description": "Device carrying the link (with interface_name)"},
    )
    device_name = fields.Function(
        _device_name, dump_only=True, metadata={"type": "string", "nullable": True}
    )
    interface_name = field_for(
        F["interface_name"], metadata={"description": "e.g. GigabitEthernet0/0/1"}
    )
    notes = field_for(F["notes"])
    status = fields.Enum(Lifecycle, by_value=True, dump_only=True)
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)


LinkPageSchema = page_schema(LinkSchema)


class SchoolLinkListArgs(ListArgs):
    """Filters of one school's link list."""

    kind = fields.Enum(LinkKind, by_value=True)
    carrier = fields.Enum(Carrier, by_value=True)
    medium = fields.Enum(LinkMedium, by_value=True)
    status = fields.Enum(Lifecycle, by_value=True, metadata={"description": "As of today"})
    monitored = fields.Boolean(metadata={"description": "Whether a device interface carries it"})
    sort = sort_field(links.SORTABLE, "school_code")


class LinkListArgs(SchoolLinkListArgs):
    """Filters of the link list across schools."""

    school = code(SCHOOL_CODE, metadata={"description": "School code"})
    region = code(REGION_CODE, metadata={"description": "Region code: its subtree"})
