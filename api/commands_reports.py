"""``digicampus report …``: publish, list, show and export coverage reports from the command line.

Every command acts as the system actor ``cli`` (an admin).
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import click
from flask.cli import with_appcontext

from api import runtime
from inventory.actor import Actor
from inventory.coverage import export, report, snapshots
from inventory.errors import DomainError
from inventory.services.common import PageRequest
from inventory.standards.registry import get_standard
from inventory.unit_of_work import SqlAlchemyUnitOfWork

DAY = click.DateTime(formats=["%Y-%m-%d"])


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.1f} %"


def _print(body: dict[str, Any]) -> None:
    region = body["region"]
    click.echo(
        f"{region['code']} {region['name_zh']} as of {body['as_of']} — standard "
        f"{body['standard']['version']} ({body.get('verification')})"
    )
    header = f"{'region':<24} {'schools':>7} {'declared':>9} {'verified':>9} {'fibre':>7} {'rooms':>7} {'gigabit':>8}"
    click.echo(header)
    rows = [*body["by_region"], {"region": {"code": "", "name_zh": "合计"}, **body["totals"]}]
    for row in rows:
        name = f"{row['region']['code']} {row['region']['name_zh']}".strip()
        click.echo(
            f"{name:<24} {row['schools']:>7} {_percent(row['digital_campus_rate']):>9} "
            f"{_percent(row['verified_digital_campus_rate']):>9} {_percent(row['all_fibre_rate']):>7} "
            f"{_percent(row['standard_classroom_rate']):>7} {_percent(row['gigabit_uplink_rate']):>8}"
        )


@click.group("report")
def report_group() -> None:
    """Coverage reports: publish (freeze), list, show, export."""


@report_group.command("publish")
@click.option("--as-of", "as_of", type=DAY, required=True, help="Date of the report (YYYY-MM-DD).")
@click.option("--region", default=None, help="Region code (default: the top region).")
@click.option("--standard", default=None, help="Standard version (default: the current one).")
@with_appcontext
def publish_command(as_of: Any, region: str | None, standard: str | None) -> None:
    """Compute the report as of a date and store it, frozen; prints its id."""
    try:
        with click.progressbar(length=1, label="Computing the report") as bar:
            snapshot = snapshots.publish_report(
                SqlAlchemyUnitOfWork(runtime.runtime().sessions),
                Actor.system("cli"),
                as_of.date(),
                region=region,
                standard_version=standard,
            )
            bar.update(1)
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(
        f"published report {snapshot.id}: {snapshot.region_code} as of {snapshot.as_of}, "
        f"standard {snapshot.standard_version}"
    )


@report_group.command("list")
@with_appcontext
def list_command() -> None:
    """List the published reports, newest first."""
    with runtime.runtime().sessions() as session:
        page = snapshots.list_snapshots(session, Actor.system("cli"), PageRequest(per_page=1000))
        for s in page.items:
            click.echo(
                f"{s.id:>6}  {s.as_of}  {s.region_code}  {s.standard_version:<12} {s.kind.value:<10} "
                f"{s.published_at:%Y-%m-%d %H:%M} {s.published_by}"
            )


def _body(
    session: Any, snapshot_id: int | None, as_of: date | None, region: str | None
) -> dict[str, Any]:
    actor = Actor.system("cli")
    if snapshot_id is not None:
        snapshot = snapshots.get_snapshot(session, actor, snapshot_id)
        return {**snapshot.body, "snapshot_id": snapshot.id}
    live = report.coverage_report(session, actor, get_standard(session), region=region, as_of=as_of)
    return live.as_json()


@report_group.command("show")
@click.argument("snapshot_id", type=int, required=False)
@click.option("--as-of", "as_of", type=DAY, default=None, help="Live report as of this date.")
@click.option("--region", default=None, help="Region code of a live report.")
@click.option("--json", "as_json", is_flag=True, help="Print the whole report as JSON.")
@with_appcontext
def show_command(snapshot_id: int | None, as_of: Any, region: str | None, as_json: bool) -> None:
    """Show a published report (by id) or the live report (as of a date, default today)."""
    with runtime.runtime().sessions() as session:
        try:
            body = _body(session, snapshot_id, as_of.date() if as_of else None, region)
        except DomainError as exc:
            raise click.ClickException(exc.message) from exc
    if as_json:
        click.echo(json.dumps(body, ensure_ascii=False, indent=2))
    else:
        _print(body)


@report_group.command("export")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--id", "snapshot_id", type=int, default=None, help="A published report.")
@click.option("--as-of", "as_of", type=DAY, default=None, help="Live report as of this date.")
@click.option("--region", default=None, help="Region code of a live report.")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
@click.option("--breakdown", default="by_region", show_default=True, help="CSV: which breakdown.")
@with_appcontext
def export_command(
    path: Path, snapshot_id: int | None, as_of: Any, region: str | None, lang: str, breakdown: str
) -> None:
    """Write a report to PATH: .xlsx (a sheet per breakdown) or .csv (one breakdown)."""
    if path.suffix not in (".xlsx", ".csv"):
        raise click.ClickException("PATH must end in .xlsx or .csv")
    if breakdown not in export.BREAKDOWNS:
        raise click.ClickException(f"unknown breakdown; one of {', '.join(export.BREAKDOWNS)}")
    with runtime.runtime().sessions() as session:
        try:
            body = _body(session, snapshot_id, as_of.date() if as_of else None, region)
        except DomainError as exc:
            raise click.ClickException(exc.message) from exc
    if path.suffix == ".xlsx":
        path.write_bytes(export.report_xlsx(body, lang))
    else:
        path.write_text(export.report_csv(body, breakdown, lang), encoding="utf-8")
    click.echo(f"wrote {path}")
