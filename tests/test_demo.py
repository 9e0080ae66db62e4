"""The demo inventory: deterministic, realistic in size and mix, and loadable through the services."""

from __future__ import annotations

import ipaddress
import random
import re
from collections import Counter
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from demo import inventory as demo
from demo.inventory import DemoInventory, DemoSchool
from inventory import reference
from inventory.actor import Actor
from inventory.choices import (
    INTERACTIVE_DISPLAYS,
    CampusArchitecture,
    ClassroomKind,
    DeviceRole,
    SnmpVersion,
    WirelessCoverage,
)
from inventory.models import (
    CampusNetwork,
    ChangeRecord,
    Classroom,
    Device,
    NetworkLink,
    School,
    SnmpCredential,
)
from inventory.secretbox import SecretBox
from inventory.services import credentials
from tests.conftest import FERNET_KEY

ALL_TYPES = {row["code"] for row in reference.school_type_rows()}
COUNTIES = [row["code"] for row in reference.region_rows() if row["level"] == "county"]
NOW = date(2026, 10, 1)  # after every date in the demo


@pytest.fixture(scope="module")
def inventory() -> DemoInventory:
    return demo.generate()


# --- the default standard of DESIGN.md, applied to generated data ---------------------------


def _in_force(start: date | None, end: date | None, day: date) -> bool:
    return (start is None or start <= day) and (end is None or end > day)


def _standard(room: dict[str, Any], day: date) -> bool:
    """A standard digital classroom: interactive display, terminal, audio, >= 100 Mbps."""
    return (
        _in_force(room["commissioned_on"], room["decommissioned_on"], day)
        and room["display"] in INTERACTIVE_DISPLAYS
        and bool(room.get("has_teacher_terminal"))
        and bool(room.get("has_audio"))
        and max(room.get("wired_mbps") or 0, room.get("wireless_mbps") or 0) >= 100
    )


def _state(school: DemoSchool, day: date) -> tuple[int, dict[str, Any] | None, int]:
    """(best uplink Mbps, campus network in force, standard ordinary classrooms) on ``day``."""
    uplink = max(
        (
            link.data["down_mbps"]
            for link in school.links
            if _in_force(link.data["commissioned_on"], link.data["decommissioned_on"], day)
        ),
        default=0,
    )
    states = [n for n in school.campus_networks if n["commissioned_on"] <= day]
    campus = max(states, key=lambda n: n["commissioned_on"]) if states else None
    standard = sum(
        1
        for room in school.classrooms
        if room["kind"] == ClassroomKind.ORDINARY and _standard(room, day)
    )
    return uplink, campus, standard


def tier(school: DemoSchool, day: date) -> str:
    """model / met / basic / not_met, by the default standard's table."""
    uplink, campus, standard = _state(school, day)
    rooms = school.data["ordinary_classrooms"]
    share = standard / rooms if rooms else 0.0
    architecture = campus["architecture"] if campus else CampusArchitecture.NONE
    wireless = campus["wireless_coverage"] if campus else WirelessCoverage.NONE
    fibre = architecture == CampusArchitecture.ALL_FIBRE
    met_uplink = 100 if school.data["type_code"] == "218" else 1000
    if uplink >= 1000 and fibre and wireless == WirelessCoverage.FULL and share >= 1:
        return "model"
    if uplink >= met_uplink and fibre and share >= 1:
        return "met"
    if uplink >= 100 and architecture != CampusArchitecture.NONE and share >= 0.8:
        return "basic"
    return "not_met"


def has_nothing(school: DemoSchool, day: date) -> bool:
    """No usable uplink, no campus network, not one standard classroom."""
    uplink, campus, standard = _state(school, day)
    no_campus = campus is None or campus["architecture"] == CampusArchitecture.NONE
    return uplink < 100 and no_campus and standard == 0


def active_schools(inventory: DemoInventory, day: date) -> list[DemoSchool]:
    return [
        s for s in inventory.schools if _in_force(s.data["opened_on"], s.data["closed_on"], day)
    ]


# --- generation -------------------------------------------------------------------------------


def test_same_seed_same_inventory_whatever_the_global_random_state() -> None:
    random.seed(1)
    first = demo.generate(2025, 0.2)
    random.seed(2)
    second = demo.generate(2025, 0.2)
    assert first == second
    assert demo.generate(2026, 0.2) != first


def test_the_default_is_seed_2025_at_full_scale(inventory: DemoInventory) -> None:
    assert (inventory.seed, inventory.scale) == (2025, 1.0)
    assert inventory == demo.generate(2025, 1.0)


def test_scale_is_bounded() -> None:
    for bad in (0, -1, demo.MAX_SCALE + 1):
        with pytest.raises(ValueError, match="scale"):
            demo.generate(scale=bad)


def test_sizes_at_full_scale(inventory: DemoInventory) -> None:
    counts = inventory.counts()
    assert 1300 <= counts["schools"] <= 1700
    assert 20_000 <= counts["classrooms"] <= 30_000
    assert counts["devices"] >= 2000
    assert counts["links"] >= counts["schools"] // 2
    assert counts["credentials"] == len(COUNTIES) + 2


