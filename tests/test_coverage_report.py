"""Coverage worked out by hand on the inventory of tests/coverage_fixture.py (read it first).

Tiers on D1 (2024-06-30, verification from rollups: none kept, so nothing is verified):
  A: S1 model, S2 basic (100 Mbps, copper), S3 met, S4 basic (100 Mbps < 1000 for a 211),
     S5 met (teaching point: 100 Mbps is enough), S7 none (no ordinary classrooms)
  B: S8 model, S9 none
Tiers on D2 (2025-06-30 = today, verification from the stored verdicts):
  A: S1 model (verified model), S2 met (uplink upgraded 2025-01-01), S3 basic (9 of 10 rooms),
     S4 closed, S5 met, S7 none;  B: S8 model (verified none: down), S9 none
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any, TypeVar

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from inventory.actor import Actor
from inventory.choices import Stage, Tier, UserRole
from inventory.coverage.evaluation import evaluate_school, gap_list
from inventory.coverage.report import coverage_report
from inventory.coverage.results import CountyRow, CoverageReport, RegionRow, Side, Verification
from inventory.errors import NotFound
from inventory.models import Region
from inventory.standards.loader import default_standard
from tests.coverage_fixture import D1, D2, NOW, A, B, C, build

STANDARD = default_standard()
PREFECTURE = "532300"


@pytest.fixture
def inventory(session: Session) -> Any:
    built = build(session)
    session.commit()
    return built


def report(session: Session, as_of: Any, actor: Actor | None = None, **kw: Any) -> CoverageReport:
    return coverage_report(
        session,
        actor or Actor.system("t"),
        STANDARD,
        region=kw.pop("region", PREFECTURE),
        as_of=as_of,
        now=NOW,
        **kw,
    )


Row = TypeVar("Row", RegionRow, CountyRow)


def row(rows: Iterable[Row], code: str) -> Row:
    return next(r for r in rows if r.region.code == code)


def tiers(none: int, basic: int, met: int, model: int) -> dict[Tier, int]:
    return {Tier.NONE: none, Tier.BASIC: basic, Tier.MET: met, Tier.MODEL: model}


def test_county_a_on_d2(session: Session, inventory: Any) -> None:
    body = report(session, D2)
    a = row(body.by_region, A)
    assert a.schools == 5  # S1 S2 S3 S5 S7: S4 closed, S6 kindergarten
    assert a.tiers_declared == tiers(1, 1, 2, 1)
    assert a.tiers_verified == tiers(4, 0, 0, 1)
    assert a.digital_campus_rate == 0.6  # S1 S2 S5
    assert a.verified_digital_campus_rate == 0.2  # S1 only
    assert a.all_fibre_rate == 0.8  # all but S7 (hybrid)
    assert (a.standard_classrooms, a.ordinary_classrooms) == (25, 26)
    assert a.standard_classroom_rate == round(25 / 26, 6)
    assert a.gigabit_uplink_rate == 0.8  # all but S5
    assert body.standard["version"] == STANDARD.version
    assert body.verification is Verification.LIVE


def test_county_b_on_d2_verified_below_declared(session: Session, inventory: Any) -> None:
    b = row(report(session, D2).by_region, B)
    assert b.schools == 2  # S10 opens in 2026
    assert b.tiers_declared == tiers(1, 0, 0, 1)
    assert b.tiers_verified == tiers(2, 0, 0, 0)  # S8's uplink is down
    assert b.digital_campus_rate == 0.5
    assert b.verified_digital_campus_rate == 0.0
    assert (b.standard_classrooms, b.ordinary_classrooms) == (6, 10)


def test_a_county_without_schools_has_no_rate(session: Session, inventory: Any) -> None:
    body = report(session, D2)
    c = row(body.by_region, C)
    assert c.schools == 0
    assert c.digital_campus_rate is None
    assert c.standard_classroom_rate is None
    ranked = body.counties
    assert [r.region.code for r in ranked[:2]] == [A, B]
    assert [r.rank for r in ranked[:2]] == [1, 2]
    assert row(ranked, C).rank is None
    assert len(ranked) == 10


def test_totals_stages_and_kindergartens_on_d2(session: Session, inventory: Any) -> None:
    body = report(session, D2)
    totals = body.totals
    assert totals.schools == 7
    assert totals.digital_campus_rate == round(4 / 7, 6)
    assert totals.verified_digital_campus_rate == round(1 / 7, 6)
    assert totals.all_fibre_rate == round(5 / 7, 6)
    assert totals.standard_classroom_rate == round(31 / 36, 6)
    assert totals.gigabit_uplink_rate == round(5 / 7, 6)
    stages = {r.stage: r for r in body.by_stage}
    assert stages[Stage.PRIMARY].schools == 4 and stages[Stage.PRIMARY].digital_campus_rate == 0.75
    assert (
        stages[Stage.SECONDARY].schools == 2 and stages[Stage.SECONDARY].digital_campus_rate == 0.5
    )
    assert stages[Stage.VOCATIONAL].schools == 1
    assert stages[Stage.SPECIAL].schools == 0 and stages[Stage.SPECIAL].digital_campus_rate is None
    assert body.kindergartens.totals.schools == 1
    assert body.kindergartens.totals.tiers_declared == tiers(0, 0, 0, 1)
    matrix = {(r.region.code, r.stage): r.schools for r in body.by_region_stage}
    assert matrix == {
        (A, Stage.PRIMARY): 4,
        (A, Stage.SECONDARY): 1,
        (B, Stage.SECONDARY): 1,
        (B, Stage.VOCATIONAL): 1,
    }


def test_county_a_on_d1(session: Session, inventory: Any) -> None:
    body = report(session, D1)
    assert body.verification is Verification.HISTORY
    a = row(body.by_region, A)
    assert a.schools == 6  # S4 still open
    assert a.tiers_declared == tiers(1, 2, 2, 1)
    assert a.tiers_verified == tiers(6, 0, 0, 0)  # no rollups kept: nothing confirmed
    assert a.digital_campus_rate == 0.5
    assert a.all_fibre_rate == round(4 / 6, 6)  # S2 still copper, S7 hybrid
    assert (a.standard_classrooms, a.ordinary_classrooms) == (31, 31)
    assert a.gigabit_uplink_rate == 0.5  # S1 S3 S7


def test_stage_filter(session: Session, inventory: Any) -> None:
    body = report(session, D2, stages=frozenset({Stage.SECONDARY}))
    assert body.totals.schools == 2
    assert row(body.by_region, A).tiers_declared == tiers(0, 1, 0, 0)


def test_a_stale_verdict_does_not_verify(session: Session, inventory: Any) -> None:
    later = NOW + timedelta(hours=30)
    body = coverage_report(session, Actor.system("t"), STANDARD, region=A, as_of=D2, now=later)
    assert body.totals.tiers_verified[Tier.MODEL] == 0


def test_scope_region_admin_sees_only_its_subtree(session: Session, inventory: Any) -> None:
    admin_b = Actor(user_id=1, name="b", role=UserRole.REGION_ADMIN, region_code=B)
    body = report(session, D2, actor=admin_b, region=None)
    assert body.region.code == B
    assert body.totals.schools == 2
    with pytest.raises(NotFound):
        report(session, D2, actor=admin_b, region=A)
    with pytest.raises(NotFound):
        report(session, D2, actor=admin_b, region=PREFECTURE)
    staff = Actor(
        user_id=2,
        name="s",
        role=UserRole.SCHOOL_STAFF,
        school_ids=frozenset({inventory.schools["S1"].id}),
    )
    assert report(session, D2, actor=staff).totals.schools == 1


def _reasons(side: Side | None) -> list[str]:
    assert side is not None
    return [r.en for r in side.reasons]


def test_uplink_upgrade_and_its_reason(session: Session, inventory: Any) -> None:
    actor = Actor.system("t")
    code = inventory.schools["S4"].code
    before = evaluate_school(session, actor, STANDARD, code, as_of=D1, now=NOW)
    assert before.declared.tier is Tier.BASIC
    assert _reasons(before.declared) == ["uplink 100 Mbps < 1000 Mbps required"]
    assert before.declared.reasons[0].zh == "出口带宽 100 Mbps < 要求的 1000 Mbps"
    s2 = inventory.schools["S2"].code
    assert (
        evaluate_school(session, actor, STANDARD, s2, as_of=D1, now=NOW).declared.tier is Tier.BASIC
    )
    after = evaluate_school(session, actor, STANDARD, s2, as_of=D2, now=NOW)
    assert after.declared.tier is Tier.MET
    assert after.facts.uplink_mbps == 1000
    assert _reasons(after.declared) == [
        "wireless coverage of teaching areas is partial; full required"
    ]
    assert _reasons(after.verified) == ["uplink not monitored"]


def test_classroom_decommissioned_reason(session: Session, inventory: Any) -> None:
    result = evaluate_school(
        session, Actor.system("t"), STANDARD, inventory.schools["S3"].code, as_of=D2, now=NOW
    )
    assert result.declared.tier is Tier.BASIC
    assert _reasons(result.declared) == ["9 of 10 ordinary classrooms are standard (10 required)"]
    assert result.declared.reasons[0].values == {"have": 9, "rooms": 10, "need": 10}


def test_down_uplink_reasons(session: Session, inventory: Any) -> None:
    result = evaluate_school(
        session, Actor.system("t"), STANDARD, inventory.schools["S8"].code, as_of=D2, now=NOW
    )
    assert (result.declared.tier, result.verified.tier) == (Tier.MODEL, Tier.NONE)
    assert _reasons(result.verified) == [
        "uplink interface is down",
        "30-day availability 97.2 % < 99.0 %",
    ]
    assert result.verified.reasons[1].zh == "30 天可用率 97.2 % < 99.0 %"


def test_zero_classrooms_and_teaching_point(session: Session, inventory: Any) -> None:
    actor = Actor.system("t")
    s7 = evaluate_school(session, actor, STANDARD, inventory.schools["S7"].code, as_of=D2, now=NOW)
    assert s7.declared.tier is Tier.NONE
    assert _reasons(s7.declared) == ["no ordinary classrooms"]
    s5 = evaluate_school(session, actor, STANDARD, inventory.schools["S5"].code, as_of=D2, now=NOW)
    assert s5.declared.tier is Tier.MET  # 100 Mbps is the teaching points' threshold
    assert _reasons(s5.declared) == [
        "uplink 100 Mbps < 1000 Mbps required",
        "wireless coverage of teaching areas is not covered; full required",
    ]


def test_closed_and_planned_schools_are_not_evaluated(session: Session, inventory: Any) -> None:
    actor = Actor.system("t")
    s4 = evaluate_school(session, actor, STANDARD, inventory.schools["S4"].code, as_of=D2, now=NOW)
    assert s4.evaluated is False
    s10 = evaluate_school(
        session, actor, STANDARD, inventory.schools["S10"].code, as_of=D2, now=NOW
    )
    assert s10.evaluated is False
    with pytest.raises(NotFound):
        evaluate_school(session, actor, STANDARD, "0000000000", as_of=D2, now=NOW)


def test_gap_list(session: Session, inventory: Any) -> None:
    actor = Actor.system("t")
    gaps = gap_list(session, actor, STANDARD, region=PREFECTURE, as_of=D2, now=NOW)
    names = sorted(item.school.name for item in gaps.items)
    # Verified below 达标: every counted school but S1.
    assert names == ["学校S2", "学校S3", "学校S5", "学校S7", "学校S8", "学校S9"]
    s9 = next(i for i in gaps.items if i.school.name == "学校S9")
    assert _reasons(s9.declared) == [
        "no campus network registered",
        "0 of 4 ordinary classrooms are standard (4 required)",
        "uplink 100 Mbps < 1000 Mbps required",
    ]
    only_b = gap_list(session, actor, STANDARD, region=B, as_of=D2, now=NOW)
    assert only_b.total == 2


def test_rates_need_a_known_region(session: Session, inventory: Any) -> None:
    with pytest.raises(NotFound):
        report(session, D2, region="999999")
    assert session.get(Region, C) is not None
    assert session.scalar(sa.select(sa.func.count()).select_from(Region)) >= 12


def test_verified_side_names_the_contract_when_it_is_short(
    session: Session, inventory: Any
) -> None:
    result = evaluate_school(
        session, Actor.system("t"), STANDARD, inventory.schools["S4"].code, as_of=D1, now=NOW
    )
    # Basic: 100 Mbps is contracted but not monitored; met: the contract itself is short.
    assert result.verified.tier is Tier.NONE
    assert _reasons(result.verified) == ["uplink not monitored"]
    gaps = gap_list(session, Actor.system("t"), STANDARD, region=A, as_of=D1, now=NOW)
    s4 = next(i for i in gaps.items if i.school.code == inventory.schools["S4"].code)
    assert _reasons(s4.verified) == [
        "uplink not monitored",
        "uplink 100 Mbps < 1000 Mbps required",
    ]
