"""Bounds on what reading one spreadsheet may cost, and the XML parsing that keeps to them.

An XLSX is a zip of XML: a 400 KiB upload can hold gigabytes of XML, millions of shared
strings, a cell at column 10 million, or a DTD that expands entities (billion laughs) or
fetches files (XXE). Every part is checked against its declared size before it is opened —
``zipfile`` never hands out more bytes than a member declares, so the declared sizes bound what
is decompressed — and every XML part is parsed by expat with DTDs refused outright: no
spreadsheet program writes one, so a file that has one is refused, not interpreted.

The limits are settings of the service (``SPREADSHEET_*``, see api/config.py); this module
knows nothing of Flask and takes them as a ``Limits``.
"""

from __future__ import annotations

import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any
from xml.parsers import expat

from inventory.errors import InvalidInput

CHUNK = 1 << 16
# Parts openpyxl reads whole (workbook, styles, relationships, content types, theme): they
# are built as element trees, several times their size in memory, so they get a tight bound
# of their own; worksheets and shared strings are streamed and count against the total only.
WHOLE_PART_BYTES = 16 << 20


class SpreadsheetError(InvalidInput):
    """The file as a whole cannot be imported: not a spreadsheet, no header row, and the like."""

    def __init__(self, message: str) -> None:
        super().__init__(message, {"file": [message]})


class SpreadsheetTooLarge(SpreadsheetError):
    """The file goes past one of the configured limits (named in the message)."""

    def __init__(self, what: str, setting: str, limit: int | float) -> None:
        shown = f"{limit:,}" if isinstance(limit, int) else f"{limit:g}"
        super().__init__(
            f"the file is too large to import: {what} (the limit is {shown}, "
            f"setting SPREADSHEET_{setting}); split it into smaller files"
        )
        self.setting = setting


@dataclass(frozen=True)
class Limits:
    """How much one import may read. Defaults hold the largest sheet Excel can save (1,048,576
    rows, 16,384 columns) as long as it stays under the size bounds."""

    max_unzipped_bytes: int = 256 << 20  # all parts of an XLSX, decompressed
    max_shared_strings: int = 1_000_000
    max_shared_string_chars: int = 32_000_000  # all shared strings together
    max_rows: int = 1_048_576
    max_columns: int = 16_384
    max_cells: int = 20_000_000  # cells with content, over the whole sheet
    # .xls and .ods: calamine holds a sheet's whole used area at once (about 32 bytes a cell),
    # empty cells included, so that area is bounded too (a 100,000 × 15 sheet is 1.5 million).
    max_grid_cells: int = 5_000_000
    max_seconds: float | None = 50.0  # reading and importing; under gunicorn's 60 s timeout

    @classmethod
    def from_config(cls, config: Any, timed: bool = True) -> Limits:
        """The ``SPREADSHEET_*`` settings of ``config`` (a mapping), defaults for any not set;
        ``timed=False`` drops the time bound (the command line has no worker timeout)."""
        default = cls()
        names = {
            "max_unzipped_bytes": "MAX_UNZIPPED_BYTES",
            "max_shared_strings": "MAX_SHARED_STRINGS",
            "max_shared_string_chars": "MAX_SHARED_STRING_CHARS",
            "max_rows": "MAX_ROWS",
            "max_columns": "MAX_COLUMNS",
            "max_cells": "MAX_CELLS",
            "max_grid_cells": "MAX_GRID_CELLS",
            "max_seconds": "MAX_SECONDS",
        }
        values = {
            field: config.get(f"SPREADSHEET_{setting}", getattr(default, field))
            for field, setting in names.items()
        }
        if not timed:
            values["max_seconds"] = None
        return cls(**values)

    def clock(self) -> Callable[[], None]:
        """A check to call now and then: raises once ``max_seconds`` have passed since now."""
        if self.max_seconds is None:
            return lambda: None
        limit = self.max_seconds
        deadline = time.monotonic() + limit

        def check() -> None:
            if time.monotonic() > deadline:
                raise SpreadsheetTooLarge(f"reading it took over {limit:g} s", "MAX_SECONDS", limit)

        return check


def _refuse_dtd(*_: object) -> None:
    raise SpreadsheetError(
        "the file's XML declares a DTD or entities, which no spreadsheet program writes "
        "(refused: it could expand or fetch content)"
    )


