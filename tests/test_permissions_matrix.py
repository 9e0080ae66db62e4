"""Every role × endpoint group × scope, for reads and writes: the exact answer, from a table.

The world: schools A and A2 in COUNTY, school B in OTHER_COUNTY, each with a classroom, a
campus network, an uplink and a device; an SNMP credential; a spare region; five accounts:

    admin          everything
    region_admin   COUNTY's subtree (A, A2)
    school_staff   school A only
    viewer         reads everything, writes nothing
    viewer_region  reads COUNTY's subtree, writes nothing

Targets: ``in`` = school A (or its objects), ``sibling`` = A2 (same county, not the staff's),
``out`` = B; for scope-free groups ``any``; for the change log ``global`` = records that
belong to no school; for accounts ``self`` and ``other``.

Expected outcomes are written per role as one entry per target: a status code, or for lists
``+`` (listed) / ``-`` (absent, with 200). Each test runs one group for one role, operation
by operation (writes after reads, deletions last), and reports every mismatch at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.engine import Engine

from inventory.actor import Actor
from inventory.choices import RegionLevel, UserRole
from inventory.db import make_sessionmaker
from inventory.models import ChangeRecord
from inventory.services import (
    accounts,
    campus_networks,
    classrooms,
    credentials,
    devices,
    links,
    regions,
    schools,
)
from tests.conftest import COUNTY, OTHER_COUNTY, ApiClient

API = "/api/v1"
ROLES = ("admin", "region_admin", "school_staff", "viewer", "viewer_region")
SCHOOL_TARGETS = ("in", "sibling", "out")
SPARE_REGION = "532398"


@dataclass
class World:
    """Ids and codes of what the matrix works on, per target."""

    school_code: dict[str, str] = field(default_factory=dict)
    school_id: dict[str, int] = field(default_factory=dict)
    objects: dict[str, dict[str, int]] = field(default_factory=dict)  # group → target → id
    credential_id: int = 0
    user_id: dict[str, int] = field(default_factory=dict)  # role or "other" → id
    token: dict[str, str] = field(default_factory=dict)  # role → bearer token
    spare_token_id: dict[str, int] = field(default_factory=dict)  # role or "other" → token id
    serial: list[int] = field(default_factory=lambda: [0])

    def next(self) -> int:
        """A number unique within the test, for new codes and addresses."""
        self.serial[0] += 1
        return self.serial[0]


def build_world(engine: Engine, box: Any) -> World:
    world = World()
    system = Actor.system("matrix")
    with make_sessionmaker(engine)() as db, db.begin():
        for n, (target, county, code) in enumerate(
            (
                ("in", COUNTY, "2153010001"),
                ("sibling", COUNTY, "2153010002"),
                ("out", OTHER_COUNTY, "2153220001"),
            ),
            start=1,
        ):
            school = schools.create_school(
                db,
                system,
                {"code": code, "name": f"学校{target}", "type_code": "211", "region_code": county},
            )
            world.school_code[target], world.school_id[target] = code, school.id
            room = classrooms.create_classroom(db, system, code, {"room_code": "101"})
            net = campus_networks.create_campus_network(
                db,
                system,
                code,
                {"architecture": "all_fibre", "commissioned_on": date(2020, 9, 1)},
            )
            device = devices.create_device(
                db,
                system,
                code,
                {"name": f"gw-{target}", "role": "gateway", "mgmt_address": f"10.0.{n}.1"},
            )
            link = links.create_link(
                db,
                system,
                code,
                {
                    "kind": "metro",
                    "medium": "fibre",
                    "down_mbps": 1000,
                    "up_mbps": 1000,
                    "circuit_id": f"C-{target}",
                },
            )
            for group, obj in (
                ("classrooms", room),
                ("campus-networks", net),
                ("devices", device),
                ("links", link),
            ):
                world.objects.setdefault(group, {})[target] = obj.id
        credential = credentials.create_credential(
            db, system, box, {"name": "shared", "version": "v2c", "community": "matrix-cmty"}
        )
        world.credential_id = credential.id
        regions.create_region(
            db,
            system,
            {
                "code": SPARE_REGION,
                "name_zh": "备用县",
                "name_en": "Spare county",
                "level": RegionLevel.COUNTY,
                "parent_code": "532300",
            },
        )
        scopes: dict[str, tuple[UserRole, str | None, tuple[str, ...]]] = {
            "admin": (UserRole.ADMIN, None, ()),
            "region_admin": (UserRole.REGION_ADMIN, COUNTY, ()),
            "school_staff": (UserRole.SCHOOL_STAFF, None, (world.school_code["in"],)),
            "viewer": (UserRole.VIEWER, None, ()),
            "viewer_region": (UserRole.VIEWER, COUNTY, ()),
            "other": (UserRole.VIEWER, None, ()),
        }
        for name, (role, region, codes) in scopes.items():
            user = accounts.create_user(db, system, name, role, region, schools=codes)
            world.user_id[name] = user.id
            world.token[name] = accounts.issue_token(db, system, user, label="main").secret
            spare = accounts.issue_token(db, system, user, label="spare")
            world.spare_token_id[name] = spare.token.id
    return world


# --- operations -------------------------------------------------------------------------------
# Each returns the outcome as the tables write it: the status code, or + / - for lists.

Run = Callable[[ApiClient, World, str], str]


def status(response: Any) -> str:
    return str(response.status_code)


def listed(response: Any, key: str, value: Any) -> str:
    if response.status_code != 200:
        return status(response)
    return "+" if any(item[key] == value for item in response.json["results"]) else "-"


def _school_body(world: World, target: str) -> dict[str, Any]:
    county = OTHER_COUNTY if target == "out" else COUNTY
    return {
        "code": f"3{world.next():09d}",
        "name": "新学校",
        "type_code": "211",
        "region_code": county,
    }


SCHOOL_OPS: dict[str, Run] = {
    "list": lambda c, w, t: listed(
        c.get(f"{API}/schools", query_string={"per_page": 1000}), "code", w.school_code[t]
    ),
    "get": lambda c, w, t: status(c.get(f"{API}/schools/{w.school_code[t]}")),
    "update": lambda c, w, t: status(
        c.patch(f"{API}/schools/{w.school_code[t]}", json={"name": "改名"})
    ),
    "create": lambda c, w, t: status(c.post(f"{API}/schools", json=_school_body(w, t))),
    "archive": lambda c, w, t: status(
        c.delete(f"{API}/schools/{w.school_code[t]}", query_string={"on": "2030-01-01"})
    ),
    "move": lambda c, w, t: status(
        c.patch(
            f"{API}/schools/{w.school_code[t]}",
            json={"region_code": COUNTY if t == "out" else OTHER_COUNTY},
        )
    ),
    "recode": lambda c, w, t: status(
        c.patch(f"{API}/schools/{w.school_code[t]}", json={"code": f"4{w.next():09d}"})
    ),
}

CHILD_BODIES: dict[str, Callable[[World], dict[str, Any]]] = {
    "classrooms": lambda w: {"room_code": f"NEW-{w.next()}"},
    "campus-networks": lambda w: {
        "architecture": "hybrid",
        "commissioned_on": f"2023-09-{w.next():02d}",
    },
    "links": lambda w: {"kind": "metro", "medium": "fibre", "down_mbps": 100, "up_mbps": 100},
    "devices": lambda w: {
        "name": f"new-{w.next()}",
        "role": "access_switch",
        "mgmt_address": f"10.9.{w.next()}.1",
    },
}
CHILD_CHANGES: dict[str, dict[str, Any]] = {
    "classrooms": {"building": "B"},
    "campus-networks": {"backbone_mbps": 10000},
    "links": {"down_mbps": 500},
    "devices": {"vendor": "H3C"},
}


def child_ops(group: str) -> dict[str, Run]:
    def obj(w: World, t: str) -> int:
        return w.objects[group][t]

    return {
        "list": lambda c, w, t: listed(
            c.get(f"{API}/{group}", query_string={"per_page": 1000}), "id", obj(w, t)
        ),
        "list-of-school": lambda c, w, t: status(
            c.get(f"{API}/schools/{w.school_code[t]}/{group}")
        ),
        "filter-by-school": lambda c, w, t: status(
            c.get(f"{API}/{group}", query_string={"school": w.school_code[t]})
        ),
        "get": lambda c, w, t: status(c.get(f"{API}/{group}/{obj(w, t)}")),
        "update": lambda c, w, t: status(
            c.patch(f"{API}/{group}/{obj(w, t)}", json=CHILD_CHANGES[group])
        ),
        "create": lambda c, w, t: status(
            c.post(f"{API}/schools/{w.school_code[t]}/{group}", json=CHILD_BODIES[group](w))
        ),
        "delete": lambda c, w, t: status(c.delete(f"{API}/{group}/{obj(w, t)}")),
    }


CREDENTIALS = f"{API}/snmp-credentials"
CREDENTIAL_OPS: dict[str, Run] = {
    "list": lambda c, w, t: listed(c.get(CREDENTIALS), "id", w.credential_id),
    "get": lambda c, w, t: status(c.get(f"{CREDENTIALS}/{w.credential_id}")),
    "update": lambda c, w, t: status(
        c.patch(f"{CREDENTIALS}/{w.credential_id}", json={"notes": "x"})
    ),
    "create": lambda c, w, t: status(
        c.post(CREDENTIALS, json={"name": f"c{w.next()}", "version": "v2c", "community": "cx"})
    ),
    "delete": lambda c, w, t: status(c.delete(f"{CREDENTIALS}/{w.credential_id}")),
}

REGION_OF = {"in": COUNTY, "out": OTHER_COUNTY}
REGION_OPS: dict[str, Run] = {
    "list": lambda c, w, t: listed(
        c.get(f"{API}/regions", query_string={"per_page": 1000}), "code", REGION_OF[t]
    ),
    "get": lambda c, w, t: status(c.get(f"{API}/regions/{REGION_OF[t]}")),
    "school-types": lambda c, w, t: status(c.get(f"{API}/school-types")),
    "school-type": lambda c, w, t: status(c.get(f"{API}/school-types/211")),
    "update": lambda c, w, t: status(
        c.patch(f"{API}/regions/{REGION_OF[t]}", json={"name_en": "Renamed"})
    ),
    "create": lambda c, w, t: status(
        c.post(
            f"{API}/regions",
            json={
                "code": "532397",
                "name_zh": "新县",
                "name_en": "New county",
                "level": "county",
                "parent_code": "532300",
            },
        )
    ),
    "delete": lambda c, w, t: status(c.delete(f"{API}/regions/{SPARE_REGION}")),
}


def _change_listed(c: ApiClient, w: World, t: str) -> str:
    response = c.get(f"{API}/changes", query_string={"per_page": 1000})
    if response.status_code != 200:
        return status(response)
    if t == "global":  # records about no school: credentials, regions, accounts, tokens
        wanted = {"snmp_credential", "region", "app_user", "api_token"}
        return "+" if any(r["object_type"] in wanted for r in response.json["results"]) else "-"
    school_id = w.school_id[t]
    objects = {("school", str(school_id))} | {
        (table, str(w.objects[group][t]))
        for group, table in (
            ("classrooms", "classroom"),
            ("campus-networks", "campus_network"),
            ("links", "network_link"),
            ("devices", "device"),
        )
    }
    seen = {(r["object_type"], r["object_id"]) for r in response.json["results"]}
    if objects <= seen:
        return "+"
    return "-" if not objects & seen else f"partly: {sorted(objects & seen)}"


def _changes_of_object(c: ApiClient, w: World, t: str) -> str:
    if t == "global":
        query = {"object_type": "snmp_credential", "object_id": str(w.credential_id)}
    else:
        query = {"object_type": "school", "object_id": str(w.school_id[t])}
    response = c.get(f"{API}/changes", query_string=query)
    return str(response.json["count"]) if response.status_code == 200 else status(response)


CHANGE_OPS: dict[str, Run] = {"list": _change_listed, "filter-by-object": _changes_of_object}


def _user(w: World, t: str, role: str) -> int:
    return w.user_id[role if t == "self" else "other"]


def user_ops(role: str) -> dict[str, Run]:
    return {
        "me": lambda c, w, t: status(c.get(f"{API}/users/me")),
        "my-tokens": lambda c, w, t: status(c.get(f"{API}/users/me/tokens")),
        "list": lambda c, w, t: status(c.get(f"{API}/users")),
        "get": lambda c, w, t: status(c.get(f"{API}/users/{_user(w, t, role)}")),
        "tokens-of": lambda c, w, t: status(c.get(f"{API}/users/{_user(w, t, role)}/tokens")),
        "create-my-token": lambda c, w, t: status(
            c.post(f"{API}/users/me/tokens", json={"label": "new"})
        ),
        "create-token-for": lambda c, w, t: status(
            c.post(f"{API}/users/{_user(w, t, role)}/tokens", json={"label": "new"})
        ),
        "create": lambda c, w, t: status(
            c.post(f"{API}/users", json={"name": f"new{w.next()}", "role": "viewer"})
        ),
        "update": lambda c, w, t: status(
            c.patch(f"{API}/users/{_user(w, t, role)}", json={"is_active": True})
        ),
        # Through /me, a token of someone else does not exist; through /users/<id>, admins only.
        "revoke-via-me": lambda c, w, t: status(
            c.delete(f"{API}/users/me/tokens/{w.spare_token_id[role if t == 'self' else 'other']}")
        ),
        "revoke-via-user": lambda c, w, t: status(
            c.delete(
                f"{API}/users/{_user(w, t, role)}/tokens/"
                f"{w.spare_token_id[role if t == 'self' else 'other']}"
            )
        ),
    }


# --- the tables -------------------------------------------------------------------------------


def row(**per_role: str) -> dict[str, tuple[str, ...]]:
    """Expected outcomes per role, one per target, space-separated in the targets' order."""
    assert set(per_role) == set(ROLES), set(ROLES) ^ set(per_role)
    return {role: tuple(outcomes.split()) for role, outcomes in per_role.items()}


