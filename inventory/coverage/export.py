"""A coverage report (live or published) and the gap list as XLSX and CSV.

One sheet per breakdown; Chinese headers unless English is asked for; counts and rates are
numbers (rates formatted as percentages), and a rate that does not exist is the text "n/a".
No text becomes a live formula (inventory/spreadsheets/safety.py).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from openpyxl import Workbook

from inventory import i18n
from inventory.choices import TIERS, Stage, Tier
from inventory.coverage.results import CoverageReport, Gap
from inventory.i18n import N_
from inventory.spreadsheets.safety import csv_row, xlsx_row

NA = "n/a"
Getter = Callable[[dict[str, Any]], Any]
# A column: its key, its header (a function of the language) and how a row gives its value.
Column = tuple[str, Callable[[str], str], Getter]


def _text(msgid: str) -> Callable[[str], str]:
    return lambda lang: i18n.translate(lang, msgid)


def _tier_getter(side: str, tier: str) -> Getter:
    return lambda row: row[f"tiers_{side}"][tier]


def _tier_header(msgid: str, tier: Tier) -> Callable[[str], str]:
    return lambda lang: i18n.translate(lang, msgid, tier=tier.label(lang))


def _tier_columns(side: str, msgid: str) -> list[Column]:
    return [
        (f"{side}_{t.value}", _tier_header(msgid, t), _tier_getter(side, t.value)) for t in TIERS
    ]


def _get(key: str) -> Getter:
    return lambda row: row.get(key)


REGION_COLUMNS: list[Column] = [
    ("region_code", _text(N_("region code")), lambda row: row["region"]["code"]),
    ("region_zh", _text(N_("region")), lambda row: row["region"]["name_zh"]),
    ("region_en", _text(N_("region (English)")), lambda row: row["region"]["name_en"]),
]
STAGE_COLUMNS: list[Column] = [("stage", _text(N_("stage")), lambda row: row["stage"])]
RANK_COLUMNS: list[Column] = [("rank", _text(N_("rank")), _get("rank"))]
METRIC_COLUMNS: list[Column] = [
    ("schools", _text(N_("schools in scope")), _get("schools")),
    *_tier_columns("declared", N_("%(tier)s (declared)")),
    *_tier_columns("verified", N_("%(tier)s (verified)")),
    *(
        (key, _text(msgid), _get(key))
        for key, msgid in (
            ("digital_campus_rate", N_("digital-campus rate (declared)")),
            ("verified_digital_campus_rate", N_("digital-campus rate (verified)")),
            ("all_fibre_rate", N_("all-fibre campus rate")),
            ("ordinary_classrooms", N_("ordinary classrooms")),
            ("standard_classrooms", N_("standard classrooms")),
            ("standard_classroom_rate", N_("standard-classroom rate")),
            ("gigabit_uplink_rate", N_("gigabit-uplink rate (declared)")),
            ("verified_gigabit_uplink_rate", N_("gigabit-uplink rate (verified)")),
            ("monitored_rate", N_("monitored-uplink rate")),
        )
    ),
]
RATE_KEYS = {key for key, *_ in METRIC_COLUMNS if key.endswith("_rate")}

# breakdown key → (sheet name, columns, rows of the report)
BREAKDOWNS: dict[
    str, tuple[str, list[Column], Callable[[dict[str, Any]], list[dict[str, Any]]]]
] = {
    "totals": (N_("Totals"), METRIC_COLUMNS, lambda r: [r["totals"]]),
    "by_region": (N_("By region"), REGION_COLUMNS + METRIC_COLUMNS, lambda r: r["by_region"]),
    "by_stage": (N_("By stage"), STAGE_COLUMNS + METRIC_COLUMNS, lambda r: r["by_stage"]),
    "by_region_stage": (
        N_("By region and stage"),
        REGION_COLUMNS + STAGE_COLUMNS + METRIC_COLUMNS,
        lambda r: r["by_region_stage"],
    ),
    "counties": (
        N_("Counties ranked"),
        RANK_COLUMNS + REGION_COLUMNS + METRIC_COLUMNS,
        lambda r: r["counties"],
    ),
    "kindergartens": (
        N_("Kindergartens"),
        REGION_COLUMNS + METRIC_COLUMNS,
        lambda r: r["kindergartens"]["by_region"],
    ),
}


def _cell(key: str, value: Any, lang: str) -> Any:
    if key == "stage" and value:
        return Stage(value).label(lang)
    if key in RATE_KEYS and value is None:
        return NA
    return value


# A live report, or a published one: the JSON it was frozen as.
ReportBody = CoverageReport | Mapping[str, Any]


def _json(report: ReportBody) -> dict[str, Any]:
    """The JSON form the sheets are written from: a published report has nothing else, and a
    live one written the same way gives the same file."""
    return report.as_json() if isinstance(report, CoverageReport) else dict(report)


def _table(report: dict[str, Any], breakdown: str, lang: str) -> tuple[list[str], list[list[Any]]]:
    _sheet, columns, rows_of = BREAKDOWNS[breakdown]
    header = [title(lang) for _key, title, _get in columns]
    rows = [[_cell(key, get(row), lang) for key, _t, get in columns] for row in rows_of(report)]
    return header, rows


ABOUT = (
    N_("region"),
    N_("as of"),
    N_("standard version"),
    N_("standard"),
    N_("verification"),
    N_("generated at"),
    N_("snapshot id"),
)


def report_xlsx(body: ReportBody, lang: str = "zh") -> bytes:
    """The report as a workbook: an about sheet, then one sheet per breakdown."""
    report = _json(body)
    lang = i18n.known(lang)
    en = lang == "en"
    book = Workbook()
    about = book.active
    assert about is not None
    about.title = i18n.translate(lang, "About")
    region = report["region"]
    standard = report["standard"]
    values = (
        f"{region['code']} {region['name_en'] if en else region['name_zh']}",
        report["as_of"],
        standard["version"],
        standard["name_en"] if en else standard["name_zh"],
        report.get("verification"),
        report.get("generated_at"),
        report.get("snapshot_id"),
    )
    for msgid, value in zip(ABOUT, values, strict=True):
        about.append(xlsx_row(about, [i18n.translate(lang, msgid), value]))
    for key, (sheet_name, columns, _rows) in BREAKDOWNS.items():
        sheet = book.create_sheet(i18n.translate(lang, sheet_name))
        header, rows = _table(report, key, lang)
        sheet.append(header)
        for row in rows:
            sheet.append(xlsx_row(sheet, row))
        for position, (col_key, *_rest) in enumerate(columns, 1):
            if col_key in RATE_KEYS:
                for (cell,) in sheet.iter_rows(min_row=2, min_col=position, max_col=position):
                    if isinstance(cell.value, float | int):
                        cell.number_format = "0.0%"
        sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def report_csv(body: ReportBody, breakdown: str = "by_region", lang: str = "zh") -> str:
    """One breakdown of the report as CSV (with a BOM, so that Excel reads UTF-8)."""
    header, rows = _table(_json(body), breakdown, i18n.known(lang))
    return _csv([header, *rows])


def _csv(rows: Iterable[list[Any]]) -> str:
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    for row in rows:
        writer.writerow(csv_row(row))
    return out.getvalue()


GAP_HEADERS = (
    N_("school code"),
    N_("region code"),
    N_("school"),
    N_("school type"),
    N_("stage"),
    N_("declared tier"),
    N_("verified tier"),
    N_("uplink (Mbps)"),
    N_("verified uplink (Mbps)"),
    N_("campus network"),
    N_("ordinary classrooms"),
    N_("standard classrooms"),
    N_("reasons"),
)


def _gap_header(lang: str) -> list[str]:
    return [i18n.translate(lang, msgid) for msgid in GAP_HEADERS]


def _gap_rows(items: Iterable[Gap], lang: str) -> list[list[Any]]:
    rows = []
    for item in items:
        school, facts = item.school, item.facts
        reasons = [r.sentence(lang) for r in item.verified.reasons]
        rows.append(
            [
                school.code,
                school.region_code,
                school.name,
                school.type_code,
                school.stage.label(lang),
                item.declared.tier.label(lang),
                item.verified.tier.label(lang),
                facts.uplink_mbps,
                facts.verified_uplink_mbps,
                facts.campus_architecture.label(lang),
                facts.ordinary_classrooms,
                facts.standard_classrooms,
                i18n.translate(lang, "; ").join(reasons),
            ]
        )
    return rows


def gaps_xlsx(items: Iterable[Gap], lang: str = "zh") -> bytes:
    """The gap list as a workbook of one sheet."""
    lang = i18n.known(lang)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = i18n.translate(lang, "Gap list")
    sheet.append(_gap_header(lang))
    for row in _gap_rows(items, lang):
        sheet.append(xlsx_row(sheet, row))
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def gaps_csv(items: Iterable[Gap], lang: str = "zh") -> str:
    """The gap list as CSV (with a BOM)."""
    lang = i18n.known(lang)
    return _csv([_gap_header(lang), *_gap_rows(items, lang)])
