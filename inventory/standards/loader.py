"""Read a standard from its TOML text, checking every field; the default ships as a file."""

from __future__ import annotations

import itertools
import tomllib
from datetime import date
from functools import cache
from importlib import resources
from typing import Any

from inventory.choices import CampusArchitecture, DisplayKind, Metric, Tier, WirelessCoverage
from inventory.errors import InvalidInput
from inventory.fieldspec import BANDWIDTH, message
from inventory.models.coverage import STANDARD_FIELDS
from inventory.standards.rules import ClassroomRule, Standard, TierRule, Verification


@cache
def default_source() -> str:
    """The text of the standard shipped with the package."""
    return resources.files("inventory.standards").joinpath("default.toml").read_text("utf-8")


@cache
def default_standard() -> Standard:
    """The shipped default standard (parsed once)."""
    return parse(default_source())


class _Checker:
    """Collects every bad field of one file, by dotted path, before failing once."""

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}

    def fail(self, path: str, message: str) -> None:
        self.errors.setdefault(path, []).append(message)

    def get(self, table: dict[str, Any], path: str, key: str, kind: type | tuple[type, ...]) -> Any:
        full = f"{path}.{key}" if path else key
        if key not in table:
            self.fail(full, "is required")
            return None
        value = table[key]
        if isinstance(value, bool) and kind is not bool and bool not in _tuple(kind):
            self.fail(full, "must not be true/false")
            return None
        if not isinstance(value, kind):
            self.fail(full, f"must be {_kind_name(kind)}")
            return None
        return value

    def text(self, table: dict[str, Any], path: str, key: str, limit: int) -> str | None:
        value = self.get(table, path, key, str)
        if value is not None and not (0 < len(value.strip()) <= limit):
            self.fail(f"{path}.{key}" if path else key, f"must be 1 to {limit} characters")
            return None
        return value.strip() if value is not None else None

    def mbps(self, table: dict[str, Any], path: str, key: str) -> int | None:
        value = self.get(table, path, key, int)
        if value is not None and not (BANDWIDTH.low <= value <= BANDWIDTH.high):
            self.fail(f"{path}.{key}", _bandwidth_message())
            return None
        return int(value) if value is not None else None

    def share(self, table: dict[str, Any], path: str, key: str) -> float | None:
        value = self.get(table, path, key, (int, float))
        if value is not None and not (0 <= value <= 1):
            self.fail(f"{path}.{key}", "must be a share from 0 to 1")
            return None
        return float(value) if value is not None else None

    def table(self, parent: dict[str, Any], path: str, key: str) -> dict[str, Any]:
        value = self.get(parent, path, key, dict)
        return value if isinstance(value, dict) else {}

    def members(self, table: dict[str, Any], path: str, key: str, enum: Any) -> set[Any]:
        items = self.get(table, path, key, list)
        out: set[Any] = set()
        for item in items or []:
            try:
                out.add(enum(item))
            except ValueError:
                allowed = ", ".join(m.value for m in enum)
                self.fail(f"{path}.{key}", f"unknown value {item!r}; allowed: {allowed}")
        if items is not None and not items:
            self.fail(f"{path}.{key}", "must not be empty")
        return out


def _bandwidth_message() -> str:
    return message("standard_range", low=BANDWIDTH.low, high=BANDWIDTH.high, unit=BANDWIDTH.unit)


