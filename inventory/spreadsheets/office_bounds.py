"""What an .xls or .ods holds, measured before calamine reads a single cell.

calamine (``calamine_reader``) loads a whole sheet into one dense grid, from its first used
cell to its last: one cell at A1 and one at the far corner is a grid of millions of cells,
however small the file. So each file's cell extents are found first, here, by a pass that
holds nothing but counters, and checked against the ``Limits``:

* ``.ods`` is a zip of XML: its declared sizes are bounded by ``GuardedZip`` like an .xlsx,
  every XML part is refused if it has a DTD, and ``content.xml`` is streamed through expat,
  counting rows and columns as repeated (``number-rows-repeated``, ``number-columns-repeated``).
* ``.xls`` is an OLE2 compound file holding a BIFF8 ``Workbook`` stream: its sectors are
  followed (each chain bounded by the file's size, so a loop ends) and the cell records of
  each sheet read for their row and column only.
"""

from __future__ import annotations

import re
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO
from xml.parsers import expat

from inventory.spreadsheets.limits import (
    CHUNK,
    GuardedZip,
    Limits,
    SpreadsheetError,
    SpreadsheetTooLarge,
    parser,
)


@dataclass
class Extent:
    """The used area of one sheet: rows and columns from the first used cell to the last."""

    first_row: int | None = None
    last_row: int = -1
    first_column: int | None = None
    last_column: int = -1

    def add(self, row: int, first: int, last: int) -> None:
        self.first_row = row if self.first_row is None else min(self.first_row, row)
        self.last_row = max(self.last_row, row)
        self.first_column = first if self.first_column is None else min(self.first_column, first)
        self.last_column = max(self.last_column, last)

    @property
    def grid(self) -> int:
        if self.first_row is None or self.first_column is None:
            return 0
        return (self.last_row - self.first_row + 1) * (self.last_column - self.first_column + 1)


