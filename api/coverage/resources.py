"""Coverage endpoints: /api/v1/coverage, its exports, school evaluations, gaps and trends."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint

from api import runtime
from api.auth import current_actor
from api.coverage.files import XLSX, download
from api.coverage.schemas import (
    CoverageArgs,
    EvaluationArgs,
    EvaluationSchema,
    ExportArgs,
    GapArgs,
    GapExportArgs,
    GapPageSchema,
    ReportSchema,
    TrendArgs,
    TrendSchema,
)
from api.fields import page_body, page_request
from inventory.actor import Actor
from inventory.choices import Stage, UserRole
from inventory.coverage import evaluation, export, report, results, trend
from inventory.errors import NotFound
from inventory.models import Region, School
from inventory.services.common import PageResult
from inventory.standards.registry import get_standard

blp = Blueprint("coverage", __name__, description="Coverage (覆盖率): reports, gaps, trends")


def _actor_for(args: dict[str, Any]) -> Actor:
    """The actor, once the asked region is known to be in its scope.

    Region admins and viewers are held to their subtree by the report itself; school staff
    may ask for a region only if it holds one of their schools. Any other region is 404,
    as if it did not exist.
    """
    actor = current_actor()
    code = args.get("region")
    if code is None or actor.role is not UserRole.SCHOOL_STAFF:
        return actor
    session = runtime.session()
    path = session.scalar(sa.select(Region.path).where(Region.code == code))
    holds = path is not None and session.scalar(
        sa.select(School.id)
        .join(Region, School.region_code == Region.code)
        .where(School.id.in_(sorted(actor.school_ids)), Region.path.startswith(path))
        .limit(1)
    )
    if not holds:
        raise NotFound(f"no region with code {code!r}")
    return actor


def _stages(args: dict[str, Any]) -> frozenset[Stage] | None:
    return frozenset(args.get("stage") or ()) or None


def _report(args: dict[str, Any]) -> results.CoverageReport:
    session = runtime.session()
    standard = get_standard(session, args.get("standard"))
    return report.coverage_report(
        session,
        _actor_for(args),
        standard,
        region=args.get("region"),
        as_of=args.get("as_of"),
        stages=_stages(args),
    )


@blp.route("/coverage")
class Coverage(MethodView):
    """The coverage report of a region subtree."""

    @blp.arguments(CoverageArgs, location="query")
    @blp.response(200, ReportSchema)
    def get(self, args: dict[str, Any]) -> results.CoverageReport:
        """Coverage as of a date: per child region, stage, region × stage, counties ranked."""
        return _report(args)


@blp.route("/coverage/report.<any(xlsx, csv):fmt>")
class CoverageExport(MethodView):
    """The coverage report as a file."""

    @blp.arguments(ExportArgs, location="query")
    @blp.response(200, content_type=XLSX, description="XLSX (a sheet per breakdown) or CSV")
    def get(self, args: dict[str, Any], fmt: str) -> Response:
        """Download the report: XLSX with a sheet per breakdown, or CSV of one breakdown."""
        body = _report(args)
        name = f"coverage-{body.region.code}-{body.as_of.isoformat()}"
        if fmt == "xlsx":
            return download(export.report_xlsx(body, args["lang"]), fmt, name)
        return download(export.report_csv(body, args["breakdown"], args["lang"]), fmt, name)


@blp.route("/coverage/schools/<code>")
class SchoolEvaluation(MethodView):
    """One school's tiers."""

    @blp.arguments(EvaluationArgs, location="query")
    @blp.response(200, EvaluationSchema)
    def get(self, args: dict[str, Any], code: str) -> results.Evaluation:
        """A school's declared and verified tiers and the reasons it misses the next tier."""
        session = runtime.session()
        standard = get_standard(session, args.get("standard"))
        return evaluation.evaluate_school(
            session, current_actor(), standard, code, as_of=args.get("as_of")
        )


def _gaps(args: dict[str, Any], paged: bool) -> PageResult[results.Gap]:
    session = runtime.session()
    page = page_request(args) if paged else None
    standard = get_standard(session, args.get("standard"))
    return evaluation.gap_list(
        session,
        _actor_for(args),
        standard,
        region=args.get("region"),
        as_of=args.get("as_of"),
        stages=_stages(args),
        page=page,
    )


@blp.route("/coverage/gaps")
class Gaps(MethodView):
    """The gap list."""

    @blp.arguments(GapArgs, location="query")
    @blp.response(200, GapPageSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Every counted school below 达标 (verified) with what it lacks, by region and code."""
        return page_body(_gaps(args, paged=True))


@blp.route("/coverage/gaps.<any(xlsx, csv):fmt>")
class GapsExport(MethodView):
    """The gap list as a file."""

    @blp.arguments(GapExportArgs, location="query")
    @blp.response(200, content_type=XLSX, description="XLSX or CSV")
    def get(self, args: dict[str, Any], fmt: str) -> Response:
        """Download the whole gap list of a region as XLSX or CSV."""
        items = _gaps(args, paged=False).items
        name = f"gaps-{args.get('region') or 'all'}"
        if fmt == "xlsx":
            return download(export.gaps_xlsx(items, args["lang"]), fmt, name)
        return download(export.gaps_csv(items, args["lang"]), fmt, name)


@blp.route("/coverage/trend")
class Trend(MethodView):
    """A metric over time."""

    @blp.arguments(TrendArgs, location="query")
    @blp.response(200, TrendSchema)
    def get(self, args: dict[str, Any]) -> results.Trend:
        """A metric at each month end between two dates (projected ahead), with milestones."""
        session = runtime.session()
        standard = get_standard(session, args.get("standard"))
        return trend.trend(
            session,
            _actor_for(args),
            standard,
            args["metric"],
            start=args["from_"],
            end=args["to"],
            region=args.get("region"),
            stages=_stages(args),
        )
