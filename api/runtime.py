"""The app's handle on the process runtime (``api.bootstrap``), and the request's session.

Views get a request-scoped session from ``session()``; it is closed (and rolled back if not
committed) when the request ends.
"""

from __future__ import annotations

from flask import Flask, current_app, g
from sqlalchemy.orm import Session

from api.bootstrap import Runtime
from inventory.unit_of_work import SessionUnitOfWork

__all__ = ["Runtime", "init_app", "runtime", "session", "uow"]


def init_app(app: Flask, rt: Runtime) -> None:
    """Keep ``rt`` for the app's life; close the request session at teardown."""
    app.extensions["digicampus"] = rt
    app.teardown_appcontext(_close_session)


def runtime() -> Runtime:
    """The current app's runtime."""
    rt: Runtime = current_app.extensions["digicampus"]
    return rt


def session() -> Session:
    """The request's session, opened on first use."""
    if "db_session" not in g:
        g.db_session = runtime().sessions()
    db: Session = g.db_session
    return db


def uow() -> SessionUnitOfWork:
    """A unit of work on the request's session, for a service to begin and end its transaction
    in (views never commit)."""
    return SessionUnitOfWork(session())


def _close_session(_exc: BaseException | None) -> None:
    db = g.pop("db_session", None)
    if db is not None:
        db.close()
