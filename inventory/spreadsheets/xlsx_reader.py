"""XLSX: openpyxl reads the workbook's structure (styles, sheets) in read-only mode; shared
strings and each worksheet are parsed as they stream (expat, a chunk at a time), never a whole
part at once, within the ``Limits``. Cells give what openpyxl's ``data_only`` gives: a
formula's cached value. A formula Excel never calculated (a file written by a program) has no
cached value; those cells are marked ``FORMULA_WITHOUT_VALUE`` so the importer can say so
instead of reading a blank; a cell pointing at a shared string the file lacks is a
``MissingSharedString``.
"""

from __future__ import annotations

import warnings
import zipfile
import zlib
from collections.abc import Callable, Generator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import datetime
from itertools import chain, islice
from typing import IO, Any
from xml.parsers import expat

from openpyxl.packaging.manifest import Manifest
from openpyxl.reader.excel import ExcelReader
from openpyxl.styles.stylesheet import apply_stylesheet
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.utils.datetime import from_excel
from openpyxl.xml.constants import ARC_CONTENT_TYPES, SHARED_STRINGS
from openpyxl.xml.functions import fromstring

from inventory.spreadsheets.columns import Entity
from inventory.spreadsheets.limits import (
    CHUNK,
    GuardedZip,
    Limits,
    SpreadsheetError,
    SpreadsheetTooLarge,
    parser,
    read_shared_strings,
)
from inventory.spreadsheets.sheet import (
    FORMULA_WITHOUT_VALUE,
    HEADER_SCAN_ROWS,
    MissingSharedString,
    Sheet,
    checked,
    header_in,
    no_header,
)

MAX_CELL_CHARS = 32_767  # Excel's own limit: a longer cell comes from no spreadsheet program


@dataclass
class _Workbook:
    """What the rows of a sheet need from its workbook: shared strings and date styles."""

    archive: zipfile.ZipFile
    strings: list[str]
    date_styles: frozenset[str]
    timedelta_styles: frozenset[str]
    epoch: datetime
    sheets: list[tuple[str, str]]  # (title, part path) of each visible worksheet
    limits: Limits
    check_time: Callable[[], None]


class _Reader(ExcelReader):
    """openpyxl's reader on an archive we opened (and guard), without a second open."""

    def __init__(self, archive: GuardedZip) -> None:
        self.archive = archive
        self.valid_files = archive.namelist()
        self.read_only = True
        self.keep_vba = False
        self.data_only = True
        self.keep_links = True
        self.rich_text = False
        self.shared_strings: list[str] = []


def _workbook(source: IO[bytes], limits: Limits, check_time: Callable[[], None]) -> _Workbook:
    """The workbook's structure, read by openpyxl (manifest, styles, sheets) and by us (shared
    strings, streamed and counted against the limits).

    Only the worksheets themselves are left to ``_sheet_rows``: openpyxl's own row parser
    costs more than the whole rest of an import of 100,000 rows.
    """
    archive = GuardedZip(source, limits)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", category=UserWarning, module="openpyxl")
            reader = _Reader(archive)
            # read_manifest(), through the guard: openpyxl's own reads the part unchecked.
            package: Any = Manifest.from_tree(fromstring(archive.read(ARC_CONTENT_TYPES)))  # type: ignore[arg-type]
            reader.package = package
            strings: list[str] = []
            found = package.find(SHARED_STRINGS)
            if found is not None:
                path = found.PartName[1:]
                archive.streamed.add(path)
                with archive.open(path) as part:
                    strings = read_shared_strings(part, limits, check_time)
            reader.read_workbook()
            apply_stylesheet(reader.archive, reader.wb)
            names = set(reader.archive.namelist())
            sheets = [
                (sheet.name, rel.target)
                for sheet, rel in reader.parser.find_sheets()
                if sheet.state in (None, "visible")
                and rel.target in names
                and "chartsheet" not in (rel.Type or "")
            ]
            archive.streamed.update(target for _title, target in sheets)
    except BaseException:
        archive.close()
        raise
    book = reader.wb
    return _Workbook(
        archive,
        strings,
        frozenset(str(style) for style in getattr(book, "_date_formats", ())),
        frozenset(str(style) for style in getattr(book, "_timedelta_formats", ())),
        book.epoch,
        sheets,
        limits,
        check_time,
    )


