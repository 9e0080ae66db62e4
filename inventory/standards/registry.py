"""Standard versions: the shipped default and those admins added; reports pick one by name."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

import sqlalchemy as sa
from sqlalchemy.orm import Session

from inventory.actor import Actor
from inventory.errors import NotFound, duplicate
from inventory.models import SchoolType, StandardVersion
from inventory.standards.loader import default_source, default_standard, parse
from inventory.standards.rules import Standard
from inventory.unit_of_work import UnitOfWork

BUILTIN = "builtin"


@dataclass(frozen=True)
class StandardEntry:
    """A standard version with where it comes from and its source text."""

    standard: Standard
    source: str
    origin: str  # "builtin" (the shipped file) or the name of the admin who added it
    created_at: datetime | None
    current: bool


@lru_cache(maxsize=64)
def _parsed(source: str) -> Standard:
    return parse(source)


def _stored(session: Session) -> list[StandardVersion]:
    return list(
        session.scalars(
            sa.select(StandardVersion).order_by(StandardVersion.created_at, StandardVersion.id)
        )
    )


def list_standards(session: Session) -> list[StandardEntry]:
    """Every version, the shipped one first; the newest is current (what reports use)."""
    stored = _stored(session)
    entries = [StandardEntry(default_standard(), default_source(), BUILTIN, None, not stored)]
    for index, row in enumerate(stored):
        entries.append(
            StandardEntry(
                _parsed(row.source),
                row.source,
                row.created_by,
                row.created_at,
                index == len(stored) - 1,
            )
        )
    return entries


def get_entry(session: Session, version: str | None = None) -> StandardEntry:
    """The version named (default: the current one), or NotFound."""
    entries = list_standards(session)
    if version is None:
        return next(entry for entry in entries if entry.current)
    for entry in entries:
        if entry.standard.version == version:
            return entry
    raise NotFound(f"no standard with version {version!r}")


def get_standard(session: Session, version: str | None = None) -> Standard:
    """The rules of the version named (default: the current one)."""
    return get_entry(session, version).standard


def add_standard(uow: UnitOfWork, actor: Actor, source: str) -> StandardEntry:
    """Store a new version from its TOML text (admins); it becomes the current standard.

    One unit of work: committed once stored, the database as it was if the text is refused.
    """
    with uow:
        entry = _add(uow.session, actor, source)
        uow.commit()
        return entry


def _add(session: Session, actor: Actor, source: str) -> StandardEntry:
    actor.require_admin()
    known = set(session.scalars(sa.select(SchoolType.code)))
    standard = parse(source, known)
    taken = standard.version == default_standard().version or session.scalar(
        sa.select(StandardVersion.id).where(StandardVersion.version == standard.version)
    )
    if taken:
        raise duplicate("version", f"standard version {standard.version!r} exists already")
    row = StandardVersion(
        version=standard.version,
        name_zh=standard.name_zh,
        name_en=standard.name_en,
        source=source,
        created_by=actor.name,
    )
    session.add(row)
    session.flush()
    return StandardEntry(standard, source, actor.name, row.created_at, True)
