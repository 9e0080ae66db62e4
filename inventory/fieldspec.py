"""What a field may hold, said once: type, length, range, pattern, date bounds, unit, and
whether it is required, defaulted or optional.

Each model module declares a table of its fields (``SCHOOL_FIELDS`` next to ``School``...);
the model takes its column types from it, and the API schemas (api/fields.py), the sheet
columns (inventory/spreadsheets/columns.py), the page forms (through the API schemas), the
services and the standard loader read their limits from the same objects when they check a
value. Nobody copies a number out of a rule: change ``SCHOOL_FIELDS["students"].rule.high``
and every way in follows.

Rules that many fields share are one object each (``BANDWIDTH``, ``DAY``, ``NOTES``), so
raising the bandwidth cap is one edit too.
"""

from __future__ import annotations

import decimal
import re
import types
import typing
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, ClassVar

import sqlalchemy as sa

from inventory.choices import ChoiceSet

CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

# The English messages people see, by rule and by way in (each keeps the wording it always
# had), in one place so that a later step can route them through gettext.
MESSAGES: dict[str, str] = {
    "required": "is required",
    "blank": "must not be blank",
    "control_chars": "must not contain control characters",
    "too_long": "must be at most {max_length} characters",
    "digits": "must be exactly {count} digits",
    "address": "must be an IPv4 or IPv6 address",
    "pattern": "must match {pattern}",
    # The API's range message is marshmallow's own wording (pages translate it by pattern).
    "api_range": "Must be greater than or equal to {low} and less than or equal to {high}.",
    "sheet_range": "must be between {low} and {high}",
    "service_range": "must be between {low} and {high}{unit}",
    "standard_range": "must be from {low} to {high}{unit}",
    "secret_length": "must be {low} to {high} characters",
}


def message(key: str, **values: Any) -> str:
    """The message ``key`` with its placeholders filled."""
    unit = values.get("unit")
    if "unit" in values:
        values["unit"] = f" {unit}" if unit else ""
    return MESSAGES[key].format(**values)


class Rule:
    """The type of a value and its limits; ``kind`` names it for the ways in."""

    kind: ClassVar[str] = "any"
    # What a valid value is in Python: the types a field of this rule has in its entity's
    # typed input (``ClassroomValues``...).
    python: ClassVar[tuple[type, ...]] = (object,)
    unit: str | None = None

    def sql_type(self) -> sa.types.TypeEngine[Any] | None:
        """The column type the rule implies, or None where the annotation says it all."""
        return None

    def python_types(self) -> tuple[type, ...]:
        """The Python types of a valid value."""
        return self.python


@dataclass(eq=False)
class Text(Rule):
    """Trimmed text of at most ``max_length`` characters, no control characters; optionally
    matching ``pattern`` (``pattern_message`` says so in words)."""

    max_length: int
    pattern: re.Pattern[str] | None = None
    pattern_message: str | None = None
    kind: ClassVar[str] = "text"
    python: ClassVar[tuple[type, ...]] = (str,)

    def sql_type(self) -> sa.types.TypeEngine[Any]:
        return sa.String(self.max_length)


@dataclass(eq=False)
class Digits(Rule):
    """A code of exactly ``count`` ASCII digits."""

    count: int
    kind: ClassVar[str] = "digits"
    python: ClassVar[tuple[type, ...]] = (str,)

    @property
    def max_length(self) -> int:
        return self.count

    def sql_type(self) -> sa.types.TypeEngine[Any]:
        return sa.String(self.count)


@dataclass(eq=False)
class Whole(Rule):
    """A whole number from ``low`` to ``high`` (inclusive), in ``unit`` if any."""

    low: int
    high: int
    unit: str | None = None
    kind: ClassVar[str] = "int"
    python: ClassVar[tuple[type, ...]] = (int,)


@dataclass(eq=False)
class Decimal(Rule):
    """A number from ``low`` to ``high``, stored with ``places`` decimals (``precision`` digits)."""

    low: int
    high: int
    precision: int
    places: int
    kind: ClassVar[str] = "decimal"
    # The sheets give a Decimal, the API and the forms a float; the column takes either.
    python: ClassVar[tuple[type, ...]] = (decimal.Decimal, float)

    def sql_type(self) -> sa.types.TypeEngine[Any]:
        return sa.Numeric(self.precision, self.places)


@dataclass(eq=False)
class Share(Rule):
    """A share from ``low`` to ``high`` (0 to 1)."""

    low: float = 0
    high: float = 1
    kind: ClassVar[str] = "share"
    python: ClassVar[tuple[type, ...]] = (float,)


@dataclass(eq=False)
class Day(Rule):
    """A calendar date from ``low`` to ``high``."""

    low: date
    high: date
    kind: ClassVar[str] = "date"
    python: ClassVar[tuple[type, ...]] = (date,)


@dataclass(eq=False)
class Moment(Rule):
    """A point in time, timezone-aware (stored in UTC)."""

    kind: ClassVar[str] = "datetime"
    python: ClassVar[tuple[type, ...]] = (datetime,)


@dataclass(eq=False)
class Flag(Rule):
    """Yes or no."""

    kind: ClassVar[str] = "bool"
    python: ClassVar[tuple[type, ...]] = (bool,)


@dataclass(eq=False)
class Choice(Rule):
    """One of a choice set's values."""

    choices: type[ChoiceSet]
    kind: ClassVar[str] = "choice"

    def python_types(self) -> tuple[type, ...]:
        return (self.choices,)


