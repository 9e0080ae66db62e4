"""A damaged backup is refused clearly: one line naming the table, the line and what is wrong,
exit status 2 from ``digicampus restore``, and the database exactly as it was — for flipped
bytes, a bad JSON line, bytes that are no UTF-8, a bad value, a broken foreign key, a missing
table file; and a backup of an unknown revision names the revision this release migrates to."""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.engine import Engine

from inventory import backup
from tests.conftest import FERNET_KEY, ApiClient
from tests.test_backup import snapshot
from web import create_app

Corruption = Callable[[str, bytes], bytes | None]  # (member name, content) → new content


def rewrite(source: Path, target: Path, corrupt: Corruption) -> Path:
    """A copy of the backup with some members changed (None leaves a member out)."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for name in old.namelist():
            data = corrupt(name, old.read(name))
            if data is not None:
                new.writestr(name, data)
    return target


def in_table(table: str, change: Callable[[bytes], bytes | None]) -> Corruption:
    def corrupt(name: str, data: bytes) -> bytes | None:
        return change(data) if name == f"tables/{table}.jsonl" else data

    return corrupt


def on_line(
    number: int, change: Callable[[dict[str, Any]], dict[str, Any]]
) -> Callable[[bytes], bytes]:
    def edit(data: bytes) -> bytes:
        lines = data.splitlines(keepends=True)
        lines[number - 1] = json.dumps(change(json.loads(lines[number - 1]))).encode() + b"\n"
        return b"".join(lines)

    return edit


def flip_bytes(path: Path, member: str) -> Path:
    """Bytes in the middle of one member's compressed data inverted (the zip stays a zip)."""
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(member)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data = bytearray(path.read_bytes())
    for offset in range(start + info.compress_size // 3, start + info.compress_size // 3 + 4):
        data[offset] ^= 0xFF
    flipped = path.with_name("flipped.zip")
    flipped.write_bytes(bytes(data))
    return flipped


CORRUPTIONS: dict[str, tuple[Corruption, str]] = {
    "bad-json-line": (
        in_table("school", lambda data: data + b'{"id": 77, "code": \n'),
        r"table school, line 2: not valid JSON \(",
    ),
    "not-utf8": (
        in_table("school", lambda data: b'{"id": "\xff\xfe"}\n' + data),
        r"table school, line 1: not UTF-8 text",
    ),
    "not-an-object": (
        in_table("school", lambda data: b"[1, 2]\n" + data),
        r"table school, line 1: not a JSON object",
    ),
    "missing-column": (
        in_table("classroom", lambda data: data + b'{"id": 1}\n'),
        r"table classroom, line 3: a row's columns differ from the schema's \(missing: ",
    ),
    "bad-value": (
        in_table("classroom", on_line(1, lambda row: {**row, "commissioned_on": "2024-13-45"})),
        r"table classroom, line 1, column commissioned_on: '2024-13-45' is not a valid date",
    ),
    "broken-foreign-key": (
        in_table("classroom", on_line(1, lambda row: {**row, "school_id": 999_999})),
        r"table classroom, line 1: column school_id refers to school id 999999, which the "
        r"backup does not have",
    ),
    "missing-table-file": (
        in_table("classroom", lambda data: None),
        r"table classroom: its file tables/classroom.jsonl is missing",
    ),
}


@pytest.fixture
def small_backup(api: ApiClient, school: dict[str, Any], engine: Engine, tmp_path: Path) -> Path:
    for room in ("101", "102"):
        created = api.post(
            f"/api/v1/schools/{school['code']}/classrooms",
            json={"room_code": room, "commissioned_on": "2024-09-01"},
        )
        assert created.status_code == 201, created.json
    file = tmp_path / "backup.zip"
    backup.backup(engine, file)
    return file


@pytest.mark.parametrize("kind", [*CORRUPTIONS, "flipped-bytes"])
def test_a_corrupt_backup_is_refused_naming_table_line_and_problem_and_changes_nothing(
    engine: Engine, small_backup: Path, tmp_path: Path, kind: str
) -> None:
    if kind == "flipped-bytes":
        broken = flip_bytes(small_backup, "tables/school.jsonl")
        expected = r"table school, line \d+: "
    else:
        corrupt, expected = CORRUPTIONS[kind]
        broken = rewrite(small_backup, tmp_path / f"{kind}.zip", corrupt)
    before = snapshot(engine)
    with pytest.raises(backup.CorruptBackup) as refused:
        backup.restore(engine, broken, force=True)
    message = str(refused.value)
    assert re.match(expected, message), message
    assert "\n" not in message
    assert snapshot(engine) == before


def test_a_backup_of_an_unknown_revision_names_the_revision_this_release_migrates_to(
    engine: Engine, small_backup: Path, tmp_path: Path
) -> None:
    def bogus(name: str, data: bytes) -> bytes:
        if name == backup.MANIFEST:
            return json.dumps({**json.loads(data), "revision": "9999_bogus"}).encode()
        return data

    future = rewrite(small_backup, tmp_path / "future.zip", bogus)
    before = snapshot(engine)
    with pytest.raises(backup.BackupError) as refused:
        backup.restore(engine, future, force=True)
    message = str(refused.value)
    assert "migrated to 9999_bogus" not in message
    assert f"9999_bogus, unknown to this release (which migrates to {backup.head_revision()})" in (
        message
    )
    assert snapshot(engine) == before


@pytest.fixture
def cli_app(tmp_path: Path) -> Any:
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite'}",
            "FERNET_KEYS": FERNET_KEY,
            "SECRET_KEY": "backup-corrupt-cli-secret",
        }
    )
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    assert runner.invoke(args=["users", "create-admin", "root"]).exit_code == 0
    yield app
    app.extensions["digicampus"].engine.dispose()


@pytest.mark.parametrize("kind", ["bad-json-line", "not-utf8", "flipped-bytes"])
def test_restore_command_prints_one_line_and_exits_2_for_a_corrupt_backup(
    cli_app: Flask, tmp_path: Path, kind: str
) -> None:
    runner = cli_app.test_cli_runner()
    file = tmp_path / "out.zip"
    assert runner.invoke(args=["backup", str(file)]).exit_code == 0
    table = "app_user"
    if kind == "flipped-bytes":
        broken = flip_bytes(file, f"tables/{table}.jsonl")
    elif kind == "bad-json-line":
        broken = rewrite(file, tmp_path / "b.zip", in_table(table, lambda d: d + b"{oops\n"))
    else:
        broken = rewrite(file, tmp_path / "b.zip", in_table(table, lambda d: b"\xc3\x28\n" + d))
    engine = cli_app.extensions["digicampus"].engine
    before = snapshot(engine)
    result = runner.invoke(args=["restore", "--force", str(broken)])
    assert result.exit_code == 2, result.output
    errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and re.match(rf"Error: table {table}, line \d+: ", errors[0])
    assert "Traceback" not in result.output
    assert snapshot(engine) == before
