"""User endpoints: /api/v1/users/me."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields

from api.auth import current_actor
from inventory.choices import UserRole

blp = Blueprint("users", __name__, description="Accounts")


class MeSchema(ma.Schema):
    """The account behind the token."""

    id = fields.Integer(attribute="user_id")
    name = fields.String()
    role = fields.Enum(UserRole, by_value=True)
    region_code = fields.String(allow_none=True)


@blp.route("/me")
class Me(MethodView):
    """The calling account."""

    @blp.response(200, MeSchema)
    def get(self) -> Any:
        """Who the bearer token belongs to."""
        return current_actor()
