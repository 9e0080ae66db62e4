"""API tests of /api/v1/regions and /api/v1/school-types."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import ApiClient, school_data

NEW_COUNTY = {
    "code": "532399",
    "name_zh": "测试县",
    "name_en": "Test County",
    "level": "county",
    "parent_code": "532300",
}


def test_list_the_tree_and_filter_it(api: ApiClient) -> None:
    everything = api.get("/api/v1/regions").json
    assert everything["count"] == 12
    counties = api.get("/api/v1/regions", query_string={"level": "county"}).json
    assert counties["count"] == 10
    children = api.get("/api/v1/regions", query_string={"parent": "532300", "per_page": 100}).json
    assert {r["code"] for r in children["results"]} == {r["code"] for r in counties["results"]}
    subtree = api.get("/api/v1/regions", query_string={"within": "532300"}).json
    assert subtree["count"] == 11
    by_name = api.get("/api/v1/regions", query_string={"sort": "-name_en", "per_page": 1}).json
    assert by_name["results"][0]["name_en"] == "Yunnan Province"


def test_get_region_and_404(api: ApiClient) -> None:
    lufeng = api.get("/api/v1/regions/532302").json
    assert lufeng["name_zh"] == "禄丰市"
    assert lufeng["parent_code"] == "532300"
    assert api.get("/api/v1/regions/532331").status_code == 404  # the pre-2021 code


def test_create_patch_and_delete_a_county(api: ApiClient) -> None:
    created = api.post("/api/v1/regions", json=NEW_COUNTY)
    assert created.status_code == 201
    assert api.get("/api/v1/regions", query_string={"within": "532300"}).json["count"] == 12
    patched = api.patch("/api/v1/regions/532399", json={"name_en": "Renamed County"})
    assert patched.json["name_en"] == "Renamed County"
    assert api.delete("/api/v1/regions/532399").status_code == 204
    assert api.get("/api/v1/regions/532399").status_code == 404


@pytest.mark.parametrize(
    ("overrides", "status", "field"),
    [
        ({"code": "532301"}, 409, "code"),
        ({"parent_code": "530000"}, 422, "parent_code"),  # a county under a province
        ({"parent_code": "999999"}, 422, "parent_code"),
        ({"parent_code": None}, 422, "parent_code"),
        ({"level": "village"}, 422, "level"),
        ({"code": "5323"}, 422, "code"),
    ],
)
def test_bad_regions_are_refused(
    api: ApiClient, overrides: dict[str, Any], status: int, field: str
) -> None:
    response = api.post("/api/v1/regions", json={**NEW_COUNTY, **overrides})
    assert response.status_code == status
    assert field in response.json["errors"]


def test_region_code_level_and_parent_cannot_be_patched(api: ApiClient) -> None:
    response = api.patch("/api/v1/regions/532301", json={"parent_code": "530000"})
    assert response.status_code == 422
    assert "parent_code" in response.json["errors"]


def test_a_region_in_use_cannot_be_deleted(api: ApiClient) -> None:
    api.post("/api/v1/schools", json=school_data())
    response = api.delete("/api/v1/regions/532301")
    assert response.status_code == 409
    assert "schools" in response.json["message"]
    assert api.delete("/api/v1/regions/532300").status_code == 409  # has counties


def test_school_types(api: ApiClient) -> None:
    types = api.get("/api/v1/school-types").json
    assert len(types) == 21
    teaching_point = api.get("/api/v1/school-types/218").json
    assert teaching_point == {
        "code": "218",
        "name_zh": "小学教学点",
        "name_en": "primary teaching point",
        "stage": "primary",
        "default_scope": True,
    }
    assert api.get("/api/v1/school-types/999").status_code == 404