def _local(name: str) -> str:
    """An element name without its namespace prefix (``x:c`` → ``c``)."""
    return name.rpartition(":")[2]


_COLUMN_INDEX: dict[str, int] = {}


def _column_index(reference: str) -> int:
    """0-based column of a cell reference such as ``AB12``."""
    letters = reference.rstrip("0123456789")
    index = _COLUMN_INDEX.get(letters)
    if index is None:
        try:
            index = column_index_from_string(letters) - 1
        except ValueError:
            raise SpreadsheetError(
                f"the worksheet is damaged: {reference[:20]!r} is no cell reference"
            ) from None
        if len(_COLUMN_INDEX) < 20_000:  # at most every column Excel has, give or take
            _COLUMN_INDEX[letters] = index
    return index


def _digits(text: str) -> bool:
    return text.isascii() and text.isdigit()


def _number(raw: str) -> float | int | str:
    try:
        return float(raw) if "." in raw or "E" in raw or "e" in raw else int(raw)
    except ValueError:
        return raw  # not a number after all: the column says what it wants


def _sheet_rows(
    book: _Workbook, path: str, size: list[int]
) -> Generator[tuple[int, tuple[Any, ...]], None, None]:
    """(row number, cell values) of each row of a worksheet part, parsed as it streams.

    Values are what openpyxl gives with ``data_only``: shared and inline strings, numbers,
    booleans, dates (numbers in a date style), a formula's cached value; a formula without one
    is FORMULA_WITHOUT_VALUE. The row count of the sheet's ``<dimension>`` lands in ``size``.
    """
    strings, dates, deltas, epoch = (
        book.strings,
        book.date_styles,
        book.timedelta_styles,
        book.epoch,
    )
    limits, check_time = book.limits, book.check_time
    max_column, max_row = limits.max_columns, limits.max_rows
    cell_budget = [limits.max_cells]
    done: list[tuple[int, tuple[Any, ...]]] = []
    cells: list[tuple[int, Any]] = []
    parts: list[str] = []
    row_number = cell_chars = 0
    column = -1
    kind = "n"
    style: str | None = None
    has_formula = has_value = collecting = in_phonetic = False

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal row_number, column, kind, style, has_formula, has_value, collecting, in_phonetic
        nonlocal cell_chars
        if ":" in name:
            name = _local(name)
        if name == "c":
            reference = attrs.get("r")
            column = _column_index(reference) if reference else column + 1
            if column >= max_column:
                raise SpreadsheetTooLarge(
                    f"row {row_number} has a cell past column {max_column:,}",
                    "MAX_COLUMNS",
                    max_column,
                )
            kind = attrs.get("t", "n")
            style = attrs.get("s")
            has_formula = has_value = False
            cell_chars = 0
            parts.clear()
        elif name == "v":
            has_value = collecting = True
        elif name == "t":
            collecting = not in_phonetic
        elif name == "f":
            has_formula = True
        elif name == "rPh":
            in_phonetic = True
        elif name == "row":
            number = attrs.get("r")
            row_number = int(number) if number and _digits(number) else row_number + 1
            if row_number > max_row:
                raise SpreadsheetTooLarge(f"it has a row past row {max_row:,}", "MAX_ROWS", max_row)
            column = -1
            cells.clear()
        elif name == "dimension":
            last = attrs.get("ref", "").rpartition(":")[2].lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
            if _digits(last):
                if int(last) > max_row:
                    raise SpreadsheetTooLarge(
                        f"the sheet declares {int(last):,} rows", "MAX_ROWS", max_row
                    )
                size.append(int(last))

    def end(name: str) -> None:
        nonlocal collecting, in_phonetic
        if ":" in name:
            name = _local(name)
        if name == "c":
            cell_budget[0] -= 1
            if cell_budget[0] < 0:
                raise SpreadsheetTooLarge(
                    f"it has more than {limits.max_cells:,} cells", "MAX_CELLS", limits.max_cells
                )
            cells.append((column, _value()))
        elif name in ("v", "t"):
            collecting = False
        elif name == "rPh":
            in_phonetic = False
        elif name == "row":
            if cells:
                values: list[Any] = [None] * (cells[-1][0] + 1)
                for index, value in cells:
                    if 0 <= index < len(values):
                        values[index] = value
                done.append((row_number, tuple(values)))
            else:
                done.append((row_number, ()))

    def text(data: str) -> None:
        nonlocal cell_chars
        if collecting:
            cell_chars += len(data)
            if cell_chars > MAX_CELL_CHARS:
                raise SpreadsheetError(
                    f"the worksheet is damaged: a cell in row {row_number} holds more than "
                    f"{MAX_CELL_CHARS:,} characters, more than Excel allows"
                )
            parts.append(data)

    def _value() -> Any:
        raw = "".join(parts)
        if has_formula and not raw and kind != "str":
            # No cached result (or an empty <v/>, as programs write): only a string formula's
            # result can be empty.
            return FORMULA_WITHOUT_VALUE
        if not has_value and kind != "inlineStr":
            return None
        if kind == "n":
            if not raw:
                return None
            number = _number(raw)
            if isinstance(number, str):
                return number
            if style is not None and style in dates:
                try:
                    return from_excel(number, epoch, timedelta=style in deltas)
                except (OverflowError, ValueError):
                    return number  # out of the calendar: the date column will say so
            return number
        if kind == "s":
            if not raw:
                return None
            try:
                return strings[int(raw)]
            except (IndexError, ValueError):
                return MissingSharedString(raw[:20])
        if kind == "b":
            return raw == "1"
        if kind == "d":
            try:
                return datetime.fromisoformat(raw.rstrip("Z")) if raw else None
            except ValueError:
                return raw  # the date column says it is no date
        return raw  # inlineStr, str (a formula's text), e (an error such as #N/A)

    scan = parser()
    scan.StartElementHandler = start
    scan.EndElementHandler = end
    scan.CharacterDataHandler = text
    try:
        with book.archive.open(path) as part:
            while chunk := part.read(CHUNK):
                scan.Parse(chunk, False)
                check_time()
                if done:
                    yield from done
                    done.clear()
            scan.Parse(b"", True)
    except expat.ExpatError as exc:
        raise SpreadsheetError(f"the worksheet is damaged (invalid XML: {exc})") from None
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise SpreadsheetError(f"the worksheet is damaged (broken compression: {exc})") from None
    yield from done


