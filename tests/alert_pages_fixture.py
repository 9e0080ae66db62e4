"""A small world for the alert pages: three schools (two in COUNTY, one in OTHER_COUNTY), one
open alert at each, a resolved one, two rules, a county subscription with a signed robot and a
dead letter, and one login per role (password ``PASSWORD``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from inventory.actor import Actor
from inventory.choices import AlertKind, AlertState, MessageKind, OutboxState, Severity, UserRole
from inventory.models import Alert, OutboxMessage
from inventory.secretbox import SecretBox
from inventory.services import accounts, schools
from inventory.services.alerting import rules, subscriptions
from tests.conftest import COUNTY, OTHER_COUNTY

PASSWORD = "correct horse battery"
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
ROBOT = "https://oapi.dingtalk.com/robot/send?access_token=feedfacefeedfacefeedfacefeedface"
SECRET = "SECrobot-signing-secret-0001"
CODES = {"in": "2153010001", "sibling": "2153010002", "out": "2153220001"}


@dataclass
class AlertWorld:
    """What a page test needs to know about the world."""

    alert: dict[str, int] = field(default_factory=dict)  # target → open alert id
    resolved_alert: int = 0
    rule: int = 0
    subscription: int = 0
    dead_letter: int = 0


def build(session: Session, key: str) -> AlertWorld:
    """Load the world (does not commit)."""
    world = AlertWorld()
    system = Actor.system("tests")
    for target, code in CODES.items():
        school = schools.create_school(
            session,
            system,
            {
                "code": code,
                "name": f"告警{target}小学",
                "type_code": "211",
                "region_code": OTHER_COUNTY if target == "out" else COUNTY,
            },
        )
        alert = Alert(
            kind=AlertKind.UPLINK_DOWN,
            severity=Severity.CRITICAL,
            school_id=school.id,
            county_code=school.region_code,
            object_key=f"link:{target}",
            object_name=f"uplink-{target} 电信 1000 Mbps",
            cause="ifOperStatus down",
            since=NOW - timedelta(minutes=25),
        )
        session.add(alert)
        session.flush()
        world.alert[target] = alert.id
        if target == "in":
            resolved = Alert(
                kind=AlertKind.DEVICE_UNREACHABLE,
                severity=Severity.WARNING,
                school_id=school.id,
                object_key="device:old",
                object_name="gw-old",
                cause="no answer",
                since=NOW - timedelta(days=2),
                state=AlertState.RESOLVED,
                resolved_at=NOW - timedelta(days=1),
            )
            session.add(resolved)
            session.flush()
            world.resolved_alert = resolved.id
    rule = rules.create_rule(
        session, system, {"name": "出口中断", "kind": AlertKind.UPLINK_DOWN, "delay_s": 600}
    )
    rules.create_rule(session, system, {"name": "设备不可达", "kind": AlertKind.DEVICE_UNREACHABLE})
    world.rule = rule.id
    subscription = subscriptions.create_subscription(
        session,
        system,
        SecretBox([key]),
        {
            "name": "楚雄市值班群",
            "region_code": COUNTY,
            "transport": "dingtalk",
            "target": ROBOT,
            "secret": SECRET,
            "rule_ids": [rule.id],
        },
    )
    world.subscription = subscription.id
    letter = OutboxMessage(
        subscription_id=subscription.id,
        kind=MessageKind.OPENED,
        idempotency_key="pages-1",
        subject="出口中断：告警in小学",
        body="**出口中断**",
        state=OutboxState.DEAD,
        attempts=8,
        last_answer="HTTP 502 Bad Gateway",
    )
    session.add(letter)
    session.flush()
    world.dead_letter = letter.id
    for name, role, region, codes in (
        ("admin", UserRole.ADMIN, None, ()),
        ("viewer", UserRole.VIEWER, None, ()),
        ("county", UserRole.REGION_ADMIN, COUNTY, ()),
        ("staff", UserRole.SCHOOL_STAFF, None, (CODES["in"],)),
    ):
        accounts.create_user(session, system, name, role, region, schools=codes, password=PASSWORD)
    session.flush()
    return world
