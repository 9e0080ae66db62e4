"""Monitoring endpoints: /api/v1/devices/<id>/status, /links/<id>/verification, /outages, …"""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from api import runtime
from api.auth import current_actor
from api.fields import page_body, page_request
from api.monitoring.schemas import (
    CollectorSchema,
    DeviceStatusSchema,
    LinkStatusSchema,
    OutageListArgs,
    OutagePageSchema,
    PollCycleListArgs,
    PollCyclePageSchema,
)
from inventory.models.base import utcnow
from inventory.services import monitoring
from inventory.services.monitoring import DeviceStatus, LinkStatus, OutageFilter

blp = Blueprint("monitoring", __name__, description="Monitoring: what the SNMP collectors found")


@blp.route("/devices/<id:device_id>/status")
class DeviceStatusItem(MethodView):
    """A device as polled."""

    @blp.response(200, DeviceStatusSchema)
    def get(self, device_id: int) -> DeviceStatus:
        """Latest poll, interfaces, open outages and 1/7/30-day availability of a device."""
        return monitoring.device_status(runtime.session(), current_actor(), device_id, utcnow())


@blp.route("/links/<id:link_id>/verification")
class LinkVerificationItem(MethodView):
    """An uplink as verified."""

    @blp.response(200, LinkStatusSchema)
    def get(self, link_id: int) -> LinkStatus:
        """Verdict, measured vs contracted speed, open outages, 1/7/30-day availability."""
        return monitoring.link_status(runtime.session(), current_actor(), link_id, utcnow())


@blp.route("/outages")
class Outages(MethodView):
    """Outages of devices and uplinks."""

    @blp.arguments(OutageListArgs, location="query")
    @blp.response(200, OutagePageSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """List outages, filtered by school, region, device, link, cause, open or time."""
        page = page_request(args)
        flt = OutageFilter(**args)
        return page_body(monitoring.list_outages(runtime.session(), current_actor(), flt, page))


@blp.route("/poll-cycles")
class PollCycles(MethodView):
    """Poll cycles of every collector."""

    @blp.arguments(PollCycleListArgs, location="query")
    @blp.response(200, PollCyclePageSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """List poll cycles, newest first: duration and counts per failure class."""
        return page_body(monitoring.list_cycles(runtime.session(), page_request(args)))


@blp.route("/collectors")
class Collectors(MethodView):
    """Collector processes."""

    @blp.response(200, CollectorSchema(many=True))
    def get(self) -> list[dict[str, Any]]:
        """List collector processes: alive or not, and how many devices each holds leased."""
        return monitoring.list_collectors(runtime.session(), utcnow())
