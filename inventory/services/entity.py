"""One entity's use cases behind one interface, each write in its own unit of work.

The generic API resource (``api/crud.py``) and the generic form view (``dashboards/forms.py``)
know an entity only through its ``EntityService``: list a page, get one, create, update and
remove (archive or delete). The domain operations it wraps take a session and never commit, so
that a spreadsheet import can run thousands of them in one transaction; this wrapper is where a
single use case begins and ends its transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Generic, TypeVar

from sqlalchemy.orm import Session

from inventory.actor import Actor
from inventory.models import Base
from inventory.services.common import PageRequest, PageResult
from inventory.unit_of_work import UnitOfWork

M = TypeVar("M", bound=Base)
F = TypeVar("F")  # the entity's list filter (a frozen dataclass)
K = TypeVar("K", int, str)  # how one is named in a URL: id or code


@dataclass(frozen=True)
class EntityService(Generic[M, F, K]):
    """The use cases of one entity. Reads take the caller's session; writes a unit of work.

    ``parent`` is the school code for things that belong to a school (classrooms, uplinks...)
    and None for top-level entities (schools, credentials).
    """

    list_page: Callable[[Session, Actor, F, PageRequest], PageResult[M]]
    get: Callable[[Session, Actor, K], M]
    # The values are the entity's typed input (``ClassroomValues``...), which the API's schemas
    # produce; Any, since a function of one entity's TypedDict is no function of any Mapping.
    add: Callable[[Session, Actor, str | None, Any], M]
    change: Callable[[Session, Actor, K, Any], M]
    # Archive (a date, returns the archived object) or delete (returns None).
    retire: Callable[[Session, Actor, K, date | None], M | None]

    def create(
        self, uow: UnitOfWork, actor: Actor, parent: str | None, values: Mapping[str, Any]
    ) -> M:
        """Register one, in a transaction of its own."""
        with uow:
            obj = self.add(uow.session, actor, parent, values)
            uow.commit()
            return obj

    def update(self, uow: UnitOfWork, actor: Actor, key: K, changes: Mapping[str, Any]) -> M:
        """Change some fields of one, in a transaction of its own."""
        with uow:
            obj = self.change(uow.session, actor, key, changes)
            uow.commit()
            return obj

    def remove(self, uow: UnitOfWork, actor: Actor, key: K, on: date | None = None) -> M | None:
        """Archive (on ``on``, default today) or delete one, in a transaction of its own."""
        with uow:
            obj = self.retire(uow.session, actor, key, on)
            uow.commit()
            return obj


def school_code(parent: str | None) -> str:
    """The school a child entity (classroom, uplink, device...) is created under."""
    if parent is None:
        raise TypeError("a school's child is created under a school code")
    return parent
