"""Who made a device and which model it is, from the profile's data (no vendor names in code).

The profile's ``[vendors]`` table maps IANA enterprise numbers to vendor names (the N of a
sysObjectID 1.3.6.1.4.1.N.…); its ``[[models]]`` rules find a model in sysDescr when the
device's ENTITY-MIB names none. See the end of ``profiles/default.toml``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from collectors.snmp_types import OidValue

ENTERPRISES = "1.3.6.1.4.1."
CHASSIS = 3  # entPhysicalClass chassis(3)
MODEL_LENGTH = 64  # Device.model


@dataclass(frozen=True)
class ModelRule:
    """A sysDescr pattern with a group named ``model``, for one vendor or (None) any."""

    vendor: str | None
    pattern: str
    upper: bool = False

    def find(self, vendor: str | None, sys_descr: str) -> str | None:
        if self.vendor is not None and (vendor or "").lower() != self.vendor.lower():
            return None
        pattern = self.pattern
        if "{vendor}" in pattern:
            if not vendor:
                return None
            pattern = pattern.replace("{vendor}", f"(?i:{re.escape(vendor)})")
        found = re.search(pattern, sys_descr, re.MULTILINE)
        if found is None or not found.group("model"):
            return None
        model = found.group("model").strip()
        return (model.upper() if self.upper else model)[:MODEL_LENGTH] or None


@dataclass(frozen=True)
class Fingerprints:
    """The vendor table and the model rules of a profile."""

    vendors: tuple[tuple[int, str], ...] = ()
    models: tuple[ModelRule, ...] = ()

    def vendor_of(self, sys_object_id: str | None) -> str | None:
        """The vendor named by a sysObjectID under 1.3.6.1.4.1, if the table knows it."""
        if not sys_object_id or not sys_object_id.startswith(ENTERPRISES):
            return None
        number = sys_object_id[len(ENTERPRISES) :].split(".", 1)[0]
        return dict(self.vendors).get(int(number)) if number.isdigit() else None

    def model_of(
        self,
        vendor: str | None,
        sys_descr: str | None,
        entities: Mapping[int, Mapping[str, OidValue]] | None = None,
    ) -> str | None:
        """The chassis' entPhysicalModelName, else the first matching rule (vendor's first)."""
        for _, entity in sorted((entities or {}).items()):
            name = entity.get("entPhysicalModelName")
            chassis = entity.get("entPhysicalClass") == CHASSIS
            if chassis and isinstance(name, str) and name.strip():
                return name.strip()[:MODEL_LENGTH]
        if not sys_descr:
            return None
        text = sys_descr.strip().strip('"').strip()
        ordered = [r for r in self.models if r.vendor] + [r for r in self.models if not r.vendor]
        for rule in ordered:
            if (model := rule.find(vendor, text)) is not None:
                return model
        return None


def parse_fingerprints(data: Mapping[str, Any], fail: Callable[[str], Exception]) -> Fingerprints:
    """The ``[vendors]`` and ``[[models]]`` of a profile's TOML (``fail`` makes the error)."""
    table = data.get("vendors", {})
    if not isinstance(table, dict):
        raise fail("[vendors] must be a table of enterprise number = name")
    vendors = []
    for number, name in table.items():
        if not number.isdigit() or not isinstance(name, str) or not name.strip():
            raise fail(f"vendors.{number} must map an enterprise number to a name")
        vendors.append((int(number), name.strip()))
    rules = data.get("models", [])
    if not isinstance(rules, list):
        raise fail("[[models]] must be an array of tables")
    models = tuple(_rule(rule, n, fail) for n, rule in enumerate(rules, start=1))
    return Fingerprints(tuple(sorted(vendors)), models)


def _rule(spec: Any, number: int, fail: Callable[[str], Exception]) -> ModelRule:
    where = f"models[{number}]"
    if not isinstance(spec, dict):
        raise fail(f"{where} must be a table")
    if extra := sorted(set(spec) - {"vendor", "pattern", "upper"}):
        raise fail(f"{where}: unknown keys {extra}")
    vendor, pattern, upper = spec.get("vendor"), spec.get("pattern"), spec.get("upper", False)
    if vendor is not None and not isinstance(vendor, str):
        raise fail(f"{where}.vendor must be a name")
    if not isinstance(upper, bool):
        raise fail(f"{where}.upper must be true or false")
    if not isinstance(pattern, str):
        raise fail(f"{where}.pattern must be a regular expression")
    try:
        compiled = re.compile(pattern.replace("{vendor}", "x"))
    except re.error as exc:
        raise fail(f"{where}.pattern is not a regular expression: {exc}") from None
    if "model" not in compiled.groupindex:
        raise fail(f"{where}.pattern needs a group named 'model'")
    return ModelRule(vendor, pattern, upper)
