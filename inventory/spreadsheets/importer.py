"""Import a sheet: every row upserted by natural key through the services, all or nothing.

Each row is parsed (``columns``), matched to an existing object by its natural key, and then
created, corrected or left alone through the entity's service (``create_*`` / ``update_*``), so
the domain rules and the change log stay in the service layer. Every bad row is reported, with
the row number and column as the person sees them in Excel, not just the first one. Nothing is
kept unless every row is good: the import is one unit of work, committed only when every row
is good and it is not a dry run, and rolled back otherwise. All the changes carry one
change-log batch id. Callers never commit.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import IO, Any, ClassVar, cast

import sqlalchemy as sa
from openpyxl.utils import get_column_letter
from sqlalchemy.orm import Session

from inventory.actor import Actor
from inventory.errors import DomainError, NotFound
from inventory.models import (
    Base,
    CampusNetwork,
    Device,
    NetworkLink,
    School,
    SnmpCredential,
)
from inventory.models.network import CampusNetworkValues, DeviceValues, LinkValues
from inventory.models.schools import ClassroomValues, SchoolValues
from inventory.services import campus_networks, classrooms, devices, links, schools
from inventory.services.common import school_by_code
from inventory.spreadsheets.columns import (
    CAMPUS_NETWORKS,
    CLASSROOMS,
    DEVICES,
    LINKS,
    SCHOOLS,
    CellError,
    Entity,
    is_blank,
    shown,
)
from inventory.spreadsheets.limits import Limits
from inventory.spreadsheets.reader import (
    FORMULA_WITHOUT_VALUE,
    MissingSharedString,
    Sheet,
    open_sheet,
)
from inventory.unit_of_work import UnitOfWork

MAX_REPORTED_ERRORS = 10_000  # beyond this, errors are counted but not listed
PROGRESS_EVERY = 500  # rows between two progress() calls
# Characters no database column can hold: NUL (PostgreSQL text) and lone surrogates (UTF-8).
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def unstorable(raw: object) -> str | None:
    """Why a cell's text cannot be stored (which character, where), or None."""
    if not isinstance(raw, str):
        return None
    found = _UNSTORABLE.search(raw)
    if found is None:
        return None
    return (
        f"holds the character U+{ord(found.group()):04X} at position {found.start() + 1}, "
        "which cannot be stored (the file's text is damaged or in another encoding)"
    )


def _printable(raw: object) -> object:
    """A value for an error report that JSON and UTF-8 can carry."""
    if isinstance(raw, str) and _UNSTORABLE.search(raw):
        return _UNSTORABLE.sub("\ufffd", raw)
    return raw


@dataclass(frozen=True)
class RowError:
    """One problem of one row: where it is (row, column, cell), what was there, what is wrong."""

    row: int
    column: str | None
    field: str | None
    cell: str | None
    value: str | None
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "column": self.column,
            "field": self.field,
            "cell": self.cell,
            "value": self.value,
            "message": self.message,
        }


@dataclass
class ImportResult:
    """What an import did (or, on a dry run or with errors, would have done)."""

    entity: str
    dry_run: bool
    sheet: str | None
    header_row: int
    columns: list[str]
    ignored_columns: list[str]
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    bad_rows: int = 0
    error_count: int = 0
    errors: list[RowError] = field(default_factory=list)
    batch_id: str | None = None

    @property
    def ok(self) -> bool:
        """No row has an error."""
        return self.error_count == 0

    @property
    def committable(self) -> bool:
        """The rows are kept: a real run without errors."""
        return self.ok and not self.dry_run

    @property
    def written_batch(self) -> str | None:
        """The change-log batch of the written changes (None if nothing was written)."""
        return self.batch_id if self.committable and (self.created or self.updated) else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "entity": self.entity,
            "dry_run": self.dry_run,
            "committed": self.committable,
            "sheet": self.sheet,
            "header_row": self.header_row,
            "columns": self.columns,
            "ignored_columns": self.ignored_columns,
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "bad_rows": self.bad_rows,
            "error_count": self.error_count,
            "errors": [error.as_dict() for error in self.errors],
            "batch_id": self.written_batch,
        }


class RowProblem(Exception):
    """Row-level errors found before or instead of a service call: {column key: [messages]}."""

    def __init__(self, fields: dict[str | None, list[str]]) -> None:
        super().__init__(fields)
        self.fields = fields


# --- per-entity adapters: natural-key lookup and the service calls --------------------------


