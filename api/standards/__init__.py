"""Coverage standards (标准) resource."""

from flask_smorest import Api

from api.standards.resources import blp


def init_app(api: Api) -> None:
    """Register /api/v1/standards."""
    api.register_blueprint(blp, url_prefix="/api/v1")
