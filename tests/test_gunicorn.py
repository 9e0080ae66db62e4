"""Production serving for real: gunicorn with two workers on a free loopback port, against
the test database (PostgreSQL on the second pass), driven over HTTP."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from inventory.models import Collector, PollCycle
from inventory.models.base import utcnow
from tests.conftest import FERNET_KEY, make_token, school_data
from tests.test_health_metrics import sample

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def gunicorn_env(database_url: str, metrics_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DIGICAMPUS_")}
    env.update(
        DIGICAMPUS_DATABASE_URL=database_url,
        DIGICAMPUS_FERNET_KEYS=FERNET_KEY,
        DIGICAMPUS_SECRET_KEY="gunicorn-test-secret-key-0123456789abcdef",
        DIGICAMPUS_METRICS_DIR=str(metrics_dir),
        DIGICAMPUS_LOG_FORMAT="json",
    )
    env.update(extra)
    return env


def gunicorn(
    port: int, env: dict[str, str], log: Path, workers: int = 2
) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "gunicorn", "-c", "python:web.gunicorn_conf"]
    command += ["--workers", str(workers), "--bind", f"127.0.0.1:{port}"]
    with log.open("wb") as stderr:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=stderr, stderr=stderr)


def call(
    port: int, method: str, path: str, token: str | None = None, body: Any = None
) -> tuple[int, dict[str, str], bytes]:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", data=data, headers=headers, method=method
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def workers_of(master: int) -> list[int]:
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == master:
                children.append(int(entry.name))
    return children


@pytest.fixture
def served(database_url: str, engine: Engine, tmp_path: Path) -> Iterator[dict[str, Any]]:
    port = free_port()
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    (metrics_dir / "counter_1.db").write_bytes(b"stale file of an earlier run")
    log = tmp_path / "gunicorn.log"
    process = gunicorn(port, gunicorn_env(database_url, metrics_dir), log)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                call(port, "GET", "/healthz")
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"gunicorn did not start:\n{log.read_text()}") from None
                time.sleep(0.3)
        yield {"port": port, "process": process, "log": log, "metrics_dir": metrics_dir}
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)


@pytest.mark.postgres_only
def test_two_workers_serve_the_api_count_together_and_log_json(
    served: dict[str, Any], engine: Engine, session: Session
) -> None:
    port = served["port"]
    deadline = time.monotonic() + 30
    while len(workers_of(served["process"].pid)) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert len(workers_of(served["process"].pid)) == 2
    token = make_token(engine, "gunicorn-admin")
    status, _headers, body = call(port, "POST", "/api/v1/schools", token, school_data())
    assert status == 201, body
    code = json.loads(body)["code"]

    def get(_: int) -> tuple[int, str]:
        status, headers, _body = call(port, "GET", f"/api/v1/schools/{code}", token)
        return status, headers["X-Request-ID"]

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(get, range(40)))
    assert {status for status, _ in results} == {200}
    request_ids = {rid for _, rid in results}
    assert len(request_ids) == 40

    # Whichever worker answers the scrape, it adds up the counts of both.
    files = {p.name for p in served["metrics_dir"].iterdir()}
    assert "counter_1.db" not in files  # the earlier run's file was removed at start
    pids = {
        name.rsplit("_", 1)[1].removesuffix(".db") for name in files if name.startswith("counter_")
    }
    assert len(pids) == 2, files
    for _ in range(6):
        status, _h, text = call(port, "GET", "/metrics")
        assert status == 200
        assert (
            sample(
                text.decode(),
                "digicampus_http_requests_total",
                endpoint="/api/v1/schools/<code>",
                method="GET",
                status="200",
            )
            == 40
        )

    status, _h, body = call(port, "GET", "/healthz")
    assert status == 503 and json.loads(body)["checks"]["collectors"]["alive"] == 0
    now = utcnow()
    session.add(Collector(name="c", hostname="h", pid=1, started_at=now, heartbeat_at=now))
    session.add(
        PollCycle(
            collector="c",
            started_at=now - timedelta(seconds=3),
            finished_at=now,
            seconds=3.0,
            failures={},
        )
    )
    session.commit()
    status, _h, body = call(port, "GET", "/healthz")
    assert status == 200, body

    served["process"].send_signal(signal.SIGTERM)
    served["process"].wait(timeout=30)
    text = served["log"].read_text()
    assert token not in text
    lines = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    logged = {line["request_id"] for line in lines if line.get("logger") == "digicampus.request"}
    assert request_ids <= logged
    assert all(
        line["user_id"] is not None for line in lines if line.get("request_id") in request_ids
    )


def test_gunicorn_refuses_to_start_on_bad_settings(tmp_path: Path) -> None:
    env = gunicorn_env(
        f"sqlite:///{tmp_path / 'x.sqlite'}",
        tmp_path / "missing-dir",
        DIGICAMPUS_FERNET_KEYS="not-a-key",
        DIGICAMPUS_LOG_FORMAT="xml",
    )
    log = tmp_path / "gunicorn.log"
    process = gunicorn(free_port(), env, log)
    try:
        assert process.wait(timeout=60) == 3  # systemd: RestartPreventExitStatus=3
    finally:
        if process.poll() is None:
            process.kill()
    text = log.read_text()
    assert "configuration error: DIGICAMPUS_FERNET_KEYS: key 1 of 1 is not a Fernet key" in text
    assert "configuration error: DIGICAMPUS_LOG_FORMAT must be one of text, json" in text
    assert "configuration error: DIGICAMPUS_METRICS_DIR must be an existing directory" in text
    assert "not-a-key" not in text
