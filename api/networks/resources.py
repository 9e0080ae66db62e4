"""Campus-network endpoints: /api/v1/schools/<code>/campus-networks and /api/v1/campus-networks."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from api import runtime
from api.auth import current_actor
from api.fields import page_body, page_request
from api.networks.schemas import (
    CampusNetworkListArgs,
    CampusNetworkPageSchema,
    CampusNetworkSchema,
    SchoolCampusNetworkListArgs,
)
from inventory.models import CampusNetwork
from inventory.services import campus_networks, schools
from inventory.services.campus_networks import CampusNetworkFilter

blp = Blueprint("networks", __name__, description="Campus networks (校园网)")


@blp.route("/schools/<code>/campus-networks")
class SchoolCampusNetworks(MethodView):
    """The campus-network history of one school."""

    @blp.arguments(SchoolCampusNetworkListArgs, location="query")
    @blp.response(200, CampusNetworkPageSchema)
    def get(self, args: dict[str, Any], code: str) -> dict[str, Any]:
        """List a school's campus-network states, oldest first."""
        session, actor = runtime.session(), current_actor()
        schools.get_school(session, actor, code)  # 404 for an unknown school, not an empty list
        page = page_request(args)
        flt = CampusNetworkFilter(school=code)
        return page_body(campus_networks.list_campus_networks(session, actor, flt, page))

    @blp.arguments(CampusNetworkSchema)
    @blp.response(201, CampusNetworkSchema)
    def post(self, data: dict[str, Any], code: str) -> CampusNetwork:
        """Record a campus-network state of a school (its first network or an upgrade)."""
        session = runtime.session()
        network = campus_networks.create_campus_network(session, current_actor(), code, data)
        session.commit()
        return network


@blp.route("/campus-networks")
class CampusNetworks(MethodView):
    """Campus-network states across schools."""

    @blp.arguments(CampusNetworkListArgs, location="query")
    @blp.response(200, CampusNetworkPageSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """List campus-network states, or with ``as_of`` the one in force per school."""
        page = page_request(args)
        flt = CampusNetworkFilter(**args)
        return page_body(
            campus_networks.list_campus_networks(runtime.session(), current_actor(), flt, page)
        )


@blp.route("/campus-networks/<id:network_id>")
class CampusNetworkItem(MethodView):
    """One campus-network state, by id."""

    @blp.response(200, CampusNetworkSchema)
    def get(self, network_id: int) -> CampusNetwork:
        """Get a campus-network state."""
        return campus_networks.get_campus_network(runtime.session(), current_actor(), network_id)

    @blp.arguments(CampusNetworkSchema(partial=True))
    @blp.response(200, CampusNetworkSchema)
    def patch(self, changes: dict[str, Any], network_id: int) -> CampusNetwork:
        """Correct some fields of a campus-network state."""
        session = runtime.session()
        network = campus_networks.update_campus_network(
            session, current_actor(), network_id, changes
        )
        session.commit()
        return network

    @blp.response(204)
    def delete(self, network_id: int) -> None:
        """Delete a wrongly entered campus-network state (an upgrade is a new state instead)."""
        session = runtime.session()
        campus_networks.delete_campus_network(session, current_actor(), network_id)
        session.commit()
