"""The Flask app factory: the REST API, pages, auth and operations around one runtime.

The one place that knows both the API (api/) and the pages built on it (dashboards/): neither
imports this package (layer contract in .importlinter).
"""

from __future__ import annotations

from typing import Any

from flask import Flask

import dashboards
from api import (
    auth,
    commands_web,
    config,
    docs,
    edge,
    errors,
    health,
    metrics,
    request_log,
    resources,
    runtime,
    security,
    spec,
)
from api.bootstrap import bootstrap
from api.instance import instance_dir


def create_app(test_config: dict[str, Any] | None = None, *, production: bool = False) -> Flask:
    """Build the app; ``test_config`` replaces the instance file and environment.

    ``production`` (web/wsgi.py, for gunicorn) insists on explicit keys and database.
    Raises ``config.ConfigError`` with one line per missing or bad setting.
    """
    app = Flask(
        __name__,
        static_folder=docs.STATIC_FOLDER,
        instance_path=str(instance_dir()),
        instance_relative_config=True,
    )
    settings = config.load(app, test_config, production)
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.json.ensure_ascii = False  # type: ignore[attr-defined]  # Chinese stays readable
    runtime.init_app(app, bootstrap(settings))
    errors.init_app(app)
    request_log.init_app(app)  # before auth: refused requests are logged too
    edge.init_app(app)  # before auth and every view: input nothing downstream can handle
    auth.init_app(app)
    commands_web.init_app(app)
    resources.register(spec.make_api(app))
    docs.init_app(app)
    security.init_app(app)
    dashboards.init_app(app)
    health.init_app(app)
    metrics.init_app(app)
    return app
