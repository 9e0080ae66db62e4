"""Plans and their milestones: editing them, and where each milestone stands.

A milestone is met when the metric reaches its value (judged on the due date once it has
passed); before the due date it is on track when the line through the last six month ends
and today reaches the value by the due date, and at risk otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from inventory import localday
from inventory.actor import Actor
from inventory.choices import Metric, MilestoneStatus, Stage
from inventory.coverage.report import metric_value, region_in_scope
from inventory.coverage.results import MilestoneStanding, PlanProgress
from inventory.coverage.trend import milestone_stages, recent_line
from inventory.errors import NotFound, duplicate
from inventory.models import Milestone, Plan, Region
from inventory.models.base import utcnow
from inventory.services.common import raise_if, region_subtree
from inventory.standards.loader import default_standard
from inventory.standards.rules import Standard


def _visible_region(session: Session, actor: Actor, code: str) -> bool:
    try:
        region_in_scope(session, actor, code)
    except NotFound:
        return False
    return True


def list_plans(session: Session) -> list[Plan]:
    """Every plan, by code."""
    return list(session.scalars(sa.select(Plan).order_by(Plan.code)))


def get_plan(session: Session, plan_id: int) -> Plan:
    """A plan by id, or NotFound."""
    plan = session.get(Plan, plan_id)
    if plan is None:
        raise NotFound(f"no plan with id {plan_id}")
    return plan


def _check_region(session: Session, errors: dict[str, list[str]], code: str | None) -> None:
    if code is not None and session.get(Region, code) is None:
        errors.setdefault("region_code", []).append(f"no region with code {code!r}")


def _check_within_plan(
    session: Session, errors: dict[str, list[str]], plan_region: str, code: str | None
) -> None:
    """A milestone measures part of its plan: its region is the plan's or one below it."""
    if code is None or "region_code" in errors:
        return
    inner, outer = session.get(Region, code), session.get(Region, plan_region)
    if inner is not None and outer is not None and not inner.path.startswith(outer.path):
        errors["region_code"] = [f"{code!r} is not within the plan's region {plan_region!r}"]


def create_plan(session: Session, actor: Actor, data: Mapping[str, Any]) -> Plan:
    """A new plan (admins); its code is unique."""
    actor.require_admin()
    errors: dict[str, list[str]] = {}
    _check_region(session, errors, data["region_code"])
    raise_if(errors)
    if session.scalar(sa.select(Plan.id).where(Plan.code == data["code"])):
        raise duplicate("code", f"a plan with code {data['code']!r} exists already")
    plan = Plan(**data)
    session.add(plan)
    session.flush()
    return plan


def update_plan(session: Session, actor: Actor, plan_id: int, changes: Mapping[str, Any]) -> Plan:
    """Change a plan's names or region (admins)."""
    actor.require_admin()
    plan = get_plan(session, plan_id)
    errors: dict[str, list[str]] = {}
    _check_region(session, errors, changes.get("region_code"))
    if changes.get("region_code") and "region_code" not in errors:
        outside = sorted(
            {m.region_code for m in plan.milestones}
            - set(session.scalars(region_subtree(session, changes["region_code"])))
        )
        if outside:
            errors["region_code"] = [f"milestones of the plan are outside it: {', '.join(outside)}"]
    raise_if(errors)
    code = changes.get("code")
    if code and code != plan.code and session.scalar(sa.select(Plan.id).where(Plan.code == code)):
        raise duplicate("code", f"a plan with code {code!r} exists already")
    for key, value in changes.items():
        setattr(plan, key, value)
    session.flush()
    return plan


def delete_plan(session: Session, actor: Actor, plan_id: int) -> None:
    """Delete a plan and its milestones (admins)."""
    actor.require_admin()
    session.delete(get_plan(session, plan_id))
    session.flush()


def get_milestone(session: Session, milestone_id: int) -> Milestone:
    """A milestone by id, or NotFound."""
    milestone = session.get(Milestone, milestone_id)
    if milestone is None:
        raise NotFound(f"no milestone with id {milestone_id}")
    return milestone


def add_milestone(
    session: Session, actor: Actor, plan_id: int, data: Mapping[str, Any]
) -> Milestone:
    """A new milestone of a plan (admins); its region defaults to the plan's."""
    actor.require_admin()
    plan = get_plan(session, plan_id)
    values = dict(data)
    values.setdefault("region_code", plan.region_code)
    values["stages"] = sorted(Stage(s).value for s in values.get("stages") or [])
    errors: dict[str, list[str]] = {}
    _check_region(session, errors, values["region_code"])
    _check_within_plan(session, errors, plan.region_code, values["region_code"])
    raise_if(errors)
    milestone = Milestone(plan=plan, **values)
    session.add(milestone)
    session.flush()
    return milestone


