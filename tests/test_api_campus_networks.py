"""API tests of campus networks: /api/v1/schools/<code>/campus-networks, /api/v1/campus-networks."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import OTHER_COUNTY, ApiClient, school_data

OTHER_SCHOOL = "2153220001"


def network_data(**overrides: Any) -> dict[str, Any]:
    """A valid campus-network body; override what the test is about."""
    data: dict[str, Any] = {
        "architecture": "copper",
        "backbone_mbps": 1000,
        "wireless_coverage": "partial",
        "commissioned_on": "2019-09-01",
    }
    data.update(overrides)
    return data


def _url(code: str) -> str:
    return f"/api/v1/schools/{code}/campus-networks"


def _create(api: ApiClient, code: str, **overrides: Any) -> dict[str, Any]:
    response = api.post(_url(code), json=network_data(**overrides))
    assert response.status_code == 201, response.json
    body: dict[str, Any] = response.json
    return body


@pytest.fixture
def network(api: ApiClient, school: dict[str, Any]) -> dict[str, Any]:
    """The ``school`` fixture's copper network of 2019."""
    return _create(api, school["code"])


@pytest.fixture
def other_school(api: ApiClient) -> dict[str, Any]:
    """A second school, in another county."""
    response = api.post(
        "/api/v1/schools",
        json=school_data(
            code=OTHER_SCHOOL, name="双柏中学", type_code="342", region_code=OTHER_COUNTY
        ),
    )
    assert response.status_code == 201
    body: dict[str, Any] = response.json
    return body


def _states(api: ApiClient, **query: Any) -> list[tuple[str, str, str]]:
    """(school code, architecture, commissioned_on) of every listed state."""
    response = api.get("/api/v1/campus-networks", query_string={"per_page": 1000, **query})
    assert response.status_code == 200, response.json
    return [
        (n["school_code"], n["architecture"], n["commissioned_on"])
        for n in response.json["results"]
    ]


def _count(api: ApiClient) -> int:
    count: int = api.get("/api/v1/campus-networks").json["count"]
    return count


# --- create -----------------------------------------------------------------------------------


def test_create_returns_the_state_with_its_school(api: ApiClient, school: dict[str, Any]) -> None:
    response = api.post(_url(school["code"]), json=network_data(notes="  初建  "))
    assert response.status_code == 201
    body = response.json
    assert isinstance(body["id"], int)
    assert body["school_code"] == school["code"]
    assert body["architecture"] == "copper"
    assert body["backbone_mbps"] == 1000
    assert body["wireless_coverage"] == "partial"
    assert body["commissioned_on"] == "2019-09-01"
    assert body["notes"] == "初建"
    assert body["created_at"] and body["updated_at"]
    assert api.get(f"/api/v1/campus-networks/{body['id']}").json == body


def test_wireless_coverage_defaults_to_none_on_create(
    api: ApiClient, school: dict[str, Any]
) -> None:
    response = api.post(
        _url(school["code"]), json={"architecture": "hybrid", "commissioned_on": "2020-01-01"}
    )
    assert response.status_code == 201
    assert response.json["wireless_coverage"] == "none"
    assert response.json["backbone_mbps"] is None
    assert response.json["notes"] is None


def test_missing_required_fields_are_all_reported(api: ApiClient, school: dict[str, Any]) -> None:
    response = api.post(_url(school["code"]), json={"backbone_mbps": 100})
    assert response.status_code == 422
    assert set(response.json["errors"]) == {"architecture", "commissioned_on"}
    assert _count(api) == 0


@pytest.mark.parametrize(
    ("overrides", "field", "fragment"),
    [
        ({"architecture": "wifi"}, "architecture", "all_fibre"),
        ({"architecture": None}, "architecture", "null"),
        ({"backbone_mbps": 0}, "backbone_mbps", "greater than or equal to 1"),
        ({"backbone_mbps": 400_001}, "backbone_mbps", "less than or equal to 400000"),
        ({"backbone_mbps": "1000"}, "backbone_mbps", "Not a valid integer"),
        ({"backbone_mbps": 99.5}, "backbone_mbps", "Not a valid integer"),
        ({"wireless_coverage": "most"}, "wireless_coverage", "partial"),
        ({"wireless_coverage": None}, "wireless_coverage", "null"),
        ({"commissioned_on": None}, "commissioned_on", "null"),
        ({"commissioned_on": "2019-13-01"}, "commissioned_on", "Not a valid date"),
        ({"commissioned_on": "2101-01-01"}, "commissioned_on", "less than or equal"),
        ({"notes": "x" * 501}, "notes", "at most 500"),
        ({"notes": "a\x07b"}, "notes", "control characters"),
        ({"school_code": OTHER_SCHOOL}, "school_code", "Unknown field"),
        ({"speed": 1}, "speed", "Unknown field"),
    ],
)
def test_bad_fields_get_422_naming_the_field(
    api: ApiClient, school: dict[str, Any], overrides: dict[str, Any], field: str, fragment: str
) -> None:
    response = api.post(_url(school["code"]), json=network_data(**overrides))
    assert response.status_code == 422
    assert field in response.json["message"]
    assert any(fragment in message for message in response.json["errors"][field])
    assert _count(api) == 0


