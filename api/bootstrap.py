"""The composition root: one settings object in, the process's long-lived parts out.

Framework-free on purpose (layer contract in .importlinter): the web app (``web.create_app``),
the commands and the collector process (``digicampus collect``, which builds no Flask app)
all start here, so they share one database setup, one secret box and one set of checks.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from api.config import Settings, instance_secret
from inventory import localday
from inventory.db import make_engine, make_sessionmaker
from inventory.secretbox import SecretBox


@dataclass
class Runtime:
    """What one process holds for its whole life."""

    engine: Engine
    sessions: sessionmaker[Session]
    secret_box: SecretBox
    settings: Settings  # what it was built from


def bootstrap(settings: Settings) -> Runtime:
    """The engine, the one sessionmaker and the secret box for ``settings``.

    Writes only what a development start needs and was not configured: the instance folder
    for the SQLite file and its Fernet key file (production requires both configured).
    """
    localday.configure(settings.time_zone)  # process-wide: every date people read
    if settings.uses_instance_database:
        settings.instance_path.mkdir(parents=True, exist_ok=True)
    # A pooled connection that died with a database restart is replaced before use, not
    # handed to a request (which would then answer 503).
    engine = make_engine(settings.database_url, pool_pre_ping=True)
    keys = settings.fernet_keys or [
        instance_secret(settings.instance_path, "fernet.key", SecretBox.generate_key())
    ]
    return Runtime(engine, make_sessionmaker(engine), SecretBox(keys), settings)
