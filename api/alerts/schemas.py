"""Alert, rule, subscription, maintenance-window and dead-letter schemas. A subscription's
secret goes in (write-only) and never comes out; its target comes out masked."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from api.alerts.fields import Flag, Moment, Read, school_code_field
from api.converters import MAX_ID
from api.credentials.schemas import Secret
from api.fields import ListArgs, code, field_for, page_schema, sort_field
from inventory.choices import (
    AlertKind,
    AlertState,
    MessageKind,
    Severity,
    TransportKind,
)
from inventory.fieldspec import REGION_CODE, SCHOOL_CODE
from inventory.models.alerts import ALERT_RULE_FIELDS as R
from inventory.models.alerts import MAINTENANCE_FIELDS as W
from inventory.models.alerts import SUBSCRIPTION_FIELDS as S
from inventory.services.alerting import alerts, dead_letters, rules, subscriptions, windows

SCOPE = "The scope: a region subtree (region_code) or one school (school_code); neither: all"


class RuleSchema(ma.Schema):
    """An alert rule: when an alert is raised, how urgent it is, how often it repeats."""

    id = fields.Integer(dump_only=True)
    name = field_for(R["name"])
    kind = field_for(R["kind"])
    threshold = field_for(
        R["threshold"],
        metadata={"description": "Flapping: changes in the window; credential: failed polls"},
    )
    window_s = field_for(R["window_s"], metadata={"description": "Flapping: the window (s)"})
    delay_s = field_for(R["delay_s"], metadata={"description": "Holds this long first (s)"})
    repeat_s = field_for(
        R["repeat_s"], metadata={"description": "Unacknowledged: told again after (s)"}
    )
    severity = field_for(R["severity"], metadata={"description": "Default: warning"})
    enabled = Flag(metadata={"description": "Default: true"})
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)


class RuleListArgs(ListArgs):
    """Filters of the rule list."""

    kind = fields.Enum(AlertKind, by_value=True)
    severity = fields.Enum(Severity, by_value=True)
    enabled = fields.Boolean()
    sort = sort_field(rules.SORTABLE, "name")


def _rule_ids(subscription: Any) -> list[int]:
    return [rule.id for rule in subscription.rules]


class SubscriptionSchema(ma.Schema):
    """Who is told of which alerts and how; the secret is write-only, the target masked."""

    id = fields.Integer(dump_only=True)
    name = field_for(S["name"])
    region_code = field_for(S["region_code"], metadata={"description": SCOPE})
    school_code = school_code_field(SCOPE)
    rule_ids = Read(
        _rule_ids,
        fields.List(
            fields.Integer(strict=True, validate=validate.Range(1, MAX_ID)),
            validate=validate.Length(max=100),
        ),
        metadata={
            "type": "array",
            "items": {"type": "integer"},
            "description": "The rules it follows; empty: every rule",
        },
    )
    min_severity = field_for(S["min_severity"], metadata={"description": "Default: warning"})
    transport = field_for(S["transport"])
    target = Read(
        subscriptions.masked_target,
        field_for(S["target"]),
        required=True,
        metadata={
            "type": "string",
            "description": "Mail addresses (comma-separated) or the robot's or webhook's URL; "
            "shown without its query and tokens",
        },
    )
    secret = Secret(
        S.rule("secret"),
        metadata={"description": "Robot signing secret or webhook HMAC key (write-only)"},
    )
    has_secret = fields.Function(
        lambda subscription: subscription.secret_enc is not None,
        dump_only=True,
        metadata={"type": "boolean", "description": "Whether a secret is set"},
    )
    language = field_for(S["language"], metadata={"description": "Default: zh"})
    enabled = Flag(metadata={"description": "Default: true"})
    daily_digest = Flag(
        metadata={"description": "Also a digest once a day (08:00 local); default false"}
    )
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)


class SubscriptionListArgs(ListArgs):
    """Filters of the subscription list."""

    transport = fields.Enum(TransportKind, by_value=True)
    region = code(REGION_CODE, metadata={"description": "Region code: its subtree"})
    school = code(SCHOOL_CODE, metadata={"description": "School code"})
    enabled = fields.Boolean()
    sort = sort_field(subscriptions.SORTABLE, "name")


class WindowSchema(ma.Schema):
    """A maintenance window: alerts inside it are recorded as planned, nobody is told."""

    id = fields.Integer(dump_only=True)
    name = field_for(W["name"])
    region_code = field_for(W["region_code"], metadata={"description": SCOPE})
    school_code = school_code_field(SCOPE)
    starts_at = Moment(required=True, metadata={"description": "No zone: the bureau's clock"})
    ends_at = Moment(required=True)
    weekly = Flag(metadata={"description": "Every week at the same time; default false"})
    until = Moment(allow_none=True, metadata={"description": "A weekly window's last week"})
    notes = field_for(W["notes"])
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)


class WindowListArgs(ListArgs):
    """Filters of the maintenance-window list."""

    region = code(REGION_CODE, metadata={"description": "Region code: its subtree"})
    school = code(SCHOOL_CODE, metadata={"description": "School code"})
    active_at = Moment(metadata={"description": "Only windows that may be in force then"})
    sort = sort_field(windows.SORTABLE, "-starts_at")


class AlertSchema(ma.Schema):
    """An alert: a rule's condition on a device or uplink of a school, since when."""

    id = fields.Integer(dump_only=True)
    rule_id = fields.Integer(dump_only=True, allow_none=True)
    kind = fields.Enum(AlertKind, by_value=True, dump_only=True)
    severity = fields.Enum(Severity, by_value=True, dump_only=True)
    state = fields.Enum(AlertState, by_value=True, dump_only=True)
    school_code = school_code_field("The school whose device or uplink it is", dump_only=True)
    county_code = fields.String(dump_only=True, allow_none=True)
    device_id = fields.Integer(dump_only=True, allow_none=True)
    link_id = fields.Integer(dump_only=True, allow_none=True)
    object_name = fields.String(dump_only=True)
    cause = fields.String(dump_only=True)
    since = fields.DateTime(dump_only=True)
    opened_at = fields.DateTime(dump_only=True)
    resolved_at = fields.DateTime(dump_only=True, allow_none=True)
    planned = fields.Boolean(dump_only=True, metadata={"description": "In a maintenance window"})
    acknowledged_by = fields.String(dump_only=True, allow_none=True)
    acknowledged_at = fields.DateTime(dump_only=True, allow_none=True)
    last_sent_at = fields.DateTime(dump_only=True, allow_none=True)