def test_a_second_state_on_the_same_date_is_409(
    api: ApiClient, school: dict[str, Any], network: dict[str, Any]
) -> None:
    response = api.post(_url(school["code"]), json=network_data(architecture="all_fibre"))
    assert response.status_code == 409
    assert "commissioned_on" in response.json["errors"]
    assert "2019-09-01" in response.json["message"]
    assert _count(api) == 1
    assert api.get(f"/api/v1/campus-networks/{network['id']}").json == network


def test_the_same_date_in_another_school_is_fine(
    api: ApiClient, network: dict[str, Any], other_school: dict[str, Any]
) -> None:
    body = _create(api, other_school["code"])
    assert body["commissioned_on"] == network["commissioned_on"]


def test_unknown_school_is_404(api: ApiClient) -> None:
    created = api.post(_url("2153019999"), json=network_data())
    assert created.status_code == 404
    assert "2153019999" in created.json["message"]
    assert api.get(_url("2153019999")).status_code == 404
    assert _count(api) == 0


def test_malformed_json_is_400(api: ApiClient, school: dict[str, Any]) -> None:
    response = api.post(
        _url(school["code"]), data='{"architecture": ', headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json["message"] == "the request body is not valid JSON"
    assert _count(api) == 0


# --- history ----------------------------------------------------------------------------------


def test_school_history_is_ordered_by_commissioning_date(
    api: ApiClient, school: dict[str, Any], other_school: dict[str, Any]
) -> None:
    _create(api, school["code"], architecture="all_fibre", commissioned_on="2024-03-01")
    _create(api, school["code"], architecture="copper", commissioned_on="2019-09-01")
    _create(api, school["code"], architecture="hybrid", commissioned_on="2021-09-01")
    _create(api, other_school["code"], commissioned_on="2020-01-01")
    history = api.get(_url(school["code"])).json
    assert history["count"] == 3
    assert [(n["architecture"], n["commissioned_on"]) for n in history["results"]] == [
        ("copper", "2019-09-01"),
        ("hybrid", "2021-09-01"),
        ("all_fibre", "2024-03-01"),
    ]
    page = api.get(_url(school["code"]), query_string={"per_page": 2, "page": 2}).json
    assert [n["architecture"] for n in page["results"]] == ["all_fibre"]
    newest = api.get(_url(school["code"]), query_string={"sort": "-commissioned_on"}).json
    assert newest["results"][0]["architecture"] == "all_fibre"


def test_as_of_gives_the_state_in_force_on_that_date(
    api: ApiClient, school: dict[str, Any], other_school: dict[str, Any]
) -> None:
    code = school["code"]
    _create(api, code, architecture="copper", commissioned_on="2019-09-01")
    _create(api, code, architecture="all_fibre", commissioned_on="2024-03-01")
    _create(api, OTHER_SCHOOL, architecture="hybrid", commissioned_on="2023-06-01")
    assert len(_states(api)) == 3  # without as_of: the whole history
    assert _states(api, as_of="2023-12-31") == [
        (code, "copper", "2019-09-01"),
        (OTHER_SCHOOL, "hybrid", "2023-06-01"),
    ]
    assert _states(api, as_of="2024-02-29", school=code) == [(code, "copper", "2019-09-01")]
    assert _states(api, as_of="2024-03-01", school=code) == [(code, "all_fibre", "2024-03-01")]
    assert _states(api, as_of="2030-01-01", school=code) == [(code, "all_fibre", "2024-03-01")]
    # a school without a network yet on that date is left out
    assert _states(api, as_of="2023-01-01") == [(code, "copper", "2019-09-01")]
    assert _states(api, as_of="2019-08-31") == []


def test_filters_apply_to_the_state_in_force_not_to_the_history(
    api: ApiClient, school: dict[str, Any], other_school: dict[str, Any]
) -> None:
    code = school["code"]
    _create(api, code, architecture="copper", commissioned_on="2019-09-01")
    _create(
        api,
        code,
        architecture="all_fibre",
        wireless_coverage="full",
        commissioned_on="2024-03-01",
    )
    _create(api, OTHER_SCHOOL, architecture="all_fibre", commissioned_on="2020-01-01")
    # in 2023 only the other school was all-fibre; the copper school's later upgrade must not count
    assert _states(api, as_of="2023-12-31", architecture="all_fibre") == [
        (OTHER_SCHOOL, "all_fibre", "2020-01-01")
    ]
    assert _states(api, as_of="2024-06-01", architecture="all_fibre") == [
        (code, "all_fibre", "2024-03-01"),
        (OTHER_SCHOOL, "all_fibre", "2020-01-01"),
    ]
    assert _states(api, as_of="2023-12-31", architecture="copper") == [
        (code, "copper", "2019-09-01")
    ]
    assert _states(api, as_of="2024-06-01", wireless_coverage="full") == [
        (code, "all_fibre", "2024-03-01")
    ]
    assert _states(api, wireless_coverage="partial") == [
        (code, "copper", "2019-09-01"),
        (OTHER_SCHOOL, "all_fibre", "2020-01-01"),
    ]


def test_list_filters_by_region_subtree_and_school(
    api: ApiClient, school: dict[str, Any], other_school: dict[str, Any]
) -> None:
    _create(api, school["code"], commissioned_on="2019-09-01")
    _create(api, school["code"], commissioned_on="2024-03-01")
    _create(api, OTHER_SCHOOL, commissioned_on="2020-01-01")
    assert len(_states(api, region="532300")) == 3
    assert [s[0] for s in _states(api, region=OTHER_COUNTY)] == [OTHER_SCHOOL]
    assert _states(api, region="532302") == []
    assert [s[2] for s in _states(api, school=school["code"])] == ["2019-09-01", "2024-03-01"]
    assert [s[0] for s in _states(api, region=OTHER_COUNTY, as_of="2025-01-01")] == [OTHER_SCHOOL]
    desc = _states(api, sort="-school_code")
    assert desc[0][0] == OTHER_SCHOOL


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"as_of": "2024-02-30"}, "as_of"),
        ({"as_of": "soon"}, "as_of"),
        ({"architecture": "fibre"}, "architecture"),
        ({"wireless_coverage": "all"}, "wireless_coverage"),
        ({"region": "99"}, "region"),
        ({"region": "999999"}, "region"),
        ({"school": "12345"}, "school"),
        ({"school": "2153019999"}, "school"),
        ({"sort": "notes"}, "sort"),
        ({"per_page": 0}, "per_page"),
    ],
)
def test_bad_list_arguments_are_422(api: ApiClient, query: dict[str, Any], field: str) -> None:
    response = api.get("/api/v1/campus-networks", query_string=query)
    assert response.status_code == 422
    assert field in response.json["errors"]


