"""A subscription's signing secret never leaves the server in clear, and a robot's token
(part of its URL) is never shown: one session through the API and the pages, logging at DEBUG
everywhere, then a search of every response and log record for the secret and of every
response for the token; the database holds the secret only as a Fernet token, and the change
log says only that a secret is set and shows the target masked."""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.engine import Engine

from inventory.models import Subscription
from inventory.secretbox import SecretBox
from tests.conftest import COUNTY, ApiClient, make_token
from tests.dash_fixture import PASSWORD
from tests.test_dashboards import login

SECRET = "SECdt-7f3aQz-never-shown"
ROTATED = "SECdt-rot-2b8eXw-never-shown"
REJECTED = "SECdt-rej-0c4Tq-never-shown"
FORM_SECRET = "SECdt-form-91bXpL-never-shown"
TOKEN = "c0ffee11c0ffee22c0ffee33c0ffee44"
ROBOT = f"https://oapi.dingtalk.com/robot/send?access_token={TOKEN}"
HOOK = f"https://open.feishu.cn/open-apis/bot/v2/hook/{TOKEN}"
SECRETS = (SECRET, ROTATED, REJECTED, FORM_SECRET)
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _api_session(api: ApiClient) -> int:
    body = {
        "name": "值班群",
        "region_code": COUNTY,
        "transport": "dingtalk",
        "target": ROBOT,
        "secret": SECRET,
    }
    created = api.post("/api/v1/subscriptions", json=body)
    assert created.status_code == 201, created.json
    ident: int = created.json["id"]
    # Refused writes carrying a secret do not echo it either.
    assert (
        api.post("/api/v1/subscriptions", json={**body, "secret": REJECTED, "name": ""}).status_code
        == 422
    )
    assert (
        api.post(
            "/api/v1/subscriptions", json={**body, "secret": REJECTED, "transport": "email"}
        ).status_code
        == 422
    )
    assert api.patch(f"/api/v1/subscriptions/{ident}", json={"secret": ROTATED}).status_code == 200
    for path in (
        "/api/v1/subscriptions",
        f"/api/v1/subscriptions/{ident}",
        "/api/v1/changes?per_page=1000",
        "/api/v1/openapi.json",
    ):
        assert api.get(path).status_code == 200, path
    return ident


def _page_session(app: Flask, ident: int) -> list[str]:
    client = login(app)
    pages = []
    form = client.get("/forms/subscriptions/new").get_data(as_text=True)
    token = CSRF.search(form)
    assert token
    data = {
        "csrf_token": token.group(1),
        "name": "飞书群",
        "region_code": COUNTY,
        "transport": "feishu",
        "target": HOOK,
        "secret": FORM_SECRET,
        "language": "zh",
        "min_severity": "warning",
    }
    # A refused form keeps the target as typed (the person's own input, sent straight back),
    # never the secret: that one is searched for in it, the token is not.
    refused = client.post("/forms/subscriptions/new", data={**data, "name": ""})
    assert refused.status_code == 422
    refused_page = refused.get_data(as_text=True)
    assert HOOK in refused_page
    for secret in SECRETS:
        assert secret not in refused_page
    assert client.post("/forms/subscriptions/new", data=data).status_code == 302
    for path in ("/alerts/subscriptions", f"/subscriptions/{ident}/edit"):
        answer = client.get(path)
        assert answer.status_code == 200
        pages.append(answer.get_data(as_text=True))
    return pages


def test_a_subscription_secret_and_robot_token_never_appear_in_responses_pages_or_logs(
    app: Flask, engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="sqlalchemy.engine")
    token = make_token(engine, "admin", password=PASSWORD)  # the pages log in as admin
    api = ApiClient(app.test_client(), token)
    ident = _api_session(api)
    pages = _page_session(app, ident)

    texts = [r.get_data(as_text=True) + str(r.headers) for r in api.responses] + pages
    assert len(texts) >= 10
    for text in texts:
        for secret in SECRETS:
            assert secret not in text
        assert TOKEN not in text

    box: SecretBox = app.extensions["digicampus"].secret_box
    with engine.connect() as conn:
        stored = {row.name: row for row in conn.execute(sa.select(Subscription.__table__))}
    assert box.decrypt(stored["值班群"].secret_enc) == ROTATED
    assert box.decrypt(stored["飞书群"].secret_enc) == FORM_SECRET

    log_text = caplog.text + "\n".join(
        f"{r.getMessage()} {r.args!r} {r.exc_text or ''}" for r in caplog.records
    )
    assert "INSERT INTO alert_subscription" in log_text
    for secret in SECRETS:
        assert secret not in log_text, f"{secret} in the logs"

    dump = _dump(engine)
    assert stored["值班群"].secret_enc in dump
    for secret in SECRETS:
        assert secret not in dump


def test_the_change_log_says_a_secret_is_set_and_masks_the_target(
    app: Flask, engine: Engine
) -> None:
    api = ApiClient(app.test_client(), make_token(engine, "admin"))
    _api_session(api)
    changes: list[dict[str, Any]] = api.get(
        "/api/v1/changes", query_string={"object_type": "alert_subscription", "per_page": 100}
    ).json["results"]
    assert [c["action"] for c in changes] and len(changes) == 2  # created, secret rotated
    for change in changes:
        for state in (change["before"], change["after"]):
            if state is None:
                continue
            assert state["secret"] == "***" and "secret_enc" not in state
            assert state["target"] == "https://oapi.dingtalk.com/robot/send?***"


def _dump(engine: Engine) -> str:
    metadata = sa.MetaData()
    metadata.reflect(engine)
    parts = []
    with engine.connect() as conn:
        for table in metadata.sorted_tables:
            for row in conn.execute(sa.select(table)):
                parts.append(f"{table.name}: {tuple(row)!r}")
    return "\n".join(parts)
