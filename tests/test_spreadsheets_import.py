"""Spreadsheet import through the services: real XLSX and CSV files written in tmp_path with
openpyxl and csv, on the suite's database (SQLite, or PostgreSQL when configured)."""

from __future__ import annotations

import csv
import re
import zipfile
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from inventory.actor import Actor
from inventory.choices import ClassroomKind, DisplayKind
from inventory.models import ChangeRecord, Classroom, School
from inventory.services import schools
from inventory.spreadsheets import SpreadsheetError
from inventory.spreadsheets.columns import CLASSROOMS, SCHOOLS, entity_named
from inventory.spreadsheets.importer import ImportResult, import_sheet
from inventory.unit_of_work import SessionUnitOfWork
from tests.conftest import COUNTY, OTHER_COUNTY

ROOM_HEADER = ["学校标识码", "教室编号", "楼栋", "楼层", "教室类型", "显示设备", "教师终端"]
SCHOOL_HEADER = ["学校标识码", "学校名称", "办学类型", "所属区县", "在校生数", "建校日期"]
CODE = "2153010001"


# --- helpers shared with the other spreadsheet tests -----------------------------------------


def add_school(session: Session, actor: Actor, code: str = CODE, **extra: Any) -> School:
    """A school created (and committed) through the service."""
    data = {"code": code, "name": f"学校{code}", "type_code": "211", "region_code": COUNTY}
    school = schools.create_school(session, actor, {**data, **extra})
    session.commit()
    return school