# --- patch, delete ----------------------------------------------------------------------------


def test_patch_changes_only_the_given_fields(api: ApiClient, network: dict[str, Any]) -> None:
    url = f"/api/v1/campus-networks/{network['id']}"
    response = api.patch(url, json={"backbone_mbps": 10_000})
    assert response.status_code == 200
    patched = response.json
    assert patched["backbone_mbps"] == 10_000
    assert patched["wireless_coverage"] == "partial"  # not reset to the create default
    same = {k: v for k, v in network.items() if k not in {"backbone_mbps", "updated_at"}}
    assert {k: patched[k] for k in same} == same
    assert api.get(url).json == patched


def test_patch_can_move_the_date_and_clear_the_backbone(
    api: ApiClient, network: dict[str, Any]
) -> None:
    response = api.patch(
        f"/api/v1/campus-networks/{network['id']}",
        json={"commissioned_on": "2019-10-01", "backbone_mbps": None},
    )
    assert response.status_code == 200
    assert (response.json["commissioned_on"], response.json["backbone_mbps"]) == (
        "2019-10-01",
        None,
    )


def test_patch_onto_another_states_date_is_409(
    api: ApiClient, school: dict[str, Any], network: dict[str, Any]
) -> None:
    upgrade = _create(api, school["code"], architecture="all_fibre", commissioned_on="2024-03-01")
    url = f"/api/v1/campus-networks/{upgrade['id']}"
    response = api.patch(url, json={"commissioned_on": "2019-09-01", "notes": "x"})
    assert response.status_code == 409
    assert "commissioned_on" in response.json["errors"]
    assert api.get(url).json == upgrade


