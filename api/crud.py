"""The generic REST resource: one blueprint per registry entry (``api/entities.py``).

For an entity named by ``segment`` it serves, under /api/v1:

- ``GET /<segment>``: a page across schools, with the entity's filters, paging and sort;
- ``GET|POST /schools/<code>/<segment>`` for things a school has (when ``school_list_args``
  is set): one school's page (an unknown school is 404, not an empty list) and creation in it;
  otherwise ``POST /<segment>`` creates;
- ``GET|PATCH|DELETE /<segment>/<key>``: one, by id or code; DELETE archives (``?on=``, 200
  with the archived object) or deletes (204), as the entity retires;
- ``POST /<segment>/<key>/<action>`` for each of the entry's ``actions`` (acknowledge an
  alert). An entry may serve fewer writes (``writes``): an alert is never POSTed.

Writes go through the entity's ``EntityService`` with the request's unit of work: a view
never commits. The summaries are the entry's ``Docs``, so the OpenAPI document reads as it did
when every entity had a hand-written resource.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint

from api import runtime
from api.auth import current_actor
from api.fields import page_body, page_request
from api.registry import Action, Entity
from api.schools.schemas import ArchiveArgs
from inventory.services import schools

__all__ = ["blueprint"]

View = Callable[..., Any]


def blueprint(entity: Entity) -> Blueprint:
    """The blueprint serving ``entity``; register it with the prefix /api/v1."""
    blp = Blueprint(entity.name, __name__, description=entity.description)
    collection = f"/{entity.segment}"
    creates = "create" in entity.writes
    if entity.school_list_args is not None:
        school_views = {"get": _list_school(entity, entity.school_list_args, blp)}
        if creates:
            school_views["post"] = _create(entity, blp)
        blp.route(f"/schools/<code>{collection}")(_view("SchoolCollection", school_views))
        blp.route(collection)(_view("Collection", {"get": _list_all(entity, blp)}))
    else:
        top_views = {"get": _list_all(entity, blp)}
        if creates:
            top_views["post"] = _create(entity, blp)
        blp.route(collection)(_view("Collection", top_views))
    var = entity.url_variable
    item = f"{collection}/<{var}>" if entity.key == "code" else f"{collection}/<id:{var}>"
    item_views = {"get": _get(entity, blp)}
    if "update" in entity.writes:
        item_views["patch"] = _update(entity, blp)
    if "remove" in entity.writes:
        retire = _archive if entity.retire == "archive" else _delete
        item_views["delete"] = retire(entity, blp)
    blp.route(item)(_view("Item", item_views))
    for action in entity.actions:
        name = "".join(part.title() for part in action.name.split("-"))
        blp.route(f"{item}/{action.name}")(_view(name, {"post": _act(entity, action, blp)}))
    return blp


def _view(name: str, methods: dict[str, View]) -> type[MethodView]:
    return type(name, (MethodView,), dict(methods))


def _summary(view: View, text: str) -> View:
    # flask-smorest reads an operation's summary from its view's docstring.
    view.__doc__ = text
    return view


def _key(entity: Entity, url: dict[str, Any]) -> Any:
    return url[entity.url_variable]


def _list_all(entity: Entity, blp: Blueprint) -> View:
    @blp.arguments(entity.list_args, location="query")
    @blp.response(200, entity.page_schema)
    def get(_self: MethodView, args: dict[str, Any]) -> dict[str, Any]:
        page = page_request(args)
        flt = entity.make_filter(**args)
        return page_body(entity.service.list_page(runtime.session(), current_actor(), flt, page))

    return _summary(get, entity.docs.list_all)


def _list_school(entity: Entity, args_schema: type[ma.Schema], blp: Blueprint) -> View:
    @blp.arguments(args_schema, location="query")
    @blp.response(200, entity.page_schema)
    def get(_self: MethodView, args: dict[str, Any], code: str) -> dict[str, Any]:
        session, actor = runtime.session(), current_actor()
        schools.get_school(session, actor, code)  # 404 for an unknown school, not an empty list
        page = page_request(args)
        flt = entity.make_filter(school=code, **args)
        return page_body(entity.service.list_page(session, actor, flt, page))

    return _summary(get, entity.docs.list_school)


def _create(entity: Entity, blp: Blueprint) -> View:
    # A school's thing is created under its code; a top-level one has no parent.
    @blp.arguments(entity.schema)
    @blp.response(201, entity.schema)
    def post(_self: MethodView, data: dict[str, Any], code: str | None = None) -> Any:
        return entity.service.create(runtime.uow(), current_actor(), code, data)

    return _summary(post, entity.docs.create)


def _get(entity: Entity, blp: Blueprint) -> View:
    @blp.response(200, entity.schema)
    def get(_self: MethodView, **url: Any) -> Any:
        return entity.service.get(runtime.session(), current_actor(), _key(entity, url))

    return _summary(get, entity.docs.get)


def _update(entity: Entity, blp: Blueprint) -> View:
    @blp.arguments(entity.update_schema or entity.schema(partial=True))
    @blp.response(200, entity.schema)
    def patch(_self: MethodView, changes: dict[str, Any], **url: Any) -> Any:
        return entity.service.update(runtime.uow(), current_actor(), _key(entity, url), changes)

    return _summary(patch, entity.docs.update)


def _archive(entity: Entity, blp: Blueprint) -> View:
    @blp.arguments(ArchiveArgs, location="query")
    @blp.response(200, entity.schema)
    def delete(_self: MethodView, args: dict[str, Any], **url: Any) -> Any:
        key = _key(entity, url)
        return entity.service.remove(runtime.uow(), current_actor(), key, args.get("on"))

    return _summary(delete, entity.docs.remove)


def _delete(entity: Entity, blp: Blueprint) -> View:
    @blp.response(204)
    def delete(_self: MethodView, **url: Any) -> None:
        entity.service.remove(runtime.uow(), current_actor(), _key(entity, url))

    return _summary(delete, entity.docs.remove)


def _act(entity: Entity, action: Action, blp: Blueprint) -> View:
    @blp.response(200, entity.schema)
    def post(_self: MethodView, **url: Any) -> Any:
        return action.run(runtime.uow(), current_actor(), _key(entity, url))

    return _summary(post, action.summary)
