"""What the readers give the importer: an open sheet, its header row, and the markers of
cells that hold no usable value. Shared by the XLSX, XLS/ODS and CSV readers."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any

from inventory.spreadsheets.columns import ENTITIES, Column, Entity, is_blank
from inventory.spreadsheets.limits import SpreadsheetError

HEADER_SCAN_ROWS = 30  # the header row must be among the first rows of a sheet
MIN_HEADER_MATCHES = 2


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


@dataclass
class _Header:
    entity: Entity
    row: int
    columns: list[tuple[int, Column]]
    ignored: list[str]


def header_in(
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


def checked(header: _Header) -> _Header:
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


def no_header(entity: Entity | None) -> SpreadsheetError:
    what = f"the columns of {entity.name}" if entity else "the columns of any entity"
    return SpreadsheetError(
        f"no header row found: none of the first {HEADER_SCAN_ROWS} rows names at least "
        f"{MIN_HEADER_MATCHES} of {what} (download a template to see them)"
    )
