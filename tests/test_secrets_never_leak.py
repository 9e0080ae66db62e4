"""SNMP secrets never leave the server in clear: not in any response, log record or table.

One full API session with logging at DEBUG everywhere (SQL statements and their parameters
included), then a search for each plaintext secret in everything the session produced.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.engine import Engine

from inventory.models import SnmpCredential
from inventory.secretbox import SecretBox
from tests.conftest import ApiClient, school_data

COMMUNITY = "Cmty-7f3aQz-never-shown"
ROTATED_COMMUNITY = "Cmty-rot-2b8eXw-never-shown"
AUTH_KEY = "AuthK-91bXpL-never-shown"
PRIV_KEY = "PrivK-55zRmN-never-shown"
REJECTED_KEY = "RejK-0c4Tq-never-shown"
SECRETS = (COMMUNITY, ROTATED_COMMUNITY, AUTH_KEY, PRIV_KEY, REJECTED_KEY)
CREDENTIALS = "/api/v1/snmp-credentials"


def _session(api: ApiClient) -> dict[str, int]:
    """Everything a user does with credentials and the devices using them."""
    v2c = api.post(CREDENTIALS, json={"name": "v2c", "version": "v2c", "community": COMMUNITY})
    assert v2c.status_code == 201, v2c.json
    v3 = api.post(
        CREDENTIALS,
        json={
            "name": "v3",
            "version": "v3",
            "username": "monitor",
            "auth_protocol": "sha512",
            "auth_key": AUTH_KEY,
            "priv_protocol": "aes256",
            "priv_key": PRIV_KEY,
        },
    )
    assert v3.status_code == 201, v3.json
    assert v3.json["security_level"] == "authPriv"
    v2c_id, v3_id = v2c.json["id"], v3.json["id"]
    # Failed writes carrying a secret must not echo it either.
    assert (
        api.post(
            CREDENTIALS, json={"name": "v2c", "version": "v2c", "community": REJECTED_KEY}
        ).status_code
        == 409
    )
    assert (
        api.post(
            CREDENTIALS, json={"name": "", "version": "v2c", "community": REJECTED_KEY}
        ).status_code
        == 422
    )
    assert api.patch(f"{CREDENTIALS}/{v2c_id}", json={"auth_key": REJECTED_KEY}).status_code == 422
    rotated = api.patch(f"{CREDENTIALS}/{v2c_id}", json={"community": ROTATED_COMMUNITY})
    assert rotated.status_code == 200
    school = api.post("/api/v1/schools", json=school_data()).json["code"]
    devices = f"/api/v1/schools/{school}/devices"
    for name, address, credential_id in (("gw", "10.1.0.1", v2c_id), ("core", "10.1.0.2", v3_id)):
        response = api.post(
            devices,
            json={
                "name": name,
                "role": "gateway",
                "mgmt_address": address,
                "credential_id": credential_id,
            },
        )
        assert response.status_code == 201, response.json
    for path in (
        CREDENTIALS,
        f"{CREDENTIALS}/{v2c_id}",
        f"{CREDENTIALS}/{v3_id}",
        devices,
        "/api/v1/devices",
        "/api/v1/changes?per_page=1000",
        "/api/v1/openapi.json",
    ):
        assert api.get(path).status_code == 200, path
    assert api.delete(f"{CREDENTIALS}/{v3_id}").status_code == 409  # in use
    return {"v2c": v2c_id, "v3": v3_id}


def _database_text(engine: Engine) -> str:
    """Every row of every table in the database, as text."""
    metadata = sa.MetaData()
    metadata.reflect(engine)
    assert "snmp_credential" in metadata.tables and "change_record" in metadata.tables
    parts = []
    with engine.connect() as conn:
        for table in metadata.sorted_tables:
            for row in conn.execute(sa.select(table)):
                parts.append(f"{table.name}: {tuple(row)!r}")
    return "\n".join(parts)


def test_secrets_never_appear_in_responses_logs_or_the_database(
    api: ApiClient, app: Flask, engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="sqlalchemy.engine")
    ids = _session(api)

    # The secrets are really stored: the ciphertext decrypts with the app's box.
    box: SecretBox = app.extensions["digicampus"].secret_box
    with engine.connect() as conn:
        rows = {row.id: row for row in conn.execute(sa.select(SnmpCredential.__table__))}
    assert box.decrypt(rows[ids["v2c"]].community_enc) == ROTATED_COMMUNITY
    assert box.decrypt(rows[ids["v3"]].auth_key_enc) == AUTH_KEY
    assert box.decrypt(rows[ids["v3"]].priv_key_enc) == PRIV_KEY
    tokens = [
        rows[ids["v2c"]].community_enc,
        rows[ids["v3"]].auth_key_enc,
        rows[ids["v3"]].priv_key_enc,
    ]

    # Responses: bodies and headers, including failed requests and the API description.
    assert len(api.responses) >= 15
    for response in api.responses:
        text = response.get_data(as_text=True) + str(response.headers)
        for secret in SECRETS:
            assert secret not in text, f"{secret} in {response.request.path}"
        for token in tokens:
            assert token not in text, f"ciphertext in {response.request.path}"

    # Logs: every record, SQL statements and parameters included (so ciphertext may appear).
    assert any(r.name.startswith("sqlalchemy.engine") for r in caplog.records), "SQL not logged"
    log_text = caplog.text + "\n".join(
        f"{r.getMessage()} {r.args!r} {r.exc_text or ''}" for r in caplog.records
    )
    assert "INSERT INTO snmp_credential" in log_text
    for secret in SECRETS:
        assert secret not in log_text, f"{secret} in the logs"

    # Database: every row of every table, the change log included.
    dump = _database_text(engine)
    assert tokens[0] in dump  # the dump really covers the credential table
    for secret in SECRETS:
        assert secret not in dump, f"{secret} in the database"


def test_the_change_log_shows_only_that_a_secret_is_set(api: ApiClient) -> None:
    _session(api)
    changes: list[dict[str, Any]] = api.get(
        "/api/v1/changes", query_string={"object_type": "snmp_credential", "per_page": 100}
    ).json["results"]
    assert changes
    for change in changes:
        for state in (change["before"], change["after"]):
            if state is None:
                continue
            assert not any(key.endswith("_enc") for key in state)
            for key in ("community", "auth_key", "priv_key"):
                assert state[key] in (None, "***")
