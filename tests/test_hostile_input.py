"""Issue 14, the HTTP half: hostile input is refused at the edge in the JSON error shape, and
nothing is written. Each test sends the exact input of a finding."""

from __future__ import annotations

import io
import json
import re
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.engine import Engine

from api.edge import json_too_deep
from inventory.actor import Actor
from inventory.choices import UserRole
from inventory.db import make_sessionmaker
from inventory.models import Base
from inventory.services import accounts
from tests.conftest import COUNTY, FERNET_KEY, OTHER_COUNTY, ApiClient, client_for, school_data
from web import create_app

SURROGATE_BODY = (
    b'{"code":"9799999999","name":"a\\ud800b","region_code":"532301","type_code":"211"}'
)


def row_counts(engine: Engine) -> dict[str, int]:
    """Rows per table: equal before and after a refused request means nothing was written."""
    with engine.connect() as conn:
        return {
            table.name: conn.scalar(sa.select(sa.func.count()).select_from(table)) or 0
            for table in Base.metadata.sorted_tables
        }


def error_shape(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body: dict[str, Any] = response.json
    assert body["code"] == status and body["status"] and body["message"]
    assert set(body) <= {"code", "status", "message", "errors"}
    return body


# --- finding 1: strings that cannot be encoded ------------------------------------------------


def test_a_lone_surrogate_in_a_json_field_is_422_naming_the_field_and_nothing_is_written(
    api: ApiClient, engine: Engine
) -> None:
    before = row_counts(engine)
    response = api.post("/api/v1/schools", data=SURROGATE_BODY, content_type="application/json")
    body = error_shape(response, 422)
    assert body["errors"] == {"name": ["holds a character that cannot be encoded (U+D800)"]}
    assert row_counts(engine) == before


def write_routes(app: Flask) -> list[tuple[str, str]]:
    """(method, path) of every API write route, path arguments filled with plausible values."""
    routes = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", "1", rule.rule)
        routes += [(m, path) for m in sorted(rule.methods or ()) if m in ("POST", "PATCH", "PUT")]
    return routes


def test_every_write_route_refuses_a_lone_surrogate_before_its_view(
    app: Flask, api: ApiClient, engine: Engine
) -> None:
    routes = write_routes(app)
    assert len(routes) >= 24  # the finding counted 24 write endpoints
    before = row_counts(engine)
    for method, path in routes:
        response = api._call(
            method,
            path,
            data=b'{"x": {"name": ["ok", "a\\ud800b"]}}',
            content_type="application/json",
        )
        body = error_shape(response, 422)
        assert list(body["errors"]) == ["x.name.1"], (method, path)
    assert row_counts(engine) == before


def test_a_surrogate_in_a_json_key_is_refused_without_echoing_it(api: ApiClient) -> None:
    response = api.post(
        "/api/v1/schools", data=b'{"a\\udfffb": 1}', content_type="application/json"
    )
    body = error_shape(response, 422)
    assert body["errors"] == {
        "_body.<key>": ["a key holds a character that cannot be encoded (U+DFFF)"]
    }


def test_a_nul_character_anywhere_in_the_body_is_refused(api: ApiClient, engine: Engine) -> None:
    before = row_counts(engine)
    body = error_shape(api.post("/api/v1/schools", json=school_data(name="a\x00b")), 422)
    assert "control characters" in body["errors"]["name"][0]
    assert row_counts(engine) == before


def test_query_parameters_that_are_not_utf8_or_hold_nul_are_422_naming_them(
    api: ApiClient,
) -> None:
    body = error_shape(api.get("/api/v1/schools?q=a%ED%A0%80b&type=%00"), 422)
    assert body["errors"] == {
        "q": ["is not valid UTF-8"],
        "type": ["must not contain control characters (U+0000 cannot be stored)"],
    }


def test_a_path_that_is_not_utf8_is_422(api: ApiClient) -> None:
    # A real server hands the raw bytes over as latin-1; the test client would re-encode them.
    response = api.get(
        "/api/v1/schools/x", environ_overrides={"PATH_INFO": "/api/v1/schools/a\xed\xa0\x80b"}
    )
    assert error_shape(response, 422)["errors"] == {"path": ["is not valid UTF-8"]}


def test_form_fields_that_are_not_utf8_are_422_naming_them(app: Flask, engine: Engine) -> None:
    before = row_counts(engine)
    response = app.test_client().post(
        "/login",
        data=b"name=a%ED%A0%80b&password=x",
        content_type="application/x-www-form-urlencoded",
    )
    assert error_shape(response, 422)["errors"] == {"name": ["is not valid UTF-8"]}
    assert row_counts(engine) == before


# --- finding 2: nesting --------------------------------------------------------------------


def test_json_nested_a_thousand_levels_is_413_before_parsing(
    api: ApiClient, engine: Engine
) -> None:
    before = row_counts(engine)
    response = api.post(
        "/api/v1/schools", data=b"[" * 1000 + b"]" * 1000, content_type="application/json"
    )
    body = error_shape(response, 413)
    assert body["message"] == "the JSON body is nested deeper than 32 levels"
    assert row_counts(engine) == before


def test_the_nesting_limit_is_a_setting_and_brackets_in_strings_do_not_count() -> None:
    assert json_too_deep(b"[" * 33 + b"]" * 33, 32)
    assert not json_too_deep(b"[" * 32 + b"]" * 32, 32)
    assert not json_too_deep(b'{"a": "' + b"[{" * 100 + b'\\"[["}', 32)
    assert json_too_deep(b'{"a": "\\"", "b": ' + b"[" * 40, 32)  # cut off: still counted
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": "sqlite://",
            "FERNET_KEYS": FERNET_KEY,
            "SECRET_KEY": "k",
            "MAX_JSON_DEPTH": 4,
        }
    )
    response = app.test_client().post("/api/v1/schools", json={"a": [[[[1]]]]})
    assert error_shape(response, 413)["message"] == "the JSON body is nested deeper than 4 levels"


