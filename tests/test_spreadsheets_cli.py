"""``digicampus import`` and ``digicampus export`` (api/commands_spreadsheets.py), invoked with
the app's CLI runner against the suite's database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import sqlalchemy as sa
from click.testing import Result
from flask import Flask
from sqlalchemy.orm import Session

from api.commands_spreadsheets import export_command, import_command
from inventory.actor import Actor
from inventory.models import ChangeRecord, Classroom
from tests.conftest import COUNTY, OTHER_COUNTY
from tests.test_spreadsheets_import import ROOM_HEADER, add_school, count, write_csv, write_xlsx

CODE = "2153010001"


def invoke(app: Flask, command: Any, *args: str) -> Result:
    result: Result = app.test_cli_runner().invoke(command, list(args))
    return result


def rooms(n: int, code: str = CODE) -> list[list[Any]]:
    return [[code, f"{i:03d}", "教学楼A", 1, "普通教室", "投影仪", "否"] for i in range(1, n + 1)]


def test_import_commits_and_reports_counts(
    app: Flask, session: Session, actor: Actor, tmp_path: Path
) -> None:
    add_school(session, actor)
    path = write_xlsx(tmp_path / "rooms.xlsx", [ROOM_HEADER, *rooms(30)], title="教室")
    result = invoke(app, import_command, str(path))
    assert result.exit_code == 0, result.output
    assert "classrooms (sheet '教室', header in row 1): 30 rows — 30 created" in result.output
    assert "change-log batch:" in result.output
    assert count(session, Classroom) == 30
    again = invoke(app, import_command, str(path), "--entity", "classrooms")
    assert again.exit_code == 0
    assert "0 created, 0 updated, 30 unchanged" in again.output
    assert "change-log batch" not in again.output


def test_dry_run_writes_nothing(app: Flask, session: Session, actor: Actor, tmp_path: Path) -> None:
    add_school(session, actor)
    path = write_csv(tmp_path / "rooms.csv", [ROOM_HEADER, *rooms(3)], "gb18030")
    result = invoke(app, import_command, str(path), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "3 created" in result.output and "dry run, nothing written" in result.output
    assert count(session, Classroom) == 0


def test_bad_rows_exit_non_zero_and_name_every_row(
    app: Flask, session: Session, actor: Actor, tmp_path: Path
) -> None:
    add_school(session, actor)
    data = rooms(20)
    data[4][3] = "二楼"  # row 6
    data[14][5] = "黑板"  # row 16
    records = count(session, ChangeRecord)
    result = invoke(
        app, import_command, str(write_xlsx(tmp_path / "bad.xlsx", [ROOM_HEADER, *data]))
    )
    assert result.exit_code == 1
    assert "row 6, 楼层 (D6): '二楼' must be a whole number" in result.output
    assert "row 16, 显示设备 (F16): '黑板' unknown value" in result.output
    assert "2 row(s) with errors: nothing was imported" in result.output
    assert count(session, Classroom) == 0
    assert count(session, ChangeRecord) == records


def test_a_file_that_is_not_a_spreadsheet_exits_with_a_message(app: Flask, tmp_path: Path) -> None:
    path = tmp_path / "photo.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    result = invoke(app, import_command, str(path))
    assert result.exit_code != 0
    assert "Error: the file is neither an Excel workbook (.xlsx) nor a CSV" in result.output
    missing = invoke(app, import_command, str(tmp_path / "nowhere.xlsx"))
    assert missing.exit_code == 2 and "does not exist" in missing.output


def test_export_with_filters_then_import_changes_nothing(
    app: Flask, session: Session, actor: Actor, tmp_path: Path
) -> None:
    add_school(session, actor)
    add_school(session, actor, "2153220001", region_code=OTHER_COUNTY)
    path = write_xlsx(tmp_path / "rooms.xlsx", [ROOM_HEADER, *rooms(4), *rooms(2, "2153220001")])
    assert invoke(app, import_command, str(path)).exit_code == 0
    records = count(session, ChangeRecord)
    out = tmp_path / "export" / "county.xlsx"
    out.parent.mkdir()
    result = invoke(app, export_command, "classrooms", str(out), "--region", COUNTY)
    assert result.exit_code == 0, result.output
    assert f"exported 4 classrooms to {out}" in result.output
    book = openpyxl.load_workbook(out, read_only=True)
    assert [r[0] for r in book.worksheets[0].iter_rows(min_row=2, values_only=True)] == [CODE] * 4
    book.close()
    assert list(out.parent.iterdir()) == [out]  # no temporary file left behind
    again = invoke(app, import_command, str(out))
    assert "0 created, 0 updated, 4 unchanged" in again.output
    csv_out = tmp_path / "labs.csv"
    labs = invoke(app, export_command, "classrooms", str(csv_out), "--filter", "kind=普通教室",
                  "--school", "2153220001")  # fmt: skip
    assert labs.exit_code == 0, labs.output
    assert len(csv_out.read_text(encoding="utf-8-sig").splitlines()) == 3
    assert count(session, ChangeRecord) == records


def test_export_refuses_unknown_filters_and_formats(app: Flask, tmp_path: Path) -> None:
    wrong = invoke(app, export_command, "schools", str(tmp_path / "s.xlsx"), "--filter", "kind=x")
    assert wrong.exit_code == 1 and "kind: not a filter of schools" in wrong.output
    status = invoke(app, export_command, "schools", str(tmp_path / "s.xlsx"), "--status", "maybe")
    assert status.exit_code == 1 and "status" in status.output
    suffix = invoke(app, export_command, "schools", str(tmp_path / "s.pdf"))
    assert suffix.exit_code == 2 and "use .xlsx or .csv" in suffix.output
    region = invoke(app, export_command, "schools", str(tmp_path / "s.csv"), "--region", "999999")
    assert region.exit_code == 1 and "no region with code" in region.output
    assert not (tmp_path / "s.csv").exists()


def test_import_and_export_are_commands_of_digicampus_and_of_the_app(app: Flask) -> None:
    import click

    from api.cli import main

    # The front door loads the web app's commands when asked for (api/cli.py).
    assert {"import", "export"} <= set(main.list_commands(click.Context(main)))
    assert {"import", "export"} <= set(app.cli.commands)  # type: ignore[attr-defined]


def test_imports_are_logged_as_the_cli_actor(
    app: Flask, session: Session, actor: Actor, tmp_path: Path
) -> None:
    add_school(session, actor)
    path = write_xlsx(tmp_path / "rooms.xlsx", [ROOM_HEADER, *rooms(2)])
    invoke(app, import_command, str(path))
    names = session.scalars(
        sa.select(ChangeRecord.actor_name).where(ChangeRecord.object_type == "classroom")
    ).all()
    assert names == ["cli", "cli"]
