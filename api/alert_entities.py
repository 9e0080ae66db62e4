"""The registry entries of issue 17: alert rules, subscriptions, maintenance windows, alerts
and dead letters. The generic resource serves their API and the generic form view their
create/edit pages; acknowledging an alert and retrying a dead letter are their two actions."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import object_session

from api import runtime
from api.alerts.schemas import (
    AlertListArgs,
    AlertPageSchema,
    AlertSchema,
    DeadLetterListArgs,
    DeadLetterPageSchema,
    DeadLetterSchema,
    RuleListArgs,
    RulePageSchema,
    RuleSchema,
    SubscriptionListArgs,
    SubscriptionPageSchema,
    SubscriptionSchema,
    WindowListArgs,
    WindowPageSchema,
    WindowSchema,
)
from api.registry import Action, Docs, Entity, FormSpec
from inventory.choices import UserRole
from inventory.models import Alert, AlertRule, MaintenanceWindow, OutboxMessage, Subscription
from inventory.services.alerting import (
    alerts,
    dead_letters,
    placement,
    rules,
    subscriptions,
    windows,
)
from inventory.services.alerting.alerts import AlertFilter
from inventory.services.alerting.dead_letters import DeadLetterFilter
from inventory.services.alerting.rules import RuleFilter
from inventory.services.alerting.subscriptions import SubscriptionFilter
from inventory.services.alerting.windows import WindowFilter

__all__ = ["ALERT_ENTITIES"]

# Whoever may change something placed on a region or a school may register one.
PLACERS = frozenset({UserRole.ADMIN, UserRole.REGION_ADMIN, UserRole.SCHOOL_STAFF})
READ_ONLY: frozenset[str] = frozenset()


def _shown_placed(obj: Any) -> dict[str, Any]:
    # What an edit page starts with that is no attribute: the school by its code.
    session = object_session(obj)
    return {"school_code": session and placement.school_code_of(session, obj.school_id)}


def _shown_subscription(subscription: Any) -> dict[str, Any]:
    # ... and the rules followed, and the target masked as the API shows it.
    return {
        **_shown_placed(subscription),
        "rule_ids": [rule.id for rule in subscription.rules],
        "target": subscriptions.masked_target(subscription),
    }


ALERT_RULES = Entity(
    name="alert-rules",
    what="alert rule",
    description="Alert rules (告警规则): when an alert is raised; admins change them",
    model=AlertRule,
    service=rules.SERVICE,
    schema=RuleSchema,
    page_schema=RulePageSchema,
    list_args=RuleListArgs,
    make_filter=RuleFilter,
    retire="delete",
    url_key="rule_id",
    docs=Docs(
        list_all="List alert rules, filtered by kind, severity or whether enabled.",
        create="Add an alert rule (admins only).",
        get="Get an alert rule.",
        update="Change an alert rule's threshold, delay, severity or repeat (admins only).",
        remove="Delete an alert rule; its alerts stay in the history (admins only).",
    ),
    form=FormSpec(
        fields=(
            "name",
            "kind",
            "threshold",
            "window_s",
            "delay_s",
            "repeat_s",
            "severity",
            "enabled",
        ),
        defaults={"delay_s": 0, "enabled": True, "severity": "warning"},
        creators=frozenset({UserRole.ADMIN}),
        page="alert_pages.rule_list",
    ),
)

SUBSCRIPTIONS = Entity(
    name="subscriptions",
    what="subscription",
    description="Alert subscriptions (告警订阅): who is told, how; secrets are write-only",
    model=Subscription,
    service=subscriptions.service(lambda: runtime.runtime().secret_box),
    schema=SubscriptionSchema,
    page_schema=SubscriptionPageSchema,
    list_args=SubscriptionListArgs,
    make_filter=SubscriptionFilter,
    retire="delete",
    docs=Docs(
        list_all="List the alert subscriptions in your scope (without their secrets).",
        create="Subscribe a transport target to the alerts of a region or a school in your scope.",
        get="Get an alert subscription (without its secret).",
        update="Change some fields of a subscription or rotate its secret.",
        remove="Delete an alert subscription with its undelivered messages.",
    ),
    form=FormSpec(
        fields=(
            "name",
            "region_code",
            "school_code",
            "rule_ids",
            "min_severity",
            "transport",
            "target",
            "secret",
            "language",
            "enabled",
            "daily_digest",
        ),
        defaults={"enabled": True, "min_severity": "warning", "language": "zh"},
        references={
            "region_code": "regions_placeable",
            "school_code": "schools",
            "rule_ids": "alert-rules",
        },
        creators=PLACERS,
        page="alert_pages.subscription_list",
        shown=_shown_subscription,
    ),
)

WINDOWS = Entity(
    name="maintenance-windows",
    what="maintenance window",
    description="Maintenance windows (维护窗口): planned quiet times of a region or a school",
    model=MaintenanceWindow,
    service=windows.SERVICE,
    schema=WindowSchema,
    page_schema=WindowPageSchema,
    list_args=WindowListArgs,
    make_filter=WindowFilter,
    retire="delete",
    url_key="window_id",
    docs=Docs(
        list_all="List the maintenance windows in your scope.",
        create="Plan a maintenance window for a region or a school in your scope.",
        get="Get a maintenance window.",
        update="Change some fields of a maintenance window.",
        remove="Delete a maintenance window.",
    ),
    form=FormSpec(
        fields=(
            "name",
            "region_code",
            "school_code",
            "starts_at",
            "ends_at",
            "weekly",
            "until",
            "notes",
        ),
        defaults={"weekly": False},
        references={"region_code": "regions_placeable", "school_code": "schools"},
        creators=PLACERS,
        page="alert_pages.window_list",
        shown=_shown_placed,
    ),
)

ALERTS = Entity(
    name="alerts",
    what="alert",
    description="Alerts (告警): open ones and the history; acknowledge to stop the repeats",
    model=Alert,
    service=alerts.SERVICE,
    schema=AlertSchema,
    page_schema=AlertPageSchema,
    list_args=AlertListArgs,
    make_filter=AlertFilter,
    writes=READ_ONLY,
    docs=Docs(
        list_all="List alerts in your scope: open ones (state=open) or the history.",
        get="Get an alert.",
    ),
    actions=(
        Action(
            "acknowledge",
            "Acknowledge an open alert: it is not repeated; who and when are recorded.",
            alerts.acknowledge,
        ),
    ),
)

DEAD_LETTERS = Entity(
    name="dead-letters",
    what="dead letter",
    description="Dead letters (发送失败): messages the sender gave up on; retry puts one back",
    model=OutboxMessage,
    service=dead_letters.SERVICE,
    schema=DeadLetterSchema,
    page_schema=DeadLetterPageSchema,
    list_args=DeadLetterListArgs,
    make_filter=DeadLetterFilter,
    writes=READ_ONLY,
    url_key="message_id",
    docs=Docs(
        list_all="List the dead letters of the subscriptions in your scope.",
        get="Get a dead letter with the receiver's last answer (secrets masked).",
    ),
    actions=(
        Action(
            "retry",
            "Retry a dead letter: it goes back in the queue, due now, with its idempotency key.",
            dead_letters.retry,
        ),
    ),
)

ALERT_ENTITIES: tuple[Entity, ...] = (ALERTS, ALERT_RULES, SUBSCRIPTIONS, WINDOWS, DEAD_LETTERS)
