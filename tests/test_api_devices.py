"""API tests of /api/v1/devices and /api/v1/schools/<code>/devices."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy.engine import Engine

from inventory.choices import UserRole
from tests.conftest import OTHER_COUNTY, ApiClient, make_token, school_data

SCHOOL = "2153010001"
DEVICES = f"/api/v1/schools/{SCHOOL}/devices"


def device_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "鹿城小学核心交换机",
        "role": "core_switch",
        "mgmt_address": "10.1.0.1",
    }
    data.update(overrides)
    return data


@pytest.fixture
def credential(api: ApiClient) -> dict[str, Any]:
    response = api.post(
        "/api/v1/snmp-credentials",
        json={"name": "county-v2c", "version": "v2c", "community": "cx-public-2024"},
    )
    assert response.status_code == 201
    body: dict[str, Any] = response.json
    return body


@pytest.fixture
def device(api: ApiClient, school: dict[str, Any], credential: dict[str, Any]) -> dict[str, Any]:
    response = api.post(DEVICES, json=device_data(credential_id=credential["id"]))
    assert response.status_code == 201, response.json
    body: dict[str, Any] = response.json
    return body


def _count(api: ApiClient) -> int:
    count: int = api.get("/api/v1/devices").json["count"]
    return count


def test_create_applies_defaults_and_adds_derived_fields(
    api: ApiClient, school: dict[str, Any], credential: dict[str, Any]
) -> None:
    response = api.post(
        DEVICES,
        json=device_data(
            name="  核心交换机 ",
            credential_id=credential["id"],
            sys_object_id="1.3.6.1.4.1.2011.2.23.96",
            vendor="Huawei",
        ),
    )
    assert response.status_code == 201
    body = response.json
    assert body["name"] == "核心交换机"
    assert (body["status"], body["snmp_port"], body["polling_enabled"]) == ("active", 161, True)
    assert body["school_code"] == SCHOOL
    assert body["credential_name"] == "county-v2c"
    assert body["sys_object_id"] == "1.3.6.1.4.1.2011.2.23.96"
    assert isinstance(body["id"], int)
    for key in ("created_at", "updated_at", "model", "serial", "sys_descr", "notes"):
        assert key in body
    assert api.get(f"/api/v1/devices/{body['id']}").json == body


def test_a_device_without_credential_shows_null(api: ApiClient, school: dict[str, Any]) -> None:
    body = api.post(DEVICES, json=device_data()).json
    assert body["credential_id"] is None
    assert body["credential_name"] is None


def test_addresses_are_canonical_and_unique(api: ApiClient, school: dict[str, Any]) -> None:
    first = api.post(DEVICES, json=device_data(mgmt_address="2001:DB8:0:0::1"))
    assert first.json["mgmt_address"] == "2001:db8::1"
    clash = api.post(DEVICES, json=device_data(name="other", mgmt_address="2001:db8::0:1"))
    assert clash.status_code == 409
    assert "mgmt_address" in clash.json["errors"]
    assert _count(api) == 1


@pytest.mark.parametrize(
    ("overrides", "field", "fragment"),
    [
        ({"name": "   "}, "name", "blank"),
        ({"name": "x" * 65}, "name", "at most 64"),
        ({"role": "router"}, "role", "core_switch"),
        ({"status": "broken"}, "status", "decommissioned"),
        ({"mgmt_address": "10.0.0.256"}, "mgmt_address", "IPv4 or IPv6"),
        ({"mgmt_address": "switch.school.cn"}, "mgmt_address", "IPv4 or IPv6"),
        ({"snmp_port": 0}, "snmp_port", "greater than or equal to 1"),
        ({"snmp_port": 65536}, "snmp_port", "less than or equal to 65535"),
        ({"snmp_port": "161"}, "snmp_port", "Not a valid integer"),
        ({"credential_id": 0}, "credential_id", "greater than or equal to 1"),
        ({"credential_id": 2**31}, "credential_id", "less than or equal to"),
        ({"polling_enabled": "maybe"}, "polling_enabled", "Not a valid boolean"),
        ({"vendor": "v" * 65}, "vendor", "at most 64"),
        ({"sys_descr": "d" * 501}, "sys_descr", "at most 500"),
        ({"sys_object_id": "1.3.6.x"}, "sys_object_id", "dotted numeric OID"),
        ({"sys_object_id": "iso.3.6.1"}, "sys_object_id", "dotted numeric OID"),
        ({"sys_object_id": ".1.3.6.1"}, "sys_object_id", "dotted numeric OID"),
        ({"notes": "bad\x00"}, "notes", "control characters"),
        ({"school_code": SCHOOL}, "school_code", "Unknown field"),
    ],
)
def test_bad_fields_get_422_naming_the_field(
    api: ApiClient, school: dict[str, Any], overrides: dict[str, Any], field: str, fragment: str
) -> None:
    response = api.post(DEVICES, json=device_data(**overrides))
    assert response.status_code == 422
    assert field in response.json["message"]
    assert any(fragment in message for message in response.json["errors"][field])
    assert _count(api) == 0


def test_missing_required_fields_are_all_reported(api: ApiClient, school: dict[str, Any]) -> None:
    response = api.post(DEVICES, json={})
    assert response.status_code == 422
    assert set(response.json["errors"]) == {"name", "role", "mgmt_address"}


def test_unknown_credential_is_422(api: ApiClient, school: dict[str, Any]) -> None:
    response = api.post(DEVICES, json=device_data(credential_id=4242))
    assert response.status_code == 422
    assert "4242" in response.json["errors"]["credential_id"][0]
    assert _count(api) == 0


def test_unknown_school_is_404(api: ApiClient) -> None:
    url = "/api/v1/schools/2153019999/devices"
    for response in (api.post(url, json=device_data()), api.get(url)):
        assert response.status_code == 404
        assert "2153019999" in response.json["message"]


def test_unknown_device_is_404_json(api: ApiClient) -> None:
    for method in (api.get, api.patch, api.delete):
        kwargs = {"json": {}} if method == api.patch else {}
        response = method("/api/v1/devices/999", **kwargs)
        assert response.status_code == 404
        assert "999" in response.json["message"]


def test_patch_changes_only_the_given_fields(api: ApiClient, school: dict[str, Any]) -> None:
    created = api.post(
        DEVICES,
        json=device_data(status="planned", polling_enabled=False, snmp_port=1161, vendor="H3C"),
    ).json
    response = api.patch(f"/api/v1/devices/{created['id']}", json={"name": "新名字"})
    assert response.status_code == 200
    body = response.json
    assert body["name"] == "新名字"
    assert (body["status"], body["polling_enabled"], body["snmp_port"], body["vendor"]) == (
        "planned",
        False,
        1161,
        "H3C",
    )  # no default crept back in


def test_patch_changes_the_credential(
    api: ApiClient, device: dict[str, Any], credential: dict[str, Any]
) -> None:
    other = api.post(
        "/api/v1/snmp-credentials",
        json={
            "name": "county-v3",
            "version": "v3",
            "username": "mon",
            "auth_protocol": "sha",
            "auth_key": "auth-key-0001",
        },
    ).json
    url = f"/api/v1/devices/{device['id']}"
    moved = api.patch(url, json={"credential_id": other["id"]})
    assert (moved.json["credential_id"], moved.json["credential_name"]) == (
        other["id"],
        "county-v3",
    )
    assert api.get(url).json["credential_name"] == "county-v3"
    cleared = api.patch(url, json={"credential_id": None})
    assert (cleared.json["credential_id"], cleared.json["credential_name"]) == (None, None)
    missing = api.patch(url, json={"credential_id": 4242})
    assert missing.status_code == 422
    assert "credential_id" in missing.json["errors"]


def test_patch_to_an_existing_address_is_409(api: ApiClient, device: dict[str, Any]) -> None:
    other = api.post(DEVICES, json=device_data(name="接入", mgmt_address="10.1.0.2")).json
    response = api.patch(f"/api/v1/devices/{other['id']}", json={"mgmt_address": "10.1.0.1"})
    assert response.status_code == 409
    assert api.get(f"/api/v1/devices/{other['id']}").json["mgmt_address"] == "10.1.0.2"


@pytest.mark.parametrize("field", ["name", "role", "mgmt_address", "status", "snmp_port"])
def test_patch_rejects_null_for_required_field(
    api: ApiClient, device: dict[str, Any], field: str
) -> None:
    response = api.patch(f"/api/v1/devices/{device['id']}", json={field: None})
    assert response.status_code == 422
    assert field in response.json["errors"]


def test_delete_detaches_the_links_it_carried_and_logs_it(
    api: ApiClient, device: dict[str, Any]
) -> None:
    link = api.post(
        f"/api/v1/schools/{SCHOOL}/links",
        json={
            "kind": "metro",
            "medium": "fibre",
            "down_mbps": 1000,
            "up_mbps": 1000,
            "device_id": device["id"],
            "interface_name": "GE0/0/1",
        },
    ).json
    assert link["device_name"] == device["name"]
    response = api.delete(f"/api/v1/devices/{device['id']}")
    assert response.status_code == 204
    assert api.get(f"/api/v1/devices/{device['id']}").status_code == 404
    kept = api.get(f"/api/v1/links/{link['id']}").json
    assert (kept["device_id"], kept["interface_name"], kept["device_name"]) == (None, None, None)
    link_changes = api.get(
        "/api/v1/changes",
        query_string={"object_type": "network_link", "object_id": str(link["id"])},
    ).json["results"]
    assert [c["action"] for c in link_changes] == ["update", "create"]
    assert link_changes[0]["before"]["device_id"] == device["id"]
    assert link_changes[0]["before"]["interface_name"] == "GE0/0/1"
    assert link_changes[0]["after"]["device_id"] is None
    deleted = api.get("/api/v1/changes", query_string={"object_type": "device"}).json["results"]
    assert deleted[0]["action"] == "delete"
    assert deleted[0]["before"]["mgmt_address"] == "10.1.0.1"


def test_malformed_json_is_400(api: ApiClient, school: dict[str, Any]) -> None:
    response = api.post(DEVICES, data='{"name": ', headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json["message"] == "the request body is not valid JSON"


def test_no_token_is_401(anon: ApiClient) -> None:
    for path in (DEVICES, "/api/v1/devices", "/api/v1/devices/1"):
        assert anon.get(path).status_code == 401
    assert anon.post(DEVICES, json=device_data()).status_code == 401


def test_viewer_can_read_but_not_write(
    api: ApiClient, app: Flask, engine: Engine, device: dict[str, Any]
) -> None:
    viewer = ApiClient(app.test_client(), make_token(engine, "viewer", UserRole.VIEWER))
    assert viewer.get("/api/v1/devices").json["count"] == 1
    assert viewer.post(DEVICES, json=device_data(mgmt_address="10.9.9.9")).status_code == 403
    url = f"/api/v1/devices/{device['id']}"
    assert viewer.patch(url, json={"name": "x"}).status_code == 403
    assert viewer.delete(url).status_code == 403
    assert api.get(url).json == device


def _names(api: ApiClient, path: str = "/api/v1/devices", **query: Any) -> list[str]:
    response = api.get(path, query_string={"per_page": 100, **query})
    assert response.status_code == 200, response.json
    return [d["name"] for d in response.json["results"]]


def test_list_filters(api: ApiClient, credential: dict[str, Any]) -> None:
    api.post("/api/v1/schools", json=school_data())
    api.post(
        "/api/v1/schools",
        json=school_data(
            code="2153220001", name="双柏中学", type_code="342", region_code=OTHER_COUNTY
        ),
    )
    other = "/api/v1/schools/2153220001/devices"
    api.post(DEVICES, json=device_data(name="a-core", credential_id=credential["id"]))
    api.post(
        DEVICES,
        json=device_data(name="b-olt", role="olt", mgmt_address="10.1.0.2", polling_enabled=False),
    )
    api.post(
        other,
        json=device_data(name="c-gw", role="gateway", mgmt_address="2001:db8::7", status="offline"),
    )
    assert _names(api) == ["a-core", "b-olt", "c-gw"]
    assert _names(api, region="532300") == ["a-core", "b-olt", "c-gw"]  # prefecture subtree
    assert _names(api, region=OTHER_COUNTY) == ["c-gw"]
    assert _names(api, school=SCHOOL) == ["a-core", "b-olt"]
    assert _names(api, other) == ["c-gw"]
    assert _names(api, DEVICES, role="olt") == ["b-olt"]
    assert _names(api, role="core_switch") == ["a-core"]
    assert _names(api, status="offline") == ["c-gw"]
    assert _names(api, polling_enabled="false") == ["b-olt"]
    assert _names(api, polling_enabled="true") == ["a-core", "c-gw"]
    assert _names(api, credential_id=credential["id"]) == ["a-core"]
    assert _names(api, q="OLT") == ["b-olt"]  # name, case-insensitive
    assert _names(api, q="10.1.0.") == ["a-core", "b-olt"]  # address
    assert _names(api, q="DB8::7") == ["c-gw"]
    assert _names(api, q="%") == []
    assert _names(api, sort="-name") == ["c-gw", "b-olt", "a-core"]
    assert _names(api, sort="school_code")[-1] == "c-gw"
    page = api.get("/api/v1/devices", query_string={"per_page": 2, "page": 2}).json
    assert (page["count"], [d["name"] for d in page["results"]]) == (3, ["c-gw"])


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"region": "999999"}, "region"),
        ({"region": "12"}, "region"),
        ({"school": "2153019999"}, "school"),
        ({"school": "abc"}, "school"),
        ({"role": "router"}, "role"),
        ({"polling_enabled": "maybe"}, "polling_enabled"),
        ({"credential_id": "99999999999"}, "credential_id"),
        ({"sort": "community"}, "sort"),
        ({"per_page": 5000}, "per_page"),
    ],
)
def test_bad_list_arguments_are_422(api: ApiClient, query: dict[str, Any], field: str) -> None:
    response = api.get("/api/v1/devices", query_string=query)
    assert response.status_code == 422
    assert field in response.json["errors"]


def test_changes_record_before_and_after(api: ApiClient, device: dict[str, Any]) -> None:
    url = f"/api/v1/devices/{device['id']}"
    api.patch(url, json={"status": "offline"})
    api.patch(url, json={"status": "offline"})  # no change, no record
    changes = api.get(
        "/api/v1/changes", query_string={"object_type": "device", "object_id": str(device["id"])}
    ).json
    assert [c["action"] for c in changes["results"]] == ["update", "create"]
    update = changes["results"][0]
    assert (update["before"]["status"], update["after"]["status"]) == ("active", "offline")
    assert update["actor_name"] == "admin"
    assert changes["results"][1]["after"]["snmp_port"] == 161