def test_a_body_over_the_size_limit_is_413_even_when_chunked(app: Flask) -> None:
    limit = app.config["MAX_CONTENT_LENGTH"]
    data = b'{"name": "' + b"a" * limit + b'"}'
    chunked = app.test_client().post(
        "/api/v1/schools",
        input_stream=io.BytesIO(data),
        content_type="application/json",
        headers={"Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True},  # what gunicorn sets
    )
    body = error_shape(chunked, 413)
    assert body["message"] == f"the request body is larger than {limit} bytes"
    sized = app.test_client().post("/api/v1/schools", data=data, content_type="application/json")
    assert error_shape(sized, 413)["message"] == body["message"]


# --- finding 7: a milestone outside its plan's region --------------------------------------


def test_a_milestone_outside_its_plans_region_is_422_and_nothing_is_written(
    api: ApiClient, engine: Engine
) -> None:
    plan = api.post(
        "/api/v1/plans",
        json={"code": "p-532301", "name_zh": "计划", "name_en": "plan", "region_code": COUNTY},
    )
    assert plan.status_code == 201, plan.json
    plan_id = plan.json["id"]
    milestone = {"metric": "all_fibre_rate", "due_on": "2025-12-31", "value": 0.5}
    before = row_counts(engine)
    response = api.post(
        f"/api/v1/plans/{plan_id}/milestones", json={**milestone, "region_code": OTHER_COUNTY}
    )
    body = error_shape(response, 422)
    assert body["errors"] == {
        "region_code": [f"'{OTHER_COUNTY}' is not within the plan's region '{COUNTY}'"]
    }
    assert row_counts(engine) == before

    inside = api.post(f"/api/v1/plans/{plan_id}/milestones", json=milestone)
    assert inside.status_code == 201 and inside.json["region_code"] == COUNTY
    moved = api.patch(f"/api/v1/milestones/{inside.json['id']}", json={"region_code": OTHER_COUNTY})
    assert "region_code" in error_shape(moved, 422)["errors"]
    # Nor may the plan move away from the milestones it holds.
    replanted = api.patch(f"/api/v1/plans/{plan_id}", json={"region_code": OTHER_COUNTY})
    assert "region_code" in error_shape(replanted, 422)["errors"]
    assert api.get(f"/api/v1/milestones/{inside.json['id']}").json["region_code"] == COUNTY


# --- finding 10: school staff asking for another region ------------------------------------


def test_school_staff_asking_for_a_region_without_their_school_get_404(
    app: Flask, engine: Engine, api: ApiClient
) -> None:
    assert api.post("/api/v1/schools", json=school_data()).status_code == 201
    staff = client_for(app, engine, "staff", UserRole.SCHOOL_STAFF, schools=["2153010001"])
    trend = "/api/v1/coverage/trend?metric=all_fibre_rate&from=2025-01-01&to=2025-02-01"
    for path in (
        f"/api/v1/coverage?region={OTHER_COUNTY}",
        f"/api/v1/coverage/gaps?region={OTHER_COUNTY}",
        f"/api/v1/coverage/gaps.csv?region={OTHER_COUNTY}",
        f"/api/v1/coverage/report.csv?region={OTHER_COUNTY}",
        f"{trend}&region={OTHER_COUNTY}",
        "/api/v1/coverage?region=999999",
    ):
        body = error_shape(staff.get(path), 404)
        assert body["message"].startswith("no region with code"), path
    own = staff.get(f"/api/v1/coverage?region={COUNTY}")
    assert own.status_code == 200 and own.json["totals"]["schools"] == 1
    assert staff.get("/api/v1/coverage?region=532300").status_code == 200  # holds the county
    assert staff.get(f"{trend}&region={COUNTY}").status_code == 200


# --- finding 9 (in the app): the database is gone ------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [("GET", "/api/v1/schools", None), ("POST", "/api/v1/schools", school_data())],
)
def test_a_lost_database_is_503_with_retry_after(
    method: str, path: str, body: dict[str, Any] | None
) -> None:
    # Port 1 on loopback: nothing listens, as during a PostgreSQL restart.
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": "postgresql+psycopg://postgres@127.0.0.1:1/gone?connect_timeout=2",
            "FERNET_KEYS": FERNET_KEY,
            "SECRET_KEY": "k",
        }
    )
    response = app.test_client().open(
        path, method=method, json=body, headers={"Authorization": "Bearer dc_" + "x" * 43}
    )
    error = error_shape(response, 503)
    assert error["message"] == "the database is unavailable for the moment; retry shortly"
    assert response.headers["Retry-After"] == "5"
    app.extensions["digicampus"].engine.dispose()


