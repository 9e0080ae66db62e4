"""Schools and their classrooms."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from inventory import localday
from inventory.choices import ClassroomKind, DisplayKind, Lifecycle
from inventory.models.base import Base, Timestamped, enum_type, lifecycle_of
from inventory.models.regions import Region, SchoolType


class School(Timestamped, Base):
    """A school (学校), keyed by its 10-digit identification code (学校标识码).

    A school is never deleted while it has history: archiving sets ``closed_on`` so that
    coverage as of an earlier date still counts it.
    """

    __tablename__ = "school"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(10), unique=True)
    name: Mapped[str] = mapped_column(sa.String(128))
    name_en: Mapped[str | None] = mapped_column(sa.String(200))
    type_code: Mapped[str] = mapped_column(sa.ForeignKey("school_type.code", ondelete="RESTRICT"))
    region_code: Mapped[str] = mapped_column(sa.ForeignKey("region.code", ondelete="RESTRICT"))
    address: Mapped[str | None] = mapped_column(sa.String(200))
    latitude: Mapped[Decimal | None] = mapped_column(sa.Numeric(9, 6))
    longitude: Mapped[Decimal | None] = mapped_column(sa.Numeric(9, 6))
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
    room_code: Mapped[str] = mapped_column(sa.String(32))
    building: Mapped[str | None] = mapped_column(sa.String(64))
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
    notes: Mapped[str | None] = mapped_column(sa.String(500))

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
