"""SNMP profiles as data: which OIDs to read and how to read their values.

A profile is a TOML file (``collectors/profiles/<name>.toml``; see ``default.toml``) loaded
into frozen dataclasses. Scalars are read by GET; table columns by GETBULK walk on discovery
and by GET of the monitored interfaces' instances on every poll cycle.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from collectors.fingerprints import Fingerprints, parse_fingerprints
from collectors.snmp_types import OidValue

PROFILE_DIR = Path(__file__).resolve().parent / "profiles"
NUMERIC_OID = re.compile(r"^[0-2](\.(0|[1-9][0-9]*))+$")
NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")
# The tables whose rows are interfaces (indexed by ifIndex).
INTERFACE_TABLES = frozenset({"ifTable", "ifXTable"})
ENTITY_TABLE = "entPhysicalTable"


class ProfileError(ValueError):
    """A profile file that cannot be used (the message names the file and the key)."""


class ValueKind(StrEnum):
    """How a value is to be read (see the top of ``default.toml``)."""

    STRING = "string"
    OID = "oid"
    TIMETICKS = "timeticks"
    COUNTER32 = "counter32"
    COUNTER64 = "counter64"
    GAUGE = "gauge"
    INTEGER_ENUM = "integer-enum"


# Inclusive value range of each integer kind.
INTEGER_RANGES: dict[ValueKind, tuple[int, int]] = {
    ValueKind.TIMETICKS: (0, 2**32 - 1),
    ValueKind.COUNTER32: (0, 2**32 - 1),
    ValueKind.COUNTER64: (0, 2**64 - 1),
    ValueKind.GAUGE: (0, 2**32 - 1),
    ValueKind.INTEGER_ENUM: (-(2**31), 2**31 - 1),
}


@dataclass(frozen=True)
class ProfileObject:
    """One scalar (``table`` None, OID ends in .0) or one table column."""

    name: str
    oid: str
    kind: ValueKind
    table: str | None = None
    labels: tuple[tuple[int, str], ...] = ()

    @property
    def is_column(self) -> bool:
        return self.table is not None

    def instance(self, index: int | str) -> str:
        """The OID of this column's instance ``index`` (e.g. an ifIndex)."""
        if not self.is_column:
            raise ValueError(f"{self.name} is a scalar, not a column")
        return f"{self.oid}.{index}"

    def accepts(self, value: OidValue) -> bool:
        """Whether ``value`` (as the client returns it) is of this object's kind; None is."""
        if value is None:
            return True
        if self.kind is ValueKind.STRING:
            return isinstance(value, str)
        if self.kind is ValueKind.OID:
            return isinstance(value, str) and NUMERIC_OID.match(value) is not None
        if not isinstance(value, int) or isinstance(value, bool):
            return False
        low, high = INTEGER_RANGES[self.kind]
        return low <= value <= high

    def label(self, value: OidValue) -> str | None:
        """The named value of an integer-enum (None if unnamed or not an enum)."""
        return dict(self.labels).get(value) if isinstance(value, int) else None


