"""What each entity's sheet holds: its columns, how a cell becomes a value and back.

A cell is parsed the way county staff type it in Excel: numbers stored as text ("1200",
"1,200", full-width digits), dates as Excel dates, ISO text, "2024/3/1" or "2024年3月1日",
booleans as 是/否, true/false or 1/0, enums as their Chinese label, English label or stored
value. Text is trimmed and blank is null. Rendering is the reverse, so an exported sheet
imports back to the same values.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from openpyxl.utils.datetime import from_excel

from inventory import fieldspec as spec
from inventory.choices import (
    CampusArchitecture,
    Carrier,
    ChoiceSet,
    ClassroomKind,
    DeviceRole,
    DeviceStatus,
    DisplayKind,
    LinkKind,
    LinkMedium,
    WirelessCoverage,
)
from inventory.fieldspec import CONTROL_CHARS, FieldTable, message
from inventory.models.network import (
    CAMPUS_NETWORK_FIELDS,
    CREDENTIAL_FIELDS,
    DEVICE_FIELDS,
    LINK_FIELDS,
)
from inventory.models.schools import CLASSROOM_FIELDS, SCHOOL_FIELDS

# Every limit below is read from the field tables next to the models (inventory/fieldspec.py)
# when a cell is parsed, so a sheet accepts what the API and the forms accept.
EXCEL_MAX_SERIAL = 2_958_465  # 9999-12-31
DATE_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
DATE_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
WHOLE = re.compile(r"^[+-]?\d+(\.0*)?$")
DECIMAL = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
TRUE_WORDS = frozenset({"是", "有", "对", "√", "✓", "✔", "y", "yes", "t", "true", "1"})
FALSE_WORDS = frozenset({"否", "无", "没有", "错", "×", "✗", "✘", "n", "no", "f", "false", "0"})


class CellError(ValueError):
    """A cell value that cannot be used; ``message`` says why, for the person who typed it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def is_blank(raw: object) -> bool:
    """Nothing typed: an empty cell, or only spaces."""
    return raw is None or (isinstance(raw, str) and not raw.strip())


def shown(raw: object) -> str | None:
    """A cell value as the person saw it, for error reports (JSON-safe)."""
    if raw is None:
        return None
    if isinstance(raw, datetime) and raw.time() == time(0):
        return raw.date().isoformat()
    if isinstance(raw, date | datetime | time):
        return raw.isoformat()
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    text = str(raw)
    return text if len(text) <= 200 else text[:200] + "…"


def _normal(text: str) -> str:
    """Full-width digits, letters and punctuation as ASCII; trimmed."""
    return unicodedata.normalize("NFKC", text).strip()


class Field:
    """How one column's cells become values (``parse``) and values cells (``render``)."""

    kind = "text"

    def parse(self, raw: object) -> Any:
        """The value of a non-blank cell, or CellError."""
        raise NotImplementedError

    def render(self, value: Any) -> Any:
        """The cell value for ``value`` (None: an empty cell)."""
        return value

    def render_text(self, value: Any) -> str:
        """The CSV text for ``value``."""
        rendered = self.render(value)
        if rendered is None:
            return ""
        if isinstance(rendered, date):
            return rendered.isoformat()
        return str(rendered)

    def choices(self) -> list[str] | None:
        """Values for a drop-down, or None."""
        return None

    def describe(self) -> str:
        """What the column takes, for the template's notes."""
        return "text"


@dataclass(frozen=True)
class Text(Field):
    """Trimmed text within a text rule's length, without control characters."""

    rule: spec.Text

    @property
    def max_length(self) -> int:
        return self.rule.max_length

    def parse(self, raw: object) -> str:
        if isinstance(raw, bool):
            raise CellError("must be text, not TRUE/FALSE")
        if isinstance(raw, datetime | date | time | timedelta):
            raise CellError(
                "Excel stored a date or time here; format the column as text and retype the value"
            )
        if isinstance(raw, float) and raw.is_integer():
            raw = int(raw)
        text = str(raw).strip()
        if CONTROL_CHARS.search(text):
            raise CellError(message("control_chars"))
        if len(text) > self.max_length:
            raise CellError(message("too_long", max_length=self.max_length))
        return text

    def describe(self) -> str:
        return f"text, at most {self.max_length} characters"


