"""One log line per request: request id (also answered as X-Request-ID), method, path, status,
duration and user id; as text or as JSON (``LOG_FORMAT``).

Never logged: headers, bodies and query strings (a token or a password can be in any of
them). The path is logged as routed; ids in it are not secret.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from typing import Any

from flask import Flask, Response, g, request

from api import logs, metrics
from api.logs import JsonFormatter

__all__ = ["JsonFormatter", "configure_logging", "init_app"]

log = logging.getLogger("digicampus.request")
# A caller's id is kept only if it is plainly an id: it goes into every log line.
CLIENT_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")
CONTROL = re.compile(r"[\x00-\x1f\x7f]")  # a path with a newline must not forge a log line


def configure_logging(app: Flask, stream: Any = None) -> None:
    """Send every log record to stderr (or ``stream``) as the app's settings say (api/logs.py)."""
    logs.configure(app.config, stream)


def _start() -> None:
    g.request_started = time.perf_counter()
    given = request.headers.get("X-Request-ID", "")
    g.request_id = given if CLIENT_REQUEST_ID.fullmatch(given) else uuid.uuid4().hex


def _finish(response: Response) -> Response:
    started = g.pop("request_started", None)
    if started is None:  # a request that failed before our first hook ran
        return response
    seconds = time.perf_counter() - started
    request_id: str = g.get("request_id", "")
    response.headers["X-Request-ID"] = request_id
    actor = g.get("actor")
    user_id = actor.user_id if actor is not None else None
    rule = request.url_rule.rule if request.url_rule is not None else "<unmatched>"
    metrics.observe_request(request.method, rule, response.status_code, seconds)
    path = CONTROL.sub("?", request.path)
    fields = {
        "request_id": request_id,
        "method": request.method,
        "path": path,
        "status": response.status_code,
        "duration_ms": round(seconds * 1000, 2),
        "user_id": user_id,
    }
    log.info(
        "%s %s %s %.1fms user=%s id=%s",
        request.method,
        path,
        response.status_code,
        seconds * 1000,
        user_id if user_id is not None else "-",
        request_id,
        extra=fields,
    )
    return response


def init_app(app: Flask) -> None:
    """Time every request, give it an id, log it when it ends; outside tests, send every
    process's log records (web workers, ``digicampus collect``, …) to stderr as configured."""
    app.before_request(_start)
    app.after_request(_finish)
    if not app.testing:
        configure_logging(app)
