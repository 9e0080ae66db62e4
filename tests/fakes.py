"""Test doubles that stand in for production collaborators."""

from __future__ import annotations

from typing import Self

from sqlalchemy.orm import Session

from inventory.unit_of_work import SessionUnitOfWork


class FakeUnitOfWork(SessionUnitOfWork):
    """A unit of work on a real session that counts what the use case asked of it.

    It commits and rolls back for real, so a test sees both what the use case decided (the
    counts) and what it left in the database.
    """

    def __init__(self, session: Session) -> None:
        super().__init__(session)
        self.blocks = 0
        self.commits = 0
        self.rollbacks = 0

    def __enter__(self) -> Self:
        self.blocks += 1
        super().__enter__()
        return self

    def commit(self) -> None:
        super().commit()
        self.commits += 1

    def rollback(self) -> None:
        super().rollback()
        self.rollbacks += 1
