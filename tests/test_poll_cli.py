"""``digicampus poll``: one cycle now, with a progress bar and a summary, against real agents."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import Result
from flask import Flask

from api.commands_collect import collector_service
from collectors import scheduler
from collectors.scheduler import BackgroundCollector
from inventory import migrate
from inventory.actor import Actor
from inventory.choices import SnapshotKind
from inventory.db import make_sessionmaker
from inventory.models import Collector, DeviceState, ReportSnapshot, SenderLease
from inventory.services import credentials, devices, schools
from tests.conftest import COUNTY, FERNET_KEY
from tests.snmp_fixtures import COMMUNITY, Lab, lab_fixture  # noqa: F401  (the lab fixture)
from web import create_app

SCHOOL = "2153010001"


@pytest.fixture
def poll_app(tmp_path: Path, lab: Lab) -> Iterator[tuple[Flask, dict[str, int]]]:
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'poll.sqlite'}",
            "FERNET_KEYS": FERNET_KEY,
            "SECRET_KEY": "poll-test",
            "COLLECTOR_TIMEOUT_S": 0.3,
        }
    )
    rt = app.extensions["digicampus"]
    migrate.upgrade(rt.engine)
    actor = Actor.system("tests")
    with make_sessionmaker(rt.engine)() as session:
        schools.create_school(
            session,
            actor,
            {"code": SCHOOL, "name": "鹿城小学", "type_code": "211", "region_code": COUNTY},
        )
        cred = credentials.create_credential(
            session, actor, rt.secret_box, {"name": "v2c", "version": "v2c", "community": COMMUNITY}
        )

        def device(name: str, where: tuple[str, int], **extra: Any) -> int:
            data = {
                "name": name,
                "role": "gateway",
                "mgmt_address": where[0],
                "snmp_port": where[1],
            }
            return devices.create_device(
                session, actor, SCHOOL, {**data, "credential_id": cred.id, **extra}
            ).id

        ids = {
            "switch": device("switch", lab.switch),
            "dead": device("dead", lab.dead),
            "off": device("off", lab.other, polling_enabled=False),
        }
        session.commit()
    yield app, ids
    rt.engine.dispose()


def run(app: Flask, *args: str) -> Result:
    result: Result = app.test_cli_runner().invoke(args=["poll", *args])
    return result


def test_poll_everything_now(poll_app: tuple[Flask, dict[str, int]], capsys: Any) -> None:
    app, ids = poll_app
    result = run(app)
    assert result.exit_code == 0, result.output
    assert "Polling" in result.output
    assert "2 devices in " in result.output
    assert "ok 1, down 1 (timeout 1, unreachable 0), auth failure 0" in result.output
    with make_sessionmaker(app.extensions["digicampus"].engine)() as db:
        states = {s.device_id: s for s in db.scalars(sa.select(DeviceState))}
    assert set(states) == {ids["switch"], ids["dead"]}  # the disabled device is left alone
    again = run(app)  # polled a moment ago, but `poll` polls now whatever the schedule
    assert "2 devices in " in again.output


def test_poll_one_device_or_school(poll_app: tuple[Flask, dict[str, int]]) -> None:
    app, ids = poll_app
    one = run(app, "--device", str(ids["switch"]))
    assert one.exit_code == 0, one.output
    assert "1 devices in " in one.output and "ok 1" in one.output
    school = run(app, "--school", SCHOOL)
    assert "2 devices in " in school.output
    disabled = run(app, "--device", str(ids["off"]))
    assert disabled.exit_code == 0
    assert "No pollable device matches" in disabled.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--device", "999999"), "no device with id 999999"),
        (("--school", "2153019999"), "no school with code 2153019999"),
        (("--device", "x"), "'x' is not a valid integer"),
    ],
)
def test_poll_bad_arguments(
    poll_app: tuple[Flask, dict[str, int]], args: tuple[str, ...], message: str
) -> None:
    app, _ = poll_app
    result = run(app, *args)
    assert result.exit_code == 2
    assert message in result.output


def test_poll_with_a_bad_setting(poll_app: tuple[Flask, dict[str, int]]) -> None:
    app, _ = poll_app
    app.config["COLLECTOR_CONCURRENCY"] = 0
    result = run(app)
    assert result.exit_code == 2
    assert "DIGICAMPUS_COLLECTOR_CONCURRENCY must be a number from 1 to 1000" in result.output


def test_the_embedded_collector_polls_and_runs_the_maintenance_jobs(
    poll_app: tuple[Flask, dict[str, int]],
) -> None:
    app, _ = poll_app
    app.config["COLLECTOR_TICK_S"] = 1
    rt = app.extensions["digicampus"]
    with app.app_context():
        service = collector_service("embedded")
    background = BackgroundCollector(service)
    background.start()
    try:
        deadline = time.monotonic() + 30
        sessions = make_sessionmaker(rt.engine)
        while time.monotonic() < deadline:
            with sessions() as db:
                polled = db.scalar(
                    sa.select(sa.func.count()).where(DeviceState.last_polled_at.is_not(None))
                )
            if polled == 2:
                break
            time.sleep(0.2)
        assert polled == 2
        # The shared jobs run on the collector's loop like the scheduler would run them.
        for job in (scheduler.rollup, scheduler.prune, scheduler.publish_reports):
            asyncio.run_coroutine_threadsafe(job(), background.loop).result(30)
        # The outbox's sender is this process's own job; it leads once it has run.
        assert service.scheduler is not None and service.scheduler.get_job("send_alerts")
        asyncio.run_coroutine_threadsafe(scheduler.send_alerts(), background.loop).result(30)
        with sessions() as db:
            assert db.scalar(sa.select(SenderLease.owner)) == "embedded"
    finally:
        background.stop()
    with sessions() as db:
        assert db.scalar(sa.select(SenderLease.owner)) is None  # handed over on stop
        stopped = db.scalar(sa.select(Collector.stopped_at).where(Collector.name == "embedded"))
        published = db.scalars(sa.select(ReportSnapshot)).all()
    assert stopped is not None
    assert [s.kind for s in published] == [SnapshotKind.MONTH_END]
