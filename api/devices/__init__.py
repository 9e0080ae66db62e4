"""Devices (网络设备) resource."""

from flask_smorest import Api

from api.devices.resources import blp


def init_app(api: Api) -> None:
    """Register the Devices (网络设备) endpoints."""
    api.register_blueprint(blp)
