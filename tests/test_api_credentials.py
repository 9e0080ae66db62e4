"""API tests of /api/v1/snmp-credentials: profiles, write-only secrets, version rules."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.engine import Engine

from inventory.choices import UserRole
from inventory.models import SnmpCredential
from inventory.secretbox import SecretBox
from tests.conftest import ApiClient, make_token, school_data

URL = "/api/v1/snmp-credentials"
OUTPUT_FIELDS = {
    "id",
    "name",
    "version",
    "username",
    "auth_protocol",
    "priv_protocol",
    "security_level",
    "has_community",
    "has_auth_key",
    "has_priv_key",
    "secrets_updated_at",
    "notes",
    "created_at",
    "updated_at",
}


def v2c(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"name": "县网v2c", "version": "v2c", "community": "cx-public-2024"}
    data.update(overrides)
    return data


def v3(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "县网v3",
        "version": "v3",
        "username": "monitor",
        "auth_protocol": "sha256",
        "auth_key": "auth-key-0001",
        "priv_protocol": "aes128",
        "priv_key": "priv-key-0001",
    }
    data.update(overrides)
    return data


def _stored(engine: Engine, credential_id: int) -> dict[str, Any]:
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(SnmpCredential.__table__).where(SnmpCredential.id == credential_id)
        ).one()
    return dict(row._mapping)


def _box(app: Flask) -> SecretBox:
    box: SecretBox = app.extensions["digicampus"].secret_box
    return box


def _count(api: ApiClient) -> int:
    count: int = api.get(URL).json["count"]
    return count


def test_create_v2c_returns_the_profile_without_secrets(
    api: ApiClient, app: Flask, engine: Engine
) -> None:
    response = api.post(URL, json=v2c(notes="  楚雄市 "))
    assert response.status_code == 201
    body = response.json
    assert set(body) == OUTPUT_FIELDS
    assert body["security_level"] == "community"
    assert (body["has_community"], body["has_auth_key"], body["has_priv_key"]) == (
        True,
        False,
        False,
    )
    assert body["username"] is None and body["priv_protocol"] is None
    assert body["notes"] == "楚雄市"
    assert body["secrets_updated_at"] is not None
    row = _stored(engine, body["id"])
    assert row["community_enc"] != "cx-public-2024"
    assert _box(app).decrypt(row["community_enc"]) == "cx-public-2024"
    assert row["auth_key_enc"] is None and row["priv_key_enc"] is None


def test_create_v3_auth_priv_and_auth_no_priv(api: ApiClient, app: Flask, engine: Engine) -> None:
    priv = api.post(URL, json=v3()).json
    assert priv["security_level"] == "authPriv"
    assert (priv["has_community"], priv["has_auth_key"], priv["has_priv_key"]) == (
        False,
        True,
        True,
    )
    assert (priv["username"], priv["auth_protocol"], priv["priv_protocol"]) == (
        "monitor",
        "sha256",
        "aes128",
    )
    row = _stored(engine, priv["id"])
    assert _box(app).decrypt(row["auth_key_enc"]) == "auth-key-0001"
    assert _box(app).decrypt(row["priv_key_enc"]) == "priv-key-0001"
    body = v3(name="no-priv")
    del body["priv_protocol"], body["priv_key"]
    no_priv = api.post(URL, json=body)
    assert no_priv.status_code == 201
    assert no_priv.json["priv_protocol"] == "none"  # the default
    assert no_priv.json["security_level"] == "authNoPriv"
    assert no_priv.json["has_priv_key"] is False


def test_secrets_are_kept_exactly_as_given(api: ApiClient, app: Flask, engine: Engine) -> None:
    body = api.post(URL, json=v2c(community="a b\tc")).json  # inner spaces are fine
    assert body["has_community"] is True
    assert _box(app).decrypt(_stored(engine, body["id"])["community_enc"]) == "a b\tc"


@pytest.mark.parametrize(
    ("body", "field", "fragment"),
    [
        (v2c(name="   "), "name", "blank"),
        (v2c(name="x" * 65), "name", "at most 64"),
        (v2c(version="v4"), "version", "v2c"),
        (v2c(community=""), "community", "Length must be between 1 and 64"),
        (v2c(community="c" * 65), "community", "Length must be between 1 and 64"),
        (v2c(community="pub\x00lic"), "community", "control characters"),
        (v2c(community=" public"), "community", "white space"),
        (v2c(community=1234), "community", "Not a valid string"),
        (v3(username="u" * 33), "username", "at most 32"),
        (v3(auth_protocol="md5"), "auth_protocol", "sha256"),
        (v3(auth_key="short"), "auth_key", "Length must be between 8 and 64"),
        (v3(priv_protocol="des"), "priv_protocol", "aes128"),
        (v3(priv_key="p" * 65), "priv_key", "Length must be between 8 and 64"),
        (v2c(notes="n" * 501), "notes", "at most 500"),
        (v2c(security_level="authPriv"), "security_level", "Unknown field"),
        (v2c(community_enc="gAAAA"), "community_enc", "Unknown field"),
    ],
)
def test_bad_fields_get_422_naming_the_field(
    api: ApiClient, body: dict[str, Any], field: str, fragment: str
) -> None:
    response = api.post(URL, json=body)
    assert response.status_code == 422
    assert field in response.json["message"]
    assert any(fragment in message for message in response.json["errors"][field])
    assert _count(api) == 0


def test_missing_required_fields_are_all_reported(api: ApiClient) -> None:
    response = api.post(URL, json={})
    assert response.status_code == 422
    assert set(response.json["errors"]) == {"name", "version"}


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"name": "x", "version": "v2c"}, {"community"}),
        ({"name": "x", "version": "v1", "community": None}, {"community"}),
        (v2c(username="monitor", auth_key="auth-key-0001"), {"username", "auth_key"}),
        (v2c(priv_protocol="none"), {"priv_protocol"}),
        ({"name": "x", "version": "v3"}, {"username", "auth_protocol", "auth_key"}),
        (v3(community="public"), {"community"}),
        (v3(priv_key=None), {"priv_key"}),
        (v3(priv_protocol="none"), {"priv_key"}),  # a key without privacy is a mistake
    ],
)
def test_version_rules_get_422_naming_every_field(
    api: ApiClient, body: dict[str, Any], fields: set[str]
) -> None:
    response = api.post(URL, json=body)
    assert response.status_code == 422
    assert set(response.json["errors"]) == fields
    assert _count(api) == 0


def test_duplicate_name_is_409_and_keeps_the_first(api: ApiClient) -> None:
    first = api.post(URL, json=v2c()).json
    response = api.post(URL, json=v3(name=v2c()["name"]))
    assert response.status_code == 409
    assert "name" in response.json["errors"]
    assert _count(api) == 1
    assert api.get(f"{URL}/{first['id']}").json["version"] == "v2c"


def test_patch_to_an_existing_name_is_409(api: ApiClient) -> None:
    api.post(URL, json=v2c())
    other = api.post(URL, json=v3()).json
    response = api.patch(f"{URL}/{other['id']}", json={"name": v2c()["name"]})
    assert response.status_code == 409
    assert api.get(f"{URL}/{other['id']}").json["name"] == other["name"]


def test_patch_changes_only_the_given_fields(api: ApiClient, app: Flask, engine: Engine) -> None:
    created = api.post(URL, json=v3(notes="old")).json
    before = _stored(engine, created["id"])
    response = api.patch(f"{URL}/{created['id']}", json={"notes": "new"})
    assert response.status_code == 200
    body = response.json
    assert body["notes"] == "new"
    for key in ("name", "version", "username", "auth_protocol", "priv_protocol"):
        assert body[key] == created[key], key
    assert body["secrets_updated_at"] == created["secrets_updated_at"]
    after = _stored(engine, created["id"])
    assert after["auth_key_enc"] == before["auth_key_enc"]  # not even re-encrypted
    assert after["priv_key_enc"] == before["priv_key_enc"]


def test_patch_uses_stored_secrets_for_the_rules(api: ApiClient) -> None:
    created = api.post(URL, json=v3()).json
    response = api.patch(f"{URL}/{created['id']}", json={"auth_protocol": "sha512"})
    assert response.status_code == 200
    assert response.json["has_auth_key"] is True
    assert response.json["auth_protocol"] == "sha512"


def test_rotating_a_secret_reencrypts_and_is_logged_masked(
    api: ApiClient, app: Flask, engine: Engine
) -> None:
    created = api.post(URL, json=v2c()).json
    response = api.patch(f"{URL}/{created['id']}", json={"community": "cx-rotated-2025"})
    assert response.status_code == 200
    assert response.json["secrets_updated_at"] > created["secrets_updated_at"]
    assert _box(app).decrypt(_stored(engine, created["id"])["community_enc"]) == "cx-rotated-2025"
    changes = api.get(
        "/api/v1/changes",
        query_string={"object_type": "snmp_credential", "object_id": str(created["id"])},
    ).json
    assert [c["action"] for c in changes["results"]] == ["update", "create"]
    update = changes["results"][0]
    assert update["before"]["community"] == "***"
    assert update["after"]["community"] == "***"
    assert update["before"]["secrets_updated_at"] != update["after"]["secrets_updated_at"]
    assert "community_enc" not in update["after"]
    assert "cx-rotated-2025" not in str(changes) and "cx-public-2024" not in str(changes)


def test_sending_the_same_secret_again_changes_nothing(api: ApiClient) -> None:
    created = api.post(URL, json=v2c()).json
    same = api.patch(f"{URL}/{created['id']}", json={"community": v2c()["community"]})
    assert same.json["secrets_updated_at"] == created["secrets_updated_at"]
    changes = api.get("/api/v1/changes", query_string={"object_type": "snmp_credential"}).json
    assert changes["count"] == 1


def test_switching_v2c_to_v3_needs_v3_fields_and_clears_the_community(
    api: ApiClient, engine: Engine
) -> None:
    created = api.post(URL, json=v2c()).json
    url = f"{URL}/{created['id']}"
    refused = api.patch(url, json={"version": "v3"})
    assert refused.status_code == 422
    assert set(refused.json["errors"]) == {"username", "auth_protocol", "auth_key"}
    assert api.get(url).json == created  # unchanged
    switch = {k: v for k, v in v3().items() if k != "name"}
    response = api.patch(url, json=switch)
    assert response.status_code == 200
    assert response.json["security_level"] == "authPriv"
    assert response.json["has_community"] is False
    assert _stored(engine, created["id"])["community_enc"] is None


def test_switching_v3_to_v2c_needs_a_community_and_clears_v3_fields(
    api: ApiClient, engine: Engine
) -> None:
    created = api.post(URL, json=v3()).json
    url = f"{URL}/{created['id']}"
    refused = api.patch(url, json={"version": "v2c"})
    assert refused.status_code == 422
    assert set(refused.json["errors"]) == {"community"}
    response = api.patch(url, json={"version": "v2c", "community": "cx-public-2024"})
    assert response.status_code == 200
    body = response.json
    assert (body["username"], body["auth_protocol"], body["priv_protocol"]) == (None, None, None)
    assert (body["has_auth_key"], body["has_priv_key"], body["has_community"]) == (
        False,
        False,
        True,
    )
    row = _stored(engine, created["id"])
    assert row["auth_key_enc"] is None and row["priv_key_enc"] is None


def test_changing_privacy_requires_or_clears_the_priv_key(api: ApiClient) -> None:
    created = api.post(URL, json=v3()).json
    url = f"{URL}/{created['id']}"
    dropped = api.patch(url, json={"priv_protocol": "none"}).json
    assert (dropped["security_level"], dropped["has_priv_key"]) == ("authNoPriv", False)
    refused = api.patch(url, json={"priv_protocol": "aes256"})
    assert refused.status_code == 422
    assert set(refused.json["errors"]) == {"priv_key"}
    restored = api.patch(url, json={"priv_protocol": "aes256", "priv_key": "priv-key-0002"})
    assert (restored.json["security_level"], restored.json["has_priv_key"]) == ("authPriv", True)


@pytest.mark.parametrize("field", ["name", "version"])
def test_patch_rejects_null_for_required_field(api: ApiClient, field: str) -> None:
    created = api.post(URL, json=v2c()).json
    response = api.patch(f"{URL}/{created['id']}", json={field: None})
    assert response.status_code == 422
    assert field in response.json["errors"]


def test_patch_cannot_remove_the_only_community(api: ApiClient) -> None:
    created = api.post(URL, json=v2c()).json
    response = api.patch(f"{URL}/{created['id']}", json={"community": None})
    assert response.status_code == 422
    assert set(response.json["errors"]) == {"community"}
    assert api.get(f"{URL}/{created['id']}").json["has_community"] is True


def test_delete_is_204_and_logged(api: ApiClient) -> None:
    created = api.post(URL, json=v2c()).json
    response = api.delete(f"{URL}/{created['id']}")
    assert response.status_code == 204
    assert response.data == b""
    assert api.get(f"{URL}/{created['id']}").status_code == 404
    deletes = api.get("/api/v1/changes", query_string={"action": "delete"}).json
    assert deletes["count"] == 1
    assert deletes["results"][0]["before"]["name"] == created["name"]
    assert deletes["results"][0]["before"]["community"] == "***"
    assert deletes["results"][0]["after"] is None


def test_a_credential_in_use_cannot_be_deleted(api: ApiClient) -> None:
    created = api.post(URL, json=v2c()).json
    school = api.post("/api/v1/schools", json=school_data()).json
    device = {
        "name": "core",
        "role": "core_switch",
        "mgmt_address": "10.1.0.1",
        "credential_id": created["id"],
    }
    assert api.post(f"/api/v1/schools/{school['code']}/devices", json=device).status_code == 201
    response = api.delete(f"{URL}/{created['id']}")
    assert response.status_code == 409
    assert "1 device" in response.json["message"]
    assert api.get(f"{URL}/{created['id']}").status_code == 200


def test_unknown_credential_is_404_json(api: ApiClient) -> None:
    for method in (api.get, api.patch, api.delete):
        kwargs = {"json": {}} if method == api.patch else {}
        response = method(f"{URL}/999", **kwargs)
        assert response.status_code == 404
        assert "999" in response.json["message"]
    assert api.get(f"{URL}/0").status_code == 404
    assert api.get(f"{URL}/abc").status_code == 404


def test_malformed_json_is_400(api: ApiClient) -> None:
    response = api.post(URL, data='{"name": "x', headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json["message"] == "the request body is not valid JSON"


def test_no_token_is_401(anon: ApiClient) -> None:
    assert anon.get(URL).status_code == 401
    assert anon.post(URL, json=v2c()).status_code == 401
    assert anon.get(f"{URL}/1").status_code == 401


@pytest.mark.parametrize("role", [UserRole.REGION_ADMIN, UserRole.SCHOOL_STAFF, UserRole.VIEWER])
def test_only_admins_write_credentials(
    api: ApiClient, app: Flask, engine: Engine, role: UserRole
) -> None:
    created = api.post(URL, json=v2c()).json
    other = ApiClient(app.test_client(), make_token(engine, f"user-{role.value}", role))
    assert other.get(URL).json["count"] == 1  # reading profiles (never secrets) is fine
    assert other.post(URL, json=v3()).status_code == 403
    assert other.patch(f"{URL}/{created['id']}", json={"notes": "x"}).status_code == 403
    assert other.delete(f"{URL}/{created['id']}").status_code == 403
    assert _count(api) == 1
    assert api.get(f"{URL}/{created['id']}").json["notes"] is None


def test_list_paginates_and_sorts(api: ApiClient) -> None:
    for i in range(5):
        api.post(URL, json=v2c(name=f"cred-{i}"))
    page = api.get(URL, query_string={"per_page": 2, "page": 3}).json
    assert page["count"] == 5
    assert [c["name"] for c in page["results"]] == ["cred-4"]
    desc = api.get(URL, query_string={"sort": "-name", "per_page": 1}).json
    assert desc["results"][0]["name"] == "cred-4"
    bad = api.get(URL, query_string={"sort": "community_enc"})
    assert bad.status_code == 422
    assert "sort" in bad.json["errors"]


def test_create_is_logged_with_masked_secrets(api: ApiClient) -> None:
    created = api.post(URL, json=v3()).json
    changes = api.get("/api/v1/changes", query_string={"object_type": "snmp_credential"}).json
    record = changes["results"][0]
    assert (record["action"], record["object_id"]) == ("create", str(created["id"]))
    assert record["before"] is None
    assert record["after"]["auth_key"] == "***"
    assert record["after"]["priv_key"] == "***"
    assert record["after"]["community"] is None
    assert record["after"]["username"] == "monitor"
