"""The alert resources of issue 17 through the API: rules (admins change them), subscriptions
whose secret goes in and never comes out and whose robot URL comes out masked, maintenance
windows on the bureau's clock, alerts acknowledged once with who and when, dead letters put
back in the queue; every refusal a JSON error that leaves the database as it was."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.engine import Engine

from inventory.actor import Actor
from inventory.choices import (
    AlertKind,
    AlertState,
    MessageKind,
    OutboxState,
    Severity,
    TransportKind,
    UserRole,
)
from inventory.db import make_sessionmaker
from inventory.models import Alert, ChangeRecord, OutboxMessage, Subscription
from inventory.services import schools
from tests.conftest import COUNTY, OTHER_COUNTY, ApiClient, client_for

API = "/api/v1"
ROBOT = "https://oapi.dingtalk.com/robot/send?access_token=0123456789abcdef0123456789abcdef"
SECRET = "SEC-dingtalk-signing-secret-42"


def _school(engine: Engine, code: str, county: str = COUNTY) -> int:
    with make_sessionmaker(engine)() as db, db.begin():
        school = schools.create_school(
            db,
            Actor.system("tests"),
            {"code": code, "name": f"学校{code[-2:]}", "type_code": "211", "region_code": county},
        )
        return school.id


def _alert(engine: Engine, school_id: int, **values: Any) -> int:
    now = datetime.now(UTC)
    with make_sessionmaker(engine)() as db, db.begin():
        alert = Alert(
            kind=values.pop("kind", AlertKind.DEVICE_UNREACHABLE),
            severity=values.pop("severity", Severity.CRITICAL),
            school_id=school_id,
            object_key=values.pop("object_key", f"device:{school_id}"),
            object_name="gw-1 (10.0.0.1)",
            cause="no answer to SNMP",
            since=now - timedelta(minutes=15),
            **values,
        )
        db.add(alert)
        db.flush()
        return alert.id


def _dead_letter(engine: Engine, subscription_id: int) -> int:
    with make_sessionmaker(engine)() as db, db.begin():
        message = OutboxMessage(
            subscription_id=subscription_id,
            kind=MessageKind.OPENED,
            idempotency_key=f"k-{subscription_id}-{datetime.now(UTC).timestamp()}",
            subject="设备不可达",
            body="**设备不可达**",
            state=OutboxState.DEAD,
            attempts=8,
            last_answer="HTTP 502 from oapi.dingtalk.com",
        )
        db.add(message)
        db.flush()
        return message.id


def _subscription(api: ApiClient, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "县教育局值班群",
        "region_code": COUNTY,
        "transport": "dingtalk",
        "target": ROBOT,
        "secret": SECRET,
    }
    body.update(overrides)
    response = api.post(f"{API}/subscriptions", json=body)
    assert response.status_code == 201, response.json
    result: dict[str, Any] = response.json
    return result


def test_a_rule_is_added_and_changed_by_an_admin_and_read_by_everyone(
    app: Flask, engine: Engine, api: ApiClient
) -> None:
    created = api.post(
        f"{API}/alert-rules",
        json={"name": "出口中断 10 分钟", "kind": "uplink_down", "delay_s": 600},
    )
    assert created.status_code == 201, created.json
    rule = created.json
    assert (rule["severity"], rule["enabled"], rule["repeat_s"]) == ("warning", True, None)
    changed = api.patch(f"{API}/alert-rules/{rule['id']}", json={"severity": "critical"})
    assert changed.status_code == 200 and changed.json["severity"] == "critical"
    viewer = client_for(app, engine, "v", UserRole.VIEWER)
    assert viewer.get(f"{API}/alert-rules/{rule['id']}").status_code == 200
    refused = viewer.patch(f"{API}/alert-rules/{rule['id']}", json={"delay_s": 0})
    assert refused.status_code == 403 and refused.json["message"]
    out_of_range = api.patch(f"{API}/alert-rules/{rule['id']}", json={"delay_s": -1})
    assert out_of_range.status_code == 422 and "delay_s" in out_of_range.json["errors"]
    clash = api.post(f"{API}/alert-rules", json={"name": "出口中断 10 分钟", "kind": "uplink_down"})
    assert clash.status_code == 409 and "name" in clash.json["errors"]
    assert api.get(f"{API}/alert-rules/{rule['id']}").json["delay_s"] == 600


def test_a_subscription_secret_goes_in_and_never_comes_out_nor_the_robot_token(
    engine: Engine, api: ApiClient
) -> None:
    created = _subscription(api)
    everything = [
        created,
        api.get(f"{API}/subscriptions/{created['id']}").json,
        api.get(f"{API}/subscriptions").json,
        api.patch(f"{API}/subscriptions/{created['id']}", json={"name": "改名"}).json,
    ]
    shown = json.dumps(everything, ensure_ascii=False)
    assert SECRET not in shown and "0123456789abcdef" not in shown
    assert created["has_secret"] is True and "secret" not in created
    assert created["target"] == "https://oapi.dingtalk.com/robot/send?***"
    with engine.connect() as conn:
        stored = conn.execute(sa.select(Subscription.secret_enc, Subscription.target)).one()
        changes = conn.execute(sa.select(ChangeRecord.after)).scalars().all()
    assert stored.secret_enc and SECRET not in stored.secret_enc
    assert stored.target == ROBOT  # the masked target sent back unchanged kept the real one
    assert SECRET not in json.dumps(changes, ensure_ascii=False)


def test_the_masked_target_sent_back_keeps_the_real_one_and_a_new_one_replaces_it(
    engine: Engine, api: ApiClient
) -> None:
    created = _subscription(api)
    same = api.patch(f"{API}/subscriptions/{created['id']}", json={"target": created["target"]})
    assert same.status_code == 200
    with engine.connect() as conn:
        assert conn.execute(sa.select(Subscription.target)).scalar_one() == ROBOT
    other = "https://example.org/hook"
    moved = api.patch(f"{API}/subscriptions/{created['id']}", json={"target": other})
    assert moved.json["target"] == other


@pytest.mark.parametrize(
    ("body", "field", "status"),
    [
        ({"transport": "email", "target": "not-a-mail"}, "target", 422),
        ({"transport": "wecom", "target": "ftp://example.org"}, "target", 422),
        ({"region_code": "999999"}, "region_code", 422),
        ({"school_code": "2153010001"}, "school_code", 422),
        ({"rule_ids": [987654]}, "rule_ids", 422),
        ({"secret": ""}, "secret", 422),
        ({"transport": "pigeon"}, "transport", 422),
    ],
)
def test_a_bad_subscription_is_refused_naming_the_field_and_nothing_is_stored(
    engine: Engine, api: ApiClient, body: dict[str, Any], field: str, status: int
) -> None:
    full = {"name": "x", "region_code": COUNTY, "transport": "webhook", "target": "https://e.org/h"}
    full.update(body)
    if "school_code" in body:
        full.pop("region_code")
    response = api.post(f"{API}/subscriptions", json=full)
    assert response.status_code == status, response.json
    assert field in response.json["errors"]
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(Subscription)).scalar() == 0


def test_a_subscription_names_a_region_or_a_school_not_both(engine: Engine, api: ApiClient) -> None:
    _school(engine, "2153010001")
    response = api.post(
        f"{API}/subscriptions",
        json={
            "name": "x",
            "region_code": COUNTY,
            "school_code": "2153010001",
            "transport": "email",
            "target": "it@example.org",
        },
    )
    assert response.status_code == 422 and "school_code" in response.json["errors"]
    at_school = _subscription(
        api, region_code=None, school_code="2153010001", transport="email", target="a@b.cn"
    )
    assert (at_school["school_code"], at_school["region_code"]) == ("2153010001", None)
    moved = api.patch(f"{API}/subscriptions/{at_school['id']}", json={"region_code": COUNTY})
    assert (moved.json["school_code"], moved.json["region_code"]) == (None, COUNTY)


def test_a_region_admin_subscribes_only_inside_the_county(app: Flask, engine: Engine) -> None:
    county = client_for(app, engine, "county", UserRole.REGION_ADMIN, region=COUNTY)
    outside = county.post(
        f"{API}/subscriptions",
        json={"name": "x", "region_code": OTHER_COUNTY, "transport": "email", "target": "a@b.cn"},
    )
    assert outside.status_code == 403 and "region_code" in outside.json["errors"]
    everywhere = county.post(
        f"{API}/subscriptions", json={"name": "x", "transport": "email", "target": "a@b.cn"}
    )
    assert everywhere.status_code == 403
    inside = county.post(
        f"{API}/subscriptions",
        json={"name": "x", "region_code": COUNTY, "transport": "email", "target": "a@b.cn"},
    )
    assert inside.status_code == 201, inside.json


def test_a_window_without_a_zone_is_on_the_bureaus_clock_and_must_end_after_it_starts(
    api: ApiClient,
) -> None:
    created = api.post(
        f"{API}/maintenance-windows",
        json={
            "name": "机房断电检修",
            "region_code": COUNTY,
            "starts_at": "2026-12-12T22:00",
            "ends_at": "2026-12-13T06:00",
        },
    )
    assert created.status_code == 201, created.json
    assert created.json["starts_at"].startswith("2026-12-12T14:00")  # Asia/Shanghai is UTC+8
    backwards = api.patch(
        f"{API}/maintenance-windows/{created.json['id']}", json={"ends_at": "2026-12-12T21:00"}
    )
    assert backwards.status_code == 422 and "ends_at" in backwards.json["errors"]
    until = api.patch(
        f"{API}/maintenance-windows/{created.json['id']}", json={"until": "2027-01-01T00:00"}
    )
    assert until.status_code == 422 and "until" in until.json["errors"]
    weekly = api.patch(
        f"{API}/maintenance-windows/{created.json['id']}",
        json={"weekly": True, "until": "2027-01-01T00:00"},
    )
    assert weekly.status_code == 200 and weekly.json["weekly"] is True
    active = api.get(f"{API}/maintenance-windows", query_string={"active_at": "2026-12-19T23:00"})
    assert [w["id"] for w in active.json["results"]] == [created.json["id"]]


def test_an_alert_is_acknowledged_once_recording_who_and_when(
    engine: Engine, api: ApiClient
) -> None:
    alert_id = _alert(engine, _school(engine, "2153010001"))
    listed = api.get(f"{API}/alerts", query_string={"state": "open"}).json
    assert [a["id"] for a in listed["results"]] == [alert_id]
    assert listed["results"][0]["school_code"] == "2153010001"
    first = api.post(f"{API}/alerts/{alert_id}/acknowledge")
    assert first.status_code == 200, first.json
    assert first.json["acknowledged_by"] == "admin" and first.json["acknowledged_at"]
    again = api.post(f"{API}/alerts/{alert_id}/acknowledge")
    assert again.json["acknowledged_at"] == first.json["acknowledged_at"]
    pending = api.get(f"{API}/alerts", query_string={"acknowledged": "false"}).json
    assert pending["count"] == 0


def test_a_resolved_alert_is_not_acknowledged_and_alerts_are_not_written_by_hand(
    engine: Engine, api: ApiClient
) -> None:
    alert_id = _alert(
        engine,
        _school(engine, "2153010001"),
        state=AlertState.RESOLVED,
        resolved_at=datetime.now(UTC),
    )
    refused = api.post(f"{API}/alerts/{alert_id}/acknowledge")
    assert refused.status_code == 409 and refused.json["message"]
    assert api.post(f"{API}/alerts", json={}).status_code == 405
    assert api.patch(f"{API}/alerts/{alert_id}", json={}).status_code == 405
    assert api.delete(f"{API}/alerts/{alert_id}").status_code == 405
    assert api.get(f"{API}/alerts/{alert_id}").json["acknowledged_at"] is None


def test_alerts_filter_by_severity_and_above_and_by_region(engine: Engine, api: ApiClient) -> None:
    here = _school(engine, "2153010001")
    there = _school(engine, "2153220001", OTHER_COUNTY)
    critical = _alert(engine, here)
    _alert(engine, there, severity=Severity.INFO, object_key="device:x")
    at_least_warning = api.get(f"{API}/alerts", query_string={"severity": "warning"}).json
    assert [a["id"] for a in at_least_warning["results"]] == [critical]
    county = api.get(f"{API}/alerts", query_string={"region": OTHER_COUNTY}).json
    assert [a["school_code"] for a in county["results"]] == ["2153220001"]


def test_a_dead_letter_is_retried_back_into_the_queue(engine: Engine, api: ApiClient) -> None:
    subscription = _subscription(api)
    message_id = _dead_letter(engine, subscription["id"])
    listed = api.get(f"{API}/dead-letters").json
    assert [m["id"] for m in listed["results"]] == [message_id]
    assert listed["results"][0]["last_answer"] == "HTTP 502 from oapi.dingtalk.com"
    retried = api.post(f"{API}/dead-letters/{message_id}/retry")
    assert retried.status_code == 200 and retried.json["state"] == "pending"
    with engine.connect() as conn:
        row = conn.execute(sa.select(OutboxMessage.state, OutboxMessage.attempts)).one()
    assert (row.state, row.attempts) == (OutboxState.PENDING, 0)
    assert api.get(f"{API}/dead-letters/{message_id}").status_code == 404
    assert api.post(f"{API}/dead-letters/{message_id}/retry").status_code == 404


def test_the_openapi_document_has_every_alert_path_with_its_summary(api: ApiClient) -> None:
    paths = api.get(f"{API}/openapi.json").json["paths"]
    for path, method in (
        ("/api/v1/alerts", "get"),
        ("/api/v1/alerts/{alert_id}/acknowledge", "post"),
        ("/api/v1/alert-rules", "post"),
        ("/api/v1/alert-rules/{rule_id}", "patch"),
        ("/api/v1/subscriptions/{subscription_id}", "delete"),
        ("/api/v1/maintenance-windows", "post"),
        ("/api/v1/dead-letters/{message_id}/retry", "post"),
    ):
        assert method in paths[path] and paths[path][method]["summary"], (path, method)
    assert "post" not in paths["/api/v1/alerts"]
    assert TransportKind.DINGTALK.value in json.dumps(paths)


def test_a_subscription_asks_for_the_daily_digest_with_a_json_boolean(api: ApiClient) -> None:
    created = _subscription(api)
    assert created["daily_digest"] is False
    refused = api.patch(f"{API}/subscriptions/{created['id']}", json={"daily_digest": "yes"})
    assert refused.status_code == 422 and "daily_digest" in refused.json["errors"]
    asked = api.patch(f"{API}/subscriptions/{created['id']}", json={"daily_digest": True})
    assert asked.json["daily_digest"] is True
    assert api.get(f"{API}/subscriptions/{created['id']}").json["daily_digest"] is True
