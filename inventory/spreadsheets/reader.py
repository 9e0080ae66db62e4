"""Open an XLSX, XLS, ODS or CSV file, find its header row and stream its data rows.

XLSX is read by ``xlsx_reader``, XLS and ODS by ``calamine_reader`` (bounded first by
``office_bounds``), CSV (UTF-8, GBK/GB18030, UTF-16 with BOM) by ``csv_reader``; each gives a
``Sheet`` (``sheet``). Reading is bounded by ``Limits`` (``limits``): decompressed
size, shared strings, rows, columns, cells and time; past one, SpreadsheetTooLarge names it.
XML with a DTD is refused.
"""

from __future__ import annotations

from typing import IO

from inventory.spreadsheets.calamine_reader import open_calamine
from inventory.spreadsheets.columns import Entity
from inventory.spreadsheets.csv_reader import open_csv
from inventory.spreadsheets.limits import Limits, SpreadsheetError
from inventory.spreadsheets.sheet import FORMULA_WITHOUT_VALUE, MissingSharedString, Sheet
from inventory.spreadsheets.xlsx_reader import open_xlsx

XLSX_MAGIC = b"PK\x03\x04"
XLS_MAGIC = b"\xd0\xcf\x11\xe0"
# An OpenDocument zip begins with its uncompressed ``mimetype`` member.
ODS_MIMETYPE = b"mimetypeapplication/vnd.oasis.opendocument.spreadsheet"


def open_sheet(
    source: IO[bytes], entity: Entity | None = None, limits: Limits | None = None
) -> Sheet:
    """Open ``source`` (a seekable binary file) and find the data of ``entity`` (or guess it).

    Raises SpreadsheetError when the file is no XLSX, XLS, ODS or CSV, or no header row is found, and
    SpreadsheetTooLarge (a SpreadsheetError) past one of ``limits`` (the defaults if None);
    the time bound runs from this call until the rows are all read.
    """
    limits = limits or Limits()
    start = source.read(128)
    source.seek(0)
    if not start:
        raise SpreadsheetError("the file is empty")
    if start.startswith(XLS_MAGIC):
        return open_calamine(source, "xls", entity, limits)
    if start.startswith(XLSX_MAGIC) and ODS_MIMETYPE in start:
        return open_calamine(source, "ods", entity, limits)
    if start.startswith(XLSX_MAGIC):
        return open_xlsx(source, entity, limits)
    return open_csv(source, entity, limits)


__all__ = [
    "FORMULA_WITHOUT_VALUE",
    "Limits",
    "MissingSharedString",
    "Sheet",
    "SpreadsheetError",
    "open_sheet",
]
