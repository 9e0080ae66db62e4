"""Forms for IT staff: create and edit schools, campus networks, uplinks, devices and
classrooms. A form is read through the API's own schema and saved by the API's own service,
so it meets the same rules with the same messages, shown next to each field; on an error the
form comes back with what was typed. Viewers get no forms."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import marshmallow as ma
import sqlalchemy as sa
from flask import Blueprint, redirect, request, url_for
from marshmallow import fields

from api import runtime
from api.classrooms.schemas import ClassroomSchema
from api.devices.schemas import DeviceSchema
from api.errors import STATUS_OF
from api.links.schemas import LinkSchema
from api.networks.schemas import CampusNetworkSchema
from api.schools.schemas import SchoolSchema
from dashboards import common
from dashboards.auth import login_required, render
from dashboards.i18n import label, lang_query, language, region_name
from dashboards.texts import message_zh
from inventory import scope
from inventory.choices import RegionLevel, UserRole
from inventory.errors import DomainError, NotFound
from inventory.models import Region
from inventory.services import (
    campus_networks,
    classrooms,
    credentials,
    devices,
    links,
    regions,
    schools,
)
from inventory.services.common import PageRequest
from inventory.services.devices import DeviceFilter

bp = Blueprint("forms", __name__, template_folder="templates")

ALL = PageRequest(1, 1000)
INTEGER = re.compile(r"^-?[0-9]+$")
LONG_TEXT = {"notes", "sys_descr"}


@dataclass
class Widget:
    """One input of a form: what to draw, its value as typed and its messages."""

    name: str
    kind: str  # text, number, date, select, checkbox, textarea
    required: bool
    value: Any = ""
    choices: list[tuple[str, str]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    max_length: int | None = None


@dataclass
class FormPage:
    """A form: its fields, the schema that reads it and where it posts."""

    title: str
    widgets: list[Widget]
    action: str
    back: str
    message: str | None = None


def _kind(f: fields.Field) -> str:
    if isinstance(f, fields.Boolean):
        return "checkbox"
    if isinstance(f, fields.Enum):
        return "select"
    if isinstance(f, fields.Date):
        return "date"
    if isinstance(f, fields.Integer | fields.Float):
        return "number"
    return "text"


def _enum_choices(f: fields.Enum) -> list[tuple[str, str]]:
    """The field's choice set, as (value, label) in the page's language."""
    return [(member.value, label(member)) for member in f.enum]


def widgets_for(
    schema: ma.Schema,
    names: Sequence[str],
    values: Mapping[str, Any],
    choices: Mapping[str, list[tuple[str, str]]],
) -> list[Widget]:
    """The inputs of ``names`` (fields of ``schema``), filled with ``values``."""
    out = []
    for name in names:
        f = schema.fields[name]
        kind = _kind(f)
        if name in choices:
            kind = "select"
        if name in LONG_TEXT:
            kind = "textarea"
        options = list(
            choices.get(name) or (_enum_choices(f) if isinstance(f, fields.Enum) else [])
        )
        value = values.get(name, "")
        if value is None:
            value = ""
        elif hasattr(value, "value"):
            value = value.value
        elif kind == "checkbox":
            value = bool(value)
        else:
            value = str(value)
        out.append(
            Widget(
                name,
                kind,
                bool(f.required),
                value,
                options,
                max_length=getattr(f, "max_length", None),
            )
        )
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
        kind = _kind(f)
        if kind == "checkbox":
            typed[name] = body[name] = request.form.get(name) == "on"
            continue
        text = request.form.get(name, "")
        typed[name] = text
        if isinstance(f, fields.String) and not isinstance(f, fields.Enum):
            body[name] = text
        elif text.strip() == "":
            if f.allow_none:
                body[name] = None
            elif partial:
                body[name] = None  # blanking a required field on edit: the API says "null"
        elif kind == "number" and isinstance(f, fields.Integer):
            body[name] = int(text) if INTEGER.match(text.strip()) else text
        elif kind == "number":
            try:
                body[name] = float(text)
            except ValueError:
                body[name] = text
        else:
            body[name] = text.strip()
    try:
        data = schema.load(body, partial=partial)
    except ma.ValidationError as exc:
        messages = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
        return (
            {},
            {k: [str(m) for m in (v if isinstance(v, list) else [v])] for k, v in messages.items()},
            typed,
        )
    return data, {}, typed


def _localised(messages: Mapping[str, list[str]]) -> dict[str, list[str]]:
    if language() == "en":
        return {k: list(v) for k, v in messages.items()}
    return {k: [message_zh(m) for m in v] for k, v in messages.items()}


def handle(
    page: FormPage,
    schema: ma.Schema,
    names: Sequence[str],
    save: Callable[[dict[str, Any]], str],
    *,
    partial: bool,
) -> Any:
    """Show the form (GET) or read, validate and save it (POST); ``save`` returns where to
    go next. A domain error rolls back and shows its messages beside the fields."""
    if request.method == "GET":
        return render("dash/form.html", form=page)
    data, errors, typed = read_form(schema, names, partial=partial)
    message, status = None, 422
    if not errors:
        session = runtime.session()
        try:
            target = save(data)
            session.commit()
            return redirect(target)
        except DomainError as exc:
            session.rollback()
            if isinstance(exc, NotFound) and not exc.fields:
                raise common.PageError(404) from None
            # The status the API gives the same error (409 duplicate, 403 not allowed, ...).
            status = STATUS_OF.get(type(exc), 422)
            errors = dict(exc.fields)
            message = exc.message if not exc.fields else None
    errors = _localised(errors)
    for w in page.widgets:
        w.value = typed.get(w.name, w.value)
        w.errors = errors.pop(w.name, [])
    leftover = [m for v in errors.values() for m in v]
    if message and language() == "zh":
        message = message_zh(message)
    page.message = "; ".join([m for m in [message, *leftover] if m]) or None
    return render("dash/form.html", status, form=page)


def _no_viewers() -> None:
    if common.actor().role is UserRole.VIEWER:
        raise common.PageError(403)


def _school_page(code: str) -> str:
    return url_for("school_page.school", code=code, **lang_query())


def _writable_school(code: str) -> Any:
    _no_viewers()
    session, actor = runtime.session(), common.actor()
    school = common.or_404(schools.get_school, session, actor, code)
    if not scope.school_allowed(session, actor, school.id, write=True):
        raise common.PageError(403)
    return school


# --- schools ---------------------------------------------------------------------------

SCHOOL_FIELDS = (
    "code",
    "name",
    "name_en",
    "type_code",
    "region_code",
    "address",
    "latitude",
    "longitude",
    "students",
    "teachers",
    "ordinary_classrooms",
    "opened_on",
)


def _school_choices() -> dict[str, list[tuple[str, str]]]:
    session, actor = runtime.session(), common.actor()
    types = [
        (t.code, f"{t.code} {t.name_en if language() == 'en' else t.name_zh}")
        for t in regions.list_school_types(session, actor)
    ]
    counties = [
        r
        for r in session.scalars(
            sa.select(Region).where(Region.level == RegionLevel.COUNTY).order_by(Region.code)
        )
        if scope.region_allowed(session, actor, r.code)
    ]
    return {
        "type_code": [("", "—"), *types],
        "region_code": [("", "—"), *((r.code, f"{r.code} {region_name(r)}") for r in counties)],
    }


@bp.route("/forms/schools/new", methods=["GET", "POST"])
@login_required
def school_new() -> Any:
    """Register a school."""
    _no_viewers()
    if common.actor().role not in (UserRole.ADMIN, UserRole.REGION_ADMIN):
        raise common.PageError(403)
    schema = SchoolSchema()
    page = FormPage(
        "new_school",
        widgets_for(schema, SCHOOL_FIELDS, {}, _school_choices()),
        url_for("forms.school_new", **lang_query()),
        url_for("overview.overview", **lang_query()),
    )

    def save(data: dict[str, Any]) -> str:
        school = schools.create_school(runtime.session(), common.actor(), data)
        return _school_page(school.code)

    return handle(page, schema, SCHOOL_FIELDS, save, partial=False)


@bp.route("/schools/<code>/edit", methods=["GET", "POST"])
@login_required
def school_edit(code: str) -> Any:
    """Change a school's registration."""
    school = _writable_school(code)
    schema = SchoolSchema()
    values = {name: getattr(school, name) for name in SCHOOL_FIELDS}
    page = FormPage(
        "edit_school",
        widgets_for(schema, SCHOOL_FIELDS, values, _school_choices()),
        url_for("forms.school_edit", code=code, **lang_query()),
        _school_page(code),
    )

    def save(data: dict[str, Any]) -> str:
        changed = {k: v for k, v in data.items() if getattr(school, k) != v}
        updated = schools.update_school(runtime.session(), common.actor(), code, changed)
        return _school_page(updated.code)

    return handle(page, schema, SCHOOL_FIELDS, save, partial=True)


