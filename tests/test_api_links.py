"""API tests of /api/v1/links and /api/v1/schools/<code>/links."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.engine import Engine

from inventory.choices import UserRole
from tests.conftest import OTHER_COUNTY, ApiClient, make_token, school_data

SCHOOL = "2153010001"
OTHER_SCHOOL = "2153220001"
LINKS = f"/api/v1/schools/{SCHOOL}/links"


def link_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "kind": "internet",
        "carrier": "telecom",
        "medium": "fibre",
        "down_mbps": 1000,
        "up_mbps": 100,
        "circuit_id": "CX-TEL-0001",
        "commissioned_on": "2023-09-01",
    }
    data.update(overrides)
    return data


@pytest.fixture
def device(api: ApiClient, school: dict[str, Any]) -> dict[str, Any]:
    response = api.post(
        f"/api/v1/schools/{SCHOOL}/devices",
        json={"name": "出口网关", "role": "gateway", "mgmt_address": "10.1.0.1"},
    )
    assert response.status_code == 201
    body: dict[str, Any] = response.json
    return body


@pytest.fixture
def link(api: ApiClient, school: dict[str, Any]) -> dict[str, Any]:
    response = api.post(LINKS, json=link_data())
    assert response.status_code == 201, response.json
    body: dict[str, Any] = response.json
    return body


def _count(api: ApiClient) -> int:
    count: int = api.get("/api/v1/links").json["count"]
    return count


def test_create_returns_the_link_with_derived_fields(
    api: ApiClient, device: dict[str, Any]
) -> None:
    response = api.post(
        LINKS, json=link_data(device_id=device["id"], interface_name=" GE0/0/1 ", notes="主线")
    )
    assert response.status_code == 201
    body = response.json
    assert body["school_code"] == SCHOOL
    assert body["status"] == "active"
    assert (body["device_id"], body["device_name"], body["interface_name"]) == (
        device["id"],
        "出口网关",
        "GE0/0/1",
    )
    assert (body["down_mbps"], body["up_mbps"], body["carrier"]) == (1000, 100, "telecom")
    assert body["decommissioned_on"] is None
    assert api.get(f"/api/v1/links/{body['id']}").json == body


def test_a_metro_link_needs_no_carrier_nor_dates(api: ApiClient, school: dict[str, Any]) -> None:
    body = {"kind": "metro", "medium": "fibre", "down_mbps": 1000, "up_mbps": 1000}
    response = api.post(LINKS, json=body)
    assert response.status_code == 201
    assert (response.json["carrier"], response.json["circuit_id"]) == (None, None)
    assert response.json["status"] == "active"
    assert response.json["device_name"] is None


def test_status_comes_from_the_dates(api: ApiClient, school: dict[str, Any]) -> None:
    future = (date.today() + timedelta(days=30)).isoformat()
    planned = api.post(LINKS, json=link_data(commissioned_on=future)).json
    closed = api.post(LINKS, json=link_data(circuit_id="C2", decommissioned_on="2024-01-01")).json
    assert (planned["status"], closed["status"]) == ("planned", "closed")


@pytest.mark.parametrize(
    ("overrides", "field", "fragment"),
    [
        ({"kind": "satellite"}, "kind", "edu_cloud"),
        ({"carrier": "att"}, "carrier", "telecom"),
        ({"medium": "pigeon"}, "medium", "fibre"),
        ({"down_mbps": 0}, "down_mbps", "greater than or equal to 1"),
        ({"down_mbps": 400_001}, "down_mbps", "less than or equal to 400000"),
        ({"up_mbps": "100"}, "up_mbps", "Not a valid integer"),
        ({"up_mbps": 99.5}, "up_mbps", "Not a valid integer"),
        ({"circuit_id": "c" * 65}, "circuit_id", "at most 64"),
        ({"commissioned_on": "2024-02-30"}, "commissioned_on", "Not a valid date"),
        ({"decommissioned_on": "2101-01-01"}, "decommissioned_on", "less than or equal to"),
        ({"device_id": 0}, "device_id", "greater than or equal to 1"),
        ({"device_id": "1"}, "device_id", "Not a valid integer"),
        ({"interface_name": "i" * 65}, "interface_name", "at most 64"),
        ({"status": "active"}, "status", "Unknown field"),
    ],
)
def test_bad_fields_get_422_naming_the_field(
    api: ApiClient, school: dict[str, Any], overrides: dict[str, Any], field: str, fragment: str
) -> None:
    response = api.post(LINKS, json=link_data(**overrides))
    assert response.status_code == 422
    assert field in response.json["message"]
    assert any(fragment in message for message in response.json["errors"][field])
    assert _count(api) == 0


def test_missing_required_fields_are_all_reported(api: ApiClient, school: dict[str, Any]) -> None:
    response = api.post(LINKS, json={})
    assert response.status_code == 422
    assert set(response.json["errors"]) == {"kind", "medium", "down_mbps", "up_mbps"}


def _other_school_device(api: ApiClient) -> dict[str, Any]:
    api.post(
        "/api/v1/schools",
        json=school_data(
            code=OTHER_SCHOOL, name="双柏中学", type_code="342", region_code=OTHER_COUNTY
        ),
    )
    body: dict[str, Any] = api.post(
        f"/api/v1/schools/{OTHER_SCHOOL}/devices",
        json={"name": "双柏网关", "role": "gateway", "mgmt_address": "10.2.0.1"},
    ).json
    return body


@pytest.mark.parametrize(
    ("overrides", "fields"),
    [
        ({"carrier": None}, {"carrier"}),
        ({"decommissioned_on": "2023-08-31"}, {"decommissioned_on"}),
        ({"device_id": 4242, "interface_name": "GE0/0/1"}, {"device_id"}),
        ({"device_id": "mine"}, {"interface_name"}),
        ({"interface_name": "GE0/0/1"}, {"device_id"}),
        ({"device_id": "theirs", "interface_name": "GE0/0/1"}, {"device_id"}),
        ({"carrier": None, "decommissioned_on": "2020-01-01"}, {"carrier", "decommissioned_on"}),
    ],
)
def test_domain_rules_get_422_naming_every_field(
    api: ApiClient, device: dict[str, Any], overrides: dict[str, Any], fields: set[str]
) -> None:
    if overrides.get("device_id") == "mine":
        overrides["device_id"] = device["id"]
    elif overrides.get("device_id") == "theirs":
        overrides["device_id"] = _other_school_device(api)["id"]
    response = api.post(LINKS, json=link_data(**overrides))
    assert response.status_code == 422
    assert set(response.json["errors"]) == fields
    assert _count(api) == 0


def test_a_link_may_start_and_end_the_same_day(api: ApiClient, school: dict[str, Any]) -> None:
    response = api.post(
        LINKS, json=link_data(commissioned_on="2024-01-01", decommissioned_on="2024-01-01")
    )
    assert response.status_code == 201


def test_duplicate_circuit_id_is_409_but_absent_ones_are_fine(
    api: ApiClient, link: dict[str, Any]
) -> None:
    response = api.post(LINKS, json=link_data(kind="metro"))
    assert response.status_code == 409
    assert "circuit_id" in response.json["errors"]
    for _ in range(2):
        assert api.post(LINKS, json=link_data(circuit_id=None)).status_code == 201
    other = api.post(LINKS, json=link_data(circuit_id="CX-TEL-0002")).json
    clash = api.patch(f"/api/v1/links/{other['id']}", json={"circuit_id": "CX-TEL-0001"})
    assert clash.status_code == 409
    assert _count(api) == 4


def test_patch_changes_only_the_given_fields(api: ApiClient, link: dict[str, Any]) -> None:
    response = api.patch(f"/api/v1/links/{link['id']}", json={"down_mbps": 2000})
    assert response.status_code == 200
    body = response.json
    assert body["down_mbps"] == 2000
    unchanged = {k: v for k, v in body.items() if k not in {"down_mbps", "updated_at"}}
    assert unchanged == {k: v for k, v in link.items() if k not in {"down_mbps", "updated_at"}}


def test_patch_cross_field_rules_use_stored_values(
    api: ApiClient, link: dict[str, Any], device: dict[str, Any]
) -> None:
    url = f"/api/v1/links/{link['id']}"
    for changes, field in [
        ({"decommissioned_on": "2020-01-01"}, "decommissioned_on"),
        ({"carrier": None}, "carrier"),
        ({"device_id": device["id"]}, "interface_name"),
        ({"interface_name": "GE0/0/1"}, "device_id"),
    ]:
        response = api.patch(url, json=changes)
        assert response.status_code == 422, changes
        assert set(response.json["errors"]) == {field}
    attached = api.patch(url, json={"device_id": device["id"], "interface_name": "GE0/0/1"})
    assert attached.json["device_name"] == device["name"]
    half = api.patch(url, json={"device_id": None})
    assert half.status_code == 422
    assert set(half.json["errors"]) == {"device_id"}
    detached = api.patch(url, json={"device_id": None, "interface_name": None})
    assert (detached.json["device_id"], detached.json["device_name"]) == (None, None)
    assert api.patch(url, json={"kind": "metro", "carrier": None}).status_code == 200


@pytest.mark.parametrize("field", ["kind", "medium", "down_mbps", "up_mbps"])
def test_patch_rejects_null_for_required_field(
    api: ApiClient, link: dict[str, Any], field: str
) -> None:
    response = api.patch(f"/api/v1/links/{link['id']}", json={field: None})
    assert response.status_code == 422
    assert field in response.json["errors"]


def test_archive_decommissions_and_keeps_the_link(api: ApiClient, link: dict[str, Any]) -> None:
    url = f"/api/v1/links/{link['id']}"
    archived = api.delete(url, query_string={"on": "2024-07-31"})
    assert archived.status_code == 200
    assert archived.json["decommissioned_on"] == "2024-07-31"
    assert archived.json["status"] == "closed"
    assert api.get(url).status_code == 200
    again = api.delete(url, query_string={"on": "2025-01-01"})
    assert again.json["decommissioned_on"] == "2024-07-31"
    archives = api.get("/api/v1/changes", query_string={"action": "archive"}).json
    assert archives["count"] == 1
    assert archives["results"][0]["before"]["decommissioned_on"] is None
    assert archives["results"][0]["after"]["decommissioned_on"] == "2024-07-31"


def test_archive_defaults_to_today(api: ApiClient, link: dict[str, Any]) -> None:
    archived = api.delete(f"/api/v1/links/{link['id']}")
    assert archived.json["decommissioned_on"] == date.today().isoformat()
    assert archived.json["status"] == "closed"


def test_archive_later_than_a_planned_end_moves_nothing_earlier(
    api: ApiClient, school: dict[str, Any]
) -> None:
    future = (date.today() + timedelta(days=60)).isoformat()
    created = api.post(LINKS, json=link_data(decommissioned_on=future)).json
    earlier = api.delete(f"/api/v1/links/{created['id']}", query_string={"on": "2024-12-31"})
    assert earlier.json["decommissioned_on"] == "2024-12-31"


def test_archive_before_commissioning_is_422(api: ApiClient, link: dict[str, Any]) -> None:
    response = api.delete(f"/api/v1/links/{link['id']}", query_string={"on": "2023-08-31"})
    assert response.status_code == 422
    assert "decommissioned_on" in response.json["errors"]
    assert api.get(f"/api/v1/links/{link['id']}").json["decommissioned_on"] is None


@pytest.mark.parametrize("value", ["2024-02-30", "yesterday", "1800-01-01"])
def test_archive_with_a_bad_date_is_422(api: ApiClient, link: dict[str, Any], value: str) -> None:
    response = api.delete(f"/api/v1/links/{link['id']}", query_string={"on": value})
    assert response.status_code == 422
    assert "on" in response.json["errors"]


def test_unknown_link_or_school_is_404_json(api: ApiClient) -> None:
    for method in (api.get, api.patch, api.delete):
        kwargs = {"json": {}} if method == api.patch else {}
        response = method("/api/v1/links/999", **kwargs)
        assert response.status_code == 404
        assert "999" in response.json["message"]
    url = "/api/v1/schools/2153019999/links"
    for response in (api.get(url), api.post(url, json=link_data())):
        assert response.status_code == 404
        assert "2153019999" in response.json["message"]


def test_malformed_json_is_400(api: ApiClient, school: dict[str, Any]) -> None:
    response = api.post(LINKS, data="{'kind': 1}", headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json["message"] == "the request body is not valid JSON"


def test_no_token_is_401(anon: ApiClient) -> None:
    for path in (LINKS, "/api/v1/links", "/api/v1/links/1"):
        assert anon.get(path).status_code == 401
    assert anon.delete("/api/v1/links/1").status_code == 401


def test_viewer_can_read_but_not_write(
    api: ApiClient, app: Flask, engine: Engine, link: dict[str, Any]
) -> None:
    viewer = ApiClient(app.test_client(), make_token(engine, "viewer", UserRole.VIEWER))
    assert viewer.get(LINKS).json["count"] == 1
    assert viewer.post(LINKS, json=link_data(circuit_id="X")).status_code == 403
    url = f"/api/v1/links/{link['id']}"
    assert viewer.patch(url, json={"down_mbps": 1}).status_code == 403
    assert viewer.delete(url).status_code == 403
    assert api.get(url).json == link


def _ids(api: ApiClient, path: str = "/api/v1/links", **query: Any) -> list[str | None]:
    response = api.get(path, query_string={"per_page": 100, "sort": "circuit_id", **query})
    assert response.status_code == 200, response.json
    return [link["circuit_id"] for link in response.json["results"]]


def test_list_filters(api: ApiClient, device: dict[str, Any]) -> None:
    theirs = _other_school_device(api)
    future = (date.today() + timedelta(days=30)).isoformat()
    api.post(LINKS, json=link_data(circuit_id="A", device_id=device["id"], interface_name="GE1"))
    api.post(LINKS, json=link_data(circuit_id="B", kind="metro", carrier=None, medium="copper"))
    api.post(LINKS, json=link_data(circuit_id="C", decommissioned_on="2024-06-30"))
    api.post(LINKS, json=link_data(circuit_id="D", carrier="mobile", commissioned_on=future))
    api.post(
        f"/api/v1/schools/{OTHER_SCHOOL}/links",
        json=link_data(
            circuit_id="E", kind="edu_cloud", device_id=theirs["id"], interface_name="GE2"
        ),
    )
    assert _ids(api) == ["A", "B", "C", "D", "E"]
    assert _ids(api, region="532300") == ["A", "B", "C", "D", "E"]  # prefecture subtree
    assert _ids(api, region=OTHER_COUNTY) == ["E"]
    assert _ids(api, school=SCHOOL) == ["A", "B", "C", "D"]
    assert _ids(api, f"/api/v1/schools/{OTHER_SCHOOL}/links") == ["E"]
    assert _ids(api, monitored="true") == ["A", "E"]
    assert _ids(api, LINKS, monitored="false") == ["B", "C", "D"]
    assert _ids(api, status="active") == ["A", "B", "E"]
    assert _ids(api, status="closed") == ["C"]
    assert _ids(api, status="planned") == ["D"]
    assert _ids(api, kind="metro") == ["B"]
    assert _ids(api, kind="internet", carrier="telecom") == ["A", "C"]
    assert _ids(api, medium="copper") == ["B"]
    assert _ids(api, sort="-circuit_id") == ["E", "D", "C", "B", "A"]
    assert _ids(api, sort="-school_code")[0] == "E"
    page = api.get("/api/v1/links", query_string={"per_page": 2, "page": 3}).json
    assert page["count"] == 5 and len(page["results"]) == 1


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"region": "999999"}, "region"),
        ({"school": "2153019999"}, "school"),
        ({"status": "gone"}, "status"),
        ({"monitored": "perhaps"}, "monitored"),
        ({"kind": "x"}, "kind"),
        ({"sort": "password"}, "sort"),
    ],
)
def test_bad_list_arguments_are_422(api: ApiClient, query: dict[str, Any], field: str) -> None:
    response = api.get("/api/v1/links", query_string=query)
    assert response.status_code == 422
    assert field in response.json["errors"]


def test_changes_record_before_and_after(api: ApiClient, link: dict[str, Any]) -> None:
    api.patch(f"/api/v1/links/{link['id']}", json={"up_mbps": 200})
    changes = api.get(
        "/api/v1/changes",
        query_string={"object_type": "network_link", "object_id": str(link["id"])},
    ).json
    assert [c["action"] for c in changes["results"]] == ["update", "create"]
    update = changes["results"][0]
    assert (update["before"]["up_mbps"], update["after"]["up_mbps"]) == (100, 200)
    assert update["after"]["carrier"] == "telecom"
    assert changes["results"][1]["before"] is None
