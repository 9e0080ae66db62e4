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
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from openpyxl.utils.datetime import from_excel

from inventory.choices import (
    LABELS,
    CampusArchitecture,
    Carrier,
    ClassroomKind,
    DeviceRole,
    DeviceStatus,
    DisplayKind,
    LinkKind,
    LinkMedium,
    WirelessCoverage,
)
from inventory.models import (
    Base,
    CampusNetwork,
    Classroom,
    Device,
    NetworkLink,
    School,
    SnmpCredential,
)

# Same bounds as the API's fields (api/fields.py), so a sheet accepts what a form accepts.
EARLIEST = date(1900, 1, 1)
LATEST = date(2100, 12, 31)
MAX_MBPS = 400_000
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
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
    """Trimmed text of at most ``max_length`` characters, without control characters."""

    max_length: int

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
            raise CellError("must not contain control characters")
        if len(text) > self.max_length:
            raise CellError(f"must be at most {self.max_length} characters")
        return text

    def describe(self) -> str:
        return f"text, at most {self.max_length} characters"


@dataclass(frozen=True)
class Code(Field):
    """A code of exactly ``digits`` digits; "211 小学" (code, space, name) gives "211"."""

    digits: int

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
            raise CellError("must be an IPv4 or IPv6 address") from None

    def describe(self) -> str:
        return "IPv4 or IPv6 address"


def _number_text(raw: object) -> str:
    text = _normal(str(raw))
    # Thousands separators as typed or as Excel shows them: "1,200", "1，200", "1 200".
    return re.sub(r"(?<=\d)[,\s](?=\d{3}\b)", "", text)


@dataclass(frozen=True)
class Int(Field):
    """A whole number from ``low`` to ``high``; "1200", "1,200" and 1200.0 are all 1200."""

    low: int
    high: int
    kind = "int"

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
            raise CellError(f"must be between {self.low} and {self.high}")
        return number

    def describe(self) -> str:
        return f"whole number, {self.low} to {self.high}"


@dataclass(frozen=True)
class Dec(Field):
    """A decimal from ``low`` to ``high``, rounded to ``places`` (the column's scale)."""

    low: int
    high: int
    places: int
    kind = "decimal"

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
            raise CellError(f"must be between {self.low} and {self.high}")
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

    kind = "date"

    def parse(self, raw: object) -> date:
        day = self._day(raw)
        if not EARLIEST <= day <= LATEST:
            raise CellError(f"must be between {EARLIEST.isoformat()} and {LATEST.isoformat()}")
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
    """A member of ``enum``, given as its Chinese label, English label or stored value."""

    enum: type[StrEnum]
    kind = "enum"
    lookup: dict[str, StrEnum] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        lookup: dict[str, StrEnum] = {}
        for member in self.enum:
            zh, en = LABELS[member]
            for name in (member.value, zh, en):
                lookup.setdefault(_normal(name).lower(), member)
        object.__setattr__(self, "lookup", lookup)

    def parse(self, raw: object) -> StrEnum:
        member = self.lookup.get(_normal(str(raw)).lower())
        if member is None:
            raise CellError(f"unknown value; allowed: {', '.join(self.choices())}")
        return member

    def render(self, value: Any) -> Any:
        return None if value is None else LABELS[self.enum(value)][0]

    def choices(self) -> list[str]:
        return [LABELS[member][0] for member in self.enum]

    def describe(self) -> str:
        return "one of: " + " / ".join(f"{LABELS[m][0]} ({m.value})" for m in self.enum)


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


def _length(model: type[Base], name: str) -> int:
    """The declared length of a string column, so that the sheet and the database agree."""
    length = model.__table__.c[name].type.length  # type: ignore[attr-defined]
    assert isinstance(length, int)
    return length


def _school_code(example: str = "2153010001") -> Column:
    return Column(
        "school_code", "学校标识码", Code(10), required=True, example=example, source="school.code"
    )


def _notes(model: type[Base]) -> Column:
    return Column("notes", "备注", Text(_length(model, "notes")), width=24)


