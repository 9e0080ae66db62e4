"""Coverage: standard versions added by admins, plans with milestones, published reports."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from inventory import fieldspec as spec
from inventory.choices import Metric, SnapshotKind
from inventory.models.base import Base, Timestamped, enum_type, utcnow

STANDARD_FIELDS = spec.table(
    "standard_version",
    version=spec.Field(spec.Text(32), required=True),
    name_zh=spec.Field(spec.Text(200), required=True),
    name_en=spec.Field(spec.Text(200), required=True),
)

PLAN_FIELDS = spec.table(
    "plan",
    code=spec.Field(spec.Text(64), required=True),
    name_zh=spec.Field(spec.Text(200), required=True),
    name_en=spec.Field(spec.Text(200), required=True),
    region_code=spec.Field(spec.REGION_CODE, required=True),
)

MILESTONE_FIELDS = spec.table(
    "milestone",
    metric=spec.Field(spec.Choice(Metric), required=True),
    region_code=spec.Field(spec.REGION_CODE),
    due_on=spec.Field(spec.DAY, required=True),
    value=spec.Field(spec.Share(), required=True),
    note=spec.Field(spec.NOTES),
)


class StandardVersion(Base):
    """A version of the coverage standard added by an admin; never edited once stored.

    The default standard ships as a file (inventory/standards/default.toml) and is not stored.
    """

    __tablename__ = "standard_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[str] = mapped_column(STANDARD_FIELDS.sql_type("version"), unique=True)
    name_zh: Mapped[str] = mapped_column(STANDARD_FIELDS.sql_type("name_zh"))
    name_en: Mapped[str] = mapped_column(STANDARD_FIELDS.sql_type("name_en"))
    source: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(sa.String(64))

    def __repr__(self) -> str:
        return f"StandardVersion({self.version!r})"


class Plan(Timestamped, Base):
    """A plan (规划) whose milestones the coverage is measured against."""

    __tablename__ = "plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(PLAN_FIELDS.sql_type("code"), unique=True)
    name_zh: Mapped[str] = mapped_column(PLAN_FIELDS.sql_type("name_zh"))
    name_en: Mapped[str] = mapped_column(PLAN_FIELDS.sql_type("name_en"))
    region_code: Mapped[str] = mapped_column(sa.ForeignKey("region.code", ondelete="RESTRICT"))

    milestones: Mapped[list[Milestone]] = relationship(
        back_populates="plan",
        cascade="all, delete-orphan",
        order_by="(Milestone.metric, Milestone.due_on, Milestone.id)",
    )

    def __repr__(self) -> str:
        return f"Plan({self.code!r})"


class Milestone(Timestamped, Base):
    """A target (目标): ``metric`` reaches ``value`` by ``due_on`` in a region, for some stages."""

    __tablename__ = "milestone"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(sa.ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    metric: Mapped[Metric] = mapped_column(enum_type(Metric))
    region_code: Mapped[str] = mapped_column(sa.ForeignKey("region.code", ondelete="RESTRICT"))
    # Stage values counted (empty: every stage in the standard's scope).
    stages: Mapped[list[Any]] = mapped_column(sa.JSON, default=list)
    due_on: Mapped[date]
    value: Mapped[float]
    note: Mapped[str | None] = mapped_column(MILESTONE_FIELDS.sql_type("note"))

    plan: Mapped[Plan] = relationship(back_populates="milestones")

    def __repr__(self) -> str:
        return f"Milestone({self.id}, {self.metric.value} ≥ {self.value} by {self.due_on})"


class ReportSnapshot(Base):
    """A published coverage report, frozen: later corrections to the inventory never change it."""

    __tablename__ = "report_snapshot"

    id: Mapped[int] = mapped_column(primary_key=True)
    as_of: Mapped[date]
    region_code: Mapped[str] = mapped_column(sa.ForeignKey("region.code", ondelete="RESTRICT"))
    standard_version: Mapped[str] = mapped_column(sa.String(32))
    kind: Mapped[SnapshotKind] = mapped_column(enum_type(SnapshotKind))
    published_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_by: Mapped[str] = mapped_column(sa.String(64))
    body: Mapped[dict[str, Any]] = mapped_column(sa.JSON)

    __table_args__ = (sa.Index("ix_report_snapshot_as_of", "as_of", "region_code"),)

    def __repr__(self) -> str:
        return f"ReportSnapshot({self.id}, {self.region_code} as of {self.as_of})"
