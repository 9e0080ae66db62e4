"""Browser-facing hardening: security headers on every response, the session cookie's flags,
CSRF tokens for every form, and the clock logins are timed by.

The API authenticates with bearer tokens only (never the session cookie), so a cross-site
request cannot act through it; forms of the pages carry a CSRF token instead.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from datetime import datetime
from html import escape

from flask import Flask, Response, current_app, request, session
from flask.sessions import SecureCookieSessionInterface

from inventory.models.base import utcnow

API_PREFIX = "/api/v1/"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CSRF_FIELD = "csrf_token"
CSRF_SESSION_KEY = "csrf"

# No inline script anywhere (the docs page loads its init script from a file). Swagger UI
# sets style attributes, hence 'unsafe-inline' for styles only; its icons are data: images.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "form-action 'self'",
    )
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, marked Secure whenever the request came over HTTPS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure


def now() -> datetime:
    """The current time for logins and sessions; tests set ``app.config["CLOCK"]``."""
    clock: Callable[[], datetime] | None = current_app.config.get("CLOCK")
    return clock() if clock is not None else utcnow()


def csrf_token() -> str:
    """This session's CSRF token, created on first use (templates: ``{{ csrf_token() }}``)."""
    token = session.get(CSRF_SESSION_KEY)
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        session[CSRF_SESSION_KEY] = token
    return token


def new_csrf_token() -> str:
    """Replace the session's CSRF token (on login: a new session, a new token)."""
    session.pop(CSRF_SESSION_KEY, None)
    return csrf_token()


def _csrf_ok() -> bool:
    expected = session.get(CSRF_SESSION_KEY)
    given = request.form.get(CSRF_FIELD, "")
    if not isinstance(expected, str) or not expected or not given:
        return False
    return hmac.compare_digest(expected.encode(), given.encode())


def _check_csrf() -> Response | None:
    """Refuse an unsafe request to a page unless its form carries the session's token."""
    if request.method not in UNSAFE_METHODS or request.path.startswith(API_PREFIX):
        return None
    if _csrf_ok():
        return None
    lang_en = request.args.get("lang") == "en"
    message = (
        "The form has expired or did not come from this site. Go back, reload it and try again."
        if lang_en
        else "表单已过期或并非来自本站。请返回、刷新页面后重试。"
    )
    html = (
        f'<!doctype html><html lang="{"en" if lang_en else "zh-CN"}"><meta charset="utf-8">'
        f"<title>400</title><p>{escape(message)}</p></html>"
    )
    return Response(html, status=400, mimetype="text/html")


def _add_headers(response: Response) -> Response:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    # Pages and API answers hold inventory data and CSRF tokens: no shared or disk caching.
    endpoint = request.endpoint or ""
    if not endpoint.endswith("static"):
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def init_app(app: Flask) -> None:
    """Session cookie flags, CSRF check before every page form, headers after every response."""
    app.session_interface = SessionInterface()
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    if not app.config.get("SESSION_COOKIE_SAMESITE"):
        app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.before_request(_check_csrf)
    app.after_request(_add_headers)
    app.jinja_env.globals["csrf_token"] = csrf_token
