"""The WSGI entry point for production servers: ``gunicorn 'web.wsgi:app'``.

A bad configuration stops the start with one line per missing or bad setting (gunicorn
prints it and exits) rather than a traceback.
"""

from __future__ import annotations

import sys

from api.config import ConfigError
from web.app import create_app

try:
    app = create_app(production=True)
except ConfigError as exc:
    for problem in exc.problems:
        print(f"digicampus: configuration error: {problem}", file=sys.stderr)
    raise SystemExit(3) from None
