"""Defences at the edge, once for every route, before any view or schema sees the request.

- A JSON body nested deeper than ``MAX_JSON_DEPTH`` is refused (413) before it is parsed: the
  parser recurses per level, and ~1,000 levels ended in RecursionError (a 500).
- Text that cannot be stored is refused with 422 naming where it came from: a lone surrogate
  (``"a\\ud800b"`` in JSON decodes to one; no encoder accepts it), a NUL character (PostgreSQL
  text and jsonb reject it), or bytes that are not UTF-8 in the path, query or a form (Werkzeug
  would quietly turn them into U+FFFD). Checked in JSON bodies (keys and values, at any
  depth), forms, query parameters and the path.
- A body larger than ``MAX_CONTENT_LENGTH`` is 413, chunked or not: it is read here, once, so
  the limit bites before a parser can mistake a cut-off body for malformed JSON.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote_to_bytes

from flask import Flask, current_app, request
from flask_smorest import abort
from werkzeug.exceptions import RequestEntityTooLarge

BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# A JSON string (escapes included) or one bracket: strings are skipped whole, so brackets
# inside them do not count.
_JSON_TOKENS = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')
_OPENERS = frozenset(b"[{")
NUL_MESSAGE = "must not contain control characters (U+0000 cannot be stored)"


def init_app(app: Flask) -> None:
    """Check every request's path, query and body before authentication and the view."""
    app.before_request(check_request)


def check_request() -> None:
    """Refuse the request (413 or 422, the JSON error shape) if its input cannot be handled."""
    problems: dict[str, list[str]] = {}
    problems.update(_raw_pairs_problems(request.environ.get("QUERY_STRING", "")))
    path_bytes = request.environ.get("PATH_INFO", "").encode("latin-1", "replace")
    if _not_utf8(path_bytes):
        problems["path"] = ["is not valid UTF-8"]
    for name, value in (request.view_args or {}).items():
        if isinstance(value, str) and (why := text_problem(value)):
            problems[name] = [why]
    for name, value in request.args.items(multi=True):
        if why := text_problem(value):
            problems.setdefault(name, [why])
    if request.method in BODY_METHODS:
        problems.update(_body_problems())
    if problems:
        names = ", ".join(sorted(problems))
        abort(422, message=f"invalid input: {names}", errors=problems)


def text_problem(text: str) -> str | None:
    """Why this text cannot be stored, or None (for error messages: never quotes the text)."""
    if text.isascii():
        return NUL_MESSAGE if "\x00" in text else None
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        return f"holds a character that cannot be encoded (U+{ord(exc.object[exc.start]):04X})"
    return NUL_MESSAGE if "\x00" in text else None


def _not_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


def _raw_pairs_problems(encoded: str) -> dict[str, list[str]]:
    """``a=b&c=d`` as sent: names of the pairs whose bytes are not UTF-8."""
    problems: dict[str, list[str]] = {}
    if encoded.isascii() and "%" not in encoded:
        return problems
    raw = encoded.encode("latin-1", "replace")
    for pair in raw.split(b"&"):
        key, _, value = pair.partition(b"=")
        name = unquote_to_bytes(key.replace(b"+", b" "))
        field = name.decode("utf-8", "replace") or "_query"
        if _not_utf8(name) or _not_utf8(unquote_to_bytes(value.replace(b"+", b" "))):
            problems[field] = ["is not valid UTF-8"]
    return problems


def _read_body() -> bytes:
    """The whole body, cached for the parsers; 413 past MAX_CONTENT_LENGTH even when chunked.

    Werkzeug stops reading a chunked body at the limit without a word, and the cut-off body
    then looked like malformed JSON (400).
    """
    limit = request.max_content_length
    try:
        data = request.get_data(cache=True)  # raises if Content-Length says too long
        if request.content_length is None and limit is not None and len(data) >= limit:
            request.stream.read(1)  # raises if anything is left
    except RequestEntityTooLarge:
        abort(413, message=f"the request body is larger than {limit} bytes")
    return data


def _body_problems() -> dict[str, list[str]]:
    data = _read_body()
    if request.is_json:
        depth = current_app.config["MAX_JSON_DEPTH"]
        if json_too_deep(data, depth):
            abort(413, message=f"the JSON body is nested deeper than {depth} levels")
        return dict(json_text_problems(request.get_json(silent=True)))
    problems: dict[str, list[str]] = {}
    if request.mimetype == "application/x-www-form-urlencoded":
        problems = _raw_pairs_problems(data.decode("latin-1"))
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        for name, value in request.form.items(multi=True):
            if why := text_problem(value):
                problems.setdefault(name, [why])
    return problems


def json_too_deep(data: bytes, limit: int) -> bool:
    """Whether brackets nest deeper than ``limit`` anywhere in this (maybe malformed) JSON."""
    if data.count(b"[") + data.count(b"{") <= limit:
        return False  # too few brackets to nest that deep: no need to scan
    depth = 0
    for match in _JSON_TOKENS.finditer(data):
        char = match.group()[0]
        if char in _OPENERS:
            depth += 1
            if depth > limit:
                return True
        elif char != ord('"'):
            depth -= 1
    return False


def json_text_problems(document: Any) -> Iterator[tuple[str, list[str]]]:
    """``(field, [why])`` for each key or string value that cannot be stored, walked without
    recursion; a field is named by its path (``schools.0``), the body itself ``_body``."""
    stack: list[tuple[str, Any]] = [("", document)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            if why := text_problem(value):
                yield path or "_body", [why]
        elif isinstance(value, dict):
            for key, item in value.items():
                child = f"{path}.{key}" if path else str(key)
                if why := text_problem(key):
                    yield f"{path}.<key>" if path else "_body.<key>", [f"a key {why}"]
                    child = f"{path}.<key>" if path else "<key>"
                stack.append((child, item))
        elif isinstance(value, list):
            stack.extend(
                (f"{path}.{index}" if path else str(index), item)
                for index, item in enumerate(value)
            )