class Adapter:
    """How one entity's rows meet the services: find by key, create, correct."""

    entity: Entity
    # Service error fields that name a column by another key (device_id → the address column).
    field_columns: ClassVar[Mapping[str, str]] = {}

    def __init__(self, session: Session, actor: Actor) -> None:
        self.session = session
        self.actor = actor

    def find(self, values: Mapping[str, Any]) -> Any:
        """The stored object with the row's natural key (anything with its columns as
        attributes), or None."""
        raise NotImplementedError

    def create(self, values: dict[str, Any]) -> None:
        raise NotImplementedError

    def update(self, obj: Any, changes: dict[str, Any]) -> None:
        raise NotImplementedError

    def finish(self) -> None:
        """Write whatever is still buffered (adapters that batch their writes)."""
        self.session.flush()

    def check_school(self, obj: Any, values: Mapping[str, Any]) -> None:
        """An object found by a key of its own cannot move to another school in a sheet."""
        code = values.get("school_code")
        school = getattr(obj, "school", None)
        if code is not None and school is not None and school.code != code:
            # Not naming the other school: it may be outside the actor's scope.
            raise RowProblem(
                {
                    "school_code": [
                        f"this {self.entity.noun} is registered at another school; a sheet "
                        "cannot move it to another school"
                    ]
                }
            )

    def school_id(self, code: str) -> int:
        """The id of the school with this code that the actor may change (looked up once per
        import), or a row problem."""
        cache: dict[str, int | None] = self.__dict__.setdefault("_schools", {})
        if code not in cache:
            try:
                cache[code] = school_by_code(self.session, self.actor, code, write=True).id
            except NotFound:
                cache[code] = None
        school_id = cache[code]
        if school_id is None:
            raise RowProblem({"school_code": [f"no school with code {code!r}"]})
        return school_id


class SchoolAdapter(Adapter):
    entity = SCHOOLS

    def find(self, values: Mapping[str, Any]) -> Base | None:
        return self.session.scalar(sa.select(School).where(School.code == values["code"]))

    def create(self, values: dict[str, Any]) -> None:
        schools.create_school(self.session, self.actor, cast(SchoolValues, values))

    def update(self, obj: Base, changes: dict[str, Any]) -> None:
        assert isinstance(obj, School)
        schools.update_school(self.session, self.actor, obj.code, cast(SchoolValues, changes))


class CampusNetworkAdapter(Adapter):
    entity = CAMPUS_NETWORKS

    def find(self, values: Mapping[str, Any]) -> Base | None:
        school_id = self.school_id(values["school_code"])
        return self.session.scalar(
            sa.select(CampusNetwork).where(
                CampusNetwork.school_id == school_id,
                CampusNetwork.commissioned_on == values["commissioned_on"],
            )
        )

    def create(self, values: dict[str, Any]) -> None:
        code = values.pop("school_code")
        state = cast(CampusNetworkValues, values)
        campus_networks.create_campus_network(self.session, self.actor, code, state)

    def update(self, obj: Base, changes: dict[str, Any]) -> None:
        assert isinstance(obj, CampusNetwork)
        state = cast(CampusNetworkValues, changes)
        campus_networks.update_campus_network(self.session, self.actor, obj.id, state)


class _References(Adapter):
    """Resolves the address of a carrying device and the name of a credential profile."""

    def device_id(self, address: str | None) -> int | None:
        if address is None:
            return None
        found = self.session.scalar(sa.select(Device.id).where(Device.mgmt_address == address))
        if found is None:
            raise RowProblem(
                {"device_address": [f"no device has the address {address} (import devices first)"]}
            )
        return found

    def credential_id(self, name: str | None) -> int | None:
        if name is None:
            return None
        found = self.session.scalar(sa.select(SnmpCredential.id).where(SnmpCredential.name == name))
        if found is None:
            raise RowProblem({"credential": [f"no SNMP credential profile named {name!r}"]})
        return found


class LinkAdapter(_References):
    entity = LINKS
    field_columns: ClassVar[Mapping[str, str]] = {"device_id": "device_address"}

    def find(self, values: Mapping[str, Any]) -> Base | None:
        self.school_id(values["school_code"])
        link = self.session.scalar(
            sa.select(NetworkLink).where(NetworkLink.circuit_id == values["circuit_id"])
        )
        if link is not None:
            self.check_school(link, values)
        return link

    def _data(self, values: dict[str, Any]) -> LinkValues:
        values.pop("school_code", None)
        if "device_address" in values:
            values["device_id"] = self.device_id(values.pop("device_address"))
        return cast(LinkValues, values)

    def create(self, values: dict[str, Any]) -> None:
        code = values["school_code"]
        links.create_link(self.session, self.actor, code, self._data(values))

    def update(self, obj: Base, changes: dict[str, Any]) -> None:
        assert isinstance(obj, NetworkLink)
        links.update_link(self.session, self.actor, obj.id, self._data(changes))