@dataclass(frozen=True)
class Code(Field):
    """A code of exactly ``digits`` digits; "211 小学" (code, space, name) gives "211"."""

    rule: spec.Digits

    @property
    def digits(self) -> int:
        return self.rule.count

    def parse(self, raw: object) -> str:
        if isinstance(raw, bool | date | time | timedelta):
            raise CellError(f"must be exactly {self.digits} digits")
        if isinstance(raw, float) and raw.is_integer():
            raw = int(raw)
        text = _normal(str(raw))
        head = text.split(maxsplit=1)[0] if text else ""
        if re.fullmatch(rf"[0-9]{{{self.digits}}}", head):
            return head
        if isinstance(raw, int) and len(head) < self.digits:
            raise CellError(
                f"must be exactly {self.digits} digits (Excel drops the leading zeros of a "
                "number: format the column as text)"
            )
        raise CellError(f"must be exactly {self.digits} digits")

    def describe(self) -> str:
        return f"{self.digits} digits"


@dataclass(frozen=True)
class Address(Field):
    """An IPv4 or IPv6 address, in canonical form (so that "the same address" is one key)."""

    def parse(self, raw: object) -> str:
        try:
            return str(ipaddress.ip_address(_normal(str(raw))))
        except ValueError:
            raise CellError(message("address")) from None

    def describe(self) -> str:
        return "IPv4 or IPv6 address"


def _number_text(raw: object) -> str:
    text = _normal(str(raw))
    # Thousands separators as typed or as Excel shows them: "1,200", "1，200", "1 200".
    return re.sub(r"(?<=\d)[,\s](?=\d{3}\b)", "", text)


@dataclass(frozen=True)
class Int(Field):
    """A whole number within a rule's range; "1200", "1,200" and 1200.0 are all 1200."""

    rule: spec.Whole
    kind = "int"

    @property
    def low(self) -> int:
        return self.rule.low

    @property
    def high(self) -> int:
        return self.rule.high

    def parse(self, raw: object) -> int:
        if isinstance(raw, bool | date | time | timedelta):
            raise CellError("must be a whole number")
        if isinstance(raw, int):
            number = raw
        elif isinstance(raw, float):
            if not raw.is_integer():
                raise CellError("must be a whole number")
            number = int(raw)
        else:
            text = _number_text(raw)
            if not WHOLE.match(text):
                raise CellError("must be a whole number")
            number = int(Decimal(text))
        if not self.low <= number <= self.high:
            raise CellError(message("sheet_range", low=self.low, high=self.high))
        return number

    def describe(self) -> str:
        return f"whole number, {self.low} to {self.high}"


@dataclass(frozen=True)
class Dec(Field):
    """A decimal within a rule's range, rounded to its places (the column's scale)."""

    rule: spec.Decimal
    kind = "decimal"

    @property
    def low(self) -> int:
        return self.rule.low

    @property
    def high(self) -> int:
        return self.rule.high

    @property
    def places(self) -> int:
        return self.rule.places

    def parse(self, raw: object) -> Decimal:
        if isinstance(raw, bool | date | time | timedelta):
            raise CellError("must be a number")
        if isinstance(raw, int | float):
            text = repr(raw)
        else:
            text = _number_text(raw)
            if not DECIMAL.match(text):
                raise CellError("must be a number")
        try:
            number = Decimal(text).quantize(Decimal(1).scaleb(-self.places))
        except InvalidOperation:
            raise CellError("must be a number") from None
        if not self.low <= number <= self.high:
            raise CellError(message("sheet_range", low=self.low, high=self.high))
        return number

    def render(self, value: Any) -> Any:
        return None if value is None else float(value)

    def render_text(self, value: Any) -> str:
        return "" if value is None else format(Decimal(value).normalize(), "f")

    def describe(self) -> str:
        return f"number, {self.low} to {self.high}"


