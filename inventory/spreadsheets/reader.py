"""Open an XLSX or CSV file, find its header row and stream its data rows.

XLSX: openpyxl reads the workbook's structure (shared strings, styles, sheets) in read-only
mode; each worksheet is then parsed as it streams (expat, a chunk at a time), never the whole
sheet at once. Cells give what openpyxl's ``data_only`` gives: a formula's cached value. A
formula Excel never calculated (a file written by a program) has no cached value; those cells
are marked ``FORMULA_WITHOUT_VALUE`` so the importer can say so instead of reading a blank.

CSV is accepted in UTF-8 (with or without BOM) and in GBK/GB18030, as Chinese Excel saves it:
a file that is not valid UTF-8 is read as GB18030 (a superset of GBK). A CSV cell our exports
neutralised against formula injection (``'=…``) is read back as the value it was.

Reading is bounded by ``Limits`` (limits.py): decompressed size, shared strings, rows,
columns, cells and time; past one, SpreadsheetTooLarge names it. XML with a DTD is refused.
"""

from __future__ import annotations

import codecs
import csv
import io
import warnings
import zipfile
import zlib
from collections.abc import Callable, Generator, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime
from itertools import chain, islice
from typing import IO, Any
from xml.parsers import expat

from openpyxl.packaging.manifest import Manifest
from openpyxl.reader.excel import ExcelReader
from openpyxl.styles.stylesheet import apply_stylesheet
from openpyxl.utils import column_index_from_string
from openpyxl.utils.datetime import from_excel
from openpyxl.xml.constants import ARC_CONTENT_TYPES, SHARED_STRINGS
from openpyxl.xml.functions import fromstring

from inventory.spreadsheets.columns import ENTITIES, Column, Entity, is_blank
from inventory.spreadsheets.limits import (
    GuardedZip,
    Limits,
    SpreadsheetError,
    SpreadsheetTooLarge,
    parser,
    read_shared_strings,
)
from inventory.spreadsheets.safety import from_csv

HEADER_SCAN_ROWS = 30  # the header row must be among the first rows of a sheet
MIN_HEADER_MATCHES = 2
ENCODINGS = ("utf-8-sig", "gb18030")
CHUNK = 1 << 16
XLSX_MAGIC = b"PK\x03\x04"
XLS_MAGIC = b"\xd0\xcf\x11\xe0"
MAX_CELL_CHARS = 32_767  # Excel's own limit: a longer cell comes from no spreadsheet program


class _FormulaWithoutValue:
    """Marks a formula cell that has no value Excel calculated and saved."""

    def __repr__(self) -> str:
        return "FORMULA_WITHOUT_VALUE"


FORMULA_WITHOUT_VALUE: Any = _FormulaWithoutValue()


@dataclass(frozen=True)
class MissingSharedString:
    """A cell that points at a shared string the file does not have (a damaged file)."""

    index: str

    def __str__(self) -> str:
        return f"shared string #{self.index}"


@dataclass
class Sheet:
    """An open sheet: what it holds and where its header is; iterate ``rows()`` once."""

    entity: Entity
    name: str | None
    header_row: int
    columns: list[tuple[int, Column]]
    ignored_headers: list[str]
    estimated_rows: int | None
    _rows: Iterator[tuple[int, tuple[Any, ...]]]
    _closer: ExitStack = field(default_factory=ExitStack)

    def rows(self) -> Iterator[tuple[int, tuple[Any, ...]]]:
        """(row number as Excel shows it, cell values) of each non-blank row below the header."""
        for number, cells in self._rows:
            if any(not is_blank(cell) for cell in cells):
                yield number, cells

    def close(self) -> None:
        self._closer.close()

    def __enter__(self) -> Sheet:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_sheet(
    source: IO[bytes], entity: Entity | None = None, limits: Limits | None = None
) -> Sheet:
    """Open ``source`` (a seekable binary file) and find the data of ``entity`` (or guess it).

    Raises SpreadsheetError when the file is no XLSX or CSV, or no header row is found, and
    SpreadsheetTooLarge (a SpreadsheetError) past one of ``limits`` (the defaults if None);
    the time bound runs from this call until the rows are all read.
    """
    limits = limits or Limits()
    start = source.read(8)
    source.seek(0)
    if not start:
        raise SpreadsheetError("the file is empty")
    if start.startswith(XLS_MAGIC):
        raise SpreadsheetError(
            "this is an old Excel 97-2003 (.xls) file: save it as Excel Workbook (.xlsx) "
            "or CSV and import that"
        )
    if start.startswith(XLSX_MAGIC):
        return _open_xlsx(source, entity, limits)
    return _open_csv(source, entity, limits)


