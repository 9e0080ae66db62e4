"""Change-log schemas."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from api.fields import ListArgs, Text, page_schema, sort_field
from inventory.choices import ChangeAction
from inventory.models import Base
from inventory.models.audit import CHANGE_FIELDS
from inventory.services.changes import SORTABLE

OBJECT_TYPES = sorted(Base.metadata.tables)


class ChangeSchema(ma.Schema):
    """One change: who, when, what, and the object before and after (secrets masked)."""

    id = fields.Integer()
    at = fields.DateTime()
    actor_id = fields.Integer(allow_none=True)
    actor_name = fields.String()
    action = fields.Enum(ChangeAction, by_value=True)
    object_type = fields.String()
    object_id = fields.String()
    object_repr = fields.String()
    before = fields.Dict(allow_none=True)
    after = fields.Dict(allow_none=True)
    batch_id = fields.String(allow_none=True)


ChangePageSchema = page_schema(ChangeSchema)


class ChangeListArgs(ListArgs):
    """Filters of the change log."""

    object_type = fields.String(validate=validate.OneOf(OBJECT_TYPES))
    object_id = Text(CHANGE_FIELDS.rule("object_id"))
    actor = Text(CHANGE_FIELDS.rule("actor_name"), metadata={"description": "Actor name"})
    action = fields.Enum(ChangeAction, by_value=True)
    batch_id = Text(CHANGE_FIELDS.rule("batch_id"))
    since = fields.AwareDateTime(metadata={"description": "ISO 8601 with zone, inclusive"})
    until = fields.AwareDateTime(metadata={"description": "ISO 8601 with zone, exclusive"})
    sort = sort_field(SORTABLE, "-at")
