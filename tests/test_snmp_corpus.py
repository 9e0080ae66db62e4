"""Issue 21: real switches as schools have them, from the hand-written device corpus.

Every recording in ``tests/snmp_corpus`` is served by snmpsim on loopback and polled through
the real client: discovery, two polls and a rediscovery by the collector's own cycle; then,
with counters that advance between polls (a rewritten copy of the recording), the traffic
rates of 64-bit and 32-bit counters, including wraps of both.
"""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from collectors.client import PysnmpClient
from collectors.cycle import Collector, CycleSettings
from collectors.poller import PollJob, poll_one
from collectors.profiles import load_profile
from collectors.snmp_types import SnmpCredentials, Target
from inventory.actor import Actor
from inventory.choices import SnmpVersion
from inventory.db import make_sessionmaker
from inventory.models import Device
from inventory.models.polling import DeviceState, InterfaceState, LinkVerification, Outage
from inventory.secretbox import SecretBox
from inventory.services import credentials, devices, links, polling, schools
from tests.conftest import COUNTY
from tests.snmp_corpus_fixtures import (
    COMMUNITY,
    CORPUS,
    EXPECTED,
    NAMES,
    Corpus,
    corpus_fixture,
    recording_text,
    records,
)

__all__ = ["corpus_fixture"]

SCHOOL = "2153010021"
FAST = CycleSettings(timeout=1.0, retries=1, concurrency=4, batch_size=5)
IF = "1.3.6.1.2.1.2.2.1"
IFX = "1.3.6.1.2.1.31.1.1.1"
PROFILE = load_profile()


@pytest.fixture
def box() -> SecretBox:
    return SecretBox([SecretBox.generate_key()])


def register(
    session: Session, actor: Actor, box: SecretBox, corpus: Corpus, name: str, **device: Any
) -> tuple[int, int]:
    """The school, the recorded device and its uplink (contracted at the port's speed)."""
    schools.create_school(
        session,
        actor,
        {"code": SCHOOL, "name": "紫溪小学", "type_code": "211", "region_code": COUNTY},
    )
    credential = credentials.create_credential(
        session, actor, box, {"name": "corpus", "version": "v2c", "community": COMMUNITY}
    )
    host, port = corpus.endpoints[name]
    found = devices.create_device(
        session,
        actor,
        SCHOOL,
        {
            "name": name,
            "role": "core_switch",
            "mgmt_address": host,
            "snmp_port": port,
            "credential_id": credential.id,
            **device,
        },
    )
    expected = EXPECTED[name]
    link = links.create_link(
        session,
        actor,
        SCHOOL,
        {
            "kind": "metro",
            "medium": "fibre",
            "down_mbps": expected.speed_mbps,
            "up_mbps": expected.speed_mbps,
            "device_id": found.id,
            "interface_name": expected.uplink,
            "commissioned_on": date(2024, 1, 1),
        },
    )
    session.commit()
    return found.id, link.id


def text(tag_value: tuple[str, str] | None) -> str | None:
    if tag_value is None:
        return None
    tag, value = tag_value
    return bytes.fromhex(value).decode() if tag == "4x" else value


