"""/healthz and /metrics read what the collectors write: Collector heartbeats, PollCycle rows,
DeviceState leases. The rows are inserted here as a collector would write them."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from inventory import migrate
from inventory.choices import PollFailure
from inventory.models import Collector, DeviceState, PollCycle
from inventory.models.base import utcnow
from tests.conftest import FERNET_KEY, ApiClient
from web import create_app

HOST = "collector-host.internal.example"


def collector(session: Session, name: str, heartbeat_ago: timedelta, stopped: bool = False) -> None:
    now = utcnow()
    session.add(
        Collector(
            name=name,
            hostname=HOST,
            pid=4242,
            started_at=now - timedelta(hours=1),
            heartbeat_at=now - heartbeat_ago,
            stopped_at=now if stopped else None,
        )
    )


def cycle(session: Session, finished_ago: timedelta | None, seconds: float = 4.5) -> None:
    now = utcnow()
    session.add(
        PollCycle(
            collector="c1",
            started_at=now - (finished_ago or timedelta()) - timedelta(seconds=seconds),
            finished_at=None if finished_ago is None else now - finished_ago,
            seconds=None if finished_ago is None else seconds,
            devices=10,
            ok=7,
            failures={"timeout": 3},
        )
    )


@pytest.fixture
def healthy(session: Session) -> None:
    collector(session, "c1", timedelta(seconds=20))
    cycle(session, timedelta(seconds=50))
    session.commit()


def test_unhealthy_without_any_collector_or_cycle(anon: ApiClient) -> None:
    response = anon.get("/healthz")
    assert response.status_code == 503
    body = response.json
    assert body["status"] == "unhealthy"
    checks = body["checks"]
    assert checks["database"]["ok"] is True
    assert checks["migrations"] == {
        "ok": True,
        "current": migrate.head_revision(),
        "head": migrate.head_revision(),
    }
    assert checks["collectors"] == {"ok": False, "alive": 0, "newest_heartbeat_age_s": None}
    assert checks["last_cycle"]["ok"] is False and checks["last_cycle"]["age_s"] is None


def test_healthy_with_a_live_collector_and_a_recent_cycle(anon: ApiClient, healthy: None) -> None:
    response = anon.get("/healthz")
    assert response.status_code == 200, response.json
    body = response.json
    assert body["status"] == "ok"
    assert body["checks"]["collectors"]["alive"] == 1
    assert 19 <= body["checks"]["collectors"]["newest_heartbeat_age_s"] < 30
    last = body["checks"]["last_cycle"]
    assert 49 <= last["age_s"] < 60 and last["devices"] == 10 and last["ok_devices"] == 7
    # Nothing that names a machine, a process or a collector.
    assert HOST not in response.text and "c1" not in response.text and "4242" not in response.text


@pytest.mark.parametrize(
    ("heartbeat_ago", "stopped"),
    [(timedelta(minutes=3), False), (timedelta(seconds=5), True)],
    ids=["heartbeat-too-old", "collector-stopped"],
)
def test_a_dead_collector_makes_it_unhealthy(
    anon: ApiClient, session: Session, heartbeat_ago: timedelta, stopped: bool
) -> None:
    collector(session, "c1", heartbeat_ago, stopped)
    cycle(session, timedelta(seconds=30))
    session.commit()
    response = anon.get("/healthz")
    assert response.status_code == 503
    assert response.json["checks"]["collectors"]["ok"] is False
    assert response.json["checks"]["last_cycle"]["ok"] is True


def test_one_live_collector_among_dead_ones_is_enough(anon: ApiClient, session: Session) -> None:
    collector(session, "dead", timedelta(hours=5))
    collector(session, "c1", timedelta(seconds=10))
    cycle(session, timedelta(seconds=30))
    session.commit()
    assert anon.get("/healthz").json["checks"]["collectors"]["alive"] == 1


def test_an_old_last_cycle_makes_it_unhealthy(anon: ApiClient, session: Session) -> None:
    collector(session, "c1", timedelta(seconds=10))
    cycle(session, timedelta(minutes=16))  # default limit: 900 s
    cycle(session, None)  # one running now has not finished: it does not count
    session.commit()
    response = anon.get("/healthz")
    assert response.status_code == 503
    last = response.json["checks"]["last_cycle"]
    assert last["ok"] is False and last["age_s"] >= 960 and last["max_age_s"] == 900


def test_a_schema_behind_the_release_is_unhealthy(tmp_path: Path) -> None:
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'old.sqlite'}",
            "FERNET_KEYS": FERNET_KEY,
            "SECRET_KEY": "health-test-secret",
        }
    )
    migrate.upgrade(app.extensions["digicampus"].engine, "0003_polling")
    try:
        response = app.test_client().get("/healthz")
        assert response.status_code == 503
        checks = response.json["checks"]
        assert checks["migrations"] == {
            "ok": False,
            "current": "0003_polling",
            "head": migrate.head_revision(),
        }
    finally:
        app.extensions["digicampus"].engine.dispose()


def test_an_unreachable_database_is_503_without_details(tmp_path: Path) -> None:
    app = create_app(
        {
            "TESTING": True,
            # Nothing listens on port 9 of loopback.
            "DATABASE_URL": "postgresql+psycopg://secretuser:secretpw@127.0.0.1:9/nodb",
            "FERNET_KEYS": FERNET_KEY,
            "SECRET_KEY": "health-test-secret",
        }
    )
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json == {
        "status": "unhealthy",
        "checks": {"database": {"ok": False}, "migrations": {"ok": False}},
    }
    assert "secret" not in response.text and "127.0.0.1" not in response.text


def sample(text: str, name: str, **labels: str) -> float:
    """The value of one sample of the Prometheus text ``text``."""
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        match = re.fullmatch(r"([a-z_]+)(?:\{(.*)\})? (\S+)", line)
        assert match, line
        if match[1] != name:
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', match[2] or ""))
        if found == labels:
            return float(match[3])
    raise AssertionError(f"no sample {name}{labels}")


def test_metrics_count_requests_by_route_and_status(app: Flask, api: ApiClient) -> None:
    before = api.get("/metrics").text

    def count(text: str, status: str) -> float:
        try:
            return sample(
                text,
                "digicampus_http_requests_total",
                endpoint="/api/v1/schools/<code>",
                method="GET",
                status=status,
            )
        except AssertionError:
            return 0.0

    for _ in range(3):
        assert api.get("/api/v1/schools/2153019999").status_code == 404
    text = api.get("/metrics").text
    assert count(text, "404") == count(before, "404") + 3
    assert sample(
        text,
        "digicampus_http_request_duration_seconds_bucket",
        endpoint="/api/v1/schools/<code>",
        le="+Inf",
        method="GET",
        status="404",
    ) == count(text, "404")
    # Unknown paths share one label: a scanner cannot blow up the number of series.
    api.get("/no/such/path/1")
    api.get("/no/such/path/2")
    text = api.get("/metrics").text
    assert (
        sample(
            text,
            "digicampus_http_requests_total",
            endpoint="<unmatched>",
            method="GET",
            status="404",
        )
        >= 2
    )
    assert "/no/such/path" not in text


def test_metrics_show_devices_by_state_leases_and_the_last_cycle(
    api: ApiClient, school: dict[str, Any], session: Session, engine: Engine
) -> None:
    ids = []
    for n in range(5):
        device = api.post(
            f"/api/v1/schools/{school['code']}/devices",
            json={"name": f"sw{n}", "role": "core_switch", "mgmt_address": f"10.9.0.{n + 1}"},
        ).json
        ids.append(device["id"])
    api.patch(f"/api/v1/devices/{ids[4]}", json={"polling_enabled": False})
    now = utcnow()
    session.add_all(
        [
            DeviceState(device_id=ids[0], last_polled_at=now, reachable=True),
            DeviceState(
                device_id=ids[1],
                last_polled_at=now,
                reachable=False,
                failure=PollFailure.TIMEOUT,
                lease_owner="c1",
                lease_expires_at=now + timedelta(minutes=1),
            ),
            DeviceState(
                device_id=ids[2],
                last_polled_at=now,
                reachable=True,
                failure=PollFailure.AUTH_FAILURE,
                lease_owner="dead",
                lease_expires_at=now - timedelta(minutes=10),
                next_poll_at=now - timedelta(minutes=1),
            ),
            # ids[3]: no state yet; ids[4]: polling switched off
        ]
    )
    collector(session, "c1", timedelta(seconds=5))
    cycle(session, timedelta(seconds=30), seconds=12.25)
    session.commit()
    text = api.get("/metrics").text
    assert sample(text, "digicampus_devices", state="ok") == 1
    assert sample(text, "digicampus_devices", state="timeout") == 1
    assert sample(text, "digicampus_devices", state="auth_failure") == 1
    assert sample(text, "digicampus_devices", state="not_polled") == 1
    assert sample(text, "digicampus_devices", state="not_pollable") == 1
    assert sample(text, "digicampus_devices", state="malformed") == 0
    assert sample(text, "digicampus_device_leases", state="active") == 1
    assert sample(text, "digicampus_device_leases", state="expired") == 1
    assert sample(text, "digicampus_devices_due") == 2  # ids[0] (never scheduled) and ids[2]
    assert sample(text, "digicampus_collectors_alive") == 1
    assert sample(text, "digicampus_poll_cycle_last_duration_seconds") == 12.25
    assert sample(text, "digicampus_poll_cycle_last_devices", result="ok") == 7
    assert sample(text, "digicampus_poll_cycle_last_devices", result="failed") == 3
    finished = sample(text, "digicampus_poll_cycle_last_finished_timestamp_seconds")
    assert abs(finished - (now.timestamp() - 30)) < 5
    assert HOST not in text


def test_metrics_token_when_configured(tmp_path: Path, database_url: str, engine: Engine) -> None:
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "FERNET_KEYS": FERNET_KEY,
            "SECRET_KEY": "metrics-test-secret",
            "METRICS_TOKEN": "scrape-token-0123456789",
        }
    )
    try:
        client = app.test_client()
        assert client.get("/metrics").status_code == 401
        wrong = client.get("/metrics", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401 and wrong.json["code"] == 401
        right = client.get("/metrics", headers={"Authorization": "Bearer scrape-token-0123456789"})
        assert right.status_code == 200 and "digicampus_devices" in right.text
        assert client.get("/healthz").status_code in (200, 503)  # health needs no token
    finally:
        app.extensions["digicampus"].engine.dispose()
