"""One log line per request, with its id (also answered as X-Request-ID), and no secrets."""

from __future__ import annotations

import io
import json
import logging
import re
from pathlib import Path

import pytest
from flask import Flask

from api.request_log import JsonFormatter, configure_logging
from tests.conftest import FERNET_KEY, ApiClient
from web import create_app

REQUEST_LOGGER = "digicampus.request"


def request_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == REQUEST_LOGGER]


def test_one_line_per_request_with_its_fields(
    api: ApiClient, admin_token: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=REQUEST_LOGGER)
    me = api.get("/api/v1/users/me").json
    caplog.clear()
    response = api.get("/api/v1/schools?per_page=3")
    assert response.status_code == 200
    (record,) = request_records(caplog)
    request_id = response.headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)
    assert record.request_id == request_id  # type: ignore[attr-defined]
    assert record.method == "GET"  # type: ignore[attr-defined]
    assert record.path == "/api/v1/schools"  # type: ignore[attr-defined]
    assert record.status == 200  # type: ignore[attr-defined]
    assert record.user_id == me["id"]  # type: ignore[attr-defined]
    assert record.duration_ms >= 0  # type: ignore[attr-defined]
    assert request_id in record.getMessage() and "per_page" not in record.getMessage()


def test_refused_requests_are_logged_without_a_user(
    anon: ApiClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=REQUEST_LOGGER)
    response = anon.get("/api/v1/schools")
    assert response.status_code == 401
    (record,) = request_records(caplog)
    assert record.status == 401 and record.user_id is None  # type: ignore[attr-defined]
    assert response.headers["X-Request-ID"] == record.request_id  # type: ignore[attr-defined]


def test_a_callers_request_id_is_kept_only_if_it_is_an_id(
    api: ApiClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=REQUEST_LOGGER)
    kept = api.get("/api/v1/regions", headers={"X-Request-ID": "lb-7f3a9c21-0001"})
    assert kept.headers["X-Request-ID"] == "lb-7f3a9c21-0001"
    forged = api.get("/api/v1/regions", headers={"X-Request-ID": 'x" forged=1 {}'})
    assert re.fullmatch(r"[0-9a-f]{32}", forged.headers["X-Request-ID"])
    assert [r.request_id for r in request_records(caplog)] == [  # type: ignore[attr-defined]
        "lb-7f3a9c21-0001",
        forged.headers["X-Request-ID"],
    ]


def test_no_token_password_or_query_string_reaches_the_log(
    api: ApiClient, admin_token: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    api.get(f"/api/v1/schools?token={admin_token}&q=secret-query")
    api.post(
        "/api/v1/snmp-credentials",
        json={"name": "c", "version": "v2c", "community": "community-s3cret"},
    )
    api.post("/login", data={"name": "admin", "password": "pa55-s3cret"})
    api.get("/api/v1/schools%0Afake-line")
    text = "\n".join(
        JsonFormatter().format(record) + record.getMessage() for record in caplog.records
    )
    assert request_records(caplog)
    for secret in (admin_token, "secret-query", "community-s3cret", "pa55-s3cret"):
        assert secret not in text
    assert "\nfake-line" not in text


def test_json_format_writes_one_object_per_line(tmp_path: Path, database_url: str) -> None:
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "FERNET_KEYS": FERNET_KEY,
            "SECRET_KEY": "log-test-secret",
            "LOG_FORMAT": "json",
        }
    )
    stream = io.StringIO()
    root = logging.getLogger()
    level = root.level
    configure_logging(app, stream)
    try:
        response = app.test_client().get("/api/v1/regions")
        lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        for handler in [h for h in root.handlers if getattr(h, "_digicampus_handler", False)]:
            root.removeHandler(handler)
        root.setLevel(level)
        app.extensions["digicampus"].engine.dispose()
    (line,) = [entry for entry in lines if entry["logger"] == REQUEST_LOGGER]
    assert line["request_id"] == response.headers["X-Request-ID"]
    assert line["status"] == 401 and line["method"] == "GET" and line["path"] == "/api/v1/regions"
    assert {"time", "level", "message", "duration_ms", "user_id"} <= set(line)


def test_logging_is_set_up_once_however_many_apps(app: Flask) -> None:
    stream = io.StringIO()
    root = logging.getLogger()
    level = root.level
    try:
        configure_logging(app, stream)
        configure_logging(app, stream)
        marked = [h for h in root.handlers if getattr(h, "_digicampus_handler", False)]
        assert len(marked) == 1
    finally:
        for handler in [h for h in root.handlers if getattr(h, "_digicampus_handler", False)]:
            root.removeHandler(handler)
        root.setLevel(level)
