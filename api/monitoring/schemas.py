"""Monitoring schemas: polled state, verdicts, outages, availability, cycles, collectors."""

from __future__ import annotations

from datetime import UTC

import marshmallow as ma
from marshmallow import fields, validate

from api.converters import MAX_ID
from api.fields import ListArgs, code, page_schema, sort_field
from inventory.choices import OutageCause, PollFailure
from inventory.fieldspec import REGION_CODE, SCHOOL_CODE
from inventory.services import monitoring


def _availability() -> fields.Dict:
    return fields.Dict(
        keys=fields.String(),
        values=fields.Float(allow_none=True),
        metadata={
            "description": "Share of the last 1, 7 and 30 days without outage (0–1); null "
            "where the object was not yet polled in that window"
        },
    )


class OutageSchema(ma.Schema):
    """An interval when a device was unreachable, or an uplink was down or slower than contracted."""

    id = fields.Integer()
    device_id = fields.Integer()
    link_id = fields.Integer(allow_none=True)
    cause = fields.Enum(OutageCause, by_value=True)
    started_at = fields.DateTime()
    ended_at = fields.DateTime(allow_none=True)
    detail = fields.String(allow_none=True)


class InterfaceStateSchema(ma.Schema):
    """The latest reading of one interface (IF-MIB)."""

    if_index = fields.Integer()
    name = fields.String(allow_none=True)
    descr = fields.String(allow_none=True)
    alias = fields.String(allow_none=True)
    if_type = fields.Integer(allow_none=True)
    admin_up = fields.Boolean(allow_none=True)
    oper_up = fields.Boolean(allow_none=True)
    speed_mbps = fields.Integer(allow_none=True, metadata={"description": "ifHighSpeed"})
    in_bps = fields.Float(allow_none=True)
    out_bps = fields.Float(allow_none=True)
    in_errors = fields.Integer(allow_none=True)
    out_errors = fields.Integer(allow_none=True)
    polled_at = fields.DateTime()
    changed_at = fields.DateTime(allow_none=True, metadata={"description": "Last up/down change"})


class DeviceStateSchema(ma.Schema):
    """The latest poll of a device."""

    reachable = fields.Boolean(allow_none=True, metadata={"description": "Something answers"})
    failure = fields.Enum(PollFailure, by_value=True, allow_none=True)
    detail = fields.String(allow_none=True)
    response_ms = fields.Float(allow_none=True)
    last_polled_at = fields.DateTime(allow_none=True)
    last_ok_at = fields.DateTime(allow_none=True)
    next_poll_at = fields.DateTime(allow_none=True)
    discovered_at = fields.DateTime(allow_none=True)
    sys_uptime_ticks = fields.Integer(allow_none=True)
    consecutive_failures = fields.Integer()


class DeviceStatusSchema(ma.Schema):
    """A device's polled state, interfaces, open outages and availability."""

    device_id = fields.Integer(attribute="device.id")
    name = fields.String(attribute="device.name")
    school_code = fields.String(attribute="device.school.code")
    polling_enabled = fields.Boolean(attribute="device.polling_enabled")
    state = fields.Nested(DeviceStateSchema, allow_none=True)
    interfaces = fields.List(fields.Nested(InterfaceStateSchema))
    open_outages = fields.List(fields.Nested(OutageSchema), attribute="outages")
    availability = _availability()


class VerdictSchema(ma.Schema):
    """The verification verdict of an uplink (DESIGN.md, declared vs verified)."""

    verified = fields.Boolean()
    checked_at = fields.DateTime()
    last_polled_at = fields.DateTime(allow_none=True)
    oper_up = fields.Boolean(allow_none=True)
    measured_mbps = fields.Integer(allow_none=True)
    contracted_mbps = fields.Integer()
    availability_30d = fields.Float(allow_none=True)
    reasons = fields.List(
        fields.Dict(),
        metadata={"description": "Why it is not verified: code (stale, down, …) and values"},
    )


class LinkStatusSchema(ma.Schema):
    """An uplink's verdict, its open outages (its own and its device's) and availability."""

    link_id = fields.Integer(attribute="link.id")
    school_code = fields.String(attribute="link.school.code")
    device_id = fields.Integer(attribute="link.device_id", allow_none=True)
    interface_name = fields.String(attribute="link.interface_name", allow_none=True)
    contracted_mbps = fields.Integer(attribute="link.down_mbps")
    monitored = fields.Boolean()
    verification = fields.Nested(VerdictSchema, allow_none=True)
    open_outages = fields.List(fields.Nested(OutageSchema), attribute="outages")
    availability = _availability()


OutagePageSchema = page_schema(OutageSchema)


class OutageListArgs(ListArgs):
    """Filters of the outage list."""

    school = code(SCHOOL_CODE, metadata={"description": "School code"})
    region = code(REGION_CODE, metadata={"description": "Region code: its subtree"})
    device = fields.Integer(validate=validate.Range(1, MAX_ID))
    link = fields.Integer(validate=validate.Range(1, MAX_ID))
    cause = fields.Enum(OutageCause, by_value=True)
    open = fields.Boolean(metadata={"description": "true: still going on; false: ended"})
    since = fields.AwareDateTime(
        default_timezone=UTC, metadata={"description": "Ended after this (or still open)"}
    )
    until = fields.AwareDateTime(
        default_timezone=UTC, metadata={"description": "Began before this"}
    )
    sort = sort_field(monitoring.OUTAGE_SORTABLE, "-started_at")


class PollCycleSchema(ma.Schema):
    """One poll cycle of one collector."""

    id = fields.Integer()
    collector = fields.String()
    started_at = fields.DateTime()
    finished_at = fields.DateTime(allow_none=True)
    seconds = fields.Float(allow_none=True)
    devices = fields.Integer()
    ok = fields.Integer()
    failures = fields.Dict(keys=fields.String(), values=fields.Integer())
    links_checked = fields.Integer()
    links_verified = fields.Integer()


PollCyclePageSchema = page_schema(PollCycleSchema)


class PollCycleListArgs(ListArgs):
    """Paging and order of the poll-cycle list."""

    sort = sort_field(monitoring.CYCLE_SORTABLE, "-started_at")


class CollectorSchema(ma.Schema):
    """A collector process and its heartbeat."""

    name = fields.String()
    hostname = fields.String()
    pid = fields.Integer()
    started_at = fields.DateTime()
    heartbeat_at = fields.DateTime()
    stopped_at = fields.DateTime(allow_none=True)
    alive = fields.Boolean()
    leased_devices = fields.Integer()
