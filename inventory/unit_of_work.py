"""The unit of work: a use case's one transaction, begun and ended by the service itself.

In the manner of cosmicpython's ``service_layer/unit_of_work.py``. A service that changes data
takes a ``UnitOfWork``, does its work on ``uow.session`` inside ``with uow:`` and calls
``uow.commit()`` when the whole use case has succeeded; leaving the block without a commit
(an error, an early return) rolls everything back, so a failed write leaves the database as it
was. Callers (the API, the pages, the CLI) never commit.

Two ways to get a session, one behaviour:

- ``SessionUnitOfWork(session)`` works on a session its caller opened and will close: the web
  request's session (reads before and after the write see one identity map).
- ``SqlAlchemyUnitOfWork(sessions)`` opens a session from the factory for the block and closes
  it after (the CLI, the collector, scripts).
"""

from __future__ import annotations

from types import TracebackType
from typing import Protocol, Self

from sqlalchemy.orm import Session, sessionmaker


class UnitOfWork(Protocol):
    """What a service needs of a transaction."""

    session: Session

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...


class SessionUnitOfWork:
    """A unit of work on a session owned by the caller (the request's); never closes it."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._committed = False

    def __enter__(self) -> Self:
        self._committed = False
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is not None or not self._committed:
            self.rollback()

    def commit(self) -> None:
        self.session.commit()
        self._committed = True

    def rollback(self) -> None:
        self.session.rollback()


class SqlAlchemyUnitOfWork(SessionUnitOfWork):
    """A unit of work on a fresh session from ``sessions``, closed when the block ends."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def __enter__(self) -> Self:
        self.session = self._sessions()
        return super().__enter__()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            super().__exit__(exc_type, exc, tb)
        finally:
            self.session.close()
