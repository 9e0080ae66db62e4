"""One school's tiers and why it misses the next one; the gap list of a region."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from inventory import localday
from inventory.actor import Actor
from inventory.choices import TIERS, CampusArchitecture, Stage, Tier, WirelessCoverage
from inventory.coverage.reasons import reason
from inventory.coverage.report import region_in_scope
from inventory.coverage.results import Evaluation, Facts, Gap, Reason, SchoolRef, Side
from inventory.coverage.schools import (
    WIRELESS_RANK,
    Selection,
    permille,
    school_rows,
    subtree_codes,
)
from inventory.coverage.verified import uses_live_verdicts
from inventory.models import LinkVerification, NetworkLink, Region
from inventory.models.base import utcnow
from inventory.services.common import PageRequest, PageResult, school_by_code
from inventory.standards.rules import Standard, TierRule


def _needed(rooms: int, share: float) -> int:
    """Rooms needed for a share of ``rooms``, rounded up, in whole thousandths."""
    return (rooms * permille(share) + 999) // 1000


def rule_reasons(
    standard: Standard, row: Mapping[Any, Any], tier: Tier, *, verified: bool
) -> list[Reason]:
    """What the school of ``row`` lacks for ``tier``'s own rule (tiers below are met)."""
    rule: TierRule = standard.tiers[tier]
    out: list[Reason] = []
    declared = int(row["uplink_mbps"])
    uplink = int(row["verified_mbps"]) if verified else declared
    need = rule.uplink_for(row["type_code"])
    if uplink < need:
        # When even the contracted bandwidth is short, that is the reason to give, verified
        # or not; otherwise the verified side explains why polling does not confirm it.
        shown = declared if declared < need else uplink
        if declared == 0:
            out.append(reason("uplink_missing", tier, need=need))
        else:
            out.append(reason("uplink_below", tier, have=shown, need=need))
    architecture = CampusArchitecture(row["architecture"])
    if architecture not in rule.campus:
        if architecture is CampusArchitecture.NONE:
            out.append(reason("campus_missing", tier))
        else:
            wanted = min(rule.campus, key=lambda a: list(CampusArchitecture).index(a))
            out.append(reason("campus_architecture", tier, have=architecture, need=wanted))
    wireless = WirelessCoverage(row["wireless"])
    if rule.wireless is not None and WIRELESS_RANK[wireless] < WIRELESS_RANK[rule.wireless]:
        out.append(reason("wireless", tier, have=wireless, need=rule.wireless))
    rooms = int(row["ordinary_rooms"])
    if rooms == 0:
        out.append(reason("no_classrooms", tier))
    else:
        needed = _needed(rooms, rule.classroom_ratio)
        if int(row["standard_rooms"]) < needed:
            out.append(
                reason(
                    "classrooms", tier, have=int(row["standard_rooms"]), rooms=rooms, need=needed
                )
            )
        if rule.classroom_wired_mbps and int(row["wired_rooms"]) < needed:
            out.append(
                reason(
                    "wired",
                    tier,
                    have=int(row["wired_rooms"]),
                    rooms=rooms,
                    need=needed,
                    mbps=rule.classroom_wired_mbps,
                )
            )
    return out


def verification_reasons(
    session: Session, standard: Standard, school_id: int, tier: Tier, as_of: date, now: datetime
) -> list[Reason]:
    """Why the school's uplinks are not confirmed by polling (the best active link's story)."""
    from inventory.coverage.schools import active_on

    links = list(
        session.scalars(
            sa.select(NetworkLink)
            .where(
                NetworkLink.school_id == school_id,
                active_on(NetworkLink.commissioned_on, NetworkLink.decommissioned_on, as_of),
            )
            .order_by(NetworkLink.down_mbps.desc(), NetworkLink.id)
        )
    )
    if not links:
        return []
    monitored = [link for link in links if link.device_id is not None]
    if not monitored:
        return [reason("not_monitored", tier)]
    if not uses_live_verdicts(as_of, now):
        return [reason("not_verified", tier, date=as_of.isoformat())]
    best = monitored[0]
    verdict = session.get(LinkVerification, best.id)
    if verdict is None:
        return [reason("never_polled", tier)]
    limit = standard.verification.max_poll_age_hours
    out: list[Reason] = []
    age = (now - verdict.checked_at).total_seconds() / 3600
    if age > limit:
        out.append(reason("stale", tier, hours=round(age, 1), limit=limit))
    days = standard.verification.window_days
    for item in verdict.reasons or []:
        code = item.get("code")
        if code == "stale":
            out.append(reason("stale", tier, hours=item.get("hours"), limit=limit))
        elif code == "down":
            out.append(reason("down", tier))
        elif code == "slow":
            out.append(
                reason(
                    "slow",
                    tier,
                    measured=item.get("measured_mbps"),
                    contracted=item.get("contracted_mbps"),
                )
            )
        elif code == "unavailable":
            out.append(
                reason(
                    "unavailable",
                    tier,
                    availability=item.get("availability"),
                    required=standard.verification.min_availability,
                    days=days,
                )
            )
        elif code == "poll_failed":
            since = {"since": item["since"]} if item.get("since") else {}
            out.append(reason("poll_failed", tier, failure=item.get("failure"), **since))
        elif code == "interface_missing":
            out.append(reason("interface_missing", tier, interface=item.get("interface")))
        elif code in ("not_monitored", "never_polled"):
            out.append(reason(code, tier))
    return out or [reason("not_verified", tier, date=as_of.isoformat())]


