"""A corpus of hostile spreadsheets, generated (no binaries in the repository).

Each ``Hostile`` is a file, the limits it is read under (small limits keep the files small
and the tests fast: a limit trips the same way at 1,000 as at 1,000,000) and a fragment of
the message it must be refused with. Every import path is tested against all of them.
"""

from __future__ import annotations

import codecs
import io
import zipfile
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape

from inventory.spreadsheets.columns import Entity
from inventory.spreadsheets.limits import Limits

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
DOC_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>
</Types>"""
ROOT_RELS = (
    f'<Relationships xmlns="{RELS}"><Relationship Id="rId1" '
    f'Type="{DOC_RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    f'<workbook xmlns="{MAIN}" xmlns:r="{DOC_RELS}"><sheets>'
    '<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    f'<Relationships xmlns="{RELS}">'
    f'<Relationship Id="rId1" Type="{DOC_RELS}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{DOC_RELS}/sharedStrings" Target="sharedStrings.xml"/>'
    "</Relationships>"
)
LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">'
        for n in range(1, 10)
    )
    + "]>"
)
XXE = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'


def _column(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def inline(reference: str, text: str) -> str:
    return f'<c r="{reference}" t="inlineStr"><is><t>{escape(text)}</t></is></c>'


def header_row(entity: Entity) -> str:
    cells = "".join(inline(f"{_column(i)}1", c.header) for i, c in enumerate(entity.columns))
    return f'<row r="1">{cells}</row>'


def sheet(rows: str, before: str = "", prolog: str = "") -> str:
    return f'{prolog}<worksheet xmlns="{MAIN}">{before}<sheetData>{rows}</sheetData></worksheet>'


def xlsx(sheet_xml: str, shared: str = f'<sst xmlns="{MAIN}"/>', **replace: str) -> bytes:
    """A minimal workbook (what Excel needs, no styles) with these parts."""
    parts = {
        "[Content_Types].xml": CONTENT_TYPES,
        "_rels/.rels": ROOT_RELS,
        "xl/workbook.xml": WORKBOOK,
        "xl/_rels/workbook.xml.rels": WORKBOOK_RELS,
        "xl/worksheets/sheet1.xml": sheet_xml,
        "xl/sharedStrings.xml": shared,
    }
    parts.update(replace)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return out.getvalue()


def shared_bomb(size: int, chunk: int = 1 << 20) -> bytes:
    """A workbook whose one shared string is ``size`` bytes of "a" (a zip bomb: it compresses
    about a thousand to one), written a chunk at a time."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in (
            ("[Content_Types].xml", CONTENT_TYPES),
            ("_rels/.rels", ROOT_RELS),
            ("xl/workbook.xml", WORKBOOK),
            ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS),
            ("xl/worksheets/sheet1.xml", sheet('<row r="1"><c r="A1" t="s"><v>0</v></c></row>')),
        ):
            archive.writestr(name, text)
        with archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as part:
            part.write(f'<sst xmlns="{MAIN}"><si><t>'.encode())
            block = b"a" * chunk
            for _ in range(size // chunk):
                part.write(block)
            part.write(b"</t></si></sst>")
    return out.getvalue()


def many_strings_bomb(count: int) -> bytes:
    """A workbook with ``count`` tiny shared strings."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        archive.writestr("xl/worksheets/sheet1.xml", sheet(""))
        with archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as part:
            part.write(f'<sst xmlns="{MAIN}">'.encode())
            block = b"<si><t>a</t></si>" * 10_000
            for _ in range(count // 10_000):
                part.write(block)
            part.write(b"</sst>")
    return out.getvalue()


ODS_MIMETYPE = "application/vnd.oasis.opendocument.spreadsheet"
OFFICE = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
)


def ods_cell(text: str, repeat: int = 1) -> str:
    times = f' table:number-columns-repeated="{repeat}"' if repeat > 1 else ""
    return (
        f'<table:table-cell office:value-type="string"{times}>'
        f"<text:p>{escape(text)}</text:p></table:table-cell>"
    )


def ods_empty(repeat: int) -> str:
    return f'<table:table-cell table:number-columns-repeated="{repeat}"/>'


def ods_row(cells: str, repeat: int = 1) -> str:
    times = f' table:number-rows-repeated="{repeat}"' if repeat > 1 else ""
    return f"<table:table-row{times}>{cells}</table:table-row>"


def ods_header(entity: Entity) -> str:
    return ods_row("".join(ods_cell(column.header) for column in entity.columns))


def ods(rows: str, prolog: str = "", bomb: int = 0) -> bytes:
    """A minimal OpenDocument spreadsheet (what calamine and LibreOffice need) with ``rows``;
    ``bomb`` bytes of blanks after them (a zip bomb: they compress about a thousand to one)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), ODS_MIMETYPE)  # stored, first
        archive.writestr(
            "META-INF/manifest.xml",
            '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
            f'<manifest:file-entry manifest:full-path="/" manifest:media-type="{ODS_MIMETYPE}"/>'
            '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
            "</manifest:manifest>",
        )
        with archive.open("content.xml", "w", force_zip64=True) as part:
            part.write(
                f"{prolog}<office:document-content {OFFICE}><office:body><office:spreadsheet>"
                f'<table:table table:name="Sheet1">{rows}'.encode()
            )
            for _ in range(bomb >> 20):
                part.write(b" " * (1 << 20))
            part.write(b"</table:table></office:spreadsheet></office:body>")
            part.write(b"</office:document-content>")
    return out.getvalue()


