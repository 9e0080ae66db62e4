"""File downloads of coverage: report and gap list as XLSX or CSV."""

from __future__ import annotations

from flask import Response

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def download(body: bytes | str, fmt: str, name: str) -> Response:
    """A body as an attachment named ``name``.``fmt``."""
    data = body.encode("utf-8") if isinstance(body, str) else body
    mimetype = XLSX if fmt == "xlsx" else "text/csv; charset=utf-8"
    return Response(
        data,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"'},
    )
