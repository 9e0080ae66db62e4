""".xls (Excel 97-2003, WPS) and .ods (LibreOffice) through python-calamine, a binding of
the Rust calamine reader.

calamine reads a sheet whole, so the file's extents are checked first (``office_bounds``).
Cells come as openpyxl gives an .xlsx's: texts, numbers (a whole number as an int, as an
.xlsx holds a school code), dates and times as date/datetime, a formula's saved result.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from datetime import time, timedelta
from itertools import islice
from typing import IO, Any

import python_calamine as calamine

from inventory.spreadsheets.columns import Entity
from inventory.spreadsheets.limits import Limits, SpreadsheetError
from inventory.spreadsheets.office_bounds import check_ods, check_xls
from inventory.spreadsheets.sheet import HEADER_SCAN_ROWS, Sheet, checked, header_in, no_header

FORMATS = {"xls": "Excel 97-2003 workbook (.xls)", "ods": "OpenDocument spreadsheet (.ods)"}


def _cell(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if isinstance(value, time | timedelta):
        return str(value)  # no column takes a time of day: the column says so
    if isinstance(value, str) and value == "":
        return None
    return value


def _rows(sheet: Any, check_time: Callable[[], None]) -> Iterator[tuple[int, tuple[Any, ...]]]:
    first_row, first_column = sheet.start or (0, 0)
    pad = (None,) * first_column
    for offset, values in enumerate(sheet.iter_rows()):
        if not offset % 1000:
            check_time()
        yield first_row + offset + 1, pad + tuple(_cell(value) for value in values)


def open_calamine(source: IO[bytes], kind: str, wanted: Entity | None, limits: Limits) -> Sheet:
    """Open an .xls or .ods (``kind``) and find the data of ``wanted`` (or guess it)."""
    check_time = limits.clock()
    if kind == "xls":
        check_xls(source, limits, check_time)
    else:
        check_ods(source, limits, check_time)
    closer = ExitStack()
    try:
        try:
            book = calamine.CalamineWorkbook.from_filelike(source)
        except (calamine.CalamineError, ValueError, OSError) as exc:
            raise SpreadsheetError(
                f"the file is no {FORMATS[kind]} one can read: {str(exc)[:200]}"
            ) from None
        closer.callback(book.close)
        for meta in book.sheets_metadata:
            if (
                meta.visible != calamine.SheetVisibleEnum.Visible
                or meta.typ != calamine.SheetTypeEnum.WorkSheet
            ):
                continue
            try:
                sheet = book.get_sheet_by_name(meta.name)
            except calamine.CalamineError as exc:
                raise SpreadsheetError(
                    f"the sheet {meta.name!r} is damaged: {str(exc)[:200]}"
                ) from None
            rows = _rows(sheet, check_time)
            head = list(islice(rows, HEADER_SCAN_ROWS))
            header = header_in(head, meta.name, wanted)
            if header is None:
                continue
            header = checked(header)
            row = header.row
            body = (item for part in ((r for r in head if r[0] > row), rows) for item in part)
            end = sheet.end
            estimated = end[0] + 1 - row if end else None
            return Sheet(
                header.entity,
                meta.name,
                row,
                header.columns,
                header.ignored,
                estimated,
                body,
                closer,
            )
        raise no_header(wanted)
    except BaseException:
        closer.close()
        raise
