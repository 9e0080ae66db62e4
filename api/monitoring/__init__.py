"""Monitoring resource: what the collectors found (device state, uplink verdicts, outages)."""

from flask_smorest import Api

from api.monitoring.resources import blp


def init_app(api: Api) -> None:
    """Register the monitoring routes under /api/v1."""
    api.register_blueprint(blp, url_prefix="/api/v1")
