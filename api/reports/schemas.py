"""Published report schemas."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from api.coverage.schemas import BREAKDOWNS, LANGS
from api.fields import Day, ListArgs, Text, code, page_schema
from inventory.choices import SnapshotKind
from inventory.fieldspec import REGION_CODE
from inventory.models.coverage import STANDARD_FIELDS


class SnapshotSchema(ma.Schema):
    """A published report, without its body."""

    id = fields.Integer(dump_only=True)
    as_of = fields.Date(dump_only=True)
    region_code = fields.String(dump_only=True)
    standard_version = fields.String(dump_only=True)
    kind = fields.Enum(SnapshotKind, by_value=True, dump_only=True)
    published_at = fields.DateTime(dump_only=True)
    published_by = fields.String(dump_only=True)


class SnapshotBodySchema(SnapshotSchema):
    """A published report with the frozen report itself."""

    report = fields.Dict(attribute="body", dump_only=True)


SnapshotPageSchema = page_schema(SnapshotSchema)


class SnapshotListArgs(ListArgs):
    """Filters of the published reports."""

    region = code(REGION_CODE)
    as_of = Day()


class PublishSchema(ma.Schema):
    """What to publish."""

    as_of = Day(required=True)
    region = code(REGION_CODE, metadata={"description": "Default: yours, or the top"})
    standard = Text(
        STANDARD_FIELDS.rule("version"), metadata={"description": "Default: the current version"}
    )


class SnapshotExportArgs(ma.Schema):
    """Language and (CSV) breakdown of a published report's export."""

    lang = fields.String(load_default="zh", validate=LANGS)
    breakdown = fields.String(load_default="by_region", validate=validate.OneOf(BREAKDOWNS))
