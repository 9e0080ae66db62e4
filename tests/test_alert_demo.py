"""The demo's outages produce the expected messages (issue 17): the demo inventory's planned
troubles — dead devices, wrong communities, uplinks down or slower than contracted — recorded
as the collector would see them, become exactly the expected alerts, told in one message."""

from __future__ import annotations

from collections import defaultdict

import sqlalchemy as sa
from sqlalchemy.orm import Session

from demo import inventory as demo
from demo.agents import plan_demo_agents
from inventory import alerts
from inventory.actor import Actor
from inventory.alerts.outbox import coalesce
from inventory.choices import AlertKind, PollFailure
from inventory.models import Device, NetworkLink
from inventory.models.alerts import Alert, AlertRule
from inventory.monitoring.observations import DeviceObservation, InterfaceReading
from inventory.secretbox import SecretBox
from inventory.services.polling import pollable
from tests.alerts_fixture import T0, outbox, poll, subscribe


def test_the_demo_outages_become_the_expected_alerts_in_one_message(session: Session) -> None:
    box = SecretBox([SecretBox.generate_key()])
    demo.load(session, Actor.system("demo"), box, demo.generate(11, scale=0.02))
    session.commit()
    summary = plan_demo_agents(session, box, today=T0).summary
    assert summary.down_ids and summary.wrong_community_ids
    assert summary.down_link_ids and summary.slow_link_ids
    alerts.ensure_default_rules(session)
    session.execute(sa.update(AlertRule).values(delay_s=0))
    session.execute(
        sa.update(AlertRule)
        .where(AlertRule.kind == AlertKind.CREDENTIAL_FAILING)
        .values(threshold=1)
    )
    subscribe(session, "bureau")

    carried: dict[int, dict[str, list[NetworkLink]]] = defaultdict(lambda: defaultdict(list))
    for link in session.scalars(
        sa.select(NetworkLink).where(
            NetworkLink.interface_name.is_not(None), NetworkLink.decommissioned_on.is_(None)
        )
    ):
        assert link.device_id is not None and link.interface_name is not None
        carried[link.device_id][link.interface_name].append(link)
    observations = []
    device_ids = session.scalars(
        sa.select(Device.id).where(pollable(), Device.credential_id.is_not(None))
    ).all()
    for device_id in device_ids:
        if device_id in summary.down_ids:
            failure: PollFailure | None = PollFailure.TIMEOUT
        elif device_id in summary.wrong_community_ids:
            failure = PollFailure.AUTH_FAILURE
        else:
            failure = None
        if failure is not None:
            observations.append(DeviceObservation(device_id, T0, failure=failure, detail="demo"))
            continue
        readings = []
        for n, (name, links) in enumerate(sorted(carried[device_id].items()), start=1):
            ids = {link.id for link in links}
            slow = bool(ids & summary.slow_link_ids)
            speed = (
                max(1, min(x.down_mbps for x in links) // 10)
                if slow
                else max(x.down_mbps for x in links)
            )
            readings.append(
                InterfaceReading(
                    n,
                    name=name,
                    admin_up=True,
                    oper_up=not ids & summary.down_link_ids,
                    speed_mbps=speed,
                )
            )
        observations.append(
            DeviceObservation(
                device_id,
                T0,
                response_ms=1.0,
                sys_uptime_ticks=100,
                discovered=True,
                interfaces=readings,
            )
        )
    poll(session, T0, *observations)

    found: dict[AlertKind, set[int]] = defaultdict(set)
    for alert in session.scalars(sa.select(Alert)):
        found[alert.kind].add(alert.link_id if alert.link_id else alert.device_id or 0)
    assert found == {
        AlertKind.DEVICE_UNREACHABLE: set(summary.down_ids),
        AlertKind.CREDENTIAL_FAILING: set(summary.wrong_community_ids),
        AlertKind.UPLINK_DOWN: set(summary.down_link_ids),
        AlertKind.UPLINK_SLOW: set(summary.slow_link_ids),
    }
    coalesce(session, T0 + alerts.AlertSettings().group_wait)
    session.commit()
    (message,) = outbox(session)
    told = {(e["kind"], e["object"]) for e in message.events}
    assert len(told) == sum(len(v) for v in found.values())
    assert all(e["school"] in message.body and e["county"] in message.body for e in message.events)