def parser() -> Any:
    """An expat parser that refuses any DTD or entity declaration, and never loads external
    entities."""
    created: Any = expat.ParserCreate()
    created.buffer_text = True
    created.StartDoctypeDeclHandler = _refuse_dtd
    created.EntityDeclHandler = _refuse_dtd
    created.ExternalEntityRefHandler = _refuse_dtd
    created.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    return created


class _Prolog(Exception):
    """The first element started: no DTD can follow."""


def _first_element(*_: object) -> None:
    raise _Prolog


class GuardedZip(zipfile.ZipFile):
    """The workbook's archive, refused at opening if its parts unpack past the limit; any part
    not named in ``streamed`` is read whole (by openpyxl), so it must stay under
    WHOLE_PART_BYTES and have no DTD before it is handed out."""

    def __init__(self, source: IO[bytes], limits: Limits) -> None:
        super().__init__(source)
        self.streamed: set[str] = set()
        total = sum(info.file_size for info in self.infolist())
        if total > limits.max_unzipped_bytes:
            self.close()
            raise SpreadsheetTooLarge(
                f"it unpacks to {total:,} bytes", "MAX_UNZIPPED_BYTES", limits.max_unzipped_bytes
            )

    def open(
        self, name: str | zipfile.ZipInfo, mode: Any = "r", pwd: bytes | None = None, **kw: Any
    ) -> IO[bytes]:
        info = name if isinstance(name, zipfile.ZipInfo) else self.getinfo(name)
        if mode == "r" and info.filename not in self.streamed:
            if info.file_size > WHOLE_PART_BYTES:
                raise SpreadsheetTooLarge(
                    f"the part {info.filename} unpacks to {info.file_size:,} bytes",
                    "MAX_UNZIPPED_BYTES",
                    WHOLE_PART_BYTES,
                )
            if info.filename.endswith((".xml", ".rels")):
                self._check_prolog(info)
        return super().open(info, mode, pwd, **kw)

    def _check_prolog(self, info: zipfile.ZipInfo) -> None:
        """A DTD can only come before the first element: read up to it."""
        scan = parser()
        scan.StartElementHandler = _first_element
        try:
            with super().open(info) as part:
                while chunk := part.read(CHUNK):
                    scan.Parse(chunk, False)
                scan.Parse(b"", True)
        except _Prolog:
            return
        except expat.ExpatError as exc:
            raise SpreadsheetError(
                f"the part {info.filename} is damaged (invalid XML: {exc})"
            ) from None


def read_shared_strings(
    source: IO[bytes], limits: Limits, check_time: Callable[[], None]
) -> list[str]:
    """The shared strings of a workbook, as openpyxl reads them (the text of each ``<si>``,
    phonetic runs left out), counted and measured as they stream in."""
    strings: list[str] = []
    parts: list[str] = []
    chars = 0
    depth_si = collecting = in_phonetic = False
    max_count, max_chars = limits.max_shared_strings, limits.max_shared_string_chars

    def start(name: str, _attrs: dict[str, str]) -> None:
        nonlocal depth_si, collecting, in_phonetic
        name = name.rpartition(":")[2]
        if name == "si":
            depth_si = True
            parts.clear()
        elif name == "t":
            collecting = depth_si and not in_phonetic
        elif name == "rPh":
            in_phonetic = True

    def end(name: str) -> None:
        nonlocal depth_si, collecting, in_phonetic
        name = name.rpartition(":")[2]
        if name == "si":
            depth_si = False
            if len(strings) >= max_count:
                raise SpreadsheetTooLarge(
                    f"it has more than {max_count:,} shared strings",
                    "MAX_SHARED_STRINGS",
                    max_count,
                )
            strings.append("".join(parts).replace("x005F_", ""))
            parts.clear()
        elif name == "t":
            collecting = False
        elif name == "rPh":
            in_phonetic = False

    def text(data: str) -> None:
        nonlocal chars
        if collecting:
            chars += len(data)
            if chars > max_chars:
                raise SpreadsheetTooLarge(
                    f"its shared strings hold more than {max_chars:,} characters",
                    "MAX_SHARED_STRING_CHARS",
                    max_chars,
                )
            parts.append(data)

    scan = parser()
    scan.StartElementHandler = start
    scan.EndElementHandler = end
    scan.CharacterDataHandler = text
    try:
        while chunk := source.read(CHUNK):
            scan.Parse(chunk, False)
            check_time()
        scan.Parse(b"", True)
    except expat.ExpatError as exc:
        raise SpreadsheetError(f"the shared strings are damaged (invalid XML: {exc})") from None
    return strings