# Reads of anything that belongs to a school: visible in scope, absent / 404 outside it.
SEEN = row(
    admin="+ + +",
    region_admin="+ + -",
    school_staff="+ - -",
    viewer="+ + +",
    viewer_region="+ + -",
)
READ = row(
    admin="200 200 200",
    region_admin="200 200 404",
    school_staff="200 404 404",
    viewer="200 200 200",
    viewer_region="200 200 404",
)
# An unknown school in a list filter is 422 on "school"; one out of scope looks the same.
FILTER = row(
    admin="200 200 200",
    region_admin="200 200 422",
    school_staff="200 422 422",
    viewer="200 200 200",
    viewer_region="200 200 422",
)


def write(ok: str) -> dict[str, tuple[str, ...]]:
    """Changing something of a school: ``ok`` in scope, 404 outside, 403 for read-only roles."""
    return row(
        admin=f"{ok} {ok} {ok}",
        region_admin=f"{ok} {ok} 404",
        school_staff=f"{ok} 404 404",
        viewer="403 403 403",
        viewer_region="403 403 403",
    )


SCHOOL_TABLE = {
    "list": SEEN,
    "get": READ,
    "update": write("200"),
    # New schools: region admins only in their region (a public fact, hence 403); staff never.
    "create": row(
        admin="201 201 201",
        region_admin="201 201 403",
        school_staff="403 403 403",
        viewer="403 403 403",
        viewer_region="403 403 403",
    ),
    # Closing a school is not for school staff.
    "archive": row(
        admin="200 200 200",
        region_admin="200 200 404",
        school_staff="403 403 403",
        viewer="403 403 403",
        viewer_region="403 403 403",
    ),
    # Moving a school to another county: out of a region admin's subtree is refused.
    "move": row(
        admin="200 200 200",
        region_admin="403 403 404",
        school_staff="403 404 404",
        viewer="403 403 403",
        viewer_region="403 403 403",
    ),
    "recode": row(
        admin="200 200 200",
        region_admin="200 200 404",
        school_staff="403 404 404",
        viewer="403 403 403",
        viewer_region="403 403 403",
    ),
}


