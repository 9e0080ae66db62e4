"""The generic create/edit page, table-driven: every registry entity with a FormSpec gets a
new and an edit page that shows its inputs, answers a bad value with 422 and the API's
message beside the field (in the page's language) keeping what was typed, and saves a good
one through the entity's service, then returns to the school's page."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import Engine

from api.entities import ENTITIES, by_name
from api.registry import Entity
from inventory.db import make_sessionmaker
from tests import dash_fixture
from tests.conftest import FERNET_KEY
from tests.dash_fixture import NOW, DashData
from tests.test_dashboards import csrf, login, text

NOT_AN_INTEGER = {"zh": "不是有效的整数。", "en": "Not a valid integer."}


@dataclass(frozen=True)
class Case:
    """One entity's form: what a new one is given, a value its integer field refuses, and
    one change on edit with the value it must then hold."""

    values: dict[str, str]
    integer: str
    change: tuple[str, str, Any]


def cases(dash: DashData) -> dict[str, Case]:
    return {
        "schools": Case(
            {
                "code": "2123019997",
                "name": "表驱动小学",
                "type_code": "211",
                "region_code": dash.county,
                "students": "120",
            },
            "students",
            ("name", "表驱动小学（改）", "表驱动小学（改）"),
        ),
        "networks": Case(
            {
                "architecture": "all_fibre",
                "wireless_coverage": "full",
                "backbone_mbps": "1000",
                "commissioned_on": "2026-11-17",
            },
            "backbone_mbps",
            ("backbone_mbps", "10000", 10000),
        ),
        "links": Case(
            {
                "kind": "internet",
                "carrier": "telecom",
                "medium": "fibre",
                "down_mbps": "500",
                "up_mbps": "100",
                "commissioned_on": "2026-10-01",
            },
            "up_mbps",
            ("down_mbps", "1000", 1000),
        ),
        "devices": Case(
            {"name": "table-gw", "role": "gateway", "mgmt_address": "127.53.99.77"},
            "snmp_port",
            ("name", "table-gw2", "table-gw2"),
        ),
        "classrooms": Case(
            {"room_code": "Z977", "building": "实验楼", "floor": "2", "wired_mbps": "100"},
            "floor",
            ("wired_mbps", "1000", 1000),
        ),
        "alert-rules": Case(
            {"name": "表驱动规则", "kind": "uplink_flapping", "threshold": "5", "window_s": "900"},
            "delay_s",
            ("delay_s", "600", 600),
        ),
    }


# Forms tested with their own pages (tests/test_alert_pages.py): they place what they save by
# a school code that is no attribute of it, and a window's inputs are date-times, not numbers.
TESTED_WITH_THEIR_PAGES = frozenset({"subscriptions", "maintenance-windows"})
TABLE_DRIVEN = [e.name for e in ENTITIES if e.form and e.name not in TESTED_WITH_THEIR_PAGES]


def landing(entity: Entity, school: str) -> str:
    """Where a saved one is seen: its entity's own page, or its school's."""
    assert entity.form is not None
    return {"alert-rules": "/alerts/rules"}.get(entity.name, f"/schools/{school}")


@pytest.fixture
def dash(engine: Engine, app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[DashData]:
    monkeypatch.setitem(app.config, "CLOCK", lambda: NOW)
    with make_sessionmaker(engine)() as db:
        data = dash_fixture.build(db, FERNET_KEY)
        db.commit()
    yield data


def form_values(page: str) -> dict[str, str]:
    """What a browser would post from the page's form: every input's value, the selected
    (else the first) option of each select, and "on" for each ticked box."""
    values = dict(
        re.findall(r'<input id="f-\w+" name="(\w+)" type="[a-z]+"[^>]*? value="([^"]*)">', page)
    )
    values |= dict(re.findall(r'<textarea id="f-\w+" name="(\w+)" rows="2">([^<]*)<', page))
    for name, options in re.findall(r'<select id="f-\w+" name="(\w+)">(.*?)</select>', page, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected>', options)
        chosen = chosen or re.search(r'<option value="([^"]*)"', options)
        values[name] = chosen.group(1) if chosen else ""
    values |= {n: "on" for n in re.findall(r'id="f-\w+" name="(\w+)" checked>', page)}
    return {k: html.unescape(v) for k, v in values.items()}


def newest(engine: Engine, entity: Entity) -> Any:
    with make_sessionmaker(engine)() as db:
        model: Any = entity.model
        obj = db.scalars(sa.select(model).order_by(model.id.desc()).limit(1)).one()
        db.expunge(obj)
        return obj


def check_form(page: str, entity: Entity) -> None:
    assert entity.form is not None
    title = re.search(r"<h1>([^<]+)</h1>", page)
    assert title and title.group(1).strip(), "the page has a title"
    for name in entity.form.fields:
        assert f'id="f-{name}"' in page, name


def post_bad(client: FlaskClient, path: str, form: dict[str, str], case: Case, lang: str) -> None:
    bad = client.post(path, data={**form, case.integer: "lots", "csrf_token": csrf(client, path)})
    assert bad.status_code == 422, bad.get_data(as_text=True)[:2000]
    page = bad.get_data(as_text=True)
    assert f'<p class="field-error" id="err-{case.integer}">{NOT_AN_INTEGER[lang]}</p>' in page
    kept = form_values(page)
    assert kept[case.integer] == "lots"
    assert all(kept[k] == v for k, v in form.items() if k != case.integer), "all as typed"


def test_every_entity_with_a_form_has_a_row_in_the_table() -> None:
    assert set(TABLE_DRIVEN) == set(cases(DashData("", "", "", "", "", "")))


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("name", TABLE_DRIVEN)
def test_every_form_entity_gets_a_working_new_and_edit_page(
    app: Flask, engine: Engine, dash: DashData, name: str, lang: str
) -> None:
    entity, case = by_name(name), cases(dash)[name]
    client, q = login(app), f"?lang={lang}"
    under = f"/schools/{dash.school_code}" if entity.school_list_args else "/forms"
    path = f"{under}/{entity.segment}/new{q}"

    page = text(client, path)
    check_form(page, entity)
    form = {**form_values(page), **case.values}
    post_bad(client, path, form, case, lang)
    done = client.post(path, data={**form, "csrf_token": csrf(client, path)})
    assert done.status_code == 302, done.get_data(as_text=True)[:2000]
    created = newest(engine, entity)
    school = created.code if name == "schools" else dash.school_code
    assert urlsplit(done.headers["Location"]).path == landing(entity, school)
    for field, typed in case.values.items():
        held = getattr(created, field)
        assert str(getattr(held, "value", held)) == typed, field

    key = getattr(created, entity.key)
    path = f"/{entity.segment}/{key}/edit{q}"
    page = text(client, path)
    check_form(page, entity)
    form = form_values(page)
    assert {k: form[k] for k in case.values} == case.values  # the saved values, shown
    post_bad(client, path, form, case, lang)
    field, typed, value = case.change
    done = client.post(path, data={**form, field: typed, "csrf_token": csrf(client, path)})
    assert done.status_code == 302, done.get_data(as_text=True)[:2000]
    assert urlsplit(done.headers["Location"]).path == landing(entity, school)
    changed = newest(engine, entity)
    assert (changed.id, getattr(changed, field)) == (created.id, value)
