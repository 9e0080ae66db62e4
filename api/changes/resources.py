"""Change-log endpoint: /api/v1/changes."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from api import runtime
from api.auth import current_actor
from api.changes.schemas import ChangeListArgs, ChangePageSchema
from api.fields import page_body, page_request
from inventory.services.changes import ChangeFilter, list_changes

blp = Blueprint("changes", __name__, description="Change log: who changed what, before and after")


@blp.route("")
class Changes(MethodView):
    """The change log, newest first."""

    @blp.arguments(ChangeListArgs, location="query")
    @blp.response(200, ChangePageSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """List changes, filtered by object type and id, actor, action, batch or time."""
        page = page_request(args)
        return page_body(
            list_changes(runtime.session(), current_actor(), ChangeFilter(**args), page)
        )
