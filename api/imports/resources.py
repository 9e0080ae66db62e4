"""Spreadsheet endpoints: POST /api/v1/imports, GET /api/v1/templates/<entity>.xlsx and
GET /api/v1/exports/<entity>.xlsx|.csv."""

from __future__ import annotations

import io
import tempfile
from collections.abc import Callable, Iterator
from typing import IO, Any

import marshmallow as ma
from flask import Response, current_app, jsonify
from flask.views import MethodView
from flask_smorest import Blueprint
from werkzeug.datastructures import FileStorage

from api import runtime
from api.auth import current_actor
from api.imports.schemas import (
    CampusNetworkExportArgs,
    ClassroomExportArgs,
    DeviceExportArgs,
    ImportArgs,
    ImportErrorSchema,
    ImportFileSchema,
    ImportResultSchema,
    LinkExportArgs,
    SchoolExportArgs,
)
from inventory import localday
from inventory.errors import NotFound
from inventory.services.campus_networks import CampusNetworkFilter
from inventory.services.classrooms import ClassroomFilter
from inventory.services.devices import DeviceFilter
from inventory.services.links import LinkFilter
from inventory.services.schools import SchoolFilter
from inventory.spreadsheets import exporter
from inventory.spreadsheets.columns import (
    CAMPUS_NETWORKS,
    CLASSROOMS,
    DEVICES,
    LINKS,
    SCHOOLS,
    Entity,
    entity_named,
)
from inventory.spreadsheets.importer import ImportResult, import_sheet
from inventory.spreadsheets.limits import Limits

blp = Blueprint(
    "spreadsheets",
    __name__,
    description="Spreadsheet import, export and templates (电子表格导入导出)",
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MIMETYPES = {"xlsx": XLSX, "csv": "text/csv; charset=utf-8"}
SPOOL_BYTES = 8 << 20  # exports larger than this are spooled to a temporary file
CHUNK_BYTES = 1 << 16


def _body(result: ImportResult) -> dict[str, Any]:
    body = result.as_dict()
    body["row_errors"] = body.pop("errors")
    return body


def _message(result: ImportResult) -> str:
    rows = "row has" if result.bad_rows == 1 else "rows have"
    return (
        f"{result.bad_rows} {rows} errors ({result.error_count} in all): nothing was imported; "
        "fix them and import the file again"
    )


@blp.route("/imports")
class Imports(MethodView):
    """Upload a spreadsheet to import."""

    @blp.arguments(ImportArgs, location="query")
    @blp.arguments(ImportFileSchema, location="files")
    @blp.response(200, ImportResultSchema)
    @blp.alt_response(422, schema=ImportErrorSchema, description="Bad rows, or not a sheet")
    def post(self, args: dict[str, Any], files: dict[str, FileStorage]) -> Any:
        """Import an XLSX, XLS, ODS or CSV file: each row upserted by natural key, all or nothing.

        Schools by 学校标识码, classrooms by school + 教室编号, uplinks by 电路编号, devices by
        管理地址, campus networks by school + 启用日期. With ``dry_run`` every row is checked
        and nothing written. When any row is bad the answer is 422 with every bad row (row
        number, column, value, message) and nothing is written. A file past one of the
        ``SPREADSHEET_*`` limits (unpacked size, shared strings, rows, columns, cells, used
        area of an .xls/.ods sheet, time), with a DTD, or damaged is 422 naming what is wrong,
        and nothing is written.
        """
        entity = entity_named(args["entity"]) if args.get("entity") else None
        result = import_sheet(
            runtime.uow(),
            current_actor(),
            files["file"].stream,
            entity,
            dry_run=args["dry_run"],
            limits=Limits.from_config(current_app.config),
        )
        if result.ok:
            return _body(result)
        response = jsonify(
            {
                "code": 422,
                "status": "Unprocessable Entity",
                "message": _message(result),
                "errors": {"file": [_message(result)]},
                **_body(result),
            }
        )
        response.status_code = 422
        return response


def _entity(name: str) -> Entity:
    entity = entity_named(name)
    if entity is None or entity.name != name:
        allowed = ", ".join(exporter.LISTERS)
        raise NotFound(f"no template for {name!r}; there are: {allowed}")
    return entity


def _spool() -> IO[bytes]:
    """A file for one response body, closed once the body is sent (or dropped)."""
    return tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)


def _chunks(out: IO[bytes]) -> Iterator[bytes]:
    try:
        out.seek(0)
        while chunk := out.read(CHUNK_BYTES):
            yield chunk
    finally:
        out.close()


def _send(out: IO[bytes], fmt: str, name: str) -> Response:
    """The spooled file as a download; the file is closed when the body is done."""
    size = out.tell()
    return Response(
        _chunks(out),
        mimetype=MIMETYPES[fmt],
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Content-Length": str(size),
        },
    )


@blp.route("/templates/<entity>.xlsx")
class Template(MethodView):
    """The import template of an entity."""

    @blp.response(200, content_type=XLSX, description="The template workbook")
    def get(self, entity: str) -> Response:
        """Download the XLSX template of ``entity`` (schools, campus-networks, links, devices,
        classrooms): Chinese headers, a drop-down for every enumerated column, one example
        row, and a sheet of notes."""
        found = _entity(entity)
        out = io.BytesIO()
        exporter.write_template(found, out)
        return _send(out, "xlsx", f"{found.name}-template.xlsx")


def _school_filter(args: dict[str, Any]) -> SchoolFilter:
    return SchoolFilter(types=tuple(args.pop("type", ())), **args)


EXPORTS: list[tuple[Entity, type[ma.Schema], Callable[[dict[str, Any]], Any]]] = [
    (SCHOOLS, SchoolExportArgs, _school_filter),
    (CAMPUS_NETWORKS, CampusNetworkExportArgs, lambda args: CampusNetworkFilter(**args)),
    (LINKS, LinkExportArgs, lambda args: LinkFilter(**args)),
    (DEVICES, DeviceExportArgs, lambda args: DeviceFilter(**args)),
    (CLASSROOMS, ClassroomExportArgs, lambda args: ClassroomFilter(**args)),
]


def _export_view(
    entity: Entity, args_schema: type[ma.Schema], make_filter: Callable[[dict[str, Any]], Any]
) -> None:
    """Register GET /exports/<entity>.<xlsx|csv> with the filters of the entity's list."""

    class Export(MethodView):
        @blp.arguments(args_schema, location="query")
        @blp.response(200, content_type=XLSX, description="The sheet (XLSX or CSV)")
        def get(self, args: dict[str, Any], fmt: str) -> Response:
            flt = make_filter(args)
            out = _spool()
            try:
                exporter.export(runtime.session(), current_actor(), entity, flt, fmt, out)
            except BaseException:
                out.close()
                raise
            return _send(out, fmt, f"{entity.name}-{localday.today().isoformat()}.{fmt}")

    Export.get.__doc__ = (
        f"Export {entity.name} matching the filters of their list, as XLSX or CSV in the "
        "template's format (export → edit → import changes only what was edited). Devices "
        "name their SNMP credential profile, never a secret."
    )
    Export.__name__ = f"Export{entity.name.title().replace('-', '')}"
    blp.route(f"/exports/{entity.name}.<any(xlsx, csv):fmt>", endpoint=f"export_{entity.name}")(
        Export
    )


for _entity_spec, _schema, _filter in EXPORTS:
    _export_view(_entity_spec, _schema, _filter)
