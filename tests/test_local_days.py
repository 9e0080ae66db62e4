"""The bureau's day (DESIGN.md): outages, polls and commissioning dates a few minutes either
side of local midnight are counted on the bureau's date, not the UTC one.

Asia/Shanghai is UTC+8: local midnight of 2026-01-01 is 2025-12-31 16:00 UTC, so BEFORE
(15:55 UTC) is 23:55 on 31 December and AFTER (16:05 UTC) is 00:05 on 1 January there —
the same UTC date, two local dates.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from api.config import ConfigError
from collectors import scheduler
from inventory import localday
from inventory.actor import Actor
from inventory.choices import (
    CampusArchitecture,
    Metric,
    OutageCause,
    SnapshotKind,
    Tier,
    UserRole,
    WirelessCoverage,
)
from inventory.coverage import evaluation, snapshots
from inventory.coverage.report import coverage_report
from inventory.coverage.results import TrendPoint, Verification
from inventory.coverage.trend import trend
from inventory.db import make_sessionmaker
from inventory.models import HourlyRollup, InterfaceState, NetworkLink, Outage, PollSample
from inventory.services import accounts, monitoring, polling
from inventory.standards.loader import default_standard
from tests.conftest import FERNET_KEY
from tests.coverage_fixture import A, Builder, build
from web import create_app

STANDARD = default_standard()
SYSTEM = Actor.system("t")
DEC31, JAN1, JAN2 = date(2025, 12, 31), date(2026, 1, 1), date(2026, 1, 2)
MIDNIGHT = datetime(2025, 12, 31, 16, 0, tzinfo=UTC)  # 2026-01-01 00:00 in Shanghai
BEFORE = MIDNIGHT - timedelta(minutes=5)  # 23:55 on 31 December, local
AFTER = MIDNIGHT + timedelta(minutes=5)  # 00:05 on 1 January, local
MINUTE = 1 / 1440  # one minute as a share of a day


def test_an_instant_belongs_to_the_bureaus_date_and_days_are_cut_at_local_midnight() -> None:
    assert localday.zone().key == "Asia/Shanghai"
    assert (localday.day_of(BEFORE), localday.day_of(AFTER)) == (DEC31, JAN1)
    assert localday.day_bounds(JAN1) == (MIDNIGHT, MIDNIGHT + timedelta(days=1))
    assert localday.month_bounds(date(2025, 12, 15)) == (
        datetime(2025, 11, 30, 16, 0, tzinfo=UTC),
        MIDNIGHT,
    )
    # "The last 7 days" at 00:05 on 1 January: 26 December to 1 January, local.
    assert localday.last_days(7, AFTER) == (MIDNIGHT - timedelta(days=6), AFTER)
    assert localday.local(AFTER).strftime("%Y-%m-%d %H:%M") == "2026-01-01 00:05"


def _monitored_link(session: Session, *, since: date | None = date(2020, 1, 1)) -> NetworkLink:
    """A model school (4/4 rooms, all-fibre, full wireless) with a 1000 Mbps monitored uplink."""
    b = Builder(session)
    b.school("S", "211", A, 4)
    b.rooms("S", 4)
    b.campus("S", CampusArchitecture.ALL_FIBRE, WirelessCoverage.FULL, date(2020, 1, 1))
    return b.link("S", 1000, device=True, since=since)


def test_daily_availability_counts_an_outage_on_the_local_day_it_happened(
    session: Session,
) -> None:
    link = _monitored_link(session)
    assert link.device_id is not None
    session.add(PollSample(device_id=link.device_id, at=MIDNIGHT - timedelta(days=10), up=True))
    for start, minutes in ((BEFORE - timedelta(minutes=10), 10), (AFTER, 20)):
        session.add(
            Outage(
                device_id=link.device_id,
                link_id=link.id,
                cause=OutageCause.INTERFACE_DOWN,
                started_at=start,
                ended_at=start + timedelta(minutes=minutes),
            )
        )
    session.commit()
    now = MIDNIGHT + timedelta(days=1, hours=12)  # noon on 2 January, local
    days = monitoring.daily_availability(session, link, now, days=3)
    assert [d for d, _ in days] == [DEC31, JAN1, JAN2]
    # 23:45–23:55 on 31 December, 00:05–00:25 on 1 January (both on 31 December in UTC).
    assert days[0][1] == pytest.approx(1 - 10 * MINUTE)
    assert days[1][1] == pytest.approx(1 - 20 * MINUTE)
    assert days[2][1] == 1.0  # today so far


def _poll_both_sides(session: Session, device_id: int, before: datetime, after: datetime) -> None:
    for at in (before, after):
        session.add(PollSample(device_id=device_id, at=at, up=True))
    session.commit()
    polling.rollup_hours(session, before - timedelta(hours=2), after + timedelta(hours=2))
    session.commit()


def _rollup_days(session: Session) -> list[date]:
    hours = session.scalars(sa.select(HourlyRollup.hour).order_by(HourlyRollup.hour))
    return [localday.day_of(hour) for hour in hours]


def test_polls_either_side_of_local_midnight_roll_up_into_their_local_days(
    session: Session,
) -> None:
    link = _monitored_link(session)
    assert link.device_id is not None
    _poll_both_sides(session, link.device_id, BEFORE, AFTER)
    assert _rollup_days(session) == [DEC31, JAN1]


def test_in_a_half_hour_zone_rollup_hours_are_local_hours(session: Session) -> None:
    # Asia/Kolkata is UTC+05:30: a UTC hour would hold 23:30–00:30 local, two days at once.
    link = _monitored_link(session)
    assert link.device_id is not None
    with localday.using("Asia/Kolkata"):
        midnight = localday.start_of(JAN1)
        assert midnight == datetime(2025, 12, 31, 18, 30, tzinfo=UTC)
        _poll_both_sides(
            session,
            link.device_id,
            midnight - timedelta(minutes=5),
            midnight + timedelta(minutes=5),
        )
        hours = list(session.scalars(sa.select(HourlyRollup.hour).order_by(HourlyRollup.hour)))
        assert hours == [midnight - timedelta(hours=1), midnight]
        assert _rollup_days(session) == [DEC31, JAN1]


def _rollups_around_midnight(session: Session, link: NetworkLink) -> None:
    """30 days of clean hourly rollups on each side of local midnight, except that the uplink
    port is down in the first local hour of 1 January (16:00–17:00 UTC on 31 December)."""
    assert link.device_id is not None
    session.add(
        InterfaceState(
            device_id=link.device_id, if_index=1, name="ge0/1", polled_at=AFTER, oper_up=True
        )
    )
    rows = []
    for n in range(-30 * 24, 2 * 24):
        hour = MIDNIGHT + timedelta(hours=n)
        up = 0 if n == 0 else 12
        common = {"device_id": link.device_id, "hour": hour, "samples": 12}
        rows.append({**common, "if_index": -1, "up_samples": 12})
        rows.append({**common, "if_index": 1, "up_samples": up, "min_speed_mbps": 1000})
    session.execute(sa.insert(HourlyRollup), rows)
    session.commit()


def test_verified_tier_as_of_a_date_reads_the_last_hours_of_that_local_day(
    session: Session,
) -> None:
    link = _monitored_link(session)
    _rollups_around_midnight(session, link)
    later = MIDNIGHT + timedelta(days=5)

    def verified(day: date) -> Tier:
        school = evaluation.evaluate_school(
            session, SYSTEM, STANDARD, link.school.code, as_of=day, now=later
        )
        assert school.verified is not None
        return school.verified.tier

    # The port was down from 00:00 to 01:00 on 1 January: 31 December was clean to its end
    # (in UTC days that hour would have fallen on 31 December).
    assert verified(DEC31) is Tier.MODEL
    assert verified(JAN1) is not Tier.MODEL


def test_as_of_today_is_the_bureaus_date_for_commissioning_dates(session: Session) -> None:
    # An uplink commissioned on 1 January (a calendar date) counts from local midnight on.
    link = _monitored_link(session, since=JAN1)
    session.commit()
    code = link.school.code
    before = evaluation.evaluate_school(session, SYSTEM, STANDARD, code, now=BEFORE)
    after = evaluation.evaluate_school(session, SYSTEM, STANDARD, code, now=AFTER)
    assert (before.as_of, after.as_of) == (DEC31, JAN1)
    assert before.declared is not None and after.declared is not None
    assert (before.declared.tier, after.declared.tier) == (Tier.NONE, Tier.MODEL)
    report = coverage_report(session, SYSTEM, STANDARD, region=A, now=AFTER)
    assert report.as_of == JAN1 and report.verification is Verification.LIVE
    # The same instant as AFTER, on the bureau's clock (2026-01-01T00:05:00+08:00).
    assert report.generated_at == AFTER and report.generated_at.utcoffset() == timedelta(hours=8)


def test_the_month_end_report_is_published_after_local_midnight(session: Session) -> None:
    build(session)
    session.commit()
    first = snapshots.publish_month_end(session, BEFORE)  # still December, local
    assert first is not None and first.as_of == date(2025, 11, 30)
    second = snapshots.publish_month_end(session, AFTER)  # 1 January, local
    assert second is not None and second.as_of == DEC31
    assert second.kind is SnapshotKind.MONTH_END
    assert second.body["verification"] == "history"  # 31 December is past at 00:05
    assert snapshots.publish_month_end(session, AFTER + timedelta(hours=1)) is None


def test_a_trends_month_end_is_computed_from_its_local_day_on(session: Session) -> None:
    build(session)
    session.commit()
    jan31 = datetime(2026, 1, 30, 16, 0, tzinfo=UTC)  # 31 January begins, local

    def last_point(now: datetime) -> TrendPoint:
        body = trend(
            session,
            SYSTEM,
            STANDARD,
            Metric.DIGITAL_CAMPUS_RATE,
            start=DEC31,
            end=date(2026, 1, 31),
            now=now,
        )
        return body.points[-1]

    assert last_point(jan31 - timedelta(minutes=5)).projected is True  # 30 January
    late = last_point(jan31 + timedelta(minutes=5))  # 31 January: today, computed
    assert late.date == date(2026, 1, 31) and late.projected is False


def test_the_scheduler_publishes_the_month_end_report_at_0040_on_the_bureaus_clock() -> None:
    def next_publish(after: datetime) -> datetime:
        trigger = {job: trig for job, _, trig in scheduler.maintenance_jobs()}["publish_reports"]
        fire = trigger.get_next_fire_time(None, after)
        assert fire is not None
        return fire.astimezone(UTC)

    assert next_publish(BEFORE) == MIDNIGHT + timedelta(minutes=40)
    with localday.using("America/New_York"):  # UTC-5 in winter
        assert next_publish(BEFORE) == datetime(2026, 1, 1, 5, 40, tzinfo=UTC)


# --- the status board ---------------------------------------------------------------------

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def test_status_board_last_seven_days_are_local_days(
    app: Flask, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = AFTER + timedelta(days=6)  # 00:05 on 7 January, local: the week is 1 to 7 January
    with make_sessionmaker(engine)() as db:
        link = _monitored_link(db)
        assert link.device_id is not None
        for name, ended in (("ended-2355", BEFORE), ("ended-0005", AFTER)):
            db.add(
                Outage(
                    device_id=link.device_id,
                    link_id=link.id,
                    cause=OutageCause.INTERFACE_DOWN,
                    started_at=ended - timedelta(hours=1),
                    ended_at=ended,
                    detail=name,
                )
            )
        accounts.create_user(db, SYSTEM, "boss", UserRole.ADMIN, None, password="p" * 20)
        db.commit()
    monkeypatch.setitem(app.config, "CLOCK", lambda: now)
    client = app.test_client()
    token = CSRF.search(client.get("/login").get_data(as_text=True))
    assert token
    client.post("/login", data={"name": "boss", "password": "p" * 20, "csrf_token": token[1]})
    page = client.get("/status").get_data(as_text=True)
    recent = page.split('id="recent-outages"')[1]
    # Only the outage that ended at 00:05 on 1 January is in the week (a rolling 7 × 24 h
    # would also hold the one that ended at 23:55 on 31 December); times read local.
    assert recent.count("<tr>") == 2  # the header row and one outage
    assert "00:05" in recent and "23:55" not in recent


# --- the setting --------------------------------------------------------------------------


def _app(tmp_path: Path, **settings: Any) -> Flask:
    return create_app(
        {
            "TESTING": True,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'zone.sqlite'}",
            "FERNET_KEYS": FERNET_KEY,
            "SECRET_KEY": "test-secret-key",
            **settings,
        }
    )


def test_a_time_zone_setting_moves_every_day_to_that_zone(session: Session, tmp_path: Path) -> None:
    _app(tmp_path, TIME_ZONE="America/New_York")
    assert localday.zone().key == "America/New_York"
    # 03:00 UTC on 1 January is 22:00 on 31 December in New York.
    link = _monitored_link(session, since=JAN1)
    session.commit()
    late = datetime(2026, 1, 1, 3, 0, tzinfo=UTC)
    school = evaluation.evaluate_school(session, SYSTEM, STANDARD, link.school.code, now=late)
    assert school.declared is not None
    assert (school.as_of, school.declared.tier) == (DEC31, Tier.NONE)
    assert localday.start_of(JAN1) == datetime(2026, 1, 1, 5, 0, tzinfo=UTC)
    _app(tmp_path)  # the default again
    assert localday.zone().key == "Asia/Shanghai"


def test_a_bad_time_zone_is_one_line_among_the_setting_problems(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        _app(tmp_path, TIME_ZONE="Mars/Olympus_Mons", LOG_LEVEL="LOUD")
    assert caught.value.problems == [
        "DIGICAMPUS_LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR",
        "DIGICAMPUS_TIME_ZONE must be an IANA time zone name such as Asia/Shanghai",
    ]
    assert localday.zone().key == "Asia/Shanghai"  # a refused setting changes nothing
