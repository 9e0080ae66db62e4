"""Each choice set is one class holding value, Chinese label, English label (and colour where
pages draw one): labels are unique, parse back to their value, and every drop-down offers
exactly them. Members of different sets with equal values keep their own labels."""

from __future__ import annotations

import html
import importlib
import inspect
import pkgutil
import re
from collections.abc import Iterator
from datetime import date
from enum import StrEnum
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

import api
import dashboards
import inventory
from inventory import choices
from inventory.actor import Actor
from inventory.choices import (
    TIERS,
    CampusArchitecture,
    ChoiceSet,
    DeviceStatus,
    DisplayKind,
    Lifecycle,
    Tier,
    WirelessCoverage,
)
from inventory.db import make_sessionmaker
from inventory.models import CampusNetwork, Device, School
from tests import dash_fixture
from tests.conftest import FERNET_KEY
from tests.dash_fixture import NOW, DashData
from tests.test_dashboards import login, text
from tests.test_spreadsheets_export import build_inventory
from tests.test_spreadsheets_import import run_import, write_xlsx

CHOICE_SETS = sorted(
    (
        obj
        for obj in vars(choices).values()
        if inspect.isclass(obj) and issubclass(obj, ChoiceSet) and obj is not ChoiceSet
    ),
    key=lambda cls: cls.__name__,
)


def test_every_enum_of_the_domain_is_a_choice_set() -> None:
    enums = [
        obj
        for obj in vars(choices).values()
        if inspect.isclass(obj) and issubclass(obj, StrEnum) and obj not in (StrEnum, ChoiceSet)
    ]
    assert len(enums) >= 20 and all(issubclass(enum, ChoiceSet) for enum in enums)


@pytest.mark.parametrize("choice_set", CHOICE_SETS, ids=lambda cls: cls.__name__)
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_labels_are_unique_and_parse_back_to_their_value(
    choice_set: type[ChoiceSet], lang: str
) -> None:
    labels = choice_set.labels(lang)
    assert len(set(labels)) == len(labels), labels
    for member in choice_set:
        assert choice_set.parse(member.label(lang)) is member
        assert choice_set.parse(member.value) is member
        # As people type it: surrounding spaces, full-width letters, another case.
        assert choice_set.parse(f" {member.label(lang).upper()} ") is member
    with pytest.raises(ValueError):
        choice_set.parse("no such choice")


def test_members_with_equal_values_keep_their_own_labels() -> None:
    assert WirelessCoverage.NONE == CampusArchitecture.NONE == DisplayKind.NONE == "none"
    assert (WirelessCoverage.NONE.zh, CampusArchitecture.NONE.zh) == ("未覆盖", "无")
    assert (Lifecycle.PLANNED.zh, DeviceStatus.PLANNED.zh) == ("筹建", "计划")
    assert (Tier.NONE.zh, Tier.NONE.en) == ("未达标", "not met")
    # The stored values did not change: no data migration.
    assert [m.value for m in WirelessCoverage] == ["none", "partial", "full"]
    assert [m.value for m in Lifecycle] == ["planned", "active", "closed"]


def test_tiers_carry_the_colours_the_charts_draw() -> None:
    from dashboards import charts

    assert all(re.fullmatch(r"#[0-9a-f]{6}", tier.colour or "") for tier in TIERS)
    assert {tier.value: tier.colour for tier in TIERS} == charts.TIER_COLOURS


def _modules(package: object) -> Iterator[object]:
    path = package.__path__
    for info in pkgutil.walk_packages(path, package.__name__ + "."):
        # Migrations are frozen history; wsgi and __main__ start a server when imported.
        if ".migrations" in info.name or info.name.endswith((".wsgi", ".__main__")):
            continue
        yield importlib.import_module(info.name)


