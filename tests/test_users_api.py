"""Accounts through the API and the CLI: roles and scopes, passwords, API tokens, the log."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.engine import Engine

from api.commands_users import users_group
from inventory.choices import UserRole
from inventory.db import make_sessionmaker
from inventory.models import ApiToken, ChangeRecord, User
from inventory.models.base import utcnow
from tests.conftest import COUNTY, OTHER_COUNTY, ApiClient, make_token, school_data

USERS = "/api/v1/users"
PASSWORD = "a long enough password"
TOKEN = re.compile(r"dc_[A-Za-z0-9_-]{20,}")


def create(api: ApiClient, **body: Any) -> Any:
    return api.post(USERS, json=body)


@pytest.fixture
def school_code(api: ApiClient) -> str:
    response = api.post("/api/v1/schools", json=school_data())
    assert response.status_code == 201
    code: str = response.json["code"]
    return code


def changes(api: ApiClient, **query: Any) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = api.get(
        "/api/v1/changes", query_string={"per_page": 1000, **query}
    ).json["results"]
    return results


# --- users ------------------------------------------------------------------------------------


def test_admins_create_accounts_of_every_role(api: ApiClient, school_code: str) -> None:
    region_admin = create(api, name="county", role="region_admin", region_code=COUNTY)
    assert region_admin.status_code == 201, region_admin.json
    assert region_admin.json["region_code"] == COUNTY
    assert region_admin.json["has_password"] is False
    staff = create(api, name="staff", role="school_staff", schools=[school_code], password=PASSWORD)
    assert staff.status_code == 201, staff.json
    assert staff.json["schools"] == [school_code]
    assert staff.json["has_password"] is True
    assert "password" not in staff.json and "password_hash" not in staff.json
    viewer = create(api, name="reader", role="viewer", region_code=OTHER_COUNTY)
    assert viewer.status_code == 201
    listed = api.get(USERS, query_string={"role": "school_staff"}).json
    assert [u["name"] for u in listed["results"]] == ["staff"]
    assert api.get(USERS).json["count"] == 4  # with the admin
    assert api.get(f"{USERS}/{staff.json['id']}").json["name"] == "staff"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"role": "region_admin"}, "region_code"),
        ({"role": "region_admin", "region_code": "999999"}, "region_code"),
        ({"role": "admin", "region_code": COUNTY}, "region_code"),
        ({"role": "school_staff"}, "schools"),
        ({"role": "school_staff", "schools": ["2153019999"]}, "schools"),
        ({"role": "viewer", "schools": ["2153010001"]}, "schools"),
        ({"role": "viewer", "password": "short"}, "password"),
        ({"role": "viewer", "password": "new-user-x"}, "password"),  # the name itself
        ({"role": "owner"}, "role"),
        ({"role": "viewer", "is_admin": True}, "is_admin"),
    ],
)
def test_each_role_needs_exactly_its_scope(
    api: ApiClient, school_code: str, body: dict[str, Any], field: str
) -> None:
    response = create(api, name="new-user-x", **body)
    assert response.status_code == 422, response.json
    assert field in response.json["errors"]
    assert api.get(USERS).json["count"] == 1


def test_names_are_unique(api: ApiClient) -> None:
    assert create(api, name="twin", role="viewer").status_code == 201
    assert create(api, name="twin", role="viewer").status_code == 409


def test_patch_changes_role_scope_password_and_state(
    api: ApiClient, app: Flask, school_code: str
) -> None:
    user = create(api, name="pat", role="region_admin", region_code=COUNTY).json
    url = f"{USERS}/{user['id']}"
    # A new role drops the scope it does not have and needs the one it has.
    assert api.patch(url, json={"role": "school_staff"}).status_code == 422
    staff = api.patch(url, json={"role": "school_staff", "schools": [school_code]})
    assert staff.status_code == 200, staff.json
    assert staff.json["region_code"] is None and staff.json["schools"] == [school_code]
    admin = api.patch(url, json={"role": "admin"}).json
    assert admin["schools"] == [] and admin["region_code"] is None
    assert api.patch(url, json={"password": PASSWORD}).json["has_password"] is True
    assert api.patch(url, json={"name": "renamed"}).status_code == 422  # names are fixed
    log = [c for c in changes(api, object_type="app_user") if c["object_id"] == str(user["id"])]
    assert [c["action"] for c in log] == ["update", "update", "update", "create"]
    assert log[0]["after"]["password_changed"] is True
    assert log[0]["after"]["password_hash"] == "***"
    assert log[2]["after"]["schools"] == [school_code]


def test_a_disabled_account_is_refused_at_once(api: ApiClient, app: Flask, engine: Engine) -> None:
    token = make_token(engine, "soon-gone", UserRole.VIEWER)
    other = ApiClient(app.test_client(), token)
    assert other.get("/api/v1/schools").status_code == 200
    user_id = other.get(f"{USERS}/me").json["id"]
    assert api.patch(f"{USERS}/{user_id}", json={"is_active": False}).status_code == 200
    assert other.get("/api/v1/schools").status_code == 401


def test_admins_cannot_lock_themselves_out(api: ApiClient) -> None:
    me = api.get(f"{USERS}/me").json["id"]
    assert api.patch(f"{USERS}/{me}", json={"is_active": False}).status_code == 403
    assert api.patch(f"{USERS}/{me}", json={"role": "viewer"}).status_code == 403
    assert api.get(f"{USERS}/me").json["role"] == "admin"


def test_me_shows_role_and_scope(app: Flask, engine: Engine, school_code: str) -> None:
    staff = ApiClient(
        app.test_client(),
        make_token(engine, "staffer", UserRole.SCHOOL_STAFF, schools=[school_code]),
    )
    me = staff.get(f"{USERS}/me").json
    assert me["name"] == "staffer" and me["role"] == "school_staff"
    assert me["schools"] == [school_code] and me["region_code"] is None


def test_unknown_user_is_404_for_admins(api: ApiClient) -> None:
    assert api.get(f"{USERS}/999999").status_code == 404
    assert api.patch(f"{USERS}/999999", json={"is_active": True}).status_code == 404


# --- tokens -----------------------------------------------------------------------------------


def test_a_new_token_is_shown_once_and_listed_without_it(api: ApiClient, app: Flask) -> None:
    created = api.post(f"{USERS}/me/tokens", json={"label": "laptop", "expires_in_days": 30})
    assert created.status_code == 201, created.json
    secret = created.json["token"]
    assert TOKEN.fullmatch(secret)
    assert secret.startswith(created.json["prefix"])
    expires = datetime.fromisoformat(created.json["expires_at"])
    assert abs(expires - (utcnow() + timedelta(days=30))) < timedelta(minutes=1)

    mine = ApiClient(app.test_client(), secret)
    assert mine.get(f"{USERS}/me").status_code == 200
    listed = api.get(f"{USERS}/me/tokens")
    assert listed.status_code == 200
    assert secret not in listed.get_data(as_text=True)
    laptop = next(t for t in listed.json if t["label"] == "laptop")
    assert set(laptop) == {
        "id",
        "prefix",
        "label",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    }
    assert laptop["last_used_at"] is not None  # it was just used


def test_a_revoked_token_fails_on_the_very_next_request(api: ApiClient, app: Flask) -> None:
    created = api.post(f"{USERS}/me/tokens", json={}).json
    mine = ApiClient(app.test_client(), created["token"])
    assert mine.get("/api/v1/schools").status_code == 200
    assert mine.delete(f"{USERS}/me/tokens/{created['id']}").status_code == 204
    assert mine.get("/api/v1/schools").status_code == 401
    assert api.get("/api/v1/schools").status_code == 200  # the other token still works
    revoked = next(t for t in api.get(f"{USERS}/me/tokens").json if t["id"] == created["id"])
    assert revoked["revoked_at"] is not None
    assert api.delete(f"{USERS}/me/tokens/{created['id']}").status_code == 204  # idempotent


def test_admins_manage_other_peoples_tokens(api: ApiClient, app: Flask, engine: Engine) -> None:
    user = create(api, name="ops", role="viewer").json
    issued = api.post(f"{USERS}/{user['id']}/tokens", json={"label": "for ops"})
    assert issued.status_code == 201
    ops = ApiClient(app.test_client(), issued.json["token"])
    assert ops.get(f"{USERS}/me").json["name"] == "ops"
    assert [t["label"] for t in api.get(f"{USERS}/{user['id']}/tokens").json] == ["for ops"]
    # Someone else's token does not exist under /me, nor under another user.
    assert api.delete(f"{USERS}/me/tokens/{issued.json['id']}").status_code == 404
    me = api.get(f"{USERS}/me").json["id"]
    assert api.delete(f"{USERS}/{me}/tokens/{issued.json['id']}").status_code == 404
    assert ops.get(f"{USERS}/me").status_code == 200
    assert api.delete(f"{USERS}/{user['id']}/tokens/{issued.json['id']}").status_code == 204
    assert ops.get(f"{USERS}/me").status_code == 401


@pytest.mark.parametrize("days", [0, -1, 3651, "7", 1.5])
def test_token_lifetime_is_validated(api: ApiClient, days: Any) -> None:
    response = api.post(f"{USERS}/me/tokens", json={"expires_in_days": days})
    assert response.status_code == 422
    assert "expires_in_days" in response.json["errors"]


def test_an_expired_token_fails(api: ApiClient, app: Flask, engine: Engine) -> None:
    created = api.post(f"{USERS}/me/tokens", json={"expires_in_days": 1}).json
    with make_sessionmaker(engine).begin() as db:
        db.execute(
            sa.update(ApiToken)
            .where(ApiToken.id == created["id"])
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    assert ApiClient(app.test_client(), created["token"]).get(f"{USERS}/me").status_code == 401


def test_token_creation_and_revocation_are_logged_without_the_token(api: ApiClient) -> None:
    created = api.post(f"{USERS}/me/tokens", json={"label": "ci"}).json
    api.delete(f"{USERS}/me/tokens/{created['id']}")
    log = [c for c in changes(api, object_type="api_token") if c["object_id"] == str(created["id"])]
    assert [c["action"] for c in log] == ["revoke", "create"]
    assert log[0]["before"]["revoked_at"] is None and log[0]["after"]["revoked_at"]
    for change in log:
        for state in (change["before"], change["after"]):
            if state:
                assert state["token_hash"] == "***"
    assert created["token"] not in str(log)


# --- the CLI ----------------------------------------------------------------------------------


def cli(app: Flask, *args: str, input: str | None = None) -> Any:
    return app.test_cli_runner().invoke(users_group, list(args), input=input)


def test_cli_create_admin_prints_its_token_once(app: Flask) -> None:
    result = cli(app, "create-admin", "root")
    assert result.exit_code == 0, result.output
    assert "admin 'root' created. API token (shown once, store it now):" in result.output
    (token,) = TOKEN.findall(result.output)
    assert (
        app.test_client()
        .get(f"{USERS}/me", headers={"Authorization": f"Bearer {token}"})
        .json["role"]
        == "admin"
    )
    again = cli(app, "create-admin", "root")
    assert again.exit_code != 0
    assert "Error: a user named 'root' already exists" in again.output
    assert not TOKEN.search(again.output)


def test_cli_manages_accounts_and_tokens(app: Flask, engine: Engine, api: ApiClient) -> None:
    code = api.post("/api/v1/schools", json=school_data()).json["code"]
    made = cli(
        app,
        "create",
        "wang",
        "--role",
        "school_staff",
        "--school",
        code,
        "--password-prompt",
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert made.exit_code == 0, made.output
    assert PASSWORD not in made.output
    assert cli(app, "create", "li", "--role", "region_admin", "--region", COUNTY).exit_code == 0
    bad = cli(app, "create", "zhao", "--role", "region_admin")
    assert bad.exit_code != 0 and "region_code: is required for a region admin" in bad.output
    assert cli(app, "create", "x", "--role", "boss").exit_code != 0

    listing = cli(app, "list")
    assert listing.exit_code == 0
    lines = {line.split("\t")[1]: line.split("\t") for line in listing.output.splitlines()}
    assert lines["wang"][2:] == ["school_staff", code, "active", "password"]
    assert lines["li"][2:] == ["region_admin", COUNTY, "active", "tokens only"]

    issued = cli(app, "create-token", "li", "--label", "script", "--expires-days", "7")
    assert issued.exit_code == 0, issued.output
    (token,) = TOKEN.findall(issued.output)
    token_id = re.search(r"API token (\d+)", issued.output)
    assert token_id
    li = ApiClient(app.test_client(), token)
    assert li.get(f"{USERS}/me").json["region_code"] == COUNTY
    revoked = cli(app, "revoke-token", token_id.group(1))
    assert revoked.exit_code == 0, revoked.output
    assert li.get(f"{USERS}/me").status_code == 401
    assert cli(app, "revoke-token", "999999").exit_code != 0

    new_password = "another fine password"
    changed = cli(app, "set-password", "li", input=f"{new_password}\n{new_password}\n")
    assert changed.exit_code == 0, changed.output
    assert cli(app, "set-password", "li", input="short\nshort\n").exit_code != 0
    assert cli(app, "disable", "wang").exit_code == 0
    assert cli(app, "disable", "nobody").exit_code != 0
    with engine.connect() as conn:
        state = dict(conn.execute(sa.select(User.name, User.is_active)).all())
        hashes = conn.execute(sa.select(User.password_hash).where(User.name == "li")).scalar()
        actors = set(conn.scalars(sa.select(ChangeRecord.actor_name)))
    assert state["wang"] is False and state["li"] is True
    assert hashes and hashes.startswith("scrypt$")
    assert "cli" in actors


def test_the_users_group_is_a_command_of_digicampus_and_of_the_app(app: Flask) -> None:
    import click

    from api.cli import main

    # The front door loads the web app's commands when asked for (api/cli.py).
    assert main.get_command(click.Context(main), "users") is users_group
    assert app.cli.commands["users"] is users_group  # type: ignore[attr-defined]
    assert {"create-admin", "create", "list", "set-password", "disable"} <= set(
        users_group.commands
    )
    assert {"create-token", "revoke-token"} <= set(users_group.commands)
