"""Service tests of polling: leases, recording observations, outages, rates, verification,
rollups and retention — against the real database, with observations built by hand."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from inventory.actor import Actor
from inventory.choices import OutageCause, PollFailure
from inventory.models import ChangeRecord, Device
from inventory.models.polling import (
    DeviceState,
    HourlyRollup,
    InterfaceState,
    LinkVerification,
    Outage,
    PollSample,
)
from inventory.monitoring.observations import DeviceObservation, InterfaceReading
from inventory.services import devices, links, polling, schools
from tests.conftest import COUNTY

T0 = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
STEP = timedelta(minutes=5)
LEASE = timedelta(minutes=2)


@pytest.fixture
def network(session: Session, actor: Actor) -> dict[str, Any]:
    """One school with a monitored 1000 Mbps uplink on its gateway, a switch, a disabled box."""
    schools.create_school(
        session,
        actor,
        {"code": "2153010001", "name": "鹿城小学", "type_code": "211", "region_code": COUNTY},
    )
    gateway = devices.create_device(
        session, actor, "2153010001", {"name": "gw", "role": "gateway", "mgmt_address": "127.0.0.5"}
    )
    switch = devices.create_device(
        session,
        actor,
        "2153010001",
        {"name": "sw", "role": "core_switch", "mgmt_address": "127.0.0.6"},
    )
    devices.create_device(
        session,
        actor,
        "2153010001",
        {
            "name": "off",
            "role": "core_switch",
            "mgmt_address": "127.0.0.7",
            "polling_enabled": False,
        },
    )
    uplink = links.create_link(
        session,
        actor,
        "2153010001",
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
    session.commit()
    return {"gateway": gateway.id, "switch": switch.id, "link": uplink.id}


def seen(
    device_id: int,
    at: datetime,
    *,
    oper_up: bool = True,
    speed: int = 1000,
    octets: int = 0,
    uptime_s: float = 1_000,
    failure: PollFailure | None = None,
    discovered: bool = True,
) -> DeviceObservation:
    """An answer; a discovery by default (issue 21: only a discovery carries names)."""
    if failure is not None:
        return DeviceObservation(device_id=device_id, at=at, failure=failure, detail="no reply")
    return DeviceObservation(
        device_id=device_id,
        at=at,
        response_ms=2.5,
        sys_uptime_ticks=int(uptime_s * 100),
        sys_descr="Huawei Versatile Routing Platform S5735",
        sys_object_id="1.3.6.1.4.1.2011.2.23.1",
        vendor="Huawei" if discovered else None,
        discovered=discovered,
        interfaces=[
            InterfaceReading(
                if_index=1,
                name="GE0/0/1" if discovered else None,
                admin_up=True,
                oper_up=oper_up,
                speed_mbps=speed,
                in_octets=octets,
                out_octets=octets // 2,
            )
        ],
    )


def record(session: Session, *observations: DeviceObservation) -> polling.RecordSummary:
    summary = polling.record_observations(session, observations, STEP, observations[0].at)
    session.commit()
    return summary


def test_claims_lease_due_pollable_devices_once(session: Session, network: dict[str, Any]) -> None:
    first = polling.claim_due(session, "collector-a", T0, LEASE, 100)
    session.commit()
    assert sorted(d.device_id for d in first) == sorted([network["gateway"], network["switch"]])
    assert polling.claim_due(session, "collector-b", T0, LEASE, 100) == []
    later = polling.claim_due(session, "collector-b", T0 + LEASE + timedelta(seconds=1), LEASE, 100)
    assert len(later) == 2  # collector-a died: its leases expired


def test_recording_releases_the_lease_and_schedules_the_next_poll(
    session: Session, network: dict[str, Any]
) -> None:
    polling.claim_due(session, "a", T0, LEASE, 100)
    session.commit()
    record(session, seen(network["gateway"], T0))
    state = session.get(DeviceState, network["gateway"])
    assert state is not None
    assert (state.lease_owner, state.next_poll_at, state.reachable) == (None, T0 + STEP, True)
    # a minute later: the gateway is not due yet, the switch is still leased to "a"
    assert polling.claim_due(session, "b", T0 + timedelta(minutes=1), LEASE, 100) == []
    due = polling.claim_due(session, "b", T0 + STEP, LEASE, 100)
    assert sorted(d.device_id for d in due) == sorted([network["gateway"], network["switch"]])


def test_forced_poll_ignores_the_schedule_but_not_live_leases(
    session: Session, network: dict[str, Any]
) -> None:
    record(session, seen(network["gateway"], T0))
    assert (
        polling.claim_due(
            session, "a", T0 + timedelta(minutes=1), LEASE, 100, device_ids=[network["gateway"]]
        )
        == []
    )
    forced = polling.claim_due(
        session,
        "a",
        T0 + timedelta(minutes=1),
        LEASE,
        100,
        device_ids=[network["gateway"]],
        force=True,
    )
    assert [d.device_id for d in forced] == [network["gateway"]]
    assert polling.claim_due(session, "b", T0 + timedelta(minutes=1), LEASE, 100, force=True) != []
    again = polling.claim_due(
        session,
        "b",
        T0 + timedelta(minutes=1),
        LEASE,
        100,
        device_ids=[network["gateway"]],
        force=True,
    )
    assert again == []  # a's lease is still live


def test_rates_come_from_counter_deltas(session: Session, network: dict[str, Any]) -> None:
    gw = network["gateway"]
    record(session, seen(gw, T0, octets=1_000, uptime_s=1_000))
    record(session, seen(gw, T0 + STEP, octets=1_000 + 3_750_000_000, uptime_s=1_300))
    iface = session.get(InterfaceState, (gw, 1))
    assert iface is not None
    assert iface.in_bps == pytest.approx(100e6)
    assert iface.out_bps == pytest.approx(50e6, rel=1e-6)
    # agent restart: uptime 60 s after a 5-minute interval, counters from zero
    record(session, seen(gw, T0 + 2 * STEP, octets=10, uptime_s=60))
    session.refresh(iface)
    assert iface.in_bps is None


def test_timeout_opens_an_outage_and_recovery_closes_it(
    session: Session, network: dict[str, Any]
) -> None:
    gw = network["gateway"]
    record(session, seen(gw, T0))
    summary = record(session, seen(gw, T0 + STEP, failure=PollFailure.TIMEOUT))
    assert summary.outages_opened == 1
    assert summary.failures == {"timeout": 1}
    record(session, seen(gw, T0 + 2 * STEP))
    outage = session.scalars(sa.select(Outage).where(Outage.cause == OutageCause.UNREACHABLE)).one()
    assert (outage.started_at, outage.ended_at) == (T0 + STEP, T0 + 2 * STEP)


def test_auth_failure_is_not_down(session: Session, network: dict[str, Any]) -> None:
    summary = record(session, seen(network["switch"], T0, failure=PollFailure.AUTH_FAILURE))
    state = session.get(DeviceState, network["switch"])
    assert state is not None
    assert (state.reachable, state.failure) == (True, PollFailure.AUTH_FAILURE)
    assert summary.outages_opened == 0
    assert session.scalar(sa.select(sa.func.count()).select_from(Outage)) == 0


def test_uplink_down_and_slow_are_outages_of_the_link(
    session: Session, network: dict[str, Any]
) -> None:
    gw, link = network["gateway"], network["link"]
    record(session, seen(gw, T0))
    record(session, seen(gw, T0 + STEP, oper_up=False))
    record(session, seen(gw, T0 + 2 * STEP, speed=100))
    causes = {
        (o.cause, o.ended_at)
        for o in session.scalars(sa.select(Outage).where(Outage.link_id == link))
    }
    assert causes == {
        (OutageCause.INTERFACE_DOWN, T0 + 2 * STEP),
        (OutageCause.SPEED_BELOW_CONTRACT, None),
    }


def test_verification_follows_the_rule(session: Session, network: dict[str, Any]) -> None:
    gw, link = network["gateway"], network["link"]
    record(session, seen(gw, T0))
    record(session, seen(gw, T0 + STEP))
    verdict = session.get(LinkVerification, link)
    assert verdict is not None
    assert (verdict.verified, verdict.measured_mbps, verdict.availability_30d) == (True, 1000, 1.0)
    # down for an hour out of the 70 minutes monitored, then back at 100 Mbps
    record(session, seen(gw, T0 + 2 * STEP, failure=PollFailure.TIMEOUT))
    record(session, seen(gw, T0 + 2 * STEP + timedelta(hours=1), speed=100))
    session.refresh(verdict)
    assert not verdict.verified
    assert [r["code"] for r in verdict.reasons] == ["slow", "unavailable"]
    assert verdict.availability_30d == pytest.approx(1 - 60 / 70)


def test_link_of_a_device_down_now_is_not_verified_and_says_since_when(
    session: Session, network: dict[str, Any]
) -> None:
    gw, link = network["gateway"], network["link"]
    record(session, seen(gw, T0))
    record(session, seen(gw, T0 + STEP, failure=PollFailure.TIMEOUT))
    record(session, seen(gw, T0 + 2 * STEP, failure=PollFailure.TIMEOUT))
    verdict = session.get(LinkVerification, link)
    assert verdict is not None
    assert verdict.verified is False
    assert verdict.last_polled_at == T0 + 2 * STEP
    # Its interface's state is unknown: not "down" and "slow", but the failure since when.
    assert verdict.reasons[0] == {
        "code": "poll_failed",
        "failure": "timeout",
        "since": (T0 + STEP).isoformat(),
    }
    assert [r["code"] for r in verdict.reasons] == ["poll_failed", "unavailable"]
    assert verdict.availability_30d == pytest.approx(1 / 2)


def test_discovery_fills_only_empty_fields_and_is_logged(
    session: Session, network: dict[str, Any]
) -> None:
    gw = network["gateway"]
    session.get(Device, network["switch"]).vendor = "H3C"  # type: ignore[union-attr]
    session.commit()
    record(session, seen(gw, T0), seen(network["switch"], T0))
    gateway, switch = session.get(Device, gw), session.get(Device, network["switch"])
    assert gateway is not None and switch is not None
    assert (gateway.vendor, gateway.sys_object_id) == ("Huawei", "1.3.6.1.4.1.2011.2.23.1")
    assert switch.vendor == "H3C"  # staff's value stays
    logged = session.scalars(
        sa.select(ChangeRecord).where(ChangeRecord.actor_name == "collector")
    ).all()
    assert {r.object_id for r in logged} == {str(gw), str(network["switch"])}


def test_rollups_fold_hours_and_are_idempotent(session: Session, network: dict[str, Any]) -> None:
    gw = network["gateway"]
    for step in range(12):  # one hour of 5-minute polls, the 4th a timeout
        failure = PollFailure.TIMEOUT if step == 3 else None
        record(session, seen(gw, T0 + step * STEP, failure=failure, uptime_s=1_000 + 300 * step))
    for _ in range(2):
        polling.rollup_hours(session, T0, T0 + timedelta(hours=1))
        session.commit()
    device_hour = session.get(HourlyRollup, (gw, -1, T0))
    assert device_hour is not None
    assert (device_hour.samples, device_hour.up_samples) == (12, 11)
    assert session.scalar(sa.select(sa.func.count()).select_from(HourlyRollup)) == 2


def test_prune_keeps_what_is_within_retention(session: Session, network: dict[str, Any]) -> None:
    gw = network["gateway"]
    record(session, seen(gw, T0))
    record(session, seen(gw, T0 + timedelta(days=20)))
    deleted = polling.prune(
        session, T0 + timedelta(days=21), polling.Retention(raw=timedelta(days=14))
    )
    session.commit()
    assert deleted["samples"] == 2  # the device sample and the uplink interface sample of T0
    assert {s.at for s in session.scalars(sa.select(PollSample))} == {T0 + timedelta(days=20)}


def _switch_without_ifxtable(
    device_id: int, at: datetime, *, discovered: bool
) -> DeviceObservation:
    """A TP-Link-like switch: ifDescr only (no ifName, no ifAlias); a poll reads no names."""
    return DeviceObservation(
        device_id=device_id,
        at=at,
        sys_uptime_ticks=int((at - T0).total_seconds() * 100) + 100_000,
        discovered=discovered,
        interfaces=[
            InterfaceReading(
                if_index=1010,
                descr="Vlan-interface10" if discovered else None,
                if_type=136 if discovered else None,
                admin_up=True,
                oper_up=True,
                speed_mbps=1000,
                in_octets=4_290_000_000,
                out_octets=1_000,
                counter_bits=32,
                lacking=("ifHighSpeed",) if discovered else (),
            ),
            InterfaceReading(
                if_index=1,
                descr="gigabitEthernet 1/0/1 : copper" if discovered else None,
                oper_up=False,
            ),
        ],
    )


def test_a_poll_never_erases_names_read_by_discovery_and_the_uplink_stays_up(
    session: Session, actor: Actor, network: dict[str, Any]
) -> None:
    gw = network["gateway"]
    links.update_link(session, actor, network["link"], {"interface_name": "Vlan-interface10"})
    session.commit()
    record(session, _switch_without_ifxtable(gw, T0, discovered=True))
    for step in (1, 2):
        record(session, _switch_without_ifxtable(gw, T0 + step * STEP, discovered=False))
        stored = session.get(InterfaceState, (gw, 1010))
        assert stored is not None
        assert (stored.name, stored.descr, stored.if_type) == (None, "Vlan-interface10", 136)
        assert stored.fallbacks == "ifHighSpeed"  # kept for the next poll's plan
    plan = polling.poll_plans(session, [gw], T0 + 3 * STEP, timedelta(hours=6))[gw]
    assert plan.if_indexes == (1010,)
    assert plan.fallbacks == ((1010, ("ifHighSpeed",)),)
    assert session.scalars(sa.select(Outage).where(Outage.link_id == network["link"])).all() == []


@pytest.mark.parametrize(
    ("interface_name", "matched"),
    [("GE0/0/1", 1), ("GigabitEthernet0/0/1", 1), ("上联 电信", 1), ("GE0/0/2", 2)],
)
def test_an_uplink_is_matched_by_if_name_else_if_descr_else_if_alias(
    interface_name: str, matched: int
) -> None:
    rows = [
        InterfaceReading(1, name="GE0/0/1", descr="GigabitEthernet0/0/1", alias="上联 电信"),
        # ifDescr of this one is the other's ifName: the ifName wins, whatever the order.
        InterfaceReading(2, name="GE0/0/2", descr="GE0/0/1", alias="GigabitEthernet0/0/1"),
    ]
    for ordered in (rows, rows[::-1]):
        found = polling.match_interface(ordered, interface_name)
        assert found is not None and found.if_index == matched
    assert polling.match_interface(rows, "GE9/9/9") is None
    assert polling.match_interface(rows, None) is None


def test_a_rediscovery_forgets_interfaces_the_device_no_longer_has(
    session: Session, network: dict[str, Any]
) -> None:
    gw = network["gateway"]
    record(session, seen(gw, T0))
    moved = seen(gw, T0 + STEP)  # the agent renumbered its interfaces: GE0/0/1 is now 7
    record(session, replace(moved, interfaces=[replace(moved.interfaces[0], if_index=7)]))
    indexes = session.scalars(
        sa.select(InterfaceState.if_index).where(InterfaceState.device_id == gw)
    ).all()
    assert list(indexes) == [7]
    assert session.scalars(sa.select(Outage).where(Outage.link_id == network["link"])).all() == []
