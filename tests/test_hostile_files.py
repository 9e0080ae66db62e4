"""Every import path against the corpus of hostile files (tests/hostile_files.py): the API's
dry run and commit for each entity, and ``digicampus import``. Each file is refused with a
clear message (a 422 in the JSON error shape, or exit status 1 and one line), never a 500 or a
traceback, and nothing is written."""

from __future__ import annotations

import codecs
import io
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from api.commands_spreadsheets import import_command
from inventory.actor import Actor
from inventory.models import Base, School
from inventory.spreadsheets.columns import ENTITIES, SCHOOLS
from inventory.spreadsheets.importer import import_sheet
from inventory.spreadsheets.limits import Limits, SpreadsheetError, SpreadsheetTooLarge
from inventory.spreadsheets.office_bounds import check_ods
from inventory.spreadsheets.reader import open_sheet
from inventory.unit_of_work import SessionUnitOfWork
from tests import hostile_files
from tests.conftest import ApiClient
from tests.hostile_files import Hostile, corpus, describe, shared_bomb

IMPORTS = "/api/v1/imports"
SETTINGS = {
    "max_unzipped_bytes": "SPREADSHEET_MAX_UNZIPPED_BYTES",
    "max_shared_strings": "SPREADSHEET_MAX_SHARED_STRINGS",
    "max_shared_string_chars": "SPREADSHEET_MAX_SHARED_STRING_CHARS",
    "max_rows": "SPREADSHEET_MAX_ROWS",
    "max_columns": "SPREADSHEET_MAX_COLUMNS",
    "max_cells": "SPREADSHEET_MAX_CELLS",
    "max_grid_cells": "SPREADSHEET_MAX_GRID_CELLS",
    "max_seconds": "SPREADSHEET_MAX_SECONDS",
}