def test_every_school_type_and_the_big_ones_most(inventory: DemoInventory) -> None:
    types = Counter(s.data["type_code"] for s in inventory.schools)
    assert set(types) == ALL_TYPES
    assert types.most_common(1)[0][0] == "211"
    assert types["111"] > types["218"] > types["311"] > types["341"]
    higher = [s for s in inventory.schools if s.data["type_code"][0] == "4"]
    assert 4 <= len(higher) <= 10
    assert {s.data["region_code"] for s in higher} == {"532301"}


def test_every_type_even_at_a_small_scale() -> None:
    small = demo.generate(scale=0.05)
    assert {s.data["type_code"] for s in small.schools} == ALL_TYPES
    assert {s.data["region_code"] for s in small.schools} == set(COUNTIES)


def test_counties_are_weighted(inventory: DemoInventory) -> None:
    per_county = Counter(s.data["region_code"] for s in inventory.schools)
    assert set(per_county) == set(COUNTIES)
    ranked = [code for code, _ in per_county.most_common()]
    assert ranked[0] == "532301"  # 楚雄市
    assert set(ranked[-2:]) == {"532327", "532322"}  # 永仁县, 双柏县
    mountain_points = Counter(
        s.data["region_code"] for s in inventory.schools if s.data["type_code"] == "218"
    )
    assert mountain_points["532329"] > mountain_points["532301"]  # 武定县 over 楚雄市


def test_schools_look_real(inventory: DemoInventory) -> None:
    codes = [s.code for s in inventory.schools]
    assert len(set(codes)) == len(codes)
    names = [s.data["name"] for s in inventory.schools]
    assert len(set(names)) == len(names)
    rows = {row["code"]: row for row in reference.region_rows()}
    for school in inventory.schools:
        data = school.data
        county = data["region_code"]
        assert re.fullmatch(r"\d{10}", school.code)
        assert school.code.startswith("21" + county[2:])
        assert data["name"].endswith(("学", "园", "院", "校", "点", "班", "心"))
        assert re.search(r"[\u4e00-\u9fff]{4}", data["name"])
        assert abs(data["latitude"] - float(rows[county]["seat_lat"])) < 1
        assert abs(data["longitude"] - float(rows[county]["seat_lon"])) < 1
        assert data["students"] > 0 and data["teachers"] > 0 and data["ordinary_classrooms"] > 0
        assert data["opened_on"] < date(2021, 1, 1)
        ordinary = [r for r in school.classrooms if r["kind"] == ClassroomKind.ORDINARY]
        assert len(ordinary) >= data["ordinary_classrooms"]
        rooms = [r["room_code"] for r in school.classrooms]
        assert len(set(rooms)) == len(rooms)
    assert any(name.startswith("楚雄市") and name.endswith("中心小学") for name in names)
    assert any(name.endswith("教学点") for name in names)
    assert any(name.endswith("幼儿园") for name in names)
    closed = [s for s in inventory.schools if s.data["closed_on"] is not None]
    assert 3 <= len(closed) <= 60
    assert all(date(2023, 1, 1) <= s.data["closed_on"] < date(2025, 1, 1) for s in closed)


def test_a_deliberate_mix_of_states(inventory: DemoInventory) -> None:
    schools = active_schools(inventory, NOW)
    tiers = Counter(tier(s, NOW) for s in schools)
    nothing = sum(1 for s in schools if has_nothing(s, NOW))
    partial = len(schools) - tiers["model"] - nothing
    assert tiers["model"] >= 0.10 * len(schools), tiers
    assert nothing >= 0.05 * len(schools)
    assert partial >= 0.40 * len(schools)
    assert tiers["met"] > 0 and tiers["basic"] > 0  # something between the extremes


def test_coverage_grows_year_by_year(inventory: DemoInventory) -> None:
    model = []
    for year in (2023, 2024, 2025, 2026):
        day = date(year, 1, 1)
        model.append(sum(1 for s in active_schools(inventory, day) if tier(s, day) == "model"))
    assert model == sorted(model) and len(set(model)) == len(model), model


