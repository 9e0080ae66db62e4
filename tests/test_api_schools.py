"""API tests of /api/v1/schools: every success path and each class of error."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import COUNTY, OTHER_COUNTY, ApiClient, school_data


def test_create_returns_the_school_with_derived_fields(api: ApiClient) -> None:
    response = api.post("/api/v1/schools", json=school_data(name="  楚雄市鹿城小学 \t"))
    assert response.status_code == 201
    body = response.json
    assert body["name"] == "楚雄市鹿城小学"  # trimmed
    assert "楚雄市鹿城小学" in response.get_data(as_text=True)  # UTF-8, not \u escapes
    assert body["stage"] == "primary"
    assert body["type_name"] == "小学"
    assert body["region_name"] == "楚雄市"
    assert body["status"] == "active"
    assert isinstance(body["id"], int)


def test_get_patch_and_archive_round_trip(api: ApiClient, school: dict[str, Any]) -> None:
    url = f"/api/v1/schools/{school['code']}"
    assert api.get(url).json == school
    patched = api.patch(url, json={"students": 1300, "name_en": "Lucheng Primary"})
    assert patched.status_code == 200
    assert patched.json["students"] == 1300
    assert patched.json["teachers"] == school["teachers"]  # untouched
    archived = api.delete(url, query_string={"on": "2024-07-31"})
    assert archived.status_code == 200
    assert archived.json["closed_on"] == "2024-07-31"
    assert archived.json["status"] == "closed"
    assert api.get(url).status_code == 200  # history is kept


def test_archiving_twice_changes_nothing(api: ApiClient, school: dict[str, Any]) -> None:
    url = f"/api/v1/schools/{school['code']}"
    api.delete(url, query_string={"on": "2024-07-31"})
    again = api.delete(url, query_string={"on": "2025-01-01"})
    assert again.json["closed_on"] == "2024-07-31"
    archives = api.get("/api/v1/changes", query_string={"action": "archive"}).json
    assert archives["count"] == 1


def test_list_paginates_with_total_and_filters_by_region_subtree(api: ApiClient) -> None:
    for i in range(7):
        api.post("/api/v1/schools", json=school_data(code=f"21530100{i:02d}", name=f"小学{i}"))
    api.post(
        "/api/v1/schools",
        json=school_data(
            code="2153220001", name="双柏中学", type_code="342", region_code=OTHER_COUNTY
        ),
    )
    page = api.get("/api/v1/schools", query_string={"per_page": 3, "page": 3}).json
    assert page["count"] == 8
    assert [s["code"] for s in page["results"]] == ["2153010006", "2153220001"]
    prefecture = api.get("/api/v1/schools", query_string={"region": "532300"}).json
    assert prefecture["count"] == 8
    county = api.get("/api/v1/schools", query_string={"region": OTHER_COUNTY}).json
    assert [s["name"] for s in county["results"]] == ["双柏中学"]
    secondary = api.get("/api/v1/schools", query_string={"stage": "secondary"}).json
    assert secondary["count"] == 1
    by_type = api.get("/api/v1/schools", query_string={"type": "211,342"}).json
    assert by_type["count"] == 8
    desc = api.get("/api/v1/schools", query_string={"sort": "-code", "per_page": 1}).json
    assert desc["results"][0]["code"] == "2153220001"
    found = api.get("/api/v1/schools", query_string={"q": "小学3"}).json
    assert [s["code"] for s in found["results"]] == ["2153010003"]


def test_status_filter_uses_dates(api: ApiClient) -> None:
    api.post("/api/v1/schools", json=school_data(code="2153010001"))
    api.post("/api/v1/schools", json=school_data(code="2153010002", closed_on="2020-01-01"))
    api.post("/api/v1/schools", json=school_data(code="2153010003", opened_on="2099-09-01"))
    codes = {
        status: [
            s["code"]
            for s in api.get("/api/v1/schools", query_string={"status": status}).json["results"]
        ]
        for status in ("active", "closed", "planned")
    }
    assert codes == {"active": ["2153010001"], "closed": ["2153010002"], "planned": ["2153010003"]}


@pytest.mark.parametrize(
    ("overrides", "field", "fragment"),
    [
        ({"code": "215301000"}, "code", "exactly 10 digits"),
        ({"code": "21530100０1"}, "code", "exactly 10 digits"),  # full-width digit
        ({"name": "   "}, "name", "blank"),
        ({"name": "x" * 129}, "name", "at most 128"),
        ({"name": "bad\x00name"}, "name", "control characters"),
        ({"students": -1}, "students", "greater than or equal to 0"),
        ({"students": "12"}, "students", "Not a valid integer"),
        ({"students": 2.5}, "students", "Not a valid integer"),
        ({"latitude": 91}, "latitude", "less than or equal to 90"),
        ({"opened_on": "2024-02-30"}, "opened_on", "Not a valid date"),
        ({"colour": "red"}, "colour", "Unknown field"),
    ],
)
def test_bad_fields_get_422_naming_the_field(
    api: ApiClient, overrides: dict[str, Any], field: str, fragment: str
) -> None:
    response = api.post("/api/v1/schools", json=school_data(**overrides))
    assert response.status_code == 422
    assert response.json["code"] == 422
    assert field in response.json["message"]
    assert any(fragment in message for message in response.json["errors"][field])


def test_missing_required_fields_are_all_reported(api: ApiClient) -> None:
    response = api.post("/api/v1/schools", json={})
    assert response.status_code == 422
    assert set(response.json["errors"]) == {"code", "name", "type_code", "region_code"}


@pytest.mark.parametrize(
    ("overrides", "field", "fragment"),
    [
        ({"region_code": "532300"}, "region_code", "belongs to a county"),
        ({"region_code": "999999"}, "region_code", "no region"),
        ({"type_code": "999"}, "type_code", "allowed: 111, 119, 211"),
        ({"opened_on": "2020-01-01", "closed_on": "2019-01-01"}, "closed_on", "must not be before"),
    ],
)
def test_domain_rules_get_422_naming_the_field(
    api: ApiClient, overrides: dict[str, Any], field: str, fragment: str
) -> None:
    response = api.post("/api/v1/schools", json=school_data(**overrides))
    assert response.status_code == 422
    assert fragment in response.json["errors"][field][0]
    assert api.get("/api/v1/schools").json["count"] == 0  # nothing written


def test_duplicate_code_is_409_and_keeps_the_first(api: ApiClient, school: dict[str, Any]) -> None:
    response = api.post("/api/v1/schools", json=school_data(name="另一所学校"))
    assert response.status_code == 409
    assert "code" in response.json["errors"]
    assert api.get(f"/api/v1/schools/{school['code']}").json["name"] == school["name"]


def test_patch_to_an_existing_code_is_409(api: ApiClient, school: dict[str, Any]) -> None:
    api.post("/api/v1/schools", json=school_data(code="2153010002"))
    response = api.patch("/api/v1/schools/2153010002", json={"code": school["code"]})
    assert response.status_code == 409


def test_patch_cross_field_rule_uses_stored_values(api: ApiClient, school: dict[str, Any]) -> None:
    response = api.patch(f"/api/v1/schools/{school['code']}", json={"closed_on": "1980-01-01"})
    assert response.status_code == 422
    assert "closed_on" in response.json["errors"]


def test_patch_rejects_null_for_required_field(api: ApiClient, school: dict[str, Any]) -> None:
    response = api.patch(f"/api/v1/schools/{school['code']}", json={"name": None})
    assert response.status_code == 422
    assert "name" in response.json["errors"]


def test_unknown_school_is_404_json(api: ApiClient) -> None:
    for method in (api.get, api.patch, api.delete):
        kwargs = {"json": {}} if method == api.patch else {}
        response = method("/api/v1/schools/2153019999", **kwargs)
        assert response.status_code == 404
        assert "2153019999" in response.json["message"]


def test_malformed_json_is_400(api: ApiClient) -> None:
    response = api.post(
        "/api/v1/schools", data='{"code": "21530', headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json["message"] == "the request body is not valid JSON"


@pytest.mark.parametrize("payload", ["[1, 2]", '"text"', "null", "42"])
def test_json_that_is_not_an_object_is_422(api: ApiClient, payload: str) -> None:
    response = api.post(
        "/api/v1/schools", data=payload, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json["errors"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"per_page": 5000}, "per_page"),
        ({"page": 0}, "page"),
        ({"sort": "password"}, "sort"),
        ({"status": "gone"}, "status"),
        ({"region": "12"}, "region"),
    ],
)
def test_bad_list_arguments_are_422(api: ApiClient, query: dict[str, Any], field: str) -> None:
    response = api.get("/api/v1/schools", query_string=query)
    assert response.status_code == 422
    assert field in response.json["errors"]


def test_enum_error_lists_allowed_values(api: ApiClient) -> None:
    response = api.get("/api/v1/schools", query_string={"stage": "nursery"})
    assert "primary" in response.json["errors"]["stage"][0]


def test_unknown_region_filter_is_422(api: ApiClient) -> None:
    response = api.get("/api/v1/schools", query_string={"region": "999999"})
    assert response.status_code == 422
    assert "region" in response.json["errors"]


def test_changes_record_who_before_and_after(api: ApiClient, school: dict[str, Any]) -> None:
    api.patch(f"/api/v1/schools/{school['code']}", json={"students": 1300})
    changes = api.get(
        "/api/v1/changes", query_string={"object_type": "school", "object_id": str(school["id"])}
    ).json
    assert [c["action"] for c in changes["results"]] == ["update", "create"]
    update = changes["results"][0]
    assert update["actor_name"] == "admin"
    assert update["before"]["students"] == 1200
    assert update["after"]["students"] == 1300
    assert changes["results"][1]["before"] is None


def test_a_patch_that_changes_nothing_logs_nothing(api: ApiClient, school: dict[str, Any]) -> None:
    api.patch(f"/api/v1/schools/{school['code']}", json={"students": school["students"]})
    assert api.get("/api/v1/changes", query_string={"object_type": "school"}).json["count"] == 1


def test_region_code_in_school_is_checked_against_county(api: ApiClient) -> None:
    response = api.post("/api/v1/schools", json=school_data(region_code=COUNTY))
    assert response.status_code == 201


def test_text_search_treats_wildcards_literally(api: ApiClient) -> None:
    api.post("/api/v1/schools", json=school_data(code="2153010001", name="100%希望小学"))
    api.post("/api/v1/schools", json=school_data(code="2153010002", name="鹿城小学"))
    assert api.get("/api/v1/schools", query_string={"q": "%"}).json["count"] == 1
    assert api.get("/api/v1/schools", query_string={"q": "_"}).json["count"] == 0
