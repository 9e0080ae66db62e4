"""CSV, in UTF-8 (with or without BOM) or GBK/GB18030 as Chinese Excel saves it — a file that
is not valid UTF-8 is read as GB18030, a superset of GBK — or UTF-16 with a byte-order mark
(Excel's "Unicode text", tab-separated). A cell our exports neutralised against formula
injection (``'=…``) is read back as the value it was.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from contextlib import ExitStack
from typing import IO, Any

from inventory.spreadsheets.columns import Entity
from inventory.spreadsheets.limits import CHUNK, Limits, SpreadsheetError, SpreadsheetTooLarge
from inventory.spreadsheets.safety import from_csv
from inventory.spreadsheets.sheet import HEADER_SCAN_ROWS, Sheet, checked, header_in, no_header

ENCODINGS = ("utf-8-sig", "gb18030")


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


def open_csv(source: IO[bytes], wanted: Entity | None, limits: Limits) -> Sheet:
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
        header = header_in(head, None, wanted)
        if header is None:
            raise no_header(wanted)
        header = checked(header)
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