MBPS = Int(1, MAX_MBPS)

SCHOOLS = Entity(
    name="schools",
    title="学校",
    noun="school",
    key=("code",),
    columns=(
        Column(
            "code",
            "学校标识码",
            Code(10),
            required=True,
            aliases=("school_code",),
            example="2153010001",
        ),
        Column(
            "name",
            "学校名称",
            Text(_length(School, "name")),
            required=True,
            example="楚雄市鹿城小学",
            width=24,
        ),
        Column("name_en", "英文名称", Text(_length(School, "name_en")), width=24),
        Column(
            "type_code",
            "办学类型",
            Code(3),
            required=True,
            example="211",
            note="MOE school-type code, e.g. 211 (小学); '211 小学' is accepted",
        ),
        Column(
            "region_code",
            "所属区县",
            Code(6),
            required=True,
            example="532301",
            note="6-digit code of the county, e.g. 532301 (楚雄市)",
        ),
        Column(
            "address", "地址", Text(_length(School, "address")), width=24, example="楚雄市鹿城镇"
        ),
        Column("latitude", "纬度", Dec(-90, 90, 6), example=25.0323),
        Column("longitude", "经度", Dec(-180, 180, 6), example=101.5461),
        Column("students", "在校生数", Int(0, 100_000), example=1200),
        Column("teachers", "教职工数", Int(0, 10_000), example=70),
        Column("ordinary_classrooms", "普通教室数", Int(0, 2_000), example=24),
        Column("opened_on", "建校日期", Day(), example=date(1985, 9, 1)),
        Column("closed_on", "停办日期", Day()),
    ),
)

CAMPUS_NETWORKS = Entity(
    name="campus-networks",
    title="校园网",
    noun="campus network",
    key=("school_code", "commissioned_on"),
    columns=(
        _school_code(),
        Column(
            "commissioned_on",
            "启用日期",
            Day(),
            required=True,
            example=date(2024, 3, 1),
            note="the date this state came into force; an upgrade is a new row",
        ),
        Column(
            "architecture",
            "网络架构",
            Choice(CampusArchitecture),
            required=True,
            example=CampusArchitecture.ALL_FIBRE,
        ),
        Column("backbone_mbps", "主干带宽(Mbps)", MBPS, example=10_000),
        Column(
            "wireless_coverage",
            "无线覆盖",
            Choice(WirelessCoverage),
            keeps_on_blank=True,
            example=WirelessCoverage.FULL,
            note="of teaching areas; blank: 未覆盖 on create",
        ),
        _notes(CampusNetwork),
    ),
)

LINKS = Entity(
    name="links",
    title="网络链路",
    noun="network link",
    key=("circuit_id",),
    columns=(
        _school_code(),
        Column(
            "circuit_id",
            "电路编号",
            Text(_length(NetworkLink, "circuit_id")),
            required=True,
            example="CX-DX-0001",
            width=18,
            note="the carrier's circuit id: it identifies the link in a sheet",
        ),
        Column("kind", "链路类型", Choice(LinkKind), required=True, example=LinkKind.INTERNET),
        Column(
            "carrier",
            "运营商",
            Choice(Carrier),
            example=Carrier.TELECOM,
            note="required for an internet link",
        ),
        Column("medium", "接入介质", Choice(LinkMedium), required=True, example=LinkMedium.FIBRE),
        Column("down_mbps", "下行带宽(Mbps)", MBPS, required=True, example=1000),
        Column("up_mbps", "上行带宽(Mbps)", MBPS, required=True, example=1000),
        Column("commissioned_on", "开通日期", Day(), example=date(2023, 9, 1)),
        Column("decommissioned_on", "停用日期", Day()),
        Column(
            "device_address",
            "承载设备管理地址",
            Address(),
            aliases=("device_mgmt_address", "device"),
            source="device.mgmt_address",
            example="10.53.1.1",
            width=18,
            note="management address of the school's device that carries the link",
        ),
        Column(
            "interface_name",
            "承载接口",
            Text(_length(NetworkLink, "interface_name")),
            example="GigabitEthernet0/0/1",
            width=22,
        ),
        _notes(NetworkLink),
    ),
)

