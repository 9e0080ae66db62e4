"""API tests of /api/v1/imports (multipart upload), /api/v1/templates and /api/v1/exports."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import openpyxl
from flask import Flask
from sqlalchemy.engine import Engine

from inventory.choices import UserRole
from tests.conftest import COUNTY, OTHER_COUNTY, ApiClient, client_for, school_data
from tests.test_spreadsheets_import import ROOM_HEADER, write_csv, write_xlsx

IMPORTS = "/api/v1/imports"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def upload(api: ApiClient, path: Path, **query: Any) -> Any:
    with path.open("rb") as source:
        return api.post(
            IMPORTS,
            data={"file": (source, path.name)},
            content_type="multipart/form-data",
            query_string=query,
        )


def rooms(code: str, count: int, start: int = 1) -> list[list[Any]]:
    return [
        [code, f"{n:03d}", "教学楼A", 1, "普通教室", "交互式智能平板", "是"]
        for n in range(start, start + count)
    ]


def classroom_count(api: ApiClient) -> int:
    count: int = api.get("/api/v1/classrooms", query_string={"per_page": 1}).json["count"]
    return count


def change_count(api: ApiClient) -> int:
    count: int = api.get("/api/v1/changes", query_string={"per_page": 1}).json["count"]
    return count


def test_multipart_upload_imports_and_counts(
    api: ApiClient, school: dict[str, Any], tmp_path: Path
) -> None:
    path = write_xlsx(tmp_path / "rooms.xlsx", [ROOM_HEADER, *rooms(school["code"], 12)])
    response = upload(api, path)
    assert response.status_code == 200, response.json
    body = response.json
    assert body["entity"] == "classrooms" and body["committed"] is True
    assert (body["created"], body["updated"], body["unchanged"]) == (12, 0, 0)
    assert body["row_errors"] == [] and body["batch_id"]
    assert classroom_count(api) == 12
    batch = api.get("/api/v1/changes", query_string={"batch_id": body["batch_id"]}).json
    assert batch["count"] == 12
    changes = change_count(api)
    again = upload(api, path).json
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 12)
    assert again["batch_id"] is None
    assert change_count(api) == changes


def test_dry_run_reports_and_writes_nothing(
    api: ApiClient, school: dict[str, Any], tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "rooms.csv", [ROOM_HEADER, *rooms(school["code"], 3)], "gbk")
    response = upload(api, path, dry_run="true", entity="classrooms")
    assert response.status_code == 200
    assert (response.json["created"], response.json["committed"]) == (3, False)
    assert classroom_count(api) == 0


def test_bad_rows_answer_422_with_every_row_and_write_nothing(
    api: ApiClient, school: dict[str, Any], tmp_path: Path
) -> None:
    data = rooms(school["code"], 50)
    data[9][3] = "ten"  # row 11
    data[19][0] = "2153019999"  # row 21: no such school
    data[29][4] = "礼堂"  # row 31: no such kind
    data[39] = list(data[38])  # row 41: same room as row 40
    path = write_xlsx(tmp_path / "rooms.xlsx", [ROOM_HEADER, *data])
    for dry_run in ("false", "true"):
        response = upload(api, path, dry_run=dry_run)
        assert response.status_code == 422
        body = response.json
        assert body["code"] == 422 and "nothing was imported" in body["message"]
        assert body["bad_rows"] == 4 and body["error_count"] == 4
        assert [(e["row"], e["column"], e["cell"], e["value"]) for e in body["row_errors"]] == [
            (11, "楼层", "D11", "ten"),
            (21, "学校标识码", "A21", "2153019999"),
            (31, "教室类型", "E31", "礼堂"),
            (41, "教室编号", "B41", "039"),
        ]
        assert all(e["message"] for e in body["row_errors"])
        assert body["committed"] is False and body["batch_id"] is None
    assert classroom_count(api) == 0


def test_a_file_that_is_not_a_spreadsheet_is_a_json_error(api: ApiClient, tmp_path: Path) -> None:
    pdf = tmp_path / "scan.pdf"
    pdf.write_bytes(b"%PDF-1.7\n\x00\x00\x00 binary")
    response = upload(api, pdf)
    assert response.status_code == 422
    assert response.is_json
    assert "neither an Excel workbook (.xlsx) nor a CSV" in response.json["message"]
    assert response.json["errors"] == {"file": [response.json["message"]]}
    missing = api.post(IMPORTS, data={}, content_type="multipart/form-data")
    assert missing.status_code == 422 and "file" in missing.json["errors"]
    as_json = api.post(IMPORTS, json={"file": "rooms.xlsx"})
    assert as_json.status_code == 422 and "file" in as_json.json["errors"]
    wrong = upload(api, pdf, entity="teachers")
    assert wrong.status_code == 422 and "entity" in wrong.json["errors"]


def test_a_viewer_cannot_import_but_may_export(
    app: Flask, engine: Engine, api: ApiClient, school: dict[str, Any], tmp_path: Path
) -> None:
    viewer = client_for(app, engine, "viewer", UserRole.VIEWER)
    path = write_xlsx(tmp_path / "rooms.xlsx", [ROOM_HEADER, *rooms(school["code"], 1)])
    response = upload(viewer, path, dry_run="true")
    assert response.status_code == 403 and response.is_json
    assert viewer.get("/api/v1/exports/schools.csv").status_code == 200
    assert viewer.get("/api/v1/templates/schools.xlsx").status_code == 200


def test_a_region_admin_imports_only_into_its_region(
    app: Flask, engine: Engine, api: ApiClient, school: dict[str, Any], tmp_path: Path
) -> None:
    other = api.post(
        "/api/v1/schools",
        json=school_data(code="2153220001", region_code=OTHER_COUNTY, type_code="342"),
    ).json
    admin = client_for(app, engine, "shuangbai", UserRole.REGION_ADMIN, region=OTHER_COUNTY)
    data = [ROOM_HEADER, *rooms(other["code"], 2), *rooms(school["code"], 1, start=9)]
    response = upload(admin, write_xlsx(tmp_path / "rooms.xlsx", data))
    assert response.status_code == 422
    assert [(e["row"], e["column"]) for e in response.json["row_errors"]] == [(4, "学校标识码")]
    assert "no school with code" in response.json["row_errors"][0]["message"]
    response = upload(admin, write_xlsx(tmp_path / "mine.xlsx", data[:3]))
    assert response.status_code == 200 and response.json["created"] == 2


def test_template_download_has_chinese_headers_and_drop_downs(
    api: ApiClient, anon: ApiClient
) -> None:
    response = api.get("/api/v1/templates/classrooms.xlsx")
    assert response.status_code == 200
    assert response.mimetype == XLSX
    assert "attachment" in response.headers["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    try:
        sheet = book.worksheets[0]
        assert [cell.value for cell in sheet[1]][:3] == ["学校标识码", "教室编号", "楼栋"]
        formulas = {v.formula1 for v in sheet.data_validations.dataValidation}
        assert '"普通教室,实验室,计算机教室,多功能教室,其他"' in formulas
        assert '"是,否"' in formulas
    finally:
        book.close()
    missing = api.get("/api/v1/templates/teachers.xlsx")
    assert missing.status_code == 404 and "schools, campus-networks" in missing.json["message"]
    assert anon.get("/api/v1/templates/classrooms.xlsx").status_code == 401


def test_export_takes_the_list_filters_and_round_trips(
    api: ApiClient, school: dict[str, Any], tmp_path: Path
) -> None:
    api.post(
        "/api/v1/schools",
        json=school_data(code="2153220001", region_code=OTHER_COUNTY, type_code="342"),
    )
    for code, room in ((school["code"], "101"), (school["code"], "102"), ("2153220001", "201")):
        created = api.post(f"/api/v1/schools/{code}/classrooms", json={"room_code": room})
        assert created.status_code == 201
    changes = change_count(api)
    response = api.get("/api/v1/exports/classrooms.xlsx", query_string={"region": COUNTY})
    assert response.status_code == 200 and response.mimetype == XLSX
    assert "classrooms-" in response.headers["Content-Disposition"]
    path = tmp_path / "export.xlsx"
    path.write_bytes(response.data)
    book = openpyxl.load_workbook(path, read_only=True)
    assert [row[1] for row in book.worksheets[0].iter_rows(min_row=2, values_only=True)] == [
        "101",
        "102",
    ]
    book.close()
    result = upload(api, path).json
    assert (result["created"], result["updated"], result["unchanged"]) == (0, 0, 2)
    csv_response = api.get("/api/v1/exports/schools.csv", query_string={"type": "342"})
    assert csv_response.status_code == 200
    assert csv_response.mimetype == "text/csv"
    text = csv_response.data.decode("utf-8-sig").splitlines()
    assert text[0].startswith("学校标识码,学校名称") and len(text) == 2
    path = tmp_path / "schools.csv"
    path.write_bytes(csv_response.data)
    assert upload(api, path).json["unchanged"] == 1
    assert change_count(api) == changes


def test_export_errors_are_json(api: ApiClient) -> None:
    bad_filter = api.get("/api/v1/exports/classrooms.csv", query_string={"region": "5323"})
    assert bad_filter.status_code == 422 and "region" in bad_filter.json["errors"]
    no_such_region = api.get("/api/v1/exports/classrooms.csv", query_string={"region": "999999"})
    assert no_such_region.status_code == 422
    assert api.get("/api/v1/exports/classrooms.pdf").status_code == 404
    assert api.get("/api/v1/exports/teachers.csv").status_code == 404


def test_openapi_documents_the_spreadsheet_routes(api: ApiClient) -> None:
    spec = api.get("/api/v1/openapi.json").json
    upload_op = spec["paths"]["/api/v1/imports"]["post"]
    assert "multipart/form-data" in upload_op["requestBody"]["content"]
    assert {"200", "422"} <= set(upload_op["responses"])
    assert "/api/v1/templates/{entity}.xlsx" in spec["paths"]
    path = spec["paths"]["/api/v1/exports/classrooms.{fmt}"]
    names = {p["name"] for p in path["get"]["parameters"] + path.get("parameters", [])}
    assert {"region", "school", "kind", "status", "fmt"} <= names
    assert not {"page", "per_page", "sort"} & names