def recorded_interfaces(name: str) -> dict[int, tuple[Any, ...]]:
    """(ifName, ifDescr, ifAlias, ifType, oper up, speed) of each interface, read from the
    recording without the collector's code: speed is ifHighSpeed, else ifSpeed / 10^6."""
    found = records(recording_text(name))
    rows = {}
    for oid, (_, value) in found.items():
        if not oid.startswith(f"{IF}.1."):
            continue
        n = int(value)
        high = found.get(f"{IFX}.15.{n}")
        speed = int(found[f"{IF}.5.{n}"][1])
        rows[n] = (
            text(found.get(f"{IFX}.1.{n}")),
            text(found.get(f"{IF}.2.{n}")),
            text(found.get(f"{IFX}.18.{n}")),
            int(found[f"{IF}.3.{n}"][1]),
            found[f"{IF}.8.{n}"][1] == "1",
            int(high[1]) if high else (None if speed == 2**32 - 1 else speed // 10**6),
        )
    return rows


def stored_interfaces(session: Session, device_id: int) -> dict[int, tuple[Any, ...]]:
    session.expire_all()
    return {
        i.if_index: (i.name, i.descr, i.alias, i.if_type, i.oper_up, i.speed_mbps)
        for i in session.scalars(
            sa.select(InterfaceState).where(InterfaceState.device_id == device_id)
        )
    }


def run_cycle(engine: Engine, box: SecretBox, device_id: int, settings: CycleSettings) -> None:
    async def main() -> None:
        collector = Collector(make_sessionmaker(engine), box, PysnmpClient(), settings)
        try:
            result = await collector.run_cycle(force=True, device_ids=[device_id])
            assert (result.devices, result.ok) == (1, 1)
        finally:
            await collector.close()

    asyncio.run(main())


def uplink_is_working(session: Session, device_id: int, link_id: int, name: str) -> None:
    expected = EXPECTED[name]
    session.expire_all()
    uplink = session.get(InterfaceState, (device_id, expected.uplink_index))
    assert uplink is not None and uplink.oper_up is True
    assert uplink.speed_mbps == expected.speed_mbps
    assert uplink.counter_bits == expected.counter_bits
    verdict = session.get(LinkVerification, link_id)
    assert verdict is not None
    assert (verdict.oper_up, verdict.measured_mbps) == (True, expected.speed_mbps)
    outages = session.scalars(sa.select(Outage).where(Outage.link_id == link_id)).all()
    assert [(o.cause, o.detail) for o in outages] == []


@pytest.mark.parametrize("name", NAMES)
def test_each_recorded_device_is_discovered_polled_twice_and_rediscovered_without_losing_names(
    engine: Engine,
    session: Session,
    actor: Actor,
    box: SecretBox,
    corpus: Corpus,
    name: str,
) -> None:
    device_id, link_id = register(session, actor, box, corpus, name)
    expected = EXPECTED[name]
    wanted = recorded_interfaces(name)

    run_cycle(engine, box, device_id, FAST)  # first contact: a discovery
    assert stored_interfaces(session, device_id) == wanted
    device = session.get(Device, device_id)
    assert device is not None
    assert (device.vendor, device.model) == (expected.vendor, expected.model)
    uplink_is_working(session, device_id, link_id, name)
    state = session.get(DeviceState, device_id)
    assert state is not None and state.discovered_at is not None
    discovered_at = state.discovered_at
    assert (state.sys_uptime_ticks is not None) is expected.uptime

    for _ in range(2):  # polls read no names: whatever the device lacks, they stay
        run_cycle(engine, box, device_id, FAST)
        assert stored_interfaces(session, device_id) == wanted
        uplink_is_working(session, device_id, link_id, name)
    state = session.get(DeviceState, device_id)
    assert state is not None and state.discovered_at == discovered_at  # they were polls

    run_cycle(engine, box, device_id, dataclasses.replace(FAST, rediscover_after=timedelta(0)))
    session.expire_all()
    state = session.get(DeviceState, device_id)
    assert state is not None and state.discovered_at != discovered_at  # a rediscovery
    assert stored_interfaces(session, device_id) == wanted
    uplink_is_working(session, device_id, link_id, name)


def test_staff_entered_vendor_and_model_are_never_overwritten(
    engine: Engine, session: Session, actor: Actor, box: SecretBox, corpus: Corpus
) -> None:
    device_id, _ = register(
        session, actor, box, corpus, "huawei-s5720", vendor="华为", model="S5720-56C (资产登记)"
    )
    run_cycle(engine, box, device_id, FAST)
    session.expire_all()
    device = session.get(Device, device_id)
    assert device is not None
    assert (device.vendor, device.model) == ("华为", "S5720-56C (资产登记)")
    assert device.sys_object_id == "1.3.6.1.4.1.2011.2.23.380"  # empty fields are filled


# Octets added to every counter per step; a few Mbit/s, plausible on every uplink.
IN_STEP, OUT_STEP = 12_345_678, 1_234_567
T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def advanced(recording: str, steps: int, seconds_per_step: list[int]) -> str:
    """The recording after ``steps`` steps: every octet counter grown by IN_STEP/OUT_STEP per
    step (wrapping at its width) and sysUpTime by the steps' seconds."""
    lines = []
    for line in recording.splitlines():
        oid, tag, value = line.split("|", 2)
        if oid == "1.3.6.1.2.1.1.3.0":
            value = str(int(value) + 100 * sum(seconds_per_step[:steps]))
        for column, step, width in (
            (f"{IF}.10.", IN_STEP, 32),
            (f"{IF}.16.", OUT_STEP, 32),
            (f"{IFX}.6.", IN_STEP, 64),
            (f"{IFX}.10.", OUT_STEP, 64),
        ):
            if oid.startswith(column):
                value = str((int(value) + step * steps) % 2**width)
        lines.append(f"{oid}|{tag}|{value}")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("name", NAMES)
def test_rates_of_64_and_32_bit_counters_with_wraps_from_advancing_recordings(
    session: Session, actor: Actor, box: SecretBox, corpus: Corpus, name: str
) -> None:
    expected = EXPECTED[name]
    device_id, _ = register(session, actor, box, corpus, name)
    host, port = corpus.endpoints[name]
    target = Target(device_id, host, port, SnmpCredentials(SnmpVersion.V2C, community=COMMUNITY))
    original = recording_text(name)
    # 30 s: within what a 32-bit counter at 1 Gbit/s allows (31 s); 300 s: beyond it.
    seconds = [30, 300]
    rates: list[tuple[float | None, float | None, bool | None, int | None]] = []

    async def main() -> None:
        client = PysnmpClient()
        try:
            await client.register([target])
            at = T0
            found = await poll_one(client, PROFILE, PollJob(target, discover=True))
            polling.record_observations(
                session, [dataclasses.replace(found, at=at)], timedelta(minutes=5), at
            )
            session.commit()
            for step, interval in enumerate(seconds, start=1):
                at += timedelta(seconds=interval)
                corpus.serve(name, advanced(original, step, seconds))
                plan = polling.poll_plans(session, [device_id], at, timedelta(hours=6))[device_id]
                assert plan.if_indexes == (expected.uplink_index,) and not plan.discover
                job = PollJob(target, if_indexes=plan.if_indexes, fallbacks=plan.fallbacks)
                found = await poll_one(client, PROFILE, job)
                assert found.failure is None
                polling.record_observations(
                    session, [dataclasses.replace(found, at=at)], timedelta(minutes=5), at
                )
                session.commit()
                uplink = session.get(InterfaceState, (device_id, expected.uplink_index))
                assert uplink is not None
                rates.append(
                    (uplink.in_bps, uplink.out_bps, uplink.rate_unreliable, uplink.in_octets)
                )
        finally:
            await client.close()
            corpus.restore(name)

    asyncio.run(main())
    in_30, out_30, unreliable_30, _ = rates[0]
    assert in_30 == pytest.approx(IN_STEP * 8 / 30)
    assert out_30 == pytest.approx(OUT_STEP * 8 / 30)
    assert unreliable_30 is False
    in_300, out_300, unreliable_300, _ = rates[1]
    if expected.counter_bits == 32 and expected.speed_mbps >= 1000:
        # 300 s at 1 Gbit/s can hold nine wraps of a 32-bit counter: no guess.
        assert (in_300, out_300, unreliable_300) == (None, None, True)
    else:
        assert in_300 == pytest.approx(IN_STEP * 8 / 300)
        assert out_300 == pytest.approx(OUT_STEP * 8 / 300)
        assert unreliable_300 is False


def test_the_corpus_holds_counter_wraps_of_both_widths() -> None:
    """The rate test above crosses a wrap of each width (else it could not catch a bad one)."""
    tplink = records(recording_text("tplink-t2600g"))
    assert int(tplink[f"{IF}.10.1010"][1]) + IN_STEP > 2**32  # the TP-Link uplink, 32-bit
    huawei = records(recording_text("huawei-s5720"))
    assert int(huawei[f"{IFX}.6.53"][1]) + IN_STEP > 2**64  # the Huawei uplink, 64-bit


def test_the_corpus_covers_ten_vendors_and_the_awkward_devices() -> None:
    assert len({e.vendor for e in EXPECTED.values()}) >= 10
    assert sorted(p.stem for p in CORPUS.glob("*.snmprec")) == NAMES
    lacking_ifx = [n for n in NAMES if f"{IFX}.1." not in recording_text(n)]
    lacking_uptime = [n for n in NAMES if "1.3.6.1.2.1.1.3.0|" not in recording_text(n)]
    huge_index = [n for n in NAMES if EXPECTED[n].uplink_index > 2**28]
    assert lacking_ifx and lacking_uptime and huge_index
    readme = (CORPUS / "README.md").read_text(encoding="utf-8")
    for name in NAMES:
        assert f"`{name}.snmprec`" in readme  # each recording's origin and licence is stated
