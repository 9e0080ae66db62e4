"""Verified on a past date (rollups), trends with projection, milestones, published snapshots —
on the hand-computed inventory of tests/coverage_fixture.py."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from inventory.actor import Actor
from inventory.choices import Metric, MilestoneStatus, SnapshotKind, Tier, UserRole
from inventory.coverage import snapshots, targets
from inventory.coverage.report import coverage_report
from inventory.coverage.trend import fit, month_ends, previous_month_end, trend
from inventory.errors import InvalidInput, NotFound, PermissionDenied
from inventory.models import HourlyRollup, InterfaceState, Milestone, Plan, ReportSnapshot
from inventory.standards.loader import default_standard
from tests.coverage_fixture import D1, D2, NOW, A, B, build

STANDARD = default_standard()
SYSTEM = Actor.system("t")


@pytest.fixture
def inventory(session: Session) -> Any:
    built = build(session)
    session.commit()
    return built


def _rollups(session: Session, device_id: int, end: datetime, down_hours: int, speed: int) -> None:
    """30 days of hourly rollups before ``end``: 12 polls an hour, the uplink port (ifIndex 1)
    down in ``down_hours`` hours spread over the window (never in the last day)."""
    session.add(
        InterfaceState(device_id=device_id, if_index=1, name="ge0/1", polled_at=end, oper_up=True)
    )
    rows = []
    hours = 30 * 24
    for n in range(hours):
        hour = end - timedelta(hours=hours - n)
        down = n < down_hours * 2 and n % 2 == 0
        rows.append(dict(device_id=device_id, if_index=-1, hour=hour, samples=12, up_samples=12))
        rows.append(
            dict(
                device_id=device_id,
                if_index=1,
                hour=hour,
                samples=12,
                up_samples=0 if down else 12,
                min_speed_mbps=speed,
            )
        )
    session.execute(sa.insert(HourlyRollup), rows)
    session.commit()


def _s1_verified_on_d1(session: Session) -> int:
    body = coverage_report(session, SYSTEM, STANDARD, region=A, as_of=D1, now=NOW)
    return body.totals.tiers_verified[Tier.MODEL]


def test_past_day_is_verified_from_rollups(session: Session, inventory: Any) -> None:
    device_id = inventory.links["S1"].device_id
    end = datetime(2024, 7, 1, tzinfo=UTC)
    _rollups(session, device_id, end, down_hours=7, speed=1000)  # 7/720 h down: 99.03 %
    assert _s1_verified_on_d1(session) == 1


def test_past_day_below_availability_is_not_verified(session: Session, inventory: Any) -> None:
    device_id = inventory.links["S1"].device_id
    _rollups(session, device_id, datetime(2024, 7, 1, tzinfo=UTC), down_hours=8, speed=1000)
    assert _s1_verified_on_d1(session) == 0  # 8/720 h down: 98.9 % < 99 %


def test_past_day_slow_or_unpolled_is_not_verified(session: Session, inventory: Any) -> None:
    device_id = inventory.links["S1"].device_id
    _rollups(session, device_id, datetime(2024, 7, 1, tzinfo=UTC), down_hours=0, speed=100)
    assert _s1_verified_on_d1(session) == 0  # negotiated 100 < contracted 1000
    # Rollups that stop two days before the date: not polled within 24 h.
    session.execute(sa.update(HourlyRollup).values(min_speed_mbps=1000))
    session.execute(
        sa.delete(HourlyRollup).where(HourlyRollup.hour >= datetime(2024, 6, 29, tzinfo=UTC))
    )
    session.commit()
    assert _s1_verified_on_d1(session) == 0


def test_month_helpers() -> None:
    assert previous_month_end(date(2025, 3, 15)) == date(2025, 2, 28)
    assert month_ends(date(2024, 11, 5), date(2025, 2, 1)) == [
        date(2024, 11, 30),
        date(2024, 12, 31),
        date(2025, 1, 31),
        date(2025, 2, 28),
    ]
    line = fit([(date(2025, 1, 1), 0.2), (date(2025, 1, 11), 0.3)])
    assert line is not None and line.at(date(2025, 1, 21)) == pytest.approx(0.4)
    assert fit([(date(2025, 1, 1), 0.2)]) is None


def test_trend_with_projection_and_milestones(session: Session, inventory: Any) -> None:
    targets.load_default_plan(session)
    plan = session.scalar(sa.select(Plan))
    assert plan is not None
    plan.milestones.append(
        Milestone(
            metric=Metric.DIGITAL_CAMPUS_RATE,
            region_code=A,
            stages=[],
            due_on=date(2025, 7, 31),
            value=0.9,
        )
    )
    session.commit()
    body = trend(
        session,
        SYSTEM,
        STANDARD,
        Metric.DIGITAL_CAMPUS_RATE,
        start=date(2024, 11, 1),
        end=date(2025, 8, 31),
        region=A,
        now=NOW,
    )
    values = [(p.date, p.value, p.projected) for p in body.points]
    # S2 met from 2025-01-01 (uplink), S4 closed 2025-01-01, S3 basic from 2025-03-01.
    assert values[:8] == [
        (date(2024, 11, 30), 0.5, False),
        (date(2024, 12, 31), 0.5, False),
        (date(2025, 1, 31), 0.8, False),
        (date(2025, 2, 28), 0.8, False),
        (date(2025, 3, 31), 0.6, False),
        (date(2025, 4, 30), 0.6, False),
        (date(2025, 5, 31), 0.6, False),
        (date(2025, 6, 30), 0.6, False),
    ]
    # The line through Dec–May and today falls: the projection is below 0.6.
    assert values[8][2] is True and values[9][2] is True
    assert values[9][1] < values[8][1] < 0.6
    assert [m.value for m in body.milestones] == [0.9]
    with pytest.raises(InvalidInput):
        trend(session, SYSTEM, STANDARD, Metric.ALL_FIBRE_RATE, start=D2, end=D1, now=NOW)


def _milestone(session: Session, metric: Metric, due: date, value: float) -> Milestone:
    plan = Plan(
        code=f"p-{metric.value}-{due}-{value}", name_zh="计划", name_en="plan", region_code=A
    )
    plan.milestones.append(
        Milestone(metric=metric, region_code=A, stages=[], due_on=due, value=value)
    )
    session.add(plan)
    session.commit()
    return plan.milestones[0]


@pytest.mark.parametrize(
    ("metric", "due", "value", "status"),
    [
        (Metric.DIGITAL_CAMPUS_RATE, date(2025, 12, 31), 0.5, MilestoneStatus.MET),  # 0.6 already
        (
            Metric.DIGITAL_CAMPUS_RATE,
            date(2025, 12, 31),
            0.9,
            MilestoneStatus.AT_RISK,
        ),  # falling line
        (
            Metric.DIGITAL_CAMPUS_RATE,
            date(2024, 12, 31),
            0.6,
            MilestoneStatus.NOT_MET,
        ),  # 0.5 on the day
        (Metric.DIGITAL_CAMPUS_RATE, date(2024, 12, 31), 0.5, MilestoneStatus.MET),
        (
            Metric.GIGABIT_UPLINK_RATE,
            date(2026, 6, 30),
            0.85,
            MilestoneStatus.ON_TRACK,
        ),  # 0.5 → 0.8, rising
    ],
)
def test_milestone_status(
    session: Session,
    inventory: Any,
    metric: Metric,
    due: date,
    value: float,
    status: MilestoneStatus,
) -> None:
    milestone = _milestone(session, metric, due, value)
    result = targets.milestone_status(session, SYSTEM, STANDARD, milestone, now=NOW)
    assert result.status is status
    if metric is Metric.DIGITAL_CAMPUS_RATE:
        assert result.current == 0.6
        assert result.gap == round(max(0.0, value - 0.6), 6)
    else:
        assert result.current == 0.8
        assert result.projected_at_due == 1.0  # the rising line, clipped at 100 %


def test_default_plan_is_loaded_once_with_the_files_milestones(session: Session) -> None:
    plan = targets.load_default_plan(session)
    assert plan is not None and plan.code == "chuxiong-2023-2025"
    due = {(m.metric.value, m.due_on.year) for m in plan.milestones}
    assert ("digital_campus_rate", 2025) in due and len(plan.milestones) == 13
    assert targets.load_default_plan(session) is None
    progress = targets.plan_progress(session, SYSTEM, STANDARD, plan.id, now=NOW)
    assert len(progress.milestones) == 13
    assert {m.status for m in progress.milestones} <= {MilestoneStatus.NO_DATA}  # no schools


def test_published_report_is_frozen(session: Session, inventory: Any) -> None:
    published = snapshots.publish(session, SYSTEM, D1, region="532300", now=NOW)
    session.commit()
    frozen = published.body["totals"]["schools"]
    assert frozen == 8 and published.standard_version == STANDARD.version
    # A correction after publication: S1 closes back in 2024.
    inventory.schools["S1"].closed_on = date(2024, 1, 1)
    session.commit()
    live = coverage_report(session, SYSTEM, STANDARD, region="532300", as_of=D1, now=NOW)
    assert live.totals.schools == 7
    again = snapshots.get_snapshot(session, SYSTEM, published.id)
    assert again.body["totals"]["schools"] == 8


def test_publish_month_end_is_idempotent(session: Session, inventory: Any) -> None:
    now = datetime(2025, 7, 3, 2, 0, tzinfo=UTC)
    first = snapshots.publish_month_end(session, now)
    session.commit()
    assert first is not None and first.as_of == date(2025, 6, 30)
    assert first.kind is SnapshotKind.MONTH_END and first.region_code == "530000"
    assert snapshots.publish_month_end(session, now + timedelta(days=1)) is None
    assert session.scalar(sa.select(sa.func.count()).select_from(ReportSnapshot)) == 1
    assert snapshots.publish_month_end(session, datetime(2025, 8, 1, tzinfo=UTC)) is not None


def test_snapshot_scope_and_rights(session: Session, inventory: Any) -> None:
    published = snapshots.publish(session, SYSTEM, D2, region=A, now=NOW)
    session.commit()
    other = Actor(user_id=1, name="b", role=UserRole.REGION_ADMIN, region_code=B)
    with pytest.raises(NotFound):
        snapshots.get_snapshot(session, other, published.id)
    viewer = Actor(user_id=2, name="v", role=UserRole.VIEWER)
    assert snapshots.get_snapshot(session, viewer, published.id).id == published.id
    with pytest.raises(PermissionDenied):
        snapshots.publish(session, viewer, D2)
    with pytest.raises(NotFound):
        snapshots.publish(session, other, D2, region=A)
    own = snapshots.publish(session, other, D2, now=NOW)
    assert own.region_code == B
