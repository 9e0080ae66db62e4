"""Alerts from what the poll cycle records (issue 17): rules with delays, grouping per
subscription, recovery, maintenance windows, acknowledgement and repeats, flap damping —
against the real database, one recorded batch at a time, on an injected clock."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from inventory import alerts
from inventory.actor import Actor
from inventory.choices import (
    AlertKind,
    AlertState,
    MessageKind,
    MessageLanguage,
    PollFailure,
    Severity,
    TransportKind,
)
from inventory.models import NetworkLink, School
from inventory.models.alerts import Alert, AlertRule, MaintenanceWindow, OutboxMessage
from inventory.models.polling import Outage
from inventory.services import polling
from tests.alerts_fixture import (
    BASE_URL,
    STEP,
    T0,
    build_sites,
    down,
    outbox,
    poll,
    rule,
    subscribe,
    up,
)
from tests.conftest import COUNTY, OTHER_COUNTY

PREFECTURE = "532300"


def alerts_of(session: Session) -> list[Alert]:
    return list(session.scalars(sa.select(Alert).order_by(Alert.id)))


def test_the_shipped_rules_fill_an_empty_table_once_and_then_belong_to_the_admins(
    session: Session,
) -> None:
    shipped = alerts.default_rules()
    assert {r["kind"] for r in shipped} == set(AlertKind)
    assert alerts.ensure_default_rules(session) == len(shipped)
    session.commit()
    session.execute(sa.delete(AlertRule).where(AlertRule.kind == AlertKind.UPLINK_SLOW))
    assert alerts.ensure_default_rules(session) == 0
    assert session.scalar(sa.select(sa.func.count()).select_from(AlertRule)) == len(shipped) - 1


def test_a_device_down_for_less_than_the_rule_delay_tells_nobody_and_longer_tells_once(
    session: Session, actor: Actor
) -> None:
    (site,) = build_sites(session, actor, COUNTY, 1)
    subscribe(session, "county")
    delay = timedelta(seconds=rule(session, AlertKind.DEVICE_UNREACHABLE).delay_s)
    assert delay == timedelta(minutes=10)
    assert poll(session, T0, down(site.gateway, T0)).opened == 0
    assert poll(session, T0 + STEP, down(site.gateway, T0 + STEP)).opened == 0
    assert outbox(session) == []
    at = T0 + delay
    assert poll(session, at, down(site.gateway, at)).opened == 1
    assert poll(session, at + STEP, down(site.gateway, at + STEP)).opened == 0
    (alert,) = alerts_of(session)
    assert (alert.kind, alert.since, alert.state) == (
        AlertKind.DEVICE_UNREACHABLE,
        T0,
        AlertState.OPEN,
    )
    assert alert.county_code == COUNTY
    (message,) = outbox(session)
    assert message.kind is MessageKind.OPENED
    assert site.name in message.body and "楚雄市" in message.body
    assert f"{BASE_URL}/schools/{site.code}" in message.body
    assert "2026-11-02 09:00" in message.body  # since when, on the bureau's clock


def test_a_short_outage_that_ends_within_the_delay_never_becomes_an_alert(
    session: Session, actor: Actor
) -> None:
    (site,) = build_sites(session, actor, COUNTY, 1)
    subscribe(session, "county")
    poll(session, T0, down(site.gateway, T0))
    poll(session, T0 + STEP, up(site.gateway, T0 + STEP))
    poll(session, T0 + 4 * STEP, up(site.gateway, T0 + 4 * STEP))
    assert alerts_of(session) == []
    assert outbox(session) == []


def test_the_outbox_row_is_written_in_the_transaction_of_the_outage_that_caused_it(
    session: Session, actor: Actor
) -> None:
    (site,) = build_sites(session, actor, COUNTY, 1)
    subscribe(session, "county")
    rule(session, AlertKind.DEVICE_UNREACHABLE).delay_s = 0
    session.commit()
    polling.record_observations(session, [down(site.gateway, T0)], STEP, T0)
    alerts.evaluate(session, [site.gateway], T0)
    assert session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 1
    session.rollback()  # the batch fails: the outage, the alert and the message go together
    assert session.scalar(sa.select(sa.func.count()).select_from(Outage)) == 0
    assert alerts_of(session) == []
    assert outbox(session) == []


def test_a_county_wide_outage_is_one_grouped_message_per_subscription_not_thirty(
    session: Session, actor: Actor
) -> None:
    sites = build_sites(session, actor, COUNTY, 30)
    (elsewhere,) = build_sites(session, actor, OTHER_COUNTY, 1, first=31)
    county = subscribe(
        session, "county mail", TransportKind.EMAIL, "it@example.cn", region_code=COUNTY
    )
    prefecture = subscribe(
        session,
        "prefecture robot",
        TransportKind.WECOM,
        region_code=PREFECTURE,
        language=MessageLanguage.EN,
    )
    other = subscribe(session, "other county", region_code=OTHER_COUNTY)
    for step in range(3):
        at = T0 + step * STEP
        poll(session, at, *[down(s.gateway, at) for s in sites], up(elsewhere.gateway, at))
    assert len(alerts_of(session)) == 30
    messages = outbox(session)
    assert sorted(m.subscription_id for m in messages) == sorted([county.id, prefecture.id])
    assert other.id not in {m.subscription_id for m in messages}
    by_sub = {m.subscription_id: m for m in messages}
    for site in sites:
        assert site.name in by_sub[county.id].body
    assert len(by_sub[county.id].events) == 30
    assert by_sub[county.id].subject.startswith("[严重] 30 条告警")
    assert by_sub[prefecture.id].subject.startswith("[critical] 30 alerts, 30 schools")
    assert "Chuxiong" in by_sub[prefecture.id].body


def test_recovery_sends_resolved_with_the_duration(session: Session, actor: Actor) -> None:
    (site,) = build_sites(session, actor, COUNTY, 1)
    subscribe(session, "county", language=MessageLanguage.EN)
    for step in range(3):
        poll(session, T0 + step * STEP, down(site.gateway, T0 + step * STEP))
    back = T0 + timedelta(minutes=65)
    assert poll(session, back, up(site.gateway, back)).resolved == 1
    opened, resolved = outbox(session)
    assert (opened.kind, resolved.kind) == (MessageKind.OPENED, MessageKind.RESOLVED)
    assert "lasted 1 h 5 min" in resolved.body
    assert resolved.subject.startswith("[Resolved] device unreachable: School 1")
    (alert,) = alerts_of(session)
    assert (alert.state, alert.resolved_at) == (AlertState.RESOLVED, back)


def test_a_maintenance_window_holds_messages_back_and_marks_the_alerts_planned(
    session: Session, actor: Actor
) -> None:
    sites = build_sites(session, actor, COUNTY, 3)
    subscribe(session, "prefecture", region_code=PREFECTURE)
    session.add(
        MaintenanceWindow(
            name="fibre works",
            region_code=COUNTY,
            starts_at=T0 - timedelta(minutes=1),
            ends_at=T0 + timedelta(hours=1),
        )
    )
    session.commit()
    for step in range(4):
        at = T0 + step * STEP
        result = poll(session, at, *[down(s.gateway, at) for s in sites])
    assert result.held == 3
    assert [a.planned for a in alerts_of(session)] == [True, True, True]
    assert outbox(session) == []
    assert session.scalars(sa.select(Outage.planned)).all() == [True, True, True]
    back = T0 + timedelta(minutes=30)
    poll(session, back, *[up(s.gateway, back) for s in sites])
    assert outbox(session) == []  # nobody hears of a recovery they never heard of


def test_an_alert_still_open_when_its_window_ends_is_told_then(
    session: Session, actor: Actor
) -> None:
    (site,) = build_sites(session, actor, COUNTY, 1)
    subscribe(session, "county")
    session.add(
        MaintenanceWindow(
            name="works",
            school_id=session.scalar(sa.select(School.id)),
            starts_at=T0,
            ends_at=T0 + timedelta(minutes=30),
        )
    )
    session.commit()
    for step in range(8):
        at = T0 + step * STEP
        poll(session, at, down(site.gateway, at))
    (message,) = outbox(session)
    assert message.created_at == T0 + timedelta(minutes=30)


def test_a_weekly_window_holds_messages_back_in_later_weeks(session: Session, actor: Actor) -> None:
    (site,) = build_sites(session, actor, COUNTY, 1)
    subscribe(session, "county")
    session.add(
        MaintenanceWindow(
            name="Sunday nights",
            region_code=PREFECTURE,
            weekly=True,
            starts_at=T0 - timedelta(weeks=3),
            ends_at=T0 - timedelta(weeks=3) + timedelta(hours=2),
        )
    )
    session.commit()
    for step in range(4):
        at = T0 + step * STEP
        poll(session, at, down(site.gateway, at))
    assert outbox(session) == []
    later = T0 + timedelta(hours=3)
    poll(session, later, down(site.gateway, later))
    assert len(outbox(session)) == 1


def test_planned_outages_are_not_held_against_availability(session: Session, actor: Actor) -> None:
    planned, unplanned = build_sites(session, actor, COUNTY, 2)
    session.add(
        MaintenanceWindow(
            name="works",
            school_id=session.scalar(sa.select(School.id).where(School.code == planned.code)),
            starts_at=T0 - timedelta(minutes=1),
            ends_at=T0 + timedelta(hours=2),
        )
    )
    session.commit()
    everyone = (planned, unplanned)
    poll(
        session,
        T0 - timedelta(hours=1),
        *[up(s.gateway, T0 - timedelta(hours=1)) for s in everyone],
    )
    poll(session, T0, *[down(s.gateway, T0) for s in everyone])
    back = T0 + timedelta(hours=1)
    poll(session, back, *[up(s.gateway, back) for s in everyone])
    links = list(session.scalars(sa.select(NetworkLink).order_by(NetworkLink.id)))
    window = timedelta(hours=4)
    found = polling.availabilities(session, links, window, T0 + timedelta(hours=3))
    assert found[planned.link] == 1.0
    assert found[unplanned.link] == pytest.approx(0.75)


def test_an_unacknowledged_alert_repeats_at_the_interval_and_an_acknowledged_one_stops(
    session: Session, actor: Actor
) -> None:
    a, b = build_sites(session, actor, COUNTY, 2)
    subscribe(session, "county")
    repeat = timedelta(seconds=rule(session, AlertKind.DEVICE_UNREACHABLE).repeat_s or 0)
    assert repeat == timedelta(hours=4)
    for step in range(3):
        at = T0 + step * STEP
        poll(session, at, down(a.gateway, at), down(b.gateway, at))
    acked = session.scalar(sa.select(Alert).where(Alert.device_id == b.gateway))
    assert acked is not None
    acked.acknowledged_by, acked.acknowledged_at = "zhang", T0 + timedelta(minutes=20)
    session.commit()
    opened_at = T0 + 2 * STEP
    at = opened_at + repeat - STEP
    poll(session, at, down(a.gateway, at), down(b.gateway, at))
    assert len(outbox(session)) == 1
    at = opened_at + repeat
    poll(session, at, down(a.gateway, at), down(b.gateway, at))
    _, reminder = outbox(session)
    assert reminder.kind is MessageKind.REPEAT
    assert [e["alert_id"] for e in reminder.events] == [
        session.scalar(sa.select(Alert.id).where(Alert.device_id == a.gateway))
    ]


def test_a_flapping_uplink_is_one_flapping_alert_and_its_down_alerts_are_damped(
    session: Session, actor: Actor
) -> None:
    (site,) = build_sites(session, actor, COUNTY, 1)
    subscribe(session, "county")
    rule(session, AlertKind.UPLINK_DOWN).delay_s = 0
    session.commit()
    changes = rule(session, AlertKind.UPLINK_FLAPPING).threshold or 0
    at = T0
    for _ in range(changes):
        poll(session, at, up(site.gateway, at, oper_up=False))
        at += STEP
        poll(session, at, up(site.gateway, at))
        at += STEP
    kinds = [(a.kind, a.state) for a in alerts_of(session)]
    assert (AlertKind.UPLINK_FLAPPING, AlertState.OPEN) in kinds

    def uplink_down_alerts() -> int:
        return len([a for a in alerts_of(session) if a.kind is AlertKind.UPLINK_DOWN])

    damped = uplink_down_alerts()
    assert damped < changes  # not one per bounce
    for _ in range(2):
        poll(session, at, up(site.gateway, at, oper_up=False))
        at += STEP
        poll(session, at, up(site.gateway, at))
        at += STEP
    assert uplink_down_alerts() == damped


def test_a_subscription_takes_only_its_rules_at_or_above_its_severity(
    session: Session, actor: Actor
) -> None:
    (site,) = build_sites(session, actor, COUNTY, 1)
    for kind in (AlertKind.DEVICE_UNREACHABLE, AlertKind.CREDENTIAL_FAILING):
        rule(session, kind).delay_s = 0
    session.commit()
    critical_only = subscribe(session, "critical", min_severity=Severity.CRITICAL)
    credentials_only = subscribe(
        session, "creds", rules=[rule(session, AlertKind.CREDENTIAL_FAILING)]
    )
    for step in range(2):
        at = T0 + step * STEP
        poll(session, at, down(site.gateway, at, PollFailure.AUTH_FAILURE))
    (message,) = outbox(session)
    assert message.subscription_id == credentials_only.id
    assert message.events[0]["kind"] == "credential_failing"
    at = T0 + 3 * STEP
    poll(session, at, down(site.gateway, at))
    assert {m.subscription_id for m in outbox(session)} == {credentials_only.id, critical_only.id}


def test_idempotency_keys_differ_per_subscription_and_message(
    session: Session, actor: Actor
) -> None:
    sites = build_sites(session, actor, COUNTY, 2)
    subscribe(session, "one")
    subscribe(session, "two")
    for step in range(3):
        at = T0 + step * STEP
        poll(session, at, *[down(s.gateway, at) for s in sites])
    back = T0 + timedelta(hours=1)
    poll(session, back, *[up(s.gateway, back) for s in sites])
    keys = [m.idempotency_key for m in outbox(session)]
    assert len(keys) == 4 and len(set(keys)) == 4


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_message_names_school_county_object_cause_and_since(
    session: Session, actor: Actor, lang: str
) -> None:
    (site,) = build_sites(session, actor, COUNTY, 1)
    subscribe(session, "s", language=MessageLanguage(lang))
    for step in range(3):
        at = T0 + step * STEP
        poll(session, at, down(site.gateway, at))
    (message,) = outbox(session)
    school = site.name if lang == "zh" else "School 1"
    county = "楚雄市" if lang == "zh" else "Chuxiong"
    for part in (school, county, "gw1", "no reply", "2026-11-02 09:00", f"/schools/{site.code}"):
        assert part in message.body, part
