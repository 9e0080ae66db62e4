"""No input makes a 500: every operation of the OpenAPI document gets hostile values in every
body field and query parameter, and must answer with a JSON error (or success), never 5xx."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.conftest import ApiClient, school_data

HOSTILE: list[Any] = [
    None,
    "",
    "   ",
    "\x00",
    "\u202e\ufeff",
    "x" * 5000,
    -1,
    0,
    2**31,
    2**63,
    1.5,
    float("1e308"),
    True,
    [],
    {},
    "2024-02-30",
    "9999-99-99T99:99:99",
    "../../etc/passwd",
    "' OR 1=1 --",
]
HOSTILE_QUERY = [
    "",
    "\x00",
    "-1",
    "0",
    "99999999999999999999",
    "abc",
    "2024-13-45",
    ",,,",
    "%",
    "-",
]
HOSTILE_BODIES = ["{", "[]", '"x"', "null", "1e999", '{"a": ' * 200 + "1" + "}" * 200]


def _operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    order = {"get": 0, "post": 1, "patch": 2, "delete": 3}
    ops = [
        (path, method, op)
        for path, methods in spec["paths"].items()
        for method, op in methods.items()
        if method in order
    ]
    return sorted(ops, key=lambda item: (order[item[1]], item[0]))


def _body_properties(spec: dict[str, Any], op: dict[str, Any]) -> list[str]:
    schema = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
    if not schema:
        return []
    if "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return list(schema.get("properties", {}))


def _check(response: Any, what: str) -> None:
    assert response.status_code < 500, f"{what} -> {response.status_code}: {response.data[:300]!r}"
    if response.status_code >= 400:
        assert response.is_json and response.json["message"], what


@pytest.mark.parametrize("existing", [True, False], ids=["existing-objects", "missing-objects"])
def test_hostile_input_never_causes_a_server_error(api: ApiClient, existing: bool) -> None:
    school = api.post("/api/v1/schools", json=school_data()).json
    spec = api.get("/api/v1/openapi.json").json
    operations = _operations(spec)
    assert len(operations) >= 10
    sent = 0
    for path, method, op in operations:
        url = re.sub(r"\{code\}", school["code"] if existing else "0000000000", path)
        url = re.sub(r"\{(\w*_id|id)\}", "1" if existing else str(2**31 - 1), url)
        if "{" in url:
            url = re.sub(r"\{\w+\}", "532301" if existing else "999999", url)
        call = getattr(api, method)
        for param in [p["name"] for p in op.get("parameters", []) if p["in"] == "query"]:
            for value in HOSTILE_QUERY:
                _check(call(url, query_string={param: value}), f"{method} {url} ?{param}={value!r}")
                sent += 1
        if "requestBody" in op:
            for raw in HOSTILE_BODIES:
                _check(
                    call(url, data=raw, headers={"Content-Type": "application/json"}),
                    f"{method} {url} body {raw[:20]!r}",
                )
                sent += 1
            for prop in _body_properties(spec, op):
                for value in HOSTILE:
                    _check(call(url, json={prop: value}), f"{method} {url} {prop}={value!r}")
                    sent += 1
        else:
            _check(call(url), f"{method} {url}")
            sent += 1
    assert sent > 200
