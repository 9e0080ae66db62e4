"""Device endpoints: /api/v1/devices and /api/v1/schools/<code>/devices."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from api import runtime
from api.auth import current_actor
from api.devices.schemas import (
    DeviceListArgs,
    DevicePageSchema,
    DeviceSchema,
    SchoolDeviceListArgs,
)
from api.fields import page_body, page_request
from inventory.models import Device
from inventory.services import devices, schools
from inventory.services.devices import DeviceFilter

blp = Blueprint("devices", __name__, description="Devices (网络设备)")


@blp.route("/schools/<code>/devices")
class SchoolDevices(MethodView):
    """The devices of one school."""

    @blp.arguments(SchoolDeviceListArgs, location="query")
    @blp.response(200, DevicePageSchema)
    def get(self, args: dict[str, Any], code: str) -> dict[str, Any]:
        """List a school's devices, filtered by role, status, polling, credential or text."""
        session = runtime.session()
        actor = current_actor()
        schools.get_school(session, actor, code)  # an unknown school is 404, not an empty list
        page = page_request(args)
        flt = DeviceFilter(school=code, **args)
        return page_body(devices.list_devices(session, actor, flt, page))

    @blp.arguments(DeviceSchema)
    @blp.response(201, DeviceSchema)
    def post(self, data: dict[str, Any], code: str) -> Device:
        """Register a device of a school."""
        session = runtime.session()
        device = devices.create_device(session, current_actor(), code, data)
        session.commit()
        return device


@blp.route("/devices")
class Devices(MethodView):
    """Devices of every school."""

    @blp.arguments(DeviceListArgs, location="query")
    @blp.response(200, DevicePageSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """List devices, filtered by school, region subtree, role, status, polling or text."""
        page = page_request(args)
        flt = DeviceFilter(**args)
        return page_body(devices.list_devices(runtime.session(), current_actor(), flt, page))


@blp.route("/devices/<id:device_id>")
class DeviceItem(MethodView):
    """One device, by id."""

    @blp.response(200, DeviceSchema)
    def get(self, device_id: int) -> Device:
        """Get a device."""
        return devices.get_device(runtime.session(), current_actor(), device_id)

    @blp.arguments(DeviceSchema(partial=True))
    @blp.response(200, DeviceSchema)
    def patch(self, changes: dict[str, Any], device_id: int) -> Device:
        """Change some fields of a device."""
        session = runtime.session()
        device = devices.update_device(session, current_actor(), device_id, changes)
        session.commit()
        return device

    @blp.response(204)
    def delete(self, device_id: int) -> None:
        """Delete a device; links it carried are kept, detached from it."""
        session = runtime.session()
        devices.delete_device(session, current_actor(), device_id)
        session.commit()
