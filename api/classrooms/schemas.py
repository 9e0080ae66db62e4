"""Classroom schemas: one for reading and writing, list filters for all and for one school."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import fields

from api.fields import ListArgs, Text, code, field_for, page_schema, sort_field
from inventory.choices import INTERACTIVE_DISPLAYS, ClassroomKind, Lifecycle
from inventory.fieldspec import REGION_CODE, SCHOOL_CODE
from inventory.models.schools import CLASSROOM_FIELDS as F
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
    room_code = field_for(F["room_code"], metadata={"description": "Room code, unique per school"})
    building = field_for(F["building"])
    floor = field_for(F["floor"])
    kind = field_for(F["kind"], metadata={"description": "Default: ordinary"})
    display = field_for(F["display"], metadata={"description": "Default: none"})
    has_interactive_display = fields.Function(
        lambda room: room.display in INTERACTIVE_DISPLAYS,
        dump_only=True,
        metadata={"type": "boolean", "description": "Interactive panel or whiteboard"},
    )
    has_teacher_terminal = Flag(metadata={"description": "Default: false"})
    has_visualiser = Flag(metadata={"description": "Default: false"})
    has_audio = Flag(metadata={"description": "Default: false"})
    has_recording = Flag(metadata={"description": "Default: false"})
    wired_mbps = field_for(F["wired_mbps"], metadata={"description": "null: no wired access"})
    wireless_mbps = field_for(
        F["wireless_mbps"], metadata={"description": "null: no wireless access"}
    )
    commissioned_on = field_for(F["commissioned_on"])
    decommissioned_on = field_for(F["decommissioned_on"])
    notes = field_for(F["notes"])
    status = fields.Enum(Lifecycle, by_value=True, dump_only=True)
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)


ClassroomPageSchema = page_schema(ClassroomSchema)


class SchoolClassroomListArgs(ListArgs):
    """Filters of one school's classroom list."""

    kind = fields.Enum(ClassroomKind, by_value=True)
    status = fields.Enum(Lifecycle, by_value=True)
    building = field_for(
        F["building"], allow_none=False, metadata={"description": "Building, exactly"}
    )
    q = Text(64, metadata={"description": "Part of the room code, building or notes"})
    sort = sort_field(SORTABLE, "room_code")


class ClassroomListArgs(SchoolClassroomListArgs):
    """Filters of the classroom list across schools."""

    school = code(SCHOOL_CODE, metadata={"description": "School code"})
    region = code(REGION_CODE, metadata={"description": "Region code: its subtree"})
    sort = sort_field(SORTABLE, "school_code")