class AlertListArgs(ListArgs):
    """Filters of the alert list: open ones (state=open) or the history."""

    state = fields.Enum(AlertState, by_value=True)
    severity = fields.Enum(
        Severity, by_value=True, metadata={"description": "This severity and above"}
    )
    kind = fields.Enum(AlertKind, by_value=True)
    region = code(REGION_CODE, metadata={"description": "Region code: its subtree"})
    school = code(SCHOOL_CODE, metadata={"description": "School code"})
    acknowledged = fields.Boolean()
    since = Moment(metadata={"description": "Opened at or after"})
    sort = sort_field(alerts.SORTABLE, "-since")


class DeadLetterSchema(ma.Schema):
    """A message the sender gave up on, with the receiver's last answer (secrets masked)."""

    id = fields.Integer(dump_only=True)
    subscription_id = fields.Integer(dump_only=True)
    kind = fields.Enum(MessageKind, by_value=True, dump_only=True)
    subject = fields.String(dump_only=True)
    body = fields.String(dump_only=True)
    created_at = fields.DateTime(dump_only=True)
    attempts = fields.Integer(dump_only=True)
    last_answer = fields.String(dump_only=True, allow_none=True)
    state = fields.String(attribute="state.value", dump_only=True)


class DeadLetterListArgs(ListArgs):
    """Filters of the dead-letter list."""

    subscription_id = fields.Integer(validate=validate.Range(1, MAX_ID))
    kind = fields.Enum(MessageKind, by_value=True)
    transport = fields.Enum(TransportKind, by_value=True)
    sort = sort_field(dead_letters.SORTABLE, "-created_at")


RulePageSchema = page_schema(RuleSchema)
SubscriptionPageSchema = page_schema(SubscriptionSchema)
WindowPageSchema = page_schema(WindowSchema)
AlertPageSchema = page_schema(AlertSchema)
DeadLetterPageSchema = page_schema(DeadLetterSchema)
