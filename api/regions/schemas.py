"""Region and school-type schemas."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from api.fields import ListArgs, Text, digits, page_schema, sort_field
from inventory.choices import RegionLevel, Stage
from inventory.services.regions import SORTABLE


class RegionSchema(ma.Schema):
    """An administrative region (行政区划)."""

    code = Text(6, required=True, validate=digits(6))
    name_zh = Text(64, required=True)
    name_en = Text(128, required=True)
    level = fields.Enum(RegionLevel, by_value=True, required=True)
    parent_code = Text(6, allow_none=True, validate=digits(6))
    seat_lat = fields.Float(allow_none=True, validate=validate.Range(-90, 90))
    seat_lon = fields.Float(allow_none=True, validate=validate.Range(-180, 180))


class RegionUpdateSchema(ma.Schema):
    """What may change on a region: its names and seat (code, level and parent are fixed)."""

    name_zh = Text(64)
    name_en = Text(128)
    seat_lat = fields.Float(allow_none=True, validate=validate.Range(-90, 90))
    seat_lon = fields.Float(allow_none=True, validate=validate.Range(-180, 180))


RegionPageSchema = page_schema(RegionSchema)


class RegionListArgs(ListArgs):
    """Filters of the region list."""

    within = Text(6, validate=digits(6), metadata={"description": "Only this region's subtree"})
    level = fields.Enum(RegionLevel, by_value=True)
    parent = Text(6, validate=digits(6), metadata={"description": "Only direct children"})
    sort = sort_field(SORTABLE, "code")


class SchoolTypeSchema(ma.Schema):
    """A Ministry of Education school type (办学类型)."""

    code = fields.String()
    name_zh = fields.String()
    name_en = fields.String()
    stage = fields.Enum(Stage, by_value=True)
    default_scope = fields.Boolean(
        metadata={"description": "Counted in 'universities, secondary and primary schools'"}
    )
