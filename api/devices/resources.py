"""Devices (网络设备) endpoints (being written)."""

from flask_smorest import Blueprint

blp = Blueprint("devices", __name__, description="Devices (网络设备)")