@dataclass(frozen=True)
class Day(Field):
    """A date: an Excel date, "2024-03-01", "2024/3/1", "2024.3.1", "2024年3月1日", 20240301."""

    rule: spec.Day = spec.DAY
    kind = "date"

    def parse(self, raw: object) -> date:
        day = self._day(raw)
        low, high = self.rule.low, self.rule.high
        if not low <= day <= high:
            raise CellError(message("sheet_range", low=low.isoformat(), high=high.isoformat()))
        return day

    @staticmethod
    def _day(raw: object) -> date:
        if isinstance(raw, datetime):
            return raw.date()
        if isinstance(raw, date):
            return raw
        if isinstance(raw, bool | time | timedelta):
            raise CellError("must be a date such as 2024-03-01")
        if isinstance(raw, int | float):
            if isinstance(raw, float) and not raw.is_integer():
                raise CellError("must be a date such as 2024-03-01")
            number = int(raw)
            text = str(number)
            if 1 <= number <= EXCEL_MAX_SERIAL:  # an Excel date serial shown as a number
                serial = from_excel(number)
                assert isinstance(serial, datetime)
                return serial.date()
        else:
            text = _normal(str(raw))
            # "2024-03-01 00:00:00", as a date cell becomes when pasted as text.
            text = re.sub(r"[ T]0?0:00(:00)?$", "", text)
        match = DATE_TEXT.match(text) or DATE_COMPACT.match(text)
        if match is None:
            raise CellError("must be a date such as 2024-03-01")
        try:
            return date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            raise CellError(f"{text} is not a date in the calendar") from None

    def describe(self) -> str:
        return "date, e.g. 2024-03-01"


@dataclass(frozen=True)
class Flag(Field):
    """Yes or no: 是/否, 有/无, true/false, yes/no, 1/0, or an Excel TRUE/FALSE."""

    kind = "bool"

    def parse(self, raw: object) -> bool:
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, int | float) and raw in (0, 1):
            return bool(raw)
        word = _normal(str(raw)).lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise CellError("must be 是 or 否 (yes or no)")

    def render(self, value: Any) -> Any:
        return None if value is None else ("是" if value else "否")

    def choices(self) -> list[str]:
        return ["是", "否"]

    def describe(self) -> str:
        return "是 or 否"


@dataclass(frozen=True)
class Choice(Field):
    """A member of the choice set ``enum``, given as its Chinese label, English label or
    stored value."""

    enum: type[StrEnum]
    kind = "enum"
    choice_set: type[ChoiceSet] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not issubclass(self.enum, ChoiceSet):
            raise TypeError(f"{self.enum.__name__} is not a choice set: it has no labels")
        object.__setattr__(self, "choice_set", self.enum)

    def parse(self, raw: object) -> ChoiceSet:
        try:
            return self.choice_set.parse(str(raw))
        except ValueError:
            raise CellError(f"unknown value; allowed: {', '.join(self.choices())}") from None

    def render(self, value: Any) -> Any:
        return None if value is None else self.choice_set(value).zh

    def choices(self) -> list[str]:
        return self.choice_set.labels("zh")

    def describe(self) -> str:
        return "one of: " + " / ".join(f"{m.zh} ({m.value})" for m in self.choice_set)


@dataclass(frozen=True)
class Column:
    """One column of an entity's sheet.

    ``key`` is the field the services take (also accepted as the header); ``required``: a row
    that creates an object must fill it; ``keeps_on_blank``: a blank cell means the service's
    default on create and "unchanged" on update (non-null fields with a default), where other
    blank cells mean null.
    """

    key: str
    header: str
    field: Field
    required: bool = False
    keeps_on_blank: bool = False
    aliases: tuple[str, ...] = ()
    example: Any = None
    note: str = ""
    width: int = 14
    source: str | None = None

    def renamed(self, key: str) -> Column:
        """This column under another key (a field of a related object: ``school_code``)."""
        return replace(self, key=key)

    def value_of(self, obj: object) -> Any:
        """The column's value for a model object (``source`` is a dotted attribute path)."""
        value: Any = obj
        for name in (self.source or self.key).split("."):
            value = getattr(value, name)
            if value is None:
                return None
        return value