def _tuple(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


def _kind_name(kind: type | tuple[type, ...]) -> str:
    names = {str: "text", int: "a whole number", float: "a number", bool: "true or false"}
    names.update({dict: "a table", list: "a list", date: "a date (YYYY-MM-DD)"})
    return " or ".join(names.get(k, k.__name__) for k in _tuple(kind))


def parse(source: str, known_types: set[str] | None = None) -> Standard:
    """The standard in ``source`` (TOML); InvalidInput naming every bad field (dotted paths).

    ``known_types`` (the school-type codes of the database) checks the scope's codes.
    """
    try:
        data = tomllib.loads(source)
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInput(
            f"the standard is not valid TOML: {exc}", {"source": [str(exc)]}
        ) from exc
    check = _Checker()
    version, name_zh, name_en = (
        check.text(data, "", key, STANDARD_FIELDS.rule(key).max_length)
        for key in ("version", "name_zh", "name_en")
    )
    effective = data.get("effective_from")
    if effective is not None and not isinstance(effective, date):
        check.fail("effective_from", "must be a date (YYYY-MM-DD)")
        effective = None
    campus_tier = check.get(data, "", "digital_campus_tier", str)
    tier = None
    if campus_tier is not None:
        try:
            tier = Tier(campus_tier)
        except ValueError:
            check.fail("digital_campus_tier", "must be one of basic, met, model")
        if tier is Tier.NONE:
            check.fail("digital_campus_tier", "must be one of basic, met, model")
    gigabit = check.mbps(data, "", "gigabit_mbps") if "gigabit_mbps" in data else 1000

    scope = check.table(data, "", "scope")
    types = _codes(check, scope, "scope", "school_types", known_types)
    separate = _codes(check, scope, "scope", "separate_types", known_types, required=False)
    if types & separate:
        check.fail("scope.separate_types", "must not repeat a counted school type")

    room = check.table(data, "", "classroom")
    displays = check.members(room, "classroom", "displays", DisplayKind)
    teacher = check.get(room, "classroom", "teacher_terminal", bool)
    audio = check.get(room, "classroom", "audio", bool)
    access = check.mbps(room, "classroom", "min_access_mbps")
    kinds = check.get(room, "classroom", "ratio_kinds", list) or []

    ver = check.table(data, "", "verification")
    required = check.get(ver, "verification", "required", bool)
    age = check.get(ver, "verification", "max_poll_age_hours", (int, float))
    if age is not None and not (0 < age <= 24 * 31):
        check.fail("verification.max_poll_age_hours", "must be more than 0 and at most 744")
    avail = check.share(ver, "verification", "min_availability")
    window = check.get(ver, "verification", "window_days", int)
    if window is not None and not (1 <= window <= 366):
        check.fail("verification.window_days", "must be from 1 to 366 days")

    tiers_table = check.table(data, "", "tiers")
    tiers: dict[Tier, TierRule] = {}
    for tier_name in (Tier.BASIC, Tier.MET, Tier.MODEL):
        rule = _tier(check, tiers_table, tier_name, known_types)
        if rule is not None:
            tiers[tier_name] = rule
    for key in tiers_table:
        if key not in {t.value for t in tiers} and key not in ("basic", "met", "model"):
            check.fail(f"tiers.{key}", "unknown tier; the tiers are basic, met, model")
    _check_order(check, tiers)

    plan = data.get("plan", {})
    if not isinstance(plan, dict):
        check.fail("plan", "must be a table")
        plan = {}
    for index, milestone in enumerate(plan.get("milestones", [])):
        path = f"plan.milestones[{index}]"
        if not isinstance(milestone, dict):
            check.fail(path, "must be a table")
            continue
        metric = check.get(milestone, path, "metric", str)
        if metric is not None and metric not in {m.value for m in Metric}:
            check.fail(f"{path}.metric", f"unknown metric {metric!r}")
        check.get(milestone, path, "due_on", date)
        check.share(milestone, path, "value")
    if check.errors:
        raise InvalidInput("the standard has invalid fields", check.errors)
    assert version and name_zh and name_en and tier and gigabit and access and window
    assert teacher is not None and audio is not None and required is not None
    assert age is not None and avail is not None
    return Standard(
        version=version,
        name_zh=name_zh,
        name_en=name_en,
        effective_from=effective,
        digital_campus_tier=tier,
        gigabit_mbps=gigabit,
        school_types=frozenset(types),
        separate_types=frozenset(separate),
        classroom=ClassroomRule(
            displays=frozenset(displays),
            teacher_terminal=teacher,
            audio=audio,
            min_access_mbps=access,
            ratio_kinds=frozenset(str(kind) for kind in kinds),
        ),
        verification=Verification(required, float(age), avail, window),
        tiers=tiers,
        plan=plan,
    )


def _codes(
    check: _Checker,
    table: dict[str, Any],
    path: str,
    key: str,
    known: set[str] | None,
    *,
    required: bool = True,
) -> set[str]:
    if key not in table and not required:
        return set()
    items = check.get(table, path, key, list)
    codes: set[str] = set()
    for item in items or []:
        if not isinstance(item, str) or (known is not None and item not in known):
            check.fail(f"{path}.{key}", f"unknown school type {item!r}")
        else:
            codes.add(item)
    if required and items is not None and not items:
        check.fail(f"{path}.{key}", "must not be empty")
    return codes


def _tier(
    check: _Checker, tiers: dict[str, Any], tier: Tier, known: set[str] | None
) -> TierRule | None:
    path = f"tiers.{tier.value}"
    table = check.table(tiers, "tiers", tier.value)
    if not table:
        return None
    uplink = check.mbps(table, path, "uplink_mbps")
    by_type: dict[str, int] = {}
    overrides = table.get("uplink_mbps_by_type", {})
    if not isinstance(overrides, dict):
        check.fail(f"{path}.uplink_mbps_by_type", "must be a table of school type = Mbps")
        overrides = {}
    for code, mbps in overrides.items():
        if known is not None and code not in known:
            check.fail(f"{path}.uplink_mbps_by_type", f"unknown school type {code!r}")
        elif (
            isinstance(mbps, bool)
            or not isinstance(mbps, int)
            or not BANDWIDTH.low <= mbps <= BANDWIDTH.high
        ):
            check.fail(f"{path}.uplink_mbps_by_type", f"{code}: {_bandwidth_message()}")
        else:
            by_type[code] = mbps
    campus = check.members(table, path, "campus", CampusArchitecture)
    ratio = check.share(table, path, "classroom_ratio")
    wireless = None
    if "wireless" in table:
        try:
            wireless = WirelessCoverage(table["wireless"])
        except (ValueError, TypeError):
            check.fail(f"{path}.wireless", "must be one of none, partial, full")
    wired = (
        check.mbps(table, path, "classroom_wired_mbps") if "classroom_wired_mbps" in table else None
    )
    if uplink is None or ratio is None or not campus:
        return None
    return TierRule(uplink, by_type, frozenset(campus), ratio, wireless, wired)


def _check_order(check: _Checker, tiers: dict[Tier, TierRule]) -> None:
    """Each tier includes the one before: its thresholds may not be lower."""
    order = [tiers.get(t) for t in (Tier.BASIC, Tier.MET, Tier.MODEL)]
    names = ["basic", "met", "model"]
    for (low, high), name in zip(itertools.pairwise(order), names[1:], strict=False):
        if low is None or high is None:
            continue
        if high.uplink_mbps < low.uplink_mbps:
            check.fail(f"tiers.{name}.uplink_mbps", "must not be below the tier before")
        if high.classroom_ratio < low.classroom_ratio:
            check.fail(f"tiers.{name}.classroom_ratio", "must not be below the tier before")
        if not high.campus <= low.campus:
            check.fail(f"tiers.{name}.campus", "must be a subset of the tier before")
