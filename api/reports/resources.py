"""Published report endpoints: /api/v1/reports."""

from __future__ import annotations

from typing import Any

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint

from api import runtime
from api.auth import current_actor
from api.coverage.files import XLSX, download
from api.fields import page_body, page_request
from api.reports.schemas import (
    PublishSchema,
    SnapshotBodySchema,
    SnapshotExportArgs,
    SnapshotListArgs,
    SnapshotPageSchema,
)
from inventory.coverage import export, snapshots
from inventory.models import ReportSnapshot

blp = Blueprint("reports", __name__, description="Published coverage reports, frozen")


@blp.route("/reports")
class Reports(MethodView):
    """Published reports."""

    @blp.arguments(SnapshotListArgs, location="query")
    @blp.response(200, SnapshotPageSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """List published reports in your scope, newest first."""
        page = page_request(args)
        result = snapshots.list_snapshots(
            runtime.session(),
            current_actor(),
            page,
            region=args.get("region"),
            as_of=args.get("as_of"),
        )
        return page_body(result)

    @blp.arguments(PublishSchema)
    @blp.response(201, SnapshotBodySchema)
    def post(self, data: dict[str, Any]) -> ReportSnapshot:
        """Publish (freeze) the report of a region as of a date (admins, region admins)."""
        return snapshots.publish_report(
            runtime.uow(),
            current_actor(),
            data["as_of"],
            region=data.get("region"),
            standard_version=data.get("standard"),
        )


@blp.route("/reports/<id:snapshot_id>")
class ReportItem(MethodView):
    """One published report."""

    @blp.response(200, SnapshotBodySchema)
    def get(self, snapshot_id: int) -> ReportSnapshot:
        """Get a published report with its frozen body."""
        return snapshots.get_snapshot(runtime.session(), current_actor(), snapshot_id)


@blp.route("/reports/<id:snapshot_id>.<any(xlsx, csv):fmt>")
class ReportExport(MethodView):
    """A published report as a file."""

    @blp.arguments(SnapshotExportArgs, location="query")
    @blp.response(200, content_type=XLSX, description="XLSX or CSV")
    def get(self, args: dict[str, Any], snapshot_id: int, fmt: str) -> Response:
        """Download a published report: XLSX with a sheet per breakdown, or CSV of one."""
        snapshot = snapshots.get_snapshot(runtime.session(), current_actor(), snapshot_id)
        body = {**snapshot.body, "snapshot_id": snapshot.id}
        name = f"report-{snapshot.id}-{snapshot.region_code}-{snapshot.as_of.isoformat()}"
        if fmt == "xlsx":
            return download(export.report_xlsx(body, args["lang"]), fmt, name)
        return download(export.report_csv(body, args["breakdown"], args["lang"]), fmt, name)
