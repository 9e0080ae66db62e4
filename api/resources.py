"""Every REST resource in one place: the registry's entities and the hand-written blueprints.

The order is the OpenAPI document's order of tags.
"""

from __future__ import annotations

from flask_smorest import Api, Blueprint

from api import crud
from api.changes.resources import blp as changes
from api.coverage.resources import blp as coverage
from api.entities import ENTITIES, REGIONS
from api.imports.resources import blp as imports
from api.monitoring.resources import blp as monitoring
from api.plans.resources import blp as plans
from api.regions.resources import types_blp as school_types
from api.reports.resources import blp as reports
from api.standards.resources import blp as standards
from api.users.resources import blp as users

PREFIX = "/api/v1"

# Hand-written resources whose paths do not start with their blueprint's prefix.
_PREFIXED: tuple[tuple[Blueprint, str], ...] = (
    (changes, f"{PREFIX}/changes"),
    (users, f"{PREFIX}/users"),
)
_OTHERS = (imports, monitoring, standards, coverage, plans, reports)


def register(api: Api) -> None:
    """Register every resource under /api/v1."""
    for entity in ENTITIES:
        api.register_blueprint(crud.blueprint(entity), url_prefix=PREFIX)
        if entity is REGIONS:  # the reference list of school types goes with the regions
            api.register_blueprint(school_types, url_prefix=f"{PREFIX}/school-types")
    for blp, prefix in _PREFIXED:
        api.register_blueprint(blp, url_prefix=prefix)
    for blp in _OTHERS:
        api.register_blueprint(blp, url_prefix=PREFIX)
