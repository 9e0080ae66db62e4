"""Coverage schemas: the query arguments, and the report, evaluation and trend bodies."""

from __future__ import annotations

from datetime import date
from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from api.fields import Day, ListArgs, Text, code
from inventory.choices import Metric, Stage
from inventory.coverage.results import JsonView
from inventory.fieldspec import REGION_CODE
from inventory.models.coverage import STANDARD_FIELDS

LANGS = validate.OneOf(["zh", "en"])
BREAKDOWNS = ["totals", "by_region", "by_stage", "by_region_stage", "counties", "kindergartens"]


class CoverageArgs(ma.Schema):
    """Which report: a region subtree, a date, a standard version, some stages."""

    region = code(REGION_CODE, metadata={"description": "Region code (default: yours, or the top)"})
    as_of = Day(metadata={"description": "Date of the report (default today)"})
    standard = Text(
        STANDARD_FIELDS.rule("version"),
        metadata={"description": "Standard version (default: the current one)"},
    )
    stage = fields.List(
        fields.Enum(Stage, by_value=True), metadata={"description": "Only these stages (repeat)"}
    )


class ExportArgs(CoverageArgs):
    """A report export: language of the headers and, for CSV, which breakdown."""

    lang = fields.String(load_default="zh", validate=LANGS, metadata={"description": "zh or en"})
    breakdown = fields.String(
        load_default="by_region",
        validate=validate.OneOf(BREAKDOWNS),
        metadata={"description": "CSV only: which breakdown"},
    )


class EvaluationArgs(ma.Schema):
    """The date and standard of a school evaluation."""

    as_of = Day(metadata={"description": "Date (default today)"})
    standard = Text(
        STANDARD_FIELDS.rule("version"),
        metadata={"description": "Standard version (default: the current one)"},
    )


class GapArgs(CoverageArgs, ListArgs):
    """A page of the gap list."""


class GapExportArgs(CoverageArgs):
    """The whole gap list as a file."""

    lang = fields.String(load_default="zh", validate=LANGS, metadata={"description": "zh or en"})


class TrendArgs(ma.Schema):
    """A metric month by month between two dates."""

    metric = fields.Enum(Metric, by_value=True, required=True)
    from_ = Day(required=True, data_key="from", metadata={"description": "First month"})
    to = Day(required=True, metadata={"description": "Last month (may be ahead: projected)"})
    region = code(REGION_CODE)
    standard = Text(STANDARD_FIELDS.rule("version"))
    stage = fields.List(fields.Enum(Stage, by_value=True))


class JsonObject(fields.Dict):
    """A JSON object without a fixed shape in the OpenAPI document (a region, a school, a
    reason…): a typed result is dumped as its JSON form."""

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        if isinstance(value, JsonView):
            return value.as_json()
        return super()._serialize(value, attr, obj, **kwargs)  # type: ignore[no-untyped-call]


class IsoText(fields.String):
    """A date, or an instant with its offset, documented as the plain string it is written as
    (ISO 8601)."""

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        if isinstance(value, date):
            return value.isoformat()
        return super()._serialize(value, attr, obj, **kwargs)


class MetricsSchema(ma.Schema):
    """Counts and rates of a group of schools (rates from 0 to 1; null means n/a)."""

    schools = fields.Integer()
    tiers_declared = fields.Dict(keys=fields.String(), values=fields.Integer())
    tiers_verified = fields.Dict(keys=fields.String(), values=fields.Integer())
    digital_campuses = fields.Integer()
    verified_digital_campuses = fields.Integer()
    digital_campus_rate = fields.Float(allow_none=True)
    verified_digital_campus_rate = fields.Float(allow_none=True)
    all_fibre_campuses = fields.Integer()
    all_fibre_rate = fields.Float(allow_none=True)
    ordinary_classrooms = fields.Integer()
    standard_classrooms = fields.Integer()
    standard_classroom_rate = fields.Float(allow_none=True)
    gigabit_uplinks = fields.Integer()
    gigabit_uplink_rate = fields.Float(allow_none=True)
    verified_gigabit_uplink_rate = fields.Float(allow_none=True)
    monitored_rate = fields.Float(allow_none=True)


class GroupSchema(MetricsSchema):
    """A row of a breakdown: its region and/or stage, and its metrics."""

    region = JsonObject()
    stage = fields.String()
    rank = fields.Integer(allow_none=True)


class KindergartenSchema(ma.Schema):
    """Kindergartens, reported apart from the counted schools."""

    totals = fields.Nested(MetricsSchema)
    by_region = fields.List(fields.Nested(GroupSchema))


class ReportSchema(ma.Schema):
    """A coverage report: totals, per child region, stage, region × stage, counties ranked."""

    snapshot_id = fields.Integer()
    region = JsonObject()
    as_of = IsoText()
    standard = fields.Dict(metadata={"description": "The standard version the report used"})
    digital_campus_tier = fields.String()
    verification = fields.String(metadata={"description": "live (today) or history (rollups)"})
    generated_at = IsoText()
    stages = fields.List(fields.String(), allow_none=True)
    totals = fields.Nested(MetricsSchema)
    by_region = fields.List(fields.Nested(GroupSchema))
    by_stage = fields.List(fields.Nested(GroupSchema))
    by_region_stage = fields.List(fields.Nested(GroupSchema))
    counties = fields.List(fields.Nested(GroupSchema))
    kindergartens = fields.Nested(KindergartenSchema)


class SideSchema(ma.Schema):
    """One side of an evaluation (declared or verified): tier, next tier, reasons."""

    tier = fields.String()
    next_tier = fields.String(allow_none=True)
    reasons = fields.List(JsonObject(), metadata={"description": "code, tier, values, zh, en"})


class EvaluationSchema(ma.Schema):
    """A school's tiers on a date and why it misses the next tier."""

    school = JsonObject()
    as_of = IsoText()
    standard = fields.Dict()
    evaluated = fields.Boolean(
        metadata={"description": "False: not open on the date, or out of scope"}
    )
    facts = JsonObject(allow_none=True)
    declared = fields.Nested(SideSchema, allow_none=True)
    verified = fields.Nested(SideSchema, allow_none=True)


class GapSchema(ma.Schema):
    """A school below the digital-campus tier, with what it lacks to reach it."""

    school = JsonObject()
    facts = JsonObject()
    declared = fields.Nested(SideSchema)
    verified = fields.Nested(SideSchema)


class GapPageSchema(ma.Schema):
    """One page of the gap list."""

    count = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()
    results = fields.List(fields.Nested(GapSchema))


class TrendPointSchema(ma.Schema):
    """The metric at one month end (projected after today)."""

    date = IsoText()
    value = fields.Float(allow_none=True)
    projected = fields.Boolean()


class TrendSchema(ma.Schema):
    """A metric month by month, with the milestones on it."""

    metric = fields.String()
    region = JsonObject()
    standard = fields.Dict()
    stages = fields.List(fields.String(), allow_none=True)
    from_ = IsoText(data_key="from", attribute="start")
    to = IsoText(attribute="end")
    points = fields.List(fields.Nested(TrendPointSchema))
    milestones = fields.List(JsonObject())
