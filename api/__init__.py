"""digicampus web application: the Flask app factory, REST API, auth and CLI.

Importing ``api`` imports no Flask: the collector process (``digicampus collect``) uses
``api.config``, ``api.bootstrap`` and ``api.cli`` and never builds an app (api/app.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask


def create_app(test_config: dict[str, Any] | None = None, *, production: bool = False) -> Flask:
    """Build the app; ``test_config`` replaces the instance file and environment.

    ``production`` (api/wsgi.py, for gunicorn) insists on explicit keys and database.
    Raises ``config.ConfigError`` with one line per missing or bad setting.
    """
    from api.app import create_app as build

    return build(test_config, production=production)