def test_no_table_is_keyed_by_members_of_several_choice_sets() -> None:
    """A dict keyed by members of two sets gives equal values one label (the LABELS bug)."""
    mixed = []
    for module in [choices, *_modules(inventory), *_modules(dashboards), *_modules(api)]:
        for name, value in vars(module).items():
            if isinstance(value, dict):
                sets = {type(key) for key in value if isinstance(key, ChoiceSet)}
                if len(sets) > 1:
                    mixed.append(f"{module.__name__}.{name}")
    assert mixed == []
    assert not hasattr(choices, "LABELS")


def test_a_campus_network_sheet_saying_未覆盖_imports(
    session: Session, actor: Actor, tmp_path: Path
) -> None:
    build_inventory(session, actor)
    rows = [
        ["学校标识码", "启用日期", "网络架构", "无线覆盖"],
        ["2153010001", "2025-03-01", "全光纤", "未覆盖"],
        ["2153010001", "2025-04-01", "全光纤", "部分覆盖"],
    ]
    result = run_import(session, actor, write_xlsx(tmp_path / "campus.xlsx", rows))
    assert result.ok, result.errors
    stored = session.execute(
        sa.select(CampusNetwork.commissioned_on, CampusNetwork.wireless_coverage)
        .join(School)
        .where(School.code == "2153010001", CampusNetwork.commissioned_on >= date(2025, 1, 1))
        .order_by(CampusNetwork.commissioned_on)
    ).all()
    assert [coverage for _, coverage in stored] == [
        WirelessCoverage.NONE,
        WirelessCoverage.PARTIAL,
    ]


# --- drop-downs of the pages ---------------------------------------------------------------


@pytest.fixture
def dash(engine: Engine, app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[DashData]:
    monkeypatch.setitem(app.config, "CLOCK", lambda: NOW)
    with make_sessionmaker(engine)() as db:
        data = dash_fixture.build(db, FERNET_KEY)
        db.commit()
    yield data


def options(page: str, select_id: str) -> list[str]:
    """The texts of a drop-down's options, the empty choice ("—", "all") left out."""
    found = re.search(rf'<select id="{select_id}" name="[^"]+">(.*?)</select>', page, re.S)
    found = found or re.search(rf'<select name="[^"]+" id="{select_id}">(.*?)</select>', page, re.S)
    assert found, select_id
    return [
        html.unescape(text)
        for value, text in re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', found[1])
        if value
    ]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_form_drop_down_lists_exactly_its_choice_set(
    app: Flask, engine: Engine, dash: DashData, lang: str
) -> None:
    client = login(app)
    with make_sessionmaker(engine)() as db:
        device_id = db.scalars(
            sa.select(Device.id).join(School).where(School.code == dash.school_code)
        ).first()
    code, q = dash.school_code, f"?lang={lang}"
    forms = {
        f"/schools/{code}/campus-networks/new{q}": ("architecture", "wireless_coverage"),
        f"/schools/{code}/links/new{q}": ("kind", "carrier", "medium"),
        f"/schools/{code}/devices/new{q}": ("role", "status"),
        f"/devices/{device_id}/edit{q}": ("role", "status"),
        f"/schools/{code}/classrooms/new{q}": ("kind", "display"),
    }
    from api.classrooms.schemas import ClassroomSchema
    from api.devices.schemas import DeviceSchema
    from api.links.schemas import LinkSchema
    from api.networks.schemas import CampusNetworkSchema

    schema_of = {
        "campus-networks": CampusNetworkSchema(),
        "links": LinkSchema(),
        "devices": DeviceSchema(),
        "classrooms": ClassroomSchema(),
    }
    checked = 0
    for path, names in forms.items():
        page = text(client, path)
        schema = next(s for part, s in schema_of.items() if f"/{part}/" in path)
        for name in names:
            choice_set = schema.fields[name].enum
            assert options(page, f"f-{name}") == choice_set.labels(lang), (path, name)
            checked += 1
    assert checked == 11
    listing = text(client, f"/overview/schools{q}")
    assert options(listing, "filter-tier") == Tier.labels(lang)
