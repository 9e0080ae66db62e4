"""Alerts (issue 17): rules evaluated on what the poll cycle records, and the messages they
cause, written to the outbox in the same transaction. Delivery is the collectors' (a sender in
collectors/alerts/); this package never sends anything.
"""

from __future__ import annotations

from inventory.alerts.digest import write_digests
from inventory.alerts.evaluation import AlertSettings, Evaluation, evaluate
from inventory.alerts.rules import default_rules, enabled_rules, ensure_default_rules
from inventory.alerts.tiers import check_tiers

__all__ = [
    "AlertSettings",
    "Evaluation",
    "check_tiers",
    "default_rules",
    "enabled_rules",
    "ensure_default_rules",
    "evaluate",
    "write_digests",
]
