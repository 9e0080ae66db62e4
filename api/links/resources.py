"""Network link endpoints: /api/v1/links and /api/v1/schools/<code>/links."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from api import runtime
from api.auth import current_actor
from api.fields import page_body, page_request
from api.links.schemas import LinkListArgs, LinkPageSchema, LinkSchema, SchoolLinkListArgs
from api.schools.schemas import ArchiveArgs
from inventory.models import NetworkLink
from inventory.services import links, schools
from inventory.services.links import LinkFilter

blp = Blueprint("links", __name__, description="Network links (网络链路): a school's uplinks")


@blp.route("/schools/<code>/links")
class SchoolLinks(MethodView):
    """The uplinks of one school."""

    @blp.arguments(SchoolLinkListArgs, location="query")
    @blp.response(200, LinkPageSchema)
    def get(self, args: dict[str, Any], code: str) -> dict[str, Any]:
        """List a school's links, filtered by kind, carrier, medium, status or monitoring."""
        session = runtime.session()
        actor = current_actor()
        schools.get_school(session, actor, code)  # an unknown school is 404, not an empty list
        page = page_request(args)
        flt = LinkFilter(school=code, **args)
        return page_body(links.list_links(session, actor, flt, page))

    @blp.arguments(LinkSchema)
    @blp.response(201, LinkSchema)
    def post(self, data: dict[str, Any], code: str) -> NetworkLink:
        """Register an uplink of a school."""
        session = runtime.session()
        link = links.create_link(session, current_actor(), code, data)
        session.commit()
        return link


@blp.route("/links")
class Links(MethodView):
    """Uplinks of every school."""

    @blp.arguments(LinkListArgs, location="query")
    @blp.response(200, LinkPageSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """List links, filtered by school, region subtree, kind, carrier, status or monitoring."""
        page = page_request(args)
        flt = LinkFilter(**args)
        return page_body(links.list_links(runtime.session(), current_actor(), flt, page))


@blp.route("/links/<id:link_id>")
class LinkItem(MethodView):
    """One link, by id."""

    @blp.response(200, LinkSchema)
    def get(self, link_id: int) -> NetworkLink:
        """Get a link."""
        return links.get_link(runtime.session(), current_actor(), link_id)

    @blp.arguments(LinkSchema(partial=True))
    @blp.response(200, LinkSchema)
    def patch(self, changes: dict[str, Any], link_id: int) -> NetworkLink:
        """Change some fields of a link."""
        session = runtime.session()
        link = links.update_link(session, current_actor(), link_id, changes)
        session.commit()
        return link

    @blp.arguments(ArchiveArgs, location="query")
    @blp.response(200, LinkSchema)
    def delete(self, args: dict[str, Any], link_id: int) -> NetworkLink:
        """Archive a link: decommissioned on ``on`` (default today); its history is kept."""
        session = runtime.session()
        link = links.archive_link(session, current_actor(), link_id, args.get("on"))
        session.commit()
        return link