@dataclass(frozen=True)
class Profile:
    """A loaded profile: its objects and which of them to read on discovery and each poll."""

    name: str
    description: str
    scalars: tuple[ProfileObject, ...]
    columns: tuple[ProfileObject, ...]
    discovery_scalars: tuple[ProfileObject, ...]
    discovery_columns: tuple[ProfileObject, ...]
    poll_scalars: tuple[ProfileObject, ...]
    poll_interface_columns: tuple[ProfileObject, ...]
    # (preferred column, column polled in its place where an interface lacks the preferred)
    fallbacks: tuple[tuple[str, str], ...] = ()
    fingerprints: Fingerprints = field(default_factory=Fingerprints)

    def object(self, name: str) -> ProfileObject:
        """The scalar or column called ``name`` (KeyError if the profile has none)."""
        for obj in (*self.scalars, *self.columns):
            if obj.name == name:
                return obj
        raise KeyError(name)

    def discovery_scalar_oids(self) -> list[str]:
        return [obj.oid for obj in self.discovery_scalars]

    def discovery_column_oids(self) -> list[str]:
        return [obj.oid for obj in self.discovery_columns]

    def poll_oids(
        self, if_indexes: Iterable[int], fallbacks: Mapping[int, Iterable[str]] | None = None
    ) -> list[str]:
        """The OIDs of one poll GET: the poll scalars, then each interface's poll columns.

        ``fallbacks`` names, per ifIndex, the preferred columns that interface lacks: their
        fallback columns are read in their place (as many varbinds either way).
        """
        oids = [obj.oid for obj in self.poll_scalars]
        replaced = dict(self.fallbacks)
        for index in if_indexes:
            lacking = set((fallbacks or {}).get(index, ()))
            for column in self.poll_interface_columns:
                if column.name in lacking and column.name in replaced:
                    column = self.object(replaced[column.name])
                oids.append(column.instance(index))
        return oids

    def lacking(self, row: Mapping[str, OidValue]) -> tuple[str, ...]:
        """The preferred poll columns a discovered interface lacks but has a fallback for."""
        return tuple(
            preferred
            for preferred, fallback in self.fallbacks
            if row.get(preferred) is None and row.get(fallback) is not None
        )

    def locate(self, oid: str) -> tuple[ProfileObject, str] | None:
        """The object an instance OID belongs to and its index suffix ("0" for scalars)."""
        for obj in (*self.scalars, *self.columns):
            if obj.is_column:
                if oid.startswith(obj.oid + "."):
                    return obj, oid[len(obj.oid) + 1 :]
            elif oid == obj.oid:
                return obj, "0"
        return None

    def scalar_values(self, values: Mapping[str, OidValue]) -> dict[str, OidValue]:
        """Scalar values by object name, from a GET's or walk's values."""
        return {obj.name: values[obj.oid] for obj in self.scalars if obj.oid in values}

    def rows(
        self, values: Mapping[str, OidValue], tables: Iterable[str] = INTERFACE_TABLES
    ) -> dict[int, dict[str, OidValue]]:
        """Column values of ``tables`` (interfaces by default) by integer index, then by column
        name; others are ignored."""
        wanted = frozenset(tables)
        rows: dict[int, dict[str, OidValue]] = {}
        for oid, value in values.items():
            found = self.locate(oid)
            if found is None or found[0].table not in wanted or not found[1].isdigit():
                continue
            column, index = found
            rows.setdefault(int(index), {})[column.name] = value
        return dict(sorted(rows.items()))