class _Counter:
    """Cells, rows, columns and grid of each sheet, each checked as it grows."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.cells = 0

    def sheet_done(self, extent: Extent) -> None:
        limits = self.limits
        if extent.last_row >= limits.max_rows:
            raise SpreadsheetTooLarge(
                f"it has a row past row {limits.max_rows:,}", "MAX_ROWS", limits.max_rows
            )
        if extent.last_column >= limits.max_columns:
            raise SpreadsheetTooLarge(
                f"it has a cell past column {limits.max_columns:,}",
                "MAX_COLUMNS",
                limits.max_columns,
            )
        if extent.grid > limits.max_grid_cells:
            raise SpreadsheetTooLarge(
                f"a sheet spans {extent.grid:,} cells from its first used cell to its last",
                "MAX_GRID_CELLS",
                limits.max_grid_cells,
            )

    def count(self, cells: int) -> None:
        self.cells += cells
        if self.cells > self.limits.max_cells:
            raise SpreadsheetTooLarge(
                f"it has more than {self.limits.max_cells:,} cells",
                "MAX_CELLS",
                self.limits.max_cells,
            )


# --- .ods -------------------------------------------------------------------------------------


# The elements that place cells, with their attributes. expat checks the same bytes (well-
# formed, no DTD); a tag inside a comment or CDATA is counted too, which only errs on the
# strict side. A quoted value may hold ">": where the quotes of a match do not pair up, the
# tag is matched again quote by quote (rare, and slow: hence not always).
_TAG = re.compile(
    rb"<(table:table-row|table:table-cell|table:covered-table-cell|table:table)([\s/][^>]*)?>"
)
_QUOTED_TAG = re.compile(rb"<[^\s/>]+((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>")
_REPEATED = re.compile(rb"table:number-(?:rows|columns)-repeated\s*=\s*[\"']([^\"']*)[\"']")


def _repeat(attrs: bytes) -> int:
    found = _REPEATED.search(attrs)
    if found is None:
        return 1
    value = found.group(1)
    if not value.isdigit():
        raise SpreadsheetError(f"the sheet is damaged: a repeat count of {value[:20]!r}")
    return max(int(value), 1)


def check_ods(source: IO[bytes], limits: Limits, check_time: Callable[[], None]) -> None:
    """Refuse an .ods past the limits (SpreadsheetTooLarge) or not an .ods (SpreadsheetError)."""
    try:
        with GuardedZip(source, limits) as archive:
            if "content.xml" not in archive.namelist():
                raise SpreadsheetError("the file is a ZIP archive but not a spreadsheet (.ods)")
            archive.streamed.add("content.xml")
            for name in archive.namelist():
                if name.endswith(".xml") and name != "content.xml":
                    archive.open(name).close()  # the size and DTD checks of GuardedZip
            with archive.open("content.xml") as part:
                _scan_content(part, limits, check_time)
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise SpreadsheetError(f"the file is damaged or cut short ({exc})") from None
    finally:
        source.seek(0)


def _scan_content(part: IO[bytes], limits: Limits, check_time: Callable[[], None]) -> None:
    """Extents of every table of ``content.xml``. The tags that place cells are found by a
    regular expression (a Python call per element made this pass cost four times calamine's
    own reading); expat reads the same bytes with no handlers, to refuse a DTD or bad XML. A
    cell is settled when the next cell, row or table starts, or the document ends."""
    counter = _Counter(limits)
    extent = Extent()
    max_row, max_column = limits.max_rows, limits.max_columns
    # The open row: its number and repeat, its next free column, its used cells; the open
    # cell: its repeat (0: none open) and whether it holds anything.
    row = row_repeat = column = row_cells = cell_repeat = 0
    cell_used = False

    def settle_cell() -> None:
        nonlocal column, row_cells, cell_repeat
        if cell_repeat:
            if cell_used:
                if column + cell_repeat > max_column:
                    raise SpreadsheetTooLarge(
                        f"row {row + 1} has a cell past column {max_column:,}",
                        "MAX_COLUMNS",
                        max_column,
                    )
                extent.add(row, column, column + cell_repeat - 1)
                row_cells += cell_repeat
            column += cell_repeat
            cell_repeat = 0

    def settle_row() -> None:
        nonlocal row, row_repeat, row_cells
        settle_cell()
        if row_repeat:
            if row_cells:
                extent.add(row + row_repeat - 1, extent.first_column or 0, extent.last_column)
                counter.count(row_cells * row_repeat)
            row += row_repeat
            row_repeat = row_cells = 0

    scan = parser()
    tail = b""
    try:
        while chunk := part.read(CHUNK):
            scan.Parse(chunk, False)
            text = tail + chunk
            done = 0
            for tag in _TAG.finditer(text):
                name, attrs, end = tag.group(1), tag.group(2) or b"", tag.end()
                if attrs.count(b'"') % 2 or attrs.count(b"'") % 2:
                    whole = _QUOTED_TAG.match(text, tag.start())
                    if whole is None:
                        break  # cut by the chunk: the tail keeps it for the next one
                    attrs, end = whole.group(1), whole.end()
                done = end
                empty = attrs.endswith(b"/")
                if name == b"table:table-cell" or name == b"table:covered-table-cell":
                    settle_cell()
                    cell_repeat = _repeat(attrs)
                    # A cell with content has a value type or children (its text).
                    cell_used = not empty or b"office:value-type" in attrs
                elif name == b"table:table-row":
                    settle_row()
                    row_repeat = _repeat(attrs)
                    column = 0
                    if row >= max_row:  # even empty rows: calamine walks each one
                        raise SpreadsheetTooLarge(
                            f"it has a row past row {max_row:,}", "MAX_ROWS", max_row
                        )
                else:
                    settle_row()
                    counter.sheet_done(extent)
                    extent, row = Extent(), 0
            # What follows the last whole tag may be the start of one cut by the chunk.
            cut = text.rfind(b"<", done)
            tail = text[cut:] if cut >= 0 else b""
            check_time()
        scan.Parse(b"", True)
    except expat.ExpatError as exc:
        raise SpreadsheetError(f"the sheet is damaged (invalid XML: {exc})") from None
    settle_row()
    counter.sheet_done(extent)


# --- .xls -------------------------------------------------------------------------------------

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_END = 0xFFFFFFFE  # end of a sector chain; anything >= this ends it
# BIFF8 cell records whose data begins with row, column (2 bytes each).
_CELLS = {0x0006, 0x00FD, 0x0201, 0x0203, 0x0204, 0x0205, 0x027E}
_MULTI = {0x00BD, 0x00BE}  # MULRK, MULBLANK: row, first column, ..., last column
_BOF, _EOF = 0x0809, 0x000A


def _damaged(what: str) -> SpreadsheetError:
    return SpreadsheetError(
        f"the file is not an Excel 97-2003 workbook (.xls) one can read: {what}"
    )


class _Compound:
    """Just enough of an OLE2 compound file to find a stream and read it."""

    def __init__(self, data: bytes) -> None:
        if len(data) < 512 or not data.startswith(OLE_MAGIC):
            raise _damaged("no OLE2 header")
        self.data = data
        shift = struct.unpack_from("<H", data, 0x1E)[0]
        if shift not in (9, 12):
            raise _damaged("bad sector size")
        self.size = 1 << shift
        self.sectors = (len(data) - 512) // self.size + 1
        self.mini_cutoff = struct.unpack_from("<I", data, 0x38)[0]
        fat_sectors = list(struct.unpack_from("<109I", data, 0x4C))
        difat = struct.unpack_from("<I", data, 0x44)[0]
        per_sector = self.size // 4 - 1
        for _ in range(self.sectors):  # the DIFAT chain, bounded like every chain
            if difat >= _END:
                break
            entries = struct.unpack_from(f"<{per_sector + 1}I", self._sector(difat))
            fat_sectors += entries[:per_sector]
            difat = entries[per_sector]
        fat = bytearray()
        for sector in fat_sectors:
            if sector < _END:
                fat += self._sector(sector)
        self.fat = struct.unpack(f"<{len(fat) // 4}I", fat)
        directory = self.chain(struct.unpack_from("<I", data, 0x30)[0], self.fat, self._sector)
        self.entries: dict[str, tuple[int, int]] = {}
        root: tuple[int, int] | None = None
        for offset in range(0, len(directory) - 127, 128):
            length, kind = struct.unpack_from("<HB", directory, offset + 64)
            name = directory[offset : offset + max(min(length, 64) - 2, 0)].decode(
                "utf-16-le", "replace"
            )
            start, size = struct.unpack_from("<II", directory, offset + 116)
            if kind == 5:
                root = (start, size)
            elif kind == 2:
                self.entries.setdefault(name, (start, size))
        self.mini_stream = b""
        self.mini_fat: tuple[int, ...] = ()
        if root is not None:
            self.mini_stream = self.chain(root[0], self.fat, self._sector)
            mini_fat = self.chain(struct.unpack_from("<I", data, 0x3C)[0], self.fat, self._sector)
            self.mini_fat = struct.unpack(f"<{len(mini_fat) // 4}I", mini_fat)

    def _sector(self, number: int) -> bytes:
        offset = (number + 1) * self.size
        if offset + self.size > len(self.data):
            raise _damaged("a sector lies past the end of the file")
        return self.data[offset : offset + self.size]

    def _mini_sector(self, number: int) -> bytes:
        offset = number * 64
        if offset + 64 > len(self.mini_stream):
            raise _damaged("a mini sector lies past the end of its stream")
        return self.mini_stream[offset : offset + 64]

    def chain(self, start: int, table: tuple[int, ...], read: Callable[[int], bytes]) -> bytes:
        parts: list[bytes] = []
        sector = start
        for _ in range(self.sectors * (self.size // 64)):  # more links than sectors: a loop
            if sector >= _END:
                return b"".join(parts)
            if sector >= len(table):
                raise _damaged("a sector chain points outside its table")
            parts.append(read(sector))
            sector = table[sector]
        raise _damaged("a sector chain loops")

    def stream(self, name: str) -> bytes:
        start, size = self.entries[name]
        if size < self.mini_cutoff:
            return self.chain(start, self.mini_fat, self._mini_sector)[:size]
        return self.chain(start, self.fat, self._sector)[:size]


def check_xls(source: IO[bytes], limits: Limits, check_time: Callable[[], None]) -> None:
    """Refuse an .xls past the limits (SpreadsheetTooLarge) or damaged (SpreadsheetError)."""
    data = source.read(limits.max_unzipped_bytes + 1)
    source.seek(0)
    if len(data) > limits.max_unzipped_bytes:
        raise SpreadsheetTooLarge(
            f"it holds more than {limits.max_unzipped_bytes:,} bytes",
            "MAX_UNZIPPED_BYTES",
            limits.max_unzipped_bytes,
        )
    try:
        compound = _Compound(data)
        name = next((n for n in ("Workbook", "Book") if n in compound.entries), None)
        if name is None:
            raise _damaged("it holds no workbook stream")
        _scan_biff(compound.stream(name), limits, check_time)
    except struct.error:
        raise _damaged("a structure is cut short") from None


def _scan_biff(stream: bytes, limits: Limits, check_time: Callable[[], None]) -> None:
    counter = _Counter(limits)
    extent = Extent()
    offset, end, records = 0, len(stream) - 4, 0
    unpack = struct.unpack_from
    while offset <= end:
        kind, length = unpack("<HH", stream, offset)
        body = offset + 4
        offset = body + length
        if kind in _CELLS and length >= 4:
            row, column = unpack("<HH", stream, body)
            extent.add(row, column, column)
            counter.count(1)
        elif kind in _MULTI and length >= 6:
            row, first = unpack("<HH", stream, body)
            (last,) = unpack("<H", stream, body + length - 2)
            if last >= first:
                extent.add(row, first, last)
                counter.count(last - first + 1)
        elif kind == _BOF:
            extent = Extent()
        elif kind == _EOF:
            counter.sheet_done(extent)
        records += 1
        if not records % 100_000:
            check_time()
    counter.sheet_done(extent)
