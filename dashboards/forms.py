"""Create and edit pages for IT staff: one generic view serves every entity of the registry
(``api.registry.Entity``) that has a ``FormSpec``, in the manner of NetBox's
``generic.ObjectEditView``. A form is read through the API's own schema and saved by the
entity's own service in its own unit of work, so it meets the same rules with the same
messages, shown next to each field; on an error the form comes back with what was typed.
Viewers get no forms."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any

import marshmallow as ma
from flask import Blueprint, redirect, request, url_for
from marshmallow import fields

from api import runtime
from api.entities import ENTITIES, by_name
from api.errors import STATUS_OF
from api.registry import FormSpec
from dashboards import common
from dashboards.auth import login_required, render
from dashboards.i18n import label, lang_query, language, region_name
from dashboards.texts import message_zh
from inventory import localday, scope
from inventory.choices import RegionLevel, UserRole
from inventory.errors import DomainError, NotFound
from inventory.models import School
from inventory.services import regions, schools
from inventory.services.common import PageRequest

bp = Blueprint("forms", __name__, template_folder="templates")

ALL = PageRequest(1, 1000)
INTEGER = re.compile(r"^-?[0-9]+$")
Choices = list[tuple[str, str]]

# How an object of a referenced entity is named in a drop-down; by default by its name alone
# (a credential profile: a page never carries a community or a key).
NAMED: dict[str, Callable[[Any], str]] = {"devices": lambda d: f"{d.name} ({d.mgmt_address})"}


@dataclass
class Widget:
    """One input of a form: what to draw, its value as typed and its messages."""

    name: str
    kind: str  # text, number, date, select, checkbox, textarea
    required: bool
    value: Any = ""
    choices: Choices = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@dataclass
class FormPage:
    """A form: its title's text key, its inputs, where it posts and where "back" leads."""

    title: str
    widgets: list[Widget]
    action: str
    back: str
    message: str | None = None


def _kind(f: fields.Field[Any], name: str, spec: FormSpec) -> str:
    f = getattr(f, "inner", f)  # a field read off the object by a function: as it loads
    if name in spec.long_text:
        return "textarea"
    if isinstance(f, fields.List):
        return "multiselect"
    if name in spec.references or isinstance(f, fields.Enum):
        return "select"
    if f.load_only:
        return "password"
    if isinstance(f, fields.Boolean):
        return "checkbox"
    if isinstance(f, fields.DateTime):
        return "datetime"
    if isinstance(f, fields.Date):
        return "date"
    return "number" if isinstance(f, fields.Integer | fields.Float) else "text"


def _shown(value: Any, f: fields.Field[Any]) -> Any:
    if value is None or f.load_only:  # a write-only field (a secret) is never shown
        return ""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, list):
        return [str(v) for v in value]
    if isinstance(value, datetime):  # as a date-time input takes it, on the bureau's clock
        return localday.local(value).strftime("%Y-%m-%dT%H:%M")
    return bool(value) if isinstance(f, fields.Boolean) else str(value)


def widgets_for(
    schema: ma.Schema, spec: FormSpec, values: Mapping[str, Any], choices: Mapping[str, Choices]
) -> list[Widget]:
    """The inputs of the form's fields, filled with ``values``; an enum's choices are its
    choice set's labels in the page's language."""
    out = []
    for name in spec.fields:
        f = schema.fields[name]
        options = choices.get(name) or (
            [(m.value, label(m)) for m in f.enum] if isinstance(f, fields.Enum) else []
        )
        value = _shown(values.get(name), f)
        out.append(Widget(name, _kind(f, name, spec), bool(f.required), value, options))
    return out


def read_form(
    schema: ma.Schema, names: Sequence[str], *, partial: bool
) -> tuple[dict[str, Any], dict[str, list[str]], dict[str, Any]]:
    """The posted form as the API would receive it in JSON, loaded by the API's schema:
    (data, messages per field, what was typed)."""
    typed: dict[str, Any] = {}
    body: dict[str, Any] = {}
    for name in names:
        f = schema.fields[name]
        if isinstance(f, fields.Boolean):
            typed[name] = body[name] = request.form.get(name) == "on"
            continue
        if isinstance(getattr(f, "inner", f), fields.List):
            typed[name] = picked = request.form.getlist(name)
            body[name] = [int(v) if INTEGER.match(v) else v for v in picked]
            continue
        text = typed[name] = request.form.get(name, "")
        if partial and f.load_only and not text:
            continue  # a secret left blank on edit stays as it is
        if isinstance(f, fields.String):
            body[name] = text
        elif text.strip() == "":
            if f.allow_none or partial:  # blanking a required field on edit: the API says null
                body[name] = None
        elif isinstance(f, fields.Integer):
            body[name] = int(text) if INTEGER.match(text.strip()) else text
        elif isinstance(f, fields.Float):
            try:
                body[name] = float(text)
            except ValueError:
                body[name] = text
        else:
            body[name] = text.strip()
    try:
        return schema.load(body, partial=partial), {}, typed
    except ma.ValidationError as exc:
        messages = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
        listed = {
            k: [str(m) for m in (v if isinstance(v, list) else [v])] for k, v in messages.items()
        }
        return {}, listed, typed


