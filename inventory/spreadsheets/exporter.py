"""Templates and exports: XLSX (and CSV) sheets in the format the importer reads.

A template is the entity's sheet with its Chinese headers, a drop-down for every enumerated
column, one example row and a sheet of notes. An export is the same sheet filled with a
filtered list, read page by page through the entity's list service (so it honours the same
filters and the actor's scope) and written streaming. No value is written as a live formula
(safety.py): XLSX texts are string cells, CSV texts that a spreadsheet would evaluate are
quoted, and the importer takes the quote off again. Exports never hold secrets: a device
names its SNMP credential profile, nothing more.
"""

from __future__ import annotations

import csv
import io
import itertools
import types
import typing
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, fields
from datetime import date
from enum import StrEnum
from typing import IO, Any

import openpyxl
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from sqlalchemy.orm import Session

from inventory.actor import Actor
from inventory.errors import InvalidInput
from inventory.services import campus_networks, classrooms, devices, links, schools
from inventory.services.common import PageRequest, PageResult
from inventory.spreadsheets.columns import (
    CAMPUS_NETWORKS,
    CLASSROOMS,
    DEVICES,
    LINKS,
    SCHOOLS,
    CellError,
    Choice,
    Code,
    Day,
    Entity,
    Flag,
    Text,
)
from inventory.spreadsheets.safety import csv_row, xlsx_row

FORMATS = ("xlsx", "csv")
PAGE_SIZE = 1000
LAST_ROW = 1_048_576  # Excel's last row: drop-downs and text format cover the whole column
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
REQUIRED_FILL = PatternFill("solid", fgColor="FCE4D6")
EXAMPLE_FONT = Font(italic=True, color="808080")
NOTES_TITLE = "说明"


@dataclass(frozen=True)
class Lister:
    """How to list an entity: its service's filter class, list function and export order."""

    filter: type[Any]
    list: Callable[[Session, Actor, Any, PageRequest], PageResult[Any]]
    sort: str


LISTERS: dict[str, Lister] = {
    SCHOOLS.name: Lister(schools.SchoolFilter, schools.list_schools, "code"),
    CAMPUS_NETWORKS.name: Lister(
        campus_networks.CampusNetworkFilter, campus_networks.list_campus_networks, "school_code"
    ),
    LINKS.name: Lister(links.LinkFilter, links.list_links, "school_code"),
    DEVICES.name: Lister(devices.DeviceFilter, devices.list_devices, "school_code"),
    CLASSROOMS.name: Lister(classrooms.ClassroomFilter, classrooms.list_classrooms, "school_code"),
}


# --- rows ----------------------------------------------------------------------------------


def objects(session: Session, actor: Actor, entity: Entity, flt: Any) -> Iterator[Any]:
    """Every object of ``entity`` that matches ``flt``, page by page, in a stable order."""
    lister = LISTERS[entity.name]
    page = 1
    while True:
        result = lister.list(session, actor, flt, PageRequest(page, PAGE_SIZE, lister.sort))
        yield from result.items
        if page * PAGE_SIZE >= result.total or not result.items:
            return
        page += 1


def cells(entity: Entity, obj: Any) -> list[Any]:
    """The XLSX cell values of one object, column by column."""
    return [column.field.render(column.value_of(obj)) for column in entity.columns]


def texts(entity: Entity, obj: Any) -> list[str]:
    """The CSV texts of one object, column by column."""
    return [column.field.render_text(column.value_of(obj)) for column in entity.columns]


# --- XLSX ----------------------------------------------------------------------------------


def _header(sheet: Any, entity: Entity) -> list[Cell]:
    row = []
    for column in entity.columns:
        cell = WriteOnlyCell(sheet, value=column.header)
        cell.font = HEADER_FONT
        cell.fill = REQUIRED_FILL if column.required else HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        row.append(cell)
    return row


def _drop_down(column_letter: str, choices: list[str], header: str) -> DataValidation:
    validation = DataValidation(
        type="list",
        formula1='"' + ",".join(choices) + '"',
        allow_blank=True,
        showErrorMessage=True,
        errorStyle="stop",
        errorTitle=header,
        error="请从下拉列表中选择 (choose a value from the list): " + " / ".join(choices),
        showInputMessage=True,
        promptTitle=header,
        prompt=" / ".join(choices),
    )
    validation.add(f"{column_letter}2:{column_letter}{LAST_ROW}")
    return validation


def _data_sheet(book: Any, entity: Entity, rows: Iterable[list[Any]], example: bool) -> int:
    """Write the entity's sheet (header, drop-downs, rows); returns the number of rows."""
    sheet = book.create_sheet(entity.title)
    sheet.freeze_panes = "A2"
    for index, column in enumerate(entity.columns, 1):
        letter = get_column_letter(index)
        dimension = sheet.column_dimensions[letter]
        dimension.width = column.width
        if isinstance(column.field, Text | Code):
            dimension.number_format = "@"  # typed codes stay text ("1-01" is no date)
        elif isinstance(column.field, Day):
            dimension.number_format = "yyyy-mm-dd"
        choices = column.field.choices()
        if choices:
            sheet.data_validations.append(_drop_down(letter, choices, column.header))
    sheet.append(_header(sheet, entity))
    count = 0
    for values in rows:
        if example:
            row = []
            for value in values:
                cell = WriteOnlyCell(sheet, value=value)
                cell.font = EXAMPLE_FONT
                row.append(cell)
            sheet.append(row)
        else:
            sheet.append(xlsx_row(sheet, values))
        count += 1
    return count


