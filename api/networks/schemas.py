"""Campus-network schemas: one for reading and writing, list filters."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields

from api.fields import Day, ListArgs, code, field_for, page_schema, sort_field
from inventory.choices import CampusArchitecture, WirelessCoverage
from inventory.fieldspec import REGION_CODE, SCHOOL_CODE
from inventory.models.network import CAMPUS_NETWORK_FIELDS as F
from inventory.services.campus_networks import SORTABLE


class CampusNetworkSchema(ma.Schema):
    """One state of a school's campus network (校园网), in force from ``commissioned_on``."""

    id = fields.Integer(dump_only=True)
    school_code = fields.String(attribute="school.code", dump_only=True)
    architecture = field_for(F["architecture"])
    backbone_mbps = field_for(F["backbone_mbps"])
    wireless_coverage = field_for(
        F["wireless_coverage"], metadata={"description": "Of teaching areas; default: none"}
    )
    commissioned_on = field_for(
        F["commissioned_on"], metadata={"description": "In force from this date"}
    )
    notes = field_for(F["notes"])
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)


CampusNetworkPageSchema = page_schema(CampusNetworkSchema)


class SchoolCampusNetworkListArgs(ListArgs):
    """Paging and order of one school's campus-network history."""

    sort = sort_field(SORTABLE, "commissioned_on")


class CampusNetworkListArgs(ListArgs):
    """Filters of the campus-network list across schools."""

    school = code(SCHOOL_CODE, metadata={"description": "School code"})
    region = code(REGION_CODE, metadata={"description": "Region code: its subtree"})
    architecture = fields.Enum(CampusArchitecture, by_value=True)
    wireless_coverage = fields.Enum(WirelessCoverage, by_value=True)
    as_of = Day(metadata={"description": "Only the state in force on this date, per school"})
    sort = sort_field(SORTABLE, "school_code")
