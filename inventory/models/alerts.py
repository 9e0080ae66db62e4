"""Alerts (issue 17): rules, who is told (subscriptions), quiet times, alerts, and the outbox.

An alert is opened and resolved by the poll cycle in the transaction that records the state
change behind it; the messages it causes go into ``outbox`` in that same transaction, and a
sender in the collector process delivers them (collectors/alerts/). A message is never lost
(it is in the database before anyone is told) and never sent twice (its idempotency key is
unique, and receivers that honour one see it on every retry).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypedDict

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from inventory import fieldspec as spec
from inventory.choices import (
    AlertKind,
    AlertState,
    MessageKind,
    MessageLanguage,
    OutboxState,
    Severity,
    TransportKind,
)
from inventory.models.base import Base, Timestamped, enum_type, utcnow

BigInt = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


class AlertRuleValues(TypedDict, total=False):
    name: str
    kind: AlertKind
    threshold: int | None
    window_s: int | None
    delay_s: int
    repeat_s: int | None
    severity: Severity
    enabled: bool


class SubscriptionValues(TypedDict, total=False):
    """``secret`` in plaintext: the services store only its Fernet token."""

    name: str
    region_code: str | None
    min_severity: Severity
    transport: TransportKind
    target: str
    secret: str | None
    language: MessageLanguage
    enabled: bool
    daily_digest: bool
    school_id: int | None
    rule_ids: list[int]


class MaintenanceValues(TypedDict, total=False):
    name: str
    region_code: str | None
    starts_at: datetime
    ends_at: datetime
    weekly: bool
    until: datetime | None
    notes: str | None
    school_id: int | None


ALERT_RULE_FIELDS = spec.table(
    "alert_rule",
    AlertRuleValues,
    name=spec.Field(spec.Text(64), required=True),
    kind=spec.Field(spec.Choice(AlertKind), required=True),
    # Per kind: flapping, changes in the window; credential failing, failed polls in a row;
    # tier dropped, levels. Unused by the other kinds.
    threshold=spec.Field(spec.Whole(1, 1000)),
    # Flapping: the window the changes are counted in.
    window_s=spec.Field(spec.Whole(60, 86_400, unit="seconds")),
    # The condition must hold this long before anyone is told ("down for 10 minutes").
    delay_s=spec.Field(spec.Whole(0, 86_400, unit="seconds"), default=0),
    # An unacknowledged alert is told again after this; None: once only.
    repeat_s=spec.Field(spec.Whole(300, 604_800, unit="seconds")),
    severity=spec.Field(spec.Choice(Severity), default=Severity.WARNING),
    enabled=spec.Field(spec.Flag(), default=True),
)

SUBSCRIPTION_FIELDS = spec.table(
    "alert_subscription",
    SubscriptionValues,
    references=("school_id", "rule_ids"),
    name=spec.Field(spec.Text(64), required=True),
    # The scope: a region subtree or one school (school_id); neither: the whole inventory.
    region_code=spec.Field(spec.REGION_CODE),
    min_severity=spec.Field(spec.Choice(Severity), default=Severity.WARNING),
    transport=spec.Field(spec.Choice(TransportKind), required=True),
    # A robot's webhook URL, a webhook URL, or the mail addresses (comma-separated).
    target=spec.Field(spec.Text(500), required=True),
    # The robot's signing secret or the webhook's HMAC key; write-only.
    secret=spec.Field(spec.Secret(1, 200)),
    language=spec.Field(spec.Choice(MessageLanguage), default=MessageLanguage.ZH),
    enabled=spec.Field(spec.Flag(), default=True),
    # Also a message once a day: what went down and came back, and what is still open.
    daily_digest=spec.Field(spec.Flag(), default=False),
)

MAINTENANCE_FIELDS = spec.table(
    "maintenance_window",
    MaintenanceValues,
    references=("school_id",),
    name=spec.Field(spec.Text(64), required=True),
    region_code=spec.Field(spec.REGION_CODE),
    starts_at=spec.Field(spec.MOMENT, required=True),
    ends_at=spec.Field(spec.MOMENT, required=True),
    # Recurs every week at the same local weekday and time, until ``until`` if given.
    weekly=spec.Field(spec.Flag(), default=False),
    until=spec.Field(spec.MOMENT),
    notes=spec.Field(spec.NOTES),
)

subscription_rule = sa.Table(
    "alert_subscription_rule",
    Base.metadata,
    sa.Column(
        "subscription_id",
        sa.ForeignKey("alert_subscription.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("rule_id", sa.ForeignKey("alert_rule.id", ondelete="CASCADE"), primary_key=True),
)


class AlertRule(Timestamped, Base):
    """When to raise an alert: a kind, its threshold, a delay, a severity, a repeat interval."""

    __tablename__ = "alert_rule"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(ALERT_RULE_FIELDS.sql_type("name"), unique=True)
    kind: Mapped[AlertKind] = mapped_column(enum_type(AlertKind))
    threshold: Mapped[int | None]
    window_s: Mapped[int | None]
    delay_s: Mapped[int] = mapped_column(default=0)
    repeat_s: Mapped[int | None]
    severity: Mapped[Severity] = mapped_column(enum_type(Severity))
    enabled: Mapped[bool] = mapped_column(default=True)

    def __repr__(self) -> str:
        return f"AlertRule({self.id}, {self.name!r}, {self.kind.value})"


class Subscription(Timestamped, Base):
    """Who is told of which alerts, and how: a scope, rules, a minimum severity, a transport."""

    __tablename__ = "alert_subscription"
    __secret_columns__ = ("secret_enc",)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(SUBSCRIPTION_FIELDS.sql_type("name"))
    region_code: Mapped[str | None] = mapped_column(
        sa.ForeignKey("region.code", ondelete="CASCADE"), index=True
    )
    school_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("school.id", ondelete="CASCADE"), index=True
    )
    min_severity: Mapped[Severity] = mapped_column(enum_type(Severity))
    transport: Mapped[TransportKind] = mapped_column(enum_type(TransportKind))
    target: Mapped[str] = mapped_column(SUBSCRIPTION_FIELDS.sql_type("target"))
    secret_enc: Mapped[str | None] = mapped_column(sa.Text)
    language: Mapped[MessageLanguage] = mapped_column(enum_type(MessageLanguage))
    enabled: Mapped[bool] = mapped_column(default=True)
    daily_digest: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    # No rules named: every rule.
    rules: Mapped[list[AlertRule]] = relationship(secondary=subscription_rule, lazy="selectin")

    __table_args__ = (
        sa.CheckConstraint("region_code IS NULL OR school_id IS NULL", name="one_scope"),
    )

    def __repr__(self) -> str:
        return f"Subscription({self.id}, {self.name!r}, {self.transport.value})"


class MaintenanceWindow(Timestamped, Base):
    """A planned quiet time for a region subtree or a school: alerts are recorded (as planned)
    but nobody is told. One-off, or weekly at the same time."""

    __tablename__ = "maintenance_window"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(MAINTENANCE_FIELDS.sql_type("name"))
    region_code: Mapped[str | None] = mapped_column(
        sa.ForeignKey("region.code", ondelete="CASCADE"), index=True
    )
    school_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("school.id", ondelete="CASCADE"), index=True
    )
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    weekly: Mapped[bool] = mapped_column(default=False)
    until: Mapped[datetime | None]
    notes: Mapped[str | None] = mapped_column(MAINTENANCE_FIELDS.sql_type("notes"))

    __table_args__ = (
        sa.CheckConstraint("region_code IS NULL OR school_id IS NULL", name="one_scope"),
        sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),
    )

    def __repr__(self) -> str:
        return f"MaintenanceWindow({self.id}, {self.name!r}, {self.starts_at}–{self.ends_at})"


class Alert(Base):
    """One alert: a rule's condition on one object (device or uplink) from ``since`` on.

    ``object_key`` ("device:12", "link:5") identifies the object whatever its kind; at most
    one alert per rule and object is open. Kind and severity are copied from the rule, so the
    history reads the same after the rule changes.
    """

    __tablename__ = "alert"

    id: Mapped[int] = mapped_column(BigInt, primary_key=True)
    rule_id: Mapped[int | None] = mapped_column(sa.ForeignKey("alert_rule.id", ondelete="SET NULL"))
    kind: Mapped[AlertKind] = mapped_column(enum_type(AlertKind))
    severity: Mapped[Severity] = mapped_column(enum_type(Severity))
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id", ondelete="CASCADE"))
    county_code: Mapped[str | None] = mapped_column(
        sa.ForeignKey("region.code", ondelete="SET NULL")
    )
    device_id: Mapped[int | None] = mapped_column(sa.ForeignKey("device.id", ondelete="CASCADE"))
    link_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("network_link.id", ondelete="CASCADE")
    )
    object_key: Mapped[str] = mapped_column(sa.String(64))
    object_name: Mapped[str] = mapped_column(sa.String(200))
    cause: Mapped[str] = mapped_column(sa.String(200))
    since: Mapped[datetime]
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    state: Mapped[AlertState] = mapped_column(enum_type(AlertState), default=AlertState.OPEN)
    resolved_at: Mapped[datetime | None]
    # Opened inside a maintenance window: recorded, nobody told, planned in availability.
    planned: Mapped[bool] = mapped_column(default=False)
    acknowledged_by: Mapped[str | None] = mapped_column(sa.String(64))
    acknowledged_at: Mapped[datetime | None]
    # When people were last told of it (None: not yet, e.g. held back by maintenance).
    last_sent_at: Mapped[datetime | None]
    repeat_s: Mapped[int | None]

    __table_args__ = (
        sa.Index("ix_alert_state_school", "state", "school_id"),
        sa.Index("ix_alert_device", "device_id", "state"),
        sa.Index("ix_alert_opened", "opened_at"),
        # At most one open alert per rule and object, whoever evaluates.
        sa.Index(
            "uq_alert_open",
            "rule_id",
            "object_key",
            unique=True,
            sqlite_where=sa.text("state = 'open'"),
            postgresql_where=sa.text("state = 'open'"),
        ),
    )

    def __repr__(self) -> str:
        return f"Alert({self.id}, {self.kind.value} {self.object_key} {self.state.value})"


class OutboxMessage(Base):
    """A message for one subscription, written with the change that caused it; the sender
    delivers it (``pending``), with retries, until ``sent`` or, failing, ``dead``."""

    __tablename__ = "alert_outbox"

    id: Mapped[int] = mapped_column(BigInt, primary_key=True)
    subscription_id: Mapped[int] = mapped_column(
        sa.ForeignKey("alert_subscription.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[MessageKind] = mapped_column(enum_type(MessageKind))
    idempotency_key: Mapped[str] = mapped_column(sa.String(64), unique=True)
    subject: Mapped[str] = mapped_column(sa.String(200))
    # Markdown, in the subscription's language: robots render it, mail shows it as text.
    body: Mapped[str] = mapped_column(sa.Text)
    # The alerts told, as JSON (a generic webhook gets them as they are).
    events: Mapped[list[Any]] = mapped_column(sa.JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    state: Mapped[OutboxState] = mapped_column(enum_type(OutboxState), default=OutboxState.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    # What the receiver said last (secrets masked): the dead-letter list shows it.
    last_answer: Mapped[str | None] = mapped_column(sa.String(500))

    __table_args__ = (sa.Index("ix_alert_outbox_due", "state", "next_attempt_at"),)

    def __repr__(self) -> str:
        return f"OutboxMessage({self.id}, {self.kind.value} → {self.subscription_id} {self.state.value})"


class SenderLease(Base):
    """Who sends the outbox: one row per duty, held by one collector until it expires."""

    __tablename__ = "alert_sender_lease"

    name: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    owner: Mapped[str | None] = mapped_column(sa.String(64))
    expires_at: Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"SenderLease({self.name!r}, {self.owner!r} until {self.expires_at})"
