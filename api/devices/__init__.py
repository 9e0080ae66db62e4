"""Devices (网络设备) resource."""

from flask_smorest import Api

from api.devices.resources import blp


def init_app(api: Api) -> None:
    """Register /api/v1/devices and /api/v1/schools/<code>/devices."""
    api.register_blueprint(blp, url_prefix="/api/v1")
