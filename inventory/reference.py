"""Read the reference regions and school types shipped in ``inventory/refdata``."""

from __future__ import annotations

import csv
from importlib import resources
from typing import Any

from inventory.choices import RegionLevel, Stage

REGION_FILES = ("provinces.csv", "chuxiong_counties.csv")


def _read(name: str) -> list[dict[str, str]]:
    text = resources.files("inventory.refdata").joinpath(name).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


def level_of(code: str) -> RegionLevel:
    """The level of a 6-digit division code: 530000 province, 532300 prefecture, else county."""
    if code.endswith("0000"):
        return RegionLevel.PROVINCE
    if code.endswith("00"):
        return RegionLevel.PREFECTURE
    return RegionLevel.COUNTY


def region_rows() -> list[dict[str, Any]]:
    """Region rows, parents before children, each with its level and path."""
    paths: dict[str, str] = {}
    rows: list[dict[str, Any]] = []
    for name in REGION_FILES:
        for row in _read(name):
            code = row["code"]
            parent = row["parent_code"] or None
            paths[code] = (paths[parent] if parent else "/") + code + "/"
            rows.append(
                {
                    "code": code,
                    "name_zh": row["name_zh"],
                    "name_en": row["name_en"],
                    "level": level_of(code).value,
                    "parent_code": parent,
                    "path": paths[code],
                    "seat_lat": row["seat_lat"] or None,
                    "seat_lon": row["seat_lon"] or None,
                }
            )
    return rows


def school_type_rows() -> list[dict[str, Any]]:
    """School-type rows as the ``school_type`` table stores them."""
    return [
        {
            "code": row["code"],
            "name_zh": row["name_zh"],
            "name_en": row["name_en"],
            "stage": Stage(row["stage"]).value,
            "default_scope": row["default_scope"].strip().lower() == "true",
        }
        for row in _read("school_types.csv")
    ]
