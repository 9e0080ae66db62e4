"""Bearer-token authentication, and the public API description and docs page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy.engine import Engine

from inventory.actor import Actor
from inventory.choices import UserRole
from inventory.db import make_sessionmaker
from inventory.models import ApiToken, User
from inventory.models.base import utcnow
from inventory.services import accounts
from tests.conftest import ApiClient, make_token


def test_no_token_is_401_with_challenge(anon: ApiClient) -> None:
    response = anon.get("/api/v1/schools")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "bearer token" in response.json["message"]


@pytest.mark.parametrize(
    "header",
    [
        "Basic YWRtaW46YWRtaW4=",
        "Bearer",
        "Bearer   ",
        "Bearer dc_not-a-real-token",
        "Bearer " + "x" * 5000,
    ],
)
def test_bad_authorization_headers_are_401(anon: ApiClient, header: str) -> None:
    response = anon.get("/api/v1/schools", headers={"Authorization": header})
    assert response.status_code == 401


def test_a_valid_token_identifies_its_user(api: ApiClient) -> None:
    me = api.get("/api/v1/users/me")
    assert me.status_code == 200
    assert me.json["name"] == "admin"
    assert me.json["role"] == "admin"


def _set_token(engine: Engine, **values: object) -> None:
    with make_sessionmaker(engine)() as db, db.begin():
        for token in db.query(ApiToken):
            for key, value in values.items():
                setattr(token, key, value)


def test_revoked_token_fails_on_the_next_request(api: ApiClient, engine: Engine) -> None:
    assert api.get("/api/v1/users/me").status_code == 200
    _set_token(engine, revoked_at=utcnow())
    assert api.get("/api/v1/users/me").status_code == 401


def test_expired_token_fails(api: ApiClient, engine: Engine) -> None:
    _set_token(engine, expires_at=utcnow() - timedelta(seconds=1))
    assert api.get("/api/v1/users/me").status_code == 401


def test_disabled_user_is_refused(api: ApiClient, engine: Engine) -> None:
    with make_sessionmaker(engine)() as db, db.begin():
        db.query(User).update({"is_active": False})
    assert api.get("/api/v1/users/me").status_code == 401


def test_tokens_are_stored_hashed(engine: Engine) -> None:
    with make_sessionmaker(engine)() as db, db.begin():
        system = Actor.system("tests")
        user = accounts.create_user(db, system, "bob", UserRole.VIEWER)
        issued = accounts.issue_token(db, system, user)
    with make_sessionmaker(engine)() as db:
        stored = db.query(ApiToken).one()
        assert stored.token_hash == accounts.hash_token(issued.secret)
        assert issued.secret not in {stored.token_hash, stored.prefix}
        assert accounts.authenticate(db, issued.secret) is not None


def test_viewer_can_read_but_not_write(app: Flask, engine: Engine) -> None:
    viewer = ApiClient(app.test_client(), make_token(engine, "viewer", UserRole.VIEWER))
    assert viewer.get("/api/v1/schools").status_code == 200
    response = viewer.post("/api/v1/schools", json={"code": "2153010001"})
    assert response.status_code in (403, 422)  # validation may answer first: nothing is written
    valid = {
        "code": "2153010001",
        "name": "x",
        "type_code": "211",
        "region_code": "532301",
    }
    response = viewer.post("/api/v1/schools", json=valid)
    assert response.status_code == 403
    assert viewer.get("/api/v1/schools").json["count"] == 0


def test_openapi_document_is_public_and_declares_bearer_auth(anon: ApiClient) -> None:
    spec = anon.get("/api/v1/openapi.json")
    assert spec.status_code == 200
    assert spec.json["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert spec.json["security"] == [{"bearerAuth": []}]
    assert "/api/v1/schools/{code}" in spec.json["paths"]


def test_docs_page_uses_only_local_assets(anon: ApiClient) -> None:
    page = anon.get("/api/v1/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert len(assets) >= 3
    for asset in assets:
        assert asset.startswith("/"), f"{asset} is not served by the app"
        response = anon.get(asset)
        response.close()  # static files are streamed from disk
        assert response.status_code == 200, asset
    assert "<script>" not in html  # no inline script: a strict CSP can allow the page
