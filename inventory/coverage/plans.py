"""The use cases of plans and milestones, each in one unit of work that it begins and ends.

``targets`` holds the domain operations (they take a session and never commit); here each
request is one transaction, committed once when it has succeeded. Callers never commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TypedDict

from inventory.actor import Actor
from inventory.choices import Metric
from inventory.coverage import targets
from inventory.models import Milestone, Plan
from inventory.unit_of_work import UnitOfWork


class PlanFields(TypedDict, total=False):
    """A plan's fields; a new plan has them all, a change only those it changes."""

    code: str
    name_zh: str
    name_en: str
    region_code: str


class MilestoneFields(TypedDict, total=False):
    """A milestone's fields; a new one needs metric, due_on and value (region: the plan's)."""

    metric: Metric
    region_code: str
    stages: Sequence[str]
    due_on: date
    value: float
    note: str | None


def create_plan(uow: UnitOfWork, actor: Actor, fields: PlanFields) -> Plan:
    """A new plan (admins)."""
    with uow:
        plan = targets.create_plan(uow.session, actor, fields)
        uow.commit()
        return plan


def change_plan(uow: UnitOfWork, actor: Actor, plan_id: int, changes: PlanFields) -> Plan:
    """Change a plan's code, names or region (admins)."""
    with uow:
        plan = targets.update_plan(uow.session, actor, plan_id, changes)
        uow.commit()
        return plan


def delete_plan(uow: UnitOfWork, actor: Actor, plan_id: int) -> None:
    """Delete a plan and its milestones (admins)."""
    with uow:
        targets.delete_plan(uow.session, actor, plan_id)
        uow.commit()


def add_milestone(
    uow: UnitOfWork, actor: Actor, plan_id: int, fields: MilestoneFields
) -> Milestone:
    """A new milestone of a plan (admins)."""
    with uow:
        milestone = targets.add_milestone(uow.session, actor, plan_id, fields)
        uow.commit()
        return milestone


def change_milestone(
    uow: UnitOfWork, actor: Actor, milestone_id: int, changes: MilestoneFields
) -> Milestone:
    """Change a milestone (admins)."""
    with uow:
        milestone = targets.update_milestone(uow.session, actor, milestone_id, changes)
        uow.commit()
        return milestone


def delete_milestone(uow: UnitOfWork, actor: Actor, milestone_id: int) -> None:
    """Delete a milestone (admins)."""
    with uow:
        targets.delete_milestone(uow.session, actor, milestone_id)
        uow.commit()
