"""Administrative regions and school types: the reference data everything hangs on."""

from __future__ import annotations

from decimal import Decimal
from typing import TypedDict

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from inventory import fieldspec as spec
from inventory.choices import RegionLevel, Stage
from inventory.models.base import Base, enum_type


class RegionValues(TypedDict, total=False):
    """What region services take as create data and patch changes (bound to REGION_FIELDS)."""

    code: str
    name_zh: str
    name_en: str
    level: RegionLevel
    parent_code: str | None
    seat_lat: Decimal | float | None
    seat_lon: Decimal | float | None


REGION_FIELDS = spec.table(
    "region",
    RegionValues,
    code=spec.Field(spec.REGION_CODE, required=True),
    name_zh=spec.Field(spec.Text(64), required=True),
    name_en=spec.Field(spec.Text(128), required=True),
    level=spec.Field(spec.Choice(RegionLevel), required=True),
    parent_code=spec.Field(spec.REGION_CODE),
    seat_lat=spec.Field(spec.LATITUDE),
    seat_lon=spec.Field(spec.LONGITUDE),
)


class Region(Base):
    """An administrative division (行政区划): province, prefecture or county, keyed by its code.

    ``path`` is the chain of codes from the root (``/530000/532300/532301/``) so that a region
    subtree is one indexed prefix match, whatever its depth.
    """

    __tablename__ = "region"

    code: Mapped[str] = mapped_column(REGION_FIELDS.sql_type("code"), primary_key=True)
    name_zh: Mapped[str] = mapped_column(REGION_FIELDS.sql_type("name_zh"))
    name_en: Mapped[str] = mapped_column(REGION_FIELDS.sql_type("name_en"))
    level: Mapped[RegionLevel] = mapped_column(enum_type(RegionLevel))
    parent_code: Mapped[str | None] = mapped_column(
        sa.ForeignKey("region.code", ondelete="RESTRICT"), index=True
    )
    path: Mapped[str] = mapped_column(sa.String(128))
    seat_lat: Mapped[Decimal | None] = mapped_column(REGION_FIELDS.sql_type("seat_lat"))
    seat_lon: Mapped[Decimal | None] = mapped_column(REGION_FIELDS.sql_type("seat_lon"))

    parent: Mapped[Region | None] = relationship(remote_side=[code])

    __table_args__ = (
        sa.Index("ix_region_path", "path", postgresql_ops={"path": "varchar_pattern_ops"}),
    )

    def __repr__(self) -> str:
        return f"Region({self.code!r}, {self.name_zh!r}, {self.level.value})"


class SchoolType(Base):
    """A Ministry of Education school-type code (办学类型), e.g. 211 小学."""

    __tablename__ = "school_type"

    code: Mapped[str] = mapped_column(sa.String(3), primary_key=True)
    name_zh: Mapped[str] = mapped_column(sa.String(64))
    name_en: Mapped[str] = mapped_column(sa.String(128))
    stage: Mapped[Stage] = mapped_column(enum_type(Stage))
    default_scope: Mapped[bool]

    def __repr__(self) -> str:
        return f"SchoolType({self.code!r}, {self.name_zh!r})"