def header_key(text: str) -> str:
    """A header as compared: NFKC, no spaces, no required-marker star, case-folded."""
    return re.sub(r"\s+", "", _normal(text)).rstrip("*").casefold()


@dataclass(frozen=True)
class Entity:
    """The sheet of one kind of object: its columns and its natural key."""

    name: str
    title: str
    noun: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    by_header: dict[str, Column] = field(init=False, repr=False, compare=False)
    by_key: dict[str, Column] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        index: dict[str, Column] = {}
        for column in self.columns:
            for name in (column.header, column.key, *column.aliases):
                index.setdefault(header_key(name), column)
        object.__setattr__(self, "by_header", index)
        object.__setattr__(self, "by_key", {column.key: column for column in self.columns})

    def column(self, key: str) -> Column:
        """The column with this key."""
        return self.by_key[key]

    @property
    def key_columns(self) -> tuple[Column, ...]:
        return tuple(self.column(key) for key in self.key)

    def match(self, header: object) -> Column | None:
        """The column a header cell names, or None."""
        if not isinstance(header, str):
            return None
        return self.by_header.get(header_key(header))


def _field(rule: spec.Rule) -> Field:
    """How a sheet reads values of ``rule``."""
    if isinstance(rule, spec.Digits):
        return Code(rule)
    if isinstance(rule, spec.Text):
        return Text(rule)
    if isinstance(rule, spec.Whole):
        return Int(rule)
    if isinstance(rule, spec.Decimal):
        return Dec(rule)
    if isinstance(rule, spec.Day):
        return Day(rule)
    if isinstance(rule, spec.Flag):
        return Flag()
    if isinstance(rule, spec.Choice):
        return Choice(rule.choices)
    if isinstance(rule, spec.Address):
        return Address()
    raise TypeError(f"no sheet field for {type(rule).__name__}")


def _column(
    table: FieldTable, key: str, header: str, *, required: bool | None = None, **kwargs: Any
) -> Column:
    """The column of field ``key`` of ``table``: a required field must be filled to create an
    object, a defaulted one keeps its value (or default) when blank."""
    f = table[key]
    return Column(
        key,
        header,
        _field(f.rule),
        required=f.required if required is None else required,
        keeps_on_blank=f.has_default,
        **kwargs,
    )


def _school_code(example: str = "2153010001") -> Column:
    return _column(
        SCHOOL_FIELDS, "code", "学校标识码", required=True, example=example, source="school.code"
    ).renamed("school_code")


def _notes(table: FieldTable) -> Column:
    return _column(table, "notes", "备注", width=24)


SCHOOLS = Entity(
    name="schools",
    title="学校",
    noun="school",
    key=("code",),
    columns=(
        _column(
            SCHOOL_FIELDS, "code", "学校标识码", aliases=("school_code",), example="2153010001"
        ),
        _column(SCHOOL_FIELDS, "name", "学校名称", example="楚雄市鹿城小学", width=24),
        _column(SCHOOL_FIELDS, "name_en", "英文名称", width=24),
        _column(
            SCHOOL_FIELDS,
            "type_code",
            "办学类型",
            example="211",
            note="MOE school-type code, e.g. 211 (小学); '211 小学' is accepted",
        ),
        _column(
            SCHOOL_FIELDS,
            "region_code",
            "所属区县",
            example="532301",
            note="6-digit code of the county, e.g. 532301 (楚雄市)",
        ),
        _column(SCHOOL_FIELDS, "address", "地址", width=24, example="楚雄市鹿城镇"),
        _column(SCHOOL_FIELDS, "latitude", "纬度", example=25.0323),
        _column(SCHOOL_FIELDS, "longitude", "经度", example=101.5461),
        _column(SCHOOL_FIELDS, "students", "在校生数", example=1200),
        _column(SCHOOL_FIELDS, "teachers", "教职工数", example=70),
        _column(SCHOOL_FIELDS, "ordinary_classrooms", "普通教室数", example=24),
        _column(SCHOOL_FIELDS, "opened_on", "建校日期", example=date(1985, 9, 1)),
        _column(SCHOOL_FIELDS, "closed_on", "停办日期"),
    ),
)

