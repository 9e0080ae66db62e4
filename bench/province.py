"""A province-sized synthetic inventory, bulk-inserted fast (no services, no change log).

    from bench.province import ProvinceSpec, build_province
    with engine.begin() as conn:
        summary = build_province(conn, ProvinceSpec(schools=20_000))

Builds, under Yunnan (530000) and beside the reference prefecture of Chuxiong (532300, ten
counties), synthetic prefectures of eight counties each until there are ``counties`` counties,
then spreads the schools over them with realistic school types, campus-network histories
(some upgraded to all-fibre on a date), classrooms (some decommissioned), uplinks (some
upgraded), devices carrying monitored uplinks and a verification verdict per monitored link.
Everything goes in as executemany INSERTs of core tables in chunks, with explicit ids
(PostgreSQL sequences are moved past them at the end). Deterministic for a seed.

Meant for benchmarks (coverage report timing; load tests reuse it): it expects a migrated
database without schools of these codes, and reports progress through ``progress(n)``.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from inventory.models import (
    CampusNetwork,
    Classroom,
    Device,
    LinkVerification,
    NetworkLink,
    Region,
    School,
)

TYPES = [  # (type code, weight, ordinary classrooms low–high)
    ("211", 40, (6, 30)),
    ("218", 14, (1, 4)),
    ("311", 9, (12, 40)),
    ("312", 5, (18, 48)),
    ("342", 4, (24, 60)),
    ("341", 2, (24, 60)),
    ("365", 2, (12, 40)),
    ("511", 1, (4, 12)),
    ("412", 1, (40, 120)),
    ("111", 22, (3, 12)),
]
CHUNK = 5000


@dataclass(frozen=True)
class ProvinceSpec:
    """How big: the issue's province is 20,000 schools, 300,000 classrooms, 40,000 links."""

    schools: int = 20_000
    classrooms: int = 300_000
    links: int = 40_000
    counties: int = 130
    monitored_share: float = 0.6  # links carried by a polled device interface
    seed: int = 20231
    start_id: int = 1_000_000  # ids above whatever the database holds already


@dataclass
class ProvinceSummary:
    """What was inserted."""

    regions: int = 0
    schools: int = 0
    classrooms: int = 0
    links: int = 0
    campus_networks: int = 0
    devices: int = 0
    verifications: int = 0


def _chunks(rows: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(rows), CHUNK):
        yield rows[start : start + CHUNK]


def _regions(conn: Connection, spec: ProvinceSpec) -> list[str]:
    """County codes: Chuxiong's ten, then synthetic prefectures of eight counties."""
    existing = {
        row.code: row
        for row in conn.execute(sa.select(Region.code, Region.parent_code, Region.level))
    }
    counties = sorted(code for code, row in existing.items() if row.level == "county")
    new: list[dict[str, Any]] = []
    prefecture = 1
    while len(counties) < spec.counties:
        code = f"53{prefecture:02d}00"
        prefecture += 1
        if code in existing:
            continue
        new.append(
            dict(
                code=code,
                name_zh=f"合成州{code}",
                name_en=f"Prefecture {code}",
                level="prefecture",
                parent_code="530000",
                path=f"/530000/{code}/",
            )
        )
        for county in range(1, 9):
            if len(counties) >= spec.counties:
                break
            ccode = f"{code[:4]}{county:02d}"
            new.append(
                dict(
                    code=ccode,
                    name_zh=f"合成县{ccode}",
                    name_en=f"County {ccode}",
                    level="county",
                    parent_code=code,
                    path=f"/530000/{code}/{ccode}/",
                )
            )
            counties.append(ccode)
    if new:
        conn.execute(sa.insert(Region.__table__), new)
    return counties


