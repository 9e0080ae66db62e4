"""Backup and restore of the whole database in a portable file, the same on SQLite and
PostgreSQL: a zip of one JSON-lines file per table, in foreign-key order, and a manifest
with the schema revision and row counts.

The file holds what the database holds: SNMP secrets as ciphertext, password and token
hashes — not the Fernet keys, which live in configuration. Restoring on another machine
needs the same ``FERNET_KEYS`` for the secrets to decrypt.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import zipfile
import zlib
from collections.abc import Callable, Iterator
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import IO, Any

import sqlalchemy as sa
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, Engine

from inventory import migrate
from inventory.models import Base
from inventory.models.base import utcnow

FORMAT = "digicampus-backup"
VERSION = 1
MANIFEST = "manifest.json"
BATCH = 1000
# A database holds somebody's work if any of these has a row (every change is logged).
DATA_TABLES = ("change_record", "app_user", "school", "snmp_credential", "device")

Progress = Callable[[int], None]


class BackupError(Exception):
    """The file is not a backup, or it cannot be restored into this database."""


class CorruptBackup(BackupError):
    """The file is no backup, or a damaged one: which table, which line and what is wrong."""


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _encode(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, Enum):
        return value.value
    raise TypeError(f"cannot back up a {type(value).__name__}")


def _decoder(column: sa.Column[Any]) -> Callable[[Any], Any]:
    """How a JSON value of ``column`` becomes the Python value the column binds."""
    kind = column.type
    if isinstance(kind, sa.types.TypeDecorator):
        kind = kind.impl_instance
    if isinstance(kind, sa.DateTime):
        return datetime.fromisoformat
    if isinstance(kind, sa.Date):
        return date.fromisoformat
    if isinstance(kind, sa.Float):
        return float
    if isinstance(kind, sa.Numeric):
        return Decimal
    if isinstance(kind, sa.LargeBinary):
        return base64.b64decode
    if isinstance(kind, sa.Enum) and kind.enum_class is not None:
        return kind.enum_class
    return lambda value: value


def _tables() -> list[sa.Table]:
    return list(Base.metadata.sorted_tables)


def _parents_first(table: sa.Table, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows of a self-referencing table (regions) ordered so that every parent comes first."""
    links = [
        (fk.parent.name, fk.column.name) for fk in table.foreign_keys if fk.column.table is table
    ]
    if not links:
        return rows
    (child, parent), *_ = links
    placed: set[Any] = set()
    ordered: list[dict[str, Any]] = []
    pending = rows
    while pending:
        ready = [r for r in pending if r[child] is None or r[child] in placed]
        if not ready:
            raise BackupError(f"table {table.name}: a reference loop among its rows")
        ordered += ready
        placed.update(r[parent] for r in ready)
        taken = {id(r) for r in ready}
        pending = [r for r in pending if id(r) not in taken]
    return ordered


def _rows(connection: Connection, table: sa.Table) -> Iterator[dict[str, Any]]:
    stmt = sa.select(table).order_by(*table.primary_key.columns)
    result = connection.execution_options(stream_results=True, yield_per=BATCH).execute(stmt)
    rows: Iterator[dict[str, Any]] = (dict(row._mapping) for row in result)
    if any(fk.column.table is table for fk in table.foreign_keys):
        return iter(_parents_first(table, list(rows)))
    return rows


