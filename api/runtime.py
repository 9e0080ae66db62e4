"""What the app holds for its whole life: engine, the one sessionmaker, the secret box.

Views get a request-scoped session from ``session()``; it is closed (and rolled back if not
committed) when the request ends.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app, g
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from api import config
from inventory.db import make_engine, make_sessionmaker
from inventory.secretbox import SecretBox


@dataclass
class Runtime:
    """Long-lived resources of one app."""

    engine: Engine
    sessions: sessionmaker[Session]
    secret_box: SecretBox


def init_app(app: Flask) -> None:
    """Create the engine, sessionmaker and secret box; close the request session at teardown."""
    # A pooled connection that died with a database restart is replaced before use, not
    # handed to a request (which would then answer 503).
    engine = make_engine(app.config["DATABASE_URL"], pool_pre_ping=True)
    app.extensions["digicampus"] = Runtime(
        engine, make_sessionmaker(engine), SecretBox(config.fernet_keys(app))
    )
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


def _close_session(_exc: BaseException | None) -> None:
    db = g.pop("db_session", None)
    if db is not None:
        db.close()
