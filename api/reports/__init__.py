"""Published reports (发布的报告) resource."""

from flask_smorest import Api

from api.reports.resources import blp


def init_app(api: Api) -> None:
    """Register /api/v1/reports."""
    api.register_blueprint(blp, url_prefix="/api/v1")
