"""Hostile values for the fuzzing step (.ci/fuzz_api.py loads this through SCHEMATHESIS_HOOKS).

Schemathesis generates what the OpenAPI document allows, and the document cannot say "not a
lone surrogate". These hooks put, in about half of the generated cases, one hostile value in
place of a value that fits: lone surrogates, control characters, NUL, oversized strings and
deep nesting in JSON bodies (keys included); control characters and oversized values in the
query and the path. Every answer must still be a documented status, never a 5xx.
"""

from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import strategies as st

# In JSON a lone surrogate travels as an escape ("\ud800"), which json.dumps writes.
JSON_TEXT = (
    "a\ud800b",
    "\udfff",
    "\ud83d",  # the high half of an emoji, its partner lost
    "a\x00b",
    "\x01\x08\x1b[31m\x7f",
    "\u202eevil\u200b\ufeff",
    "x" * 1_000_000,
)
URL_TEXT = ("a\x00b", "\x01\x1b\x7f", "\u202e\ufeff", "9" * 5_000)  # 5 KB: past the 4 KB line


def _nested(levels: int) -> list[Any]:
    value: list[Any] = []
    for _ in range(levels):
        value = [value]
    return value


# Past the app's MAX_JSON_DEPTH (32), and well inside what json.dumps itself can write.
DEEP = (_nested(40), _nested(600))
HOSTILE_JSON = st.sampled_from(JSON_TEXT + DEEP)


def _slots(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Paths of every value inside a JSON document (the document itself included)."""
    slots = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            slots += _slots(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            slots += _slots(item, (*path, index))
    return slots


def _replace(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        return {k: _replace(v, rest, new) if k == head else v for k, v in value.items()}
    return [_replace(v, rest, new) if i == head else v for i, v in enumerate(value)]


def _is_json(context: Any) -> bool:
    operation = getattr(context, "operation", None)
    bodies = getattr(operation, "body", None) or ()
    return any("json" in str(getattr(body, "media_type", "")) for body in bodies)


@st.composite
def _spoiled_json(draw: Any, body: Any) -> Any:
    slots = _slots(body)
    path = slots[draw(st.integers(0, len(slots) - 1))]
    if draw(st.booleans()) and isinstance(body, dict):
        return {**body, draw(st.sampled_from(JSON_TEXT[:5])): 1}  # a hostile key
    return _replace(body, path, draw(HOSTILE_JSON))


@schemathesis.hook
def flatmap_body(context: Any, body: Any) -> Any:
    """Half the JSON bodies carry one hostile value or key."""
    if not _is_json(context) or not isinstance(body, dict | list):
        return st.just(body)
    return st.one_of(st.just(body), _spoiled_json(body))


@st.composite
def _spoiled_params(draw: Any, params: dict[str, Any]) -> dict[str, Any]:
    name = draw(st.sampled_from(sorted(params)))
    return {**params, name: draw(st.sampled_from(URL_TEXT))}


@schemathesis.hook
def flatmap_query(context: Any, query: Any) -> Any:
    """Half the queries carry one hostile value."""
    if not isinstance(query, dict) or not query:
        return st.just(query)
    return st.one_of(st.just(query), _spoiled_params(query))


@schemathesis.hook
def flatmap_path_parameters(context: Any, path_parameters: Any) -> Any:
    """Half the paths carry one hostile segment."""
    if not isinstance(path_parameters, dict) or not path_parameters:
        return st.just(path_parameters)
    return st.one_of(st.just(path_parameters), _spoiled_params(path_parameters))
