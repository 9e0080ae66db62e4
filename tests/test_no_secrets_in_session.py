"""No password, API token or SNMP secret leaves the server, across a full session of people.

Extends tests/test_secrets_never_leak.py (SNMP secrets through the API) to accounts: admins
create users with passwords, people log in to the pages (and fail to), create, use and revoke
API tokens, change passwords through the API and the CLI, work with SNMP credentials and log
out; all with logging at DEBUG. Then every response, page, log record, change-log row and
table is searched for every password, token and secret. A token appears exactly once: in the
answer that created it.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.engine import Engine

from api.commands_users import users_group
from inventory.models import ChangeRecord, User
from tests.conftest import COUNTY, ApiClient
from tests.test_secrets_never_leak import SECRETS as SNMP_SECRETS
from tests.test_secrets_never_leak import _database_text
from tests.test_secrets_never_leak import _session as snmp_session

PASSWORDS = (
    "Pw-region-4rT9-never-shown",
    "Pw-viewer-8kQ2-never-shown",
    "Pw-api-reset-6mZ1-never-shown",
    "Pw-cli-reset-2hX7-never-shown",
    "Pw-wrong-guess-9vB3-never-shown",
    "Pw-typed-as-name-5cN8-never-shown",
)
REGION_PW, VIEWER_PW, API_RESET_PW, CLI_RESET_PW, WRONG_PW, TYPED_AS_NAME = PASSWORDS
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _csrf(page: Any) -> str:
    match = CSRF.search(page.get_data(as_text=True))
    assert match
    return match.group(1)


def _full_session(
    api: ApiClient, app: Flask, admin_token: str
) -> tuple[list[ApiClient], list[str]]:
    """Everything people do with accounts; returns every client used and the issued tokens."""
    tokens = [admin_token]
    clients = [api]

    def client(token: str | None) -> ApiClient:
        clients.append(ApiClient(app.test_client(), token))
        return clients[-1]

    users = "/api/v1/users"
    county = api.post(users, json={"name": "county", "role": "region_admin", "region_code": COUNTY})
    assert county.status_code == 201, county.json
    api.patch(f"{users}/{county.json['id']}", json={"password": REGION_PW})
    viewer = api.post(users, json={"name": "reader", "role": "viewer", "password": VIEWER_PW})
    assert viewer.status_code == 201
    assert (
        api.post(users, json={"name": "weak", "role": "viewer", "password": "short"}).status_code
        == 422
    )

    snmp_session(api)  # SNMP credentials and the devices using them

    pages = client(None)
    for name, password in (("county", WRONG_PW), (TYPED_AS_NAME, "x"), ("county", REGION_PW)):
        token = _csrf(pages.get("/login"))
        pages.post("/login", data={"name": name, "password": password, "csrf_token": token})
    assert pages.get("/status").status_code == 200

    issued = api.post(f"{users}/{county.json['id']}/tokens", json={"label": "county script"})
    assert issued.status_code == 201
    tokens.append(issued.json["token"])
    county_api = client(issued.json["token"])
    mine = county_api.post(f"{users}/me/tokens", json={"label": "laptop", "expires_in_days": 7})
    tokens.append(mine.json["token"])
    for path in ("/api/v1/schools", f"{users}/me", f"{users}/me/tokens", "/api/v1/changes"):
        assert county_api.get(path).status_code == 200
    assert county_api.delete(f"{users}/me/tokens/{mine.json['id']}").status_code == 204
    assert client(mine.json["token"]).get(f"{users}/me").status_code == 401

    api.patch(f"{users}/{viewer.json['id']}", json={"password": API_RESET_PW})
    result = app.test_cli_runner().invoke(
        users_group, ["set-password", "reader"], input=f"{CLI_RESET_PW}\n{CLI_RESET_PW}\n"
    )
    assert result.exit_code == 0, result.output
    assert CLI_RESET_PW not in result.output

    for path in (
        users,
        f"{users}/{county.json['id']}",
        f"{users}/{county.json['id']}/tokens",
        f"{users}/me/tokens",
        "/api/v1/changes?per_page=1000",
        "/api/v1/openapi.json",
    ):
        assert api.get(path).status_code == 200, path
    pages.post("/logout", data={"csrf_token": _csrf(pages.get("/status"))})
    assert pages.get("/status").status_code == 302
    return clients, tokens


def test_no_password_token_or_secret_leaks_from_a_full_session(
    api: ApiClient,
    app: Flask,
    engine: Engine,
    admin_token: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="sqlalchemy.engine")
    clients, tokens = _full_session(api, app, admin_token)
    with engine.connect() as conn:
        hashes = [h for h in conn.scalars(sa.select(User.password_hash)) if h]
    assert len(hashes) == 2  # county and reader
    never = (*PASSWORDS, *SNMP_SECRETS, *hashes)

    # Responses and pages, headers included (the session cookie too).
    responses = [response for client in clients for response in client.responses]
    assert len(responses) > 40
    for response in responses:
        text = response.get_data(as_text=True) + str(response.headers)
        where = f"{response.request.method} {response.request.path}"
        for secret in never:
            assert secret not in text, f"{secret} in {where}"
    for token in tokens[1:]:
        showing = [r for r in responses if token in r.get_data(as_text=True) + str(r.headers)]
        assert len(showing) == 1, f"token shown {len(showing)} times"
        assert showing[0].status_code == 201
    assert not any(tokens[0] in r.get_data(as_text=True) for r in responses)

    # Logs at DEBUG, SQL included. (SQLAlchemy's DEBUG level also logs result rows, which hold
    # password hashes and SNMP ciphertext: as in test_secrets_never_leak, only what is secret
    # in itself is searched for here.)
    assert any(r.name.startswith("sqlalchemy.engine") for r in caplog.records)
    log_text = caplog.text + "\n".join(
        f"{r.getMessage()} {r.args!r} {r.exc_text or ''}" for r in caplog.records
    )
    assert "INSERT INTO login_attempt" in log_text and "UPDATE app_user" in log_text
    for secret in (*PASSWORDS, *SNMP_SECRETS, *tokens):
        assert secret not in log_text, f"{secret[:12]}… in the logs"

    # The change log: logins and failures, token creation and revocation, nothing secret.
    with engine.connect() as conn:
        records = conn.execute(sa.select(ChangeRecord.__table__)).all()
    actions = {row.action for row in records}
    assert {"login", "login_failed", "logout", "revoke", "create", "update"} <= actions
    change_log = "\n".join(repr(tuple(row)) for row in records)
    for secret in (*never, *tokens):
        assert secret not in change_log, f"{secret[:12]}… in the change log"

    # Every table: tokens and passwords exist only as hashes.
    dump = _database_text(engine)
    for secret in (*PASSWORDS, *SNMP_SECRETS, *tokens):
        assert secret not in dump, f"{secret[:12]}… in the database"
