"""Campus networks (校园网) resource."""

from flask_smorest import Api

from api.networks.resources import blp


def init_app(api: Api) -> None:
    """Register the Campus networks (校园网) endpoints."""
    api.register_blueprint(blp)
