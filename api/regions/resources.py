"""School types (/api/v1/school-types); the regions are served by the generic resource."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from api import runtime
from api.auth import current_actor
from api.regions.schemas import SchoolTypeSchema
from inventory.models import SchoolType
from inventory.services import regions

types_blp = Blueprint("school-types", __name__, description="School types (办学类型)")


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