CAMPUS_NETWORKS = Entity(
    name="campus-networks",
    title="校园网",
    noun="campus network",
    key=("school_code", "commissioned_on"),
    columns=(
        _school_code(),
        _column(
            CAMPUS_NETWORK_FIELDS,
            "commissioned_on",
            "启用日期",
            example=date(2024, 3, 1),
            note="the date this state came into force; an upgrade is a new row",
        ),
        _column(
            CAMPUS_NETWORK_FIELDS,
            "architecture",
            "网络架构",
            example=CampusArchitecture.ALL_FIBRE,
        ),
        _column(CAMPUS_NETWORK_FIELDS, "backbone_mbps", "主干带宽(Mbps)", example=10_000),
        _column(
            CAMPUS_NETWORK_FIELDS,
            "wireless_coverage",
            "无线覆盖",
            example=WirelessCoverage.FULL,
            note=f"of teaching areas; blank: {CAMPUS_NETWORK_FIELDS['wireless_coverage'].default.zh} on create",
        ),
        _notes(CAMPUS_NETWORK_FIELDS),
    ),
)

LINKS = Entity(
    name="links",
    title="网络链路",
    noun="network link",
    key=("circuit_id",),
    columns=(
        _school_code(),
        _column(
            LINK_FIELDS,
            "circuit_id",
            "电路编号",
            required=True,  # the natural key of a link in a sheet
            example="CX-DX-0001",
            width=18,
            note="the carrier's circuit id: it identifies the link in a sheet",
        ),
        _column(LINK_FIELDS, "kind", "链路类型", example=LinkKind.INTERNET),
        _column(
            LINK_FIELDS,
            "carrier",
            "运营商",
            example=Carrier.TELECOM,
            note="required for an internet link",
        ),
        _column(LINK_FIELDS, "medium", "接入介质", example=LinkMedium.FIBRE),
        _column(LINK_FIELDS, "down_mbps", "下行带宽(Mbps)", example=1000),
        _column(LINK_FIELDS, "up_mbps", "上行带宽(Mbps)", example=1000),
        _column(LINK_FIELDS, "commissioned_on", "开通日期", example=date(2023, 9, 1)),
        _column(LINK_FIELDS, "decommissioned_on", "停用日期"),
        Column(
            "device_address",
            "承载设备管理地址",
            _field(DEVICE_FIELDS.rule("mgmt_address")),
            aliases=("device_mgmt_address", "device"),
            source="device.mgmt_address",
            example="10.53.1.1",
            width=18,
            note="management address of the school's device that carries the link",
        ),
        _column(
            LINK_FIELDS,
            "interface_name",
            "承载接口",
            example="GigabitEthernet0/0/1",
            width=22,
        ),
        _notes(LINK_FIELDS),
    ),
)

