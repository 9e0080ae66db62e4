"""Each field's rules are said once, in the field tables next to the models: change one limit
there and the API, a sheet import, the page forms, the services and the standard loader all
follow it, with the messages each of them always gave."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from inventory import fieldspec
from inventory.actor import Actor
from inventory.choices import LinkKind, LinkMedium
from inventory.db import make_sessionmaker
from inventory.errors import InvalidInput
from inventory.models import Base, School
from inventory.models.network import CREDENTIAL_FIELDS, DEVICE_FIELDS, LINK_FIELDS
from inventory.models.schools import CLASSROOM_FIELDS, SCHOOL_FIELDS
from inventory.services import links
from inventory.spreadsheets.columns import ENTITIES, Int
from inventory.standards import loader
from tests import dash_fixture
from tests.conftest import FERNET_KEY, ApiClient, make_token, school_data
from tests.dash_fixture import NOW, DashData
from tests.test_api_imports import upload
from tests.test_dashboards import csrf, login
from tests.test_spreadsheets_import import SCHOOL_HEADER, write_xlsx

NEW_CODE = "2123019990"


@pytest.fixture
def dash(engine: Engine, app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[DashData]:
    monkeypatch.setitem(app.config, "CLOCK", lambda: NOW)
    with make_sessionmaker(engine)() as db:
        data = dash_fixture.build(db, FERNET_KEY)
        db.commit()
    yield data


def _api_errors(api: ApiClient, dash: DashData, students: int) -> Any:
    body = school_data(code=NEW_CODE, region_code=dash.county, students=students)
    return api.post("/api/v1/schools", json=body)


def _sheet_errors(api: ApiClient, dash: DashData, tmp_path: Path, students: int) -> Any:
    row = [NEW_CODE, "测试小学", "211", dash.county, students, "2001-09-01"]
    path = write_xlsx(tmp_path / f"schools-{students}.xlsx", [SCHOOL_HEADER, row])
    return upload(api, path, dry_run="true", entity="schools")


def _form_page(app: Flask, dash: DashData, students: int, lang: str) -> tuple[int, str]:
    client = login(app)
    path = f"/forms/schools/new?lang={lang}"
    answer = client.post(
        path,
        data={
            "csrf_token": csrf(client, path),
            "code": NEW_CODE,
            "name": "",  # keeps the form from saving whatever the students say
            "type_code": "211",
            "region_code": dash.county,
            "students": str(students),
        },
    )
    return answer.status_code, answer.get_data(as_text=True)


def test_one_limit_changed_in_its_table_moves_the_api_the_import_and_the_form(
    app: Flask, engine: Engine, dash: DashData, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    api = ApiClient(app.test_client(), make_token(engine, "api-admin"))
    # As shipped, 60 students is fine everywhere.
    assert _sheet_errors(api, dash, tmp_path, 60).status_code == 200
    assert 'id="err-students"' not in _form_page(app, dash, 60, "en")[1]

    monkeypatch.setattr(SCHOOL_FIELDS.rule("students"), "high", 50)

    answer = _api_errors(api, dash, 60)
    assert answer.status_code == 422
    assert answer.json["errors"]["students"] == [
        "Must be greater than or equal to 0 and less than or equal to 50."
    ]
    sheet = _sheet_errors(api, dash, tmp_path, 60)
    assert sheet.status_code == 422
    assert [(e["row"], e["column"], e["message"]) for e in sheet.json["row_errors"]] == [
        (2, "在校生数", "must be between 0 and 50")
    ]
    status, page = _form_page(app, dash, 60, "en")
    assert status == 422
    assert (
        'id="err-students">Must be greater than or equal to 0 and less than or equal to 50.</p>'
        in page
    )
    assert 'id="err-students">必须在 0 到 50 之间。</p>' in _form_page(app, dash, 60, "zh")[1]
    # The new limit lets through what it allows: 50 is fine in the sheet.
    assert _sheet_errors(api, dash, tmp_path, 50).status_code == 200
    with make_sessionmaker(engine)() as db:
        assert db.scalar(sa.select(School.id).where(School.code == NEW_CODE)) is None


def test_the_shared_bandwidth_rule_moves_the_service_and_the_standard_loader(
    session: Session, actor: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert LINK_FIELDS.rule("down_mbps") is fieldspec.BANDWIDTH
    assert CLASSROOM_FIELDS.rule("wired_mbps") is fieldspec.BANDWIDTH
    loader.parse(loader.default_source())  # the shipped standard asks for 1000 Mbps
    monkeypatch.setattr(fieldspec.BANDWIDTH, "high", 500)
    with pytest.raises(InvalidInput) as raised:
        loader.parse(loader.default_source())
    assert "must be from 1 to 500 Mbps" in [m for ms in raised.value.fields.values() for m in ms]
    errors: dict[str, list[str]] = {}
    with pytest.raises(InvalidInput) as refused:
        links._check(
            session,
            actor,
            {"kind": LinkKind.METRO, "medium": LinkMedium.FIBRE, "down_mbps": 600, "up_mbps": 1},
            errors,
            school_id=1,
            link_id=None,
        )
    assert refused.value.fields["down_mbps"] == ["must be between 1 and 500 Mbps"]


def test_models_take_their_column_types_from_the_field_tables() -> None:
    tables: dict[str, fieldspec.FieldTable] = {
        "school": SCHOOL_FIELDS,
        "classroom": CLASSROOM_FIELDS,
        "device": DEVICE_FIELDS,
        "network_link": LINK_FIELDS,
    }
    checked = 0
    for name, table in tables.items():
        columns = Base.metadata.tables[name].c
        for key, field in table.items():
            rule = field.rule
            if isinstance(rule, fieldspec.Text | fieldspec.Digits | fieldspec.Address):
                assert columns[key].type.length == rule.max_length, (name, key)  # type: ignore[attr-defined]
                checked += 1
            if field.required or field.has_default:
                assert not columns[key].nullable, (name, key)
    assert checked >= 20


def test_sheet_columns_read_the_rules_they_were_made_from() -> None:
    """No sheet column carries a number of its own: every range is a rule of a table."""
    rules = {
        id(f.rule)
        for table in (SCHOOL_FIELDS, CLASSROOM_FIELDS, DEVICE_FIELDS, LINK_FIELDS)
        for f in table.values()
    }
    ints = [c.field for e in ENTITIES for c in e.columns if isinstance(c.field, Int)]
    assert ints and all(id(field.rule) in rules for field in ints)


def test_no_module_restates_a_limit_of_the_field_tables() -> None:
    """The numbers that were copied into four places now stand only in the tables."""
    root = Path(__file__).resolve().parent.parent
    restated = re.compile(
        r"400_000|\b65535\b|date\(1900|date\(2100|Count\(\d|Text\((10|6|3|32|64|128|200|500)\b"
    )
    found = []
    for folder in ("api", "dashboards", "inventory/services", "inventory/spreadsheets"):
        for path in sorted((root / folder).rglob("*.py")):
            for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
                if restated.search(line) and "Text(64, metadata" not in line:
                    found.append(f"{path.relative_to(root)}:{number}: {line.strip()}")
    found += [
        f"inventory/standards/loader.py: {line.strip()}"
        for line in (root / "inventory/standards/loader.py").read_text("utf-8").splitlines()
        if "400_000" in line or re.search(r"check\.text\([^)]*\d+\)", line)
    ]
    assert found == []
    assert CREDENTIAL_FIELDS.rule("auth_key").min_length == 8