def child_table(delete_ok: str) -> dict[str, dict[str, tuple[str, ...]]]:
    return {
        "list": SEEN,
        "list-of-school": READ,
        "filter-by-school": FILTER,
        "get": READ,
        "update": write("200"),
        "create": write("201"),
        "delete": write(delete_ok),
    }


def everyone(outcome: str) -> dict[str, tuple[str, ...]]:
    return row(**{role: outcome for role in ROLES})


def admin_only(ok: str) -> dict[str, tuple[str, ...]]:
    return row(**{role: ok if role == "admin" else "403" for role in ROLES})


CREDENTIAL_TABLE = {
    "list": everyone("+"),
    "get": everyone("200"),
    "update": admin_only("200"),
    "create": admin_only("201"),
    "delete": admin_only("204"),
}
REGION_TABLE = {
    "list": everyone("+ +"),
    "get": everyone("200 200"),
    "school-types": everyone("200 200"),
    "school-type": everyone("200 200"),
    "update": row(**{r: "200 200" if r == "admin" else "403 403" for r in ROLES}),
    "create": row(**{r: "201 409" if r == "admin" else "403 403" for r in ROLES}),
    "delete": row(**{r: "204 404" if r == "admin" else "403 403" for r in ROLES}),
}
CHANGE_TABLE = {
    # in, sibling, out, global (records that belong to no school: admins only)
    "list": row(
        admin="+ + + +",
        region_admin="+ + - -",
        school_staff="+ - - -",
        viewer="+ + + -",
        viewer_region="+ + - -",
    ),
    "filter-by-object": row(
        admin="1 1 1 1",
        region_admin="1 1 0 0",
        school_staff="1 0 0 0",
        viewer="1 1 1 0",
        viewer_region="1 1 0 0",
    ),
}
USER_TABLE = {
    "me": everyone("200 200"),
    "my-tokens": everyone("200 200"),
    "list": row(**{r: "200 200" if r == "admin" else "403 403" for r in ROLES}),
    "get": row(**{r: "200 200" if r == "admin" else "200 403" for r in ROLES}),
    "tokens-of": row(**{r: "200 200" if r == "admin" else "200 403" for r in ROLES}),
    "create-my-token": everyone("201 201"),
    "create-token-for": row(**{r: "201 201" if r == "admin" else "201 403" for r in ROLES}),
    "create": row(**{r: "201 201" if r == "admin" else "403 403" for r in ROLES}),
    "update": row(**{r: "200 200" if r == "admin" else "403 403" for r in ROLES}),
    "revoke-via-me": everyone("204 404"),
    "revoke-via-user": row(**{r: "204 204" if r == "admin" else "204 403" for r in ROLES}),
}


