"""The per-school coverage query: what each school had on a date, and its two tiers.

One row per school open on the date, in a region subtree, of a type the standard counts or
reports separately (kindergartens). Columns: uplink (best active link, declared and
verified), campus network state in force, ordinary classrooms (the larger of the number the
school declares and the rows in service) and how many of them are standard, and the tier
levels 0–3 (未达标 … 示范) under the standard. Reports aggregate this query in SQL; the
evaluation of one school reads its row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from inventory import scope
from inventory.actor import Actor
from inventory.choices import TIERS, CampusArchitecture, Stage, Tier, WirelessCoverage
from inventory.coverage.verified import verified_links
from inventory.models import CampusNetwork, Classroom, NetworkLink, Region, School, SchoolType
from inventory.standards.rules import Standard, TierRule

WIRELESS_RANK = {WirelessCoverage.NONE: 0, WirelessCoverage.PARTIAL: 1, WirelessCoverage.FULL: 2}


@dataclass(frozen=True)
class Selection:
    """Which schools: a region subtree (by its path), on a date, optionally narrowed."""

    root_path: str
    as_of: date
    now: datetime
    actor: Actor
    stages: frozenset[Stage] | None = None
    school_id: int | None = None
    # Whether the standard's separately reported types (kindergartens) are included.
    include_separate: bool = True
    # The codes of the subtree, when the caller has them: an IN list lets the database use
    # the school's region index instead of joining every school to its region's path.
    region_codes: tuple[str, ...] | None = None


def active_on(
    start: sa.orm.QueryableAttribute[date | None] | sa.orm.QueryableAttribute[date],
    end: sa.orm.QueryableAttribute[date | None] | None,
    day: date,
) -> sa.ColumnElement[bool]:
    """SQL: the [start, end) interval includes ``day`` (a missing start means "always")."""
    started = sa.or_(start.is_(None), start <= day)
    if end is None:
        return started
    return sa.and_(started, sa.or_(end.is_(None), end > day))


def _in_subtree(sel: Selection) -> sa.ColumnElement[bool]:
    if sel.region_codes is not None:
        return School.region_code.in_(sel.region_codes)
    paths = sa.select(Region.code).where(Region.path.startswith(sel.root_path))
    return School.region_code.in_(paths)


def subtree_codes(session: Session, root_path: str) -> tuple[str, ...]:
    """The codes of the regions under a path (the root included)."""
    return tuple(session.scalars(sa.select(Region.code).where(Region.path.startswith(root_path))))


def _greater(a: sa.ColumnElement[int], b: sa.ColumnElement[int]) -> sa.ColumnElement[int]:
    return sa.case((a > b, a), else_=b)


def permille(share: float) -> int:
    """A share as a whole number of thousandths, so that 80 % of 30 rooms is exactly 24."""
    return round(share * 1000)


def school_rows(standard: Standard, sel: Selection) -> sa.Subquery:
    """The per-school subquery (see the module docstring)."""
    day = sel.as_of
    types = set(standard.school_types)
    if sel.include_separate:
        types |= standard.separate_types
    schools_stmt = (
        sa.select(
            School.id.label("school_id"),
            School.code.label("code"),
            School.name.label("name"),
            School.type_code.label("type_code"),
            School.region_code.label("region_code"),
            School.ordinary_classrooms.label("declared_rooms"),
            SchoolType.stage.label("stage"),
            School.type_code.in_(sorted(standard.school_types)).label("counted"),
        )
        .join(SchoolType, SchoolType.code == School.type_code)
        .where(
            _in_subtree(sel),
            School.type_code.in_(sorted(types)),
            active_on(School.opened_on, School.closed_on, day),
            scope.school_visible(sel.actor),
        )
    )
    if sel.stages:
        schools_stmt = schools_stmt.where(SchoolType.stage.in_(sorted(sel.stages)))
    if sel.school_id is not None:
        schools_stmt = schools_stmt.where(School.id == sel.school_id)
    base = schools_stmt.subquery("in_scope")

    room = standard.classroom
    is_standard = sa.and_(
        Classroom.display.in_(sorted(room.displays)),
        Classroom.has_teacher_terminal.is_(True) if room.teacher_terminal else sa.true(),
        Classroom.has_audio.is_(True) if room.audio else sa.true(),
        sa.or_(
            sa.func.coalesce(Classroom.wired_mbps, 0) >= room.min_access_mbps,
            sa.func.coalesce(Classroom.wireless_mbps, 0) >= room.min_access_mbps,
        ),
    )
    model = standard.tiers.get(Tier.MODEL)
    wired_min = model.classroom_wired_mbps if model and model.classroom_wired_mbps else 0
    rooms = (
        sa.select(
            Classroom.school_id,
            sa.func.count().label("rooms"),
            sa.func.sum(sa.case((is_standard, 1), else_=0)).label("standard_rooms"),
            sa.func.sum(
                sa.case(
                    (
                        sa.and_(
                            is_standard, sa.func.coalesce(Classroom.wired_mbps, 0) >= wired_min
                        ),
                        1,
                    ),
                    else_=0,
                )
            ).label("wired_rooms"),
        )
        .join(base, base.c.school_id == Classroom.school_id)
        .where(
            Classroom.kind.in_(sorted(room.ratio_kinds)),
            active_on(Classroom.commissioned_on, Classroom.decommissioned_on, day),
        )
        .group_by(Classroom.school_id)
        .subquery("rooms")
    )

    # Verified links are joined (not tested with IN): the database then looks each link's
    # verdict up by its key instead of hashing every verdict of the province.
    confirmed = verified_links(standard, day, sel.now, sa.select(base.c.school_id)).subquery(
        "confirmed"
    )
    if standard.verification.required:
        verified: sa.ColumnElement[bool] = confirmed.c.link_id.is_not(None)
    else:
        verified = sa.true()
    links = (
        sa.select(
            NetworkLink.school_id,
            sa.func.max(NetworkLink.down_mbps).label("uplink_mbps"),
            sa.func.max(sa.case((verified, NetworkLink.down_mbps))).label("verified_mbps"),
            sa.func.max(sa.case((NetworkLink.device_id.is_not(None), 1), else_=0)).label(
                "monitored"
            ),
        )
        .join(base, base.c.school_id == NetworkLink.school_id)
        .outerjoin(confirmed, confirmed.c.link_id == NetworkLink.id)
        .where(active_on(NetworkLink.commissioned_on, NetworkLink.decommissioned_on, day))
        .group_by(NetworkLink.school_id)
        .subquery("links")
    )

    # The state in force: the latest commissioned on or before the day, per school.
    ranked = (
        sa.select(
            CampusNetwork.school_id,
            CampusNetwork.architecture,
            CampusNetwork.wireless_coverage,
            sa.func.row_number()
            .over(
                partition_by=CampusNetwork.school_id,
                order_by=CampusNetwork.commissioned_on.desc(),
            )
            .label("recency"),
        )
        .join(base, base.c.school_id == CampusNetwork.school_id)
        .where(CampusNetwork.commissioned_on <= day)
        .subquery("ranked_campus")
    )
    campus = (
        sa.select(ranked.c.school_id, ranked.c.architecture, ranked.c.wireless_coverage)
        .where(ranked.c.recency == 1)
        .subquery("campus")
    )

    room_rows = sa.func.coalesce(rooms.c.rooms, 0)
    ordinary = _greater(sa.func.coalesce(base.c.declared_rooms, 0), room_rows)
    uplink = sa.func.coalesce(links.c.uplink_mbps, 0)
    verified_mbps = sa.func.coalesce(links.c.verified_mbps, 0)
    architecture = sa.func.coalesce(campus.c.architecture, CampusArchitecture.NONE.value)
    wireless = sa.func.coalesce(campus.c.wireless_coverage, WirelessCoverage.NONE.value)
    standard_rooms = sa.func.coalesce(rooms.c.standard_rooms, 0)
    wired_rooms = sa.func.coalesce(rooms.c.wired_rooms, 0)
    columns = {
        "ordinary_rooms": ordinary,
        "uplink": uplink,
        "verified": verified_mbps,
        "architecture": architecture,
        "wireless": wireless,
        "standard_rooms": standard_rooms,
        "wired_rooms": wired_rooms,
    }
    return (
        sa.select(
            base,
            uplink.label("uplink_mbps"),
            verified_mbps.label("verified_mbps"),
            sa.func.coalesce(links.c.monitored, 0).label("monitored"),
            architecture.label("architecture"),
            wireless.label("wireless"),
            ordinary.label("ordinary_rooms"),
            standard_rooms.label("standard_rooms"),
            wired_rooms.label("wired_rooms"),
            tier_level(standard, columns, base.c.type_code, declared=True).label("tier_declared"),
            tier_level(standard, columns, base.c.type_code, declared=False).label("tier_verified"),
        )
        .select_from(base)
        .outerjoin(rooms, rooms.c.school_id == base.c.school_id)
        .outerjoin(links, links.c.school_id == base.c.school_id)
        .outerjoin(campus, campus.c.school_id == base.c.school_id)
        .subquery("school_rows")
    )


def _meets(
    rule: TierRule,
    cols: dict[str, sa.ColumnElement[int]],
    type_code: sa.ColumnElement[str],
    uplink: sa.ColumnElement[int],
) -> sa.ColumnElement[bool]:
    required: sa.ColumnElement[int] = sa.literal(rule.uplink_mbps)
    if rule.uplink_mbps_by_type:
        required = sa.case(
            *((type_code == code, mbps) for code, mbps in sorted(rule.uplink_mbps_by_type.items())),
            else_=rule.uplink_mbps,
        )
    rooms = cols["ordinary_rooms"]
    conditions = [
        uplink >= required,
        cols["architecture"].in_(sorted(a.value for a in rule.campus)),
        rooms > 0,
        cols["standard_rooms"] * 1000 >= rooms * permille(rule.classroom_ratio),
    ]
    if rule.wireless is not None:
        good = [
            w.value for w, rank in WIRELESS_RANK.items() if rank >= WIRELESS_RANK[rule.wireless]
        ]
        conditions.append(cols["wireless"].in_(good))
    if rule.classroom_wired_mbps:
        conditions.append(cols["wired_rooms"] * 1000 >= rooms * permille(rule.classroom_ratio))
    return sa.and_(*conditions)


def tier_level(
    standard: Standard,
    cols: dict[str, sa.ColumnElement[int]],
    type_code: sa.ColumnElement[str],
    *,
    declared: bool,
) -> sa.ColumnElement[int]:
    """SQL: the tier level 0–3 of a school, from the highest tier whose rule (and every rule
    below it) it meets; the verified level counts only the verified uplink."""
    uplink = cols["uplink"] if declared else cols["verified"]
    whens = []
    for index in range(len(TIERS) - 1, 0, -1):
        rules = [standard.tiers[t] for t in TIERS[1 : index + 1] if t in standard.tiers]
        whens.append((sa.and_(*(_meets(r, cols, type_code, uplink) for r in rules)), index))
    return sa.case(*whens, else_=0)
