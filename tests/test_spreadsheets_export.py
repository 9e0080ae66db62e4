"""Templates and exports: drop-downs and Chinese headers, filters, no secrets, and the round
trip export → (edit) → import that changes nothing but what was edited."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from inventory.actor import Actor
from inventory.choices import CampusArchitecture, DeviceRole, LinkKind
from inventory.errors import InvalidInput
from inventory.models import ChangeRecord, Classroom, Device, NetworkLink
from inventory.secretbox import SecretBox
from inventory.services import campus_networks, classrooms, credentials, devices, links
from inventory.spreadsheets import ENTITIES, Entity, exporter
from inventory.spreadsheets.columns import CLASSROOMS, DEVICES, LINKS, SCHOOLS, Choice, Flag
from tests.conftest import COUNTY, FERNET_KEY, OTHER_COUNTY
from tests.test_spreadsheets_import import add_school, count, run_import

COMMUNITY = "Cmty-spreadsheet-never-shown"


def build_inventory(session: Session, actor: Actor) -> None:
    """Two schools with one of everything, through the services."""
    add_school(
        session,
        actor,
        "2153010001",
        name_en="Lucheng Primary",
        address="楚雄市鹿城镇",
        latitude=Decimal("25.032300"),
        longitude=Decimal("101.546100"),
        students=1200,
        teachers=70,
        ordinary_classrooms=24,
        opened_on=date(1985, 9, 1),
    )
    add_school(session, actor, "2153220001", region_code=OTHER_COUNTY, type_code="342")
    box = SecretBox([FERNET_KEY])
    credential = credentials.create_credential(
        session, actor, box, {"name": "v2c-default", "version": "v2c", "community": COMMUNITY}
    )
    gateway = devices.create_device(
        session,
        actor,
        "2153010001",
        {
            "name": "出口网关",
            "role": DeviceRole.GATEWAY,
            "mgmt_address": "10.53.1.1",
            "credential_id": credential.id,
            "vendor": "华为",
            "sys_object_id": "1.3.6.1.4.1.2011.2.224",
        },
    )
    devices.create_device(
        session,
        actor,
        "2153220001",
        {"name": "核心", "role": "core_switch", "mgmt_address": "2001:db8::1", "snmp_port": 1161,
         "polling_enabled": False, "status": "planned"},
    )  # fmt: skip
    links.create_link(
        session,
        actor,
        "2153010001",
        {"kind": LinkKind.INTERNET, "carrier": "telecom", "medium": "fibre", "down_mbps": 1000,
         "up_mbps": 100, "circuit_id": "CX-DX-0001", "commissioned_on": date(2023, 9, 1),
         "device_id": gateway.id, "interface_name": "GigabitEthernet0/0/1"},
    )  # fmt: skip
    links.create_link(
        session,
        actor,
        "2153220001",
        {"kind": "metro", "medium": "fibre", "down_mbps": 100, "up_mbps": 100,
         "circuit_id": "SB-0002", "decommissioned_on": date(2025, 1, 1)},
    )  # fmt: skip
    for day, architecture in ((date(2019, 9, 1), "copper"), (date(2024, 3, 1), "all_fibre")):
        campus_networks.create_campus_network(
            session,
            actor,
            "2153010001",
            {"architecture": architecture, "commissioned_on": day, "backbone_mbps": 10_000},
        )
    for n in range(1, 6):
        classrooms.create_classroom(
            session,
            actor,
            "2153010001" if n < 5 else "2153220001",
            {
                "room_code": f"1-{n:02d}",
                "building": "教学楼A" if n % 2 else None,
                "floor": n,
                "kind": "computer_lab" if n == 3 else "ordinary",
                "display": "interactive_panel" if n % 2 else "projector",
                "has_teacher_terminal": n != 2,
                "has_audio": True,
                "wired_mbps": 1000 if n < 4 else None,
                "commissioned_on": date(2024, 9, n),
                "notes": '含, 逗号 "引号"\n和换行' if n == 1 else None,
            },
        )
    session.commit()


def export_bytes(session: Session, actor: Actor, entity: Entity, fmt: str, **flt: Any) -> bytes:
    out = io.BytesIO()
    exporter.export(session, actor, entity, exporter.LISTERS[entity.name].filter(**flt), fmt, out)
    return out.getvalue()


# --- templates ------------------------------------------------------------------------------


@pytest.mark.parametrize("entity", ENTITIES, ids=lambda e: e.name)
def test_template_has_chinese_headers_drop_downs_and_an_example(
    tmp_path: Path, entity: Entity
) -> None:
    path = tmp_path / f"{entity.name}.xlsx"
    with path.open("wb") as out:
        exporter.write_template(entity, out)
    book = openpyxl.load_workbook(path)
    try:
        sheet = book.worksheets[0]
        assert sheet.title == entity.title
        headers = [cell.value for cell in sheet[1]]
        assert headers == [column.header for column in entity.columns]
        assert all(any("\u4e00" <= ch <= "\u9fff" for ch in str(h)) for h in headers)
        example = [cell.value for cell in sheet[2]]
        assert example[0] is not None and sheet.max_row == 2
        lists = {
            str(validation.sqref).split(":")[0]: validation.formula1
            for validation in sheet.data_validations.dataValidation
        }
        for index, column in enumerate(entity.columns, 1):
            letter = openpyxl.utils.get_column_letter(index)
            if isinstance(column.field, Choice):
                labels = [member.zh for member in column.field.choice_set]
                assert lists.pop(f"{letter}2") == '"' + ",".join(labels) + '"'
            elif isinstance(column.field, Flag):
                assert lists.pop(f"{letter}2") == '"是,否"'
        assert lists == {}  # a drop-down on every enumerated column, and nowhere else
        assert book.sheetnames == [entity.title, "说明"]
    finally:
        book.close()


def test_every_enum_column_has_a_drop_down_somewhere() -> None:
    enums = {column.field.enum for e in ENTITIES for column in e.columns if isinstance(column.field, Choice)}  # fmt: skip
    assert {e.__name__ for e in enums} >= {
        "CampusArchitecture", "WirelessCoverage", "LinkKind", "Carrier", "LinkMedium",
        "DeviceRole", "DeviceStatus", "ClassroomKind", "DisplayKind",
    }  # fmt: skip


@pytest.mark.parametrize("entity", ENTITIES, ids=lambda e: e.name)
def test_a_template_filled_in_imports(
    session: Session, actor: Actor, tmp_path: Path, entity: Entity
) -> None:
    """The example row is valid data: fill a template as shown and it imports."""
    build_inventory(session, actor)
    path = tmp_path / f"{entity.name}.xlsx"
    with path.open("wb") as out:
        exporter.write_template(entity, out)
    result = run_import(session, actor, path, dry_run=True)
    assert result.entity == entity.name
    assert result.ok, result.errors
    assert result.rows == 1


# --- exports --------------------------------------------------------------------------------


def test_export_round_trip_changes_nothing(session: Session, actor: Actor, tmp_path: Path) -> None:
    build_inventory(session, actor)
    records = count(session, ChangeRecord)
    for entity in ENTITIES:
        for fmt in ("xlsx", "csv"):
            path = tmp_path / f"{entity.name}.{fmt}"
            path.write_bytes(export_bytes(session, actor, entity, fmt))
            result = run_import(session, actor, path)
            assert result.ok, (entity.name, fmt, result.errors)
            assert result.entity == entity.name
            assert (result.created, result.updated) == (0, 0), (entity.name, fmt)
            assert result.unchanged > 0
    assert count(session, ChangeRecord) == records


def test_export_edit_import_changes_only_the_edited_cells(
    session: Session, actor: Actor, tmp_path: Path
) -> None:
    build_inventory(session, actor)
    path = tmp_path / "rooms.xlsx"
    path.write_bytes(export_bytes(session, actor, CLASSROOMS, "xlsx"))
    book = openpyxl.load_workbook(path)
    sheet = book.worksheets[0]
    headers = [cell.value for cell in sheet[1]]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[1].value == "1-02")
    row[headers.index("有线接入(Mbps)")].value = 300
    row[headers.index("显示设备")].value = "交互式智能平板"
    sheet.append(["2153010001", "9-99", None, 9])  # a new room, the rest default
    book.save(path)
    book.close()
    result = run_import(session, actor, path)
    assert (result.created, result.updated, result.unchanged) == (1, 1, 4)
    edited = session.scalars(sa.select(Classroom).where(Classroom.room_code == "1-02")).one()
    assert edited.wired_mbps == 300 and edited.display.value == "interactive_panel"
    changes = session.scalars(
        sa.select(ChangeRecord).where(ChangeRecord.batch_id == result.written_batch)
    ).all()
    assert sorted(c.action.value for c in changes) == ["create", "update"]


def test_export_follows_the_list_filters(session: Session, actor: Actor) -> None:
    build_inventory(session, actor)
    county = export_bytes(session, actor, CLASSROOMS, "csv", region=COUNTY)
    lines = list(csv.reader(io.StringIO(county.decode("utf-8-sig"))))
    assert lines[0][:2] == ["学校标识码", "教室编号"]
    assert [line[1] for line in lines[1:]] == ["1-01", "1-02", "1-03", "1-04"]
    labs = export_bytes(session, actor, CLASSROOMS, "csv", kind="computer_lab")
    assert len(labs.decode("utf-8-sig").strip().splitlines()) == 2
    other = export_bytes(session, actor, SCHOOLS, "csv", region=OTHER_COUNTY)
    assert [line[0] for line in csv.reader(io.StringIO(other.decode("utf-8-sig")))][1:] == [
        "2153220001"
    ]


def test_export_of_many_pages_is_complete_and_ordered(
    session: Session, actor: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    build_inventory(session, actor)
    monkeypatch.setattr(exporter, "PAGE_SIZE", 2)
    data = export_bytes(session, actor, CLASSROOMS, "csv")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))[1:]
    assert [row[1] for row in rows] == ["1-01", "1-02", "1-03", "1-04", "1-05"]


def test_device_export_names_the_credential_and_holds_no_secret(
    session: Session, actor: Actor
) -> None:
    build_inventory(session, actor)
    for fmt in ("xlsx", "csv"):
        data = export_bytes(session, actor, DEVICES, fmt)
        texts = [data]
        if fmt == "xlsx":
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                texts = [archive.read(name) for name in archive.namelist()]
        joined = b"".join(texts)
        assert COMMUNITY.encode() not in joined
        assert b"gAAAA" not in joined  # no Fernet token either
        assert b"v2c-default" in joined
    rows = list(csv.reader(io.StringIO(export_bytes(session, actor, DEVICES, "csv").decode("utf-8-sig"))))  # fmt: skip
    header = rows[0]
    assert "SNMP凭据" in header and not any("community" in h.lower() for h in header)


def test_links_refer_to_their_device_by_address(session: Session, actor: Actor) -> None:
    build_inventory(session, actor)
    data = export_bytes(session, actor, LINKS, "csv").decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(data)))
    header = rows[0]
    first = dict(zip(header, rows[1], strict=True))
    assert first["电路编号"] == "CX-DX-0001"
    assert first["链路类型"] == "互联网" and first["运营商"] == "电信"
    assert first["承载设备管理地址"] == "10.53.1.1"
    assert first["开通日期"] == "2023-09-01"


def test_link_rows_are_checked_against_devices_and_schools(
    session: Session, actor: Actor, tmp_path: Path
) -> None:
    build_inventory(session, actor)
    header = ["学校标识码", "电路编号", "链路类型", "运营商", "接入介质", "下行带宽(Mbps)",
              "上行带宽(Mbps)", "承载设备管理地址", "承载接口"]  # fmt: skip
    rows = [
        header,
        ["2153220001", "CX-DX-0001", "互联网", "电信", "光纤", 1000, 100, None, None],
        ["2153220001", "NEW-1", "互联网", None, "光纤", 100, 100, None, None],
        ["2153220001", "NEW-2", "教育城域网", None, "光纤", 100, 100, "10.53.1.1", "Gi0/1"],
        ["2153220001", "NEW-3", "教育城域网", None, "光纤", 100, 100, "10.9.9.9", "Gi0/1"],
    ]
    from tests.test_spreadsheets_import import write_xlsx

    result = run_import(session, actor, write_xlsx(tmp_path / "links.xlsx", rows))
    found = [(e.row, e.column, e.message) for e in result.errors]
    assert found[0][:2] == (2, "学校标识码") and "cannot move it to another school" in found[0][2]
    assert found[1] == (3, "运营商", "is required for an internet link")
    assert found[2][:2] == (4, "承载设备管理地址") and "belongs to another school" in found[2][2]
    assert found[3] == (5, "承载设备管理地址", "no device has the address 10.9.9.9 (import devices first)")  # fmt: skip
    assert count(session, NetworkLink) == 2


def test_device_rows_resolve_credentials_by_name(
    session: Session, actor: Actor, tmp_path: Path
) -> None:
    build_inventory(session, actor)
    from tests.test_spreadsheets_import import write_xlsx

    rows = [
        ["学校标识码", "管理地址", "设备名称", "设备角色", "SNMP凭据"],
        ["2153220001", "10.53.2.1", "接入1", "接入交换机", "v2c-default"],
        ["2153220001", "10.53.2.2", "接入2", "接入交换机", "no-such-profile"],
        ["2153220001", "010.53.2.3", "接入3", "接入交换机", None],
    ]
    result = run_import(session, actor, write_xlsx(tmp_path / "devices.xlsx", rows))
    assert [(e.row, e.column, e.message) for e in result.errors] == [
        (3, "SNMP凭据", "no SNMP credential profile named 'no-such-profile'"),
        (4, "管理地址", "must be an IPv4 or IPv6 address"),
    ]
    del rows[2:]
    result = run_import(session, actor, write_xlsx(tmp_path / "ok.xlsx", rows))
    assert result.ok and result.created == 1
    device = session.scalars(sa.select(Device).where(Device.mgmt_address == "10.53.2.1")).one()
    assert device.credential is not None and device.credential.name == "v2c-default"


def test_campus_network_history_round_trips_as_rows(session: Session, actor: Actor) -> None:
    build_inventory(session, actor)
    data = export_bytes(session, actor, ENTITIES[1], "csv").decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(data)))
    assert [row[:3] for row in rows[1:]] == [
        ["2153010001", "2019-09-01", CampusArchitecture.COPPER.zh],
        ["2153010001", "2024-03-01", CampusArchitecture.ALL_FIBRE.zh],
    ]


def test_filters_from_text_for_the_command_line() -> None:
    flt = exporter.make_filter(
        CLASSROOMS, {"region": COUNTY, "kind": "计算机教室", "status": "在用"}
    )
    assert (flt.region, flt.kind.value, flt.status.value) == (COUNTY, "computer_lab", "active")
    links_flt = exporter.make_filter(LINKS, {"monitored": "是", "carrier": "telecom"})
    assert links_flt.monitored is True and links_flt.carrier.value == "telecom"
    schools_flt = exporter.make_filter(SCHOOLS, {"types": "211, 218"})
    assert schools_flt.types == ("211", "218")
    with pytest.raises(InvalidInput) as caught:
        exporter.make_filter(SCHOOLS, {"kind": "x", "status": "sometimes"})
    assert set(caught.value.fields) == {"kind", "status"}