def _notes_sheet(book: Any, entity: Entity) -> None:
    sheet = book.create_sheet(NOTES_TITLE)
    for letter, width in zip("ABCDE", (18, 22, 12, 44, 60), strict=True):
        sheet.column_dimensions[letter].width = width
    keys = " + ".join(column.header for column in entity.key_columns)
    lines = [
        f"{entity.title} ({entity.name})",
        f"每行一个{entity.title}，按「{keys}」匹配：已存在则更新，不存在则新建。"
        f" One row per {entity.noun}, matched by {keys}: updated if it exists, created if not.",
        "空白单元格表示清空该字段（有默认值的列除外：空白时新建用默认值、更新时保持不变）。"
        " A blank cell clears the field, except in columns with a default (see notes).",
        "导入前请删除示例行（灰色斜体）。 Delete the example row (grey italics) before importing.",
        "",
    ]
    for line in lines:
        sheet.append([line])
    header = ["列名 column", "英文名 key", "新建必填 required", "格式 format", "说明 notes"]
    sheet.append([_bold(sheet, text) for text in header])
    for column in entity.columns:
        sheet.append(
            [
                column.header,
                column.key,
                "是" if column.required else "",
                column.field.describe(),
                column.note,
            ]
        )


def _bold(sheet: Any, value: str) -> Cell:
    cell = WriteOnlyCell(sheet, value=value)
    cell.font = HEADER_FONT
    return cell


def _save(book: Any, out: IO[bytes]) -> None:
    book.save(out)


def write_template(entity: Entity, out: IO[bytes]) -> None:
    """The entity's template: headers, drop-downs, one example row, and a sheet of notes."""
    book = openpyxl.Workbook(write_only=True)
    example = [column.field.render(column.example) for column in entity.columns]
    _data_sheet(book, entity, [example], example=True)
    _notes_sheet(book, entity)
    _save(book, out)


def write_xlsx(entity: Entity, items: Iterable[Any], out: IO[bytes]) -> int:
    """``items`` (model objects) as the entity's sheet; returns the number of rows."""
    book = openpyxl.Workbook(write_only=True)
    count = _data_sheet(book, entity, (cells(entity, obj) for obj in items), example=False)
    _notes_sheet(book, entity)
    _save(book, out)
    return count


def write_csv(entity: Entity, items: Iterable[Any], out: IO[bytes]) -> int:
    """``items`` as CSV in UTF-8 with a BOM (so that Excel reads the Chinese right)."""
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="")
    try:
        writer = csv.writer(text)
        writer.writerow([column.header for column in entity.columns])
        count = 0
        for obj in items:
            writer.writerow(csv_row(texts(entity, obj)))
            count += 1
        text.flush()
    finally:
        text.detach()
    return count


def export(
    session: Session, actor: Actor, entity: Entity, flt: Any, fmt: str, out: IO[bytes]
) -> int:
    """Write every ``entity`` matching ``flt`` to ``out`` as ``fmt``; returns the row count."""
    items: Iterable[Any] = iter(objects(session, actor, entity, flt))
    # A bad filter fails at the first query: let it fail before a workbook is open, or the
    # abandoned sheet writer raises again when it is garbage-collected (found by fuzzing).
    first = list(itertools.islice(items, 1))
    items = itertools.chain(first, items)
    if fmt == "xlsx":
        return write_xlsx(entity, items, out)
    if fmt == "csv":
        return write_csv(entity, items, out)
    raise InvalidInput(f"unknown format {fmt!r}", {"format": [f"allowed: {', '.join(FORMATS)}"]})


# --- filters from text (command line) ------------------------------------------------------


def _convert(hint: Any, text: str) -> Any:
    """``text`` as a value of the filter field type ``hint`` (X | None, tuple[str, ...], ...)."""
    args = [arg for arg in typing.get_args(hint) if arg is not type(None)]
    if typing.get_origin(hint) in (typing.Union, types.UnionType) and len(args) == 1:
        hint = args[0]
    if typing.get_origin(hint) is tuple:
        return tuple(part.strip() for part in text.split(",") if part.strip())
    if isinstance(hint, type) and issubclass(hint, StrEnum):
        return hint(Choice(hint).parse(text))
    if hint is bool:
        return Flag().parse(text)
    if hint is date:
        return Day().parse(text)
    if hint is int:
        try:
            return int(text)
        except ValueError:
            raise CellError("must be a whole number") from None
    return text.strip()


def make_filter(entity: Entity, options: Mapping[str, str]) -> Any:
    """The entity's list filter from text options (``{"region": "532301", "status": "在用"}``);
    InvalidInput naming each option that is unknown or malformed."""
    cls = LISTERS[entity.name].filter
    hints = typing.get_type_hints(cls)
    known = [f.name for f in fields(cls)]
    values: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for name, text in options.items():
        if name not in known:
            errors[name] = [f"not a filter of {entity.name}; allowed: {', '.join(known)}"]
            continue
        try:
            values[name] = _convert(hints[name], text)
        except (CellError, ValueError) as exc:
            errors[name] = [exc.message if isinstance(exc, CellError) else str(exc)]
    if errors:
        raise InvalidInput("invalid filter: " + ", ".join(sorted(errors)), errors)
    return cls(**values)
