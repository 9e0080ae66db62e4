"""SNMP credentials resource."""

from flask_smorest import Api

from api.credentials.resources import blp


def init_app(api: Api) -> None:
    """Register the SNMP credentials endpoints."""
    api.register_blueprint(blp)
