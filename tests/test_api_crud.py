"""The generic resource (api/crud.py): every registry entity is listed, created, read, changed
and removed the same way, with the same status codes and JSON errors; a new entity needs only
a registry entry."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.engine import Engine

import api.resources
from api.entities import CLASSROOMS, ENTITIES
from api.registry import Entity
from tests.conftest import COUNTY, FERNET_KEY, ApiClient, school_data
from web import create_app

MISSING_ID = 2**31 - 1  # a valid id that names nothing
SCHOOL_CODE_UNKNOWN = "2153019999"


@dataclass(frozen=True)
class Case:
    """How to exercise one entity: a body to create, a valid and an invalid change."""

    create: dict[str, Any]
    change: dict[str, Any]
    bad_change: dict[str, Any]  # one field, which the 422 must name
    missing: str | int = MISSING_ID  # a key that names nothing
    closes: str = ""  # the date field an archive sets ("closed_on")


CASES: dict[str, Case] = {
    "regions": Case(
        create={
            "code": "532399",
            "name_zh": "测试县",
            "name_en": "Test County",
            "level": "county",
            "parent_code": "532300",
        },
        change={"name_en": "Renamed County"},
        bad_change={"seat_lat": 123},
        missing="532398",
    ),
    "schools": Case(
        create=school_data(code="2153010002", name="楚雄市测试小学"),
        change={"students": 999},
        bad_change={"opened_on": "not-a-date"},
        missing="2153019999",
        closes="closed_on",
    ),
    "networks": Case(
        create={
            "architecture": "copper",
            "backbone_mbps": 1000,
            "wireless_coverage": "partial",
            "commissioned_on": "2019-09-01",
        },
        change={"backbone_mbps": 10000},
        bad_change={"architecture": "carrier-pigeon"},
    ),
    "links": Case(
        create={
            "kind": "internet",
            "carrier": "telecom",
            "medium": "fibre",
            "down_mbps": 1000,
            "up_mbps": 100,
            "commissioned_on": "2023-09-01",
        },
        change={"down_mbps": 500},
        bad_change={"kind": "telepathy"},
        closes="decommissioned_on",
    ),
    "devices": Case(
        create={"name": "核心交换机", "role": "core_switch", "mgmt_address": "10.1.0.1"},
        change={"name": "汇聚交换机"},
        bad_change={"mgmt_address": "not-an-address"},
    ),
    "credentials": Case(
        create={"name": "county-v2c", "version": "v2c", "community": "cx-public-2024"},
        change={"name": "county-v2c-renamed"},
        bad_change={"version": "v9"},
    ),
    "classrooms": Case(
        create={"room_code": "A101", "kind": "ordinary"},
        change={"building": "教学楼B"},
        bad_change={"kind": "swimming_pool"},
        closes="decommissioned_on",
    ),
    "alert-rules": Case(
        create={"name": "出口低于合同带宽", "kind": "uplink_slow", "delay_s": 600},
        change={"severity": "critical"},
        bad_change={"delay_s": -5},
    ),
    "subscriptions": Case(
        create={
            "name": "县教育局值班",
            "region_code": COUNTY,
            "transport": "email",
            "target": "duty@example.org",
        },
        change={"min_severity": "critical"},
        bad_change={"transport": "pigeon"},
    ),
    "maintenance-windows": Case(
        create={
            "name": "机房检修",
            "region_code": COUNTY,
            "starts_at": "2030-01-01T14:00:00+00:00",
            "ends_at": "2030-01-01T18:00:00+00:00",
        },
        change={"notes": "停电"},
        bad_change={"starts_at": "not-a-time"},
    ),
}

BY_NAME = {entity.name: entity for entity in ENTITIES}
# Entities the monitor writes (alerts, dead letters): read, and acted on, never written.
READ_ONLY = sorted(name for name, entity in BY_NAME.items() if not entity.writes)


def test_every_registry_entity_has_a_case() -> None:
    assert set(CASES) | set(READ_ONLY) == set(BY_NAME)
    assert not set(CASES) & set(READ_ONLY)


@pytest.mark.parametrize("name", READ_ONLY)
def test_a_read_only_entity_is_listed_and_read_and_any_write_is_405_json(
    api: ApiClient, name: str
) -> None:
    entity = BY_NAME[name]
    listed = api.get(f"/api/v1/{entity.segment}")
    assert listed.status_code == 200 and listed.json["count"] == 0
    _assert_json_error(api.get(f"/api/v1/{entity.segment}", query_string={"per_page": 0}), 422)
    url = f"/api/v1/{entity.segment}/{MISSING_ID}"
    _assert_json_error(api.get(url), 404)
    for action in entity.actions:
        _assert_json_error(api.post(f"{url}/{action.name}"), 404)
    _assert_json_error(api.post(f"/api/v1/{entity.segment}", json={}), 405)
    _assert_json_error(api.patch(url, json={}), 405)
    _assert_json_error(api.delete(url), 405)


def _collection(entity: Entity, school: str) -> str:
    if entity.school_list_args is not None:
        return f"/api/v1/schools/{school}/{entity.segment}"
    return f"/api/v1/{entity.segment}"


def _item(entity: Entity, body: dict[str, Any]) -> str:
    return f"/api/v1/{entity.segment}/{body[entity.key]}"


def _assert_json_error(response: Any, status: int, field: str | None = None) -> None:
    assert response.status_code == status, response.json
    body = response.json
    assert body["code"] == status
    assert isinstance(body["message"], str) and body["message"]
    if field is not None:
        assert field in body["errors"], body


def _stored(engine: Engine, entity: Entity, key: Any) -> dict[str, Any] | None:
    table = entity.model.__table__  # type: ignore[attr-defined]
    with engine.connect() as conn:
        row = conn.execute(sa.select(table).where(table.c[entity.key] == key)).first()
    return None if row is None else dict(row._mapping)


@pytest.fixture(params=sorted(CASES))
def entity(request: pytest.FixtureRequest) -> Entity:
    return BY_NAME[request.param]


@pytest.fixture
def created(api: ApiClient, school: dict[str, Any], entity: Entity) -> dict[str, Any]:
    response = api.post(_collection(entity, school["code"]), json=CASES[entity.name].create)
    assert response.status_code == 201, response.json
    body: dict[str, Any] = response.json
    return body


def test_create_is_201_and_get_returns_the_same(
    api: ApiClient, entity: Entity, created: dict[str, Any]
) -> None:
    got = api.get(_item(entity, created))
    assert got.status_code == 200
    assert got.json == created
    for name, value in CASES[entity.name].create.items():
        if name not in ("community",):  # secrets are write-only
            assert created[name] == value, name


def test_lists_page_across_schools_and_under_the_school(
    api: ApiClient, school: dict[str, Any], entity: Entity, created: dict[str, Any]
) -> None:
    listed = api.get(f"/api/v1/{entity.segment}", query_string={"per_page": 100})
    assert listed.status_code == 200
    assert created[entity.key] in [row[entity.key] for row in listed.json["results"]]
    assert {"count", "page", "per_page", "results"} <= set(listed.json)
    if entity.school_list_args is not None:
        mine = api.get(_collection(entity, school["code"]))
        assert mine.status_code == 200
        assert [row[entity.key] for row in mine.json["results"]] == [created[entity.key]]


@pytest.mark.parametrize("name", sorted(e.name for e in ENTITIES if e.school_list_args))
def test_an_unknown_school_is_404_not_an_empty_list(api: ApiClient, name: str) -> None:
    entity = BY_NAME[name]
    _assert_json_error(api.get(_collection(entity, SCHOOL_CODE_UNKNOWN)), 404)
    created = api.post(_collection(entity, SCHOOL_CODE_UNKNOWN), json=CASES[entity.name].create)
    _assert_json_error(created, 404)


def test_bad_list_arguments_are_422_naming_them(api: ApiClient, entity: Entity) -> None:
    response = api.get(f"/api/v1/{entity.segment}", query_string={"per_page": 0})
    _assert_json_error(response, 422, "per_page")


def test_patch_changes_only_the_given_fields(
    api: ApiClient, entity: Entity, created: dict[str, Any]
) -> None:
    change = CASES[entity.name].change
    response = api.patch(_item(entity, created), json=change)
    assert response.status_code == 200, response.json
    untouched = {k: v for k, v in created.items() if k not in change and k != "updated_at"}
    assert {k: v for k, v in response.json.items() if k in untouched} == untouched
    for name, value in change.items():
        assert response.json[name] == value
    assert api.get(_item(entity, created)).json == response.json


def test_invalid_writes_are_422_naming_the_field_and_change_nothing(
    api: ApiClient, engine: Engine, school: dict[str, Any], entity: Entity, created: dict[str, Any]
) -> None:
    case = CASES[entity.name]
    (name,) = case.bad_change
    before = _stored(engine, entity, created[entity.key])
    patched = api.patch(_item(entity, created), json=case.bad_change)
    _assert_json_error(patched, 422, name)
    assert _stored(engine, entity, created[entity.key]) == before
    if entity.update_schema is None:  # a region's change takes other fields than its create
        posted = api.post(_collection(entity, school["code"]), json=case.create | case.bad_change)
        _assert_json_error(posted, 422, name)


def test_unknown_keys_are_404_json_for_every_method(api: ApiClient, entity: Entity) -> None:
    url = f"/api/v1/{entity.segment}/{CASES[entity.name].missing}"
    _assert_json_error(api.get(url), 404)
    _assert_json_error(api.patch(url, json=CASES[entity.name].change), 404)
    _assert_json_error(api.delete(url), 404)


def test_remove_archives_with_200_or_deletes_with_204(
    api: ApiClient, engine: Engine, entity: Entity, created: dict[str, Any]
) -> None:
    url = _item(entity, created)
    case = CASES[entity.name]
    if entity.retire == "archive":
        bad = api.delete(url, query_string={"on": "yesterday"})
        _assert_json_error(bad, 422, "on")
        archived = api.delete(url, query_string={"on": "2024-07-31"})
        assert archived.status_code == 200, archived.json
        assert archived.json[case.closes] == "2024-07-31"
        assert api.get(url).json[case.closes] == "2024-07-31"
    else:
        deleted = api.delete(url)
        assert deleted.status_code == 204
        assert deleted.data == b""
        _assert_json_error(api.get(url), 404)
        assert _stored(engine, entity, created[entity.key]) is None


def test_anonymous_requests_are_401_json(anon: ApiClient, entity: Entity) -> None:
    _assert_json_error(anon.get(f"/api/v1/{entity.segment}"), 401)


# --- a new entity needs only a registry entry ------------------------------------------------

ROOMS = dataclasses.replace(
    CLASSROOMS, name="rooms", description="Rooms: classrooms under another name", url_key="room_id"
)


@pytest.fixture
def rooms_app(
    monkeypatch: pytest.MonkeyPatch, database_url: str, engine: Engine
) -> Iterator[Flask]:
    monkeypatch.setattr(api.resources, "ENTITIES", (*ENTITIES, ROOMS))
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "FERNET_KEYS": FERNET_KEY,
            "SECRET_KEY": "test-secret-key",
        }
    )
    yield app
    app.extensions["digicampus"].engine.dispose()


def test_a_registry_entry_alone_serves_a_new_entity(
    rooms_app: Flask, admin_token: str, school: dict[str, Any]
) -> None:
    client = ApiClient(rooms_app.test_client(), admin_token)
    created = client.post(f"/api/v1/schools/{school['code']}/rooms", json={"room_code": "R1"})
    assert created.status_code == 201, created.json
    url = f"/api/v1/rooms/{created.json['id']}"
    assert client.get(url).json["room_code"] == "R1"
    assert client.get("/api/v1/rooms").json["count"] == 1
    assert client.patch(url, json={"floor": 3}).json["floor"] == 3
    assert client.delete(url).json["status"] == "closed"
    paths = client.get("/api/v1/openapi.json").json["paths"]
    assert {"/api/v1/rooms", "/api/v1/rooms/{room_id}", "/api/v1/schools/{code}/rooms"} <= set(
        paths
    )
    assert paths["/api/v1/rooms/{room_id}"]["get"]["summary"] == "Get a classroom."
