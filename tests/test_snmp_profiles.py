"""SNMP profiles as data: the default profile, validation, and reading a real agent with it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from collectors.client import PysnmpClient
from collectors.profiles import ProfileError, ValueKind, load_profile, parse_profile
from collectors.snmp_types import PollReply
from tests.snmp_fixtures import (
    SWITCH,
    Lab,
    community,
    lab_fixture,  # noqa: F401  (the lab fixture)
    target,
    with_client,
)

# The brief's OIDs and kinds, written out independently of default.toml.
EXPECTED = {
    "sysDescr": ("1.3.6.1.2.1.1.1.0", ValueKind.STRING, None),
    "sysObjectID": ("1.3.6.1.2.1.1.2.0", ValueKind.OID, None),
    "sysUpTime": ("1.3.6.1.2.1.1.3.0", ValueKind.TIMETICKS, None),
    "sysName": ("1.3.6.1.2.1.1.5.0", ValueKind.STRING, None),
    "ifDescr": ("1.3.6.1.2.1.2.2.1.2", ValueKind.STRING, "ifTable"),
    "ifType": ("1.3.6.1.2.1.2.2.1.3", ValueKind.INTEGER_ENUM, "ifTable"),
    "ifAdminStatus": ("1.3.6.1.2.1.2.2.1.7", ValueKind.INTEGER_ENUM, "ifTable"),
    "ifOperStatus": ("1.3.6.1.2.1.2.2.1.8", ValueKind.INTEGER_ENUM, "ifTable"),
    "ifInErrors": ("1.3.6.1.2.1.2.2.1.14", ValueKind.COUNTER32, "ifTable"),
    "ifOutErrors": ("1.3.6.1.2.1.2.2.1.20", ValueKind.COUNTER32, "ifTable"),
    "ifName": ("1.3.6.1.2.1.31.1.1.1.1", ValueKind.STRING, "ifXTable"),
    "ifHCInOctets": ("1.3.6.1.2.1.31.1.1.1.6", ValueKind.COUNTER64, "ifXTable"),
    "ifHCOutOctets": ("1.3.6.1.2.1.31.1.1.1.10", ValueKind.COUNTER64, "ifXTable"),
    "ifHighSpeed": ("1.3.6.1.2.1.31.1.1.1.15", ValueKind.GAUGE, "ifXTable"),
    "ifAlias": ("1.3.6.1.2.1.31.1.1.1.18", ValueKind.STRING, "ifXTable"),
    # Issue 21: the 32-bit fallbacks of devices without ifXTable, and the chassis model.
    "ifSpeed": ("1.3.6.1.2.1.2.2.1.5", ValueKind.GAUGE, "ifTable"),
    "ifInOctets": ("1.3.6.1.2.1.2.2.1.10", ValueKind.COUNTER32, "ifTable"),
    "ifOutOctets": ("1.3.6.1.2.1.2.2.1.16", ValueKind.COUNTER32, "ifTable"),
    "entPhysicalClass": ("1.3.6.1.2.1.47.1.1.1.1.5", ValueKind.INTEGER_ENUM, "entPhysicalTable"),
    "entPhysicalModelName": ("1.3.6.1.2.1.47.1.1.1.1.13", ValueKind.STRING, "entPhysicalTable"),
}


def test_default_profile_has_the_system_group_and_interface_tables() -> None:
    profile = load_profile()
    assert profile.name == "default"
    found = {
        obj.name: (obj.oid, obj.kind, obj.table) for obj in (*profile.scalars, *profile.columns)
    }
    assert found == EXPECTED
    assert [o.name for o in profile.discovery_scalars] == [
        "sysDescr",
        "sysObjectID",
        "sysUpTime",
        "sysName",
    ]
    assert {o.name for o in profile.discovery_columns} == {
        name for name, (_, _, table) in EXPECTED.items() if table
    }
    assert profile.object("ifOperStatus").label(2) == "down"
    assert profile.object("ifOperStatus").label(42) is None
    assert profile.object("ifType").label(6) == "ethernetCsmacd"


def test_poll_oids_and_rows() -> None:
    profile = load_profile()
    oids = profile.poll_oids([1, 24])
    columns = [c.oid for c in profile.poll_interface_columns]
    assert oids == ["1.3.6.1.2.1.1.3.0"] + [f"{c}.1" for c in columns] + [
        f"{c}.24" for c in columns
    ]
    values: dict[str, Any] = {
        "1.3.6.1.2.1.1.3.0": 7,
        "1.3.6.1.2.1.2.2.1.8.1": 1,
        "1.3.6.1.2.1.31.1.1.1.15.1": 1000,
        "1.3.6.1.2.1.2.2.1.8.24": 2,
        "1.3.6.1.4.1.9.9.9.1": 5,  # not in the profile: ignored
    }
    assert profile.rows(values) == {
        1: {"ifOperStatus": 1, "ifHighSpeed": 1000},
        24: {"ifOperStatus": 2},
    }
    assert profile.scalar_values(values) == {"sysUpTime": 7}
    assert profile.locate("1.3.6.1.2.1.31.1.1.1.6.3") == (profile.object("ifHCInOctets"), "3")
    assert profile.locate("1.3.6.1.2.1.31.1.1.1.60.3") is None


@pytest.mark.parametrize(
    ("kind", "good", "bad"),
    [
        (ValueKind.STRING, ["", "GE0/0/1"], [1]),
        (ValueKind.OID, ["1.3.6.1.4.1.2011"], ["iso.3", 5]),
        (ValueKind.TIMETICKS, [0, 2**32 - 1], [-1, 2**32, "5"]),
        (ValueKind.COUNTER32, [0, 2**32 - 1], [2**32]),
        (ValueKind.COUNTER64, [0, 2**64 - 1], [2**64, True]),
        (ValueKind.GAUGE, [10_000], [-5]),
        (ValueKind.INTEGER_ENUM, [1, 7], ["up"]),
    ],
)
def test_value_kinds(kind: ValueKind, good: list[Any], bad: list[Any]) -> None:
    profile = load_profile()
    obj = next(o for o in (*profile.scalars, *profile.columns) if o.kind is kind)
    assert all(obj.accepts(v) for v in [*good, None])
    assert not any(obj.accepts(v) for v in bad)


def minimal(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "test",
        "scalars": {"sysUpTime": {"oid": "1.3.6.1.2.1.1.3.0", "kind": "timeticks"}},
        "columns": {
            "ifOperStatus": {
                "oid": "1.3.6.1.2.1.2.2.1.8",
                "table": "ifTable",
                "kind": "integer-enum",
                "labels": {"1": "up"},
            }
        },
        "poll": {"scalars": ["sysUpTime"], "interface_columns": ["ifOperStatus"]},
    }
    data.update(changes)
    return data


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (minimal(name="two words"), "'name' must be a word"),
        (minimal(extra=1), "unknown keys"),
        (
            minimal(scalars={"sysUpTime": {"oid": "SNMPv2-MIB::sysUpTime.0", "kind": "timeticks"}}),
            "numeric OID",
        ),
        (
            minimal(scalars={"sysUpTime": {"oid": "1.3.6.1.2.1.1.3", "kind": "timeticks"}}),
            "must end in .0",
        ),
        (
            minimal(scalars={"sysUpTime": {"oid": "1.3.6.1.2.1.1.3.0", "kind": "float"}}),
            "kind must be one of",
        ),
        (
            minimal(
                scalars={
                    "sysUpTime": {
                        "oid": "1.3.6.1.2.1.1.3.0",
                        "kind": "timeticks",
                        "labels": {"1": "x"},
                    }
                }
            ),
            "only integer-enum",
        ),
        (
            minimal(columns={"ifName": {"oid": "1.3.6.1.2.1.31.1.1.1.1", "kind": "string"}}),
            "table must name",
        ),
        (
            minimal(
                columns={
                    "ifName": {"oid": "1.3.6.1.2.1.31.1.1.1.1.0", "table": "t", "kind": "string"}
                }
            ),
            "without an instance",
        ),
        (minimal(poll={"scalars": ["sysUptime"]}), "unknown objects ['sysUptime']"),
        (minimal(poll={"scalars": [], "columns": []}), "[poll] has unknown keys"),
        (
            minimal(
                columns={"sysUpTime": {"oid": "1.3.6.1.2.1.1.3", "table": "t", "kind": "string"}}
            ),
            "both a scalar and a column",
        ),
    ],
)
def test_bad_profiles_are_refused_with_the_reason(data: dict[str, Any], message: str) -> None:
    with pytest.raises(ProfileError, match=None) as caught:
        parse_profile(data, "test.toml")
    assert message in str(caught.value) and str(caught.value).startswith("test.toml: ")


def test_profiles_load_from_a_path(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(
        'name = "mine"\n[scalars.sysName]\noid = "1.3.6.1.2.1.1.5.0"\nkind = "string"\n'
    )
    profile = load_profile(path)
    assert profile.name == "mine" and profile.poll_oids([1]) == []
    with pytest.raises(ProfileError, match="no SNMP profile"):
        load_profile("nonexistent")
    path.write_text("name = ")
    with pytest.raises(ProfileError, match="not valid TOML"):
        load_profile(path)


def test_a_real_agent_read_with_the_profile_gives_values_of_each_kind(lab: Lab) -> None:
    profile = load_profile()

    async def body(client: PysnmpClient) -> tuple[PollReply, PollReply, PollReply]:
        await client.register([target(1, lab.switch, community())])
        return (
            await client.get(1, profile.discovery_scalar_oids()),
            await client.walk(1, profile.discovery_column_oids(), max_repetitions=10),
            await client.get(1, profile.poll_oids([1, 2, 3, 4])),
        )

    scalars, table, poll = with_client(body)
    assert scalars.ok and table.ok and poll.ok
    for reply in (scalars, table, poll):
        for oid, value in reply.values.items():
            found = profile.locate(oid)
            assert found is not None, oid
            assert found[0].accepts(value), (found[0].name, value)
    assert profile.scalar_values(scalars.values) == {
        "sysDescr": SWITCH.sys_descr,
        "sysObjectID": SWITCH.sys_object_id,
        "sysUpTime": SWITCH.sys_uptime,
        "sysName": SWITCH.sys_name,
    }
    rows = profile.rows(table.values)
    polled = profile.rows(poll.values)
    for interface in SWITCH.interfaces:
        row = rows[interface.index]
        assert profile.object("ifOperStatus").label(row["ifOperStatus"]) == (
            "up" if interface.oper_status == 1 else "down"
        )
        # the poll GET reads the same values as the discovery walk
        assert {k: v for k, v in polled[interface.index].items() if v is not None} == {
            k: row[k] for k in polled[interface.index] if k in row
        }
    assert polled[4]["ifHighSpeed"] is None  # this agent lacks ifHighSpeed.4