# --- campus networks -------------------------------------------------------------------

NETWORK_FIELDS = ("architecture", "backbone_mbps", "wireless_coverage", "commissioned_on", "notes")


@bp.route("/schools/<code>/campus-networks/new", methods=["GET", "POST"])
@login_required
def network_new(code: str) -> Any:
    """Register a new state of the school's campus network."""
    school = _writable_school(code)
    schema = CampusNetworkSchema()
    page = FormPage(
        "new_network",
        widgets_for(schema, NETWORK_FIELDS, {}, {}),
        url_for("forms.network_new", code=code, **lang_query()),
        _school_page(school.code),
    )

    def save(data: dict[str, Any]) -> str:
        campus_networks.create_campus_network(runtime.session(), common.actor(), code, data)
        return _school_page(code)

    return handle(page, schema, NETWORK_FIELDS, save, partial=False)


@bp.route("/campus-networks/<int:network_id>/edit", methods=["GET", "POST"])
@login_required
def network_edit(network_id: int) -> Any:
    """Correct a state of a campus network."""
    _no_viewers()
    session, actor = runtime.session(), common.actor()
    network = common.or_404(campus_networks.get_campus_network, session, actor, network_id)
    code = _writable_school(network.school.code).code
    schema = CampusNetworkSchema()
    page = FormPage(
        "edit_network",
        widgets_for(schema, NETWORK_FIELDS, {n: getattr(network, n) for n in NETWORK_FIELDS}, {}),
        url_for("forms.network_edit", network_id=network_id, **lang_query()),
        _school_page(code),
    )

    def save(data: dict[str, Any]) -> str:
        campus_networks.update_campus_network(runtime.session(), common.actor(), network_id, data)
        return _school_page(code)

    return handle(page, schema, NETWORK_FIELDS, save, partial=True)


