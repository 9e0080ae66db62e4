"""Plan and milestone schemas, and the progress of a plan."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from api.fields import Text, field_for
from inventory.choices import Stage
from inventory.models.coverage import MILESTONE_FIELDS, PLAN_FIELDS, STANDARD_FIELDS


class MilestoneSchema(ma.Schema):
    """A milestone: ``metric`` reaches ``value`` (a share 0–1) by ``due_on`` in a region."""

    id = fields.Integer(dump_only=True)
    plan_id = fields.Integer(dump_only=True)
    metric = field_for(MILESTONE_FIELDS["metric"])
    region_code = field_for(
        MILESTONE_FIELDS["region_code"],
        allow_none=False,
        metadata={"description": "Default: the plan's"},
    )
    # Strings both ways: the milestone stores its stages as their values (JSON), so an Enum
    # field would fail to dump them (a 500 found by the API fuzzing).
    stages = fields.List(
        fields.String(validate=validate.OneOf([stage.value for stage in Stage])),
        load_default=list,
    )
    due_on = field_for(MILESTONE_FIELDS["due_on"])
    value = field_for(MILESTONE_FIELDS["value"])
    note = field_for(MILESTONE_FIELDS["note"])


class PlanSchema(ma.Schema):
    """A plan with its milestones."""

    id = fields.Integer(dump_only=True)
    code = field_for(PLAN_FIELDS["code"])
    name_zh = field_for(PLAN_FIELDS["name_zh"])
    name_en = field_for(PLAN_FIELDS["name_en"])
    region_code = field_for(PLAN_FIELDS["region_code"])
    milestones = fields.List(fields.Nested(MilestoneSchema), dump_only=True)


class PlanListSchema(ma.Schema):
    """Every plan."""

    results = fields.List(fields.Nested(PlanSchema))


class ProgressArgs(ma.Schema):
    """Which standard the progress is measured with."""

    standard = Text(STANDARD_FIELDS.rule("version"))


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