def build_province(
    conn: Connection,
    spec: ProvinceSpec | None = None,
    progress: Callable[[int], None] | None = None,
) -> ProvinceSummary:
    """Insert the inventory (see the module docstring); the caller's transaction holds it."""
    spec = spec or ProvinceSpec()
    rng = random.Random(spec.seed)
    tick = progress or (lambda _n: None)
    summary = ProvinceSummary()
    counties = _regions(conn, spec)
    summary.regions = len(counties)
    now = datetime.now(UTC)
    weights = [w for _c, w, _r in TYPES]

    school_rows: list[dict[str, Any]] = []
    room_budget: list[int] = []
    for n in range(spec.schools):
        type_code, _w, (low, high) = rng.choices(TYPES, weights)[0]
        county = counties[n % len(counties)]
        opened = date(rng.randint(1950, 2024), 9, 1)
        closed = date(2024, rng.randint(1, 12), 1) if rng.random() < 0.02 else None
        rooms = rng.randint(low, high)
        room_budget.append(rooms)
        school_rows.append(
            dict(
                id=spec.start_id + n,
                code=f"9{n:09d}",
                name=f"合成学校{n}",
                type_code=type_code,
                region_code=county,
                ordinary_classrooms=rooms,
                opened_on=opened,
                closed_on=closed,
                created_at=now,
                updated_at=now,
            )
        )
    for chunk in _chunks(school_rows):
        conn.execute(sa.insert(School.__table__), chunk)
        tick(len(chunk))
    summary.schools = len(school_rows)

    # Classrooms: spread ``spec.classrooms`` in proportion to each school's declared rooms.
    total_declared = sum(room_budget) or 1
    scale = spec.classrooms / total_declared
    room_rows: list[dict[str, Any]] = []
    room_id = spec.start_id
    for school, declared in zip(school_rows, room_budget, strict=True):
        count = max(0, round(declared * scale))
        for r in range(count):
            good = rng.random() < 0.75
            room_rows.append(
                dict(
                    id=room_id,
                    school_id=school["id"],
                    room_code=f"R{r:04d}",
                    kind="ordinary" if rng.random() < 0.9 else "science_lab",
                    display="interactive_panel"
                    if good
                    else rng.choice(["projector", "none", "tv"]),
                    has_teacher_terminal=good or rng.random() < 0.5,
                    has_visualiser=False,
                    has_audio=good or rng.random() < 0.5,
                    has_recording=False,
                    wired_mbps=rng.choice([100, 1000, 1000])
                    if good
                    else rng.choice([None, 10, 100]),
                    wireless_mbps=None,
                    commissioned_on=date(rng.randint(2015, 2025), rng.randint(1, 12), 1),
                    decommissioned_on=date(2025, 6, 1) if rng.random() < 0.02 else None,
                    created_at=now,
                    updated_at=now,
                )
            )
            room_id += 1
    for chunk in _chunks(room_rows):
        conn.execute(sa.insert(Classroom.__table__), chunk)
        tick(len(chunk))
    summary.classrooms = len(room_rows)

    campus_rows: list[dict[str, Any]] = []
    campus_id = spec.start_id
    for school in school_rows:
        first = rng.choice(["copper", "hybrid", "all_fibre", "none"])
        campus_rows.append(
            dict(
                id=campus_id,
                school_id=school["id"],
                architecture=first,
                wireless_coverage=rng.choice(["none", "partial"]),
                commissioned_on=date(2018, 9, 1),
                created_at=now,
                updated_at=now,
            )
        )
        campus_id += 1
        if first != "all_fibre" and rng.random() < 0.6:
            campus_rows.append(
                dict(
                    id=campus_id,
                    school_id=school["id"],
                    architecture="all_fibre",
                    wireless_coverage=rng.choice(["partial", "full"]),
                    commissioned_on=date(rng.randint(2023, 2025), rng.randint(1, 12), 1),
                    created_at=now,
                    updated_at=now,
                )
            )
            campus_id += 1
    for chunk in _chunks(campus_rows):
        conn.execute(sa.insert(CampusNetwork.__table__), chunk)
        tick(len(chunk))
    summary.campus_networks = len(campus_rows)

    link_rows: list[dict[str, Any]] = []
    device_rows: list[dict[str, Any]] = []
    verdicts: list[dict[str, Any]] = []
    link_id = device_id = spec.start_id
    for n in range(spec.links):
        school = school_rows[n % len(school_rows)]
        monitored = rng.random() < spec.monitored_share
        upgraded = rng.random() < 0.4
        device = None
        if monitored:
            device = device_id
            device_rows.append(
                dict(
                    id=device_id,
                    school_id=school["id"],
                    name=f"gw{n}",
                    role="gateway",
                    status="active",
                    mgmt_address=f"10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}",
                    snmp_port=161,
                    polling_enabled=True,
                    created_at=now,
                    updated_at=now,
                )
            )
            device_id += 1
        mbps = 1000 if upgraded else rng.choice([100, 200, 1000])
        link_rows.append(
            dict(
                id=link_id,
                school_id=school["id"],
                kind="metro" if n % 2 else "internet",
                carrier=None if n % 2 else "telecom",
                medium="fibre",
                down_mbps=mbps,
                up_mbps=mbps,
                circuit_id=f"BENCH-{spec.seed}-{n}",
                commissioned_on=date(2024, rng.randint(1, 12), 1) if upgraded else date(2019, 1, 1),
                decommissioned_on=None,
                device_id=device,
                interface_name="ge0/1" if device else None,
                created_at=now,
                updated_at=now,
            )
        )
        if device is not None:
            ok = rng.random() < 0.8
            verdicts.append(
                dict(
                    link_id=link_id,
                    checked_at=now,
                    last_polled_at=now,
                    oper_up=ok,
                    measured_mbps=mbps if ok else None,
                    contracted_mbps=mbps,
                    availability_30d=0.999 if ok else 0.95,
                    verified=ok,
                    reasons=[] if ok else [{"code": "down"}],
                )
            )
        link_id += 1
    for chunk in _chunks(device_rows):
        conn.execute(sa.insert(Device.__table__), chunk)
    for chunk in _chunks(link_rows):
        conn.execute(sa.insert(NetworkLink.__table__), chunk)
        tick(len(chunk))
    for chunk in _chunks(verdicts):
        conn.execute(sa.insert(LinkVerification.__table__), chunk)
    summary.links, summary.devices, summary.verifications = (
        len(link_rows),
        len(device_rows),
        len(verdicts),
    )
    if conn.dialect.name == "postgresql":
        for table in ("school", "classroom", "campus_network", "network_link", "device"):
            conn.execute(
                sa.text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
                )
            )
        conn.execute(sa.text("ANALYZE"))
    return summary
