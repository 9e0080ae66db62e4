"""No "None", "null" or "nan" reaches a person: every page and every export of the demo
inventory (tests/dash_fixture.py: the demo with polled states), in Chinese and in English,
searched for those words as whole words, in any case.

Machine answers are not searched: the JSON API, /healthz and /metrics (Prometheus text).
What a person reads of a page is its text and the attributes shown to them (value,
placeholder, title, alt, aria-label) — not its markup, scripts or styles. The legitimate
contexts are listed in ``ALLOWED``, each with why.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from html.parser import HTMLParser

import openpyxl
import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import Engine

from inventory.db import make_sessionmaker
from inventory.models import CampusNetwork, Classroom, Device, NetworkLink, School
from tests.conftest import make_token
from tests.dash_fixture import PREFECTURE, DashData
from tests.test_dashboards import dash, login  # noqa: F401  (dash: a fixture)

WORDS = re.compile(r"\b(none|null|nan)\b", re.IGNORECASE)
# Attributes whose values are shown to a person.
SHOWN = {"value", "placeholder", "title", "alt", "aria-label"}
# Where one of the words is right, and why:
# * a whole text "none": the SNMPv3 privacy protocol "none" (noPriv, its own name) as a
#   table cell or a drop-down option;
# * "(none)" in a spreadsheet's notes: "one of: 无 (none) / …" names the stored value an
#   importer may type beside its label.
ALLOWED_TEXTS = {"none"}
ALLOWED_AROUND = re.compile(r"\(none\)")
LANGS = ("zh", "en")
PAST = "2025-06-30"


class _Shown(HTMLParser):
    """The text of a page and its shown attribute values, without scripts and styles."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        shown = dict(attrs)
        if tag != "input" or shown.get("type") == "hidden":
            shown.pop("value", None)  # an option's stored value is not what it shows
        self.parts.extend(value for name, value in shown.items() if name in SHOWN and value)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def found_in(texts: list[str]) -> list[str]:
    """The texts holding a word a person must not read (with their neighbourhood)."""
    out = []
    for text in texts:
        for match in WORDS.finditer(text):
            if text.strip() in ALLOWED_TEXTS:
                continue
            if any(m.start() <= match.start() < m.end() for m in ALLOWED_AROUND.finditer(text)):
                continue
            out.append(text[max(0, match.start() - 40) : match.end() + 40])
    return out


def page_texts(html: str) -> list[str]:
    parser = _Shown()
    parser.feed(html)
    return parser.parts


def pages(engine: Engine, data: DashData) -> Iterator[str]:
    """Every page of the site, with every school, uplink, device and campus network."""
    # "/" only redirects to the role's landing page (issue 20), which is listed here.
    yield from ("/overview", "/overview/schools", "/status", "/admin/users")
    yield from ("/alerts", "/alerts/history", "/alerts/rules", "/alerts/subscriptions")
    yield from ("/alerts/maintenance", "/alerts/dead-letters")
    yield f"/overview/schools?region={data.county}"
    # A past date: verdicts come from rollups, reasons say "not confirmed on …".
    yield from (f"/overview?as_of={PAST}", f"/overview/schools?as_of={PAST}")
    yield f"/schools/{data.school_code}?as_of={PAST}"
    yield "/forms/schools/new"
    with make_sessionmaker(engine)() as db:
        codes = db.scalars(sa.select(School.code).order_by(School.code)).all()
        for code in codes:
            yield f"/schools/{code}"
        for code in codes[:5]:
            yield f"/schools/{code}/edit"
            for entity in ("classrooms", "campus-networks", "devices", "links"):
                yield f"/schools/{code}/{entity}/new"
        for model, path in (
            (NetworkLink, "links"),
            (Device, "devices"),
            (CampusNetwork, "campus-networks"),
        ):
            for key in db.scalars(sa.select(model.id).order_by(model.id)):
                yield f"/{path}/{key}/edit"
        for key in db.scalars(sa.select(Classroom.id).order_by(Classroom.id).limit(40)):
            yield f"/classrooms/{key}/edit"


EXPORTS = [
    *(
        f"/api/v1/exports/{name}.{fmt}"
        for name in ("schools", "campus-networks", "links", "devices", "classrooms")
        for fmt in ("xlsx", "csv")
    ),
    *(
        f"/api/v1/templates/{name}.xlsx"
        for name in ("schools", "campus-networks", "links", "devices", "classrooms")
    ),
    *(
        f"/api/v1/coverage/report.csv?region={PREFECTURE}&breakdown={b}&lang={lang}"
        for b in ("totals", "by_region", "by_stage", "by_region_stage", "counties", "kindergartens")
        for lang in ("zh", "en")
    ),
    *(f"/api/v1/coverage/report.xlsx?region={PREFECTURE}&lang={lang}" for lang in ("zh", "en")),
    *(
        f"/api/v1/coverage/gaps.{fmt}?region={PREFECTURE}&lang={lang}"
        for fmt in ("xlsx", "csv")
        for lang in ("zh", "en")
    ),
]


def export_texts(body: bytes, path: str) -> list[str]:
    if ".xlsx" in path:
        book = openpyxl.load_workbook(io.BytesIO(body), read_only=True)
        return [
            str(cell)
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
            for cell in row
            if cell is not None
        ]
    return [cell for row in csv.reader(io.StringIO(body.decode("utf-8-sig"))) for cell in row]


def test_no_page_says_none_null_or_nan_in_either_language(
    engine: Engine,
    app: Flask,
    dash: DashData,  # noqa: F811
) -> None:
    client: FlaskClient = login(app)
    seen: dict[str, list[str]] = {}
    count = 0
    for path in pages(engine, dash):
        for lang in LANGS:
            # Explicitly: the language a page was last asked in is remembered in a cookie.
            url = path + ("&" if "?" in path else "?") + f"lang={lang}"
            answer = client.get(url)
            assert answer.status_code == 200, (url, answer.status_code)
            count += 1
            found = found_in(page_texts(answer.get_data(as_text=True)))
            if found:
                seen[url] = found
    assert count > 100
    assert seen == {}


def test_no_export_says_none_null_or_nan_in_either_language(
    engine: Engine,
    app: Flask,
    dash: DashData,  # noqa: F811
) -> None:
    client = app.test_client()
    headers = {"Authorization": f"Bearer {make_token(engine, 'exporter')}"}
    seen: dict[str, list[str]] = {}
    for path in EXPORTS:
        answer = client.get(path, headers=headers)
        assert answer.status_code == 200, (path, answer.status_code, answer.data[:300])
        found = found_in(export_texts(answer.data, path))
        if found:
            seen[path] = found
    assert seen == {}


@pytest.mark.parametrize(
    ("texts", "bad"),
    [
        (["协商速率 None Mbps"], True),
        (["availability: NaN %"], True),
        (["null"], True),
        (["Nonesuch", "annulled", "nano"], False),
        (["none"], False),  # a choice label, see ALLOWED_TEXTS
        (["None"], True),  # Python's None printed
        (["one of: 无 (none) / 交互式智能平板 (interactive_panel)"], False),
    ],
)
def test_the_search_finds_whole_words_in_any_case(texts: list[str], bad: bool) -> None:
    assert bool(found_in(texts)) is bad
