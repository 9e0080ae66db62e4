"""Spreadsheet resource: import (XLSX/CSV upload), templates and exports."""

from flask_smorest import Api

from api.imports.resources import blp


def init_app(api: Api) -> None:
    """Register /api/v1/imports, /api/v1/templates/<entity>.xlsx, /api/v1/exports/<entity>.<fmt>."""
    api.register_blueprint(blp, url_prefix="/api/v1")
