"""Exports are safe to open (OWASP CSV injection): no value becomes a live formula in any
export — schools, campus networks, uplinks, devices, classrooms, the coverage report and gap
list — and export → import still gives back every value exactly."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from inventory.actor import Actor
from inventory.models import (
    CampusNetwork,
    ChangeRecord,
    Classroom,
    Device,
    NetworkLink,
    School,
)
from inventory.spreadsheets import ENTITIES
from inventory.spreadsheets.safety import TRIGGERS, from_csv, to_csv
from tests.conftest import ApiClient
from tests.test_spreadsheets_export import build_inventory, export_bytes
from tests.test_spreadsheets_import import count, run_import

HYPERLINK = '=HYPERLINK("http://x","y")'
# Each would be evaluated by a spreadsheet program if written raw (or, for "'=x", would lose
# its quote on the way back if the exporter did not quote it once more).
VALUES = [HYPERLINK, "-5 楼", "+1 备用", "@SUM(A1:A9)", "=x", "'=x", "''-1+2"]
NOTED = (CampusNetwork, NetworkLink, Device, Classroom)
PLAIN_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")


def hostile_inventory(session: Session, actor: Actor) -> None:
    build_inventory(session, actor)
    names = iter(VALUES * 10)
    for school in session.scalars(sa.select(School)):
        school.name = next(names)
    for model in NOTED:
        for obj in session.scalars(sa.select(model)):
            obj.notes = next(names)
    session.commit()


def assert_no_formula_in_xlsx(content: bytes) -> None:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in archive.read(name) and b"<f " not in archive.read(name)


def assert_no_formula_in_csv(text: str) -> None:
    for row in csv.reader(io.StringIO(text.lstrip("\ufeff"))):
        for cell in row:
            if cell.startswith(TRIGGERS):
                assert PLAIN_NUMBER.fullmatch(cell), cell


@pytest.mark.parametrize("value", [*VALUES, "-5", "+3.5", "\tx", "\rx", "'abc", "", "a=b"])
def test_the_csv_quote_is_taken_off_exactly(value: str) -> None:
    written = to_csv(value)
    assert from_csv(written) == value
    if value.startswith(("=", "@", "\t", "\r")) or value in ("-5 楼", "+1 备用"):
        assert written == "'" + value


def test_plain_numbers_are_not_quoted() -> None:
    assert [to_csv(v) for v in ("-5", "+3.5", "-0.25", 7)] == ["-5", "+3.5", "-0.25", 7]


def test_every_entity_exports_no_live_formula_and_round_trips_exactly(
    session: Session, actor: Actor, tmp_path: Path
) -> None:
    hostile_inventory(session, actor)
    stored = {
        model.__name__: sorted(session.scalars(sa.select(column)).all(), key=str)
        for model, column in [(School, School.name)] + [(m, m.notes) for m in NOTED]
    }
    records = count(session, ChangeRecord)
    for entity in ENTITIES:
        for fmt in ("xlsx", "csv"):
            content = export_bytes(session, actor, entity, fmt)
            if fmt == "xlsx":
                assert_no_formula_in_xlsx(content)
            else:
                assert_no_formula_in_csv(content.decode("utf-8-sig"))
            path = tmp_path / f"{entity.name}.{fmt}"
            path.write_bytes(content)
            result = run_import(session, actor, path)
            assert result.ok, (entity.name, fmt, result.errors)
            assert (result.created, result.updated) == (0, 0), (entity.name, fmt)
    assert count(session, ChangeRecord) == records
    assert {
        model.__name__: sorted(session.scalars(sa.select(column)).all(), key=str)
        for model, column in [(School, School.name)] + [(m, m.notes) for m in NOTED]
    } == stored


def test_the_api_exports_and_coverage_files_hold_no_live_formula(
    api: ApiClient, school: dict[str, Any]
) -> None:
    renamed = api.patch(f"/api/v1/schools/{school['code']}", json={"name": HYPERLINK})
    assert renamed.status_code == 200, renamed.json
    for path in (
        "/api/v1/exports/schools",
        "/api/v1/coverage/gaps",
    ):
        xlsx = api.get(f"{path}.xlsx")
        assert xlsx.status_code == 200, xlsx.get_data(as_text=True)[:300]
        assert_no_formula_in_xlsx(xlsx.data)
        text = api.get(f"{path}.csv").data.decode("utf-8-sig")
        assert "'" + HYPERLINK.replace('"', '""') in text
        assert_no_formula_in_csv(text)
    report = api.get("/api/v1/coverage/report.xlsx")
    assert report.status_code == 200
    assert_no_formula_in_xlsx(report.data)
