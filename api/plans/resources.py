"""Plan endpoints: /api/v1/plans, /api/v1/plans/<id>/progress, /api/v1/milestones/<id>."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from api import runtime
from api.auth import current_actor
from api.plans.schemas import (
    MilestoneSchema,
    PlanListSchema,
    PlanSchema,
    ProgressArgs,
    ProgressSchema,
)
from inventory.coverage import plans, results, targets
from inventory.coverage.plans import MilestoneFields, PlanFields
from inventory.models import Milestone, Plan
from inventory.standards.registry import get_standard

blp = Blueprint("plans", __name__, description="Plans (规划) and their milestones (目标)")


@blp.route("/plans")
class Plans(MethodView):
    """Plans."""

    @blp.response(200, PlanListSchema)
    def get(self) -> dict[str, Any]:
        """List every plan with its milestones."""
        return {"results": targets.list_plans(runtime.session())}

    @blp.arguments(PlanSchema)
    @blp.response(201, PlanSchema)
    def post(self, fields: PlanFields) -> Plan:
        """Create a plan (admins)."""
        return plans.create_plan(runtime.uow(), current_actor(), fields)


@blp.route("/plans/<id:plan_id>")
class PlanItem(MethodView):
    """One plan."""

    @blp.response(200, PlanSchema)
    def get(self, plan_id: int) -> Plan:
        """Get a plan with its milestones."""
        return targets.get_plan(runtime.session(), plan_id)

    @blp.arguments(PlanSchema(partial=True))
    @blp.response(200, PlanSchema)
    def patch(self, changes: PlanFields, plan_id: int) -> Plan:
        """Change a plan's code, names or region (admins)."""
        return plans.change_plan(runtime.uow(), current_actor(), plan_id, changes)

    @blp.response(204)
    def delete(self, plan_id: int) -> None:
        """Delete a plan and its milestones (admins)."""
        plans.delete_plan(runtime.uow(), current_actor(), plan_id)


@blp.route("/plans/<id:plan_id>/milestones")
class PlanMilestones(MethodView):
    """The milestones of a plan."""

    @blp.arguments(MilestoneSchema)
    @blp.response(201, MilestoneSchema)
    def post(self, fields: MilestoneFields, plan_id: int) -> Milestone:
        """Add a milestone to a plan (admins)."""
        return plans.add_milestone(runtime.uow(), current_actor(), plan_id, fields)


@blp.route("/plans/<id:plan_id>/progress")
class PlanProgress(MethodView):
    """Where a plan stands."""

    @blp.arguments(ProgressArgs, location="query")
    @blp.response(200, ProgressSchema)
    def get(self, args: dict[str, Any], plan_id: int) -> results.PlanProgress:
        """Each milestone: current value, gap, met / not met / on track / at risk."""
        session = runtime.session()
        standard = get_standard(session, args.get("standard"))
        return targets.plan_progress(session, current_actor(), standard, plan_id)


@blp.route("/milestones/<id:milestone_id>")
class MilestoneItem(MethodView):
    """One milestone."""

    @blp.response(200, MilestoneSchema)
    def get(self, milestone_id: int) -> Milestone:
        """Get a milestone."""
        return targets.get_milestone(runtime.session(), milestone_id)

    @blp.arguments(MilestoneSchema(partial=True))
    @blp.response(200, MilestoneSchema)
    def patch(self, changes: MilestoneFields, milestone_id: int) -> Milestone:
        """Change a milestone (admins)."""
        return plans.change_milestone(runtime.uow(), current_actor(), milestone_id, changes)

    @blp.response(204)
    def delete(self, milestone_id: int) -> None:
        """Delete a milestone (admins)."""
        plans.delete_milestone(runtime.uow(), current_actor(), milestone_id)