def _options(ref: str, school: str | None) -> Choices:
    """What a reference may name: the objects of the entity ``ref``, listed by its service (a
    school's own where they belong to one), or a reference list of its own."""
    session, actor = runtime.session(), common.actor()
    if ref == "school_types":
        en = language() == "en"
        types = regions.list_school_types(session, actor)
        return [("", "—"), *((t.code, f"{t.code} {t.name_en if en else t.name_zh}") for t in types)]
    if ref == "counties":  # where a school may be placed: the counties of the actor's region
        entity = by_name("regions")
        found = entity.service.list_page(
            session, actor, entity.make_filter(level=RegionLevel.COUNTY), ALL
        ).items
        writable = [r for r in found if scope.region_allowed(session, actor, r.code)]
        return [("", "—"), *((r.code, f"{r.code} {region_name(r)}") for r in writable)]
    if ref == "regions_placeable":  # what alerts are placed on: the regions the actor may write
        entity = by_name("regions")
        found = entity.service.list_page(session, actor, entity.make_filter(), ALL).items
        placeable = [
            r
            for r in found
            if r.level is not RegionLevel.PROVINCE and scope.region_allowed(session, actor, r.code)
        ]
        return [("", "—"), *((r.code, f"{r.code} {region_name(r)}") for r in placeable)]
    entity = by_name(ref)
    flt = entity.make_filter(**({"school": school} if school and entity.school_list_args else {}))
    found = entity.service.list_page(session, actor, flt, ALL).items
    named = NAMED.get(ref, lambda o: str(o.name))
    return [("", "—"), *((str(getattr(o, entity.key)), named(o)) for o in found)]


def _no_viewers() -> None:
    if common.actor().role is UserRole.VIEWER:
        raise common.PageError(403)


def _writable(code: str) -> School:
    """The school, if the actor may change it: 404 unless visible, 403 unless writable."""
    _no_viewers()
    session, actor = runtime.session(), common.actor()
    school: School = common.or_404(schools.get_school, session, actor, code)
    if not scope.school_allowed(session, actor, school.id, write=True):
        raise common.PageError(403)
    return school


def _school_of(obj: Any) -> School | None:
    return obj if isinstance(obj, School) else getattr(obj, "school", None)


def _url(endpoint: str, **values: Any) -> str:
    args: dict[str, Any] = {**values, **lang_query()}
    return url_for(endpoint, **args)


def _page_of(obj: Any, spec: FormSpec | None = None) -> str:
    """Where a saved object is seen: its entity's page, or its school's (a school's own)."""
    if spec is not None and spec.page:
        return _url(spec.page)
    school = _school_of(obj)
    return _url("school_page.school", code=school.code) if school else _url("account.home")


@login_required
def edit(entity: str, key: int | str | None = None, parent: str | None = None) -> Any:
    """Register one (of the school ``parent``, or a school) or change the one named ``key``:
    show the form (GET) or read, validate and save it (POST). A domain error, its transaction
    already rolled back by the service's unit of work, is shown with the API's status and its
    messages beside the fields."""
    e = by_name(entity)
    assert e.form is not None and request.endpoint and request.view_args is not None
    session, actor, schema, spec = runtime.session(), common.actor(), e.schema(), e.form
    _no_viewers()
    obj, school, values = None, None, spec.defaults
    if key is not None:
        obj = common.or_404(e.service.get, session, actor, key)
        owner = _school_of(obj)
        school = _writable(owner.code) if owner else None
        values = {name: getattr(obj, name, None) for name in spec.fields}
        values.update(spec.shown(obj) if spec.shown else {})
    elif parent is not None:
        school = _writable(parent)
    elif actor.role not in spec.creators:
        raise common.PageError(403)  # a school is registered by those whose scope is a region
    refs = {
        name: _options(ref, school.code if school else None)
        for name, ref in spec.references.items()
    }
    page = FormPage(
        f"{'edit' if obj else 'new'}_{e.name}",
        widgets_for(schema, spec, values, refs),
        _url(request.endpoint, **request.view_args),
        _page_of(obj or school, spec) if obj or school or spec.page else _url("overview.overview"),
    )
    if request.method == "GET":
        return render("dash/form.html", form=page)
    data, errors, typed = read_form(schema, spec.fields, partial=obj is not None)
    message, status = None, 422
    if not errors:
        try:
            if key is None:
                created = e.service.create(runtime.uow(), actor, parent, data)
                return redirect(_page_of(created, spec))
            changed = {k: v for k, v in data.items() if values[k] != v}  # only what changed
            return redirect(_page_of(e.service.update(runtime.uow(), actor, key, changed), spec))
        except DomainError as exc:
            if isinstance(exc, NotFound) and not exc.fields:
                raise common.PageError(404) from None
            status = STATUS_OF.get(type(exc), 422)  # as the API answers it (409, 403, ...)
            errors = {k: list(v) for k, v in exc.fields.items()}
            message = None if exc.fields else exc.message
    _show_errors(page, typed, errors, message)
    return render("dash/form.html", status, form=page)


def _show_errors(
    page: FormPage, typed: Mapping[str, Any], errors: dict[str, list[str]], message: str | None
) -> None:
    """Fill the form back with what was typed and each field's messages in the page's
    language; a message of no field of the form goes above it."""
    shown = message_zh if language() == "zh" else str
    errors = {k: [shown(m) for m in v] for k, v in errors.items()}
    for w in page.widgets:
        if w.kind != "password":  # a secret typed is never sent back
            w.value = typed.get(w.name, w.value)
        w.errors = errors.pop(w.name, [])
    message = shown(message) if message else None
    leftover = [m for v in errors.values() for m in v]
    page.message = "; ".join([m for m in [message, *leftover] if m]) or None


for _e in ENTITIES:
    if _e.form is not None:
        _new = (
            f"/schools/<parent>/{_e.segment}/new"
            if _e.school_list_args
            else f"/forms/{_e.segment}/new"
        )
        _key = "<int:key>" if _e.key == "id" else "<key>"
        for _path, _endpoint in ((_new, "new"), (f"/{_e.segment}/{_key}/edit", "edit")):
            bp.add_url_rule(
                _path, _endpoint, edit, defaults={"entity": _e.name}, methods=["GET", "POST"]
            )