# --- uplinks ---------------------------------------------------------------------------

LINK_FIELDS = (
    "kind",
    "carrier",
    "medium",
    "down_mbps",
    "up_mbps",
    "circuit_id",
    "commissioned_on",
    "decommissioned_on",
    "device_id",
    "interface_name",
    "notes",
)


def _device_choices(code: str) -> list[tuple[str, str]]:
    found = devices.list_devices(runtime.session(), common.actor(), DeviceFilter(school=code), ALL)
    return [("", "—"), *((str(d.id), f"{d.name} ({d.mgmt_address})") for d in found.items)]


def _link_choices(code: str) -> dict[str, list[tuple[str, str]]]:
    carrier = _enum_choices(LinkSchema().fields["carrier"])  # type: ignore[arg-type]
    return {"device_id": _device_choices(code), "carrier": [("", "—"), *carrier]}


@bp.route("/schools/<code>/links/new", methods=["GET", "POST"])
@login_required
def link_new(code: str) -> Any:
    """Register an uplink of the school."""
    _writable_school(code)
    schema = LinkSchema()
    page = FormPage(
        "new_link",
        widgets_for(schema, LINK_FIELDS, {}, _link_choices(code)),
        url_for("forms.link_new", code=code, **lang_query()),
        _school_page(code),
    )

    def save(data: dict[str, Any]) -> str:
        links.create_link(runtime.session(), common.actor(), code, data)
        return _school_page(code)

    return handle(page, schema, LINK_FIELDS, save, partial=False)


@bp.route("/links/<int:link_id>/edit", methods=["GET", "POST"])
@login_required
def link_edit(link_id: int) -> Any:
    """Change an uplink."""
    _no_viewers()
    link = common.or_404(links.get_link, runtime.session(), common.actor(), link_id)
    code = _writable_school(link.school.code).code
    schema = LinkSchema()
    page = FormPage(
        "edit_link",
        widgets_for(
            schema, LINK_FIELDS, {n: getattr(link, n) for n in LINK_FIELDS}, _link_choices(code)
        ),
        url_for("forms.link_edit", link_id=link_id, **lang_query()),
        _school_page(code),
    )

    def save(data: dict[str, Any]) -> str:
        links.update_link(runtime.session(), common.actor(), link_id, data)
        return _school_page(code)

    return handle(page, schema, LINK_FIELDS, save, partial=True)


