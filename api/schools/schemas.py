"""School schemas: one for reading and writing, one for list filters."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields
from webargs.fields import DelimitedList

from api.fields import Day, ListArgs, Text, code, field_for, page_schema, sort_field
from inventory.choices import Lifecycle, Stage
from inventory.fieldspec import REGION_CODE
from inventory.models.schools import SCHOOL_FIELDS as F
from inventory.services.schools import SORTABLE


class SchoolSchema(ma.Schema):
    """A school (学校) as the API reads and writes it."""

    id = fields.Integer(dump_only=True)
    code = field_for(F["code"], metadata={"description": "学校标识码"})
    name = field_for(F["name"])
    name_en = field_for(F["name_en"])
    type_code = field_for(F["type_code"], metadata={"description": "办学类型"})
    type_name = fields.String(attribute="school_type.name_zh", dump_only=True)
    stage = fields.Enum(Stage, by_value=True, attribute="school_type.stage", dump_only=True)
    region_code = field_for(F["region_code"], metadata={"description": "county"})
    region_name = fields.String(attribute="region.name_zh", dump_only=True)
    address = field_for(F["address"])
    latitude = field_for(F["latitude"])
    longitude = field_for(F["longitude"])
    students = field_for(F["students"])
    teachers = field_for(F["teachers"])
    ordinary_classrooms = field_for(
        F["ordinary_classrooms"], metadata={"description": "普通教室数"}
    )
    opened_on = field_for(F["opened_on"])
    closed_on = field_for(F["closed_on"])
    status = fields.Enum(Lifecycle, by_value=True, dump_only=True)
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)


SchoolPageSchema = page_schema(SchoolSchema)


class SchoolListArgs(ListArgs):
    """Filters of the school list."""

    region = code(REGION_CODE, metadata={"description": "Region code: its subtree"})
    type = DelimitedList(
        field_for(F["type_code"], required=False), metadata={"description": "e.g. 211,218"}
    )
    stage = fields.Enum(Stage, by_value=True)
    status = fields.Enum(Lifecycle, by_value=True)
    q = Text(64, metadata={"description": "Part of the name or code"})
    sort = sort_field(SORTABLE, "code")


class ArchiveArgs(ma.Schema):
    """When an archived object stopped (default: today)."""

    on = Day(metadata={"description": "Date it closed / was decommissioned; default today"})