def load_profile(name_or_path: str | Path = "default") -> Profile:
    """Load a profile by name (from ``collectors/profiles``) or from a TOML file's path."""
    path = Path(name_or_path)
    if isinstance(name_or_path, str) and NAME.match(name_or_path):
        path = PROFILE_DIR / f"{name_or_path}.toml"
    try:
        with path.open("rb") as file:
            data = tomllib.load(file)
    except FileNotFoundError:
        raise ProfileError(f"no SNMP profile at {path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"{path}: not valid TOML: {exc}") from None
    return parse_profile(data, str(path))


def parse_profile(data: Mapping[str, Any], source: str = "<profile>") -> Profile:
    """Validate a profile's parsed TOML and build the dataclasses (ProfileError if wrong)."""

    def fail(message: str) -> ProfileError:
        return ProfileError(f"{source}: {message}")

    name = data.get("name")
    if not isinstance(name, str) or not NAME.match(name):
        raise fail("'name' must be a word")
    description = data.get("description", "")
    if not isinstance(description, str):
        raise fail("'description' must be a string")
    known = {"name", "description", "scalars", "columns", "discovery", "poll", "vendors", "models"}
    if unknown := sorted(set(data) - known):
        raise fail(f"unknown keys {unknown}")

    scalars = _objects(data.get("scalars", {}), "scalars", fail)
    columns = _objects(data.get("columns", {}), "columns", fail)
    by_name = {obj.name: obj for obj in (*scalars, *columns)}
    if len(by_name) != len(scalars) + len(columns):
        raise fail("a name is both a scalar and a column")
    oids = [obj.oid for obj in by_name.values()]
    if len(set(oids)) != len(oids):
        raise fail("two objects share an OID")
    for column in columns:
        for scalar in scalars:
            if scalar.oid.startswith(column.oid + "."):
                raise fail(f"scalar {scalar.name} lies inside column {column.name}")

    def pick(section: str, key: str, pool: Sequence[ProfileObject]) -> tuple[ProfileObject, ...]:
        table = data.get(section, {})
        if not isinstance(table, dict):
            raise fail(f"[{section}] must be a table")
        names = table.get(key, [])
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise fail(f"{section}.{key} must be a list of names")
        allowed = {obj.name: obj for obj in pool}
        missing = [n for n in names if n not in allowed]
        if missing:
            raise fail(f"{section}.{key} names unknown objects {missing}")
        return tuple(allowed[n] for n in names)

    for section, keys in (
        ("discovery", {"scalars", "columns"}),
        ("poll", {"scalars", "interface_columns", "fallbacks"}),
    ):
        table = data.get(section, {})
        if isinstance(table, dict) and (extra := sorted(set(table) - keys)):
            raise fail(f"[{section}] has unknown keys {extra}")

    poll_columns = pick("poll", "interface_columns", columns)
    fallbacks = _fallbacks(data.get("poll", {}), poll_columns, columns, fail)
    return Profile(
        name=name,
        description=description,
        scalars=scalars,
        columns=columns,
        discovery_scalars=pick("discovery", "scalars", scalars),
        discovery_columns=pick("discovery", "columns", columns),
        poll_scalars=pick("poll", "scalars", scalars),
        poll_interface_columns=poll_columns,
        fallbacks=fallbacks,
        fingerprints=parse_fingerprints(data, fail),
    )


def _fallbacks(
    poll: Any,
    polled: Sequence[ProfileObject],
    columns: Sequence[ProfileObject],
    fail: Callable[[str], ProfileError],
) -> tuple[tuple[str, str], ...]:
    table = poll.get("fallbacks", {}) if isinstance(poll, dict) else {}
    if not isinstance(table, dict):
        raise fail("poll.fallbacks must be a table of column = fallback column")
    polled_names = {c.name for c in polled}
    tables = {c.name: c.table for c in columns}
    pairs = []
    for preferred, fallback in table.items():
        if preferred not in polled_names:
            raise fail(f"poll.fallbacks.{preferred}: not one of poll.interface_columns")
        if not isinstance(fallback, str) or tables.get(fallback) not in INTERFACE_TABLES:
            raise fail(f"poll.fallbacks.{preferred} must name an interface column")
        pairs.append((preferred, fallback))
    return tuple(pairs)


def _objects(
    table: Any, section: str, fail: Callable[[str], ProfileError]
) -> tuple[ProfileObject, ...]:
    if not isinstance(table, dict):
        raise fail(f"[{section}] must be a table of objects")
    objects = []
    for name, spec in table.items():
        where = f"{section}.{name}"
        if not NAME.match(name):
            raise fail(f"{where}: bad object name")
        if not isinstance(spec, dict):
            raise fail(f"{where} must be a table")
        allowed = {"oid", "kind", "labels"} | ({"table"} if section == "columns" else set())
        if extra := sorted(set(spec) - allowed):
            raise fail(f"{where}: unknown keys {extra}")
        oid = spec.get("oid")
        if not isinstance(oid, str) or not NUMERIC_OID.match(oid):
            raise fail(f"{where}.oid must be a numeric OID such as 1.3.6.1.2.1.1.3.0")
        if section == "scalars" and not oid.endswith(".0"):
            raise fail(f"{where}.oid must end in .0 (a scalar instance)")
        if section == "columns" and oid.endswith(".0"):
            raise fail(f"{where}.oid must be a column, without an instance")
        try:
            kind = ValueKind(str(spec.get("kind")))
        except ValueError:
            kinds = [k.value for k in ValueKind]
            raise fail(f"{where}.kind must be one of {kinds}") from None
        table_name = spec.get("table")
        if section == "columns" and (not isinstance(table_name, str) or not table_name):
            raise fail(f"{where}.table must name the table")
        labels_spec = spec.get("labels", {})
        if labels_spec and kind is not ValueKind.INTEGER_ENUM:
            raise fail(f"{where}: only integer-enum objects have labels")
        if not isinstance(labels_spec, dict):
            raise fail(f"{where}.labels must be a table of number = name")
        labels = []
        for number, label in labels_spec.items():
            if not number.lstrip("-").isdigit() or not isinstance(label, str):
                raise fail(f"{where}.labels must map integers to names")
            labels.append((int(number), label))
        objects.append(
            ProfileObject(
                name=name,
                oid=oid,
                kind=kind,
                table=table_name if section == "columns" else None,
                labels=tuple(sorted(labels)),
            )
        )
    return tuple(objects)