# --- devices ---------------------------------------------------------------------------

DEVICE_FIELDS = (
    "name",
    "role",
    "status",
    "mgmt_address",
    "snmp_port",
    "credential_id",
    "polling_enabled",
    "poll_interval_s",
    "vendor",
    "model",
    "serial",
    "notes",
)


def _credential_choices() -> dict[str, list[tuple[str, str]]]:
    found = credentials.list_credentials(runtime.session(), common.actor(), ALL)
    # Profiles by name only: a page never carries a community or a key.
    return {"credential_id": [("", "—"), *((str(c.id), c.name) for c in found.items)]}


@bp.route("/schools/<code>/devices/new", methods=["GET", "POST"])
@login_required
def device_new(code: str) -> Any:
    """Register a network device of the school."""
    _writable_school(code)
    schema = DeviceSchema()
    page = FormPage(
        "new_device",
        widgets_for(
            schema,
            DEVICE_FIELDS,
            {"snmp_port": 161, "polling_enabled": True},
            _credential_choices(),
        ),
        url_for("forms.device_new", code=code, **lang_query()),
        _school_page(code),
    )

    def save(data: dict[str, Any]) -> str:
        devices.create_device(runtime.session(), common.actor(), code, data)
        return _school_page(code)

    return handle(page, schema, DEVICE_FIELDS, save, partial=False)


@bp.route("/devices/<int:device_id>/edit", methods=["GET", "POST"])
@login_required
def device_edit(device_id: int) -> Any:
    """Change a network device."""
    _no_viewers()
    device = common.or_404(devices.get_device, runtime.session(), common.actor(), device_id)
    code = _writable_school(device.school.code).code
    schema = DeviceSchema()
    page = FormPage(
        "edit_device",
        widgets_for(
            schema,
            DEVICE_FIELDS,
            {n: getattr(device, n) for n in DEVICE_FIELDS},
            _credential_choices(),
        ),
        url_for("forms.device_edit", device_id=device_id, **lang_query()),
        _school_page(code),
    )

    def save(data: dict[str, Any]) -> str:
        devices.update_device(runtime.session(), common.actor(), device_id, data)
        return _school_page(code)

    return handle(page, schema, DEVICE_FIELDS, save, partial=True)


# --- classrooms ------------------------------------------------------------------------

CLASSROOM_FIELDS = (
    "room_code",
    "building",
    "floor",
    "kind",
    "display",
    "has_teacher_terminal",
    "has_visualiser",
    "has_audio",
    "has_recording",
    "wired_mbps",
    "wireless_mbps",
    "commissioned_on",
    "notes",
)


@bp.route("/schools/<code>/classrooms/new", methods=["GET", "POST"])
@login_required
def classroom_new(code: str) -> Any:
    """Register a classroom with its equipment checklist."""
    _writable_school(code)
    schema = ClassroomSchema()
    page = FormPage(
        "new_classroom",
        widgets_for(schema, CLASSROOM_FIELDS, {"kind": "ordinary", "display": "none"}, {}),
        url_for("forms.classroom_new", code=code, **lang_query()),
        _school_page(code),
    )

    def save(data: dict[str, Any]) -> str:
        classrooms.create_classroom(runtime.session(), common.actor(), code, data)
        return _school_page(code)

    return handle(page, schema, CLASSROOM_FIELDS, save, partial=False)


@bp.route("/classrooms/<int:classroom_id>/edit", methods=["GET", "POST"])
@login_required
def classroom_edit(classroom_id: int) -> Any:
    """Change a classroom and its equipment."""
    _no_viewers()
    room = common.or_404(classrooms.get_classroom, runtime.session(), common.actor(), classroom_id)
    code = _writable_school(room.school.code).code
    schema = ClassroomSchema()
    page = FormPage(
        "edit_classroom",
        widgets_for(schema, CLASSROOM_FIELDS, {n: getattr(room, n) for n in CLASSROOM_FIELDS}, {}),
        url_for("forms.classroom_edit", classroom_id=classroom_id, **lang_query()),
        _school_page(code),
    )

    def save(data: dict[str, Any]) -> str:
        classrooms.update_classroom(runtime.session(), common.actor(), classroom_id, data)
        return _school_page(code)

    return handle(page, schema, CLASSROOM_FIELDS, save, partial=True)
