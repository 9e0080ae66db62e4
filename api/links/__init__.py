"""Network links (网络链路) resource."""

from flask_smorest import Api

from api.links.resources import blp


def init_app(api: Api) -> None:
    """Register the Network links (网络链路) endpoints."""
    api.register_blueprint(blp)
