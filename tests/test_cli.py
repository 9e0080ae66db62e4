"""The ``digicampus`` command line, each test on its own fresh SQLite file."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import Result
from flask import Flask

import api.cli
import api.commands_collect
from inventory import migrate
from inventory.db import make_sessionmaker
from inventory.models import ChangeRecord, Classroom, Collector, DeviceState, School, User
from inventory.services import accounts
from tests.conftest import FERNET_KEY
from web import create_app

TOKEN = re.compile(r"dc_[A-Za-z0-9_-]{20,}")
PASSWORD = re.compile(r"password: (\S+)")


@pytest.fixture
def cli_app(tmp_path: Path) -> Iterator[Flask]:
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite'}",
            "FERNET_KEYS": FERNET_KEY,
            "SECRET_KEY": "cli-test-secret",
        }
    )
    yield app
    app.extensions["digicampus"].engine.dispose()


def run(app: Flask, *args: str) -> Result:
    result: Result = app.test_cli_runner().invoke(args=list(args))
    return result


def count(app: Flask, model: type[Any]) -> int:
    with app.extensions["digicampus"].engine.connect() as conn:
        return conn.scalar(sa.select(sa.func.count()).select_from(model)) or 0


def whoami(app: Flask, token: str) -> Any:
    return app.test_client().get("/api/v1/users/me", headers={"Authorization": f"Bearer {token}"})


def test_db_upgrade_then_current(cli_app: Flask) -> None:
    head = migrate.head_revision()
    assert head
    before = run(cli_app, "db", "current")
    assert before.exit_code == 0, before.output
    assert f"database: None  newest: {head}" in before.output

    upgraded = run(cli_app, "db", "upgrade")
    assert upgraded.exit_code == 0, upgraded.output
    assert f"database at revision {head}" in upgraded.output
    current = run(cli_app, "db", "current")
    assert current.exit_code == 0, current.output
    assert f"database: {head}  newest: {head}" in current.output


def test_create_admin_prints_a_working_token_once(cli_app: Flask) -> None:
    assert run(cli_app, "db", "upgrade").exit_code == 0
    created = run(cli_app, "users", "create-admin", "alice")
    assert created.exit_code == 0, created.output
    tokens = TOKEN.findall(created.output)
    assert len(tokens) == 1
    response = whoami(cli_app, tokens[0])
    assert response.status_code == 200, response.json
    assert response.json["name"] == "alice"
    assert response.json["role"] == "admin"

    again = run(cli_app, "users", "create-admin", "alice")
    assert again.exit_code != 0
    assert "Error: a user named 'alice' already exists" in again.output
    assert "Traceback" not in again.output
    assert not TOKEN.search(again.output)
    assert count(cli_app, User) == 1


def test_demo_loads_once_and_issues_a_fresh_token_each_run(cli_app: Flask) -> None:
    first = run(cli_app, "demo", "--no-serve", "--seed", "7", "--scale", "0.02")
    assert first.exit_code == 0, first.output
    assert "Loaded " in first.output
    assert "http://127.0.0.1:5000/api/v1/docs" in first.output
    assert "http://127.0.0.1:5000/" in first.output
    assert "curl -H" in first.output
    schools, rooms = count(cli_app, School), count(cli_app, Classroom)
    assert schools > 20 and rooms > schools
    changes = count(cli_app, ChangeRecord)
    token = TOKEN.findall(first.output)[0]
    response = whoami(cli_app, token)
    assert response.status_code == 200
    assert response.json["name"] == "demo-admin"
    listed = cli_app.test_client().get(
        "/api/v1/schools?region=532301", headers={"Authorization": f"Bearer {token}"}
    )
    assert listed.status_code == 200 and listed.json["count"] > 0

    second = run(cli_app, "demo", "--no-serve", "--seed", "7", "--scale", "0.02")
    assert second.exit_code == 0, second.output
    assert "not loaded again" in second.output
    assert (count(cli_app, School), count(cli_app, Classroom)) == (schools, rooms)
    assert count(cli_app, ChangeRecord) == changes + 2  # the new token and the new password
    assert count(cli_app, User) == 1
    fresh = TOKEN.findall(second.output)[0]
    assert fresh != token
    assert whoami(cli_app, fresh).status_code == 200
    password = PASSWORD.findall(second.output)[0]
    assert password != PASSWORD.findall(first.output)[0]
    with make_sessionmaker(cli_app.extensions["digicampus"].engine)() as db:
        stored = db.scalars(sa.select(User.password_hash)).one()
    assert stored is not None and accounts.verify_password(stored, password)


def free_port() -> int:
    with socket.socket() as probe:  # a port that is free now
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_demo_serves_the_app(cli_app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    served: list[tuple[Any, ...]] = []

    def fake_run_simple(host: str, port: int, app: Any, **options: Any) -> None:
        served.append((host, port, app, options))

    monkeypatch.setattr(api.commands_collect, "run_simple", fake_run_simple)
    port = free_port()
    result = run(cli_app, "demo", "--port", str(port), "--scale", "0.02", "--no-agents")
    assert result.exit_code == 0, result.output
    assert "agents:" not in result.output
    assert served == [("127.0.0.1", port, cli_app, {"threaded": True})]
    assert f"http://127.0.0.1:{port}/api/v1/docs" in result.output
    # The embedded collector ran beside the server and stopped with it, leases given back.
    assert "collector: polling inside this process" in result.output
    with make_sessionmaker(cli_app.extensions["digicampus"].engine)() as db:
        collector = db.scalars(sa.select(Collector)).one()
        assert collector.stopped_at is not None
        leased = db.scalar(sa.select(sa.func.count()).where(DeviceState.lease_owner.is_not(None)))
    assert leased == 0


def test_demo_without_the_embedded_collector(
    cli_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(api.commands_collect, "run_simple", lambda *a, **k: None)
    cli_app.config["EMBEDDED_COLLECTOR"] = "0"
    args = ("demo", "--port", str(free_port()), "--scale", "0.02", "--no-agents")
    result = run(cli_app, *args)
    assert result.exit_code == 0, result.output
    assert "collector:" not in result.output
    assert count(cli_app, Collector) == 0


def test_demo_on_a_busy_port_fails_at_once_with_one_line(cli_app: Flask) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run(cli_app, "demo", "--port", str(port), "--scale", "0.02")
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        f"Error: port {port} on 127.0.0.1 is already in use; choose another with --port"
    ]
    assert migrate.current_revision(cli_app.extensions["digicampus"].engine) is None


def test_demo_rejects_a_bad_scale(cli_app: Flask) -> None:
    result = run(cli_app, "demo", "--no-serve", "--scale", "0")
    assert result.exit_code == 2
    assert "--scale" in result.output
