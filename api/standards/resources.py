"""Standard endpoints: /api/v1/standards."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from api import runtime
from api.auth import current_actor
from api.standards.schemas import NewStandardSchema, StandardListSchema, StandardSchema
from inventory.standards import registry

blp = Blueprint("standards", __name__, description="Coverage standards (标准), versioned data")


@blp.route("/standards")
class Standards(MethodView):
    """Versions of the coverage standard."""

    @blp.response(200, StandardListSchema)
    def get(self) -> dict[str, Any]:
        """List every version: the shipped default and those admins added."""
        return {"results": registry.list_standards(runtime.session())}

    @blp.arguments(NewStandardSchema)
    @blp.response(201, StandardSchema)
    def post(self, data: dict[str, Any]) -> registry.StandardEntry:
        """Add a version (admins) from TOML; it becomes current. Versions are never edited."""
        return registry.add_standard(runtime.uow(), current_actor(), data["source"])


@blp.route("/standards/<version>")
class StandardItem(MethodView):
    """One standard version."""

    @blp.response(200, StandardSchema)
    def get(self, version: str) -> registry.StandardEntry:
        """Get a version with its TOML source."""
        return registry.get_entry(runtime.session(), version)