@dataclass(eq=False)
class Address(Rule):
    """An IPv4 or IPv6 address, kept in canonical text form."""

    max_length: int = 45
    kind: ClassVar[str] = "address"
    python: ClassVar[tuple[type, ...]] = (str,)

    def sql_type(self) -> sa.types.TypeEngine[Any]:
        return sa.String(self.max_length)


@dataclass(eq=False)
class Secret(Rule):
    """A write-only secret of ``min_length`` to ``max_length`` characters, taken exactly as
    given (never trimmed)."""

    min_length: int
    max_length: int
    kind: ClassVar[str] = "secret"
    python: ClassVar[tuple[type, ...]] = (str,)


NO_DEFAULT: Any = object()


@dataclass(eq=False)
class Field:
    """A field of an entity: its rule, and whether a new object must give it (``required``),
    gets ``default`` when it is left out, or may be empty (neither)."""

    rule: Rule
    required: bool = False
    default: Any = NO_DEFAULT

    @property
    def has_default(self) -> bool:
        return self.default is not NO_DEFAULT

    @property
    def nullable(self) -> bool:
        """Whether the field may be empty (null)."""
        return not self.required and not self.has_default


@dataclass(eq=False)
class FieldTable(Mapping[str, Field]):
    """The fields of one entity, by name."""

    entity: str
    fields: dict[str, Field] = field(default_factory=dict)

    def __getitem__(self, name: str) -> Field:
        return self.fields[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self.fields)

    def __len__(self) -> int:
        return len(self.fields)

    def rule(self, name: str) -> Any:
        """The rule of field ``name`` (typed loosely: callers know which kind it is)."""
        return self.fields[name].rule

    def sql_type(self, name: str) -> sa.types.TypeEngine[Any]:
        """The column type of field ``name``, for its model."""
        sql = self.fields[name].rule.sql_type()
        assert sql is not None, f"{self.entity}.{name} has no column type of its own"
        return sql

    @property
    def required(self) -> tuple[str, ...]:
        """Fields a new object must give."""
        return tuple(name for name, f in self.fields.items() if f.required)

    @property
    def not_null(self) -> tuple[str, ...]:
        """Fields that may never be empty: required or defaulted."""
        return tuple(name for name, f in self.fields.items() if not f.nullable)

    @property
    def defaults(self) -> dict[str, Any]:
        """What a new object gets for the defaulted fields it leaves out."""
        return {name: f.default for name, f in self.fields.items() if f.has_default}


class TableMismatch(TypeError):
    """An entity's typed input and its field table do not name the same fields alike."""


def table(
    entity: str,
    values: type | None = None,
    /,
    *,
    references: tuple[str, ...] = (),
    **fields: Field,
) -> FieldTable:
    """The field table of ``entity``; with ``values``, bound to the entity's typed input.

    ``values`` is the ``TypedDict`` (``total=False``) that services take as create data and
    patch changes. It must have exactly the table's fields, each of its rule's Python type (with
    ``None`` where the field may be empty), plus the ``references`` (ids of other rows, which
    have no rule here); anything else is a ``TableMismatch`` at import time, naming the field.
    """
    built = FieldTable(entity, dict(fields))
    if values is not None:
        check_values(built, values, references)
    return built


def check_values(fields: FieldTable, values: type, references: tuple[str, ...] = ()) -> None:
    """Raise ``TableMismatch`` unless ``values`` types exactly the fields of the table."""
    name = values.__name__
    problems: list[str] = []
    if getattr(values, "__required_keys__", None):
        problems.append(f"{name} must be total=False (a patch may leave any field out)")
    hints = typing.get_type_hints(values)
    expected = set(fields) | set(references)
    if extra := [key for key in hints if key not in expected]:
        problems.append(f"{name} has {', '.join(extra)}, which the {fields.entity} table lacks")
    if missing := [key for key in expected if key not in hints]:
        problems.append(f"{name} lacks {', '.join(missing)} of the {fields.entity} table")
    for key, spec in fields.items():
        if key not in hints:
            continue
        want = spec.rule.python_types()
        given = hints[key]
        parts = set(typing.get_args(given)) if _is_union(given) else {given}
        if parts - {types.NoneType} != set(want) or (types.NoneType in parts) != spec.nullable:
            shown = " | ".join([t.__name__ for t in want] + (["None"] if spec.nullable else []))
            problems.append(f"{name}.{key} must be {shown} (its rule in the {fields.entity} table)")
    if problems:
        raise TableMismatch("; ".join(problems))


def _is_union(hint: Any) -> bool:
    return typing.get_origin(hint) in (typing.Union, types.UnionType)


# --- rules many fields share -----------------------------------------------------------------

DAY = Day(date(1900, 1, 1), date(2100, 12, 31))
BANDWIDTH = Whole(1, 400_000, unit="Mbps")
NOTES = Text(500)
LATITUDE = Decimal(-90, 90, precision=9, places=6)
LONGITUDE = Decimal(-180, 180, precision=9, places=6)
SCHOOL_CODE = Digits(10)
REGION_CODE = Digits(6)
SCHOOL_TYPE_CODE = Digits(3)
PORT = Whole(1, 65535)
ACCOUNT_NAME = Text(64)
MOMENT = Moment()
