"""Alert rules: reference data every account reads and only admins change."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from inventory.actor import Actor
from inventory.choices import AlertKind, Severity
from inventory.errors import duplicate
from inventory.models import AlertRule
from inventory.models.alerts import ALERT_RULE_FIELDS, AlertRuleValues
from inventory.services.children import check_ranges, check_required, enums_of
from inventory.services.common import (
    PageRequest,
    PageResult,
    add_object,
    change_object,
    coerce_enums,
    delete_object,
    get_or_404,
    merged,
    paginate,
    raise_if,
    sortable,
)
from inventory.services.entity import EntityService

SORTABLE = sortable(AlertRule, "name kind severity delay_s updated_at")
ENUMS = enums_of(ALERT_RULE_FIELDS)
NUMBERS = ("threshold", "window_s", "delay_s", "repeat_s")


@dataclass(frozen=True)
class RuleFilter:
    """What the rule list may be narrowed by."""

    kind: AlertKind | None = None
    severity: Severity | None = None
    enabled: bool | None = None


def list_rules(
    session: Session, actor: Actor, flt: RuleFilter, page: PageRequest
) -> PageResult[AlertRule]:
    """One page of alert rules."""
    stmt = sa.select(AlertRule)
    for column, value in (
        (AlertRule.kind, flt.kind),
        (AlertRule.severity, flt.severity),
        (AlertRule.enabled, flt.enabled),
    ):
        if value is not None:
            stmt = stmt.where(column == value)
    return paginate(session, stmt, page, SORTABLE, "name", AlertRule.id)


def get_rule(session: Session, actor: Actor, rule_id: int) -> AlertRule:
    """The rule with this id, or NotFound."""
    return get_or_404(session, AlertRule, rule_id, "alert rule")


def _checked(session: Session, values: AlertRuleValues, rule_id: int | None) -> AlertRuleValues:
    errors: dict[str, list[str]] = {}
    values = coerce_enums(values, ENUMS, errors)
    check_required(ALERT_RULE_FIELDS, values, errors, defaulted="must not be null", blank=True)
    check_ranges(ALERT_RULE_FIELDS, values, errors, NUMBERS)
    raise_if(errors)
    clash = session.scalar(
        sa.select(AlertRule.id).where(
            AlertRule.name == values.get("name"), AlertRule.id != (rule_id or -1)
        )
    )
    if clash is not None:
        raise duplicate("name", f"an alert rule named {values.get('name')!r} already exists")
    return values


def create_rule(session: Session, actor: Actor, data: AlertRuleValues) -> AlertRule:
    """Add a rule (admins only); omitted fields take the table's defaults."""
    actor.require_write()
    actor.require_admin()
    values = _checked(session, {**ALERT_RULE_FIELDS.defaults, **data}, None)  # type: ignore[typeddict-item]
    return add_object(session, actor, AlertRule(**values))


def update_rule(
    session: Session, actor: Actor, rule_id: int, changes: AlertRuleValues
) -> AlertRule:
    """Change some fields of a rule (admins only); alerts already raised keep their severity."""
    actor.require_write()
    actor.require_admin()
    rule = get_rule(session, actor, rule_id)
    _checked(session, merged(rule, changes), rule.id)
    change_object(session, actor, rule, coerce_enums(changes, ENUMS, {}))
    return rule


def delete_rule(session: Session, actor: Actor, rule_id: int, _on: date | None = None) -> None:
    """Delete a rule (admins only); its alerts stay in the history, without it."""
    actor.require_write()
    actor.require_admin()
    delete_object(session, actor, get_rule(session, actor, rule_id))


SERVICE: EntityService[AlertRule, RuleFilter, int] = EntityService(
    list_page=list_rules,
    get=get_rule,
    add=lambda session, actor, _parent, data: create_rule(session, actor, data),
    change=update_rule,
    retire=delete_rule,
)
