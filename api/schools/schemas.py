"""School schemas: one for reading and writing, one for list filters."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate
from webargs.fields import DelimitedList

from api.fields import Count, Day, ListArgs, Text, digits, page_schema, sort_field
from inventory.choices import Lifecycle, Stage
from inventory.services.schools import SORTABLE


class SchoolSchema(ma.Schema):
    """A school (学校) as the API reads and writes it."""

    id = fields.Integer(dump_only=True)
    code = Text(10, required=True, validate=digits(10), metadata={"description": "学校标识码"})
    name = Text(128, required=True)
    name_en = Text(200, allow_none=True)
    type_code = Text(3, required=True, validate=digits(3), metadata={"description": "办学类型"})
    type_name = fields.String(attribute="school_type.name_zh", dump_only=True)
    stage = fields.Enum(Stage, by_value=True, attribute="school_type.stage", dump_only=True)
    region_code = Text(6, required=True, validate=digits(6), metadata={"description": "county"})
    region_name = fields.String(attribute="region.name_zh", dump_only=True)
    address = Text(200, allow_none=True)
    latitude = fields.Float(allow_none=True, validate=validate.Range(-90, 90))
    longitude = fields.Float(allow_none=True, validate=validate.Range(-180, 180))
    students = Count(100_000, allow_none=True)
    teachers = Count(10_000, allow_none=True)
    ordinary_classrooms = Count(2_000, allow_none=True, metadata={"description": "普通教室数"})
    opened_on = Day(allow_none=True)
    closed_on = Day(allow_none=True)
    status = fields.Enum(Lifecycle, by_value=True, dump_only=True)
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)


SchoolPageSchema = page_schema(SchoolSchema)


class SchoolListArgs(ListArgs):
    """Filters of the school list."""

    region = Text(6, validate=digits(6), metadata={"description": "Region code: its subtree"})
    type = DelimitedList(Text(3, validate=digits(3)), metadata={"description": "e.g. 211,218"})
    stage = fields.Enum(Stage, by_value=True)
    status = fields.Enum(Lifecycle, by_value=True)
    q = Text(64, metadata={"description": "Part of the name or code"})
    sort = sort_field(SORTABLE, "code")


class ArchiveArgs(ma.Schema):
    """When an archived object stopped (default: today)."""

    on = Day(metadata={"description": "Date it closed / was decommissioned; default today"})
