"""API tests of classrooms: /api/v1/schools/<code>/classrooms and /api/v1/classrooms."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from tests.conftest import OTHER_COUNTY, ApiClient, school_data

OTHER_SCHOOL = "2153220001"


def classroom_data(**overrides: Any) -> dict[str, Any]:
    """A valid classroom body; override what the test is about."""
    data: dict[str, Any] = {
        "room_code": "A101",
        "building": "教学楼A",
        "floor": 1,
        "kind": "ordinary",
        "display": "interactive_panel",
        "has_teacher_terminal": True,
        "has_audio": True,
        "wired_mbps": 1000,
        "commissioned_on": "2021-09-01",
    }
    data.update(overrides)
    return data


def _url(school: dict[str, Any]) -> str:
    return f"/api/v1/schools/{school['code']}/classrooms"


def _create(api: ApiClient, school_code: str, **overrides: Any) -> dict[str, Any]:
    response = api.post(
        f"/api/v1/schools/{school_code}/classrooms", json=classroom_data(**overrides)
    )
    assert response.status_code == 201, response.json
    body: dict[str, Any] = response.json
    return body


@pytest.fixture
def classroom(api: ApiClient, school: dict[str, Any]) -> dict[str, Any]:
    """A classroom of the ``school`` fixture, created through the API."""
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


def _count(api: ApiClient, **query: Any) -> int:
    count: int = api.get("/api/v1/classrooms", query_string=query).json["count"]
    return count


# --- create -----------------------------------------------------------------------------------


def test_create_returns_the_classroom_with_derived_fields(
    api: ApiClient, school: dict[str, Any]
) -> None:
    response = api.post(_url(school), json=classroom_data(room_code="  A101 \t"))
    assert response.status_code == 201
    body = response.json
    assert isinstance(body["id"], int)
    assert body["room_code"] == "A101"  # trimmed
    assert body["school_code"] == school["code"]
    assert body["has_interactive_display"] is True
    assert body["status"] == "active"
    assert body["commissioned_on"] == "2021-09-01"
    assert body["decommissioned_on"] is None
    assert body["created_at"] and body["updated_at"]
    assert api.get(f"/api/v1/classrooms/{body['id']}").json == body


def test_omitted_fields_take_their_defaults_on_create(
    api: ApiClient, school: dict[str, Any]
) -> None:
    response = api.post(_url(school), json={"room_code": "B201"})
    assert response.status_code == 201
    body = response.json
    assert (body["kind"], body["display"]) == ("ordinary", "none")
    assert body["has_interactive_display"] is False
    flags = ("has_teacher_terminal", "has_visualiser", "has_audio", "has_recording")
    assert [body[flag] for flag in flags] == [False, False, False, False]
    assert [body[key] for key in ("building", "floor", "wired_mbps", "wireless_mbps")] == [
        None,
        None,
        None,
        None,
    ]
    assert body["status"] == "active"  # no dates: in service


@pytest.mark.parametrize(
    ("display", "interactive"),
    [
        ("interactive_panel", True),
        ("projector_whiteboard", True),
        ("projector", False),
        ("tv", False),
        ("none", False),
    ],
)
def test_interactive_display_follows_the_display_kind(
    api: ApiClient, school: dict[str, Any], display: str, interactive: bool
) -> None:
    body = _create(api, school["code"], display=display)
    assert body["has_interactive_display"] is interactive


@pytest.mark.parametrize(
    ("overrides", "field", "fragment"),
    [
        ({"room_code": "   "}, "room_code", "blank"),
        ({"room_code": "x" * 33}, "room_code", "at most 32"),
        ({"room_code": "A\x00101"}, "room_code", "control characters"),
        ({"room_code": None}, "room_code", "null"),
        ({"building": "x" * 65}, "building", "at most 64"),
        ({"floor": -6}, "floor", "greater than or equal to -5"),
        ({"floor": 101}, "floor", "less than or equal to 100"),
        ({"floor": "3"}, "floor", "Not a valid integer"),
        ({"floor": 1.5}, "floor", "Not a valid integer"),
        ({"kind": "lab"}, "kind", "ordinary"),
        ({"kind": None}, "kind", "null"),
        ({"display": "hologram"}, "display", "interactive_panel"),
        ({"has_audio": "yes"}, "has_audio", "Not a valid boolean"),
        ({"has_recording": 1}, "has_recording", "Not a valid boolean"),
        ({"has_visualiser": None}, "has_visualiser", "null"),
        ({"wired_mbps": 0}, "wired_mbps", "greater than or equal to 1"),
        ({"wireless_mbps": 400_001}, "wireless_mbps", "less than or equal to 400000"),
        ({"wired_mbps": "100"}, "wired_mbps", "Not a valid integer"),
        ({"commissioned_on": "2024-02-30"}, "commissioned_on", "Not a valid date"),
        ({"decommissioned_on": "1899-12-31"}, "decommissioned_on", "greater than or equal"),
        ({"notes": "x" * 501}, "notes", "at most 500"),
        ({"has_interactive_display": True}, "has_interactive_display", "Unknown field"),
        ({"school_code": "2153010002"}, "school_code", "Unknown field"),
        ({"colour": "red"}, "colour", "Unknown field"),
    ],
)
def test_bad_fields_get_422_naming_the_field(
    api: ApiClient, school: dict[str, Any], overrides: dict[str, Any], field: str, fragment: str
) -> None:
    response = api.post(_url(school), json=classroom_data(**overrides))
    assert response.status_code == 422
    assert response.json["code"] == 422
    assert field in response.json["message"]
    assert any(fragment in message for message in response.json["errors"][field])
    assert _count(api) == 0  # nothing written


def test_missing_required_fields_are_reported(api: ApiClient, school: dict[str, Any]) -> None:
    response = api.post(_url(school), json={})
    assert response.status_code == 422
    assert set(response.json["errors"]) == {"room_code"}


def test_several_bad_fields_are_reported_together(api: ApiClient, school: dict[str, Any]) -> None:
    response = api.post(_url(school), json=classroom_data(floor=500, kind="x", wired_mbps=-1))
    assert response.status_code == 422
    assert set(response.json["errors"]) == {"floor", "kind", "wired_mbps"}


def test_decommissioned_before_commissioned_is_422_on_the_later_field(
    api: ApiClient, school: dict[str, Any]
) -> None:
    response = api.post(
        _url(school),
        json=classroom_data(commissioned_on="2022-09-01", decommissioned_on="2022-08-31"),
    )
    assert response.status_code == 422
    assert list(response.json["errors"]) == ["decommissioned_on"]
    assert "must not be before commissioned_on" in response.json["errors"]["decommissioned_on"][0]
    assert _count(api) == 0


def test_same_day_commission_and_decommission_is_allowed(
    api: ApiClient, school: dict[str, Any]
) -> None:
    body = _create(api, school["code"], decommissioned_on="2021-09-01")
    assert body["status"] == "closed"


def test_duplicate_room_code_is_409_and_keeps_the_first(
    api: ApiClient, school: dict[str, Any], classroom: dict[str, Any]
) -> None:
    response = api.post(_url(school), json=classroom_data(building="实验楼", floor=3))
    assert response.status_code == 409
    assert response.json["code"] == 409
    assert "room_code" in response.json["errors"]
    assert "A101" in response.json["message"]
    assert _count(api) == 1
    assert api.get(f"/api/v1/classrooms/{classroom['id']}").json == classroom


def test_the_same_room_code_in_another_school_is_fine(
    api: ApiClient, classroom: dict[str, Any], other_school: dict[str, Any]
) -> None:
    body = _create(api, other_school["code"])
    assert body["room_code"] == classroom["room_code"]
    assert body["school_code"] == OTHER_SCHOOL


def test_unknown_school_is_404(api: ApiClient) -> None:
    created = api.post("/api/v1/schools/2153019999/classrooms", json=classroom_data())
    assert created.status_code == 404
    assert "2153019999" in created.json["message"]
    listed = api.get("/api/v1/schools/2153019999/classrooms")
    assert listed.status_code == 404
    assert _count(api) == 0


def test_malformed_json_is_400(api: ApiClient, school: dict[str, Any]) -> None:
    response = api.post(
        _url(school), data='{"room_code": "A1', headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json["message"] == "the request body is not valid JSON"
    assert _count(api) == 0


@pytest.mark.parametrize("payload", ["[1, 2]", '"text"', "null", "42"])
def test_json_that_is_not_an_object_is_422(
    api: ApiClient, school: dict[str, Any], payload: str
) -> None:
    response = api.post(_url(school), data=payload, headers={"Content-Type": "application/json"})
    assert response.status_code == 422
    assert response.json["errors"]


# --- get, patch -------------------------------------------------------------------------------


def test_patch_changes_only_the_given_fields(api: ApiClient, school: dict[str, Any]) -> None:
    created = _create(
        api, school["code"], kind="computer_lab", has_visualiser=True, wireless_mbps=300
    )
    url = f"/api/v1/classrooms/{created['id']}"
    response = api.patch(url, json={"notes": "换了新平板", "floor": 2})
    assert response.status_code == 200
    patched = response.json
    assert (patched["notes"], patched["floor"]) == ("换了新平板", 2)
    untouched = {k: v for k, v in created.items() if k not in {"notes", "floor", "updated_at"}}
    assert {k: patched[k] for k in untouched} == untouched  # no defaults reintroduced
    assert patched["kind"] == "computer_lab"
    assert patched["has_visualiser"] is True
    assert api.get(url).json == patched


def test_patch_can_clear_nullable_fields(api: ApiClient, classroom: dict[str, Any]) -> None:
    url = f"/api/v1/classrooms/{classroom['id']}"
    response = api.patch(url, json={"wired_mbps": None, "building": "  ", "floor": None})
    assert response.status_code == 200
    assert (response.json["wired_mbps"], response.json["building"], response.json["floor"]) == (
        None,
        None,
        None,
    )


def test_patch_display_updates_the_derived_field(api: ApiClient, classroom: dict[str, Any]) -> None:
    response = api.patch(f"/api/v1/classrooms/{classroom['id']}", json={"display": "projector"})
    assert response.json["has_interactive_display"] is False


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"room_code": None}, "room_code"),
        ({"room_code": ""}, "room_code"),
        ({"kind": None}, "kind"),
        ({"has_audio": None}, "has_audio"),
        ({"floor": 200}, "floor"),
        ({"id": 5}, "id"),
        ({"status": "closed"}, "status"),
    ],
)
def test_bad_patch_is_422_and_changes_nothing(
    api: ApiClient, classroom: dict[str, Any], changes: dict[str, Any], field: str
) -> None:
    url = f"/api/v1/classrooms/{classroom['id']}"
    response = api.patch(url, json=changes)
    assert response.status_code == 422
    assert field in response.json["errors"]
    assert api.get(url).json == classroom


def test_patch_cross_field_rule_uses_stored_values(
    api: ApiClient, classroom: dict[str, Any]
) -> None:
    url = f"/api/v1/classrooms/{classroom['id']}"
    response = api.patch(url, json={"decommissioned_on": "2020-01-01"})
    assert response.status_code == 422
    assert "decommissioned_on" in response.json["errors"]
    later = api.patch(url, json={"decommissioned_on": "2030-01-01"}).json
    moved = api.patch(url, json={"commissioned_on": "2031-01-01"})
    assert moved.status_code == 422
    assert "decommissioned_on" in moved.json["errors"]
    assert api.get(url).json == later


def test_patch_to_a_room_code_taken_in_the_same_school_is_409(
    api: ApiClient, school: dict[str, Any], classroom: dict[str, Any]
) -> None:
    second = _create(api, school["code"], room_code="A102")
    url = f"/api/v1/classrooms/{second['id']}"
    response = api.patch(url, json={"room_code": "A101", "notes": "x"})
    assert response.status_code == 409
    assert "room_code" in response.json["errors"]
    assert api.get(url).json == second  # neither field changed
    changes = api.get("/api/v1/changes", query_string={"object_type": "classroom"}).json
    assert changes["count"] == 2  # the two creates only


def test_patch_keeping_its_own_room_code_is_not_a_conflict(
    api: ApiClient, classroom: dict[str, Any]
) -> None:
    response = api.patch(
        f"/api/v1/classrooms/{classroom['id']}", json={"room_code": "A101", "floor": 4}
    )
    assert response.status_code == 200
    assert response.json["floor"] == 4


def test_patch_to_a_room_code_used_by_another_school_is_fine(
    api: ApiClient, classroom: dict[str, Any], other_school: dict[str, Any]
) -> None:
    other = _create(api, other_school["code"], room_code="B1")
    response = api.patch(f"/api/v1/classrooms/{other['id']}", json={"room_code": "A101"})
    assert response.status_code == 200


def test_patch_malformed_json_is_400(api: ApiClient, classroom: dict[str, Any]) -> None:
    url = f"/api/v1/classrooms/{classroom['id']}"
    response = api.patch(url, data="{", headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert api.get(url).json == classroom


def test_unknown_classroom_is_404_json(api: ApiClient, classroom: dict[str, Any]) -> None:
    missing = classroom["id"] + 1000
    for method in (api.get, api.patch, api.delete):
        kwargs = {"json": {"floor": 3}} if method == api.patch else {}
        response = method(f"/api/v1/classrooms/{missing}", **kwargs)
        assert response.status_code == 404
        assert response.json["code"] == 404
        assert str(missing) in response.json["message"]


@pytest.mark.parametrize("ident", ["0", "-1", "abc", str(2**31)])
def test_ids_that_cannot_exist_are_404(api: ApiClient, ident: str) -> None:
    response = api.get(f"/api/v1/classrooms/{ident}")
    assert response.status_code == 404
    assert response.is_json


# --- archive ----------------------------------------------------------------------------------


def test_archive_sets_decommissioned_on_and_keeps_the_classroom(
    api: ApiClient, classroom: dict[str, Any]
) -> None:
    url = f"/api/v1/classrooms/{classroom['id']}"
    response = api.delete(url, query_string={"on": "2024-07-31"})
    assert response.status_code == 200
    assert response.json["decommissioned_on"] == "2024-07-31"
    assert response.json["status"] == "closed"
    assert api.get(url).json["decommissioned_on"] == "2024-07-31"
    assert _count(api) == 1  # history is kept


def test_archive_defaults_to_today(api: ApiClient, classroom: dict[str, Any]) -> None:
    response = api.delete(f"/api/v1/classrooms/{classroom['id']}")
    assert response.status_code == 200
    assert response.json["decommissioned_on"] == date.today().isoformat()
    assert response.json["status"] == "closed"


def test_archiving_twice_changes_nothing(api: ApiClient, classroom: dict[str, Any]) -> None:
    url = f"/api/v1/classrooms/{classroom['id']}"
    api.delete(url, query_string={"on": "2024-07-31"})
    again = api.delete(url, query_string={"on": "2025-01-01"})
    assert again.status_code == 200
    assert again.json["decommissioned_on"] == "2024-07-31"
    archives = api.get(
        "/api/v1/changes", query_string={"object_type": "classroom", "action": "archive"}
    ).json
    assert archives["count"] == 1


def test_archive_before_commissioning_is_422(api: ApiClient, classroom: dict[str, Any]) -> None:
    url = f"/api/v1/classrooms/{classroom['id']}"
    response = api.delete(url, query_string={"on": "2021-08-31"})
    assert response.status_code == 422
    assert "decommissioned_on" in response.json["errors"]
    assert api.get(url).json == classroom


@pytest.mark.parametrize("on", ["2024-02-30", "yesterday", "1800-01-01"])
def test_archive_with_a_bad_date_is_422(api: ApiClient, classroom: dict[str, Any], on: str) -> None:
    url = f"/api/v1/classrooms/{classroom['id']}"
    response = api.delete(url, query_string={"on": on})
    assert response.status_code == 422
    assert "on" in response.json["errors"]
    assert api.get(url).json["decommissioned_on"] is None


# --- lists ------------------------------------------------------------------------------------


def test_school_list_paginates_in_room_order(api: ApiClient, school: dict[str, Any]) -> None:
    for room in ("C3", "A1", "B2", "D4", "E5"):
        _create(api, school["code"], room_code=room)
    page = api.get(_url(school), query_string={"per_page": 2, "page": 2}).json
    assert (page["count"], page["page"], page["per_page"]) == (5, 2, 2)
    assert [c["room_code"] for c in page["results"]] == ["C3", "D4"]
    desc = api.get(_url(school), query_string={"sort": "-room_code", "per_page": 1}).json
    assert [c["room_code"] for c in desc["results"]] == ["E5"]


def test_school_list_shows_only_that_school(
    api: ApiClient, school: dict[str, Any], other_school: dict[str, Any]
) -> None:
    _create(api, school["code"], room_code="A1")
    _create(api, other_school["code"], room_code="B1")
    listed = api.get(_url(school)).json
    assert [c["room_code"] for c in listed["results"]] == ["A1"]


def test_status_filter_uses_dates(api: ApiClient, school: dict[str, Any]) -> None:
    _create(api, school["code"], room_code="ACTIVE")
    _create(api, school["code"], room_code="UNDATED", commissioned_on=None)
    _create(api, school["code"], room_code="CLOSED", decommissioned_on="2023-07-01")
    _create(api, school["code"], room_code="PLANNED", commissioned_on="2099-09-01")
    rooms = {
        status: sorted(
            c["room_code"]
            for c in api.get(_url(school), query_string={"status": status}).json["results"]
        )
        for status in ("active", "closed", "planned")
    }
    assert rooms == {"active": ["ACTIVE", "UNDATED"], "closed": ["CLOSED"], "planned": ["PLANNED"]}
    everywhere = api.get("/api/v1/classrooms", query_string={"status": "closed"}).json
    assert [c["room_code"] for c in everywhere["results"]] == ["CLOSED"]


def test_list_filters_by_region_subtree_and_school(
    api: ApiClient, school: dict[str, Any], other_school: dict[str, Any]
) -> None:
    _create(api, school["code"], room_code="A1")
    _create(api, school["code"], room_code="A2")
    _create(api, other_school["code"], room_code="B1")
    assert _count(api) == 3
    assert _count(api, region="532300") == 3  # the prefecture holds both counties
    assert _count(api, region="530000") == 3
    county = api.get("/api/v1/classrooms", query_string={"region": OTHER_COUNTY}).json
    assert [(c["school_code"], c["room_code"]) for c in county["results"]] == [(OTHER_SCHOOL, "B1")]
    assert _count(api, region="532302") == 0  # a county without these schools
    by_school = api.get("/api/v1/classrooms", query_string={"school": school["code"]}).json
    assert sorted(c["room_code"] for c in by_school["results"]) == ["A1", "A2"]
    first = api.get("/api/v1/classrooms", query_string={"sort": "-school_code", "per_page": 1})
    assert first.json["results"][0]["school_code"] == OTHER_SCHOOL


def test_list_filters_by_kind_building_and_text(api: ApiClient, school: dict[str, Any]) -> None:
    _create(api, school["code"], room_code="A1", building="教学楼A")
    _create(api, school["code"], room_code="LAB1", building="实验楼", kind="science_lab")
    _create(
        api, school["code"], room_code="PC1", building="实验楼", kind="computer_lab", notes="50%"
    )

    def rooms(**query: Any) -> list[str]:
        body = api.get(_url(school), query_string=query).json
        return sorted(c["room_code"] for c in body["results"])

    assert rooms(kind="science_lab") == ["LAB1"]
    assert rooms(building="实验楼") == ["LAB1", "PC1"]
    assert rooms(building="实验") == []  # exact building, not a part of it
    assert rooms(q="lab") == ["LAB1"]  # room code, case-insensitive
    assert rooms(q="教学楼") == ["A1"]  # building
    assert rooms(q="%") == ["PC1"]  # wildcard taken literally (notes)
    assert rooms(q="_") == []


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"per_page": 5000}, "per_page"),
        ({"page": 0}, "page"),
        ({"sort": "password"}, "sort"),
        ({"status": "gone"}, "status"),
        ({"kind": "gym"}, "kind"),
        ({"region": "12"}, "region"),
        ({"region": "999999"}, "region"),
        ({"school": "123"}, "school"),
        ({"school": "2153019999"}, "school"),
    ],
)
def test_bad_list_arguments_are_422(
    api: ApiClient, school: dict[str, Any], query: dict[str, Any], field: str
) -> None:
    response = api.get("/api/v1/classrooms", query_string=query)
    assert response.status_code == 422
    assert field in response.json["errors"]


def test_school_list_rejects_unknown_arguments(api: ApiClient, school: dict[str, Any]) -> None:
    response = api.get(_url(school), query_string={"sort": "-nothing"})
    assert response.status_code == 422
    assert "sort" in response.json["errors"]


# --- auth and change log ----------------------------------------------------------------------


def test_every_endpoint_needs_a_token(
    anon: ApiClient, api: ApiClient, school: dict[str, Any], classroom: dict[str, Any]
) -> None:
    item = f"/api/v1/classrooms/{classroom['id']}"
    calls = [
        (anon.get, _url(school), {}),
        (anon.post, _url(school), {"json": classroom_data(room_code="X1")}),
        (anon.get, "/api/v1/classrooms", {}),
        (anon.get, item, {}),
        (anon.patch, item, {"json": {"floor": 9}}),
        (anon.delete, item, {}),
    ]
    for call, url, kwargs in calls:
        response = call(url, **kwargs)
        assert response.status_code == 401, url
        assert response.json["code"] == 401
    assert api.get(item).json == classroom
    assert _count(api) == 1


def test_changes_record_create_update_and_archive_with_before_and_after(
    api: ApiClient, classroom: dict[str, Any]
) -> None:
    url = f"/api/v1/classrooms/{classroom['id']}"
    api.patch(url, json={"wired_mbps": 100, "has_recording": True})
    api.delete(url, query_string={"on": "2024-07-31"})
    changes = api.get(
        "/api/v1/changes",
        query_string={"object_type": "classroom", "object_id": str(classroom["id"])},
    ).json
    assert [c["action"] for c in changes["results"]] == ["archive", "update", "create"]
    archive, update, create = changes["results"]
    assert create["before"] is None
    assert create["after"]["room_code"] == "A101"
    assert create["after"]["kind"] == "ordinary"
    assert create["actor_name"] == "admin"
    assert (update["before"]["wired_mbps"], update["after"]["wired_mbps"]) == (1000, 100)
    assert (update["before"]["has_recording"], update["after"]["has_recording"]) == (False, True)
    assert update["after"]["room_code"] == "A101"
    assert archive["before"]["decommissioned_on"] is None
    assert archive["after"]["decommissioned_on"] == "2024-07-31"


def test_a_patch_that_changes_nothing_logs_nothing(
    api: ApiClient, classroom: dict[str, Any]
) -> None:
    response = api.patch(f"/api/v1/classrooms/{classroom['id']}", json={"floor": 1})
    assert response.status_code == 200
    assert api.get("/api/v1/changes", query_string={"object_type": "classroom"}).json["count"] == 1
