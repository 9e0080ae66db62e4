"""Campus networks (校园网) resource."""

from flask_smorest import Api

from api.networks.resources import blp


def init_app(api: Api) -> None:
    """Register /api/v1/schools/<code>/campus-networks and /api/v1/campus-networks."""
    api.register_blueprint(blp, url_prefix="/api/v1")