def test_patch_keeping_its_own_date_is_not_a_conflict(
    api: ApiClient, network: dict[str, Any]
) -> None:
    response = api.patch(
        f"/api/v1/campus-networks/{network['id']}",
        json={"commissioned_on": "2019-09-01", "architecture": "hybrid"},
    )
    assert response.status_code == 200
    assert response.json["architecture"] == "hybrid"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"commissioned_on": None}, "commissioned_on"),
        ({"architecture": None}, "architecture"),
        ({"architecture": "wifi"}, "architecture"),
        ({"wireless_coverage": None}, "wireless_coverage"),
        ({"backbone_mbps": -5}, "backbone_mbps"),
        ({"school_code": OTHER_SCHOOL}, "school_code"),
    ],
)
def test_bad_patch_is_422_and_changes_nothing(
    api: ApiClient, network: dict[str, Any], changes: dict[str, Any], field: str
) -> None:
    url = f"/api/v1/campus-networks/{network['id']}"
    response = api.patch(url, json=changes)
    assert response.status_code == 422
    assert field in response.json["errors"]
    assert api.get(url).json == network


def test_patch_malformed_json_is_400(api: ApiClient, network: dict[str, Any]) -> None:
    url = f"/api/v1/campus-networks/{network['id']}"
    response = api.patch(url, data="{,}", headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert api.get(url).json == network


def test_delete_removes_the_state_and_logs_what_it_was(
    api: ApiClient, school: dict[str, Any], network: dict[str, Any]
) -> None:
    upgrade = _create(api, school["code"], architecture="all_fibre", commissioned_on="2024-03-01")
    url = f"/api/v1/campus-networks/{upgrade['id']}"
    response = api.delete(url)
    assert response.status_code == 204
    assert response.data == b""
    assert api.get(url).status_code == 404
    assert [n["id"] for n in api.get(_url(school["code"])).json["results"]] == [network["id"]]
    assert api.delete(url).status_code == 404
    log = api.get(
        "/api/v1/changes",
        query_string={"object_type": "campus_network", "object_id": str(upgrade["id"])},
    ).json
    assert [c["action"] for c in log["results"]] == ["delete", "create"]
    assert log["results"][0]["before"]["architecture"] == "all_fibre"
    assert log["results"][0]["after"] is None


def test_unknown_state_is_404_json(api: ApiClient, network: dict[str, Any]) -> None:
    missing = network["id"] + 1000
    for method in (api.get, api.patch, api.delete):
        kwargs = {"json": {"notes": "x"}} if method == api.patch else {}
        response = method(f"/api/v1/campus-networks/{missing}", **kwargs)
        assert response.status_code == 404
        assert str(missing) in response.json["message"]
    assert _count(api) == 1


def test_every_endpoint_needs_a_token(
    anon: ApiClient, api: ApiClient, school: dict[str, Any], network: dict[str, Any]
) -> None:
    item = f"/api/v1/campus-networks/{network['id']}"
    calls = [
        (anon.get, _url(school["code"]), {}),
        (anon.post, _url(school["code"]), {"json": network_data(commissioned_on="2024-03-01")}),
        (anon.get, "/api/v1/campus-networks", {}),
        (anon.get, item, {}),
        (anon.patch, item, {"json": {"notes": "x"}}),
        (anon.delete, item, {}),
    ]
    for call, url, kwargs in calls:
        response = call(url, **kwargs)
        assert response.status_code == 401, url
    assert api.get(item).json == network
    assert _count(api) == 1


def test_changes_record_create_and_update_with_before_and_after(
    api: ApiClient, network: dict[str, Any]
) -> None:
    api.patch(f"/api/v1/campus-networks/{network['id']}", json={"wireless_coverage": "full"})
    log = api.get("/api/v1/changes", query_string={"object_type": "campus_network"}).json
    assert [c["action"] for c in log["results"]] == ["update", "create"]
    update, create = log["results"]
    assert create["before"] is None
    assert create["after"]["commissioned_on"] == "2019-09-01"
    assert (update["before"]["wireless_coverage"], update["after"]["wireless_coverage"]) == (
        "partial",
        "full",
    )
