"""Region and school-type schemas."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields

from api.fields import ListArgs, code, field_for, page_schema, sort_field
from inventory.choices import RegionLevel, Stage
from inventory.fieldspec import REGION_CODE
from inventory.models.regions import REGION_FIELDS as F
from inventory.services.regions import SORTABLE


class RegionSchema(ma.Schema):
    """An administrative region (行政区划)."""

    code = field_for(F["code"])
    name_zh = field_for(F["name_zh"])
    name_en = field_for(F["name_en"])
    level = field_for(F["level"])
    parent_code = field_for(F["parent_code"])
    seat_lat = field_for(F["seat_lat"])
    seat_lon = field_for(F["seat_lon"])


class RegionUpdateSchema(ma.Schema):
    """What may change on a region: its names and seat (code, level and parent are fixed)."""

    name_zh = field_for(F["name_zh"], required=False)
    name_en = field_for(F["name_en"], required=False)
    seat_lat = field_for(F["seat_lat"])
    seat_lon = field_for(F["seat_lon"])


RegionPageSchema = page_schema(RegionSchema)


class RegionListArgs(ListArgs):
    """Filters of the region list."""

    within = code(REGION_CODE, metadata={"description": "Only this region's subtree"})
    level = fields.Enum(RegionLevel, by_value=True)
    parent = code(REGION_CODE, metadata={"description": "Only direct children"})
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