def xls_cut_short() -> bytes:
    """An OLE2 header (the start of every .xls) whose sectors the file does not have."""
    header = bytearray(512)
    header[:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    header[0x1E:0x20] = (9).to_bytes(2, "little")  # 512-byte sectors
    header[0x2C:0x30] = (1).to_bytes(4, "little")  # one FAT sector...
    header[0x4C:0x50] = (0).to_bytes(4, "little")  # ...sector 0, past the end of the file
    header[0x50:0x200] = b"\xff" * (0x200 - 0x50)
    return bytes(header)


@dataclass(frozen=True)
class Hostile:
    name: str
    content: bytes
    message: str  # a fragment of the refusal (the file-level message, or a row error's)
    limits: Limits = field(default_factory=Limits)
    row_error: bool = False  # refused by a row error (the file itself was readable)


SMALL = Limits(
    max_unzipped_bytes=1 << 20,
    max_shared_strings=1_000,
    max_shared_string_chars=100_000,
    max_rows=50,
    max_columns=100,
    max_cells=2_000,
)


def corpus(entity: Entity) -> list[Hostile]:
    """Every kind of hostile file, with headers of ``entity`` where the hostility needs the
    header row to be found first."""
    head = header_row(entity)
    ok = xlsx(sheet(head))
    ods_head = ods_header(entity)
    many_rows = "".join(f'<row r="{n}">{inline(f"A{n}", "x")}</row>' for n in range(2, 80))
    many_cells = "".join(
        f'<row r="{n}">' + "".join(inline(f"{_column(c)}{n}", "x") for c in range(60)) + "</row>"
        for n in range(2, 45)
    )
    return [
        # The issue's own file: A1 points at shared string 0, and there are none.
        Hostile(
            "missing-shared-string-header",
            xlsx(sheet('<row r="1"><c r="A1" t="s"><v>0</v></c></row>')),
            "the file is damaged: cell A1 points at shared string #0, which the file does not have",
        ),
        Hostile(
            "missing-shared-string-cell",
            xlsx(sheet(head + '<row r="2"><c r="A2" t="s"><v>7</v></c></row>')),
            "shared string #7, which the file does not have",
            row_error=True,
        ),
        Hostile(
            "formula-without-value",
            xlsx(sheet(head + '<row r="2"><c r="A2"><f>HYPERLINK("http://x","y")</f></c></row>')),
            "a formula without a calculated value",
            row_error=True,
        ),
        Hostile(
            "zip-bomb-one-string", shared_bomb(4 << 20), "SPREADSHEET_MAX_UNZIPPED_BYTES", SMALL
        ),
        Hostile(
            "zip-bomb-one-string-under-the-size-limit",
            shared_bomb(512 << 10, chunk=64 << 10),
            "SPREADSHEET_MAX_SHARED_STRING_CHARS",
            SMALL,
        ),
        Hostile(
            "many-shared-strings",
            many_strings_bomb(20_000),
            "SPREADSHEET_MAX_SHARED_STRINGS",
            SMALL,
        ),
        Hostile("many-rows", xlsx(sheet(head + many_rows)), "SPREADSHEET_MAX_ROWS", SMALL),
        Hostile("many-cells", xlsx(sheet(head + many_cells)), "SPREADSHEET_MAX_CELLS", SMALL),
        Hostile(
            "huge-dimension",
            xlsx(sheet(head, before='<dimension ref="A1:XFD99999999"/>')),
            "SPREADSHEET_MAX_ROWS",
        ),
        Hostile(
            "cell-past-the-last-column",
            xlsx(sheet(head + f'<row r="2">{inline("ZZZ2", "x")}</row>')),
            "SPREADSHEET_MAX_COLUMNS",
        ),
        Hostile(
            "cell-without-references-past-the-last-column",
            xlsx(sheet(head + '<row r="2">' + "<c/>" * 200 + "</row>")),
            "SPREADSHEET_MAX_COLUMNS",
            SMALL,
        ),
        Hostile("time", ok, "SPREADSHEET_MAX_SECONDS", Limits(max_seconds=0.0)),
        Hostile(
            "xxe-in-the-sheet",
            xlsx(
                sheet(head + f'<row r="2">{inline("A2", "&xxe;")}</row>', prolog=XXE).replace(
                    "&amp;xxe;", "&xxe;"
                )
            ),
            "declares a DTD",
        ),
        Hostile(
            "billion-laughs-in-shared-strings",
            xlsx(sheet(head), shared=LAUGHS + f'<sst xmlns="{MAIN}"><si><t>&lol9;</t></si></sst>'),
            "declares a DTD",
        ),
        Hostile(
            "dtd-in-the-workbook-part",
            xlsx(sheet(head), **{"xl/workbook.xml": XXE + WORKBOOK}),
            "declares a DTD",
        ),
        Hostile("truncated-zip", ok[: len(ok) // 2], "damaged or cut short"),
        Hostile("not-a-zip", b"PK\x03\x04" + b"\x00garbage" * 100, "not an Excel workbook"),
        Hostile("old-xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "Excel 97-2003"),
        Hostile("invalid-xml-in-the-sheet", xlsx("<worksheet><sheetData><row>"), "invalid XML"),
        Hostile(
            "damaged-compression",
            _flip_sheet_bytes(xlsx(sheet(head + many_rows))),
            "damaged",
        ),
        Hostile(
            "utf16-without-a-byte-order-mark",
            ",".join(c.header for c in entity.columns).encode("utf-16-le"),
            "neither an Excel workbook (.xlsx) nor a CSV text",
        ),
        Hostile(
            "utf16-csv-with-a-nul-character",
            codecs.BOM_UTF16_LE
            + (
                "\t".join(c.header for c in entity.columns)
                + "\r\n"
                + "\t".join("a\x00b" for _ in entity.columns)
                + "\r\n"
            ).encode("utf-16-le"),
            "U+0000",
            row_error=True,
        ),
        # .ods: a zip of XML like an .xlsx, read by calamine (one dense grid per sheet).
        Hostile(
            "ods-zip-bomb", ods(ods_head, bomb=4 << 20), "SPREADSHEET_MAX_UNZIPPED_BYTES", SMALL
        ),
        Hostile(
            "ods-one-cell-far-down-and-right",
            ods(ods_head + ods_row("", 600_000) + ods_row(ods_empty(10_000) + ods_cell("x"))),
            "SPREADSHEET_MAX_GRID_CELLS",
        ),
        Hostile("ods-many-rows", ods(ods_head + ods_row(ods_cell("x"), 80)), "MAX_ROWS", SMALL),
        Hostile(
            "ods-a-cell-repeated-past-the-last-column",
            ods(ods_head + ods_row(ods_cell("x", 20_000))),
            "SPREADSHEET_MAX_COLUMNS",
        ),
        Hostile(
            "ods-many-cells",
            ods(ods_head + ods_row(ods_cell("x", 60), 45)),
            "SPREADSHEET_MAX_CELLS",
            SMALL,
        ),
        Hostile("ods-time", ods(ods_head), "SPREADSHEET_MAX_SECONDS", Limits(max_seconds=0.0)),
        Hostile(
            "ods-a-repeat-behind-a-quoted-angle-bracket",
            ods(
                ods_head
                + ods_row(
                    '<table:table-cell table:style-name="a>b" '
                    'table:number-columns-repeated="20000" office:value-type="string">'
                    "<text:p>x</text:p></table:table-cell>"
                )
            ),
            "SPREADSHEET_MAX_COLUMNS",
        ),
        Hostile(
            "ods-a-repeat-written-as-a-character-reference",
            ods(
                ods_head
                + ods_row(
                    ods_cell("x").replace(">", ' table:number-columns-repeated="&#50;0000">', 1)
                )
            ),
            "a repeat count of",
        ),
        Hostile("ods-xxe", ods(ods_head, prolog=XXE), "declares a DTD"),
        Hostile("ods-invalid-xml", ods(ods_head + "<table:table-row>"), "invalid XML"),
        Hostile("ods-truncated", ods(ods_head)[:300], "damaged or cut short"),
        Hostile("xls-cut-short", xls_cut_short(), "Excel 97-2003 workbook (.xls)"),
        Hostile(
            "shift-jis-csv",
            ",".join(c.header for c in entity.columns).encode("utf-8") + b"\n\x82\xa0\xff\xfe\n",
            "neither an Excel workbook (.xlsx) nor a CSV text",
        ),
    ]


def _flip_sheet_bytes(content: bytes) -> bytes:
    """The workbook with bytes in the middle of the worksheet's compressed data changed."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        info = archive.getinfo("xl/worksheets/sheet1.xml")
    # Local header: 30 bytes plus the name and the extra field, then the data.
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    middle = start + info.compress_size // 2
    data = bytearray(content)
    for offset in range(middle, middle + 8):
        data[offset] ^= 0xFF
    return bytes(data)


def describe(hostile: Hostile) -> Any:
    return hostile.name
