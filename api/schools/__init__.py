"""Schools resource."""

from flask_smorest import Api

from api.schools.resources import blp


def init_app(api: Api) -> None:
    """Register /api/v1/schools."""
    api.register_blueprint(blp, url_prefix="/api/v1/schools")