# --- header row ----------------------------------------------------------------------------


@dataclass
class _Header:
    entity: Entity
    row: int
    columns: list[tuple[int, Column]]
    ignored: list[str]


def _header_in(
    rows: list[tuple[int, tuple[Any, ...]]], sheet_name: str | None, wanted: Entity | None
) -> _Header | None:
    """The row among ``rows`` that names the most columns of one entity (at least two).

    Without ``wanted``, the entity whose columns the header names most is taken; on a tie, the
    one the sheet is named after; if that does not settle it either, SpreadsheetError.
    """
    candidates: list[tuple[int, int, _Header]] = []
    for entity in (wanted,) if wanted else ENTITIES:
        best: tuple[int, int, _Header] | None = None
        for number, cells in rows:
            matched = {
                index: column
                for index, cell in enumerate(cells)
                if (column := entity.match(cell)) is not None
            }
            score = len({column.key for column in matched.values()})
            if score < MIN_HEADER_MATCHES or (best is not None and score <= best[0]):
                continue
            ignored = [
                str(cell).strip()
                for index, cell in enumerate(cells)
                if index not in matched and not is_blank(cell)
            ]
            named = sheet_name is not None and entity.title in sheet_name
            best = (score, int(named), _Header(entity, number, sorted(matched.items()), ignored))
        if best is not None:
            candidates.append(best)
    if not candidates:
        return None
    candidates.sort(key=lambda candidate: candidate[:2], reverse=True)
    if len(candidates) > 1 and candidates[0][:2] == candidates[1][:2]:
        first, second = candidates[0][2].entity, candidates[1][2].entity
        raise SpreadsheetError(
            f"cannot tell whether the sheet holds {first.name} or {second.name}: choose the entity"
        )
    return candidates[0][2]


def _checked(header: _Header) -> _Header:
    seen: dict[str, int] = {}
    for index, column in header.columns:
        if column.key in seen:
            raise SpreadsheetError(
                f"the column {column.header} ({column.key}) appears twice in the header row "
                f"(row {header.row})"
            )
        seen[column.key] = index
    missing = [column for column in header.entity.key_columns if column.key not in seen]
    if missing:
        names = ", ".join(f"{column.header} ({column.key})" for column in missing)
        raise SpreadsheetError(
            f"the header row (row {header.row}) has no column {names}: it identifies each "
            f"{header.entity.noun}"
        )
    return header


def _no_header(entity: Entity | None) -> SpreadsheetError:
    what = f"the columns of {entity.name}" if entity else "the columns of any entity"
    return SpreadsheetError(
        f"no header row found: none of the first {HEADER_SCAN_ROWS} rows names at least "
        f"{MIN_HEADER_MATCHES} of {what} (download a template to see them)"
    )


# --- XLSX ----------------------------------------------------------------------------------


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


def _open_xlsx(source: IO[bytes], wanted: Entity | None, limits: Limits) -> Sheet:
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
    try:
        for title, path in book.sheets:
            size: list[int] = []
            rows = _sheet_rows(book, path, size)
            closer.callback(rows.close)
            head = list(islice(rows, HEADER_SCAN_ROWS))
            header = _header_in(head, title, wanted)
            if header is None:
                rows.close()
                continue
            header = _checked(header)
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
        raise _no_header(wanted)
    except BaseException:
        closer.close()
        raise


