"""``digicampus report …`` against the suite's database, and the standard file's loader."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from flask import Flask
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from api.commands_reports import report_group
from inventory.choices import Tier
from inventory.errors import InvalidInput
from inventory.standards.loader import default_source, default_standard, parse
from tests.coverage_fixture import build


def invoke(app: Flask, *args: str) -> Result:
    result: Result = app.test_cli_runner().invoke(report_group, list(args))
    return result


@pytest.fixture
def inventory(session: Session) -> Any:
    built = build(session)
    session.commit()
    return built


def test_publish_show_list_export(app: Flask, inventory: Any, tmp_path: Path) -> None:
    published = invoke(app, "publish", "--as-of", "2024-06-30", "--region", "532300")
    assert published.exit_code == 0, published.output
    assert "standard dc-2023.1" in published.output
    snapshot_id = published.output.split("published report ")[1].split(":")[0]
    shown = invoke(app, "show", snapshot_id)
    assert shown.exit_code == 0 and "楚雄市" in shown.output and "50.0 %" in shown.output
    assert "n/a" in shown.output  # the counties without schools
    listed = invoke(app, "list")
    assert snapshot_id in listed.output and "2024-06-30" in listed.output
    out = tmp_path / "r.xlsx"
    exported = invoke(app, "export", str(out), "--id", snapshot_id, "--lang", "en")
    assert exported.exit_code == 0 and "By region" in load_workbook(out).sheetnames
    live = invoke(app, "show", "--as-of", "2024-06-30", "--region", "532301", "--json")
    assert live.exit_code == 0 and '"schools": 6' in live.output


def test_cli_errors(app: Flask, inventory: Any, tmp_path: Path) -> None:
    assert invoke(app, "publish").exit_code == 2  # --as-of is required
    assert invoke(app, "publish", "--as-of", "2024-02-30").exit_code == 2
    missing = invoke(app, "publish", "--as-of", "2024-06-30", "--region", "999999")
    assert missing.exit_code == 1 and "no region" in missing.output
    assert invoke(app, "show", "999").exit_code == 1
    assert invoke(app, "export", str(tmp_path / "r.txt")).exit_code == 1


def test_default_standard_holds_every_rule() -> None:
    standard = default_standard()
    assert standard.version == "dc-2023.1"
    assert "111" in standard.separate_types and "111" not in standard.school_types
    assert standard.tiers[Tier.MET].uplink_for("218") == 100
    assert standard.tiers[Tier.MET].uplink_for("211") == 1000
    assert standard.tiers[Tier.BASIC].classroom_ratio == 0.8
    assert standard.verification.rule.min_availability == 0.99
    assert standard.classroom.min_access_mbps == 100
    assert "Sources" in default_source()


def test_bad_standard_names_every_field() -> None:
    source = (
        default_source()
        .replace('digital_campus_tier = "met"', 'digital_campus_tier = "none"')
        .replace("min_availability = 0.99", "min_availability = 1.5")
        .replace("[tiers.met]\nuplink_mbps = 1000", "[tiers.met]\nuplink_mbps = 10")
    )
    with pytest.raises(InvalidInput) as caught:
        parse(source, known_types={"211"})
    fields = caught.value.fields
    assert "digital_campus_tier" in fields
    assert "verification.min_availability" in fields
    assert "tiers.met.uplink_mbps" in fields  # below the tier before
    assert "scope.school_types" in fields  # codes unknown to this database
    with pytest.raises(InvalidInput):
        parse("[[[")
