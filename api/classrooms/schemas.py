"""Classroom schemas: one for reading and writing, list filters for all and for one school."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from api.fields import Day, ListArgs, Mbps, Text, digits, page_schema, sort_field
from inventory.choices import INTERACTIVE_DISPLAYS, ClassroomKind, DisplayKind, Lifecycle
from inventory.services.classrooms import SORTABLE


class Flag(fields.Boolean):
    """A JSON true or false; strings and numbers (even 0 and 1) are rejected."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


class ClassroomSchema(ma.Schema):
    """A classroom (教室) as the API reads and writes it.

    Omitted fields take their defaults (ordinary, no display, no equipment) only on create;
    a PATCH leaves what it does not mention alone.
    """

    id = fields.Integer(dump_only=True)
    school_code = fields.String(attribute="school.code", dump_only=True)
    room_code = Text(32, required=True, metadata={"description": "Room code, unique per school"})
    building = Text(64, allow_none=True)
    floor = fields.Integer(strict=True, allow_none=True, validate=validate.Range(-5, 100))
    kind = fields.Enum(ClassroomKind, by_value=True, metadata={"description": "Default: ordinary"})
    display = fields.Enum(DisplayKind, by_value=True, metadata={"description": "Default: none"})
    has_interactive_display = fields.Function(
        lambda room: room.display in INTERACTIVE_DISPLAYS,
        dump_only=True,
        metadata={"type": "boolean", "description": "Interactive panel or whiteboard"},
    )
    has_teacher_terminal = Flag(metadata={"description": "Default: false"})
    has_visualiser = Flag(metadata={"description": "Default: false"})
    has_audio = Flag(metadata={"description": "Default: false"})
    has_recording = Flag(metadata={"description": "Default: false"})
    wired_mbps = Mbps(allow_none=True, metadata={"description": "null: no wired access"})
    wireless_mbps = Mbps(allow_none=True, metadata={"description": "null: no wireless access"})
    commissioned_on = Day(allow_none=True)
    decommissioned_on = Day(allow_none=True)
    notes = Text(500, allow_none=True)
    status = fields.Enum(Lifecycle, by_value=True, dump_only=True)
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)


ClassroomPageSchema = page_schema(ClassroomSchema)


class SchoolClassroomListArgs(ListArgs):
    """Filters of one school's classroom list."""

    kind = fields.Enum(ClassroomKind, by_value=True)
    status = fields.Enum(Lifecycle, by_value=True)
    building = Text(64, metadata={"description": "Building, exactly"})
    q = Text(64, metadata={"description": "Part of the room code, building or notes"})
    sort = sort_field(SORTABLE, "room_code")


class ClassroomListArgs(SchoolClassroomListArgs):
    """Filters of the classroom list across schools."""

    school = Text(10, validate=digits(10), metadata={"description": "School code"})
    region = Text(6, validate=digits(6), metadata={"description": "Region code: its subtree"})
    sort = sort_field(SORTABLE, "school_code")
