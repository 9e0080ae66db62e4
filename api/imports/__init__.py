"""Spreadsheet resource: import (XLSX/CSV upload), templates and exports."""
