"""gunicorn settings for digicampus: ``gunicorn -c python:web.gunicorn_conf``.

Command-line options override these (``--workers 8 --bind 0.0.0.0:8000``). The master
checks the configuration once before any worker starts, and empties the metrics directory
of an earlier run's files.
"""

from __future__ import annotations

import sys
from typing import Any

# Module-level names are read as gunicorn settings (``config`` is one): import under others.
from api import config as _config
from api import metrics as _metrics

wsgi_app = "web.wsgi:app"
# gunicorn's own answers (414, 431, 400 before the app is reached) in the JSON error shape.
worker_class = "web.gunicorn_worker.JsonErrorSyncWorker"
bind = "127.0.0.1:8000"
workers = 2
timeout = 60
graceful_timeout = 30
accesslog = None  # the app logs one line per request itself (api/request_log.py)


def _settings() -> Any:
    """The configuration as the workers will see it (instance file, then environment)."""
    try:
        return _config.load_settings(production=True).values
    except _config.ConfigError as exc:
        for problem in exc.problems:
            print(f"digicampus: configuration error: {problem}", file=sys.stderr)
        raise SystemExit(3) from None


def on_starting(server: Any) -> None:
    """Check the configuration; start the metrics directory empty."""
    directory = _settings()["METRICS_DIR"]
    if directory:
        removed = _metrics.clear_directory(directory)
        server.log.info(
            "metrics directory %s: removed %d files of an earlier run", directory, removed
        )
    elif server.cfg.workers > 1:
        server.log.warning(
            "DIGICAMPUS_METRICS_DIR is not set: /metrics will show one worker's requests only"
        )


def child_exit(server: Any, worker: Any) -> None:
    """Tell prometheus_client a worker is gone."""
    directory = _settings()["METRICS_DIR"]
    if directory:
        _metrics.mark_worker_dead(worker.pid, directory)
