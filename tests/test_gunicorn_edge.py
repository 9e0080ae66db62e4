"""Errors produced before Flask — by gunicorn itself — and around it are the JSON error shape,
checked with a real gunicorn on loopback and raw sockets (issue 14, finding 9)."""

from __future__ import annotations

import json
import signal
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.test_gunicorn import call, free_port, gunicorn, gunicorn_env

CHUNK = b"a" * 65536


def exchange(port: int, head: bytes, chunks: int = 0) -> tuple[int, dict[str, str], Any]:
    """Send ``head`` (and that many 64 KiB chunks of a chunked body, from a thread, while the
    answer is read), return status, headers and the decoded JSON body."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(head)

        def send_body() -> None:
            try:
                for _ in range(chunks):
                    sock.sendall(b"%x\r\n%s\r\n" % (len(CHUNK), CHUNK))
                sock.sendall(b"0\r\n\r\n")
            except OSError:
                pass  # the server answered and closed before the whole body was sent

        sender = threading.Thread(target=send_body)
        if chunks:
            sender.start()
        data = b""
        while b"\r\n\r\n" not in data or len(data.split(b"\r\n\r\n", 1)[1]) < _length(data):
            piece = sock.recv(65536)
            if not piece:
                break
            data += piece
        if chunks:
            sender.join(timeout=60)
    head_text, _, body = data.partition(b"\r\n\r\n")
    lines = head_text.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    headers = {name.lower(): value for name, value in headers.items()}
    return int(lines[0].split()[1]), headers, json.loads(body[: _length(data)])


def _length(data: bytes) -> int:
    for line in data.split(b"\r\n\r\n", 1)[0].split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            return int(line.split(b":", 1)[1])
    return 1 << 30


def assert_shape(status: int, headers: dict[str, str], body: Any, expected: int) -> None:
    assert status == expected, body
    assert headers["content-type"] == "application/json"
    assert body["code"] == expected and body["status"] and body["message"]
    assert set(body) <= {"code", "status", "message", "errors"}


def test_a_request_line_over_4_kb_is_a_json_414(port: int) -> None:
    head = b"GET /api/v1/schools?q=" + b"a" * 5000 + b" HTTP/1.1\r\nHost: x\r\n\r\n"
    status, headers, body = exchange(port, head)
    assert_shape(status, headers, body, 414)
    assert body["message"] == "the request line (method, path and query) is too long"


@pytest.mark.parametrize(
    "extra",
    [b"X-Big: " + b"a" * 9000 + b"\r\n", b"".join(b"X-%d: 1\r\n" % n for n in range(120))],
    ids=["a header over 8 KB", "120 headers"],
)
def test_headers_too_large_or_too_many_are_a_json_431(port: int, extra: bytes) -> None:
    head = b"GET /api/v1/schools HTTP/1.1\r\nHost: x\r\n" + extra + b"\r\n"
    status, headers, body = exchange(port, head)
    assert_shape(status, headers, body, 431)


def test_a_malformed_request_is_a_json_400(port: int) -> None:
    status, headers, body = exchange(port, b"GET /\x01 NOT-HTTP\r\n\r\n")
    assert_shape(status, headers, body, 400)


def test_a_50_mb_chunked_body_is_a_json_413(port: int) -> None:
    head = (
        b"POST /api/v1/schools HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n"
    )
    # 800 chunks of 64 KiB: 50 MiB, past the 16 MiB MAX_CONTENT_LENGTH.
    status, headers, body = exchange(port, head, chunks=800)
    assert_shape(status, headers, body, 413)
    assert body["message"] == f"the request body is larger than {16 * 1024 * 1024} bytes"


def test_a_path_that_is_not_utf8_is_a_json_422(port: int) -> None:
    head = b"GET /api/v1/schools/%ED%A0%80 HTTP/1.1\r\nHost: x\r\n\r\n"
    status, headers, body = exchange(port, head)
    assert_shape(status, headers, body, 422)
    assert body["errors"] == {"path": ["is not valid UTF-8"]}


def serve(database_url: str, work: Path) -> Iterator[int]:
    """One gunicorn worker on a free loopback port, for as long as the caller needs it."""
    port = free_port()
    (work / "metrics").mkdir()
    log = work / "gunicorn.log"
    process = gunicorn(port, gunicorn_env(database_url, work / "metrics"), log, workers=1)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                call(port, "GET", "/login")
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"gunicorn did not start:\n{log.read_text()}") from None
                time.sleep(0.3)
        yield port
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


@pytest.fixture(scope="module")
def port(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    yield from serve(database_url, tmp_path_factory.mktemp("gunicorn"))


@pytest.fixture
def served_without_database(tmp_path: Path) -> Iterator[int]:
    yield from serve("postgresql+psycopg://postgres@127.0.0.1:1/gone", tmp_path)


def test_a_database_that_cannot_be_reached_is_a_json_503_with_retry_after(
    served_without_database: int,
) -> None:
    status, headers, body = call(
        served_without_database, "GET", "/api/v1/schools", token="dc_" + "x" * 43
    )
    error = json.loads(body)
    assert status == 503 and error["code"] == 503 and error["message"]
    assert headers["Retry-After"] == "5" and headers["Content-Type"] == "application/json"