class DeviceAdapter(_References):
    entity = DEVICES
    field_columns: ClassVar[Mapping[str, str]] = {"credential_id": "credential"}

    def find(self, values: Mapping[str, Any]) -> Base | None:
        self.school_id(values["school_code"])
        device = self.session.scalar(
            sa.select(Device).where(Device.mgmt_address == values["mgmt_address"])
        )
        if device is not None:
            self.check_school(device, values)
        return device

    def _data(self, values: dict[str, Any]) -> DeviceValues:
        values.pop("school_code", None)
        if "credential" in values:
            values["credential_id"] = self.credential_id(values.pop("credential"))
        return cast(DeviceValues, values)

    def create(self, values: dict[str, Any]) -> None:
        code = values["school_code"]
        devices.create_device(self.session, self.actor, code, self._data(values))

    def update(self, obj: Base, changes: dict[str, Any]) -> None:
        assert isinstance(obj, Device)
        devices.update_device(self.session, self.actor, obj.id, self._data(changes))


class ClassroomAdapter(Adapter):
    """Classrooms come by the ten thousand: the service's batch helper asks the database for
    each school and its rooms once, and inserts in chunks (same rules as create/update)."""

    entity = CLASSROOMS

    def __init__(self, session: Session, actor: Actor) -> None:
        super().__init__(session, actor)
        self.batch = classrooms.ClassroomImport(session, actor)

    def find(self, values: Mapping[str, Any]) -> Any:
        try:
            return self.batch.find(values["school_code"], values["room_code"])
        except NotFound as exc:
            raise RowProblem({"school_code": [exc.message]}) from None

    def create(self, values: dict[str, Any]) -> None:
        code = values.pop("school_code")
        self.batch.create(code, cast(ClassroomValues, values))

    def update(self, obj: Any, changes: dict[str, Any]) -> None:
        self.batch.update(obj, cast(ClassroomValues, changes))

    def finish(self) -> None:
        self.batch.flush()


ADAPTERS: dict[str, type[Adapter]] = {
    adapter.entity.name: adapter
    for adapter in (
        SchoolAdapter,
        CampusNetworkAdapter,
        LinkAdapter,
        DeviceAdapter,
        ClassroomAdapter,
    )
}


# --- the import -----------------------------------------------------------------------------


