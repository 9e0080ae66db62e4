"""One JSON error shape for every failure: ``{code, status, message, errors: {field: [..]}}``."""

from __future__ import annotations

import logging
import sqlite3
from typing import Any

import marshmallow as ma
from flask import Flask, current_app
from flask_smorest import Api as SmorestApi
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import HTTPException, InternalServerError

from inventory.errors import Conflict, DomainError, InvalidInput, NotFound, PermissionDenied

log = logging.getLogger(__name__)

STATUS_OF: dict[type[DomainError], int] = {
    NotFound: 404,
    InvalidInput: 422,
    Conflict: 409,
    PermissionDenied: 403,
}
REASON = {
    400: "Bad Request",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    422: "Unprocessable Entity",
    503: "Service Unavailable",
}
# The database cannot be reached (down, restarting, a connection cut, the pool exhausted):
# the request may succeed later, so 503 with Retry-After rather than 500.
UNAVAILABLE = (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.TimeoutError)
SQLITE_UNAVAILABLE = ("locked", "busy", "unable to open", "disk i/o")


class ErrorSchema(ma.Schema):
    """The body of every error response."""

    code = ma.fields.Integer(metadata={"description": "HTTP status code"})
    status = ma.fields.String(metadata={"description": "HTTP status name"})
    message = ma.fields.String(metadata={"description": "What went wrong, for a person"})
    errors = ma.fields.Dict(
        keys=ma.fields.String(),
        metadata={"description": "Messages per offending field (`_schema`: the whole body)"},
    )


def _flatten(messages: Any) -> dict[str, Any]:
    """webargs nests field errors under their location (json, query); callers want fields."""
    if not isinstance(messages, dict):
        return {"_schema": messages if isinstance(messages, list) else [str(messages)]}
    flat: dict[str, Any] = {}
    for location, errors in messages.items():
        if isinstance(errors, dict):
            flat.update(errors)
        else:
            flat["_body" if location == "json" else location] = errors
    return flat


def _summary(code: int, errors: dict[str, Any]) -> str:
    if code == 400:
        return "the request body is not valid JSON"
    if code == 422 and errors:
        return "invalid input: " + ", ".join(sorted(errors))
    return ""


def body(
    code: int, status: str, message: str, errors: dict[str, Any] | None = None
) -> dict[str, Any]:
    """An error body; ``errors`` is present only when fields are named."""
    payload: dict[str, Any] = {"code": code, "status": status, "message": message}
    if errors:
        payload["errors"] = errors
    return payload


class Api(SmorestApi):
    """flask-smorest's Api with field errors flattened and internals never shown."""

    ERROR_SCHEMA = ErrorSchema

    def handle_http_exception(self, error: HTTPException) -> Any:
        """Render any HTTP error (including unexpected exceptions) as the JSON error body."""
        code = error.code or 500
        if isinstance(error, InternalServerError):
            log.error("unhandled error", exc_info=error.original_exception)
            return body(500, "Internal Server Error", "internal error; it has been logged"), 500
        data = getattr(error, "data", None) or {}
        errors = _flatten(data.get("errors", data.get("messages", {})))
        message = data.get("message") or _summary(code, errors) or error.description or error.name
        return body(code, error.name, message, errors), code, data.get("headers", {})


def _domain_error(error: DomainError) -> Any:
    code = next(status for cls, status in STATUS_OF.items() if isinstance(error, cls))
    return body(code, REASON[code], error.message, error.fields), code


def _integrity_error(error: sa_exc.IntegrityError) -> Any:
    # Services check uniqueness first; this is the loser of a race between two writers.
    log.warning("integrity error: %s", error.orig.__class__.__name__)
    return body(409, "Conflict", "the change conflicts with existing data; reload and retry"), 409


def _data_error(error: sa_exc.DataError) -> Any:
    # Validation should have stopped this; say so rather than answer 500.
    log.warning("database rejected a value: %s", error.orig.__class__.__name__)
    return body(422, "Unprocessable Entity", "a value is out of range for the database"), 422


def _unavailable(error: sa_exc.SQLAlchemyError) -> Any:
    orig = getattr(error, "orig", None)
    if isinstance(orig, sqlite3.OperationalError) and not any(
        words in str(orig).lower() for words in SQLITE_UNAVAILABLE
    ):
        # SQLite files every failure under OperationalError, "no such column" too: a defect.
        log.error("unhandled error", exc_info=error)
        return body(500, "Internal Server Error", "internal error; it has been logged"), 500
    log.error("database unavailable: %s", (orig or error).__class__.__name__)
    retry = str(current_app.config["DB_RETRY_AFTER_S"])
    message = "the database is unavailable for the moment; retry shortly"
    return body(503, REASON[503], message), 503, {"Retry-After": retry}


def init_app(app: Flask) -> None:
    """Map domain and database errors to their JSON responses."""
    for unavailable in UNAVAILABLE:
        app.register_error_handler(unavailable, _unavailable)
    app.register_error_handler(DomainError, _domain_error)
    app.register_error_handler(sa_exc.IntegrityError, _integrity_error)
    app.register_error_handler(sa_exc.DataError, _data_error)
