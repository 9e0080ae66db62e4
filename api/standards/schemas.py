"""Standard schemas: a version as listed, and a new version's TOML source."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields

from api.fields import Text


class StandardSchema(ma.Schema):
    """A version of the coverage standard, with its TOML source."""

    version = fields.String(attribute="standard.version")
    name_zh = fields.String(attribute="standard.name_zh")
    name_en = fields.String(attribute="standard.name_en")
    origin = fields.String(metadata={"description": "builtin, or the admin who added it"})
    created_at = fields.DateTime(allow_none=True)
    current = fields.Boolean(metadata={"description": "Whether reports use it by default"})
    source = fields.String(metadata={"description": "The TOML text of the standard"})


class StandardListSchema(ma.Schema):
    """Every standard version."""

    results = fields.List(fields.Nested(StandardSchema))


class NewStandardSchema(ma.Schema):
    """A new standard version: TOML in the shape of inventory/standards/default.toml."""

    source = Text(200_000, required=True, metadata={"description": "TOML text"})
