"""Who may see and change what of issue 17's alerts, from a table (the house's matrix style,
tests/test_permissions_matrix.py, on the same world and accounts).

Alerts, school-placed subscriptions and windows, and the dead letters of those subscriptions
follow their school exactly as a classroom does: seen in scope, 404 outside it, 403 for
read-only accounts. A subscription placed on a county is seen by the county's region admin and
viewers and by unscoped readers, never by school staff (it is above their school); placing one
outside one's own region is a 403, as registering a school there is. Rules are reference data:
everyone reads them, admins alone change them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.engine import Engine

from inventory.actor import Actor
from inventory.choices import AlertKind, MessageKind, OutboxState, Severity
from inventory.db import make_sessionmaker
from inventory.models import Alert, OutboxMessage
from inventory.services.alerting import rules, subscriptions, windows
from tests.conftest import COUNTY, OTHER_COUNTY, ApiClient
from tests.test_permissions_matrix import (
    READ,
    ROLES,
    SCHOOL_TARGETS,
    SEEN,
    World,
    admin_only,
    build_world,
    everyone,
    listed,
    row,
    status,
    write,
)

API = "/api/v1"
REGION_TARGETS = ("in", "out")
COUNTY_OF = {"in": COUNTY, "out": OTHER_COUNTY}
Run = Callable[[ApiClient, World, "Alerting", str], str]


@dataclass
class Alerting:
    """The alert objects of the matrix, by group and target."""

    ids: dict[str, dict[str, int]] = field(default_factory=dict)
    rule_id: int = 0


def build_alerting(engine: Engine, box: Any, world: World) -> Alerting:
    made = Alerting()
    system = Actor.system("matrix")
    now = datetime.now(UTC)
    with make_sessionmaker(engine)() as db, db.begin():
        rule = rules.create_rule(db, system, {"name": "down", "kind": AlertKind.UPLINK_DOWN})
        made.rule_id = rule.id
        for target in SCHOOL_TARGETS:
            code, school_id = world.school_code[target], world.school_id[target]
            alert = Alert(
                rule_id=rule.id,
                kind=AlertKind.UPLINK_DOWN,
                severity=Severity.CRITICAL,
                school_id=school_id,
                object_key=f"link:{target}",
                object_name=f"uplink {target}",
                cause="ifOperStatus down",
                since=now - timedelta(minutes=20),
            )
            db.add(alert)
            subscription = subscriptions.create_subscription(
                db,
                system,
                box,
                {
                    "name": f"school {target}",
                    "school_code": code,
                    "transport": "wecom",
                    "target": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k",
                },
            )
            window = windows.create_window(
                db,
                system,
                {
                    "name": f"window {target}",
                    "school_code": code,
                    "starts_at": now + timedelta(days=1),
                    "ends_at": now + timedelta(days=1, hours=2),
                },
            )
            letter = OutboxMessage(
                subscription_id=subscription.id,
                kind=MessageKind.OPENED,
                idempotency_key=f"matrix-{target}",
                subject="uplink down",
                body="uplink down",
                state=OutboxState.DEAD,
                attempts=8,
                last_answer="HTTP 500",
            )
            db.add(letter)
            db.flush()
            for group, obj_id in (
                ("alerts", alert.id),
                ("subscriptions", subscription.id),
                ("maintenance-windows", window.id),
                ("dead-letters", letter.id),
            ):
                made.ids.setdefault(group, {})[target] = obj_id
        for target, county in COUNTY_OF.items():
            subscription = subscriptions.create_subscription(
                db,
                system,
                box,
                {
                    "name": f"county {target}",
                    "region_code": county,
                    "transport": "email",
                    "target": "duty@example.org",
                },
            )
            made.ids.setdefault("county-subscriptions", {})[target] = subscription.id
    return made


def _placed_ops(group: str, body: Callable[[World, str], dict[str, Any]]) -> dict[str, Run]:
    def one(a: Alerting, t: str) -> str:
        return f"{API}/{group}/{a.ids[group][t]}"

    return {
        "list": lambda c, w, a, t: listed(
            c.get(f"{API}/{group}", query_string={"per_page": 1000}), "id", a.ids[group][t]
        ),
        "get": lambda c, w, a, t: status(c.get(one(a, t))),
        "update": lambda c, w, a, t: status(c.patch(one(a, t), json={"name": "renamed"})),
        "create": lambda c, w, a, t: status(c.post(f"{API}/{group}", json=body(w, t))),
        "delete": lambda c, w, a, t: status(c.delete(one(a, t))),
    }


def _subscription_at(w: World, t: str) -> dict[str, Any]:
    return {
        "name": "new",
        "school_code": w.school_code[t],
        "transport": "email",
        "target": "it@example.org",
    }


def _window_at(w: World, t: str) -> dict[str, Any]:
    return {
        "name": "new",
        "school_code": w.school_code[t],
        "starts_at": "2030-01-01T22:00",
        "ends_at": "2030-01-02T02:00",
    }


def _county_subscription(w: World, t: str) -> dict[str, Any]:
    return {"name": "new", "region_code": COUNTY_OF[t], "transport": "email", "target": "a@b.cn"}


def _county_ops() -> dict[str, Run]:
    ops = _placed_ops("subscriptions", _county_subscription)

    def one(a: Alerting, t: str) -> str:
        return f"{API}/subscriptions/{a.ids['county-subscriptions'][t]}"

    ops["list"] = lambda c, w, a, t: listed(
        c.get(f"{API}/subscriptions", query_string={"per_page": 1000}),
        "id",
        a.ids["county-subscriptions"][t],
    )
    ops["get"] = lambda c, w, a, t: status(c.get(one(a, t)))
    ops["update"] = lambda c, w, a, t: status(c.patch(one(a, t), json={"name": "renamed"}))
    ops["delete"] = lambda c, w, a, t: status(c.delete(one(a, t)))
    return ops


ALERT_OPS: dict[str, Run] = {
    "list": lambda c, w, a, t: listed(
        c.get(f"{API}/alerts", query_string={"per_page": 1000}), "id", a.ids["alerts"][t]
    ),
    "get": lambda c, w, a, t: status(c.get(f"{API}/alerts/{a.ids['alerts'][t]}")),
    "acknowledge": lambda c, w, a, t: status(
        c.post(f"{API}/alerts/{a.ids['alerts'][t]}/acknowledge")
    ),
}
DEAD_LETTER_OPS: dict[str, Run] = {
    "list": lambda c, w, a, t: listed(
        c.get(f"{API}/dead-letters", query_string={"per_page": 1000}),
        "id",
        a.ids["dead-letters"][t],
    ),
    "get": lambda c, w, a, t: status(c.get(f"{API}/dead-letters/{a.ids['dead-letters'][t]}")),
    "retry": lambda c, w, a, t: status(
        c.post(f"{API}/dead-letters/{a.ids['dead-letters'][t]}/retry")
    ),
}
RULE_OPS: dict[str, Run] = {
    "list": lambda c, w, a, t: listed(c.get(f"{API}/alert-rules"), "id", a.rule_id),
    "get": lambda c, w, a, t: status(c.get(f"{API}/alert-rules/{a.rule_id}")),
    "update": lambda c, w, a, t: status(
        c.patch(f"{API}/alert-rules/{a.rule_id}", json={"delay_s": 600})
    ),
    "create": lambda c, w, a, t: status(
        c.post(f"{API}/alert-rules", json={"name": f"r{w.next()}", "kind": "uplink_slow"})
    ),
    "delete": lambda c, w, a, t: status(c.delete(f"{API}/alert-rules/{a.rule_id}")),
}

# Creating something placed on a school: the school must be one the actor may change; one
# outside the scope is unknown (422 on school_code), exactly as an unknown code.
PLACE_AT_SCHOOL = row(
    admin="201 201 201",
    region_admin="201 201 422",
    school_staff="201 422 422",
    viewer="403 403 403",
    viewer_region="403 403 403",
)
SCHOOL_PLACED = {
    "list": SEEN,
    "get": READ,
    "update": write("200"),
    "create": PLACE_AT_SCHOOL,
    "delete": write("204"),
}
COUNTY_PLACED = {
    "list": row(
        admin="+ +", region_admin="+ -", school_staff="- -", viewer="+ +", viewer_region="+ -"
    ),
    "get": row(
        admin="200 200",
        region_admin="200 404",
        school_staff="404 404",
        viewer="200 200",
        viewer_region="200 404",
    ),
    "update": row(
        admin="200 200",
        region_admin="200 404",
        school_staff="404 404",
        viewer="403 403",
        viewer_region="403 403",
    ),
    # Outside one's own region is a public fact: 403, as for registering a school there.
    "create": row(
        admin="201 201",
        region_admin="201 403",
        school_staff="403 403",
        viewer="403 403",
        viewer_region="403 403",
    ),
    "delete": row(
        admin="204 204",
        region_admin="204 404",
        school_staff="404 404",
        viewer="403 403",
        viewer_region="403 403",
    ),
}
RULE_TABLE = {
    "list": everyone("+"),
    "get": everyone("200"),
    "update": admin_only("200"),
    "create": admin_only("201"),
    "delete": admin_only("204"),
}


@dataclass(frozen=True)
class Group:
    targets: tuple[str, ...]
    ops: dict[str, Run]
    table: dict[str, dict[str, tuple[str, ...]]]


GROUPS: dict[str, Group] = {
    "alerts": Group(
        SCHOOL_TARGETS, ALERT_OPS, {"list": SEEN, "get": READ, "acknowledge": write("200")}
    ),
    "subscriptions": Group(
        SCHOOL_TARGETS, _placed_ops("subscriptions", _subscription_at), SCHOOL_PLACED
    ),
    "county-subscriptions": Group(REGION_TARGETS, _county_ops(), COUNTY_PLACED),
    "maintenance-windows": Group(
        SCHOOL_TARGETS, _placed_ops("maintenance-windows", _window_at), SCHOOL_PLACED
    ),
    "dead-letters": Group(
        SCHOOL_TARGETS, DEAD_LETTER_OPS, {"list": SEEN, "get": READ, "retry": write("200")}
    ),
    "alert-rules": Group(("any",), RULE_OPS, RULE_TABLE),
}


def test_every_alert_group_has_a_full_table() -> None:
    for name, group in GROUPS.items():
        assert set(group.ops) == set(group.table), name
        for op, expected in group.table.items():
            assert set(expected) == set(ROLES), (name, op)
            for role, outcomes in expected.items():
                assert len(outcomes) == len(group.targets), (name, op, role)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("group_name", list(GROUPS))
def test_alert_permission_matrix(app: Flask, engine: Engine, group_name: str, role: str) -> None:
    box = app.extensions["digicampus"].secret_box
    world = build_world(engine, box)
    alerting = build_alerting(engine, box, world)
    client = ApiClient(app.test_client(), world.token[role])
    group = GROUPS[group_name]
    mismatches = []
    for op, run in group.ops.items():
        for target, expected in zip(group.targets, group.table[op][role], strict=True):
            got = run(client, world, alerting, target)
            if got != expected:
                last = client.responses[-1]
                mismatches.append(
                    f"{op} {target}: expected {expected}, got {got} "
                    f"({last.request.method} {last.request.path}: {last.get_data(as_text=True)[:200]})"
                )
    assert not mismatches, "\n".join(mismatches)