# --- CSV -----------------------------------------------------------------------------------


def _encoding(source: IO[bytes]) -> tuple[str, int]:
    """The first of ENCODINGS that decodes the whole file, and its number of lines.

    A UTF-16 byte-order mark (Excel's "Unicode text", tab-separated) is taken at its word.
    """
    source.seek(0)
    utf16 = source.read(2) in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
    for encoding in ("utf-16",) if utf16 else ENCODINGS:
        source.seek(0)
        decoder = codecs.getincrementaldecoder(encoding)()
        lines = 0
        try:
            while chunk := source.read(CHUNK):
                if b"\x00" in chunk and not utf16:
                    raise SpreadsheetError(
                        "the file is neither an Excel workbook (.xlsx) nor a CSV text file"
                    )
                lines += decoder.decode(chunk).count("\n")
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return encoding, lines
    raise SpreadsheetError(
        "the file is neither an Excel workbook (.xlsx) nor a CSV text in UTF-8, GBK/GB18030 "
        "or UTF-16 with a byte-order mark (save it again as CSV UTF-8)"
    )


def _csv_rows(reader: Any, limits: Limits) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """(first line of the record, its cells) of each CSV record, each cell as it was before
    an export neutralised it (``'=x`` → ``=x``)."""
    check_time = limits.clock()
    cells = 0
    line = 1
    for records, record in enumerate(reader, 1):
        cells += len(record)
        if len(record) > limits.max_columns:
            raise SpreadsheetTooLarge(
                f"line {line} has {len(record):,} columns", "MAX_COLUMNS", limits.max_columns
            )
        if records > limits.max_rows:
            raise SpreadsheetTooLarge(
                f"it has more than {limits.max_rows:,} rows", "MAX_ROWS", limits.max_rows
            )
        if cells > limits.max_cells:
            raise SpreadsheetTooLarge(
                f"it has more than {limits.max_cells:,} cells", "MAX_CELLS", limits.max_cells
            )
        if records % 256 == 0:
            check_time()
        yield line, tuple(from_csv(cell) for cell in record)
        line = reader.line_num + 1


def _open_csv(source: IO[bytes], wanted: Entity | None, limits: Limits) -> Sheet:
    encoding, lines = _encoding(source)
    source.seek(0)
    text = io.TextIOWrapper(source, encoding=encoding, newline="")
    closer = ExitStack()
    closer.callback(text.detach)  # leave the caller's file open
    try:
        first = text.readline(CHUNK)
        delimiter = "\t" if "\t" in first and "," not in first else ","
        text.seek(0)
        try:
            reader = csv.reader(text, delimiter=delimiter, strict=False)
            records = _csv_rows(reader, limits)
            head: list[tuple[int, tuple[Any, ...]]] = []
            for record in records:
                head.append(record)
                if len(head) == HEADER_SCAN_ROWS:
                    break
        except csv.Error as exc:
            raise SpreadsheetError(f"the file is not a readable CSV: {exc}") from None
        header = _header_in(head, None, wanted)
        if header is None:
            raise _no_header(wanted)
        header = _checked(header)
        buffered = [record for record in head if record[0] > header.row]

        def rows() -> Iterator[tuple[int, tuple[Any, ...]]]:
            yield from buffered
            try:
                yield from records
            except csv.Error as exc:
                raise SpreadsheetError(
                    f"the CSV is malformed after line {reader.line_num}: {exc}"
                ) from None

        return Sheet(
            header.entity,
            None,
            header.row,
            header.columns,
            header.ignored,
            max(lines - header.row, 0),
            rows(),
            closer,
        )
    except BaseException:
        closer.close()
        raise
