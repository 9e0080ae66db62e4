"""Spreadsheet import and export (XLSX and CSV) of schools, campus networks, uplinks, devices
and classrooms.

``columns`` describes each entity's sheet (headers, parsing of cell values, drop-downs),
``reader`` finds the header row and streams the rows of an XLSX or CSV file, ``importer``
upserts them by natural key through the services in one transaction, ``exporter`` writes
templates and filtered lists in the same format. Pure Python and openpyxl: no Flask.
"""

from inventory.spreadsheets.columns import ENTITIES, Entity, entity_named
from inventory.spreadsheets.limits import SpreadsheetError

__all__ = ["ENTITIES", "Entity", "SpreadsheetError", "entity_named"]