@dataclass(frozen=True)
class Group:
    targets: tuple[str, ...]
    ops: Callable[[str], dict[str, Run]]  # role → operations, in the order they run
    table: dict[str, dict[str, tuple[str, ...]]]


GROUPS: dict[str, Group] = {
    "schools": Group(SCHOOL_TARGETS, lambda role: SCHOOL_OPS, SCHOOL_TABLE),
    "classrooms": Group(SCHOOL_TARGETS, lambda role: child_ops("classrooms"), child_table("200")),
    "campus-networks": Group(
        SCHOOL_TARGETS, lambda role: child_ops("campus-networks"), child_table("204")
    ),
    "links": Group(SCHOOL_TARGETS, lambda role: child_ops("links"), child_table("200")),
    "devices": Group(SCHOOL_TARGETS, lambda role: child_ops("devices"), child_table("204")),
    "credentials": Group(("any",), lambda role: CREDENTIAL_OPS, CREDENTIAL_TABLE),
    "regions": Group(("in", "out"), lambda role: REGION_OPS, REGION_TABLE),
    "changes": Group((*SCHOOL_TARGETS, "global"), lambda role: CHANGE_OPS, CHANGE_TABLE),
    "users": Group(("self", "other"), user_ops, USER_TABLE),
}


def test_every_group_has_a_full_table() -> None:
    for name, group in GROUPS.items():
        ops = group.ops("admin")
        assert set(ops) == set(group.table), name
        for op, expected in group.table.items():
            assert set(expected) == set(ROLES), (name, op)
            for role, outcomes in expected.items():
                assert len(outcomes) == len(group.targets), (name, op, role)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("group_name", list(GROUPS))