def open_xlsx(source: IO[bytes], wanted: Entity | None, limits: Limits) -> Sheet:
    try:
        book = _workbook(source, limits, limits.clock())
    except SpreadsheetError:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise SpreadsheetError(
            f"the file is not an Excel workbook (.xlsx) one can read: it is damaged or cut short ({exc})"
        ) from None
    except Exception as exc:  # openpyxl raises many kinds for a file that is no workbook
        raise SpreadsheetError(
            f"the file is a ZIP archive but not an Excel workbook (.xlsx): {exc.__class__.__name__}"
        ) from None
    closer = ExitStack()
    closer.callback(book.archive.close)
    damaged: str | None = None
    try:
        for title, path in book.sheets:
            size: list[int] = []
            rows = _sheet_rows(book, path, size)
            closer.callback(rows.close)
            head = list(islice(rows, HEADER_SCAN_ROWS))
            header = header_in(head, title, wanted)
            if header is None:
                damaged = damaged or _missing_string_in(head)
                rows.close()
                continue
            header = checked(header)
            body = chain((row for row in head if row[0] > header.row), rows)
            estimated = size[0] - header.row if size else None
            return Sheet(
                header.entity,
                title,
                header.row,
                header.columns,
                header.ignored,
                estimated,
                body,
                closer,
            )
        if damaged:
            raise SpreadsheetError(
                f"the file is damaged: {damaged}, which the file does not have (open and save "
                "it in Excel)"
            )
        raise no_header(wanted)
    except BaseException:
        closer.close()
        raise


def _missing_string_in(rows: list[tuple[int, tuple[Any, ...]]]) -> str | None:
    """Where the first cell that points at a missing shared string is, if any."""
    for number, cells in rows:
        for index, cell in enumerate(cells):
            if isinstance(cell, MissingSharedString):
                return f"cell {get_column_letter(index + 1)}{number} points at {cell}"
    return None