def backup(
    engine: Engine, target: Path | IO[bytes], progress: Progress | None = None
) -> dict[str, Any]:
    """Write every table to ``target``; returns the manifest. One snapshot transaction."""
    counts: dict[str, int] = {}
    with engine.connect() as connection, connection.begin():
        if engine.dialect.name == "postgresql":
            connection.execute(sa.text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"))
        revision = migrate.current_revision_on(connection)
        if revision is None:
            raise BackupError("the database has no schema: nothing to back up")
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
            for table in _tables():
                count = 0
                with archive.open(f"tables/{table.name}.jsonl", "w", force_zip64=True) as raw:
                    out = io.TextIOWrapper(raw, encoding="utf-8", newline="\n")
                    for row in _rows(connection, table):
                        out.write(json.dumps(row, default=_encode, ensure_ascii=False))
                        out.write("\n")
                        count += 1
                        if progress is not None and count % BATCH == 0:
                            progress(BATCH)
                    out.flush()
                    out.detach()
                if progress is not None:
                    progress(count % BATCH)
                counts[table.name] = count
            manifest = {
                "format": FORMAT,
                "version": VERSION,
                "revision": revision,
                "created_at": utcnow().isoformat(),
                "dialect": engine.dialect.name,
                "tables": [{"name": name, "rows": rows} for name, rows in counts.items()],
            }
            archive.writestr(MANIFEST, json.dumps(manifest, indent=2))
    return manifest


def read_manifest(source: Path | IO[bytes]) -> dict[str, Any]:
    """The manifest of a backup file, checked to be one this release can read."""
    try:
        with zipfile.ZipFile(source) as archive:
            manifest: dict[str, Any] = json.loads(archive.read(MANIFEST))
    except (zipfile.BadZipFile, zlib.error, EOFError, KeyError, ValueError, OSError) as exc:
        raise CorruptBackup("not a digicampus backup (no readable manifest)") from exc
    if not isinstance(manifest, dict):
        raise CorruptBackup("not a digicampus backup (no readable manifest)")
    if manifest.get("format") != FORMAT or manifest.get("version") != VERSION:
        raise CorruptBackup(f"not a digicampus backup of format version {VERSION}")
    tables = manifest.get("tables")
    if (
        not isinstance(manifest.get("revision"), str)
        or not isinstance(tables, list)
        or not all(
            isinstance(entry, dict)
            and isinstance(entry.get("name"), str)
            and isinstance(entry.get("rows"), int)
            for entry in tables
        )
    ):
        raise CorruptBackup("the backup's manifest is damaged (no revision or table list)")
    return manifest


def has_data(connection: Connection) -> bool:
    """Whether the database holds schools, users, credentials, devices or change-log entries."""
    return any(
        connection.scalar(sa.select(sa.literal(1)).select_from(Base.metadata.tables[name]).limit(1))
        for name in DATA_TABLES
    )


def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(migrate._config_without_engine())


def _known_revision(revision: str) -> bool:
    try:
        return _scripts().get_revision(revision) is not None
    except Exception:  # alembic raises several kinds for an unknown id
        return False


def head_revision() -> str | None:
    """The revision this release migrates a database to."""
    return _scripts().get_current_head()


def _unknown(revision: str) -> BackupError:
    head = head_revision()
    return BackupError(
        f"the backup is of schema revision {revision}, unknown to this release (which "
        f"migrates to {head}): restore it with the release that wrote it"
    )


def restore(
    engine: Engine, source: Path, *, force: bool = False, progress: Progress | None = None
) -> dict[str, Any]:
    """Replace every row with the backup's, in one transaction; returns the manifest.

    A database without a schema is first migrated to the backup's revision. Refused: a
    backup of another revision than the database's, and (unless ``force``) a database
    that already holds data.
    """
    manifest = read_manifest(source)
    revision = manifest["revision"]
    if migrate.current_revision(engine) is None:
        if not _known_revision(revision):
            raise _unknown(revision)
        migrate.upgrade(engine, revision)
    tables = {table.name: table for table in _tables()}
    listed = [entry["name"] for entry in manifest["tables"]]
    if sorted(listed) != sorted(tables):
        raise CorruptBackup("the backup's tables differ from this schema's")
    with engine.begin() as connection, zipfile.ZipFile(source) as archive:
        current = migrate.current_revision_on(connection)
        if current != revision:
            if not _known_revision(revision):
                raise _unknown(revision)
            raise BackupError(
                f"the backup is of schema revision {revision}, the database is at {current}: "
                f"restore into an empty database (restore migrates it to {revision} first), "
                f"then run `digicampus db upgrade` (to {head_revision()})"
            )
        if not force and has_data(connection):
            raise BackupError("the database already holds data; restore --force replaces it all")
        for table in reversed(_tables()):
            # A row may not go before the rows that point at it: unlink a tree first.
            if tree := {
                fk.parent.name: None for fk in table.foreign_keys if fk.column.table is table
            }:
                connection.execute(table.update().values(tree))
            connection.execute(table.delete())
        for name in listed:
            _load_table(connection, tables[name], archive, progress)
        if engine.dialect.name == "postgresql":
            _reset_sequences(connection)
    return manifest


def _load_table(
    connection: Connection, table: sa.Table, archive: zipfile.ZipFile, progress: Progress | None
) -> None:
    """Insert the rows of one table's file; CorruptBackup names the line of the first bad one.

    Lines are read as bytes and decoded one by one, so a damaged line is named exactly.
    """
    decoders = {column.name: _decoder(column) for column in table.columns}
    name = f"tables/{table.name}.jsonl"
    batch: list[tuple[int, dict[str, Any]]] = []
    number = 0
    try:
        with archive.open(name) as raw:
            for number, data in enumerate(raw, 1):
                batch.append((number, _row(table, decoders, number, data)))
                if len(batch) >= BATCH:
                    _insert(connection, table, batch, progress)
                    batch = []
    except KeyError:
        raise CorruptBackup(f"table {table.name}: its file {name} is missing") from None
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise CorruptBackup(
            f"table {table.name}, line {number + 1}: the file is damaged ({_one_line(str(exc))})"
        ) from None
    if batch:
        _insert(connection, table, batch, progress)


def _row(
    table: sa.Table, decoders: dict[str, Callable[[Any], Any]], number: int, data: bytes
) -> dict[str, Any]:
    where = f"table {table.name}, line {number}"
    try:
        row = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise CorruptBackup(
            f"{where}: not UTF-8 text (byte {exc.start + 1}), the file is damaged"
        ) from None
    except json.JSONDecodeError as exc:
        raise CorruptBackup(f"{where}: not valid JSON ({exc.msg}, column {exc.colno})") from None
    if not isinstance(row, dict):
        raise CorruptBackup(f"{where}: not a JSON object")
    if set(row) != set(decoders):
        missing = ", ".join(sorted(set(decoders) - set(row))[:5]) or "none"
        unknown = ", ".join(sorted(set(row) - set(decoders))[:5]) or "none"
        raise CorruptBackup(
            f"{where}: a row's columns differ from the schema's (missing: {missing}; "
            f"unknown: {unknown})"
        )
    decoded: dict[str, Any] = {}
    for key, value in row.items():
        try:
            decoded[key] = None if value is None else decoders[key](value)
        except (ValueError, TypeError, ArithmeticError, binascii.Error):
            raise CorruptBackup(
                f"{where}, column {key}: {_one_line(repr(value))[:60]} is not a valid "
                f"{table.c[key].type.__class__.__name__.lower()}"
            ) from None
    return decoded


def _insert(
    connection: Connection,
    table: sa.Table,
    batch: list[tuple[int, dict[str, Any]]],
    progress: Progress | None,
) -> None:
    """Insert a batch; if the database refuses it, find the line it refuses and say why."""
    try:
        with connection.begin_nested():
            connection.execute(table.insert(), [row for _number, row in batch])
    except (sa.exc.StatementError, ValueError) as exc:
        for number, row in batch:
            try:
                with connection.begin_nested():
                    connection.execute(table.insert(), row)
            except (sa.exc.StatementError, ValueError) as refused:
                raise CorruptBackup(
                    f"table {table.name}, line {number}: {_refusal(connection, table, row, refused)}"
                ) from None
        first, last = batch[0][0], batch[-1][0]
        raise CorruptBackup(
            f"table {table.name}, lines {first}-{last}: {_refusal(connection, table, {}, exc)}"
        ) from None
    if progress is not None:
        progress(len(batch))


def _refusal(connection: Connection, table: sa.Table, row: dict[str, Any], exc: Exception) -> str:
    """Why the database refused ``row``: the reference that points nowhere, or the driver's
    first line (statement parameters are hidden: they may hold ciphertext)."""
    for fk in table.foreign_keys:
        value = row.get(fk.parent.name)
        if value is None or fk.column.table is table:
            continue
        found = connection.scalar(
            sa.select(sa.literal(1)).select_from(fk.column.table).where(fk.column == value)
        )
        if found is None:
            return (
                f"column {fk.parent.name} refers to {fk.column.table.name} "
                f"{fk.column.name} {value!r}, which the backup does not have"
            )
    original = getattr(exc, "orig", None) or exc
    lines = str(original).strip().splitlines()
    return _one_line(lines[0] if lines else type(original).__name__)


def _reset_sequences(connection: Connection) -> None:
    """Make the next generated id follow the restored ones (PostgreSQL keeps counters apart)."""
    for table in _tables():
        columns = list(table.primary_key.columns)
        if len(columns) != 1 or not isinstance(columns[0].type, sa.Integer):
            continue
        column = columns[0]
        sequence = connection.scalar(
            sa.text("SELECT pg_get_serial_sequence(:table, :column)"),
            {"table": table.name, "column": column.name},
        )
        if sequence is None:
            continue
        top = connection.scalar(sa.select(sa.func.max(column)))
        if top is None:
            connection.execute(sa.text("SELECT setval(:seq, 1, false)"), {"seq": sequence})
        else:
            connection.execute(sa.text("SELECT setval(:seq, :top)"), {"seq": sequence, "top": top})
