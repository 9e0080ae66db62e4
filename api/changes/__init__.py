"""Change-log resource."""

from flask_smorest import Api

from api.changes.resources import blp


def init_app(api: Api) -> None:
    """Register /api/v1/changes."""
    api.register_blueprint(blp, url_prefix="/api/v1/changes")
