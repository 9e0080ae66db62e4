"""The flask-smorest Api object: schema names, converters and error format for the OpenAPI doc."""

from __future__ import annotations

from typing import Any

from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Flask

from api.converters import MAX_ID, IdConverter
from api.errors import Api


def schema_name(schema: Any) -> str:
    """``SchoolSchema`` → ``School``; its partial (PATCH) form → ``SchoolPatch``."""
    cls = schema if isinstance(schema, type) else type(schema)
    name: str = cls.__name__.removesuffix("Schema")
    if not isinstance(schema, type) and schema.partial:
        name += "Patch"
    return name


def make_api(app: Flask) -> Api:
    """The Api serving /api/v1/openapi.json."""
    app.url_map.converters["id"] = IdConverter
    api = Api(
        app, spec_kwargs={"marshmallow_plugin": MarshmallowPlugin(schema_name_resolver=schema_name)}
    )
    api.register_converter(IdConverter, _id_parameter)
    return api


def _id_parameter(_converter: Any) -> dict[str, Any]:
    """How an ``<id:...>`` path parameter appears in the OpenAPI document."""
    return {"type": "integer", "format": "int32", "minimum": 1, "maximum": MAX_ID}
