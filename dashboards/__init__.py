"""HTML pages for people: login and landing page now; coverage overview, drill-down, forms and
exports come with the dashboards issue. No inline script, no CDN: assets are served locally."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the pages."""
    from dashboards import auth, users

    app.register_blueprint(auth.bp)
    app.register_blueprint(users.bp)
