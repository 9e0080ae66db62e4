"""Network links (网络链路) resource."""

from flask_smorest import Api

from api.links.resources import blp


def init_app(api: Api) -> None:
    """Register /api/v1/links and /api/v1/schools/<code>/links."""
    api.register_blueprint(blp, url_prefix="/api/v1")
