"""The formats offices have: .xls (Excel 97-2003, WPS) and .ods (LibreOffice), written by
LibreOffice itself (``soffice --headless --convert-to``, Debian's libreoffice-calc-nogui) from
sheets openpyxl writes, and imported with the dry run, every bad row, all-or-nothing and
idempotence of .xlsx and CSV. Skipped when soffice is not installed (under CI it must be:
.ci/run installs it).
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from collections.abc import Callable, Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from api.commands_spreadsheets import import_command
from inventory.actor import Actor
from inventory.models import ChangeRecord, Classroom, School
from inventory.spreadsheets.limits import Limits, SpreadsheetError, SpreadsheetTooLarge
from inventory.spreadsheets.reader import open_sheet
from tests.conftest import COUNTY, ApiClient
from tests.test_api_imports import classroom_count, upload
from tests.test_spreadsheets_import import (
    CODE,
    ROOM_HEADER,
    SCHOOL_HEADER,
    add_school,
    count,
    errors_of,
    run_import,
    write_xlsx,
)

SOFFICE = shutil.which("soffice")
if SOFFICE is None:
    if os.environ.get("CI"):
        raise RuntimeError("CI must have soffice (.ci/run installs libreoffice-calc-nogui)")
    pytest.skip(
        "LibreOffice is not installed: these tests import files LibreOffice writes "
        "(apt-get install -y libreoffice-calc-nogui)",
        allow_module_level=True,
    )

FORMATS = ["xls", "ods"]
Convert = Callable[[Path, str], Path]


@pytest.fixture
def libreoffice(tmp_path: Path) -> Convert:
    """Save an .xlsx as ``fmt`` with LibreOffice, from a profile of this test's own."""

    def convert(source: Path, fmt: str) -> Path:
        home = tmp_path / "lo-home"
        home.mkdir(exist_ok=True)
        out = tmp_path / f"lo-{fmt}"
        assert SOFFICE is not None
        subprocess.run(
            [
                SOFFICE,
                f"-env:UserInstallation=file://{home / 'profile'}",
                "--headless",
                "--convert-to",
                fmt,
                "--outdir",
                str(out),
                str(source),
            ],
            check=True,
            capture_output=True,
            env={**os.environ, "HOME": str(home)},
            timeout=300,
        )
        converted = out / source.with_suffix("." + fmt).name
        assert converted.exists(), f"soffice wrote no {converted.name}"
        return converted

    return convert


def saved_as(
    convert: Convert, fmt: str, path: Path, rows: Sequence[Sequence[Any]], **kw: Any
) -> Path:
    return convert(write_xlsx(path, rows, **kw), fmt)


def rooms(n: int, school: str = CODE, floor: Any = 1) -> list[list[Any]]:
    return [[school, f"{100 + i}", "教学楼A", floor, "普通教室", "投影仪", "是"] for i in range(n)]


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_school_sheet_saved_by_libreoffice_imports_its_codes_dates_and_text_dates(
    session: Session, actor: Actor, tmp_path: Path, libreoffice: Convert, fmt: str
) -> None:
    rows = [
        ["楚雄州学校名单（2025年秋季）"],  # a merged title row above the header
        [*SCHOOL_HEADER, "停办日期", "纬度"],
        # numeric school and county codes, a date cell, a date as Chinese text
        [2153010001, "鹿城小学", "211", 532301, 1200, datetime(1985, 9, 1), "2030年7月31日",
         25.0323],
        # codes as text, a date as ISO text, a number with separators as text
        ["2153010002", "东瓜小学", 211, "532301", "1,200", "1990-09-01", None, None],
    ]  # fmt: skip
    path = saved_as(libreoffice, fmt, tmp_path / "schools.xlsx", rows, title="学校", merge="A1:H1")
    result = run_import(session, actor, path)
    assert result.ok, result.errors
    assert (result.sheet, result.header_row, result.created) == ("学校", 2, 2)
    first, second = session.scalars(sa.select(School).order_by(School.code)).all()
    assert (first.code, first.region_code, first.type_code) == ("2153010001", COUNTY, "211")
    assert first.opened_on == date(1985, 9, 1) and first.closed_on == date(2030, 7, 31)
    assert first.students == 1200 and first.latitude == Decimal("25.0323")
    assert (second.code, second.type_code, second.students) == ("2153010002", "211", 1200)
    assert second.opened_on == date(1990, 9, 1) and second.closed_on is None


