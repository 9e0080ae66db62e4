"""``digicampus backup FILE`` and ``digicampus restore FILE``: the whole database in a
portable file (inventory/backup.py), with progress bars."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from api import runtime
from inventory import backup
from inventory.models import Base


def _total_rows(engine: sa.Engine) -> int:
    with engine.connect() as connection:
        return sum(
            int(connection.scalar(sa.select(sa.func.count()).select_from(table)) or 0)
            for table in Base.metadata.sorted_tables
        )


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(file: Path) -> None:
    """Write every table to FILE (a zip of JSON lines). Secrets stay encrypted; keys are not in it."""
    engine = runtime.runtime().engine
    # Written beside the target and renamed at the end: a failed backup leaves no half file.
    fd, partial = tempfile.mkstemp(prefix=f".{file.name}.", dir=file.parent or Path("."))
    try:
        with (
            os.fdopen(fd, "wb") as out,
            click.progressbar(length=_total_rows(engine), label="Backing up", show_pos=True) as bar,
        ):
            manifest = backup.backup(engine, out, bar.update)
        os.replace(partial, file)
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        if os.path.exists(partial):
            os.remove(partial)
    rows = sum(entry["rows"] for entry in manifest["tables"])
    click.echo(
        f"{file}: {rows} rows of {len(manifest['tables'])} tables, revision {manifest['revision']}"
    )
    click.echo(
        "The Fernet keys are not in the backup: keep them (FERNET_KEYS) to read SNMP secrets."
    )


class _Refused(click.ClickException):
    """A damaged backup: one line saying where and what, and exit status 2 (as for bad input)."""

    exit_code = 2


@click.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace the data of a database that is not empty.")
@with_appcontext
def restore_command(file: Path, force: bool) -> None:
    """Load FILE into this database (empty, or any with --force), in one transaction.

    A damaged file is refused with one line naming the table, the line and what is wrong,
    exit status 2, and the database as it was.
    """
    engine = runtime.runtime().engine
    try:
        manifest = backup.read_manifest(file)
        total = sum(entry["rows"] for entry in manifest["tables"])
        with click.progressbar(length=total, label="Restoring", show_pos=True) as bar:
            backup.restore(engine, file, force=force, progress=bar.update)
    except backup.CorruptBackup as exc:
        raise _Refused(str(exc)) from exc
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"restored {total} rows at revision {manifest['revision']} from {file}")
