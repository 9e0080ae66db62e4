"""The web process: the Flask app factory that puts the API (api/) and the pages (dashboards/)
together, its WSGI entry point and gunicorn settings, and the CLI's hook to build it.

Layers (.importlinter): web above dashboards above api; ``digicampus collect`` loads none of it.
"""

from __future__ import annotations

from web.app import create_app

__all__ = ["create_app"]
