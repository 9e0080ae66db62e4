"""A coverage report (live or published) and the gap list as XLSX and CSV.

One sheet per breakdown; Chinese headers unless English is asked for; counts and rates are
numbers (rates formatted as percentages), and a rate that does not exist is the text "n/a".
No text becomes a live formula (inventory/spreadsheets/safety.py).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from typing import Any

from openpyxl import Workbook

from inventory.choices import LANGUAGES, TIERS, Stage
from inventory.spreadsheets.safety import csv_row, xlsx_row

NA = "n/a"
Getter = Callable[[dict[str, Any]], Any]


def _tier_getter(side: str, tier: str) -> Getter:
    return lambda row: row[f"tiers_{side}"][tier]


def _tier_columns(side: str, zh_side: str) -> list[tuple[str, str, str, Getter]]:
    return [
        (
            f"{side}_{t.value}",
            f"{t.zh}（{zh_side}）",
            f"{t.en} ({side})",
            _tier_getter(side, t.value),
        )
        for t in TIERS
    ]


def _get(key: str) -> Getter:
    return lambda row: row.get(key)


REGION_COLUMNS: list[tuple[str, str, str, Getter]] = [
    ("region_code", "区划代码", "region code", lambda row: row["region"]["code"]),
    ("region_zh", "区域", "region", lambda row: row["region"]["name_zh"]),
    ("region_en", "区域（英文）", "region (English)", lambda row: row["region"]["name_en"]),
]
STAGE_COLUMNS: list[tuple[str, str, str, Getter]] = [
    ("stage", "学段", "stage", lambda row: row["stage"]),
]
RANK_COLUMNS: list[tuple[str, str, str, Getter]] = [("rank", "排名", "rank", _get("rank"))]
METRIC_COLUMNS: list[tuple[str, str, str, Getter]] = [
    ("schools", "在范围学校数", "schools in scope", _get("schools")),
    *_tier_columns("declared", "申报"),
    *_tier_columns("verified", "核验"),
    (
        "digital_campus_rate",
        "数字校园覆盖率（申报）",
        "digital-campus rate (declared)",
        _get("digital_campus_rate"),
    ),
    (
        "verified_digital_campus_rate",
        "数字校园覆盖率（核验）",
        "digital-campus rate (verified)",
        _get("verified_digital_campus_rate"),
    ),
    ("all_fibre_rate", "全光纤校园网比例", "all-fibre campus rate", _get("all_fibre_rate")),
    ("ordinary_classrooms", "普通教室数", "ordinary classrooms", _get("ordinary_classrooms")),
    ("standard_classrooms", "标准数字教室数", "standard classrooms", _get("standard_classrooms")),
    (
        "standard_classroom_rate",
        "标准数字教室比例",
        "standard-classroom rate",
        _get("standard_classroom_rate"),
    ),
    (
        "gigabit_uplink_rate",
        "千兆出口比例（申报）",
        "gigabit-uplink rate (declared)",
        _get("gigabit_uplink_rate"),
    ),
    (
        "verified_gigabit_uplink_rate",
        "千兆出口比例（核验）",
        "gigabit-uplink rate (verified)",
        _get("verified_gigabit_uplink_rate"),
    ),
    ("monitored_rate", "出口接入监测比例", "monitored-uplink rate", _get("monitored_rate")),
]
RATE_KEYS = {key for key, *_ in METRIC_COLUMNS if key.endswith("_rate")}

# breakdown key → (zh sheet, en sheet, columns, rows of the report)
BREAKDOWNS: dict[
    str,
    tuple[
        str,
        str,
        list[tuple[str, str, str, Getter]],
        Callable[[dict[str, Any]], list[dict[str, Any]]],
    ],
] = {
    "totals": ("总览", "Totals", METRIC_COLUMNS, lambda r: [r["totals"]]),
    "by_region": ("按区域", "By region", REGION_COLUMNS + METRIC_COLUMNS, lambda r: r["by_region"]),
    "by_stage": ("按学段", "By stage", STAGE_COLUMNS + METRIC_COLUMNS, lambda r: r["by_stage"]),
    "by_region_stage": (
        "区域×学段",
        "By region and stage",
        REGION_COLUMNS + STAGE_COLUMNS + METRIC_COLUMNS,
        lambda r: r["by_region_stage"],
    ),
    "counties": (
        "区县排名",
        "Counties ranked",
        RANK_COLUMNS + REGION_COLUMNS + METRIC_COLUMNS,
        lambda r: r["counties"],
    ),
    "kindergartens": (
        "幼儿园",
        "Kindergartens",
        REGION_COLUMNS + METRIC_COLUMNS,
        lambda r: r["kindergartens"]["by_region"],
    ),
}


def _lang(lang: str) -> int:
    return 1 if lang == "en" else 0


def _cell(key: str, value: Any, lang: int) -> Any:
    if key == "stage" and value:
        return Stage(value).label(LANGUAGES[lang])
    if key in RATE_KEYS and value is None:
        return NA
    return value


def _table(report: dict[str, Any], breakdown: str, lang: int) -> tuple[list[str], list[list[Any]]]:
    _zh, _en, columns, rows_of = BREAKDOWNS[breakdown]
    header = [str(col[1 + lang]) for col in columns]
    rows = [[_cell(key, get(row), lang) for key, _z, _e, get in columns] for row in rows_of(report)]
    return header, rows


def report_xlsx(report: dict[str, Any], lang: str = "zh") -> bytes:
    """The report as a workbook: an about sheet, then one sheet per breakdown."""
    index = _lang(lang)
    book = Workbook()
    about = book.active
    assert about is not None
    about.title = "说明" if index == 0 else "About"
    region = report["region"]
    standard = report["standard"]
    labels = (
        ("区域", "日期", "标准版本", "标准", "核验依据", "生成时间", "快照编号")
        if index == 0
        else (
            "region",
            "as of",
            "standard version",
            "standard",
            "verification",
            "generated at",
            "snapshot id",
        )
    )
    values = (
        f"{region['code']} {region['name_zh'] if index == 0 else region['name_en']}",
        report["as_of"],
        standard["version"],
        standard["name_zh"] if index == 0 else standard["name_en"],
        report.get("verification"),
        report.get("generated_at"),
        report.get("snapshot_id"),
    )
    for label_text, value in zip(labels, values, strict=True):
        about.append(xlsx_row(about, [label_text, value]))
    for key, (zh, en, columns, _rows) in BREAKDOWNS.items():
        sheet = book.create_sheet(zh if index == 0 else en)
        header, rows = _table(report, key, index)
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


def report_csv(report: dict[str, Any], breakdown: str = "by_region", lang: str = "zh") -> str:
    """One breakdown of the report as CSV (with a BOM, so that Excel reads UTF-8)."""
    header, rows = _table(report, breakdown, _lang(lang))
    return _csv([header, *rows])


def _csv(rows: Iterable[list[Any]]) -> str:
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    for row in rows:
        writer.writerow(csv_row(row))
    return out.getvalue()


GAP_HEADERS = (
    (
        "学校标识码",
        "区划代码",
        "学校名称",
        "办学类型",
        "学段",
        "申报等级",
        "核验等级",
        "出口带宽(Mbps)",
        "核验出口带宽(Mbps)",
        "校园网",
        "普通教室数",
        "标准数字教室数",
        "差距原因",
    ),
    (
        "school code",
        "region code",
        "school",
        "school type",
        "stage",
        "declared tier",
        "verified tier",
        "uplink (Mbps)",
        "verified uplink (Mbps)",
        "campus network",
        "ordinary classrooms",
        "standard classrooms",
        "reasons",
    ),
)


def _gap_rows(items: Iterable[dict[str, Any]], lang: int) -> list[list[Any]]:
    from inventory.choices import CampusArchitecture, Tier

    rows = []
    for item in items:
        school, facts = item["school"], item["facts"]
        reasons = [r["zh" if lang == 0 else "en"] for r in item["verified"]["reasons"]]
        rows.append(
            [
                school["code"],
                school["region_code"],
                school["name"],
                school["type_code"],
                Stage(school["stage"]).label(LANGUAGES[lang]),
                Tier(item["declared"]["tier"]).label(LANGUAGES[lang]),
                Tier(item["verified"]["tier"]).label(LANGUAGES[lang]),
                facts["uplink_mbps"],
                facts["verified_uplink_mbps"],
                CampusArchitecture(facts["campus_architecture"]).label(LANGUAGES[lang]),
                facts["ordinary_classrooms"],
                facts["standard_classrooms"],
                "；".join(reasons) if lang == 0 else "; ".join(reasons),
            ]
        )
    return rows


def gaps_xlsx(items: Iterable[dict[str, Any]], lang: str = "zh") -> bytes:
    """The gap list as a workbook of one sheet."""
    index = _lang(lang)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "差距清单" if index == 0 else "Gap list"
    sheet.append(list(GAP_HEADERS[index]))
    for row in _gap_rows(items, index):
        sheet.append(xlsx_row(sheet, row))
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def gaps_csv(items: Iterable[dict[str, Any]], lang: str = "zh") -> str:
    """The gap list as CSV (with a BOM)."""
    index = _lang(lang)
    return _csv([list(GAP_HEADERS[index]), *_gap_rows(items, index)])
