"""gunicorn workers whose own error answers are the API's JSON error shape.

gunicorn answers some requests before the app sees them — a request line over
``limit_request_line`` (414), too many or too large headers (431), a malformed request (400) —
with a small HTML page. These workers keep gunicorn's judgement (status, logging, access log)
and replace only the page: gunicorn's answer is captured, its status line read, and the JSON
error body written instead.

``web/gunicorn_conf.py`` selects ``JsonErrorSyncWorker``; ``--worker-class
web.gunicorn_worker.JsonErrorThreadWorker`` is the threaded equivalent.
"""

from __future__ import annotations

import json
from typing import Any

from gunicorn import util
from gunicorn.workers.gthread import ThreadWorker
from gunicorn.workers.sync import SyncWorker

MESSAGES = {
    400: "the request is not valid HTTP",
    403: "the request is forbidden",
    414: "the request line (method, path and query) is too long",
    417: "the Expect header cannot be met",
    431: "the request has too many headers or a header is too large",
    500: "internal error; it has been logged",
    501: "the transfer coding is not supported",
}


class _Capture:
    """Stands in for the client socket while gunicorn writes its HTML answer."""

    def __init__(self) -> None:
        self.data = b""

    def gettimeout(self) -> float:
        return 0.0

    def setblocking(self, _flag: int) -> None:
        return None

    def sendall(self, data: bytes) -> None:
        self.data += data


def json_error(status: int, reason: str) -> bytes:
    """A complete HTTP response carrying the JSON error shape."""
    payload: dict[str, Any] = {
        "code": status,
        "status": reason,
        "message": MESSAGES.get(status, reason.lower()),
    }
    body = json.dumps(payload).encode()
    head = (
        f"HTTP/1.1 {status} {reason}\r\n"
        "Connection: close\r\n"
        "Content-Type: application/json\r\n"
        "X-Content-Type-Options: nosniff\r\n"
        "Cache-Control: no-store\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode("latin-1") + body


def _status_of(answer: bytes) -> tuple[int, str]:
    """The status code and reason of gunicorn's captured answer (500 if unreadable)."""
    first = answer.split(b"\r\n", 1)[0].decode("latin-1")
    parts = first.split(" ", 2)
    if len(parts) == 3 and parts[1].isdigit():
        return int(parts[1]), parts[2]
    return 500, "Internal Server Error"


class JsonErrors:
    """Mixin over a gunicorn worker: ``handle_error`` writes JSON instead of HTML."""

    log: Any

    def handle_error(self, req: Any, client: Any, addr: Any, exc: BaseException) -> None:
        capture = _Capture()
        super().handle_error(req, capture, addr, exc)  # type: ignore[misc]
        status, reason = _status_of(capture.data)
        try:
            util.write_nonblock(client, json_error(status, reason))
        except Exception:  # the client is gone; gunicorn does the same
            self.log.debug("Failed to send error message.")


class JsonErrorSyncWorker(JsonErrors, SyncWorker):  # type: ignore[misc]
    """gunicorn's sync worker with JSON error answers."""


class JsonErrorThreadWorker(JsonErrors, ThreadWorker):  # type: ignore[misc]
    """gunicorn's threaded worker with JSON error answers."""