def _side(
    session: Session,
    standard: Standard,
    row: Mapping[Any, Any],
    *,
    verified: bool,
    up_to: Tier | None,
    as_of: date,
    now: datetime,
) -> Side:
    level = int(row["tier_verified" if verified else "tier_declared"])
    tier = TIERS[level]
    targets = (
        list(TIERS[level + 1 :]) if up_to is None else list(TIERS[level + 1 : up_to.level + 1])
    )
    if up_to is None:
        targets = targets[:1]
    reasons: list[Reason] = []
    for target in targets:
        found = rule_reasons(standard, row, target, verified=verified)
        if verified:
            declared_ok = not any(
                r.code.startswith("uplink")
                for r in rule_reasons(standard, row, target, verified=False)
            )
            if declared_ok and any(r.code == "uplink_below" for r in found):
                found = [r for r in found if r.code != "uplink_below"]
                found[:0] = verification_reasons(
                    session, standard, int(row["school_id"]), target, as_of, now
                )
        seen = {(r.code, r.en) for r in reasons}
        reasons.extend(r for r in found if (r.code, r.en) not in seen)
    return Side(tier, TIERS[level + 1] if level + 1 < len(TIERS) else None, tuple(reasons))


def _facts(row: Mapping[Any, Any]) -> Facts:
    return Facts(
        uplink_mbps=int(row["uplink_mbps"]),
        verified_uplink_mbps=int(row["verified_mbps"]),
        monitored=bool(row["monitored"]),
        campus_architecture=CampusArchitecture(row["architecture"]),
        wireless_coverage=WirelessCoverage(row["wireless"]),
        ordinary_classrooms=int(row["ordinary_rooms"]),
        standard_classrooms=int(row["standard_rooms"]),
    )


def _school_ref(row: Mapping[Any, Any]) -> SchoolRef:
    return SchoolRef(
        code=row["code"],
        name=row["name"],
        type_code=row["type_code"],
        stage=Stage(row["stage"]),
        region_code=row["region_code"],
        counted=bool(row["counted"]),
    )


def evaluate_school(
    session: Session,
    actor: Actor,
    standard: Standard,
    code: str,
    *,
    as_of: date | None = None,
    now: datetime | None = None,
) -> Evaluation:
    """A school's declared and verified tiers on a date, with what it lacks for the next tier.

    NotFound for an unknown or out-of-scope school. A school not open on the date, or of a type
    the standard neither counts nor reports, answers ``evaluated: false``.
    """
    now = now or utcnow()
    day = as_of or localday.day_of(now)
    school = school_by_code(session, actor, code)
    root = session.get(Region, school.region_code)
    assert root is not None
    rows = school_rows(standard, Selection(root.path, day, now, actor, school_id=school.id))
    row = session.execute(sa.select(rows)).mappings().first()
    ref = SchoolRef(
        code=school.code,
        name=school.name,
        type_code=school.type_code,
        stage=school.school_type.stage,
        region_code=school.region_code,
        counted=school.type_code in standard.school_types,
    )
    if row is None:
        return Evaluation(
            school=ref,
            as_of=day,
            standard=standard.summary(),
            evaluated=False,
            facts=None,
            declared=None,
            verified=None,
        )
    return Evaluation(
        school=ref,
        as_of=day,
        standard=standard.summary(),
        evaluated=True,
        facts=_facts(row),
        declared=_side(session, standard, row, verified=False, up_to=None, as_of=day, now=now),
        verified=_side(session, standard, row, verified=True, up_to=None, as_of=day, now=now),
    )


def gap_list(
    session: Session,
    actor: Actor,
    standard: Standard,
    *,
    region: str | None = None,
    as_of: date | None = None,
    stages: frozenset[Stage] | None = None,
    page: PageRequest | None = None,
    now: datetime | None = None,
) -> PageResult[Gap]:
    """Every counted school whose declared or verified tier is below the digital-campus tier,
    with what it lacks to reach it, by region then code; one page (all with ``page`` None)."""
    now = now or utcnow()
    day = as_of or localday.day_of(now)
    root = region_in_scope(session, actor, region)
    sel = Selection(
        root.path,
        day,
        now,
        actor,
        stages,
        include_separate=False,
        region_codes=subtree_codes(session, root.path),
    )
    rows = school_rows(standard, sel)
    target = standard.digital_campus_tier
    stmt = sa.select(rows).where(rows.c.counted.is_(True), rows.c.tier_verified < target.level)
    total = session.scalar(sa.select(sa.func.count()).select_from(stmt.subquery())) or 0
    stmt = stmt.order_by(rows.c.region_code, rows.c.code)
    if page is not None:
        stmt = stmt.limit(page.per_page).offset((page.page - 1) * page.per_page)
    items = [
        Gap(
            school=_school_ref(row),
            facts=_facts(row),
            declared=_side(
                session, standard, row, verified=False, up_to=target, as_of=day, now=now
            ),
            verified=_side(session, standard, row, verified=True, up_to=target, as_of=day, now=now),
        )
        for row in session.execute(stmt).mappings()
    ]
    number = page.page if page else 1
    size = page.per_page if page else max(total, 1)
    return PageResult(items, total, number, size)
