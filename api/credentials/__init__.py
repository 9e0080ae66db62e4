"""SNMP credentials resource."""

from flask_smorest import Api

from api.credentials.resources import blp


def init_app(api: Api) -> None:
    """Register /api/v1/snmp-credentials."""
    api.register_blueprint(blp, url_prefix="/api/v1")
