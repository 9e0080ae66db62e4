"""Schools and their classrooms."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TypedDict

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from inventory import fieldspec as spec
from inventory import localday
from inventory.choices import ClassroomKind, DisplayKind, Lifecycle
from inventory.models.base import Base, Timestamped, enum_type, lifecycle_of
from inventory.models.regions import Region, SchoolType

# Typed inputs: what services take as create data and as patch changes (any subset). The field
# tables below are bound to them (``spec.table``), so a field named in one is in the other.


class SchoolValues(TypedDict, total=False):
    code: str
    name: str
    name_en: str | None
    type_code: str
    region_code: str
    address: str | None
    latitude: Decimal | float | None
    longitude: Decimal | float | None
    students: int | None
    teachers: int | None
    ordinary_classrooms: int | None
    opened_on: date | None
    closed_on: date | None


class ClassroomValues(TypedDict, total=False):
    room_code: str
    building: str | None
    floor: int | None
    kind: ClassroomKind
    display: DisplayKind
    has_teacher_terminal: bool
    has_visualiser: bool
    has_audio: bool
    has_recording: bool
    wired_mbps: int | None
    wireless_mbps: int | None
    commissioned_on: date | None
    decommissioned_on: date | None
    notes: str | None


SCHOOL_FIELDS = spec.table(
    "school",
    SchoolValues,
    code=spec.Field(spec.SCHOOL_CODE, required=True),
    name=spec.Field(spec.Text(128), required=True),
    name_en=spec.Field(spec.Text(200)),
    type_code=spec.Field(spec.SCHOOL_TYPE_CODE, required=True),
    region_code=spec.Field(spec.REGION_CODE, required=True),
    address=spec.Field(spec.Text(200)),
    latitude=spec.Field(spec.LATITUDE),
    longitude=spec.Field(spec.LONGITUDE),
    students=spec.Field(spec.Whole(0, 100_000)),
    teachers=spec.Field(spec.Whole(0, 10_000)),
    ordinary_classrooms=spec.Field(spec.Whole(0, 2_000)),
    opened_on=spec.Field(spec.DAY),
    closed_on=spec.Field(spec.DAY),
)

CLASSROOM_FIELDS = spec.table(
    "classroom",
    ClassroomValues,
    room_code=spec.Field(spec.Text(32), required=True),
    building=spec.Field(spec.Text(64)),
    floor=spec.Field(spec.Whole(-5, 100)),
    kind=spec.Field(spec.Choice(ClassroomKind), default=ClassroomKind.ORDINARY),
    display=spec.Field(spec.Choice(DisplayKind), default=DisplayKind.NONE),
    has_teacher_terminal=spec.Field(spec.Flag(), default=False),
    has_visualiser=spec.Field(spec.Flag(), default=False),
    has_audio=spec.Field(spec.Flag(), default=False),
    has_recording=spec.Field(spec.Flag(), default=False),
    wired_mbps=spec.Field(spec.BANDWIDTH),
    wireless_mbps=spec.Field(spec.BANDWIDTH),
    commissioned_on=spec.Field(spec.DAY),
    decommissioned_on=spec.Field(spec.DAY),
    notes=spec.Field(spec.NOTES),
)


class School(Timestamped, Base):
    """A school (学校), keyed by its 10-digit identification code (学校标识码).

    A school is never deleted while it has history: archiving sets ``closed_on`` so that
    coverage as of an earlier date still counts it.
    """

    __tablename__ = "school"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(SCHOOL_FIELDS.sql_type("code"), unique=True)
    name: Mapped[str] = mapped_column(SCHOOL_FIELDS.sql_type("name"))
    name_en: Mapped[str | None] = mapped_column(SCHOOL_FIELDS.sql_type("name_en"))
    type_code: Mapped[str] = mapped_column(sa.ForeignKey("school_type.code", ondelete="RESTRICT"))
    region_code: Mapped[str] = mapped_column(sa.ForeignKey("region.code", ondelete="RESTRICT"))
    address: Mapped[str | None] = mapped_column(SCHOOL_FIELDS.sql_type("address"))
    latitude: Mapped[Decimal | None] = mapped_column(SCHOOL_FIELDS.sql_type("latitude"))
    longitude: Mapped[Decimal | None] = mapped_column(SCHOOL_FIELDS.sql_type("longitude"))
    students: Mapped[int | None]
    teachers: Mapped[int | None]
    ordinary_classrooms: Mapped[int | None]
    opened_on: Mapped[date | None]
    closed_on: Mapped[date | None]

    school_type: Mapped[SchoolType] = relationship(lazy="joined", innerjoin=True)
    region: Mapped[Region] = relationship(lazy="joined", innerjoin=True)

    __table_args__ = (
        sa.Index("ix_school_region_type", "region_code", "type_code"),
        sa.Index("ix_school_type_code", "type_code"),
        sa.Index("ix_school_open_close", "opened_on", "closed_on"),
    )

    @property
    def status(self) -> Lifecycle:
        """planned / active / closed today, from the opened and closed dates."""
        return lifecycle_of(self.opened_on, self.closed_on, localday.today())

    def __repr__(self) -> str:
        return f"School({self.code!r}, {self.name!r})"


class Classroom(Timestamped, Base):
    """A classroom (教室) of a school, with its digital-teaching equipment.

    Counted as a digital classroom between ``commissioned_on`` and ``decommissioned_on``.
    """

    __tablename__ = "classroom"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id", ondelete="CASCADE"))
    room_code: Mapped[str] = mapped_column(CLASSROOM_FIELDS.sql_type("room_code"))
    building: Mapped[str | None] = mapped_column(CLASSROOM_FIELDS.sql_type("building"))
    floor: Mapped[int | None]
    kind: Mapped[ClassroomKind] = mapped_column(enum_type(ClassroomKind))
    display: Mapped[DisplayKind] = mapped_column(enum_type(DisplayKind))
    has_teacher_terminal: Mapped[bool] = mapped_column(default=False)
    has_visualiser: Mapped[bool] = mapped_column(default=False)
    has_audio: Mapped[bool] = mapped_column(default=False)
    has_recording: Mapped[bool] = mapped_column(default=False)
    wired_mbps: Mapped[int | None]
    wireless_mbps: Mapped[int | None]
    commissioned_on: Mapped[date | None]
    decommissioned_on: Mapped[date | None]
    notes: Mapped[str | None] = mapped_column(CLASSROOM_FIELDS.sql_type("notes"))

    school: Mapped[School] = relationship(lazy="joined", innerjoin=True)

    __table_args__ = (
        sa.UniqueConstraint("school_id", "room_code", name="uq_classroom_school_room"),
        sa.Index("ix_classroom_school_dates", "school_id", "commissioned_on", "decommissioned_on"),
        # Coverage reads every classroom of a region's schools from this index alone
        # (PostgreSQL index-only scans): what makes a classroom standard is in it.
        sa.Index(
            "ix_classroom_coverage",
            "school_id",
            "kind",
            postgresql_include=[
                "commissioned_on",
                "decommissioned_on",
                "display",
                "has_teacher_terminal",
                "has_audio",
                "wired_mbps",
                "wireless_mbps",
            ],
        ),
    )

    @property
    def status(self) -> Lifecycle:
        """planned / in service / decommissioned today, from the commissioning dates."""
        return lifecycle_of(self.commissioned_on, self.decommissioned_on, localday.today())

    def __repr__(self) -> str:
        return f"Classroom({self.id}, school={self.school_id}, room={self.room_code!r})"