def test_histories(inventory: DemoInventory) -> None:
    campus_upgrades = 0
    uplink_upgrades = 0
    for school in inventory.schools:
        nets = school.campus_networks
        if (
            len(nets) == 2
            and nets[0]["architecture"] in (CampusArchitecture.COPPER, CampusArchitecture.HYBRID)
            and nets[1]["architecture"] == CampusArchitecture.ALL_FIBRE
            and date(2023, 1, 1) <= nets[1]["commissioned_on"] <= date(2025, 12, 31)
            and nets[0]["commissioned_on"] < nets[1]["commissioned_on"]
        ):
            campus_upgrades += 1
        ended = {link.data["decommissioned_on"] for link in school.links}
        if any(link.data["commissioned_on"] in ended for link in school.links):
            uplink_upgrades += 1
        for link in school.links:
            start, end = link.data["commissioned_on"], link.data["decommissioned_on"]
            assert end is None or start < end
        for room in school.classrooms:
            start, end = room["commissioned_on"], room["decommissioned_on"]
            assert start is None or end is None or start <= end
    assert campus_upgrades >= 1 and uplink_upgrades >= 1
    decommissioned = sum(
        1
        for s in inventory.schools
        if s.data["closed_on"] is None
        for r in s.classrooms
        if r["decommissioned_on"] is not None
    )
    assert decommissioned >= 1
    years = Counter(
        r["commissioned_on"].year
        for s in inventory.schools
        for r in s.classrooms
        if r["commissioned_on"] is not None
    )
    assert all(years[year] > 0 for year in range(2019, 2027))


def test_devices_and_links(inventory: DemoInventory) -> None:
    addresses = [d.data["mgmt_address"] for s in inventory.schools for d in s.devices]
    assert len(set(addresses)) == len(addresses)
    for index, address in enumerate(addresses):
        assert address == f"127.53.{index // 250}.{index % 250 + 1}"
        assert ipaddress.ip_address(address).is_loopback
    profiles = {c["name"]: c for c in inventory.credentials}
    assert sum(1 for c in profiles.values() if c["version"] == SnmpVersion.V2C) == len(COUNTIES)
    v3 = {c["name"]: c for c in profiles.values() if c["version"] == SnmpVersion.V3}
    assert {(c["auth_protocol"], c["priv_protocol"]) for c in v3.values()} == {
        ("sha256", "aes128"),
        ("sha512", "aes256"),
    }
    used = Counter(d.credential for s in inventory.schools for d in s.devices)
    assert set(used) - {None} == set(profiles)
    circuits = [link.data["circuit_id"] for s in inventory.schools for link in s.links]
    assert len(set(circuits)) == len(circuits)
    unmonitored = 0
    for school in inventory.schools:
        names = {d.data["name"] for d in school.devices}
        assert len(names) == len(school.devices)
        for device in school.devices:
            assert device.data["snmp_port"] == demo.SNMP_PORT
            if school.data["type_code"] in demo.HIGHER:
                assert device.credential in (demo.V3_STRONG, None)
        if school.links:
            assert school.devices[0].data["role"] == DeviceRole.GATEWAY
        else:
            assert not school.devices
        for link in school.links:
            if link.device is None:
                unmonitored += 1
                assert link.data["interface_name"] is None
            else:
                assert link.device in names
                assert link.data["interface_name"]
    assert unmonitored >= 1
    core = sum(
        1 for s in inventory.schools for d in s.devices if d.data["role"] == DeviceRole.CORE_SWITCH
    )
    assert core >= 300


# --- loading ---------------------------------------------------------------------------------


def _count(session: Session, model: type[Any]) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


def test_load_through_the_services(session: Session, actor: Actor) -> None:
    small = demo.generate(seed=11, scale=0.05)
    box = SecretBox([FERNET_KEY])
    calls: list[int] = []
    summary = demo.load(session, actor, box, small, calls.append)
    session.commit()

    assert summary.counts() == small.counts()
    assert sum(calls) == len(small.schools) and all(n > 0 for n in calls)
    in_db = {
        "credentials": _count(session, SnmpCredential),
        "schools": _count(session, School),
        "campus_networks": _count(session, CampusNetwork),
        "devices": _count(session, Device),
        "links": _count(session, NetworkLink),
        "classrooms": _count(session, Classroom),
    }
    assert in_db == summary.counts()

    # One change-log batch covers every row, one create record each.
    batches = session.scalars(sa.select(ChangeRecord.batch_id).distinct()).all()
    assert batches == [summary.batch_id]
    per_type = dict(
        session.execute(
            sa.select(ChangeRecord.object_type, sa.func.count()).group_by(ChangeRecord.object_type)
        ).all()
    )
    assert per_type == {
        "snmp_credential": summary.credentials,
        "school": summary.schools,
        "campus_network": summary.campus_networks,
        "device": summary.devices,
        "network_link": summary.links,
        "classroom": summary.classrooms,
    }
    assert summary.total == sum(per_type.values())

    # Secrets are stored encrypted and come back as generated; links name their interfaces.
    generated = {c["name"]: c for c in small.credentials}
    for credential in session.scalars(sa.select(SnmpCredential)):
        plain = credentials.reveal(box, credential)
        source = generated[credential.name]
        assert (plain.community, plain.auth_key) == (
            source.get("community"),
            source.get("auth_key"),
        )
        if credential.community_enc is not None:
            assert source["community"] not in credential.community_enc
    monitored = session.scalars(
        sa.select(NetworkLink).where(NetworkLink.device_id.is_not(None))
    ).all()
    assert monitored and all(link.device and link.interface_name for link in monitored)
    types = set(session.scalars(sa.select(School.type_code).distinct()))
    assert types == ALL_TYPES
