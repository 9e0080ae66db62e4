"""Coverage over HTTP: reports, exports, evaluations, gaps, trends, standards, plans, reports —
with what each bad input gets."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from flask import Flask
from openpyxl import load_workbook
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from inventory.choices import UserRole
from inventory.coverage import targets
from inventory.standards.loader import default_source, default_standard
from tests.conftest import ApiClient, client_for
from tests.coverage_fixture import A, B, C, build

D1 = "2024-06-30"


@pytest.fixture
def inventory(session: Session) -> Any:
    built = build(session)
    session.commit()
    return built


def _error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)
    body: dict[str, Any] = response.json
    assert body["code"] == status and body["message"]
    return body


def test_report(api: ApiClient, inventory: Any) -> None:
    response = api.get(f"/api/v1/coverage?region=532300&as_of={D1}")
    assert response.status_code == 200
    body = response.json
    assert body["standard"]["version"] == default_standard().version
    a = next(r for r in body["by_region"] if r["region"]["code"] == A)
    assert a["schools"] == 6 and a["digital_campus_rate"] == 0.5
    c = next(r for r in body["by_region"] if r["region"]["code"] == C)
    assert c["digital_campus_rate"] is None
    assert body["kindergartens"]["totals"]["schools"] == 1
    staged = api.get(f"/api/v1/coverage?region=532300&as_of={D1}&stage=secondary&stage=vocational")
    assert staged.json["totals"]["schools"] == 3


@pytest.mark.parametrize(
    ("query", "status", "field"),
    [
        ("as_of=yesterday", 422, "as_of"),
        ("as_of=1800-01-01", 422, "as_of"),
        ("region=53", 422, "region"),
        ("stage=kindergarten", 422, "stage"),
        ("region=999999", 404, None),
        ("standard=nope", 404, None),
    ],
)
def test_report_bad_input(
    api: ApiClient, inventory: Any, query: str, status: int, field: str | None
) -> None:
    body = _error(api.get(f"/api/v1/coverage?{query}"), status)
    if field:
        assert field in body["errors"]


def test_scoped_accounts(app: Flask, engine: Engine, inventory: Any) -> None:
    county_admin = client_for(app, engine, "cb", UserRole.REGION_ADMIN, region=B)
    own = county_admin.get(f"/api/v1/coverage?as_of={D1}")
    assert own.status_code == 200 and own.json["region"]["code"] == B
    _error(county_admin.get(f"/api/v1/coverage?region={A}"), 404)
    _error(county_admin.get("/api/v1/coverage?region=532300"), 404)
    code_a = inventory.schools["S1"].code
    _error(county_admin.get(f"/api/v1/coverage/schools/{code_a}"), 404)
    _error(county_admin.get(f"/api/v1/coverage/gaps?region={A}"), 404)
    viewer = client_for(app, engine, "va", UserRole.VIEWER, region=A)
    assert (
        viewer.get(
            "/api/v1/coverage/trend?metric=all_fibre_rate&from=2025-01-01&to=2025-02-01"
        ).json["region"]["code"]
        == A
    )
    _error(viewer.get(f"/api/v1/coverage/report.xlsx?region={B}"), 404)
    _error(viewer.post("/api/v1/reports", json={"as_of": D1}), 403)


def test_xlsx_export_sheets_headers_numbers(api: ApiClient, inventory: Any) -> None:
    response = api.get(f"/api/v1/coverage/report.xlsx?region=532300&as_of={D1}")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == [
        "说明",
        "总览",
        "按区域",
        "按学段",
        "区域×学段",
        "区县排名",
        "幼儿园",
    ]
    sheet = book["按区域"]
    header = [c.value for c in sheet[1]]
    assert header[:4] == ["区划代码", "区域", "区域（英文）", "在范围学校数"]
    rows = {r[0]: r for r in sheet.iter_rows(min_row=2, values_only=True)}
    rate = header.index("数字校园覆盖率（申报）")
    assert rows[A][3] == 6 and rows[A][rate] == 0.5 and isinstance(rows[A][rate], float)
    assert rows[C][rate] == "n/a"
    english = load_workbook(
        io.BytesIO(api.get(f"/api/v1/coverage/report.xlsx?region=532300&as_of={D1}&lang=en").data)
    )
    assert "By region" in english.sheetnames
    assert english["By region"]["D1"].value == "schools in scope"
    _error(api.get("/api/v1/coverage/report.xlsx?lang=fr"), 422)


def test_csv_export_and_gap_list(api: ApiClient, inventory: Any) -> None:
    response = api.get(
        f"/api/v1/coverage/report.csv?region=532300&as_of={D1}&breakdown=counties&lang=en"
    )
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:2] == ["rank", "region code"]
    assert rows[1][1] in (A, B)
    _error(api.get("/api/v1/coverage/report.csv?breakdown=nope"), 422)
    gaps = api.get(f"/api/v1/coverage/gaps?region={B}&as_of={D1}&per_page=1")
    assert gaps.status_code == 200 and gaps.json["count"] == 2 and len(gaps.json["results"]) == 1
    sheet = load_workbook(
        io.BytesIO(api.get(f"/api/v1/coverage/gaps.xlsx?region={B}&as_of={D1}").data)
    ).active
    assert sheet is not None
    assert next(c.value for c in sheet[1]) == "学校标识码" and sheet.max_row == 3
    text = api.get(f"/api/v1/coverage/gaps.csv?region={B}&as_of={D1}&lang=en").get_data(
        as_text=True
    )
    assert "no campus network registered" in text


def test_school_evaluation(api: ApiClient, inventory: Any) -> None:
    code = inventory.schools["S4"].code
    body = api.get(f"/api/v1/coverage/schools/{code}?as_of={D1}").json
    assert body["declared"]["tier"] == "basic"
    assert body["declared"]["reasons"][0]["en"] == "uplink 100 Mbps < 1000 Mbps required"
    _error(api.get("/api/v1/coverage/schools/0000000000"), 404)
    _error(api.get(f"/api/v1/coverage/schools/{code}?as_of=x"), 422)


def test_trend_bad_input(api: ApiClient, inventory: Any) -> None:
    assert (
        "metric"
        in _error(api.get("/api/v1/coverage/trend?from=2025-01-01&to=2025-03-01"), 422)["errors"]
    )
    assert (
        "to"
        in _error(
            api.get("/api/v1/coverage/trend?metric=all_fibre_rate&from=2025-03-01&to=2025-01-01"),
            422,
        )["errors"]
    )
    _error(api.get("/api/v1/coverage/trend?metric=speed&from=2025-01-01&to=2025-03-01"), 422)
    ok = api.get(
        "/api/v1/coverage/trend?metric=all_fibre_rate&from=2024-05-01&to=2024-06-30&region=532300"
    )
    assert [p["value"] for p in ok.json["points"]] == [0.625, 0.625]  # 5 of 8 counted schools


def test_a_trend_sends_the_from_and_to_dates_it_was_asked_for(
    api: ApiClient, inventory: Any
) -> None:
    # "from" is documented in the OpenAPI document; it was first sent when the results became
    # typed (the schema read an attribute the old dict never had).
    body = api.get(
        "/api/v1/coverage/trend?metric=all_fibre_rate&from=2024-05-15&to=2024-06-30&region=532300"
    ).json
    assert (body["from"], body["to"]) == ("2024-05-15", "2024-06-30")  # as asked, not month ends
    assert [p["date"] for p in body["points"]] == ["2024-05-31", "2024-06-30"]


def test_standards(app: Flask, engine: Engine, api: ApiClient, inventory: Any) -> None:
    listed = api.get("/api/v1/standards").json["results"]
    assert [s["version"] for s in listed] == [default_standard().version]
    assert listed[0]["current"] is True and "uplink_mbps" in listed[0]["source"]
    strict = (
        default_source()
        .replace('version = "dc-2023.1"', 'version = "dc-2026.1"')
        .replace("[tiers.basic]\nuplink_mbps = 100", "[tiers.basic]\nuplink_mbps = 1000")
    )
    viewer = client_for(app, engine, "v", UserRole.VIEWER)
    _error(viewer.post("/api/v1/standards", json={"source": strict}), 403)
    bad = api.post(
        "/api/v1/standards",
        json={
            "source": strict.replace("classroom_ratio = 0.8", "classroom_ratio = 8").replace(
                '"copper"]', '"wood"]'
            )
        },
    )
    errors = _error(bad, 422)["errors"]
    assert "tiers.basic.classroom_ratio" in errors and "tiers.basic.campus" in errors
    _error(api.post("/api/v1/standards", json={"source": "version = "}), 422)
    _error(api.post("/api/v1/standards", json={}), 422)
    assert api.get("/api/v1/standards").json["results"][-1]["version"] == "dc-2023.1"
    created = api.post("/api/v1/standards", json={"source": strict})
    assert created.status_code == 201 and created.json["current"] is True
    _error(api.post("/api/v1/standards", json={"source": strict}), 409)
    report = api.get(f"/api/v1/coverage?region={A}&as_of={D1}").json
    assert report["standard"]["version"] == "dc-2026.1"
    # S2 and S4 (100 Mbps primary schools) fall from basic to none under the new version.
    assert report["totals"]["tiers_declared"]["basic"] == 0
    old = api.get(f"/api/v1/coverage?region={A}&as_of={D1}&standard=dc-2023.1").json
    assert old["totals"]["tiers_declared"]["basic"] == 2
    assert api.get("/api/v1/standards/dc-2026.1").status_code == 200
    _error(api.get("/api/v1/standards/none"), 404)


def test_plans_and_progress(
    app: Flask, engine: Engine, api: ApiClient, session: Session, inventory: Any
) -> None:
    plan = targets.load_default_plan(session)
    session.commit()
    assert plan is not None
    listed = api.get("/api/v1/plans").json["results"]
    assert listed[0]["code"] == "chuxiong-2023-2025" and len(listed[0]["milestones"]) == 13
    added = api.post(
        f"/api/v1/plans/{plan.id}/milestones",
        json={
            "metric": "digital_campus_rate",
            "region_code": A,
            "due_on": "2024-06-30",
            "value": 0.5,
        },
    )
    assert added.status_code == 201
    milestone_id = added.json["id"]
    assert (
        "value"
        in _error(
            api.post(
                f"/api/v1/plans/{plan.id}/milestones",
                json={"metric": "all_fibre_rate", "due_on": "2025-01-01", "value": 2},
            ),
            422,
        )["errors"]
    )
    assert (
        "region_code"
        in _error(
            api.post(
                f"/api/v1/plans/{plan.id}/milestones",
                json={
                    "metric": "all_fibre_rate",
                    "due_on": "2025-01-01",
                    "value": 0.5,
                    "region_code": "999999",
                },
            ),
            422,
        )["errors"]
    )
    _error(
        api.post(
            "/api/v1/plans/999/milestones",
            json={"metric": "all_fibre_rate", "due_on": "2025-01-01", "value": 0.5},
        ),
        404,
    )
    progress = api.get(f"/api/v1/plans/{plan.id}/progress").json
    mine = next(m for m in progress["milestones"] if m["id"] == milestone_id)
    assert mine["status"] == "met" and mine["value_at_due"] == 0.5
    patched = api.patch(f"/api/v1/milestones/{milestone_id}", json={"value": 0.75})
    assert patched.status_code == 200 and patched.json["value"] == 0.75
    again = api.get(f"/api/v1/plans/{plan.id}/progress").json
    assert next(m for m in again["milestones"] if m["id"] == milestone_id)["status"] == "not_met"
    county_b = client_for(app, engine, "cb2", UserRole.REGION_ADMIN, region=B)
    assert county_b.get(f"/api/v1/plans/{plan.id}/progress").json["milestones"] == []
    _error(county_b.patch(f"/api/v1/milestones/{milestone_id}", json={"value": 0.1}), 403)
    assert api.delete(f"/api/v1/milestones/{milestone_id}").status_code == 204
    _error(api.get(f"/api/v1/milestones/{milestone_id}"), 404)
    _error(
        api.post(
            "/api/v1/plans",
            json={"code": "chuxiong-2023-2025", "name_zh": "x", "name_en": "x", "region_code": A},
        ),
        409,
    )


def test_publish_and_retrieve(app: Flask, engine: Engine, api: ApiClient, inventory: Any) -> None:
    response = api.post("/api/v1/reports", json={"as_of": D1, "region": "532300"})
    assert response.status_code == 201
    snapshot = response.json
    assert (
        snapshot["standard_version"] == "dc-2023.1" and snapshot["report"]["totals"]["schools"] == 8
    )
    listed = api.get("/api/v1/reports").json
    assert listed["count"] == 1 and "report" not in listed["results"][0]
    again = api.get(f"/api/v1/reports/{snapshot['id']}").json
    assert again["report"] == snapshot["report"]
    book = load_workbook(io.BytesIO(api.get(f"/api/v1/reports/{snapshot['id']}.xlsx").data))
    assert book["说明"]["B7"].value == snapshot["id"]
    _error(api.get("/api/v1/reports/999"), 404)
    _error(api.post("/api/v1/reports", json={"as_of": "2025-13-01"}), 422)
    _error(api.post("/api/v1/reports", json={}), 422)
    county_b = client_for(app, engine, "cb3", UserRole.REGION_ADMIN, region=B)
    _error(county_b.get(f"/api/v1/reports/{snapshot['id']}"), 404)
    assert county_b.get("/api/v1/reports").json["count"] == 0


def test_a_milestone_for_some_stages_round_trips(api: ApiClient) -> None:
    """Stages are stored as their values; reading them back once answered 500 (fuzzing)."""
    plan = api.post(
        "/api/v1/plans",
        json={"code": "stages", "name_zh": "分学段", "name_en": "by stage", "region_code": A},
    ).json
    added = api.post(
        f"/api/v1/plans/{plan['id']}/milestones",
        json={
            "metric": "verified_digital_campus_rate",
            "stages": ["secondary", "primary"],
            "due_on": "2025-12-31",
            "value": 0.9,
        },
    )
    assert added.status_code == 201, added.json
    assert added.json["stages"] == ["primary", "secondary"]
    got = api.get(f"/api/v1/plans/{plan['id']}")
    assert got.status_code == 200
    assert got.json["milestones"][0]["stages"] == ["primary", "secondary"]
    bad = api.post(
        f"/api/v1/plans/{plan['id']}/milestones",
        json={
            "metric": "all_fibre_rate",
            "stages": ["kindergarten-ish"],
            "due_on": "2025-01-01",
            "value": 0.5,
        },
    )
    assert bad.status_code == 422 and "stages" in bad.json["errors"]
