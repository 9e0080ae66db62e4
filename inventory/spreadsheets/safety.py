"""Cells that are safe to open: no exported value becomes a live formula (CSV injection).

Following OWASP's CSV-injection guidance, a CSV text that begins with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return is written with a single quote in front, so a spreadsheet
program shows it as text instead of evaluating it. Plain numbers (``-5``, ``+3.2``) are left as
they are: they are no formula, and the quote would turn a number into text. In XLSX a text is
written as a string cell, never a formula, so it needs no quote.

The importer undoes exactly that quote (``from_csv``): a text that already begins with quotes
before such a character gets one more quote on the way out, so that export → import gives
every value back as it was.
"""

from __future__ import annotations

import re
from typing import Any

from openpyxl.cell import WriteOnlyCell

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# One or more quotes, then a trigger: what the exporter quoted (or a real value that starts so).
_QUOTED = re.compile(r"'+[=+\-@\t\r]")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def _risky(text: str) -> bool:
    if text.startswith(TRIGGERS):
        return not _NUMBER.fullmatch(text)
    return _QUOTED.match(text) is not None


def to_csv(value: Any) -> Any:
    """A CSV cell: a text that could be read as a formula gets a quote in front."""
    if isinstance(value, str) and value and _risky(value):
        return "'" + value
    return value


def from_csv(text: str) -> str:
    """A CSV cell as it was before ``to_csv``: one leading quote off a quoted formula."""
    if text[:1] == "'" and _QUOTED.match(text):
        return text[1:]
    return text


def xlsx_cell(sheet: Any, value: Any) -> Any:
    """A cell for ``sheet.append``: a text that openpyxl would store as a formula (it begins
    with ``=``) becomes a string cell; any other value is returned as it is."""
    if isinstance(value, str) and value.startswith("="):
        cell = WriteOnlyCell(sheet)
        cell.value = value
        cell.data_type = "s"
        return cell
    return value


def xlsx_row(sheet: Any, values: list[Any]) -> list[Any]:
    """``values`` with every would-be formula made a string cell (see ``xlsx_cell``)."""
    return [xlsx_cell(sheet, value) for value in values]


def csv_row(values: list[Any]) -> list[Any]:
    """``values`` with every would-be formula quoted (see ``to_csv``)."""
    return [to_csv(value) for value in values]
