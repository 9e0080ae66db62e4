"""Reads behind the leadership pages that the coverage report does not answer: the schools of
a subtree with their tiers (for the drill-down list and the map) and the next plan milestone.

Both read the coverage module's per-school query, so a school's tier here is the one the
report counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from inventory import i18n
from inventory.actor import Actor
from inventory.choices import TIERS, Metric, Stage, Tier
from inventory.coverage.schools import Selection, school_rows
from inventory.i18n import N_
from inventory.models import Classroom, Milestone, Region, School
from inventory.services.common import PageRequest, PageResult
from inventory.standards.rules import Standard

HEADLINE_METRICS = (Metric.DIGITAL_CAMPUS_RATE, Metric.VERIFIED_DIGITAL_CAMPUS_RATE)


@dataclass(frozen=True)
class SchoolTier:
    """One counted school of a subtree on a date with its two tiers and its position."""

    code: str
    name: str
    region_code: str
    stage: Stage
    declared: Tier
    verified: Tier
    latitude: float | None
    longitude: float | None


def school_tiers(
    session: Session,
    actor: Actor,
    standard: Standard,
    root: Region,
    *,
    as_of: date,
    now: datetime,
    stages: frozenset[Stage] | None = None,
    tier: Tier | None = None,
    verified: bool = False,
    located_only: bool = False,
    page: PageRequest | None = None,
) -> PageResult[SchoolTier]:
    """The counted schools of ``root``'s subtree open on ``as_of``, by region then code;
    ``tier`` keeps those whose declared (or ``verified``) tier is exactly that one."""
    rows = school_rows(
        standard, Selection(root.path, as_of, now, actor, stages, include_separate=False)
    )
    level = rows.c.tier_verified if verified else rows.c.tier_declared
    stmt = (
        sa.select(
            rows.c.code,
            rows.c.name,
            rows.c.region_code,
            rows.c.stage,
            rows.c.tier_declared,
            rows.c.tier_verified,
            School.latitude,
            School.longitude,
        )
        .join(School, School.id == rows.c.school_id)
        .where(rows.c.counted.is_(True))
    )
    if tier is not None:
        stmt = stmt.where(level == tier.level)
    if located_only:
        stmt = stmt.where(School.latitude.is_not(None), School.longitude.is_not(None))
    total = session.scalar(sa.select(sa.func.count()).select_from(stmt.subquery())) or 0
    stmt = stmt.order_by(rows.c.region_code, rows.c.code)
    if page is not None:
        stmt = stmt.limit(page.per_page).offset((page.page - 1) * page.per_page)
    items = [
        SchoolTier(
            row.code,
            row.name,
            row.region_code,
            Stage(row.stage),
            TIERS[int(row.tier_declared)],
            TIERS[int(row.tier_verified)],
            float(row.latitude) if row.latitude is not None else None,
            float(row.longitude) if row.longitude is not None else None,
        )
        for row in session.execute(stmt)
    ]
    return PageResult(
        items, total, page.page if page else 1, page.per_page if page else max(total, 1)
    )


def next_milestone(session: Session, root: Region, on: date) -> Milestone | None:
    """The first headline milestone of ``root`` due on or after ``on``, else the last one due
    before it (so a page can say the plan's last step was missed or met)."""
    base = sa.select(Milestone).where(
        Milestone.region_code == root.code, Milestone.metric.in_(HEADLINE_METRICS)
    )
    ahead = session.scalars(
        base.where(Milestone.due_on >= on).order_by(
            Milestone.due_on, Milestone.metric, Milestone.id
        )
    ).first()
    if ahead is not None:
        return ahead
    return session.scalars(
        base.order_by(Milestone.due_on.desc(), Milestone.metric, Milestone.id)
    ).first()


def milestones_of(session: Session, root: Region, metric: Metric) -> list[Milestone]:
    """Every milestone of ``root`` on ``metric``, by due date."""
    return list(
        session.scalars(
            sa.select(Milestone)
            .where(Milestone.region_code == root.code, Milestone.metric == metric)
            .order_by(Milestone.due_on, Milestone.id)
        )
    )


def classroom_misses(standard: Standard, room: Classroom) -> list[tuple[str, str]]:
    """Why a classroom is not a standard digital classroom, as (Chinese, English) sentences;
    empty when it is one. The rule is the coverage query's (standard.classroom)."""
    rule = standard.classroom
    misses: list[tuple[str, dict[str, Any]]] = []
    if room.display not in rule.displays:
        misses.append((N_("no interactive display"), {}))
    if rule.teacher_terminal and not room.has_teacher_terminal:
        misses.append((N_("no teacher terminal"), {}))
    if rule.audio and not room.has_audio:
        misses.append((N_("no audio system"), {}))
    wired, wireless = room.wired_mbps or 0, room.wireless_mbps or 0
    if max(wired, wireless) < rule.min_access_mbps:
        have, need = max(wired, wireless), rule.min_access_mbps
        misses.append(
            (
                N_("network access %(have)s Mbps < %(need)s Mbps required"),
                {"have": have, "need": need},
            )
        )
    out = [(i18n.translate("zh", m, **v), i18n.translate("en", m, **v)) for m, v in misses]
    return out
