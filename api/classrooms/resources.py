"""Classroom endpoints: /api/v1/schools/<code>/classrooms and /api/v1/classrooms."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from api import runtime
from api.auth import current_actor
from api.classrooms.schemas import (
    ClassroomListArgs,
    ClassroomPageSchema,
    ClassroomSchema,
    SchoolClassroomListArgs,
)
from api.fields import page_body, page_request
from api.schools.schemas import ArchiveArgs
from inventory.models import Classroom
from inventory.services import classrooms, schools
from inventory.services.classrooms import ClassroomFilter

blp = Blueprint("classrooms", __name__, description="Classrooms (教室)")


@blp.route("/schools/<code>/classrooms")
class SchoolClassrooms(MethodView):
    """The classrooms of one school."""

    @blp.arguments(SchoolClassroomListArgs, location="query")
    @blp.response(200, ClassroomPageSchema)
    def get(self, args: dict[str, Any], code: str) -> dict[str, Any]:
        """List a school's classrooms, filtered by kind, status, building or text."""
        session, actor = runtime.session(), current_actor()
        schools.get_school(session, actor, code)  # 404 for an unknown school, not an empty list
        page = page_request(args)
        flt = ClassroomFilter(school=code, **args)
        return page_body(classrooms.list_classrooms(session, actor, flt, page))

    @blp.arguments(ClassroomSchema)
    @blp.response(201, ClassroomSchema)
    def post(self, data: dict[str, Any], code: str) -> Classroom:
        """Register a classroom of a school."""
        session = runtime.session()
        classroom = classrooms.create_classroom(session, current_actor(), code, data)
        session.commit()
        return classroom


@blp.route("/classrooms")
class Classrooms(MethodView):
    """Classrooms across schools."""

    @blp.arguments(ClassroomListArgs, location="query")
    @blp.response(200, ClassroomPageSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """List classrooms, filtered by school, region subtree, kind, status, building or text."""
        page = page_request(args)
        flt = ClassroomFilter(**args)
        return page_body(classrooms.list_classrooms(runtime.session(), current_actor(), flt, page))


@blp.route("/classrooms/<id:classroom_id>")
class ClassroomItem(MethodView):
    """One classroom, by id."""

    @blp.response(200, ClassroomSchema)
    def get(self, classroom_id: int) -> Classroom:
        """Get a classroom."""
        return classrooms.get_classroom(runtime.session(), current_actor(), classroom_id)

    @blp.arguments(ClassroomSchema(partial=True))
    @blp.response(200, ClassroomSchema)
    def patch(self, changes: dict[str, Any], classroom_id: int) -> Classroom:
        """Change some fields of a classroom."""
        session = runtime.session()
        classroom = classrooms.update_classroom(session, current_actor(), classroom_id, changes)
        session.commit()
        return classroom

    @blp.arguments(ArchiveArgs, location="query")
    @blp.response(200, ClassroomSchema)
    def delete(self, args: dict[str, Any], classroom_id: int) -> Classroom:
        """Archive a classroom: decommissioned on ``on`` (default today), history kept."""
        session = runtime.session()
        classroom = classrooms.archive_classroom(
            session, current_actor(), classroom_id, args.get("on")
        )
        session.commit()
        return classroom
