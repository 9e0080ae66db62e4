"""School endpoints: /api/v1/schools."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from api import runtime
from api.auth import current_actor
from api.fields import page_body, page_request
from api.schools.schemas import ArchiveArgs, SchoolListArgs, SchoolPageSchema, SchoolSchema
from inventory.models import School
from inventory.services import schools
from inventory.services.schools import SchoolFilter

blp = Blueprint("schools", __name__, description="Schools (学校)")


@blp.route("")
class Schools(MethodView):
    """The collection of schools."""

    @blp.arguments(SchoolListArgs, location="query")
    @blp.response(200, SchoolPageSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """List schools, filtered by region subtree, type, stage, status or text."""
        page = page_request(args)
        flt = SchoolFilter(types=tuple(args.pop("type", ())), **args)
        return page_body(schools.list_schools(runtime.session(), current_actor(), flt, page))

    @blp.arguments(SchoolSchema)
    @blp.response(201, SchoolSchema)
    def post(self, data: dict[str, Any]) -> School:
        """Register a school."""
        session = runtime.session()
        school = schools.create_school(session, current_actor(), data)
        session.commit()
        return school


@blp.route("/<code>")
class SchoolItem(MethodView):
    """One school, by its 10-digit code."""

    @blp.response(200, SchoolSchema)
    def get(self, code: str) -> School:
        """Get a school."""
        return schools.get_school(runtime.session(), current_actor(), code)

    @blp.arguments(SchoolSchema(partial=True))
    @blp.response(200, SchoolSchema)
    def patch(self, changes: dict[str, Any], code: str) -> School:
        """Change some fields of a school."""
        session = runtime.session()
        school = schools.update_school(session, current_actor(), code, changes)
        session.commit()
        return school

    @blp.arguments(ArchiveArgs, location="query")
    @blp.response(200, SchoolSchema)
    def delete(self, args: dict[str, Any], code: str) -> School:
        """Archive a school: it closes on ``on`` (default today) and keeps its history."""
        session = runtime.session()
        school = schools.archive_school(session, current_actor(), code, args.get("on"))
        session.commit()
        return school
