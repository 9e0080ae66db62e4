"""The coverage reads return typed records (inventory/coverage/results.py): pages read dates,
numbers and enums from them, the API's schemas dump them to the JSON they always sent, and a
published report freezes that same JSON."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from api.coverage.schemas import EvaluationSchema, GapSchema, ReportSchema, TrendSchema
from api.plans.schemas import MilestoneStatusSchema
from dashboards.overview import milestone_marks
from inventory import localday
from inventory.actor import Actor
from inventory.choices import (
    TIERS,
    CampusArchitecture,
    Metric,
    MilestoneStatus,
    RegionLevel,
    Stage,
    Tier,
    UserRole,
    WirelessCoverage,
)
from inventory.coverage import snapshots
from inventory.coverage.reasons import reason
from inventory.coverage.report import coverage_report
from inventory.coverage.results import (
    CountyRow,
    CoverageReport,
    Evaluation,
    Facts,
    Gap,
    Kindergartens,
    Metrics,
    MilestoneMark,
    MilestoneStanding,
    RegionLabel,
    RegionRef,
    RegionRow,
    RegionStageRow,
    SchoolRef,
    Side,
    StageRow,
    Trend,
    TrendPoint,
    Verification,
)
from inventory.db import make_sessionmaker
from inventory.errors import PermissionDenied
from inventory.models import ReportSnapshot
from inventory.standards.loader import default_standard
from inventory.unit_of_work import SessionUnitOfWork
from tests.coverage_fixture import D1, NOW, A, build

STANDARD = default_standard()
SYSTEM = Actor.system("t")
COUNTY = RegionRef("532301", "楚雄市", "Chuxiong City", RegionLevel.COUNTY)
PREFECTURE = RegionRef("532300", "楚雄州", "Chuxiong", RegionLevel.PREFECTURE)
DASHBOARDS = Path(__file__).resolve().parent.parent / "dashboards"


def _metrics(schools: int, met: int, rate: float | None) -> dict[str, Any]:
    tiers = {t: (met if t is Tier.MET else 0) for t in TIERS}
    return {
        "schools": schools,
        "tiers_declared": tiers,
        "tiers_verified": dict.fromkeys(TIERS, 0),
        "digital_campuses": met,
        "verified_digital_campuses": 0,
        "digital_campus_rate": rate,
        "verified_digital_campus_rate": None if rate is None else 0.0,
        "all_fibre_campuses": met,
        "all_fibre_rate": rate,
        "ordinary_classrooms": 10 * schools,
        "standard_classrooms": 9 * schools,
        "standard_classroom_rate": None if rate is None else 0.9,
        "gigabit_uplinks": met,
        "gigabit_uplink_rate": rate,
        "verified_gigabit_uplink_rate": None if rate is None else 0.0,
        "monitored_rate": None if rate is None else 0.333333,
    }


def _report() -> CoverageReport:
    return CoverageReport(
        region=PREFECTURE,
        as_of=date(2025, 6, 30),
        standard=STANDARD.summary(),
        digital_campus_tier=Tier.MET,
        verification=Verification.HISTORY,
        generated_at=localday.local(datetime(2025, 7, 1, 12, 5, tzinfo=UTC)),
        stages=(Stage.PRIMARY, Stage.SECONDARY),
        totals=Metrics(**_metrics(4, 3, 0.75)),
        by_region=(
            RegionRow(region=COUNTY, **_metrics(3, 2, 0.666667)),
            RegionRow(
                region=RegionRef(**{**vars(PREFECTURE), "direct": True}), **_metrics(1, 1, 1.0)
            ),
        ),
        by_stage=(StageRow(stage=Stage.PRIMARY, **_metrics(4, 3, 0.75)),),
        by_region_stage=(
            RegionStageRow(region=COUNTY, stage=Stage.PRIMARY, **_metrics(3, 2, 0.5)),
        ),
        counties=(
            CountyRow(region=COUNTY, rank=1, **_metrics(3, 2, 0.666667)),
            CountyRow(
                region=RegionRef("532323", "牟定县", "Mouding", RegionLevel.COUNTY),
                rank=None,
                **_metrics(0, 0, None),
            ),
        ),
        kindergartens=Kindergartens(Metrics(**_metrics(0, 0, None)), ()),
    )


def _side() -> Side:
    return Side(
        Tier.BASIC,
        Tier.MET,
        (
            reason("uplink_below", Tier.MET, have=100, need=1000),
            reason("wireless", Tier.MET, have=WirelessCoverage.PARTIAL, need=WirelessCoverage.FULL),
        ),
    )


SCHOOL = SchoolRef("2123010001", "学校S1", "211", Stage.PRIMARY, "532301", True)
FACTS = Facts(100, 0, False, CampusArchitecture.ALL_FIBRE, WirelessCoverage.PARTIAL, 10, 9)


def _same_bytes(dumped: dict[str, Any], frozen: dict[str, Any]) -> None:
    # Byte for byte, key order included: the API does not sort keys.
    assert json.dumps(dumped, ensure_ascii=False) == json.dumps(frozen, ensure_ascii=False)


def test_the_api_sends_a_report_as_the_json_a_published_one_is_frozen_as() -> None:
    report = _report()
    sent = ReportSchema().dump(report)
    assert sent == report.as_json()
    # Only the order of a row's keys differs, as it always did: the schema writes the metrics
    # first, the frozen body its region or stage first.
    assert list(sent["by_region"][0])[-1] == "region" and list(sent["counties"][0])[-1] == "rank"


def test_a_reports_json_writes_dates_enums_and_the_direct_region_as_before() -> None:
    body = _report().as_json()
    assert body["as_of"] == "2025-06-30"
    assert body["generated_at"] == "2025-07-01T20:05:00+08:00"  # the bureau's clock
    assert (body["verification"], body["digital_campus_tier"]) == ("history", "met")
    assert body["stages"] == ["primary", "secondary"]
    assert list(body)[:3] == ["region", "as_of", "standard"]
    row, direct = body["by_region"]
    assert next(iter(row)) == "region" and "direct" not in row["region"]
    assert direct["region"] == {**PREFECTURE.as_json(), "direct": True}
    assert row["tiers_declared"] == {"none": 0, "basic": 0, "met": 2, "model": 0}
    assert list(body["by_region_stage"][0])[:2] == ["region", "stage"]
    assert list(body["counties"][1])[-1] == "rank" and body["counties"][1]["rank"] is None


def test_a_report_is_read_through_its_attributes_with_dates_and_enums() -> None:
    report = _report()
    assert report.as_of == date(2025, 6, 30) and report.generated_at.utcoffset() is not None
    assert report.by_stage[0].stage is Stage.PRIMARY
    assert report.by_region[1].region.direct and not report.by_region[0].region.direct
    assert report.totals.rate(Metric.DIGITAL_CAMPUS_RATE) == 0.75
    assert {m: report.totals.rate(m) for m in Metric}  # every metric a trend follows is a rate
    assert report.counties[1].digital_campus_rate is None  # no schools: n/a, not 0
    assert report.by_region[0].tiers_declared[Tier.MET] == 2
    # Not a mapping: a reader that wants the JSON form asks for it.
    with pytest.raises(TypeError):
        report["as_of"]  # type: ignore[index]
    assert report.as_json()["as_of"] == "2025-06-30" and report.as_json()["totals"]["schools"] == 4


def test_evaluations_and_gaps_dump_as_their_json() -> None:
    side = _side()
    evaluation = Evaluation(
        school=SCHOOL,
        as_of=date(2025, 6, 30),
        standard=STANDARD.summary(),
        evaluated=True,
        facts=FACTS,
        declared=side,
        verified=side,
    )
    _same_bytes(EvaluationSchema().dump(evaluation), evaluation.as_json())
    closed = Evaluation(
        school=SCHOOL,
        as_of=date(2025, 6, 30),
        standard=STANDARD.summary(),
        evaluated=False,
        facts=None,
        declared=None,
        verified=None,
    )
    _same_bytes(EvaluationSchema().dump(closed), closed.as_json())
    gap = Gap(school=SCHOOL, facts=FACTS, declared=side, verified=side)
    _same_bytes(GapSchema().dump(gap), gap.as_json())
    reasons = evaluation.as_json()["declared"]["reasons"]
    assert reasons[1]["values"] == {"have": "partial", "need": "full"}
    assert reasons[0]["en"] == "uplink 100 Mbps < 1000 Mbps required"
    assert side.reasons[0].tier is Tier.MET and side.reasons[0].sentence("en") == reasons[0]["en"]


def test_a_trend_and_a_milestones_standing_dump_as_their_json() -> None:
    trend = Trend(
        metric=Metric.DIGITAL_CAMPUS_RATE,
        region=RegionLabel("532301", "楚雄市", "Chuxiong City"),
        standard=STANDARD.summary(),
        stages=None,
        start=date(2025, 1, 1),
        end=date(2025, 8, 31),
        points=(
            TrendPoint(date(2025, 6, 30), 0.6, projected=False),
            TrendPoint(date(2025, 7, 31), None, projected=True),
        ),
        milestones=(MilestoneMark(7, "plan", date(2025, 7, 15), 0.9, (Stage.PRIMARY,)),),
    )
    frozen = trend.as_json()
    assert frozen["from"] == "2025-01-01" and frozen["points"][0]["date"] == "2025-06-30"
    assert frozen["milestones"] == [
        {"id": 7, "plan": "plan", "due_on": "2025-07-15", "value": 0.9, "stages": ["primary"]}
    ]
    # "from" too, as documented (until the records were typed the API never sent it).
    _same_bytes(TrendSchema().dump(trend), frozen)
    standing = MilestoneStanding(
        id=7,
        plan="plan",
        metric=Metric.DIGITAL_CAMPUS_RATE,
        region_code="532301",
        stages=(),
        due_on=date(2025, 12, 31),
        value=0.9,
        note=None,
        current=0.6,
        value_at_due=None,
        projected_at_due=0.55,
        gap=0.3,
        status=MilestoneStatus.AT_RISK,
        standard=STANDARD.version,
    )
    _same_bytes(MilestoneStatusSchema().dump(standing), standing.as_json())
    assert standing.as_json()["due_on"] == "2025-12-31"


def test_the_overview_places_a_milestone_by_its_due_dates_month() -> None:
    months = [date(2025, 6, 30), date(2025, 7, 31), date(2025, 8, 31)]
    due_mid_july = MilestoneMark(1, "p", date(2025, 7, 15), 0.9, ())
    due_first_of_august = MilestoneMark(2, "p", date(2025, 8, 1), 0.95, ())
    beyond = MilestoneMark(3, "p", date(2025, 9, 30), 1.0, ())
    with Flask(__name__).test_request_context("/?lang=en"):
        marks = milestone_marks(
            months, [("rate", due_mid_july), ("rate", due_first_of_august), ("rate", beyond)]
        )
    assert marks == [(1, 0.9, "rate Jul 2025"), (2, 0.95, "rate Aug 2025")]


def test_no_page_parses_a_date_out_of_a_string() -> None:
    # dashboards/common.py reads the ?as_of= the reader typed; every other date a page shows
    # comes typed from a service.
    parsing = re.compile(r"fromisoformat|strptime|\[:7\]|\[:10\]")
    found = [
        f"{path.name}:{number}"
        for path in sorted(DASHBOARDS.glob("*.py"))
        if path.name != "common.py"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if parsing.search(line)
    ]
    assert found == []


# --- against the database ---------------------------------------------------------------------


@pytest.fixture
def inventory(session: Session) -> Any:
    built = build(session)
    session.commit()
    return built


def _published(engine: Engine) -> int:
    with make_sessionmaker(engine)() as other:
        return other.scalar(sa.select(sa.func.count()).select_from(ReportSnapshot)) or 0


def test_publishing_commits_its_own_transaction_and_a_refusal_writes_nothing(
    engine: Engine, session: Session, inventory: Any
) -> None:
    snapshot = snapshots.publish_report(SessionUnitOfWork(session), SYSTEM, D1, region=A, now=NOW)
    assert _published(engine) == 1  # seen from another connection: committed
    live = coverage_report(session, SYSTEM, STANDARD, region=A, as_of=D1, now=NOW)
    assert snapshot.body == live.as_json()
    viewer = Actor(user_id=2, name="v", role=UserRole.VIEWER)
    with pytest.raises(PermissionDenied):
        snapshots.publish_report(SessionUnitOfWork(session), viewer, D1, now=NOW)
    assert _published(engine) == 1


def test_a_live_report_has_typed_breakdowns(session: Session, inventory: Any) -> None:
    report = coverage_report(session, SYSTEM, STANDARD, region="532300", as_of=D1, now=NOW)
    assert report.as_of == D1 and report.verification is Verification.HISTORY
    assert [row.stage for row in report.by_stage][:2] == [Stage.PRIMARY, Stage.SECONDARY]
    assert all(isinstance(row.region.level, RegionLevel) for row in report.counties)
    ranks = [row.rank for row in report.counties if row.schools]
    assert ranks == list(range(1, len(ranks) + 1))
    assert ReportSchema().dump(report) == report.as_json()
