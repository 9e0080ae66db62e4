"""HTML pages for people: login, the leadership overview and drill-down, school pages, the
status board and the IT staff's forms. No inline script, no CDN: assets are served locally
and charts are SVG drawn on the server."""

from __future__ import annotations

from typing import Any

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the pages, the language cookie and the template helpers."""
    from dashboards import alerts, auth, common, forms, i18n, overview, school, status, users

    for module in (auth, users, overview, school, status, forms, alerts):
        app.register_blueprint(module.bp)
    i18n.init_app(app)
    app.after_request(i18n.remember_language)

    @app.errorhandler(common.PageError)
    def page_error(error: common.PageError) -> tuple[str, int]:
        template = "dash/forbidden.html" if error.status == 403 else "dash/not_found.html"
        return auth.render(template, error.status)

    @app.context_processor
    def helpers() -> dict[str, Any]:
        return {
            "switch_url": i18n.switch_url,
            "num": i18n.number,
            "pct": i18n.percent,
            "day": i18n.day,
            "month": i18n.month,
            "moment": i18n.moment,
            "hours": i18n.hours,
            "region_name": i18n.region_name,
            "tier_label": lambda value: i18n.value_label(i18n.Tier, value),
            "opt_label": lambda member: i18n.label(member) if member is not None else "—",
            "status_label": lambda value: i18n.value_label(i18n.MilestoneStatus, value),
        }