def write_xlsx(
    path: Path, rows: Sequence[Sequence[Any]], title: str = "Sheet1", merge: str | None = None
) -> Path:
    """A workbook with one sheet holding ``rows`` (cells as given; ``merge`` a range)."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title
    for row in rows:
        sheet.append(list(row))
    if merge:
        sheet.merge_cells(merge)
    book.save(path)
    book.close()
    return path


def write_csv(path: Path, rows: Sequence[Sequence[Any]], encoding: str) -> Path:
    with path.open("w", encoding=encoding, newline="") as out:
        csv.writer(out).writerows(rows)
    return path


def run_import(
    session: Session, actor: Actor, path: Path, entity: str | None = None, dry_run: bool = False
) -> ImportResult:
    """Import ``path`` as the API and CLI do: the importer commits, or rolls back, itself."""
    with path.open("rb") as source:
        return import_sheet(
            SessionUnitOfWork(session),
            actor,
            source,
            entity_named(entity) if entity else None,
            dry_run=dry_run,
        )


def count(session: Session, model: type[Any]) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


def errors_of(result: ImportResult) -> list[tuple[int, str | None, str]]:
    return [(e.row, e.column, e.message) for e in result.errors]


# --- encodings ------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8-sig", "utf-8"])
def test_csv_in_every_encoding_chinese_excel_writes(
    session: Session, actor: Actor, tmp_path: Path, encoding: str
) -> None:
    rows = [
        SCHOOL_HEADER,
        ["2153010001", "楚雄市鹿城小学", "211", "532301", "1,200", "1985-09-01"],
        ["2153010002", "楚雄市彝族中学", "311 初级中学", "532301", "860", "1990/9/1"],
    ]
    path = write_csv(tmp_path / f"schools-{encoding}.csv", rows, encoding)
    if encoding == "gbk":
        assert path.read_bytes().startswith("学校".encode("gbk"))  # really GBK bytes
    result = run_import(session, actor, path)
    assert result.entity == "schools" and result.ok, result.errors
    assert (result.created, result.updated, result.unchanged) == (2, 0, 0)
    middle = session.scalar(sa.select(School).where(School.code == "2153010002"))
    assert middle is not None
    assert (middle.name, middle.type_code, middle.students) == ("楚雄市彝族中学", "311", 860)
    assert middle.opened_on == date(1990, 9, 1)


def test_excel_unicode_text_utf16_with_tabs(session: Session, actor: Actor, tmp_path: Path) -> None:
    path = tmp_path / "schools.txt"
    with path.open("w", encoding="utf-16", newline="") as out:
        csv.writer(out, delimiter="\t").writerows(
            [SCHOOL_HEADER, ["2153010001", "楚雄市鹿城小学", "211", "532301", "1200", ""]]
        )
    result = run_import(session, actor, path)
    assert result.ok and result.created == 1, result.errors


def test_a_bom_csv_header_is_recognised_with_english_keys(
    session: Session, actor: Actor, tmp_path: Path
) -> None:
    add_school(session, actor)
    rows = [
        ["school_code", "room_code", "kind", "display", "has_audio", "wired_mbps"],
        [CODE, "101", "computer_lab", "interactive_panel", "true", "1000"],
    ]
    path = write_csv(tmp_path / "rooms.csv", rows, "utf-8-sig")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    result = run_import(session, actor, path)
    assert result.entity == "classrooms" and result.ok, result.errors
    room = session.scalars(sa.select(Classroom)).one()
    assert room.kind is ClassroomKind.COMPUTER_LAB
    assert room.display is DisplayKind.INTERACTIVE_PANEL
    assert room.has_audio is True and room.wired_mbps == 1000


# --- how cells are typed --------------------------------------------------------------------


def test_excel_dates_and_numbers_stored_as_text(
    session: Session, actor: Actor, tmp_path: Path
) -> None:
    header = [*SCHOOL_HEADER, "停办日期", "纬度", "教职工数"]
    rows = [
        header,
        # a real date cell, numbers as text with separators, a date as Chinese text
        [2153010001, "鹿城小学", "211", 532301, "1,200", datetime(1985, 9, 1), "2030年7月31日",
         "25.0323", " 70 "],
        # numbers stored as text, a date serial as a number, full-width digits
        ["2153010002", "东瓜小学", 211.0, "532301", "１２００", 31291, None, 25.5, "70.0"],
    ]  # fmt: skip
    path = write_xlsx(tmp_path / "schools.xlsx", rows)
    result = run_import(session, actor, path)
    assert result.ok, result.errors
    first, second = session.scalars(sa.select(School).order_by(School.code)).all()
    assert first.code == "2153010001" and first.region_code == "532301"
    assert (first.students, first.teachers) == (1200, 70)
    assert first.opened_on == date(1985, 9, 1)
    assert first.closed_on == date(2030, 7, 31)
    assert first.latitude == Decimal("25.0323")
    assert second.type_code == "211" and second.students == 1200
    assert second.opened_on == date(1985, 9, 1)  # Excel serial 31291
    assert second.teachers == 70


def test_bad_cells_are_reported_with_row_column_value_and_message(
    session: Session, actor: Actor, tmp_path: Path
) -> None:
    rows = [
        SCHOOL_HEADER,
        ["53230100", "小学", "211", "532301", "many", "2024-02-30"],
        ["2153010002", "", "9999", "532301", "-3", "tomorrow"],
    ]
    result = run_import(session, actor, write_xlsx(tmp_path / "bad.xlsx", rows))
    assert not result.ok and result.bad_rows == 2
    found = {(e.row, e.column, e.cell, e.value): e.message for e in result.errors}
    assert found[(2, "学校标识码", "A2", "53230100")] == "must be exactly 10 digits"
    assert found[(2, "在校生数", "E2", "many")] == "must be a whole number"
    assert found[(2, "建校日期", "F2", "2024-02-30")] == "2024-02-30 is not a date in the calendar"
    assert found[(3, "学校名称", "B3", None)] == "is required"
    assert found[(3, "办学类型", "C3", "9999")] == "must be exactly 3 digits"
    assert found[(3, "在校生数", "E3", "-3")] == "must be between 0 and 100000"
    assert count(session, School) == 0


def test_enums_take_chinese_labels_english_labels_or_values(
    session: Session, actor: Actor, tmp_path: Path
) -> None:
    add_school(session, actor)
    rows = [
        ROOM_HEADER,
        [CODE, "1", "1-01", 1, "计算机教室", "投影+交互白板", "是"],
        [CODE, "2", "1-01", 1, "Science Lab", "projector", "否"],
        [CODE, "3", "1-01", 1, "multipurpose", "TV", True],
        [CODE, "4", "1-01", 1, "礼堂", "无", "maybe"],
    ]
    result = run_import(session, actor, write_xlsx(tmp_path / "rooms.xlsx", rows))
    assert errors_of(result) == [
        (5, "教室类型", "unknown value; allowed: 普通教室, 实验室, 计算机教室, 多功能教室, 其他"),
        (5, "教师终端", "must be 是 or 否 (yes or no)"),
    ]
    result = run_import(session, actor, write_xlsx(tmp_path / "good.xlsx", rows[:4]))
    assert result.ok
    kinds = session.execute(
        sa.select(Classroom.room_code, Classroom.kind, Classroom.display, Classroom.has_teacher_terminal).order_by(Classroom.room_code)
    ).all()  # fmt: skip
    assert [tuple(k) for k in kinds] == [
        ("1", ClassroomKind.COMPUTER_LAB, DisplayKind.PROJECTOR_WHITEBOARD, True),
        ("2", ClassroomKind.SCIENCE_LAB, DisplayKind.PROJECTOR, False),
        ("3", ClassroomKind.MULTIPURPOSE, DisplayKind.TV, True),
    ]


# --- finding the data -----------------------------------------------------------------------


def test_header_below_a_merged_title_row(session: Session, actor: Actor, tmp_path: Path) -> None:
    add_school(session, actor)
    rows = [
        ["楚雄市鹿城小学 教室登记表（2025年秋季）"],
        ["填表人：张老师", None, None, "日期：2025-09-01"],
        ROOM_HEADER,
        [CODE, "101", "教学楼A", 1, "普通教室", "交互式智能平板", "是"],
        [CODE, "102", "教学楼A", "x", "普通教室", "交互式智能平板", "是"],
    ]
    path = write_xlsx(tmp_path / "rooms.xlsx", rows, title="教室", merge="A1:G1")
    result = run_import(session, actor, path)
    assert result.header_row == 3 and result.sheet == "教室"
    assert errors_of(result) == [(5, "楼层", "must be a whole number")]  # the row Excel shows
    assert result.errors[0].cell == "D5"
    rows[4][3] = 1
    result = run_import(session, actor, write_xlsx(tmp_path / "fixed.xlsx", rows, merge="A1:G1"))
    assert result.ok and result.created == 2


def test_trailing_and_inner_blank_rows_are_skipped(
    session: Session, actor: Actor, tmp_path: Path
) -> None:
    add_school(session, actor)
    rows: list[list[Any]] = [
        ROOM_HEADER,
        [CODE, "101"],
        [None, None, None],
        [CODE, "102", "  "],
        *([["", "  ", None]] * 40),
    ]
    xlsx = write_xlsx(tmp_path / "rooms.xlsx", rows)
    book = openpyxl.load_workbook(xlsx)
    sheet = book.active
    assert sheet is not None
    sheet.cell(row=500, column=3).value = "   "  # Excel's used range ends far below
    book.save(xlsx)
    book.close()
    for path in (xlsx, write_csv(tmp_path / "rooms.csv", rows, "utf-8")):
        result = run_import(session, actor, path, dry_run=True)
        assert result.ok, result.errors
        assert (result.rows, result.created) == (2, 2)


def test_entity_is_guessed_from_headers_or_else_must_be_chosen(
    session: Session, actor: Actor, tmp_path: Path
) -> None:
    # 学校标识码 + 启用日期 + 备注 are columns of campus networks and of classrooms alike.
    rows = [["学校标识码", "启用日期", "备注"], [CODE, "2024-03-01", ""]]
    path = write_xlsx(tmp_path / "ambiguous.xlsx", rows, title="Sheet1")
    with pytest.raises(SpreadsheetError, match="cannot tell whether the sheet holds"):
        run_import(session, actor, path)
    add_school(session, actor)
    named = run_import(session, actor, write_xlsx(tmp_path / "named.xlsx", rows, title="校园网"))
    assert named.entity == "campus-networks"  # the sheet's name settles it
    assert [(e.row, e.column) for e in named.errors] == [(2, "网络架构")]
    assert "is required to create a new campus network" in named.errors[0].message
    with pytest.raises(SpreadsheetError, match="教室编号"):
        run_import(session, actor, path, entity="classrooms")  # its key column is missing


def test_extensions_openpyxl_cannot_keep_do_not_warn(
    session: Session, actor: Actor, tmp_path: Path
) -> None:
    """Excel stores some data validations as an extension openpyxl warns about; the warning
    must not escape (the suite turns warnings into errors)."""
    add_school(session, actor)
    path = write_xlsx(tmp_path / "ext.xlsx", [ROOM_HEADER, [CODE, "101"]])
    extension = (
        '<extLst><ext uri="{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}" '
        'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main">'
        '<x14:dataValidations count="0"/></ext></extLst></worksheet>'
    )
    patched = tmp_path / "patched.xlsx"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(patched, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"</worksheet>", extension.encode())
            target.writestr(item, data)
    result = run_import(session, actor, patched)
    assert result.ok and result.created == 1


# --- formulas -------------------------------------------------------------------------------


def _with_cached_value(path: Path, cell: str, value: str) -> Path:
    """``path`` as Excel would save it: the formula in ``cell`` with its calculated value."""
    patched = path.with_name("cached-" + path.name)
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(patched, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                text, n = re.subn(
                    rf'(<c r="{cell}"[^>]*>\s*<f>[^<]*</f>)\s*<v\s*/>', rf"\1<v>{value}</v>", text
                )
                assert n == 1, text
                data = text.encode()
            target.writestr(item, data)
    return patched


def test_formula_without_cached_value_is_an_error_with_cached_value_the_value(
    session: Session, actor: Actor, tmp_path: Path
) -> None:
    add_school(session, actor)
    rows = [ROOM_HEADER, [CODE, "101", "教学楼A", "=1+2", "普通教室", "无", "是"]]
    path = write_xlsx(tmp_path / "formula.xlsx", rows)  # openpyxl saves no calculated value
    result = run_import(session, actor, path)
    assert [(e.row, e.column, e.cell) for e in result.errors] == [(2, "楼层", "D2")]
    assert "formula without a calculated value" in result.errors[0].message
    assert count(session, Classroom) == 0
    result = run_import(session, actor, _with_cached_value(path, "D2", "3"))
    assert result.ok, result.errors
    assert session.scalars(sa.select(Classroom.floor)).one() == 3


# --- keys, all or nothing, idempotence ------------------------------------------------------


def test_duplicate_keys_inside_one_file_are_reported(
    session: Session, actor: Actor, tmp_path: Path
) -> None:
    add_school(session, actor)
    rows = [
        ROOM_HEADER,
        [CODE, "101"],
        [CODE, "102"],
        [CODE, "101", "教学楼B"],
        [CODE, " 102 "],  # the same key once trimmed
    ]
    result = run_import(session, actor, write_xlsx(tmp_path / "dup.xlsx", rows))
    assert errors_of(result) == [
        (4, "教室编号", "duplicate of row 2 (same 学校标识码 + 教室编号)"),
        (5, "教室编号", "duplicate of row 3 (same 学校标识码 + 教室编号)"),
    ]
    assert count(session, Classroom) == 0


def _big_file(path: Path, rows: int, bad: dict[int, list[Any]]) -> Path:
    """``rows`` classrooms of ten schools, streamed; ``bad`` replaces rows (1-based data row)."""
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("教室")
    sheet.append([*ROOM_HEADER, "启用日期", "停用日期"])
    for n in range(1, rows + 1):
        school = f"215301{n % 10:04d}"
        row = bad.get(n) or [school, f"R{n}", "教学楼", n % 6, "普通教室", "无", "否", None, None]
        sheet.append(row)
    book.save(path)
    return path


def test_ten_thousand_rows_with_three_bad_reports_all_three_and_writes_nothing(
    session: Session, actor: Actor, tmp_path: Path
) -> None:
    for n in range(10):
        add_school(session, actor, f"215301{n:04d}")
    records_before = count(session, ChangeRecord)
    bad = {
        1234: ["2153010001", "R1234", "教学楼", "third", "普通教室", "无", "否", None, None],
        5000: ["2153019999", "R5000", "教学楼", 1, "普通教室", "无", "否", None, None],
        9999: ["2153010009", "R9999", "教学楼", 1, "普通教室", "无", "否", date(2024, 9, 1),
               date(2020, 1, 1)],
    }  # fmt: skip
    path = _big_file(tmp_path / "big.xlsx", 10_000, bad)
    for dry_run in (True, False):
        result = run_import(session, actor, path, dry_run=dry_run)
        assert result.rows == 10_000
        assert result.bad_rows == 3
        assert errors_of(result) == [
            (1235, "楼层", "must be a whole number"),
            (5001, "学校标识码", "no school with code '2153019999'"),
            (10000, "停用日期", "must not be before commissioned_on (2024-09-01)"),
        ]
        assert count(session, Classroom) == 0
        assert count(session, ChangeRecord) == records_before


def test_import_twice_second_time_all_unchanged_and_no_change_records(
    session: Session, actor: Actor, tmp_path: Path
) -> None:
    for n in range(10):
        add_school(session, actor, f"215301{n:04d}")
    path = _big_file(tmp_path / "rooms.xlsx", 300, {})
    first = run_import(session, actor, path)
    assert (first.created, first.updated, first.unchanged) == (300, 0, 0)
    records = count(session, ChangeRecord)
    batches = session.scalars(
        sa.select(ChangeRecord.batch_id).where(ChangeRecord.object_type == "classroom").distinct()
    ).all()
    assert batches == [first.written_batch]  # one batch for the whole import
    second = run_import(session, actor, path)
    assert (second.created, second.updated, second.unchanged) == (0, 0, 300)
    assert second.written_batch is None
    assert count(session, ChangeRecord) == records


def test_rows_update_only_the_columns_the_file_has(
    session: Session, actor: Actor, tmp_path: Path
) -> None:
    add_school(session, actor, CODE, students=100, teachers=10)
    add_school(session, actor, "2153010002", students=200, teachers=20)
    rows = [["学校标识码", "在校生数", "备注列"], [CODE, 150, "ignored"], ["2153010002", "200", ""]]
    result = run_import(session, actor, write_xlsx(tmp_path / "students.xlsx", rows))
    assert (result.created, result.updated, result.unchanged) == (0, 1, 1)
    assert result.ignored_columns == ["备注列"]
    changed = session.scalar(sa.select(School).where(School.code == CODE))
    assert changed is not None and (changed.students, changed.teachers) == (150, 10)
    update = session.scalars(sa.select(ChangeRecord).where(ChangeRecord.action == "update")).one()
    assert update.before is not None and update.after is not None
    assert (update.before["students"], update.after["students"]) == (100, 150)
    assert update.batch_id == result.written_batch


def test_a_new_row_needs_every_required_column(
    session: Session, actor: Actor, tmp_path: Path
) -> None:
    add_school(session, actor)
    rows = [["学校标识码", "在校生数"], [CODE, 150], ["2153010009", 10]]
    result = run_import(session, actor, write_xlsx(tmp_path / "partial.xlsx", rows))
    assert (result.updated, result.bad_rows) == (1, 1)
    assert {(e.row, e.field) for e in result.errors} == {
        (3, "name"),
        (3, "type_code"),
        (3, "region_code"),
    }
    assert "add the column 学校名称" in result.errors[0].message


def test_service_rules_apply_to_every_row(session: Session, actor: Actor, tmp_path: Path) -> None:
    rows = [
        SCHOOL_HEADER,
        ["2153010001", "小学", "999", "532301", 1, None],  # no such school type
        ["2153010002", "小学", "211", "532300", 1, None],  # a prefecture, not a county
        ["2153010003", "小学", "211", OTHER_COUNTY, 1, None],
    ]
    result = run_import(session, actor, write_xlsx(tmp_path / "rules.xlsx", rows))
    assert [(e.row, e.column) for e in result.errors] == [(2, "办学类型"), (3, "所属区县")]
    assert "unknown school type '999'" in result.errors[0].message
    assert "a school belongs to a county" in result.errors[1].message
    assert count(session, School) == 0


def test_a_viewer_cannot_import(session: Session, tmp_path: Path) -> None:
    from inventory.choices import UserRole
    from inventory.errors import PermissionDenied

    viewer = Actor(user_id=None, name="viewer", role=UserRole.VIEWER)
    path = write_xlsx(tmp_path / "s.xlsx", [SCHOOL_HEADER])
    with pytest.raises(PermissionDenied):
        run_import(session, viewer, path, dry_run=True)


# --- files that are no sheet ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the file is empty"),
        (b"%PDF-1.7\n\x00\x01\x02binary", "neither an Excel workbook (.xlsx) nor a CSV"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, "Excel 97-2003 workbook (.xls)"),
        (b"PK\x03\x04 this is no zip", "not an Excel workbook (.xlsx)"),
        ("就是一段文字，没有表头。\n第二行".encode(), "no header row found"),
        (b"\xff\xfe\xfd\x80\x81", "neither an Excel workbook (.xlsx) nor a CSV text"),
    ],
    ids=["empty", "pdf", "xls", "broken-zip", "text", "undecodable"],
)
def test_a_file_that_is_not_a_spreadsheet_is_a_clear_error(
    session: Session, actor: Actor, tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "upload.bin"
    path.write_bytes(content)
    with pytest.raises(SpreadsheetError) as caught:
        run_import(session, actor, path)
    assert message in caught.value.message
    assert caught.value.fields == {"file": [caught.value.message]}


def test_a_zip_that_is_no_workbook_is_a_clear_error(
    session: Session, actor: Actor, tmp_path: Path
) -> None:
    path = tmp_path / "report.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    with pytest.raises(SpreadsheetError, match=r"not an Excel workbook \(\.xlsx\)"):
        run_import(session, actor, path)


def test_every_entity_has_its_key_columns_required() -> None:
    assert SCHOOLS.key == ("code",)
    assert CLASSROOMS.key == ("school_code", "room_code")
    for entity in (SCHOOLS, CLASSROOMS):
        assert all(column.required for column in entity.key_columns)


def test_bulk_created_classrooms_are_logged_as_the_service_logs_them(
    session: Session, actor: Actor
) -> None:
    """ClassroomImport inserts in bulk; its rows and change records must be exactly those of
    create_classroom (the change-log fields, snapshot and repr)."""
    from inventory.services import classrooms

    add_school(session, actor)
    batch = actor.in_batch()
    data = {
        "building": "实验楼",
        "floor": 2,
        "kind": "science_lab",
        "display": "projector",
        "has_audio": True,
        "wired_mbps": 1000,
        "commissioned_on": date(2024, 9, 1),
        "notes": "备注",
    }
    classrooms.create_classroom(session, batch, CODE, {**data, "room_code": "A"})
    bulk = classrooms.ClassroomImport(session, batch)
    bulk.create(CODE, {**data, "room_code": "B"})
    bulk.flush()
    session.commit()
    one, other = session.scalars(sa.select(Classroom).order_by(Classroom.room_code)).all()
    skip = {"id", "room_code", "created_at", "updated_at"}
    assert {k: v for k, v in vars(one).items() if k not in skip and not k.startswith("_")} == {
        k: v for k, v in vars(other).items() if k not in skip and not k.startswith("_")
    }
    assert other.created_at is not None and other.updated_at is not None
    first, second = session.scalars(
        sa.select(ChangeRecord)
        .where(ChangeRecord.object_type == "classroom")
        .order_by(ChangeRecord.id)
    ).all()

    def comparable(record: ChangeRecord, room: Classroom) -> dict[str, Any]:
        values = {
            column.key: getattr(record, column.key)
            for column in ChangeRecord.__table__.columns
            if column.key not in ("id", "at")
        }
        assert values["object_id"] == str(room.id)
        assert values["object_repr"] == repr(room)
        assert values["after"]["id"] == room.id and values["after"]["room_code"] == room.room_code
        values["after"] = {k: v for k, v in values["after"].items() if k not in ("id", "room_code")}
        return {k: v for k, v in values.items() if k not in ("object_id", "object_repr")}

    assert comparable(first, one) == comparable(second, other)
    assert second.batch_id == batch.batch_id and second.at is not None


def test_bulk_updated_classrooms_are_logged_as_the_service_logs_them(
    session: Session, actor: Actor
) -> None:
    from inventory.services import classrooms

    add_school(session, actor)
    for room in ("A", "B"):
        classrooms.create_classroom(session, actor, CODE, {"room_code": room, "floor": 1})
    session.commit()
    stamp = session.scalars(sa.select(Classroom.updated_at).where(Classroom.room_code == "B")).one()
    batch = actor.in_batch()
    changes = {"floor": 3, "display": "interactive_panel", "notes": "换了平板"}
    first = session.scalars(sa.select(Classroom).where(Classroom.room_code == "A")).one()
    classrooms.update_classroom(session, batch, first.id, changes)
    bulk = classrooms.ClassroomImport(session, batch)
    stored = bulk.find(CODE, "B")
    assert stored is not None
    bulk.update(stored, changes)
    bulk.flush()
    session.commit()
    session.expire_all()
    _, other = session.scalars(sa.select(Classroom).order_by(Classroom.room_code)).all()
    assert (other.floor, other.display.value, other.notes) == (3, "interactive_panel", "换了平板")
    assert other.updated_at > stamp
    updates = session.scalars(
        sa.select(ChangeRecord).where(ChangeRecord.action == "update").order_by(ChangeRecord.id)
    ).all()
    assert len(updates) == 2

    def comparable(record: ChangeRecord) -> dict[str, Any]:
        values = {
            column.key: getattr(record, column.key)
            for column in ChangeRecord.__table__.columns
            if column.key not in ("id", "at", "object_id", "object_repr")
        }
        for image in ("before", "after"):
            values[image] = {k: v for k, v in values[image].items() if k not in ("id", "room_code")}
        return values

    assert comparable(updates[0]) == comparable(updates[1])
    assert updates[1].object_id == str(other.id) and updates[1].object_repr == repr(other)
