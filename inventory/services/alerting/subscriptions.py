"""Alert subscriptions: who is told of which alerts, placed on a region subtree or a school,
seen and changed within the actor's scope. The transport's secret goes in as plaintext and is
stored as a Fernet token only (as SNMP secrets are); nothing here returns or logs it. A
robot's URL carries its token too, so what is shown of a target is ``masked_target``."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import sqlalchemy as sa
from sqlalchemy.orm import Session

from inventory.actor import Actor
from inventory.choices import ChangeAction, TransportKind
from inventory.fieldspec import message
from inventory.models import AlertRule, Subscription
from inventory.models.alerts import SUBSCRIPTION_FIELDS, SubscriptionValues
from inventory.secretbox import SecretBox, SecretBoxError
from inventory.services.alerting import placement
from inventory.services.children import enums_of
from inventory.services.common import (
    PageRequest,
    PageResult,
    coerce_enums,
    paginate,
    raise_if,
    record_change,
    snapshot,
    sortable,
)
from inventory.services.entity import EntityService

SORTABLE = sortable(Subscription, "name transport min_severity region_code updated_at")
ENUMS = enums_of(SUBSCRIPTION_FIELDS)
PLAIN = (
    "name",
    "region_code",
    "min_severity",
    "transport",
    "target",
    "language",
    "enabled",
    "daily_digest",
)
MAIL = re.compile(r"^[^@\s,]+@[^@\s,]+\.[^@\s,]+$")
# What a robot's or webhook's URL shows: scheme, host and path, its query and long path
# segments (the robot's token) hidden.
TOKENISH = re.compile(r"^[A-Za-z0-9_\-]{16,}$")


@dataclass(frozen=True)
class SubscriptionFilter:
    """What the subscription list may be narrowed by."""

    transport: TransportKind | None = None
    region: str | None = None  # placed on this region's subtree or a school in it
    school: str | None = None
    enabled: bool | None = None


def masked_target(subscription: Subscription) -> str:
    """The target as pages and the API show it: mail addresses as they are, a URL without
    its query and tokens."""
    if subscription.transport is TransportKind.EMAIL:
        return subscription.target
    parts = urlsplit(subscription.target)
    path = "/".join("***" if TOKENISH.match(p) else p for p in parts.path.split("/"))
    return urlunsplit((parts.scheme, parts.netloc, path, "***" if parts.query else "", ""))


def _logged(subscription: Subscription) -> dict[str, Any]:
    """What the change log keeps of a subscription: its secret as set or not (the model's
    secret column), its target masked, since a robot's URL carries the robot's token, and
    its rules."""
    rule_ids = sorted(rule.id for rule in subscription.rules)
    return {**snapshot(subscription), "target": masked_target(subscription), "rule_ids": rule_ids}


def list_subscriptions(
    session: Session, actor: Actor, flt: SubscriptionFilter, page: PageRequest
) -> PageResult[Subscription]:
    """One page of the subscriptions the actor may see."""
    stmt = sa.select(Subscription).where(placement.visible(actor, Subscription))
    if flt.transport is not None:
        stmt = stmt.where(Subscription.transport == flt.transport)
    if flt.enabled is not None:
        stmt = stmt.where(Subscription.enabled == flt.enabled)
    if flt.region is not None:
        stmt = stmt.where(placement.subtree_condition(session, Subscription, flt.region))
    if flt.school is not None:
        stmt = stmt.where(
            Subscription.school_id == placement.school_filter(session, actor, flt.school)
        )
    return paginate(session, stmt, page, SORTABLE, "name", Subscription.id)


def get_subscription(session: Session, actor: Actor, subscription_id: int) -> Subscription:
    """A subscription the actor may see, or NotFound."""
    return placement.get_placed(
        session, actor, Subscription, subscription_id, "subscription", write=False
    )


def _target_error(transport: TransportKind, target: str) -> str | None:
    if transport is TransportKind.EMAIL:
        addresses = [a.strip() for a in target.split(",")]
        if not addresses or not all(MAIL.match(a) for a in addresses):
            return "must be mail addresses separated by commas"
        return None
    parts = urlsplit(target)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return "must be an http:// or https:// URL"
    return None


def _rules(session: Session, ids: list[int], errors: placement.Errors) -> list[AlertRule]:
    found = list(session.scalars(sa.select(AlertRule).where(AlertRule.id.in_(ids))))
    if missing := sorted(set(ids) - {rule.id for rule in found}):
        errors["rule_ids"] = [f"no alert rule with id {', '.join(map(str, missing))}"]
    return sorted(found, key=lambda rule: rule.id)


def _secret(box: SecretBox, stored: str | None, plaintext: str | None) -> dict[str, Any]:
    """The column change a given secret makes: sealed anew, cleared, or none if the same."""
    if plaintext is None:
        return {"secret_enc": None} if stored is not None else {}
    if stored is not None:
        try:
            if box.decrypt(stored) == plaintext:
                return {}
        except SecretBoxError:
            pass
    return {"secret_enc": box.encrypt(plaintext)}


def _columns(
    session: Session,
    actor: Actor,
    box: SecretBox,
    current: Subscription | None,
    data: Mapping[str, Any],
) -> tuple[dict[str, Any], list[AlertRule] | None]:
    """Validate a create (``current`` None) or a change; return its columns and rules."""
    errors: placement.Errors = {}
    given: dict[str, Any] = dict(coerce_enums(data, ENUMS, errors))
    given = placement.by_code(session, given, errors)
    if current is not None and given.get("target") == masked_target(current):
        given.pop("target")  # the masked target shown, sent back unchanged
    if current is None:
        given = {**SUBSCRIPTION_FIELDS.defaults, **given}
    columns = {key: given[key] for key in PLAIN if key in given}

    def value(key: str) -> Any:
        return given[key] if key in given else getattr(current, key, None)

    for key in SUBSCRIPTION_FIELDS.not_null:
        empty = value(key) is None or (isinstance(value(key), str) and not value(key).strip())
        if key not in errors and empty:
            errors[key] = ["is required"]
    transport, target = value("transport"), value("target")
    problem = (
        _target_error(transport, target)
        if "target" not in errors and isinstance(transport, TransportKind) and target
        else None
    )
    if problem:
        errors["target"] = [problem]
    secret = given.get("secret")
    rule = SUBSCRIPTION_FIELDS.rule("secret")
    if secret is not None and not rule.min_length <= len(secret) <= rule.max_length:
        errors["secret"] = [message("secret_length", low=rule.min_length, high=rule.max_length)]
    rules = _rules(session, list(given["rule_ids"]), errors) if "rule_ids" in given else None
    if current is None:
        columns["school_id"] = placement.place(
            session, actor, given.get("region_code"), given.get("school_code"), errors
        )
    else:
        columns.update(placement.placement_changes(session, actor, current, given, errors))
    raise_if(errors)
    if "secret" in given:
        stored = None if current is None else current.secret_enc
        columns.update(_secret(box, stored, given["secret"]))
    return columns, rules


def create_subscription(
    session: Session, actor: Actor, box: SecretBox, data: SubscriptionValues | Mapping[str, Any]
) -> Subscription:
    """Subscribe a transport target to alerts of a region subtree or a school in the actor's
    scope (``school_code`` names the school); no rules named: every rule."""
    actor.require_write()
    columns, rules = _columns(session, actor, box, None, data)
    subscription = Subscription(**columns)
    subscription.rules = rules or []
    session.add(subscription)
    session.flush()
    record_change(session, actor, ChangeAction.CREATE, subscription, None, _logged(subscription))
    return subscription


def update_subscription(
    session: Session,
    actor: Actor,
    box: SecretBox,
    subscription_id: int,
    changes: SubscriptionValues | Mapping[str, Any],
) -> Subscription:
    """Change some fields of a subscription in the actor's scope (staying in it); a secret
    left out stays, null clears it."""
    subscription = placement.get_placed(
        session, actor, Subscription, subscription_id, "subscription", write=True
    )
    columns, rules = _columns(session, actor, box, subscription, changes)
    before = _logged(subscription)
    for key, value in columns.items():
        setattr(subscription, key, value)
    if rules is not None:
        subscription.rules = rules
    session.flush()
    after = _logged(subscription)
    if after != before or "secret_enc" in columns:  # a rotated secret reads the same: "***"
        record_change(session, actor, ChangeAction.UPDATE, subscription, before, after)
    return subscription


def delete_subscription(
    session: Session, actor: Actor, subscription_id: int, _on: date | None = None
) -> None:
    """Delete a subscription in the actor's scope, with its undelivered messages."""
    subscription = placement.get_placed(
        session, actor, Subscription, subscription_id, "subscription", write=True
    )
    record_change(session, actor, ChangeAction.DELETE, subscription, _logged(subscription), None)
    session.delete(subscription)
    session.flush()


def service(box: Callable[[], SecretBox]) -> EntityService[Subscription, SubscriptionFilter, int]:
    """The use cases of subscriptions, sealing secrets with ``box()`` (the running app's)."""
    return EntityService(
        list_page=list_subscriptions,
        get=get_subscription,
        add=lambda session, actor, _parent, data: create_subscription(session, actor, box(), data),
        change=lambda session, actor, ident, changes: update_subscription(
            session, actor, box(), ident, changes
        ),
        retire=delete_subscription,
    )
