"""``digicampus import FILE`` and ``digicampus export ENTITY FILE``: spreadsheets from the
command line, through the same importer and exporter as the API.

Both act as the system actor ``cli`` (an admin). An import is all or nothing: any bad row is
printed (row, column, value, message) and nothing is written; the exit status is then 1.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext

from api import runtime
from inventory.actor import Actor
from inventory.errors import DomainError
from inventory.spreadsheets import exporter
from inventory.spreadsheets.columns import ENTITIES, entity_named
from inventory.spreadsheets.importer import ImportResult, RowError, import_sheet
from inventory.spreadsheets.limits import Limits
from inventory.spreadsheets.reader import Sheet
from inventory.unit_of_work import SqlAlchemyUnitOfWork

ENTITY = click.Choice([entity.name for entity in ENTITIES])
SHOWN_ERRORS = 200  # row errors printed; the count says how many more there are
COUNT_EVERY = 10_000  # rows between two counts when the size of the sheet is unknown


def _fail(exc: DomainError) -> click.ClickException:
    details = "; ".join(
        f"{key}: {message}"
        for key, messages in exc.fields.items()
        for message in messages
        if message != exc.message
    )
    return click.ClickException(f"{exc.message} ({details})" if details else exc.message)


def _where(error: RowError) -> str:
    place = f"row {error.row}"
    if error.column:
        place += f", {error.column}"
        if error.cell:
            place += f" ({error.cell})"
    return place


def _report(result: ImportResult) -> None:
    mode = "dry run, nothing written" if result.dry_run else "committed"
    if not result.ok:
        mode = "nothing written"
    sheet = f"sheet {result.sheet!r}, " if result.sheet else ""
    click.echo(
        f"{result.entity} ({sheet}header in row {result.header_row}): {result.rows} rows — "
        f"{result.created} created, {result.updated} updated, {result.unchanged} unchanged "
        f"({mode})"
    )
    if result.ignored_columns:
        click.echo(f"ignored columns: {', '.join(result.ignored_columns)}")
    if result.written_batch:
        click.echo(f"change-log batch: {result.written_batch}")


class _Progress:
    """A progress bar sized once the sheet is open (a row count when its size is unknown)."""

    def __init__(self) -> None:
        self.bar: Any = None
        self.done = 0
        self.shown = 0

    def opened(self, sheet: Sheet) -> None:
        if sheet.estimated_rows:
            self.bar = click.progressbar(
                length=sheet.estimated_rows, label=f"Importing {sheet.entity.name}"
            )
            self.bar.__enter__()

    def update(self, rows: int) -> None:
        self.done += rows
        if self.bar is not None:
            self.bar.update(rows)
        elif self.done - self.shown >= COUNT_EVERY:
            self.shown = self.done
            click.echo(f"  {self.done} rows…", err=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check every row and report; write nothing.")
@click.option("--entity", type=ENTITY, help="What the sheet holds (default: from its headers).")
@with_appcontext
def import_command(file: Path, dry_run: bool, entity: str | None) -> None:
    """Import FILE (XLSX, or CSV in UTF-8 or GBK): rows upserted by natural key, all or nothing.

    Schools match by 学校标识码, classrooms by school + 教室编号, uplinks by 电路编号, devices
    by 管理地址, campus networks by school + 启用日期. Every bad row is reported; if there is
    any, nothing is written and the exit status is 1.
    """
    progress = _Progress()
    try:
        with file.open("rb") as source:
            result = import_sheet(
                SqlAlchemyUnitOfWork(runtime.runtime().sessions),
                Actor.system("cli"),
                source,
                entity_named(entity) if entity else None,
                dry_run=dry_run,
                progress=progress.update,
                on_open=progress.opened,
                # The operator's own command has no worker timeout to stay under.
                limits=Limits.from_config(current_app.config, timed=False),
            )
        progress.close()
    except DomainError as exc:
        progress.close()
        raise _fail(exc) from exc
    _report(result)
    if not result.ok:
        for error in result.errors[:SHOWN_ERRORS]:
            value = f" {error.value!r}" if error.value is not None else ""
            click.echo(f"  {_where(error)}:{value} {error.message}", err=True)
        hidden = result.error_count - min(len(result.errors), SHOWN_ERRORS)
        if hidden:
            click.echo(f"  … and {hidden} more", err=True)
        raise click.ClickException(
            f"{result.bad_rows} row(s) with errors: nothing was imported; fix them and run again"
        )


def _options(**given: str | None) -> dict[str, str]:
    return {key: value for key, value in given.items() if value is not None}


@click.command("export")
@click.argument("entity", type=ENTITY)
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--region", help="Region code: its whole subtree.")
@click.option("--school", help="School code (not for schools).")
@click.option("--status", help="Status filter of the entity's list (e.g. active, 在用).")
@click.option(
    "--filter",
    "filters",
    multiple=True,
    metavar="KEY=VALUE",
    help="Any other filter of the entity's list, e.g. --filter kind=computer_lab.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(exporter.FORMATS),
    help="xlsx or csv (default: from FILE's suffix).",
)
@with_appcontext
def export_command(
    entity: str,
    file: Path,
    region: str | None,
    school: str | None,
    status: str | None,
    filters: tuple[str, ...],
    fmt: str | None,
) -> None:
    """Export ENTITY (filtered like its list) to FILE, in the import template's format.

    Edit the file and import it again: only what was edited changes. Devices name their SNMP
    credential profile, never a secret.
    """
    fmt = fmt or file.suffix.lower().lstrip(".")
    if fmt not in exporter.FORMATS:
        raise click.UsageError(f"cannot tell the format of {file.name}: use .xlsx or .csv")
    options = _options(region=region, school=school, status=status)
    for item in filters:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise click.UsageError(f"--filter {item!r}: expected KEY=VALUE")
        options[key.strip()] = value
    found = entity_named(entity)
    assert found is not None
    session = runtime.runtime().sessions()
    try:
        flt = exporter.make_filter(found, options)
        count = _write_atomically(
            file,
            lambda out: exporter.export(session, Actor.system("cli"), found, flt, fmt, out),
        )
    except DomainError as exc:
        raise _fail(exc) from exc
    finally:
        session.close()
    click.echo(f"exported {count} {entity} to {file}")


def _write_atomically(path: Path, write: Callable[[Any], int]) -> int:
    """Write through a temporary file beside ``path``, renamed into place when complete."""
    directory = path.resolve().parent
    if not directory.is_dir():
        raise click.UsageError(f"no such directory: {directory}")
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out:
            count = write(out)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return count
