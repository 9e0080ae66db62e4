"""Vendor and model come from the profile's data: enterprise numbers, ENTITY-MIB, sysDescr."""

from __future__ import annotations

from typing import Any

import pytest

from collectors.profiles import ProfileError, load_profile, parse_profile

FINGERPRINTS = load_profile().fingerprints


@pytest.mark.parametrize(
    ("number", "vendor"),
    [
        (2011, "Huawei"),
        (25506, "H3C"),
        (4881, "Ruijie"),
        (3902, "ZTE"),
        (11863, "TP-Link"),
        (5651, "Maipu"),
        (6339, "DCN"),
        (9, "Cisco"),
        (2636, "Juniper"),
        (14988, "MikroTik"),
        (12356, "Fortinet"),
        (35047, "Sangfor"),
    ],
)
def test_the_vendor_table_covers_the_vendors_of_chinese_schools(number: int, vendor: str) -> None:
    assert FINGERPRINTS.vendor_of(f"1.3.6.1.4.1.{number}.1.2.3") == vendor


@pytest.mark.parametrize("oid", [None, "", "1.3.6.1.2.1.1", "1.3.6.1.4.1.999999.1", "1.3.6.1.4.1."])
def test_an_unknown_or_foreign_sys_object_id_names_no_vendor(oid: str | None) -> None:
    assert FINGERPRINTS.vendor_of(oid) is None


@pytest.mark.parametrize(
    ("vendor", "descr", "model"),
    [
        (
            "H3C",
            "H3C Comware Platform Software, Version 7.1.070\r\nH3C S5130S-28S-EI",
            "S5130S-28S-EI",
        ),
        ("Huawei", "Huawei S5735-L24T4S-A 汇聚交换机, V200R022", "S5735-L24T4S-A"),
        (
            "Ruijie",
            "Ruijie Full Gigabit Access Switch(RG-S2910-24GT4XS-E) By Ruijie",
            "RG-S2910-24GT4XS-E",
        ),
        (
            "Huawei",
            "Huawei Versatile Routing Platform Software\nVRP (R) software, Version 8.180",
            None,
        ),
        ("ZTE", "Linux gw 5.10", None),
        (None, "H3C S5130", None),
        # Issue 21: the first line of Huawei VRP is the bare model.
        (
            "Huawei",
            "S5720-56C-PWR-EI-AC\r\nHuawei Versatile Routing Platform Software",
            "S5720-56C-PWR-EI-AC",
        ),
        ("ZTE", "C320 Version V2.1.0 Software, Copyright (c) by ZTE Corporation", "C320"),
        (
            "Juniper",
            "Juniper Networks, Inc. ex2200-24t-4g Ethernet Switch, kernel JUNOS 12.3R12.4",
            "EX2200-24T-4G",
        ),
        (
            "Cisco",
            '"Cisco IOS Software, C3560E Software (C3560E-UNIVERSALK9-M), Version 15.0(2)SE11"',
            "C3560E",
        ),
        ("MikroTik", "RouterOS CRS328-24P-4S+", "CRS328-24P-4S+"),
        # A vendor's rule applies to that vendor only.
        ("H3C", "S5720-56C-PWR-EI-AC", None),
    ],
)
def test_model_from_sys_descr(vendor: str | None, descr: str, model: str | None) -> None:
    assert FINGERPRINTS.model_of(vendor, descr) == model


def test_the_chassis_model_name_wins_over_sys_descr_and_other_entities() -> None:
    entities: dict[int, dict[str, Any]] = {
        1: {"entPhysicalClass": 10, "entPhysicalModelName": "SFP-10G-LR"},  # a port
        2: {"entPhysicalClass": 3, "entPhysicalModelName": " "},  # an empty chassis name
        67108867: {"entPhysicalClass": 3, "entPhysicalModelName": "S5720-56C-PWR-EI-AC"},
    }
    found = FINGERPRINTS.model_of("Huawei", "Huawei S5735-L24T4S-A", entities)
    assert found == "S5720-56C-PWR-EI-AC"
    assert FINGERPRINTS.model_of("Huawei", "Huawei S5735-L24T4S-A", {1: entities[1]}) == (
        "S5735-L24T4S-A"
    )


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"vendors": {"x": "Huawei"}}, "enterprise number"),
        ({"models": [{"pattern": "no group"}]}, "group named 'model'"),
        ({"models": [{"pattern": "(?P<model>"}]}, "not a regular expression"),
        ({"models": [{"pattern": "(?P<model>x)", "colour": 1}]}, "unknown keys"),
        ({"poll": {"interface_columns": ["a"], "fallbacks": {"a": "s"}}}, "interface column"),
        ({"poll": {"interface_columns": ["a"], "fallbacks": {"b": "a"}}}, "not one of"),
    ],
)
def test_bad_fingerprint_and_fallback_data_is_refused(extra: dict[str, Any], message: str) -> None:
    data: dict[str, Any] = {
        "name": "t",
        "scalars": {"s": {"oid": "1.3.6.1.2.1.1.3.0", "kind": "timeticks"}},
        "columns": {"a": {"oid": "1.3.6.1.2.1.2.2.1.8", "kind": "gauge", "table": "ifTable"}},
        **extra,
    }
    with pytest.raises(ProfileError, match=message):
        parse_profile(data)