@pytest.mark.parametrize("fmt", FORMATS)
def test_dry_run_then_import_then_the_same_file_again_changes_nothing(
    session: Session, actor: Actor, tmp_path: Path, libreoffice: Convert, fmt: str
) -> None:
    add_school(session, actor)
    path = saved_as(libreoffice, fmt, tmp_path / "rooms.xlsx", [ROOM_HEADER, *rooms(20)])
    dry = run_import(session, actor, path, dry_run=True)
    assert dry.ok and (dry.dry_run, dry.created) == (True, 20)
    assert count(session, Classroom) == 0
    done = run_import(session, actor, path)
    assert done.ok and done.created == 20 and count(session, Classroom) == 20
    records = count(session, ChangeRecord)
    again = run_import(session, actor, path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 20)
    assert count(session, ChangeRecord) == records


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_bad_row_is_reported_at_the_row_libreoffice_shows_and_nothing_is_written(
    session: Session, actor: Actor, tmp_path: Path, libreoffice: Convert, fmt: str
) -> None:
    add_school(session, actor)
    data = rooms(30)
    for index in (4, 17, 29):
        data[index][3] = "三楼"  # no whole number
    rows = [["教室登记表"], ROOM_HEADER, *data]
    path = saved_as(libreoffice, fmt, tmp_path / "rooms.xlsx", rows, merge="A1:G1")
    for dry_run in (True, False):
        result = run_import(session, actor, path, dry_run=dry_run)
        assert not result.ok
        assert errors_of(result) == [(row, "楼层", "must be a whole number") for row in (7, 20, 32)]
        assert result.errors[0].cell == "D7"
        assert count(session, Classroom) == 0 and count(session, ChangeRecord) == 1  # the school


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_bounds_hold_for_files_libreoffice_writes(
    tmp_path: Path, libreoffice: Convert, fmt: str
) -> None:
    """Rows, cells and the used area are measured before calamine reads a cell."""
    rows: list[list[Any]] = [ROOM_HEADER, *rooms(60)]
    rows.append([None] * 30 + ["far right"])  # the used area becomes 62 × 31
    path = saved_as(libreoffice, fmt, tmp_path / "rooms.xlsx", rows)
    with path.open("rb") as source, open_sheet(source) as sheet:
        assert sum(1 for _ in sheet.rows()) == 61
    for limits, setting in (
        (Limits(max_rows=50), "MAX_ROWS"),
        (Limits(max_columns=20), "MAX_COLUMNS"),
        (Limits(max_cells=400), "MAX_CELLS"),
        (Limits(max_grid_cells=1_000), "MAX_GRID_CELLS"),
        (Limits(max_unzipped_bytes=2_000), "MAX_UNZIPPED_BYTES"),
    ):
        with path.open("rb") as source, pytest.raises(SpreadsheetTooLarge) as refused:
            open_sheet(source, None, limits)
        assert refused.value.setting == setting


def test_an_xls_whose_sector_chain_loops_is_refused_as_damaged(
    tmp_path: Path, libreoffice: Convert
) -> None:
    path = saved_as(libreoffice, "xls", tmp_path / "rooms.xlsx", [ROOM_HEADER, *rooms(3)])
    data = bytearray(path.read_bytes())
    size = 1 << int.from_bytes(data[0x1E:0x20], "little")
    first_fat = int.from_bytes(data[0x4C:0x50], "little")
    directory = int.from_bytes(data[0x30:0x34], "little")
    fat = (first_fat + 1) * size
    data[fat + 4 * directory : fat + 4 * directory + 4] = directory.to_bytes(4, "little")
    with pytest.raises(SpreadsheetError, match="loops"):
        open_sheet(io.BytesIO(bytes(data)))


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_api_and_the_command_import_what_libreoffice_saves(
    api: ApiClient,
    app: Flask,
    school: dict[str, Any],
    tmp_path: Path,
    libreoffice: Convert,
    fmt: str,
) -> None:
    rows = [ROOM_HEADER, *rooms(5, school["code"])]
    path = saved_as(libreoffice, fmt, tmp_path / "rooms.xlsx", rows)
    dry = upload(api, path, dry_run="true")
    assert dry.status_code == 200, dry.json
    assert (dry.json["created"], dry.json["committed"]) == (5, False)
    assert classroom_count(api) == 0
    result = app.test_cli_runner().invoke(import_command, [str(path)])
    assert result.exit_code == 0, result.output
    assert classroom_count(api) == 5
    again = upload(api, path).json
    assert (again["created"], again["unchanged"], again["committed"]) == (0, 5, True)
