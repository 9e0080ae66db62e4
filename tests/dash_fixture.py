"""A small demo inventory with polling history for the page tests: the deterministic demo
generator at a small scale, the default plan, one login per role, and polled states
written as the collectors write them (device states, verdicts and outage intervals)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from demo import inventory as demo
from inventory.actor import Actor
from inventory.choices import Metric, OutageCause, PollFailure, UserRole
from inventory.coverage import targets
from inventory.models import (
    Device,
    DeviceState,
    LinkVerification,
    NetworkLink,
    Outage,
    PollSample,
    School,
)
from inventory.secretbox import SecretBox
from inventory.services import accounts

PASSWORD = "correct horse battery"
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)  # after everything the demo dates
SCALE = 0.04
SEED = 20250630
PREFECTURE = "532300"


@dataclass
class DashData:
    """What a page test needs to know about the fixture."""

    school_code: str  # a school with a polled uplink, in county ``county``
    county: str
    other_county: str
    staff_school: str  # the school of the ``staff`` login
    down_device: str  # name of a device that is down now
    secret_community: str


def build(session: Session, key: str, now: datetime = NOW) -> DashData:
    """Load the fixture (does not commit)."""
    system = Actor.system("tests")
    inventory = demo.generate(SEED, SCALE)
    demo.load(session, system, SecretBox([key]), inventory)
    # The migration loads the default plan; the tests' cleanup deletes it: load it if gone.
    plan = targets.load_default_plan(session) or targets.list_plans(session)[0]
    # The default plan ends in 2025: a step still ahead gives the headline its countdown.
    targets.add_milestone(
        session,
        system,
        plan.id,
        {
            "metric": Metric.DIGITAL_CAMPUS_RATE,
            "region_code": PREFECTURE,
            "due_on": date(2027, 6, 30),
            "value": 0.6,
            "note": "tests",
        },
    )
    linked = session.scalars(
        sa.select(NetworkLink)
        .where(NetworkLink.device_id.is_not(None), NetworkLink.decommissioned_on.is_(None))
        .order_by(NetworkLink.id)
    ).all()
    assert len(linked) >= 3, "the demo at this scale has too few monitored uplinks"
    up = linked[0]
    down = next(link for link in linked if link.device_id != up.device_id)
    seen: set[int] = set()
    for link in linked:
        device = link.device
        assert device is not None
        healthy = link.device_id != down.device_id
        if device.id in seen:
            continue
        seen.add(device.id)
        # Monitoring began 40 days ago: the first sample kept says so.
        session.add(PollSample(device_id=device.id, at=now - timedelta(days=40), up=True))
        session.add(
            DeviceState(
                device_id=device.id,
                last_polled_at=now - timedelta(minutes=3),
                last_ok_at=now - timedelta(minutes=3) if healthy else now - timedelta(hours=5),
                reachable=healthy,
                failure=None if healthy else PollFailure.TIMEOUT,
                consecutive_failures=0 if healthy else 60,
                next_poll_at=now + timedelta(minutes=2),
            )
        )
    for link in linked:
        healthy = link.device_id != down.device_id
        session.add(
            LinkVerification(
                link_id=link.id,
                checked_at=now - timedelta(minutes=3),
                last_polled_at=now - timedelta(minutes=3),
                oper_up=healthy,  # a device that does not answer carries nothing
                measured_mbps=link.down_mbps if healthy else None,
                contracted_mbps=link.down_mbps,
                availability_30d=0.995 if healthy else 0.93,
                verified=healthy,
                reasons=[]
                if healthy
                else [
                    {
                        "code": "poll_failed",
                        "failure": "timeout",
                        "since": (now - timedelta(hours=5)).isoformat(),
                    },
                    {"code": "unavailable", "availability": 0.93, "required": 0.99},
                ],
            )
        )
    assert up.device is not None and down.device is not None
    session.add_all(
        [
            Outage(
                device_id=down.device.id,
                cause=OutageCause.UNREACHABLE,
                started_at=now - timedelta(hours=5),
            ),
            Outage(
                device_id=up.device.id,
                link_id=up.id,
                cause=OutageCause.INTERFACE_DOWN,
                started_at=now - timedelta(days=2, hours=3),
                ended_at=now - timedelta(days=2, hours=1),
            ),
        ]
    )
    up_school = up.school
    other = session.scalars(
        sa.select(School).where(School.region_code != up_school.region_code).order_by(School.code)
    ).first()
    assert other is not None
    staff_school = session.scalars(
        sa.select(School)
        .where(School.region_code == up_school.region_code, School.id != up_school.id)
        .order_by(School.code)
    ).first()
    assert staff_school is not None
    for name, role, region, schools in (
        ("admin", UserRole.ADMIN, None, ()),
        ("viewer", UserRole.VIEWER, None, ()),
        ("county", UserRole.REGION_ADMIN, up_school.region_code, ()),
        ("staff", UserRole.SCHOOL_STAFF, None, (staff_school.code,)),
    ):
        accounts.create_user(
            session, system, name, role, region, schools=schools, password=PASSWORD
        )
    session.flush()
    community = inventory.credentials[0].get("community") or ""
    return DashData(
        school_code=up_school.code,
        county=up_school.region_code,
        other_county=other.region_code,
        staff_school=staff_school.code,
        down_device=down.device.name,
        secret_community=str(community),
    )


def devices_of(session: Session, code: str) -> list[Device]:
    """The devices of a school."""
    return list(
        session.scalars(
            sa.select(Device).join(School).where(School.code == code).order_by(Device.id)
        )
    )
