"""Why a school misses a tier, as data and as a sentence in Chinese and English."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from inventory.choices import CampusArchitecture, ChoiceSet, Tier, WirelessCoverage

TEMPLATES: dict[str, tuple[str, str]] = {
    "uplink_missing": ("未登记在用出口链路", "no uplink in service"),
    "uplink_below": (
        "出口带宽 {have} Mbps < 要求的 {need} Mbps",
        "uplink {have} Mbps < {need} Mbps required",
    ),
    "campus_missing": ("未登记校园网", "no campus network registered"),
    "campus_architecture": (
        "校园网为{have_zh}，要求{need_zh}",
        "campus network is {have_en}; {need_en} required",
    ),
    "wireless": (
        "教学区无线{have_zh}，要求{need_zh}",
        "wireless coverage of teaching areas is {have_en}; {need_en} required",
    ),
    "no_classrooms": ("没有普通教室", "no ordinary classrooms"),
    "classrooms": (
        "{rooms} 间普通教室中 {have} 间为标准数字教室（要求至少 {need} 间）",
        "{have} of {rooms} ordinary classrooms are standard ({need} required)",
    ),
    "wired": (
        "{rooms} 间普通教室中 {have} 间为有线接入 ≥ {mbps} Mbps 的标准数字教室（要求至少 {need} 间）",
        "{have} of {rooms} ordinary classrooms are standard with ≥ {mbps} Mbps wired access ({need} required)",
    ),
    "not_monitored": ("出口链路未接入监测", "uplink not monitored"),
    "never_polled": ("出口链路尚未被轮询", "uplink never polled"),
    "stale": (
        "出口链路 {hours} 小时未轮询（要求 ≤ {limit} 小时）",
        "uplink last polled {hours} h ago (≤ {limit} h required)",
    ),
    "down": ("出口链路接口中断", "uplink interface is down"),
    "slow": (
        "协商速率 {measured} Mbps < 签约 {contracted} Mbps",
        "negotiated speed {measured} Mbps < contracted {contracted} Mbps",
    ),
    "unavailable": (
        "{days} 天可用率 {availability} < {required}",
        "{days}-day availability {availability} < {required}",
    ),
    "not_verified": (
        "出口链路在 {date} 未经监测确认",
        "uplink not confirmed by polling on {date}",
    ),
}


def label(value: StrEnum, lang: int) -> str:
    """The Chinese (0) or English (1) label of an enum value."""
    if isinstance(value, ChoiceSet):
        return value.en if lang else value.zh
    return value.value


def percent(share: float | None) -> str:
    """97.2 % — how availability reads in a sentence."""
    return "n/a" if share is None else f"{share * 100:.1f} %"


def reason(code: str, tier: Tier, **values: Any) -> dict[str, Any]:
    """A reason: its code, the tier it blocks, its values, and the two sentences."""
    zh, en = TEMPLATES[code]
    shown = dict(values)
    for key in ("have", "need"):
        value = values.get(key)
        if isinstance(value, CampusArchitecture | WirelessCoverage):
            shown[f"{key}_zh"], shown[f"{key}_en"] = label(value, 0), label(value, 1)
            values[key] = value.value
    if code == "unavailable":
        shown["availability"] = percent(values.get("availability"))
        shown["required"] = percent(values.get("required"))
    return {
        "code": code,
        "tier": tier.value,
        "values": values,
        "zh": zh.format(**shown),
        "en": en.format(**shown),
    }
