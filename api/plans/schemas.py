"""Plan and milestone schemas, and the progress of a plan."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from api.fields import Day, Text, digits
from inventory.choices import Metric, Stage


class MilestoneSchema(ma.Schema):
    """A milestone: ``metric`` reaches ``value`` (a share 0–1) by ``due_on`` in a region."""

    id = fields.Integer(dump_only=True)
    plan_id = fields.Integer(dump_only=True)
    metric = fields.Enum(Metric, by_value=True, required=True)
    region_code = Text(6, validate=digits(6), metadata={"description": "Default: the plan's"})
    # Strings both ways: the milestone stores its stages as their values (JSON), so an Enum
    # field would fail to dump them (a 500 found by the API fuzzing).
    stages = fields.List(
        fields.String(validate=validate.OneOf([stage.value for stage in Stage])),
        load_default=list,
    )
    due_on = Day(required=True)
    value = fields.Float(required=True, validate=validate.Range(0, 1))
    note = Text(500, allow_none=True)


class PlanSchema(ma.Schema):
    """A plan with its milestones."""

    id = fields.Integer(dump_only=True)
    code = Text(64, required=True)
    name_zh = Text(200, required=True)
    name_en = Text(200, required=True)
    region_code = Text(6, required=True, validate=digits(6))
    milestones = fields.List(fields.Nested(MilestoneSchema), dump_only=True)


class PlanListSchema(ma.Schema):
    """Every plan."""

    results = fields.List(fields.Nested(PlanSchema))


class ProgressArgs(ma.Schema):
    """Which standard the progress is measured with."""

    standard = Text(32)


class MilestoneStatusSchema(ma.Schema):
    """Where a milestone stands: current value, gap, status, projection."""

    id = fields.Integer()
    plan = fields.String()
    metric = fields.String()
    region_code = fields.String()
    stages = fields.List(fields.String())
    due_on = fields.String()
    value = fields.Float()
    note = fields.String(allow_none=True)
    current = fields.Float(allow_none=True)
    value_at_due = fields.Float(allow_none=True)
    projected_at_due = fields.Float(allow_none=True)
    gap = fields.Float(allow_none=True)
    status = fields.String(metadata={"description": "met, not_met, on_track, at_risk, no_data"})
    standard = fields.String()


class ProgressSchema(ma.Schema):
    """A plan and the standing of each of its milestones."""

    id = fields.Integer()
    code = fields.String()
    name_zh = fields.String()
    name_en = fields.String()
    region_code = fields.String()
    standard = fields.Dict()
    milestones = fields.List(fields.Nested(MilestoneStatusSchema))
