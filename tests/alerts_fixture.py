"""Schools with a gateway and an uplink each, subscriptions, and one "poll" that records a
batch and evaluates the alerts in its transaction, as the poll cycle does."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from inventory import alerts
from inventory.actor import Actor
from inventory.choices import MessageLanguage, PollFailure, Severity, TransportKind
from inventory.models.alerts import AlertRule, OutboxMessage, Subscription
from inventory.monitoring.observations import DeviceObservation, InterfaceReading
from inventory.secretbox import SecretBox
from inventory.services import devices, links, polling, schools
from tests.conftest import FERNET_KEY

T0 = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)  # 09:00 in Chuxiong
STEP = timedelta(minutes=5)
BOX = SecretBox([FERNET_KEY])
BASE_URL = "https://dc.example.edu.cn"


@dataclass(frozen=True)
class Site:
    code: str
    name: str
    gateway: int
    link: int


def build_sites(
    session: Session, actor: Actor, county: str, count: int, first: int = 1
) -> list[Site]:
    """``count`` schools in ``county``, each with a gateway carrying a 1000 Mbps uplink."""
    sites = []
    for n in range(first, first + count):
        code = f"{county}{n:04d}"
        name = f"{county}第{n}小学"
        schools.create_school(
            session,
            actor,
            {
                "code": code,
                "name": name,
                "name_en": f"School {n}",
                "type_code": "211",
                "region_code": county,
            },
        )
        gateway = devices.create_device(
            session,
            actor,
            code,
            {
                "name": f"gw{n}",
                "role": "gateway",
                "mgmt_address": f"10.{int(county[4:])}.{n // 250}.{n % 250 + 1}",
            },
        )
        uplink = links.create_link(
            session,
            actor,
            code,
            {
                "kind": "metro",
                "medium": "fibre",
                "down_mbps": 1000,
                "up_mbps": 1000,
                "device_id": gateway.id,
                "interface_name": "GE0/0/1",
                "commissioned_on": date(2024, 1, 1),
            },
        )
        sites.append(Site(code, name, gateway.id, uplink.id))
    session.commit()
    return sites


def subscribe(
    session: Session,
    name: str,
    transport: TransportKind = TransportKind.WEBHOOK,
    target: str = "http://127.0.0.1:9/hook",
    *,
    region_code: str | None = None,
    school_id: int | None = None,
    secret: str | None = None,
    language: MessageLanguage = MessageLanguage.ZH,
    min_severity: Severity = Severity.INFO,
    rules: list[AlertRule] | None = None,
) -> Subscription:
    subscription = Subscription(
        name=name,
        transport=transport,
        target=target,
        region_code=region_code,
        school_id=school_id,
        secret_enc=BOX.encrypt(secret) if secret else None,
        language=language,
        min_severity=min_severity,
        enabled=True,
        rules=rules or [],
    )
    session.add(subscription)
    session.commit()
    return subscription


def up(
    device_id: int, at: datetime, *, oper_up: bool = True, speed: int = 1000
) -> DeviceObservation:
    return DeviceObservation(
        device_id=device_id,
        at=at,
        response_ms=2.0,
        sys_uptime_ticks=100_000 + int((at - T0).total_seconds() * 100),
        discovered=True,
        interfaces=[
            InterfaceReading(
                if_index=1,
                name="GE0/0/1",
                admin_up=True,
                oper_up=oper_up,
                speed_mbps=speed,
                in_octets=0,
                out_octets=0,
            )
        ],
    )


def down(
    device_id: int, at: datetime, failure: PollFailure = PollFailure.TIMEOUT
) -> DeviceObservation:
    return DeviceObservation(device_id=device_id, at=at, failure=failure, detail="no reply")


def poll(session: Session, now: datetime, *observations: DeviceObservation) -> alerts.Evaluation:
    """Record one batch and evaluate its alerts in one transaction, as the cycle does."""
    polling.record_observations(session, observations, STEP, now)
    result = alerts.evaluate(
        session, [o.device_id for o in observations], now, alerts.AlertSettings(BASE_URL)
    )
    session.commit()
    return result


def outbox(session: Session) -> list[OutboxMessage]:
    return list(session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)))


def rule(session: Session, kind: str) -> AlertRule:
    alerts.ensure_default_rules(session)
    found = session.scalar(sa.select(AlertRule).where(AlertRule.kind == kind))
    assert found is not None
    return found