DEVICES = Entity(
    name="devices",
    title="网络设备",
    noun="device",
    key=("mgmt_address",),
    columns=(
        _school_code(),
        _column(DEVICE_FIELDS, "mgmt_address", "管理地址", example="10.53.1.1", width=18),
        _column(DEVICE_FIELDS, "name", "设备名称", example="出口网关", width=18),
        _column(DEVICE_FIELDS, "role", "设备角色", example=DeviceRole.GATEWAY),
        _column(
            DEVICE_FIELDS,
            "status",
            "设备状态",
            example=DeviceStatus.ACTIVE,
            note=f"blank: {DEVICE_FIELDS['status'].default.zh} on create",
        ),
        _column(
            DEVICE_FIELDS,
            "snmp_port",
            "SNMP端口",
            example=161,
            note=f"blank: {DEVICE_FIELDS['snmp_port'].default} on create",
        ),
        _column(
            CREDENTIAL_FIELDS,
            "name",
            "SNMP凭据",
            required=False,
            aliases=("credential_name",),
            source="credential.name",
            example="v2c-default",
            width=18,
            note="name of an SNMP credential profile (never its secret)",
        ).renamed("credential"),
        _column(
            DEVICE_FIELDS,
            "polling_enabled",
            "启用轮询",
            example=True,
            note="blank: 是 on create",
        ),
        _column(DEVICE_FIELDS, "vendor", "厂商", example="华为"),
        _column(DEVICE_FIELDS, "model", "型号", example="AR6140"),
        _column(DEVICE_FIELDS, "serial", "序列号", width=18),
        _column(
            DEVICE_FIELDS,
            "sys_object_id",
            "系统OID",
            width=20,
            note="SNMP sysObjectID, dotted numeric; discovery fills it when blank",
        ),
        _column(
            DEVICE_FIELDS,
            "sys_descr",
            "系统描述",
            width=24,
            note="SNMP sysDescr; discovery fills it when blank",
        ),
        _notes(DEVICE_FIELDS),
    ),
)

CLASSROOMS = Entity(
    name="classrooms",
    title="教室",
    noun="classroom",
    key=("school_code", "room_code"),
    columns=(
        _school_code(),
        _column(
            CLASSROOM_FIELDS,
            "room_code",
            "教室编号",
            example="1-101",
            note="unique within the school",
        ),
        _column(CLASSROOM_FIELDS, "building", "楼栋", example="教学楼A"),
        _column(CLASSROOM_FIELDS, "floor", "楼层", example=1),
        _column(
            CLASSROOM_FIELDS,
            "kind",
            "教室类型",
            example=ClassroomKind.ORDINARY,
            note=f"blank: {CLASSROOM_FIELDS['kind'].default.zh} on create",
        ),
        _column(
            CLASSROOM_FIELDS,
            "display",
            "显示设备",
            example=DisplayKind.INTERACTIVE_PANEL,
            note=f"blank: {CLASSROOM_FIELDS['display'].default.zh} on create",
        ),
        _column(CLASSROOM_FIELDS, "has_teacher_terminal", "教师终端", example=True),
        _column(CLASSROOM_FIELDS, "has_visualiser", "视频展台", example=True),
        _column(CLASSROOM_FIELDS, "has_audio", "扩声系统", example=True),
        _column(CLASSROOM_FIELDS, "has_recording", "录播", example=False),
        _column(
            CLASSROOM_FIELDS,
            "wired_mbps",
            "有线接入(Mbps)",
            example=1000,
            note="blank: no wired access",
        ),
        _column(
            CLASSROOM_FIELDS,
            "wireless_mbps",
            "无线接入(Mbps)",
            example=300,
            note="blank: no wireless access",
        ),
        _column(CLASSROOM_FIELDS, "commissioned_on", "启用日期", example=date(2024, 9, 1)),
        _column(CLASSROOM_FIELDS, "decommissioned_on", "停用日期"),
        _notes(CLASSROOM_FIELDS),
    ),
)

ENTITIES: tuple[Entity, ...] = (SCHOOLS, CAMPUS_NETWORKS, LINKS, DEVICES, CLASSROOMS)


def entity_named(name: str) -> Entity | None:
    """The entity called ``name`` ("campus-networks", "campus_networks", "教室"...), or None."""
    wanted = header_key(name).replace("_", "-")
    for entity in ENTITIES:
        if wanted in (entity.name, entity.title, entity.name.rstrip("s")):
            return entity
    return None


def entity_names() -> Iterable[str]:
    return (entity.name for entity in ENTITIES)