class _Run:
    """The state of one import while its rows stream by."""

    def __init__(self, sheet: Sheet, adapter: Adapter, result: ImportResult) -> None:
        self.sheet = sheet
        self.adapter = adapter
        self.result = result
        self.entity = sheet.entity
        self.present = {column.key for _, column in sheet.columns}
        self.index = {column.key: index for index, column in sheet.columns}
        self.seen: dict[tuple[Any, ...], int] = {}

    def error(self, row: int, key: str | None, raw: object, message: str) -> None:
        self.result.error_count += 1
        if len(self.result.errors) >= MAX_REPORTED_ERRORS:
            return
        column = self.entity.column(key) if key and key in self.entity.by_key else None
        index = self.index.get(key) if key else None
        self.result.errors.append(
            RowError(
                row=row,
                column=column.header if column else None,
                field=key,
                cell=f"{get_column_letter(index + 1)}{row}" if index is not None else None,
                value=None
                if raw is FORMULA_WITHOUT_VALUE or is_blank(raw)
                else shown(_printable(raw)),
                message=message,
            )
        )

    def parse(self, number: int, cells: tuple[Any, ...]) -> dict[str, Any] | None:
        """The row's values by column key (blank → None, or left out where the default
        applies); None after reporting its cell errors."""
        values: dict[str, Any] = {}
        bad = False
        for index, column in self.sheet.columns:
            raw = cells[index] if index < len(cells) else None
            if raw is FORMULA_WITHOUT_VALUE:
                self.error(
                    number,
                    column.key,
                    raw,
                    "a formula without a calculated value (the file was not saved by Excel): "
                    "open and save it in Excel, or type the value",
                )
                bad = True
                continue
            if isinstance(raw, MissingSharedString):
                self.error(
                    number,
                    column.key,
                    None,
                    f"the cell points at {raw}, which the file does not have (the file is "
                    "damaged): open and save it in Excel, or type the value",
                )
                bad = True
                continue
            if (problem := unstorable(raw)) is not None:
                self.error(number, column.key, raw, problem)
                bad = True
                continue
            if is_blank(raw):
                if column.required:
                    self.error(number, column.key, raw, "is required")
                    bad = True
                elif not column.keeps_on_blank:
                    values[column.key] = None
                continue
            try:
                values[column.key] = column.field.parse(raw)
            except CellError as exc:
                self.error(number, column.key, raw, exc.message)
                bad = True
        return None if bad else values

    def raw(self, cells: tuple[Any, ...], key: str | None) -> object:
        index = self.index.get(key) if key else None
        return cells[index] if index is not None and index < len(cells) else None

    def apply(self, number: int, cells: tuple[Any, ...], values: dict[str, Any]) -> None:
        key = tuple(values[name] for name in self.entity.key)
        first = self.seen.get(key)
        if first is not None:
            columns = " + ".join(column.header for column in self.entity.key_columns)
            self.error(
                number,
                self.entity.key[-1],
                self.raw(cells, self.entity.key[-1]),
                f"duplicate of row {first} (same {columns})",
            )
            return
        self.seen[key] = number
        existing = self.adapter.find(values)
        if existing is None:
            missing = [
                column
                for column in self.entity.columns
                if column.required and column.key not in self.present
            ]
            if missing:
                raise RowProblem(
                    {
                        column.key: [
                            f"is required to create a new {self.entity.noun}: add the column "
                            f"{column.header}"
                        ]
                        for column in missing
                    }
                )
            self.adapter.create(values)
            self.result.created += 1
            return
        changes = {
            name: value
            for name, value in values.items()
            if name not in self.entity.key
            and name != "school_code"
            and self.entity.column(name).value_of(existing) != value
        }
        if not changes:
            self.result.unchanged += 1
            return
        self.adapter.update(existing, changes)
        self.result.updated += 1

    def row(self, number: int, cells: tuple[Any, ...]) -> None:
        self.result.rows += 1
        errors_before = self.result.error_count
        values = self.parse(number, cells)
        if values is not None:
            try:
                self.apply(number, cells, values)
            except RowProblem as problem:
                for key, messages in problem.fields.items():
                    for message in messages:
                        self.error(number, key, self.raw(cells, key), message)
            except DomainError as exc:
                self.service_error(number, cells, exc)
        if self.result.error_count > errors_before:
            self.result.bad_rows += 1

    def service_error(self, number: int, cells: tuple[Any, ...], exc: DomainError) -> None:
        if not exc.fields:
            key = (
                "school_code"
                if isinstance(exc, NotFound) and "school_code" in self.present
                else None
            )
            self.error(number, key, self.raw(cells, key), exc.message)
            return
        for name, messages in exc.fields.items():
            key = self.adapter.field_columns.get(name, name)
            column = key if key in self.entity.by_key else None
            for message in messages:
                self.error(number, column, self.raw(cells, column), message)


def import_sheet(
    uow: UnitOfWork,
    actor: Actor,
    source: IO[bytes],
    entity: Entity | None = None,
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
    on_open: Callable[[Sheet], None] | None = None,
    limits: Limits | None = None,
) -> ImportResult:
    """Import the rows of ``source`` (a seekable XLSX or CSV file) as ``entity`` (or guess it).

    Commits once when every row is good and it is not a dry run (``result.committable``);
    otherwise rolls back, leaving the database as it was. ``progress(n)`` is called with the
    number of rows done since the previous call; ``on_open(sheet)`` once the header row is found
    (e.g. to size a progress bar). Raises SpreadsheetError when the file cannot be read as a
    sheet at all, or goes past one of ``limits`` (defaults if None).
    """
    actor.require_write()
    batch = actor if actor.batch_id else actor.in_batch()
    with uow, open_sheet(source, entity, limits) as sheet:
        if on_open is not None:
            on_open(sheet)
        result = ImportResult(
            entity=sheet.entity.name,
            dry_run=dry_run,
            sheet=sheet.name,
            header_row=sheet.header_row,
            columns=[column.header for _, column in sheet.columns],
            ignored_columns=sheet.ignored_headers,
            batch_id=batch.batch_id,
        )
        adapter = ADAPTERS[sheet.entity.name](uow.session, batch)
        run = _Run(sheet, adapter, result)
        pending = 0
        with uow.session.no_autoflush:
            for number, cells in sheet.rows():
                run.row(number, cells)
                pending += 1
                if progress is not None and pending >= PROGRESS_EVERY:
                    progress(pending)
                    pending = 0
            adapter.finish()
        if progress is not None and pending:
            progress(pending)
        if result.committable:
            uow.commit()
    return result


__all__ = ["ImportResult", "RowError", "import_sheet", "is_blank"]
