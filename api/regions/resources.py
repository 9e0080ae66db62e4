"""Region endpoints (/api/v1/regions) and school types (/api/v1/school-types)."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from api import runtime
from api.auth import current_actor
from api.fields import page_body, page_request
from api.regions.schemas import (
    RegionListArgs,
    RegionPageSchema,
    RegionSchema,
    RegionUpdateSchema,
    SchoolTypeSchema,
)
from inventory.models import Region, SchoolType
from inventory.services import regions

blp = Blueprint("regions", __name__, description="Administrative regions (行政区划)")
types_blp = Blueprint("school-types", __name__, description="School types (办学类型)")


@blp.route("")
class Regions(MethodView):
    """The region tree."""

    @blp.arguments(RegionListArgs, location="query")
    @blp.response(200, RegionPageSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """List regions, optionally a subtree, one level, or one region's children."""
        page = page_request(args)
        return page_body(regions.list_regions(runtime.session(), current_actor(), page, **args))

    @blp.arguments(RegionSchema)
    @blp.response(201, RegionSchema)
    def post(self, data: dict[str, Any]) -> Region:
        """Add a region (admin)."""
        session = runtime.session()
        region = regions.create_region(session, current_actor(), data)
        session.commit()
        return region


@blp.route("/<code>")
class RegionItem(MethodView):
    """One region, by its 6-digit code."""

    @blp.response(200, RegionSchema)
    def get(self, code: str) -> Region:
        """Get a region."""
        return regions.get_region(runtime.session(), current_actor(), code)

    @blp.arguments(RegionUpdateSchema)
    @blp.response(200, RegionSchema)
    def patch(self, changes: dict[str, Any], code: str) -> Region:
        """Rename a region or move its seat (admin)."""
        session = runtime.session()
        region = regions.update_region(session, current_actor(), code, changes)
        session.commit()
        return region

    @blp.response(204)
    def delete(self, code: str) -> None:
        """Delete a region nothing refers to (admin)."""
        session = runtime.session()
        regions.delete_region(session, current_actor(), code)
        session.commit()


@types_blp.route("")
class SchoolTypes(MethodView):
    """The reference school types."""

    @types_blp.response(200, SchoolTypeSchema(many=True))
    def get(self) -> list[SchoolType]:
        """List every school type."""
        return regions.list_school_types(runtime.session(), current_actor())


@types_blp.route("/<code>")
class SchoolTypeItem(MethodView):
    """One school type."""

    @types_blp.response(200, SchoolTypeSchema)
    def get(self, code: str) -> SchoolType:
        """Get a school type."""
        return regions.get_school_type(runtime.session(), current_actor(), code)