DEVICES = Entity(
    name="devices",
    title="网络设备",
    noun="device",
    key=("mgmt_address",),
    columns=(
        _school_code(),
        Column("mgmt_address", "管理地址", Address(), required=True, example="10.53.1.1", width=18),
        Column(
            "name",
            "设备名称",
            Text(_length(Device, "name")),
            required=True,
            example="出口网关",
            width=18,
        ),
        Column("role", "设备角色", Choice(DeviceRole), required=True, example=DeviceRole.GATEWAY),
        Column(
            "status",
            "设备状态",
            Choice(DeviceStatus),
            keeps_on_blank=True,
            example=DeviceStatus.ACTIVE,
            note="blank: 在用 on create",
        ),
        Column(
            "snmp_port",
            "SNMP端口",
            Int(1, 65535),
            keeps_on_blank=True,
            example=161,
            note="blank: 161 on create",
        ),
        Column(
            "credential",
            "SNMP凭据",
            Text(_length(SnmpCredential, "name")),
            aliases=("credential_name",),
            source="credential.name",
            example="v2c-default",
            width=18,
            note="name of an SNMP credential profile (never its secret)",
        ),
        Column(
            "polling_enabled",
            "启用轮询",
            Flag(),
            keeps_on_blank=True,
            example=True,
            note="blank: 是 on create",
        ),
        Column("vendor", "厂商", Text(_length(Device, "vendor")), example="华为"),
        Column("model", "型号", Text(_length(Device, "model")), example="AR6140"),
        Column("serial", "序列号", Text(_length(Device, "serial")), width=18),
        Column(
            "sys_object_id",
            "系统OID",
            Text(_length(Device, "sys_object_id")),
            width=20,
            note="SNMP sysObjectID, dotted numeric; discovery fills it when blank",
        ),
        Column(
            "sys_descr",
            "系统描述",
            Text(_length(Device, "sys_descr")),
            width=24,
            note="SNMP sysDescr; discovery fills it when blank",
        ),
        _notes(Device),
    ),
)

CLASSROOMS = Entity(
    name="classrooms",
    title="教室",
    noun="classroom",
    key=("school_code", "room_code"),
    columns=(
        _school_code(),
        Column(
            "room_code",
            "教室编号",
            Text(_length(Classroom, "room_code")),
            required=True,
            example="1-101",
            note="unique within the school",
        ),
        Column("building", "楼栋", Text(_length(Classroom, "building")), example="教学楼A"),
        Column("floor", "楼层", Int(-5, 100), example=1),
        Column(
            "kind",
            "教室类型",
            Choice(ClassroomKind),
            keeps_on_blank=True,
            example=ClassroomKind.ORDINARY,
            note="blank: 普通教室 on create",
        ),
        Column(
            "display",
            "显示设备",
            Choice(DisplayKind),
            keeps_on_blank=True,
            example=DisplayKind.INTERACTIVE_PANEL,
            note="blank: 无 on create",
        ),
        Column("has_teacher_terminal", "教师终端", Flag(), keeps_on_blank=True, example=True),
        Column("has_visualiser", "视频展台", Flag(), keeps_on_blank=True, example=True),
        Column("has_audio", "扩声系统", Flag(), keeps_on_blank=True, example=True),
        Column("has_recording", "录播", Flag(), keeps_on_blank=True, example=False),
        Column("wired_mbps", "有线接入(Mbps)", MBPS, example=1000, note="blank: no wired access"),
        Column(
            "wireless_mbps", "无线接入(Mbps)", MBPS, example=300, note="blank: no wireless access"
        ),
        Column("commissioned_on", "启用日期", Day(), example=date(2024, 9, 1)),
        Column("decommissioned_on", "停用日期", Day()),
        _notes(Classroom),
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
