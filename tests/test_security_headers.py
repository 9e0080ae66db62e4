"""Security headers on every kind of response: API, errors, the docs, pages, static files."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import ApiClient

EXPECTED = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


def directives(csp: str) -> dict[str, list[str]]:
    parsed = {}
    for part in csp.split(";"):
        name, *sources = part.split()
        parsed[name] = sources
    return parsed


def assert_hardened(response: object, path: str) -> None:
    headers = response.headers  # type: ignore[attr-defined]
    for name, value in EXPECTED.items():
        assert headers.get(name) == value, f"{name} on {path}"
    csp = directives(headers["Content-Security-Policy"])
    assert csp["script-src"] == ["'self'"], path  # no inline script, no eval, no CDN
    assert csp["default-src"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["base-uri"] == ["'self'"]
    assert csp["form-action"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert "'unsafe-inline'" not in csp["script-src"] and "'unsafe-eval'" not in csp["script-src"]


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/api/v1/schools", 200),
        ("/api/v1/schools/0000000000", 404),
        ("/api/v1/users/me", 200),
        ("/api/v1/openapi.json", 200),
        ("/api/v1/docs", 200),
        ("/api/v1/docs/assets/swagger-ui.css", 200),
        ("/static/docs-init.js", 200),
        ("/login", 200),
        ("/login?lang=en", 200),
        ("/", 302),
        ("/admin/users", 302),
        ("/ui/static/account.css", 200),
        ("/no-such-page", 404),
    ],
)
def test_every_response_carries_the_headers(api: ApiClient, path: str, status: int) -> None:
    response = api.get(path)
    response.close()
    assert response.status_code == status, path
    assert_hardened(response, path)


def test_error_and_refusal_responses_carry_them_too(app: Flask, anon: ApiClient) -> None:
    assert_hardened(anon.get("/api/v1/schools"), "401")
    refused = app.test_client().post("/logout", data={})
    assert refused.status_code == 400
    assert_hardened(refused, "CSRF refusal")
    assert_hardened(anon.post("/api/v1/schools", data="{", content_type="application/json"), "400")


def test_data_is_not_cached_but_static_files_may_be(api: ApiClient) -> None:
    assert api.get("/api/v1/schools").headers["Cache-Control"] == "no-store"
    assert api.get("/login").headers["Cache-Control"] == "no-store"
    asset = api.get("/ui/static/account.css")
    asset.close()
    assert "no-store" not in asset.headers.get("Cache-Control", "")


@pytest.mark.parametrize("path", ["/login", "/login?lang=en", "/api/v1/docs"])
def test_pages_have_no_inline_script_or_handlers(app: Flask, path: str) -> None:
    client: FlaskClient = app.test_client()
    html = client.get(path).get_data(as_text=True)
    for tag in re.findall(r"<script[^>]*>", html):
        assert "src=" in tag, f"inline script on {path}"
    assert not re.search(r"\son[a-z]+\s*=", html), f"inline event handler on {path}"
    assert "javascript:" not in html
    for url in re.findall(r'(?:src|href)="([^"]+)"', html):
        assert url.startswith("/"), f"{url} is not served by the app"
