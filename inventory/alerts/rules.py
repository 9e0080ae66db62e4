"""The alert rules: the defaults shipped in the package, and the enabled rules by kind."""

from __future__ import annotations

import tomllib
from collections import defaultdict
from importlib import resources
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from inventory.choices import AlertKind, Severity
from inventory.models.alerts import ALERT_RULE_FIELDS, AlertRule

DEFAULTS = "default_rules.toml"


def default_rules() -> list[dict[str, Any]]:
    """The shipped rules as column values, checked against the rule table's fields."""
    text = resources.files("inventory.alerts").joinpath(DEFAULTS).read_text("utf-8")
    rules: list[dict[str, Any]] = []
    for entry in tomllib.loads(text)["rule"]:
        unknown = set(entry) - set(ALERT_RULE_FIELDS)
        if unknown:
            raise ValueError(f"{DEFAULTS}: unknown rule fields {sorted(unknown)}")
        values = dict(entry)
        values["kind"] = AlertKind(values["kind"])
        values["severity"] = Severity(values.get("severity", Severity.WARNING))
        values.setdefault("enabled", True)
        values.setdefault("delay_s", 0)
        rules.append(values)
    return rules


def ensure_default_rules(session: Session) -> int:
    """Load the shipped rules into an empty rule table; how many were added (0 when any
    rule exists: from then on the table is the admins')."""
    if session.scalar(sa.select(sa.func.count()).select_from(AlertRule)):
        return 0
    rules = [AlertRule(**values) for values in default_rules()]
    session.add_all(rules)
    session.flush()
    return len(rules)


def enabled_rules(session: Session) -> dict[AlertKind, list[AlertRule]]:
    """The enabled rules by kind (the defaults loaded on first use)."""
    ensure_default_rules(session)
    by_kind: dict[AlertKind, list[AlertRule]] = defaultdict(list)
    for rule in session.scalars(
        sa.select(AlertRule).where(AlertRule.enabled.is_(True)).order_by(AlertRule.id)
    ):
        by_kind[rule.kind].append(rule)
    return by_kind
