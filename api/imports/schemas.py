"""Spreadsheet schemas: the upload, import options, the import result, export filters."""

from __future__ import annotations

import marshmallow as ma
from flask_smorest.fields import Upload
from marshmallow import fields, validate

from api.classrooms.schemas import ClassroomListArgs
from api.devices.schemas import DeviceListArgs
from api.errors import ErrorSchema
from api.links.schemas import LinkListArgs
from api.networks.schemas import CampusNetworkListArgs
from api.schools.schemas import SchoolListArgs
from inventory.spreadsheets.columns import ENTITIES

ENTITY_NAMES = [entity.name for entity in ENTITIES]
# Exports take a list's filters, not its paging or order (rows come in the natural-key order).
NOT_FILTERS = ("page", "per_page", "sort")


class ImportArgs(ma.Schema):
    """Options of an import."""

    entity = fields.String(
        validate=validate.OneOf(ENTITY_NAMES),
        metadata={"description": "What the sheet holds; guessed from its headers when omitted"},
    )
    dry_run = fields.Boolean(
        load_default=False,
        metadata={"description": "Check every row and report, but write nothing"},
    )


class ImportFileSchema(ma.Schema):
    """The uploaded file (multipart/form-data)."""

    file = Upload(
        required=True,
        metadata={
            "description": "XLSX, XLS (Excel 97-2003), ODS (LibreOffice), or CSV in UTF-8 "
            "(with or without BOM) or GBK/GB18030"
        },
    )


class RowErrorSchema(ma.Schema):
    """One problem of one row, located as the person sees it in Excel."""

    row = fields.Integer(metadata={"description": "Row number as Excel shows it"})
    column = fields.String(allow_none=True, metadata={"description": "Column header"})
    field = fields.String(allow_none=True, metadata={"description": "Field (English key)"})
    cell = fields.String(allow_none=True, metadata={"description": "Cell, e.g. C5"})
    value = fields.String(allow_none=True, metadata={"description": "What the cell holds"})
    message = fields.String()


class ImportResultSchema(ma.Schema):
    """What an import did, or on a dry run would do."""

    entity = fields.String()
    dry_run = fields.Boolean()
    committed = fields.Boolean(metadata={"description": "Whether the changes were written"})
    sheet = fields.String(allow_none=True, metadata={"description": "XLSX sheet read"})
    header_row = fields.Integer()
    columns = fields.List(fields.String(), metadata={"description": "Columns recognised"})
    ignored_columns = fields.List(fields.String(), metadata={"description": "Headers ignored"})
    rows = fields.Integer(metadata={"description": "Data rows read (blank rows skipped)"})
    created = fields.Integer()
    updated = fields.Integer()
    unchanged = fields.Integer()
    bad_rows = fields.Integer()
    error_count = fields.Integer()
    row_errors = fields.List(fields.Nested(RowErrorSchema))
    batch_id = fields.String(
        allow_none=True, metadata={"description": "Change-log batch of the written changes"}
    )


class ImportErrorSchema(ErrorSchema, ImportResultSchema):
    """422 when any row is bad: the error envelope and every row error; nothing was written."""


class SchoolExportArgs(SchoolListArgs):
    """Filters of the school export (those of the school list)."""

    class Meta:
        exclude = NOT_FILTERS


class CampusNetworkExportArgs(CampusNetworkListArgs):
    """Filters of the campus-network export (those of the list)."""

    class Meta:
        exclude = NOT_FILTERS


class LinkExportArgs(LinkListArgs):
    """Filters of the uplink export (those of the list)."""

    class Meta:
        exclude = NOT_FILTERS


class DeviceExportArgs(DeviceListArgs):
    """Filters of the device export (those of the list)."""

    class Meta:
        exclude = NOT_FILTERS


class ClassroomExportArgs(ClassroomListArgs):
    """Filters of the classroom export (those of the list)."""

    class Meta:
        exclude = NOT_FILTERS