@pytest.mark.postgres_only
def test_connections_cut_by_the_server_are_replaced_not_answered_with_an_error(
    api: ApiClient, app: Flask, engine: Engine
) -> None:
    assert api.get("/api/v1/schools").status_code == 200  # a pooled connection now exists
    app_engine = app.extensions["digicampus"].engine
    with app_engine.connect() as conn:
        mine = conn.scalar(sa.text("SELECT pg_backend_pid()"))
    with engine.connect() as conn:
        # Only this database's other connections: what a restart does to the app's pool.
        ended = conn.scalar(
            sa.text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
    # The harness's own pooled connections were cut too: let it open new ones for its clean-up.
    engine.dispose()
    assert ended and mine
    assert api.get("/api/v1/schools").status_code == 200


# --- finding 6: logout ends every copy of the session --------------------------------------


@pytest.mark.parametrize("ending", ["logout", "password", "disabled"])
def test_a_copied_session_cookie_stops_working_when_the_session_ends(
    app: Flask, engine: Engine, ending: str
) -> None:
    from tests.test_login import PASSWORD, csrf_of, login, make_user

    user_id = make_user(engine)
    browser = app.test_client()
    assert login(browser).status_code == 302
    cookie_name = app.config["SESSION_COOKIE_NAME"]
    cookie = browser.get_cookie(cookie_name)
    assert cookie is not None
    copy = app.test_client()
    copy.set_cookie(cookie_name, cookie.value)
    assert copy.get("/overview").status_code == 200
    if ending == "logout":
        assert (
            browser.post("/logout", data={"csrf_token": csrf_of(browser, "/overview")}).status_code
            == 302
        )
    else:
        change = (
            {"password": "a brand new secret"} if ending == "password" else {"is_active": False}
        )
        with make_sessionmaker(engine)() as db, db.begin():
            accounts.update_user(db, Actor.system("tests"), user_id, change)
    assert copy.get("/overview").status_code == 302
    if ending == "disabled":  # enabling the account again does not revive old cookies
        with make_sessionmaker(engine)() as db, db.begin():
            accounts.update_user(db, Actor.system("tests"), user_id, {"is_active": True})
        assert copy.get("/overview").status_code == 302
    password = "a brand new secret" if ending == "password" else PASSWORD
    assert login(copy, password=password).status_code == 302  # a new login works as before
    assert copy.get("/overview").status_code == 200


# --- the fuzzing step's hostile values, sent to every write route ------------------------


def fuzz_hooks() -> Any:
    """.ci/fuzz_hooks.py, loaded as schemathesis loads it (a file, not a package)."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / ".ci" / "fuzz_hooks.py"
    spec = importlib.util.spec_from_file_location("fuzz_hooks", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_hostile_value_of_the_fuzzing_step_is_refused_in_the_json_shape(
    app: Flask, api: ApiClient, engine: Engine
) -> None:
    hooks = fuzz_hooks()
    values = [*hooks.JSON_TEXT, *hooks.DEEP]
    assert {"a\ud800b", "a\x00b"} <= set(hooks.JSON_TEXT) and max(
        map(len, hooks.JSON_TEXT)
    ) >= 10**6
    before = row_counts(engine)
    for method, path in write_routes(app):
        for value in values:
            data = json.dumps({"name": value, "code": "2153019999"})  # ASCII: \ud800 escaped
            response = api._call(method, path, data=data, content_type="application/json")
            assert response.status_code < 500, (method, path, repr(value)[:40])
            if isinstance(value, list):
                assert error_shape(response, 413)["message"].startswith("the JSON body is nested")
            elif value in ("a\ud800b", "\udfff", "\ud83d", "a\x00b"):
                assert list(error_shape(response, 422)["errors"]) == ["name"]
    assert row_counts(engine) == before


def test_a_schema_defect_on_sqlite_stays_a_500_not_a_503(tmp_path: Any) -> None:
    # SQLite reports "no such table" as an OperationalError too: that is no outage to retry.
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite'}",
            "FERNET_KEYS": FERNET_KEY,
            "SECRET_KEY": "k",
        }
    )
    response = app.test_client().get(
        "/api/v1/schools", headers={"Authorization": "Bearer dc_" + "x" * 43}
    )
    assert error_shape(response, 500)["message"] == "internal error; it has been logged"
    assert "Retry-After" not in response.headers
    app.extensions["digicampus"].engine.dispose()