def test_permission_matrix(app: Flask, engine: Engine, group_name: str, role: str) -> None:
    world = build_world(engine, app.extensions["digicampus"].secret_box)
    client = ApiClient(app.test_client(), world.token[role])
    group = GROUPS[group_name]
    mismatches = []
    for op, run in group.ops(role).items():
        for target, expected in zip(group.targets, group.table[op][role], strict=True):
            got = run(client, world, target)
            if got != expected:
                last = client.responses[-1]
                mismatches.append(
                    f"{op} {target}: expected {expected}, got {got} "
                    f"({last.request.method} {last.request.path}: {last.get_data(as_text=True)[:200]})"
                )
    assert not mismatches, "\n".join(mismatches)


def test_writes_refused_by_scope_change_nothing(app: Flask, engine: Engine) -> None:
    """After every refused write of a county admin and school staff, B is as it was."""
    world = build_world(engine, app.extensions["digicampus"].secret_box)

    def state() -> list[Any]:
        with engine.connect() as conn:
            return conn.execute(
                sa.select(ChangeRecord.action, ChangeRecord.object_type, ChangeRecord.object_id)
                .where(ChangeRecord.school_id == world.school_id["out"])
                .order_by(ChangeRecord.id)
            ).all()

    before = state()
    for role in ("region_admin", "school_staff", "viewer_region"):
        client = ApiClient(app.test_client(), world.token[role])
        for group in ("classrooms", "campus-networks", "links", "devices"):
            for op in ("update", "create", "delete"):
                child_ops(group)[op](client, world, "out")
        for op in ("update", "archive", "move", "recode"):
            SCHOOL_OPS[op](client, world, "out")
    assert state() == before
