"""Bearer-token authentication for ``/api/v1``; the resolved actor lives on ``g``."""

from __future__ import annotations

from flask import Flask, g, request
from flask_smorest import abort

from api import runtime
from inventory.actor import Actor
from inventory.services import account_cases

API_PREFIX = "/api/v1/"
# The API description and its docs page are public, so that a client can discover the API.
PUBLIC = ("/api/v1/openapi.json", "/api/v1/docs")


def init_app(app: Flask) -> None:
    """Check the bearer token of every API request before the view runs."""
    app.before_request(_authenticate)


def _authenticate() -> None:
    path = request.path
    if not path.startswith(API_PREFIX) or path.startswith(PUBLIC):
        return
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    actor = None
    if scheme.lower() == "bearer" and secret.strip():
        actor = account_cases.authenticate(runtime.uow(), secret.strip())
    if actor is None:
        abort(
            401,
            message="a valid bearer token is required (Authorization: Bearer <token>)",
            headers={"WWW-Authenticate": 'Bearer realm="digicampus"'},
        )
    g.actor = actor


def current_actor() -> Actor:
    """The actor of this request (set by the token check)."""
    actor: Actor = g.actor
    return actor
