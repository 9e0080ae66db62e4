"""One registry entry per entity: what the generic API resource (``api/crud.py``) and the
generic create/edit form view (``dashboards/forms.py``) need to serve it.

Adding a simple entity takes a model, a service (``inventory.services.entity.EntityService``)
and one ``Entity`` here; no resource class, no form view. In the manner of NetBox's
registry of models feeding ``generic.ObjectEditView``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import marshmallow as ma

from inventory.actor import Actor
from inventory.choices import UserRole
from inventory.models import Base
from inventory.services.entity import EntityService
from inventory.unit_of_work import UnitOfWork

# What the generic resource serves besides a list and one by key.
WRITES = frozenset({"create", "update", "remove"})


@dataclass(frozen=True)
class Docs:
    """The operation summaries of the OpenAPI document (they were the methods' docstrings)."""

    list_school: str = ""  # GET /schools/<code>/<name>
    list_all: str = ""  # GET /<name>
    create: str = ""
    get: str = ""
    update: str = ""
    remove: str = ""


@dataclass(frozen=True)
class FormSpec:
    """The create/edit page of an entity: its inputs in order, what a new one starts with and
    where a select's choices come from (a field naming another entity)."""

    fields: tuple[str, ...]
    defaults: Mapping[str, Any] = field(default_factory=dict)
    # field -> name of the entity whose objects are its choices ("devices", "credentials")
    references: Mapping[str, str] = field(default_factory=dict)
    long_text: frozenset[str] = frozenset({"notes", "sys_descr"})
    # Who may register a top-level one (a school's child: whoever may change the school).
    creators: frozenset[UserRole] = frozenset({UserRole.ADMIN, UserRole.REGION_ADMIN})
    # The page a saved one is seen on (an endpoint); None: its school's page, or home.
    page: str | None = None
    # What the edit page shows instead of an attribute (a masked value), by field.
    shown: Callable[[Any], Mapping[str, Any]] | None = None


@dataclass(frozen=True)
class Action:
    """A use case on one object beyond changing its fields (acknowledge an alert, retry a
    message): ``POST /<segment>/<key>/<name>``, answered with the object as it is afterwards.
    ``run`` begins and ends its own unit of work, like ``EntityService.update``."""

    name: str  # the URL segment: "acknowledge"
    summary: str  # the OpenAPI operation summary
    run: Callable[[UnitOfWork, Actor, Any], Any]


@dataclass(frozen=True)
class Entity:
    """One entity as the web layer serves it."""

    name: str  # blueprint name (the API tag) and registry key: "classrooms"
    what: str  # one of them, in messages: "classroom"
    description: str  # the API tag's description: "Classrooms (教室)"
    model: type[Base]
    service: EntityService[Any, Any, Any]
    schema: type[ma.Schema]
    page_schema: type[ma.Schema]
    list_args: type[ma.Schema]
    make_filter: Callable[..., Any]  # list arguments -> the service's filter
    # The list under a school (/schools/<code>/<name>); None for a top-level entity.
    school_list_args: type[ma.Schema] | None = None
    key: Literal["id", "code"] = "id"
    retire: Literal["archive", "delete"] = "archive"
    docs: Docs = Docs()
    form: FormSpec | None = None  # None: no page form
    path: str = ""  # URL segment when it is not the name: "snmp-credentials"
    # The URL variable naming one, which the OpenAPI document shows: "device_id".
    url_key: str = ""
    # What a change accepts when it is not the partial schema (a region: name and seat only).
    update_schema: type[ma.Schema] | None = None
    # Which writes the resource serves: an alert is raised by the monitor, never POSTed.
    writes: frozenset[str] = WRITES
    actions: tuple[Action, ...] = ()

    @property
    def segment(self) -> str:
        """The collection's URL segment: /api/v1/<segment>."""
        return self.path or self.name

    @property
    def url_variable(self) -> str:
        """The name of the URL variable that names one: ``code`` or ``<what>_id``."""
        return self.url_key or ("code" if self.key == "code" else f"{self.what}_id")