def rows_in_every_table(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {
            table.name: connection.scalar(sa.select(sa.func.count()).select_from(table)) or 0
            for table in Base.metadata.sorted_tables
        }


def configure(app: Flask, monkeypatch: pytest.MonkeyPatch, limits: Limits) -> None:
    for name, setting in SETTINGS.items():
        monkeypatch.setitem(app.config, setting, getattr(limits, name))


CASES = [
    pytest.param(entity, hostile, id=f"{entity.name}-{describe(hostile)}")
    for entity in ENTITIES
    for hostile in corpus(entity)
]


@pytest.mark.parametrize(("entity", "hostile"), CASES)
def test_every_hostile_file_is_a_422_in_the_error_shape_and_writes_nothing(
    api: ApiClient,
    app: Flask,
    engine: Engine,
    school: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
    entity: Any,
    hostile: Hostile,
) -> None:
    configure(app, monkeypatch, hostile.limits)
    before = rows_in_every_table(engine)
    for dry_run in ("true", "false"):
        response = api.post(
            IMPORTS,
            data={"file": (io.BytesIO(hostile.content), f"{hostile.name}.xlsx")},
            content_type="multipart/form-data",
            query_string={"entity": entity.name, "dry_run": dry_run},
        )
        assert response.status_code == 422, response.get_data(as_text=True)[:500]
        body = response.json
        assert body["code"] == 422 and body["status"] == "Unprocessable Entity"
        assert body["message"] and isinstance(body["errors"], dict)
        if hostile.row_error:
            assert body["committed"] is False
            assert any(hostile.message in error["message"] for error in body["row_errors"])
        else:
            assert body["errors"] == {"file": [body["message"]]}
            assert hostile.message in body["message"]
        assert rows_in_every_table(engine) == before


@pytest.mark.parametrize(
    ("entity", "hostile"),
    [case for case in CASES if not case.values[1].name.endswith("time")],  # the CLI: no time bound
)
def test_the_import_command_refuses_every_hostile_file_in_one_line(
    app: Flask,
    engine: Engine,
    school: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    entity: Any,
    hostile: Hostile,
) -> None:
    configure(app, monkeypatch, hostile.limits)
    path = tmp_path / "hostile.xlsx"
    path.write_bytes(hostile.content)
    before = rows_in_every_table(engine)
    for mode in (["--dry-run"], []):
        result = app.test_cli_runner().invoke(
            import_command, [*mode, "--entity", entity.name, str(path)]
        )
        assert result.exit_code == 1, result.output
        assert "Traceback" not in result.output
        assert hostile.message in result.output
        assert rows_in_every_table(engine) == before


def test_the_issues_missing_shared_string_in_a_data_row_is_a_row_error_at_its_cell(
    api: ApiClient, school: dict[str, Any]
) -> None:
    hostile = next(h for h in corpus(SCHOOLS) if h.name == "missing-shared-string-cell")
    response = api.post(
        IMPORTS,
        data={"file": (io.BytesIO(hostile.content), "broken.xlsx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    located = [(e["row"], e["cell"]) for e in response.json["row_errors"] if e["cell"] == "A2"]
    assert located == [(2, "A2")]


def test_a_gbk_csv_as_chinese_excel_saves_it_imports_with_its_chinese_intact(
    session: Session, actor: Actor, school: dict[str, Any]
) -> None:
    text = "学校标识码,学校名称\r\n" + f"{school['code']},楚雄市第一中学（新校区）\r\n"
    result = import_sheet(
        SessionUnitOfWork(session), actor, io.BytesIO(text.encode("gbk")), SCHOOLS
    )
    assert (result.ok, result.updated) == (True, 1), result.errors
    stored = session.scalar(sa.select(School.name).where(School.code == school["code"]))
    assert stored == "楚雄市第一中学（新校区）"


def test_a_nul_character_in_a_cell_is_a_row_error_naming_row_and_column(
    session: Session, actor: Actor, school: dict[str, Any]
) -> None:
    text = "学校标识码\t学校名称\r\n" + f"{school['code']}\ta\x00b\r\n"
    content = codecs.BOM_UTF16_LE + text.encode("utf-16-le")
    result = import_sheet(SessionUnitOfWork(session), actor, io.BytesIO(content), SCHOOLS)
    assert [(e.row, e.column, e.cell, e.value) for e in result.errors] == [
        (2, "学校名称", "B2", "a\ufffdb")
    ]
    assert "U+0000" in result.errors[0].message


def test_limits_come_from_the_settings_and_are_checked() -> None:
    from api.config import DEFAULTS, validate

    limits = Limits.from_config(DEFAULTS)
    assert limits == Limits(max_unzipped_bytes=DEFAULTS["SPREADSHEET_MAX_UNZIPPED_BYTES"])
    assert Limits.from_config(DEFAULTS, timed=False).max_seconds is None
    bad = validate({**DEFAULTS, "SPREADSHEET_MAX_ROWS": 0})
    assert "DIGICAMPUS_SPREADSHEET_MAX_ROWS must be a positive number" in bad


def test_a_real_zip_bomb_is_refused_without_the_memory_it_would_take(tmp_path: Path) -> None:
    """400 MiB in one shared string, in a file of about 400 KiB (the issue's first bomb, read
    with limits that let its declared size through so the streaming bound is what holds):
    the process stays far under 300 MiB above where it started."""
    bomb = tmp_path / "bomb.xlsx"
    bomb.write_bytes(shared_bomb(400 << 20))
    assert bomb.stat().st_size < 1 << 20
    script = textwrap.dedent(
        f"""
        import resource, sys
        from inventory.spreadsheets.limits import Limits, SpreadsheetError
        from inventory.spreadsheets.reader import open_sheet
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        try:
            with open({str(bomb)!r}, "rb") as source:
                open_sheet(source, None, Limits(max_unzipped_bytes=1 << 30))
        except SpreadsheetError as exc:
            print(exc.message)
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print((after - before) // 1024)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        cwd=Path(__file__).parent.parent,
        env={**os.environ, "PYTHONWARNINGS": "error"},
    )
    message, grown_mib = done.stdout.strip().splitlines()
    assert "SPREADSHEET_MAX_SHARED_STRING_CHARS" in message
    assert int(grown_mib) < 300
    # And with the default limits it is refused before a byte of it is unpacked.
    with bomb.open("rb") as source, pytest.raises(SpreadsheetError, match="MAX_UNZIPPED_BYTES"):
        open_sheet(source, None, Limits())


def test_the_ods_bounds_count_every_cell_across_the_chunks_they_are_read_in() -> None:
    """5,000 rows of 15 cells: a content.xml of many 64 KiB chunks, tags cut between them."""
    cells = "".join(hostile_files.ods_cell(f"c{n}") for n in range(15))
    content = hostile_files.ods(hostile_files.ods_row(cells, 1) * 5_000)
    exactly = Limits(max_cells=75_000, max_rows=5_000, max_columns=15, max_grid_cells=75_000)
    check_ods(io.BytesIO(content), exactly, lambda: None)
    for limits in (
        Limits(max_cells=74_999),
        Limits(max_rows=4_999),
        Limits(max_columns=14),
        Limits(max_grid_cells=74_999),
    ):
        with pytest.raises(SpreadsheetTooLarge):
            check_ods(io.BytesIO(content), limits, lambda: None)