def update_milestone(
    session: Session, actor: Actor, milestone_id: int, changes: Mapping[str, Any]
) -> Milestone:
    """Change a milestone (admins)."""
    actor.require_admin()
    milestone = get_milestone(session, milestone_id)
    values = dict(changes)
    if "stages" in values:
        values["stages"] = sorted(Stage(s).value for s in values["stages"] or [])
    errors: dict[str, list[str]] = {}
    _check_region(session, errors, values.get("region_code"))
    _check_within_plan(session, errors, milestone.plan.region_code, values.get("region_code"))
    raise_if(errors)
    for key, value in values.items():
        setattr(milestone, key, value)
    session.flush()
    return milestone


def delete_milestone(session: Session, actor: Actor, milestone_id: int) -> None:
    """Delete a milestone (admins)."""
    actor.require_admin()
    session.delete(get_milestone(session, milestone_id))
    session.flush()


def load_default_plan(session: Session) -> Plan | None:
    """The plan written in the default standard file, if not there yet (None if it is)."""
    data = default_standard().plan
    if not data or session.scalar(sa.select(Plan.id).where(Plan.code == data["code"])):
        return None
    plan = Plan(
        code=data["code"],
        name_zh=data["name_zh"],
        name_en=data["name_en"],
        region_code=data["region"],
    )
    for item in data.get("milestones", []):
        plan.milestones.append(
            Milestone(
                metric=Metric(item["metric"]),
                region_code=item.get("region", data["region"]),
                stages=list(item.get("stages", [])),
                due_on=item["due_on"],
                value=float(item["value"]),
                note=item.get("note"),
            )
        )
    session.add(plan)
    session.flush()
    return plan


def milestone_status(
    session: Session,
    actor: Actor,
    standard: Standard,
    milestone: Milestone,
    *,
    now: datetime | None = None,
) -> MilestoneStanding:
    """Where one milestone stands today: current value, gap, status, projection to its date."""
    now = now or utcnow()
    today = localday.day_of(now)
    root = region_in_scope(session, actor, milestone.region_code)
    stages = frozenset(Stage(s) for s in milestone.stages) or None
    metric = milestone.metric

    def value_on(day: date) -> float | None:
        return metric_value(
            session, actor, standard, metric, root=root, as_of=day, now=now, stages=stages
        )

    current = value_on(today)
    projected: float | None = None
    if milestone.due_on <= today:
        at_due = value_on(milestone.due_on)
        if at_due is None:
            status = MilestoneStatus.NO_DATA
        else:
            status = MilestoneStatus.MET if at_due >= milestone.value else MilestoneStatus.NOT_MET
    else:
        at_due = None
        line = recent_line(session, actor, standard, metric, root, today, now, stages)
        projected = round(line.at(milestone.due_on), 6) if line is not None else current
        if current is None:
            status = MilestoneStatus.NO_DATA
        elif current >= milestone.value:
            status = MilestoneStatus.MET
        elif projected is not None and projected >= milestone.value:
            status = MilestoneStatus.ON_TRACK
        else:
            status = MilestoneStatus.AT_RISK
    return MilestoneStanding(
        id=milestone.id,
        plan=milestone.plan.code,
        metric=metric,
        region_code=milestone.region_code,
        stages=milestone_stages(milestone),
        due_on=milestone.due_on,
        value=milestone.value,
        note=milestone.note,
        current=current,
        value_at_due=at_due,
        projected_at_due=projected,
        gap=None if current is None else round(max(0.0, milestone.value - current), 6),
        status=status,
        standard=standard.version,
    )


def plan_progress(
    session: Session, actor: Actor, standard: Standard, plan_id: int, *, now: datetime | None = None
) -> PlanProgress:
    """A plan with the standing of each milestone the actor may see (its region in scope)."""
    plan = get_plan(session, plan_id)
    rows = tuple(
        milestone_status(session, actor, standard, m, now=now)
        for m in plan.milestones
        if _visible_region(session, actor, m.region_code)
    )
    return PlanProgress(
        id=plan.id,
        code=plan.code,
        name_zh=plan.name_zh,
        name_en=plan.name_en,
        region_code=plan.region_code,
        standard=standard.summary(),
        milestones=rows,
    )
